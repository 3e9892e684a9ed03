"""The copy of the index in memory answers exactly as the SQL path (ids, order, totals,
facets) and only while it is current; the setting turns it off."""

from __future__ import annotations

from typing import Any

import pytest

from modelhub.app import build_hub
from modelhub.catalog.models import Resource
from modelhub.catalog.schemas import SearchQuery
from modelhub.config import Settings
from modelhub.db import transaction
from modelhub.hub import Hub
from modelhub.search import index, memory, service
from tests.functional.search import bulk, corpus

QUERIES: list[dict[str, Any]] = [
    {},
    {"page": 3, "per_page": 10},
    {"q": "cell"},
    {"q": "seg"},
    {"q": "s"},
    {"q": "cell segmentation"},
    {"q": "nuclei seg", "page": 3, "per_page": 10},
    {"q": "angstrom"},
    {"q": "quasar"},
    {"q": "kreshuk cell"},
    {"q": "xyzzy"},
    {"q": "!!!"},
    {"tags": ["t1"]},
    {"tags": ["cell-2d", "t3"]},
    {"tags": ["no-such-tag"]},
    {"q": "cell", "tags": ["em"]},
    {"type": "dataset"},
    {"license": "MIT"},
    {"formats": ["onnx"]},
    {"formats": ["onnx", "torchscript"]},
    {"checked": True},
    {"q": "cell", "type": "model", "license": "CC0-1.0", "checked": True},
    *({"q": "nucleus", "sort": s} for s in ("relevance", "newest", "oldest", "name", "downloads")),
    *({"sort": s, "page": 3, "per_page": 10} for s in ("newest", "oldest", "name", "downloads")),
    {"q": "me", "sort": "downloads", "page": 3, "per_page": 10},
]


@pytest.fixture
def filled(hub: Hub) -> Hub:
    bulk.fill(hub)
    return hub


def test_memory_answers_like_sql(filled: Hub) -> None:
    with filled.sessions() as db:
        assert memory.ensure_fresh(db, timeout=30) is not None
        for params in QUERIES:
            query = SearchQuery(**params)
            fast = service.search(db, query=query)
            slow = service.search(db, query=query, use_memory=False)
            assert (fast.source, slow.source) == ("memory", "sql")
            assert [e.id for e in fast.entries] == [e.id for e in slow.entries], params
            assert fast.total == slow.total, params
            assert fast.facets == slow.facets, params
        assert service.search(db, query=SearchQuery(q="cell")).total > 20


def test_a_change_sends_searches_to_sql_until_the_rebuild(filled: Hub) -> None:
    query = SearchQuery(q="newcomer")
    with filled.sessions() as db:
        assert service.search(db, query=query).source == "sql"  # nothing built yet
        assert memory.ensure_fresh(db, timeout=30) is not None
        assert service.search(db, query=query).source == "memory"
    corpus.build(filled, [corpus.Spec("newcomer", "The newcomer", day=400)])
    with filled.sessions() as db:
        first = service.search(db, query=query)
        assert first.source == "sql" and [e.resource_id for e in first.entries] == ["newcomer"]
        assert filled.search_memory is not None and filled.search_memory.wait(timeout=30)
        again = service.search(db, query=query)
        assert again.source == "memory" and [e.resource_id for e in again.entries] == ["newcomer"]
    with transaction(filled.sessions) as db:
        resource = db.get(Resource, "newcomer")
        assert resource is not None
        index.remove(db, resource_id="newcomer")
    with filled.sessions() as db:
        assert memory.ensure_fresh(db, timeout=30) is not None
        gone = service.search(db, query=query)
        assert gone.source == "memory" and gone.entries == [] and gone.total == 0


def test_the_setting_turns_memory_off(settings: Settings) -> None:
    settings.search_memory = False
    hub = build_hub(settings)
    try:
        bulk.fill(hub, 20)
        assert hub.search_memory is None
        with hub.sessions() as db:
            assert memory.ensure_fresh(db, timeout=5) is None
            found = service.search(db, query=SearchQuery(q="cell"))
            assert found.source == "sql" and found.total > 0
    finally:
        hub.engine.dispose()
