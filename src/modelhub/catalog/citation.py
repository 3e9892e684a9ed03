"""Citation metadata of a version: CITATION.cff (Citation File Format 1.2.0) and BibTeX.

Pure functions over the version's description. ``version`` is the hub label (``v3``), as in
the hub's URLs and id_map (the description's own ``version`` is the authors' and may be missing).
``cite`` entries are works to cite alongside this one, never identifiers of this version; a DOI
of the version itself comes only from a top-level ``doi``. Values the formats constrain (ORCID,
e-mail, DOI, URL, SPDX id) are normalised or left out and text is cleaned and bounded, so that
both outputs are well-formed whatever the description holds."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar
from urllib.parse import quote

import yaml

from modelhub.catalog.card_people import plain_name
from modelhub.catalog.models import ResourceVersion
from modelhub.links import Links

ANONYMOUS = "anonymous"  # CFF requires authors, even of references that are only free text
_URL_SAFE = "/:?#[]@!$&'()*+,;=%~-._"  # all else is percent-encoded: no braces, no spaces
_ORCID = re.compile(r"\d{4}-\d{4}-\d{4}-\d{3}[\dX]")
_EMAIL = re.compile(r"\S+@\S+\.\S{2,}")
_DOI = re.compile(r"10\.\d{4,9}(\.\d+)?/[A-Za-z0-9:/_;\-.()\[\]]+")  # CFF's, minus backslash
_DOI_PREFIX = r"^(doi:\s*|https?://(dx\.)?doi\.org/)"
_SPDX = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+-]*")
_AND = re.compile(r"(^|\s)and(\s|$)|,", re.IGNORECASE)  # would split a BibTeX name
_PARTICLES = {"van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "la", "le", "ten"}
_GROUPS = {"team", "lab", "group", "consortium", "university", "institute", "project", "community"}
_BIBTEX = {"\\": r"\textbackslash{}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_KINDS = {"model", "dataset", "notebook", "application"}
_T = TypeVar("_T")
_CS = ("Cc", "Cs")  # control characters and lone surrogates: no format can carry them


@dataclass(frozen=True)
class CitationInfo:
    """What both formats say about one version, cleaned. Authors and references are kept in
    CFF's vocabulary, the richer of the two: a person has ``given-names``, ``name-particle``,
    ``family-names`` (an entity only ``name``), ``affiliation``, ``email``, ``orcid`` (a URL);
    a reference has ``title`` (the cite text), ``doi`` and/or ``url``."""

    resource_id: str
    label: str
    title: str
    url: str  # the version's page on the hub
    kind: str = "model"
    abstract: str | None = None
    authors: tuple[dict[str, str], ...] = ()
    references: tuple[dict[str, str], ...] = ()
    released: date | None = None
    license: str | None = None
    repository: str | None = None
    doi: str | None = None
    keywords: tuple[str, ...] = ()


def citation_info(version: ResourceVersion, *, links: Links) -> CitationInfo:
    """Read a version row (its parsed description first) into a :class:`CitationInfo`."""
    rdf: dict[str, Any] = version.rdf if isinstance(version.rdf, dict) else {}
    rid, label = version.resource_id, version.label
    when = version.published_at or version.created_at
    text = str(version.description or rdf.get("description") or "").strip()
    spdx = _text(version.license or rdf.get("license"), 100)
    return CitationInfo(
        resource_id=rid,
        label=label,
        title=_text(version.name or rdf.get("name"), 500) or rid,
        url=links.resource_page(rid, label),
        kind=str(rdf["type"]) if rdf.get("type") in _KINDS else "model",
        abstract=_text(re.split(r"\n\s*\n", text)[0], 1000),  # the first paragraph
        authors=_each(_author, rdf.get("authors") or version.authors),
        references=_each(_reference, rdf.get("cite")),
        released=when.date() if when else None,
        license=spdx if spdx and _SPDX.fullmatch(spdx) else None,
        repository=_url(rdf.get("git_repo")),
        doi=_match(rdf.get("doi"), _DOI, _DOI_PREFIX),
        keywords=_each(lambda tag: _text(tag, 100), version.tags or rdf.get("tags")),
    )


def citation_cff(info: CitationInfo) -> str:
    """CITATION.cff text (CFF 1.2.0) from a safe YAML dumper, so every value is quoted as
    needed. Empty fields are left out; ``cite`` entries become ``references`` of type
    ``generic`` (the description does not say what kind of work they are)."""
    identifiers = [{"type": "url", "value": info.url, "description": "This version on the hub"}]
    data = {
        "cff-version": "1.2.0",
        "message": f"If you use this {info.kind}, please cite it using these metadata.",
        "type": "dataset" if info.kind == "dataset" else "software",
        "title": info.title,
        "abstract": info.abstract,
        "authors": list(info.authors) or [{"name": ANONYMOUS}],
        "version": info.label,
        "date-released": info.released.isoformat() if info.released else None,
        "doi": info.doi,
        "url": info.url,
        "repository-code": info.repository,
        "license": info.license,
        "identifiers": identifiers + ([{"type": "doi", "value": info.doi}] if info.doi else []),
        "keywords": list(info.keywords),
        "references": [
            {"type": "generic", "authors": [{"name": ANONYMOUS}], **ref} for ref in info.references
        ],
    }
    body = yaml.safe_dump(_some(data), sort_keys=False, allow_unicode=True, width=100)
    return f"# Citation metadata of {_key(info.resource_id)} {_key(info.label)}.\n{body}"


def citation_bibtex(info: CitationInfo) -> str:
    """BibTeX: an ``@software`` entry for this version, then an ``@misc`` per ``cite`` entry.
    Text is escaped (specials and braces), unicode kept; URLs and DOIs carry no braces."""
    key = _key(f"{info.resource_id}_{info.label}")
    main = {
        "author": " and ".join(map(_bib_name, info.authors)),
        "title": "{" + _bib(info.title) + "}",  # inner braces keep the title's capitals
        "year": str(info.released.year) if info.released else None,
        "version": _bib(info.label),
        "doi": info.doi,
        "url": quote(info.url, safe=_URL_SAFE),
        "note": _bib(f"Model hub resource {info.resource_id}, version {info.label}"),
    }
    month = f"  month = {_MONTHS[info.released.month - 1]},\n" if info.released else ""
    entries = [_entry("software", key, main, month)]
    for n, ref in enumerate(info.references, start=1):
        cite = {**ref, "title": "{" + _bib(ref["title"]) + "}"}  # doi and url need no escapes
        entries.append(_entry("misc", f"{key}_cite{n}", cite))
    return "\n".join(entries)


def _entry(kind: str, key: str, fields: Mapping[str, str | None], raw: str = "") -> str:
    lines = "".join(f"  {name} = {{{value}}},\n" for name, value in fields.items() if value)
    return f"@{kind}{{{key},\n{lines}{raw}}}\n"


def _bib(text: str) -> str:
    return re.sub(r"[{}\\%&$#_~^]", lambda m: _BIBTEX.get(m[0], "\\" + m[0]), text)


def _bib_name(author: dict[str, str]) -> str:
    if "family-names" not in author:  # one corporate name, never split at "and" or commas
        return "{" + _bib(author["name"]) + "}"
    family = " ".join(author[k] for k in ("name-particle", "family-names") if k in author)
    parts = [_bib(family), _bib(author.get("given-names", ""))]
    return ", ".join("{" + p + "}" if _AND.search(p) else p for p in parts)


def _author(raw: Any) -> dict[str, str] | None:
    raw = {"name": raw} if isinstance(raw, str) else raw
    if not isinstance(raw, dict) or not (written := _text(raw.get("name"), 300)):
        return None
    name = plain_name(written)
    given, particle, family = _split_name(name)
    orcid = _match(str(raw.get("orcid") or "").upper(), _ORCID, r"^.*ORCID\.ORG/")
    return _some(
        {"given-names": given, "name-particle": particle, "family-names": family}
        if family  # a CFF entity has a name but no affiliation
        else {"name": name},
        affiliation=_text(raw.get("affiliation"), 500) if family else None,
        email=_match(raw.get("email"), _EMAIL),
        orcid=orcid and f"https://orcid.org/{orcid}",
    )


def _reference(raw: Any) -> dict[str, str] | None:
    if not isinstance(raw, dict) or not (title := _text(raw.get("text"))):
        return None
    doi, url = _match(raw.get("doi"), _DOI, _DOI_PREFIX), _url(raw.get("url"))
    if doi is None and (odd := _text(raw.get("doi"), 300)):  # not CFF-shaped: keep it as a link
        url = url or f"https://doi.org/{quote(odd, safe=_URL_SAFE)}"
    return _some({"title": title}, doi=doi, url=url)


def _split_name(name: str) -> tuple[str | None, str | None, str | None]:
    """``Given [particle] Family`` or ``[particle] Family, Given`` → (given, particle, family);
    all None when it does not look like a person's name (one word, digits, 'team', …)."""
    if "," in name:
        left, _, given = name.partition(",")
        words, given = left.split(), given.strip()
    else:
        words = name.split()
        cut = next((i for i, w in enumerate(words[1:-1], 1) if w in _PARTICLES), len(words) - 1)
        given, words = " ".join(words[:cut]), words[cut:]
    run = next((i for i, w in enumerate(words) if w not in _PARTICLES), len(words))
    particle, family = " ".join(words[:run]), " ".join(words[run:])
    # names in scripts without capitals stay whole: their order of given and family varies
    odd = any(w.lower() in _GROUPS or not w[0].isupper() for w in f"{given} {family}".split())
    if odd or not given or not family or "," in given or any(c.isdigit() for c in name):
        return None, None, None
    return given, particle or None, family


