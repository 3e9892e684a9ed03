"""Links of the catalog page: each is the full URL of the next state (a filter added or
removed, another page), so the page works without JavaScript and every state can be shared."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from modelhub.catalog.models import ResourceType
from modelhub.search import params
from modelhub.search.schemas import SearchQuery

TYPE_LABELS = {
    "model": "Models",
    "dataset": "Datasets",
    "notebook": "Notebooks",
    "application": "Applications",
}


@dataclass(frozen=True)
class Chip:
    """An active filter and the URL without it."""

    label: str
    remove_url: str


class CatalogLinks:
    """URLs derived from the current query."""

    def __init__(self, query: SearchQuery) -> None:
        self.query = query

    def _with(self, **changes: Any) -> str:
        # a new filter or order starts again at page 1
        changes.setdefault("page", 1)
        return params.url(self.query.model_copy(update=changes))

    def current(self) -> str:
        return params.url(self.query)

    def type(self, value: str | None) -> str:
        return self._with(type=ResourceType(value) if value else None)

    def tag(self, tag: str) -> str:
        """Toggle ``tag``: add it to the filters, or remove it when it is one."""
        tags = list(self.query.tags)
        key = tag.strip().lower()
        kept = [t for t in tags if t.strip().lower() != key]
        return self._with(tags=kept if len(kept) < len(tags) else [*tags, tag])

    def license(self, value: str) -> str:
        return self._with(license=None if self.query.license == value else value)

    def format(self, value: str) -> str:
        formats = list(self.query.formats)
        return self._with(
            formats=[f for f in formats if f != value] if value in formats else [*formats, value]
        )

    def checked(self) -> str:
        return self._with(checked=not self.query.checked)

    def compatible(self, value: str | None) -> str:
        """Toggle the compatibility filter to ``value`` (None, or the value set: removed)."""
        return self._with(compatible=None if value == self.query.compatible else value)

    def page(self, number: int) -> str:
        return self._with(page=number)

    def without_partner(self) -> str:
        return self._with(partner=None, type=None)

    def without_words(self) -> str:
        return self._with(q=None)

    def hidden_fields(self, *leave_out: str) -> list[tuple[str, str]]:
        """The state as hidden form fields (for the sort form), page left out."""
        skip = {"page", *leave_out}
        return [(k, v) for k, v in params.to_params(self.query) if k not in skip]

    def chips(self) -> list[Chip]:
        """The active filters, each with the URL that removes it."""
        q = self.query
        out = []
        if q.partner:
            out.append(Chip(f"partner: {q.partner}", self.without_partner()))
        if q.q and q.q.strip():
            out.append(Chip(f"words: {q.q.strip()}", self.without_words()))
        if q.type is not None:
            out.append(Chip(f"type: {q.type.value}", self.type(None)))
        out += [Chip(f"tag: {t}", self.tag(t)) for t in q.tags]
        if q.license:
            out.append(Chip(f"license: {q.license}", self.license(q.license)))
        out += [Chip(f"format: {f}", self.format(f)) for f in q.formats]
        if q.checked:
            out.append(Chip("checks passed", self.checked()))
        if q.compatible:
            out.append(Chip(f"compatible with: {q.compatible}", self.compatible(None)))
        return out
