"""The model card: what a resource page shows of one version beyond its listing fields.

Built from the version's description (as uploaded, format 0.4 or 0.5) and its files. A
version's files never change (a new upload is a new revision), so a card is cached in-process
under a digest of everything it depends on: the files, the label, the status and the hub's
base URL."""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from modelhub.catalog import card_people
from modelhub.catalog.card_docs import documentation_html, package_path
from modelhub.catalog.card_io import TensorRow, tensor_rows
from modelhub.catalog.card_people import CiteEntry, Person
from modelhub.catalog.card_samples import SampleSet, sample_sets
from modelhub.catalog.card_weights import WeightRow, weight_rows
from modelhub.catalog.howto import HowToUse, Target, how_to_use
from modelhub.catalog.models import ResourceVersion, VersionStatus
from modelhub.links import Links
from modelhub.storage.base import Storage

_SPDX = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+-]*")
_CACHE_SIZE = 256
_CACHE_CHARS = 32 * 1024 * 1024  # rendered documentation can be long: bound the total too


class Cover(BaseModel):
    url: str
    alt: str


class CardData(BaseModel):
    """Everything the card shows that the version's listing fields do not."""

    documentation_html: str | None
    documentation_url: str | None
    covers: list[Cover]
    inputs: list[TensorRow]
    outputs: list[TensorRow]
    samples: list[SampleSet]  # pictures of the test and sample tensors (``card_samples``)
    weights: list[WeightRow]
    authors: list[Person]
    maintainers: list[Person]
    cite: list[CiteEntry]
    license_url: str | None
    git_repo: str | None
    links: list[str]
    citation_cff_url: str | None
    citation_bib_url: str | None
    how_to_use: HowToUse


_cache: OrderedDict[str, CardData] = OrderedDict()
_cache_chars = 0
_lock = threading.Lock()


def build_card(version: ResourceVersion, *, storage: Storage, links: Links) -> CardData:
    """The card of ``version`` (cached: see the module's docstring). The card is shared
    between requests: treat it as read-only."""
    key = _cache_key(version, links)
    with _lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found
    card = _build(version, storage=storage, links=links)
    _remember(key, card)
    return card


def _remember(key: str, card: CardData) -> None:
    global _cache_chars
    with _lock:
        if key in _cache:  # another request built it meanwhile
            return
        _cache[key] = card
        _cache_chars += len(card.documentation_html or "")
        while len(_cache) > _CACHE_SIZE or (_cache_chars > _CACHE_CHARS and len(_cache) > 1):
            _, dropped = _cache.popitem(last=False)
            _cache_chars -= len(dropped.documentation_html or "")


def _cache_key(version: ResourceVersion, links: Links) -> str:
    about = (version.resource_id, version.label, version.status, links.base, links.files)
    digest = hashlib.sha256("".join(f"{part}\0" for part in about).encode())
    for entry in version.files:
        digest.update(f"{entry.path}\0{entry.blob_sha256}\0".encode())
    return digest.hexdigest()


def _build(version: ResourceVersion, *, storage: Storage, links: Links) -> CardData:
    rdf: dict[str, Any] = version.rdf if isinstance(version.rdf, dict) else {}
    rid, label = version.resource_id, version.label
    paths = {f.path for f in version.files}

    def file_url(path: str) -> str:
        return links.file(rid, label, path)

    def listed_url(raw: Any) -> str | None:
        path = package_path(raw)
        return file_url(path) if path is not None and path in paths else None

    published = version.status == VersionStatus.published
    weights = weight_rows(rdf.get("weights"), listed_url)
    license_id = str(version.license or "")
    found = rdf.get("links")
    raw_links: list[Any] = found if isinstance(found, list) else []
    target = _target(version, rdf, links, published=published, weights=weights)
    inputs = tensor_rows(rdf, "inputs", listed_url)
    outputs = tensor_rows(rdf, "outputs", listed_url)
    rows = {"input": inputs, "output": outputs}
    return CardData(
        documentation_html=documentation_html(version, storage, file_url),
        documentation_url=listed_url(rdf.get("documentation")),
        covers=_covers(rdf, version.name, listed_url),
        inputs=inputs,
        outputs=outputs,
        samples=sample_sets(version, rows, storage=storage),
        weights=weights,
        authors=card_people.people(rdf.get("authors")),
        maintainers=card_people.people(rdf.get("maintainers")),
        cite=card_people.cite_entries(rdf.get("cite")),
        license_url=f"https://spdx.org/licenses/{license_id}.html"
        if _SPDX.fullmatch(license_id)
        else None,
        git_repo=card_people.web_url(rdf.get("git_repo")),
        links=[link for link in raw_links if isinstance(link, str)],
        citation_cff_url=links.citation_path(rid, label, "cff") if published else None,
        citation_bib_url=links.citation_path(rid, label, "bib") if published else None,
        how_to_use=how_to_use(target),
    )


def _target(
    version: ResourceVersion,
    rdf: dict[str, Any],
    links: Links,
    *,
    published: bool,
    weights: list[WeightRow],
) -> Target:
    rid, label = version.resource_id, version.label
    return Target(
        resource_id=rid,
        label=label,
        published=published,
        type=str(rdf.get("type") or version.resource.type),
        id_map_url=links.id_map(),
        collection_pattern=links.collection_pattern(),
        rdf_url=links.file(rid, label, "rdf.yaml"),
        package_url=links.package(rid, label),
        weight_formats=tuple(w.format for w in weights),
        tags=tuple(str(t) for t in version.tags or []),
    )


def _covers(rdf: dict[str, Any], name: str, listed_url: Callable[[Any], str | None]) -> list[Cover]:
    raw = rdf.get("covers")
    entries = [c for c in raw if isinstance(c, str)] if isinstance(raw, list) else []
    covers = []
    for number, entry in enumerate(entries, start=1):
        url = listed_url(entry)
        if url is not None:
            alt = f"Cover image {number} of {len(entries)} for {name}"
            covers.append(Cover(url=url, alt=alt))
    return covers
