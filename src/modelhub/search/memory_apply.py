"""Applying ``memory_changes.Changes`` to a ``Store``: the changed resources' documents die,
their entries as they are now come in as new documents (postings, facets, tags, order keys),
and the store moves to the new generation. Work in proportion to the changes, plus one copy
of the liveness flags (a byte per document)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from modelhub.search.memory_changes import Changes, Place
from modelhub.search.memory_parts import Column, between, respaced
from modelhub.search.memory_store import Store, code_of


def apply(store: Store, changes: Changes) -> None:
    """Bring ``store`` to ``changes.generation`` (only snapshots made afterwards see it)."""
    if changes.generation == store.generation:
        return
    gone = [store.doc_of_resource.pop(rid) for rid in changes.resources
            if rid in store.doc_of_resource]  # fmt: skip
    for doc in gone:
        del store.doc_of_entry[store.entry_ids[doc]]
    first_new = store.size
    for place in changes.new_tags:
        store.tag_code[place.item] = len(store.tags)
        store.tags.append(place.item)
        store.tag_key.append(0)  # placed below, in the database's order
    for entry in changes.entries:
        doc = store.entry_ids.append(entry.id)
        store.type_codes.append(code_of(store.types, entry.type))
        store.license_codes.append(code_of(store.licenses, entry.license))
        store.formats.append(entry.formats)
        store.checked.append(entry.checked)
        store.compat.append(entry.compat)
        store.downloads.append(entry.downloads)
        store.time_key.append(0)
        store.name_key.append(0)
        for name, joined in entry.texts.items():
            store.extra_fields[name].add(doc, joined)
        for tag in entry.tags:
            code = store.tag_code[tag]
            store.extra_tag_docs.append(doc)
            store.extra_tag_codes.append(code)
            store.extra_tags.setdefault(code, []).append(doc)
        store.doc_of_entry[entry.id] = doc
        store.doc_of_resource[entry.resource_id] = doc
    _place(store.time_key, changes.by_time, store.doc_of_entry.__getitem__)
    _place(store.name_key, changes.by_name, store.doc_of_entry.__getitem__)
    _place(store.tag_key, changes.new_tags, store.tag_code.__getitem__)
    alive = np.ones(store.size, dtype=np.bool_)
    alive[:first_new] = store.alive
    alive[gone] = False
    store.alive = alive
    store.generation = changes.generation


def _place(keys: Column, places: list[Place], at: Callable[[Any], int]) -> None:
    """Give each placed item a key between its neighbours' (and after the item placed before
    it: places come in order); a used-up gap first spaces every key again (a new buffer)."""
    previous: int | None = None
    for place in places:
        own = at(place.item)
        key = None
        for _ in range(2):
            lower = keys[at(place.before)] if place.before is not None else None
            if previous is not None:
                lower = keys[previous] if lower is None else max(lower, keys[previous])
            upper = keys[at(place.after)] if place.after is not None else None
            key = between(lower, upper)
            if key is not None:
                break
            keys.replace(respaced(keys.view().copy()))
        if key is None:  # pragma: no cover - keys spaced again always leave room
            raise RuntimeError("no room for an order key")
        keys.set_new(own, key)
        previous = own
