"""Turning text into the tokens both databases index, and query words into search terms.

Tokenising and stemming happen here, in Python, once: SQLite FTS5 and PostgreSQL only ever
compare the resulting tokens, so that both find exactly the same resources. A token is made of
``[a-z0-9]`` only (other letters are folded to ASCII or spelled in hex), which no tokenizer of
either engine splits or changes."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

MAX_WORDS = 8  # query words used; more add cost and rarely change the answer
MAX_TOKEN = 40  # longer "words" are hashes or base64: not worth matching
_WORD = re.compile(r"[^\W_]+")  # runs of letters and digits, in any script
_ASCII_TOKEN = re.compile(r"^[0-9a-z]+$")
_stemmer = snowballstemmer.stemmer("english")


def fold(text: str) -> str:
    """Lower-case ``text`` and drop accents (``Ångström`` → ``angstrom``)."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _ascii(word: str) -> str:
    # letters without an ASCII form (e.g. CJK) become a hex spelling of their UTF-8 bytes:
    # still one token, and a prefix of the word is still a prefix of its spelling
    if _ASCII_TOKEN.match(word):
        return word
    return "x" + word.encode().hex()


def words(text: str) -> list[str]:
    """The words of ``text``: folded, split on anything not a letter or digit."""
    return [_ascii(w) for w in _WORD.findall(fold(text)) if len(w) <= MAX_TOKEN]


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The English stem of a folded word (``segmentation`` → ``segment``)."""
    if not (word.isascii() and word.isalpha()):
        return word  # numbers, "3d", spelled-out scripts: kept as they are
    stemmed: str = _stemmer.stemWord(word)
    return stemmed or word


def tokens(text: str) -> list[str]:
    """The distinct tokens indexed for ``text``: each word and its stem, in first-seen order.
    Keeping the word itself lets a typed prefix (``segmenta``) find ``segmentation``."""
    seen: dict[str, None] = {}
    for word in words(text):
        seen.setdefault(word, None)
        seen.setdefault(stem(word), None)
    return list(seen)


def tokens_of(parts: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for part in parts:
        for token in tokens(part):
            seen.setdefault(token, None)
    return list(seen)


def field(parts: Iterable[str]) -> str:
    """A field's tokens as stored for ranking: space-separated with a space at both ends, so
    that ``LIKE '% cell %'`` finds a whole token and ``LIKE '% cel%'`` a prefix."""
    found = tokens_of(parts)
    return f" {' '.join(found)} " if found else ""


@dataclass(frozen=True)
class Term:
    """One query word: it matches a resource holding any of ``forms`` (as a prefix when
    ``prefix``)."""

    forms: tuple[str, ...]
    prefix: bool

    def like_patterns(self) -> list[str]:
        """``LIKE`` patterns finding the term in a stored field (see ``field``)."""
        end = "%" if self.prefix else " %"
        return [f"% {form}{end}" for form in self.forms]


def terms(query: str | None) -> list[Term]:
    """The terms of a query: all must match (AND); the last also matches as a prefix, so that
    results follow what someone is still typing."""
    found: list[str] = []
    for word in words(query or ""):
        if word not in found:
            found.append(word)
    found = found[:MAX_WORDS]
    out = []
    for i, word in enumerate(found):
        forms = tuple(dict.fromkeys((stem(word), word)))
        out.append(Term(forms=forms, prefix=i == len(found) - 1))
    return out


def fts5_query(query_terms: list[Term]) -> str:
    """The FTS5 MATCH expression of the terms (tokens are ``[a-z0-9]``: quoting is safe)."""

    def one(term: Term) -> str:
        star = "*" if term.prefix else ""
        forms = [f'"{form}"{star}' for form in term.forms]
        return forms[0] if len(forms) == 1 else "(" + " OR ".join(forms) + ")"

    return " AND ".join(one(t) for t in query_terms)


def tsquery(query_terms: list[Term]) -> str:
    """The PostgreSQL ``tsquery`` text of the terms, read without any dictionary."""

    def one(term: Term) -> str:
        star = ":*" if term.prefix else ""
        forms = [f"'{form}'{star}" for form in term.forms]
        return forms[0] if len(forms) == 1 else "(" + " | ".join(forms) + ")"

    return " & ".join(one(t) for t in query_terms)
