"""The growable parts of the in-memory index: order keys with room between them, columns that
snapshots share, postings added since the whole read, and the page of a two-key order."""

from __future__ import annotations

import numpy as np

from modelhub.search.memory_build import postings
from modelhub.search.memory_parts import (
    KEY_LIMIT,
    Column,
    Extra,
    FieldIndex,
    between,
    respaced,
    spaced,
)
from modelhub.search.memory_query import page_of


def test_a_key_goes_strictly_between_its_neighbours_until_the_gap_is_used_up() -> None:
    keys = spaced(3)
    assert keys[0] < keys[1] < keys[2] and keys[2] < KEY_LIMIT
    placed = between(int(keys[0]), int(keys[1]))
    assert placed is not None and keys[0] < placed < keys[1]
    first = between(None, int(keys[0]))
    last = between(int(keys[2]), None)
    assert first is not None and first < keys[0] and -first <= KEY_LIMIT
    assert last is not None and last > keys[2] and last <= KEY_LIMIT
    # always inserting right after the same item: each gap halves, then it is used up
    lower, upper, placed_count = 0, 1 << 40, 0
    while (key := between(lower, upper)) is not None:
        assert lower < key < upper
        upper, placed_count = key, placed_count + 1
    assert placed_count == 33 and upper - lower == 1  # one step of 2**32, then halves


def test_spacing_again_keeps_the_order_and_opens_every_gap() -> None:
    keys = np.asarray([5, 6, 7, -3, 100], dtype=np.int64)
    again = respaced(keys)
    assert list(np.argsort(again)) == list(np.argsort(keys))
    assert int(np.diff(np.sort(again)).min()) > 1 << 40


def test_a_column_grows_beyond_the_views_already_taken() -> None:
    column = Column(np.asarray([1, 2], dtype=np.int64))
    before = column.view()
    for value in range(3, 200):
        column.append(value)
    column.set_new(150, -1)
    assert list(before) == [1, 2]
    assert column.size == 199 and column[150] == -1 and column.view()[-1] == 199


def test_postings_added_since_the_whole_read_are_found_as_words_and_prefixes() -> None:
    base = postings(["cell nucleus", "membrane", "cell"])
    extra = Extra()
    extra.add(3, "cellpose cell")
    old_tokens = extra.tokens
    extra.add(4, "nucleus zebrafish")
    assert old_tokens == ["cell", "cellpose"]  # a snapshot's token list never changes
    now = FieldIndex(base, extra.docs, extra.tokens, size=5)
    assert sorted(now.docs_of("cell", prefix=False)) == [0, 2, 3]
    assert set(now.docs_of("cell", prefix=True).tolist()) == {0, 2, 3}  # cell, cellpose
    assert sorted(now.docs_of("nucleus", prefix=False)) == [0, 4]
    assert sorted(now.docs_of("z", prefix=True)) == [4]
    earlier = FieldIndex(base, extra.docs, old_tokens, size=4)
    assert sorted(earlier.docs_of("nucleus", prefix=False)) == [0]
    assert list(earlier.docs_of("z", prefix=True)) == []


def test_a_page_of_two_keys_is_the_full_sort_sliced() -> None:
    rng = np.random.default_rng(3)
    first = rng.integers(0, 4, size=500).astype(np.int64)  # many ties
    second = rng.permutation(500).astype(np.int64)  # distinct
    full = np.lexsort((second, first))
    for offset, limit in ((0, 20), (40, 20), (480, 50), (0, 500), (600, 10)):
        assert list(page_of(first, second, offset, limit)) == list(full[offset : offset + limit])
        assert list(page_of(second, None, offset, limit)) == list(
            np.argsort(second)[offset : offset + limit]
        )
