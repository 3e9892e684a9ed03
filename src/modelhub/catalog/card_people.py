"""People and works on a card: authors, maintainers and the ``cite`` entries, with links.

Only values of the expected shape become links (an ORCID iD, a GitHub user name, a DOI, an
http(s) URL); anything else stays text or is left out."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from pydantic import BaseModel

_ORCID = re.compile(r"\d{4}-\d{4}-\d{4}-\d{3}[\dX]")
_GITHUB = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})")
_DOI = re.compile(r"10\.\d{4,9}/\S+")
_DOI_PREFIX = re.compile(r"^(doi:\s*|https?://(dx\.)?doi\.org/)", re.IGNORECASE)
_WEB = re.compile(r"https?://[^\s/]+\S*", re.IGNORECASE)


class Person(BaseModel):
    name: str
    affiliation: str | None = None
    orcid_url: str | None = None
    github_user: str | None = None
    github_url: str | None = None


class CiteEntry(BaseModel):
    text: str
    doi: str | None = None
    doi_url: str | None = None
    url: str | None = None


def web_url(value: Any) -> str | None:
    """``value`` when it is an http(s) URL, else None."""
    if isinstance(value, str) and len(value) <= 2000 and _WEB.fullmatch(value.strip()):
        return value.strip()
    return None


def name_and_handle(written: str) -> tuple[str, str | None]:
    """A name as written (``Constantin Pape;@bioimage-io``, bioimage.io's way to add a GitHub
    handle after ``;``) split into the name to show and the handle (without ``@``), if any."""
    name, sep, rest = written.partition(";")
    handle = rest.strip().removeprefix("@").strip() if sep else ""
    return name.strip() or handle or written.strip(), handle or None


def plain_name(written: str) -> str:
    """The name to show and cite: ``written`` without a ``;@handle`` after it."""
    return name_and_handle(written)[0]


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _person(raw: Any) -> Person | None:
    if isinstance(raw, str):
        raw = {"name": raw}
    if not isinstance(raw, dict):
        return None
    orcid = _text(raw.get("orcid"))
    written = _text(raw.get("name"))
    name, handle = name_and_handle(written) if written else (None, None)
    github = _text(raw.get("github_user")) or handle  # the field, when given, wins
    name = name or github
    if name is None:
        return None
    github_ok = github is not None and _GITHUB.fullmatch(github) is not None
    return Person(
        name=name,
        affiliation=_text(raw.get("affiliation")),
        orcid_url=f"https://orcid.org/{orcid}" if orcid and _ORCID.fullmatch(orcid) else None,
        github_user=github,
        github_url=f"https://github.com/{github}" if github_ok else None,
    )


def people(raw: Any) -> list[Person]:
    """The people of an ``authors`` or ``maintainers`` list (entries without a name dropped)."""
    found = (_person(item) for item in (raw if isinstance(raw, list) else []))
    return [p for p in found if p is not None]


def doi_of(value: Any) -> str | None:
    """The bare DOI (``10.1007/…``) of ``value``, without ``doi:`` or resolver prefixes."""
    text = _DOI_PREFIX.sub("", value.strip()) if isinstance(value, str) else ""
    return text if _DOI.fullmatch(text) else None


def cite_entries(raw: Any) -> list[CiteEntry]:
    """The ``cite`` list: its text, the DOI linked through https://doi.org/ and any URL."""
    entries = []
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, dict) or not (text := _text(item.get("text"))):
            continue
        doi = doi_of(item.get("doi"))
        entries.append(
            CiteEntry(
                text=text,
                doi=doi,
                doi_url=f"https://doi.org/{quote(doi, safe='/:;()[]._-')}" if doi else None,
                url=web_url(item.get("url")),
            )
        )
    return entries
