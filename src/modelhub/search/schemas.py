"""Pydantic I/O for search: the query of the catalog and of ``GET /api/v1/resources``, the
cards of its results and their facets."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from modelhub.catalog.models import ResourceType
from modelhub.catalog.schemas import ResourceRead
from modelhub.catalog.tags import canonical_tags
from modelhub.search.models import WeightFormat

SortKey = Literal["relevance", "newest", "oldest", "name", "downloads"]
CheckBadge = Literal["passed", "failed", "not_run"]


class CompatBadge(BaseModel):
    """ "Compatible with ``name``" (``by``: "partner" reported it, "hub": the hub's check)."""

    id: str
    name: str
    by: list[Literal["partner", "hub"]]


class ResourceCard(ResourceRead):
    """A search result: the resource and what its card shows."""

    # a plain ResourceRead is accepted too (the card fields then keep their defaults)
    model_config = ConfigDict(from_attributes=True)

    authors: list[str] = Field(default_factory=list)
    cover_url: str | None = None
    checks: dict[str, CheckBadge] = Field(
        default_factory=dict, description="Check result per weight format of the listed version"
    )
    checked: bool = Field(
        default=False, description="The latest check of the listed version passed"
    )
    compatible: list[CompatBadge] = Field(
        default_factory=list,
        description="Consumers the listed version works with: reported by the partner, or by "
        "the hub's check of a weight format the consumer runs",
    )
    downloads: int = 0


class FacetValue(BaseModel):
    value: str
    count: int
    selected: bool = False


class Facets(BaseModel):
    """Counts over the current results (tags: the most frequent ones and those selected)."""

    type: list[FacetValue] = Field(default_factory=list)
    tags: list[FacetValue] = Field(default_factory=list)
    license: list[FacetValue] = Field(default_factory=list)
    format: list[FacetValue] = Field(default_factory=list)
    checked: int = 0


class ResourcePage(BaseModel):
    items: list[ResourceCard]
    total: int
    page: int
    per_page: int
    sort: SortKey = "newest"
    facets: Facets = Field(default_factory=Facets)


class SearchQuery(BaseModel):
    """The query of ``GET /api/v1/resources`` and of the catalog page."""

    q: str | None = Field(default=None, max_length=200)
    type: ResourceType | None = None
    tags: list[str] = Field(default_factory=list, max_length=10)
    license: str | None = Field(default=None, max_length=64)
    formats: list[WeightFormat] = Field(default_factory=list)
    checked: bool = False
    compatible: str | None = Field(
        default=None, max_length=64, description="A partner or consumer software id"
    )
    partner: str | None = Field(
        default=None,
        min_length=1,
        max_length=32,
        pattern=r"^[a-z0-9][a-z0-9-]*$",
        description="A partner's items only: its namespace or its tags, of its types",
    )
    sort: SortKey | None = None
    page: int = Field(default=1, ge=1, le=10_000)
    per_page: int = Field(default=20, ge=1, le=100)

    @field_validator("tags")
    @classmethod
    def _canonical_tags(cls, tags: list[str]) -> list[str]:
        """A synonym asks for its vocabulary word (``nucleus`` → ``nuclei``)."""
        return canonical_tags(tags)

    @property
    def has_words(self) -> bool:
        return bool(self.q and self.q.strip())

    @property
    def effective_sort(self) -> SortKey:
        """Relevance when there are words (unless another order is asked for), else newest."""
        if self.sort is None or (self.sort == "relevance" and not self.has_words):
            return "relevance" if self.has_words else "newest"
        return self.sort
