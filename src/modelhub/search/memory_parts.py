"""The parts of the in-memory index that grow as changes are applied: append-only columns
that snapshots share (a snapshot sees the first values only; later ones go beyond them), the
postings of entries added since the copy was read whole, and order keys with room between
them, so that an entry can be placed in an order without renumbering the others."""

from __future__ import annotations

import sys
from bisect import bisect_left, insort
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
DocArray = npt.NDArray[np.int32]
AFTER = "\U0010ffff"  # sorts after every character a token can hold
KEY_LIMIT = 2**62  # order keys stay within ±KEY_LIMIT (negated keys fit int64)
STEP = 2**32  # the distance a new key keeps from its neighbour when the gap allows


def spaced(count: int) -> IntArray:
    """Order keys for ``count`` items in order, far apart."""
    return np.arange(count, dtype=np.int64) * (2**61 // max(count, 1))


def respaced(keys: IntArray) -> IntArray:
    """The same order with every gap wide again (when a gap is used up)."""
    out = np.empty_like(keys)
    out[np.argsort(keys, kind="stable")] = spaced(len(keys))
    return out


def between(lower: int | None, upper: int | None) -> int | None:
    """A key strictly between two (None: no bound), near the bound given; None when the gap
    is used up."""
    lo = -KEY_LIMIT if lower is None else lower
    hi = KEY_LIMIT if upper is None else upper
    if hi - lo < 2:
        return None
    step = min((hi - lo) // 2, STEP)
    return hi - step if lower is None else lo + step


class Column:
    """An append-only array: snapshots keep views of the values there were when they were made;
    values are only written beyond every view, or into a new buffer (``replace``)."""

    def __init__(self, values: npt.NDArray[Any]) -> None:
        self._data = values
        self.size = len(values)

    def append(self, value: Any) -> int:
        if self.size == len(self._data):
            grown = np.empty(max(64, 2 * len(self._data)), dtype=self._data.dtype)
            grown[: self.size] = self._data[: self.size]
            self._data = grown
        self._data[self.size] = value
        self.size += 1
        return self.size - 1

    def __getitem__(self, at: int) -> int:
        return int(self._data[at])

    def set_new(self, at: int, value: int) -> None:
        """Write a value that no snapshot sees yet (appended since the last one)."""
        self._data[at] = value

    def replace(self, values: npt.NDArray[Any]) -> None:
        self._data = values
        self.size = len(values)

    def view(self) -> npt.NDArray[Any]:
        return self._data[: self.size]


class Extra:
    """Token → documents added since the copy was read whole (document numbers ascending).
    ``tokens`` (sorted) is replaced, never changed, when a token is new."""

    def __init__(self) -> None:
        self.docs: dict[str, list[int]] = {}
        self.tokens: list[str] = []

    def add(self, doc: int, joined: str) -> None:
        new = []
        for token in dict.fromkeys(joined.split()):
            found = self.docs.get(token)
            if found is None:
                self.docs[token] = [doc]
                new.append(token)
            else:
                found.append(doc)
        if new:
            tokens = self.tokens.copy()
            for token in new:
                insort(tokens, token)
            self.tokens = tokens


@dataclass(frozen=True)
class Postings:
    """Token → documents, as one array: the documents of ``tokens[i]`` are
    ``docs[offsets[i]:offsets[i + 1]]``; ``tokens`` is sorted, so a prefix is a slice."""

    tokens: list[str]
    offsets: IntArray
    docs: DocArray

    def docs_of(self, form: str, prefix: bool) -> DocArray:
        lo, hi = token_range(self.tokens, form, prefix)
        return self.docs[self.offsets[lo] : self.offsets[hi]]

    @property
    def nbytes(self) -> int:
        strings = sum(sys.getsizeof(t) for t in self.tokens) + sys.getsizeof(self.tokens)
        return int(self.offsets.nbytes + self.docs.nbytes) + strings


def token_range(tokens: list[str], form: str, prefix: bool) -> tuple[int, int]:
    """The slice of sorted ``tokens`` equal to ``form`` (starting with it when ``prefix``)."""
    lo = bisect_left(tokens, form)
    if prefix:
        return lo, bisect_left(tokens, form + AFTER, lo)
    return lo, lo + 1 if lo < len(tokens) and tokens[lo] == form else lo


@dataclass(frozen=True)
class FieldIndex:
    """A field's postings as one snapshot sees them: those read whole, and those added since
    (documents below ``size`` only)."""

    base: Postings
    extra: dict[str, list[int]]
    extra_tokens: list[str]
    size: int

    def docs_of(self, form: str, prefix: bool) -> DocArray:
        """The documents holding ``form`` (or a token starting with it when ``prefix``)."""
        found = self.base.docs_of(form, prefix)
        lo, hi = token_range(self.extra_tokens, form, prefix)
        if lo == hi:
            return found
        more: list[int] = []
        for token in self.extra_tokens[lo:hi]:
            docs = self.extra[token]
            more += docs[: bisect_left(docs, self.size)]
        return np.concatenate((found, np.asarray(more, dtype=np.int32)))
