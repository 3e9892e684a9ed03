"""``modelhub search reindex``, run as a real subprocess beside a running hub."""

from __future__ import annotations

import json

import httpx
from sqlalchemy import delete, select

from modelhub.db import transaction
from modelhub.hub import Hub
from modelhub.search import fts, index
from modelhub.search.models import SearchCount, SearchDocument, SearchEntry
from tests.conftest import LiveServer
from tests.functional.cli.common import run_cli
from tests.functional.search import corpus


def _index_rows(hub: Hub) -> dict[str, list[object]]:
    """The index's rows, without the entries' ids (a rebuild numbers them again)."""
    entry = [c for c in SearchEntry.__table__.c if c.name != "id"]
    with hub.sessions() as db:
        return {
            "entries": [tuple(r) for r in db.execute(select(*entry).order_by("resource_id"))],
            "counts": [
                tuple(r)
                for r in db.execute(select(SearchCount.__table__).order_by("facet", "value"))
            ],
            "documents": [
                tuple(r)
                for r in db.execute(select(SearchDocument.__table__).order_by("version_id"))
            ],
        }


def _found(http: httpx.Client, **params: str) -> tuple[list[object], object]:
    r = http.get("/api/v1/resources", params=params)
    assert r.status_code == 200, r.text
    return [item["id"] for item in r.json()["items"]], r.json()["facets"]


def test_reindex_builds_a_damaged_index_again(server: LiveServer, http: httpx.Client) -> None:
    corpus.build(server.hub)
    rows = _index_rows(server.hub)
    searches = [_found(http, q=q) for q in ("segmentation", "zebrafish", "mitochondria", "")]
    # damage of the kind a bug or a partial restore leaves: counts and documentation lost, an
    # entry and its full text gone without the counts knowing
    with transaction(server.hub.sessions) as db:
        gone = db.scalar(select(SearchEntry.id).where(SearchEntry.resource_id == "mito-em"))
        assert gone is not None
        fts.delete(db, entry_id=gone)
        db.execute(delete(SearchEntry).where(SearchEntry.id == gone))
        db.execute(delete(SearchCount))
        db.execute(delete(SearchDocument))
        index.bump_generation(db)
    assert _found(http, q="mitochondria")[0] == []
    generation = _generation(server.hub)

    done = run_cli(server, "search", "reindex", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"indexed": len(corpus.CORPUS)}
    assert _index_rows(server.hub) == rows
    # one change for the whole index, one per entry
    assert _generation(server.hub) == generation + 1 + len(corpus.CORPUS)
    assert [
        _found(http, q=q) for q in ("segmentation", "zebrafish", "mitochondria", "")
    ] == searches

    again = run_cli(server, "search", "reindex")
    assert again.returncode == 0, again.stderr
    assert again.stdout == f"search index rebuilt: {len(corpus.CORPUS)} resource(s) indexed\n"
    assert _index_rows(server.hub) == rows


def _generation(hub: Hub) -> int:
    with hub.sessions() as db:
        return index.generation(db)
