"""The in-memory index of one process (``Store``: changed only by the thread holding the
copy's lock) and the read-only views searches use (``Snapshot``: one per generation).

Documents are numbered in the order they were added: the entries read whole first (in id
order), then one new document per entry changed since; the document an entry had before a
change is dead from the snapshot of that change on. Orders (newest, name, tags) are integer
keys with room between them, placed where the database's own order puts each entry."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from modelhub.search.memory_parts import Column, Extra, FieldIndex, IntArray, Postings

FIELDS = ("name", "tags", "description", "authors")  # and "text": the full text


@dataclass(frozen=True)
class Snapshot:
    """The search index at ``generation``, read-only."""

    generation: int
    size: int  # documents, dead ones included
    alive: npt.NDArray[np.bool_]
    entry_ids: IntArray
    types: list[str]  # shared, append-only: codes index them
    type_codes: IntArray
    licenses: list[str]  # "" stands for no license
    license_codes: IntArray
    formats: IntArray
    checked: npt.NDArray[np.bool_]
    compat: IntArray  # compatibility bits (``compat.targets``)
    downloads: IntArray
    time_key: IntArray  # ascending: ORDER BY updated_at, resource_id
    name_key: IntArray  # ascending: ORDER BY name_key, resource_id
    fields: dict[str, FieldIndex]  # FIELDS, and "text"
    tags: list[str]  # shared, append-only
    tag_code: dict[str, int]  # shared, append-only: codes below len(tag_key) are this snapshot's
    tag_key: IntArray  # per tag code, ascending: the database's order of tags
    base_tags: tuple[IntArray, IntArray]  # offsets, and documents grouped by tag read whole
    extra_pairs: tuple[IntArray, IntArray]  # (document, tag code) pairs added since
    extra_tags: dict[int, list[int]]  # tag code → documents added since

    def tag_docs(self, tag: str) -> IntArray | None:
        """The documents with ``tag``; None when no listed entry ever had it."""
        code = self.tag_code.get(tag)
        if code is None or code >= len(self.tag_key):
            return None
        offsets, docs = self.base_tags
        found = docs[offsets[code] : offsets[code + 1]] if code + 1 < len(offsets) else docs[:0]
        more = self.extra_tags.get(code)
        if not more:
            return found
        extra = np.asarray(more[: bisect_left(more, self.size)], dtype=np.int64)
        return np.concatenate((found, extra))

    @property
    def nbytes(self) -> int:
        """Roughly the memory the copy holds (arrays and token strings)."""
        arrays = [v for v in vars(self).values() if isinstance(v, np.ndarray)]
        pairs = sum(int(a.nbytes) for a in (*self.base_tags, *self.extra_pairs))
        texts = sum(f.base.nbytes for f in self.fields.values())
        return sum(int(a.nbytes) for a in arrays) + pairs + texts


@dataclass
class Store:
    """Everything the snapshots are views of. ``alive`` is replaced (never changed) at each
    applied change; columns only grow."""

    generation: int
    alive: npt.NDArray[np.bool_]
    entry_ids: Column
    types: list[str]
    type_codes: Column
    licenses: list[str]
    license_codes: Column
    formats: Column
    checked: Column
    compat: Column
    downloads: Column
    time_key: Column
    name_key: Column
    base_fields: dict[str, Postings]
    extra_fields: dict[str, Extra]
    tags: list[str]
    tag_code: dict[str, int]
    tag_key: Column
    base_tags: tuple[IntArray, IntArray]  # offsets, documents grouped by tag
    extra_tag_docs: Column
    extra_tag_codes: Column
    extra_tags: dict[int, list[int]]
    doc_of_entry: dict[int, int]  # live documents only
    doc_of_resource: dict[str, int]
    base_size: int

    @property
    def size(self) -> int:
        return self.entry_ids.size

    def snapshot(self) -> Snapshot:
        size = self.size
        return Snapshot(
            generation=self.generation,
            size=size,
            alive=self.alive,
            entry_ids=self.entry_ids.view(),
            types=self.types,
            type_codes=self.type_codes.view(),
            licenses=self.licenses,
            license_codes=self.license_codes.view(),
            formats=self.formats.view(),
            checked=self.checked.view(),
            compat=self.compat.view(),
            downloads=self.downloads.view(),
            time_key=self.time_key.view(),
            name_key=self.name_key.view(),
            fields={
                name: FieldIndex(
                    base, self.extra_fields[name].docs, self.extra_fields[name].tokens, size
                )
                for name, base in self.base_fields.items()
            },
            tags=self.tags,
            tag_code=self.tag_code,
            tag_key=self.tag_key.view(),
            base_tags=self.base_tags,
            extra_pairs=(self.extra_tag_docs.view(), self.extra_tag_codes.view()),
            extra_tags=self.extra_tags,
        )

    def _field(self, name: str, size: int) -> FieldIndex:
        extra = self.extra_fields[name]
        return FieldIndex(self.base_fields[name], extra.docs, extra.tokens, size)


def code_of(names: list[str], value: str) -> int:
    """The code of ``value`` in an append-only list of names (added when new)."""
    try:
        return names.index(value)
    except ValueError:
        names.append(value)
        return len(names) - 1


def column(values: list[Any] | npt.NDArray[Any], dtype: Any) -> Column:
    return Column(np.asarray(values, dtype=dtype))