def _text(value: Any, limit: int = 2000) -> str | None:
    """Printable one-line text of at most ``limit`` characters (cut at a word, marked …)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    spaced = re.sub(r"[\t\n\r\f\v\x85]", " ", str(value))
    text = " ".join("".join(c for c in spaced if unicodedata.category(c) not in _CS).split())
    return text[: limit - 1].rsplit(" ", 1)[0] + "…" if len(text) > limit else text or None


def _url(value: Any) -> str | None:
    text = value.strip() if isinstance(value, str) and len(value) <= 2000 else ""
    ok = re.match(r"(https?|s?ftp)://[^\s/]", text, re.IGNORECASE)
    return quote(text, safe=_URL_SAFE) if ok else None


def _match(value: Any, pattern: re.Pattern[str], prefix: str = "^$") -> str | None:
    text = re.sub(prefix, "", _text(value, 300) or "", flags=re.IGNORECASE)
    return text if pattern.fullmatch(text) else None


def _some(fields: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {k: v for k, v in {**fields, **more}.items() if v}


def _each(parse: Callable[[Any], _T | None], value: Any) -> tuple[_T, ...]:
    """Parse each item of a list (anything else counts as empty); drop what fails and repeats
    (CFF lists hold unique items)."""
    parsed = (parse(item) for item in (value if isinstance(value, list) else []))
    return tuple({json.dumps(p, sort_keys=True): p for p in parsed if p}.values())


def _key(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.:-]", "_", text)[:120]
