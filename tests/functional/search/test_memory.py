"""The copy of the index in memory answers exactly as the SQL path (ids, order, totals,
facets) and only while it is current; changes (publish, new version, yank, unyank, removal)
are applied to it without reading the index whole; the setting turns it off."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete, select

from modelhub.accounts import service as accounts
from modelhub.accounts.models import Role, User
from modelhub.app import build_hub
from modelhub.catalog.models import Resource, ResourceType
from modelhub.config import Settings
from modelhub.db import transaction
from modelhub.hub import Hub
from modelhub.review import yanking
from modelhub.search import index, memory, service
from modelhub.search.models import SearchChange
from modelhub.search.schemas import SearchQuery
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


def _same_answers(hub: Hub, extra: list[dict[str, Any]] | None = None) -> None:
    """Every query gives the same page, total and facets from memory (current, without a
    whole read) and from SQL."""
    with hub.sessions() as db:
        for params in [*QUERIES, *(extra or [])]:
            query = SearchQuery(**params)
            fast = service.search(db, query=query)
            slow = service.search(db, query=query, use_memory=False)
            assert (fast.source, slow.source) == ("memory", "sql"), params
            assert [e.id for e in fast.entries] == [e.id for e in slow.entries], params
            assert fast.total == slow.total, params
            assert fast.facets == slow.facets, params


def _publish(hub: Hub, spec: corpus.Spec, number: int = 1) -> None:
    """Publish version ``number`` of ``spec.id`` (a new resource when it has none)."""
    with transaction(hub.sessions) as db:
        resource = db.get(Resource, spec.id)
        if resource is None:
            owner = db.scalar(select(User).where(User.username == "bulk"))
            assert owner is not None
            resource = Resource(id=spec.id, emoji="🔬", type=ResourceType(spec.type),
                                name=spec.name, description=spec.description,
                                created_by_id=owner.id, created_at=corpus.T0)  # fmt: skip
            db.add(resource)
            db.flush()
        corpus.add_version(db, hub, resource, spec, number)


def _yank(hub: Hub, resource_id: str, label: str, *, lift: bool = False) -> None:
    with transaction(hub.sessions) as db:
        admin = db.scalar(select(User).where(User.username == "yanker"))
        if admin is None:
            admin = accounts.create_user(db, username="yanker", role=Role.admin)
        if lift:
            yanking.unyank(db, resource_id=resource_id, label=label, actor=admin)
        else:
            yanking.yank(db, resource_id=resource_id, label=label, actor=admin, reason="test")


# new tags that sort among the known ones, names and dates equal to existing ones (ties)
NEWCOMERS = [
    corpus.Spec("newcomer", "The newcomer", tags=["t1a", "cell-2d"], day=-350, formats=["onnx"]),
    corpus.Spec("B0-new", "Cell model", tags=["t1a", "aaa-first"], license=None, day=-340),
    corpus.Spec("a0-new", "Cell model", type="dataset", tags=["zzz-last", "em"], day=-340),
    corpus.Spec("Z9-new", "nucleus newcomer", tags=["Cell 3D", "t1b"], authors=["Ada Cell"]),
]
NEW_QUERIES: list[dict[str, Any]] = [
    {"q": "newcomer"},
    {"tags": ["t1a"]},
    {"tags": ["aaa-first", "t1a"]},
    {"q": "cell", "sort": "name", "per_page": 50},
    {"sort": "oldest", "per_page": 100},
    {"q": "deluxe"},
]


def test_changes_are_applied_to_memory_and_answer_like_sql(filled: Hub) -> None:
    memory_copy = memory.attached(filled.engine)
    assert memory_copy is not None
    with filled.sessions() as db:
        assert memory.ensure_fresh(db, timeout=30) is not None
    for spec in NEWCOMERS:  # publish
        _publish(filled, spec)
        _same_answers(filled, NEW_QUERIES)
    bulk_id = bulk.listings(1)[0].resource_id
    update = corpus.Spec(bulk_id, "Cell model deluxe", tags=["t1a", "brand-new"], license="MIT")
    _publish(filled, update, 2)  # a new version of a resource read whole
    _same_answers(filled, NEW_QUERIES)
    _yank(filled, bulk_id, "v2")  # the listing goes back to v1
    _same_answers(filled, NEW_QUERIES)
    _yank(filled, bulk_id, "v2", lift=True)
    _same_answers(filled, NEW_QUERIES)
    _publish(filled, corpus.Spec("newcomer", "The newcomer again", tags=["t0"], day=5), 2)
    with transaction(filled.sessions) as db:
        index.remove(db, resource_id="B0-new")
    _same_answers(filled, NEW_QUERIES)
    with filled.sessions() as db:
        found = service.search(db, query=SearchQuery(q="newcomer"))
        assert found.source == "memory" and found.total == 2
        assert service.search(db, query=SearchQuery(q="deluxe")).total == 1
    assert memory_copy.whole_reads == 1  # every change above was applied, none read whole


def test_memory_is_read_whole_when_the_log_does_not_reach_back(filled: Hub) -> None:
    memory_copy = memory.attached(filled.engine)
    assert memory_copy is not None
    query = SearchQuery(q="newcomer")
    with filled.sessions() as db:
        assert service.search(db, query=query).source == "sql"  # nothing read yet
        assert memory.ensure_fresh(db, timeout=30) is not None
        assert service.search(db, query=query).source == "memory"
    _publish(filled, NEWCOMERS[0])
    with transaction(filled.sessions) as db:
        db.execute(delete(SearchChange))  # as if pruned past the copy's generation
    _publish(filled, NEWCOMERS[1])
    with filled.sessions() as db:
        first = service.search(db, query=query)
        assert first.source == "sql" and [e.resource_id for e in first.entries] == ["newcomer"]
        assert memory_copy.wait(timeout=30)
        again = service.search(db, query=query)
        assert again.source == "memory" and [e.resource_id for e in again.entries] == ["newcomer"]
    assert memory_copy.whole_reads == 2
    _same_answers(filled, NEW_QUERIES)
    with transaction(filled.sessions) as db:
        index.remove(db, resource_id="newcomer")
    with filled.sessions() as db:
        gone = service.search(db, query=query)
        assert gone.source == "memory" and gone.entries == [] and gone.total == 0
    assert memory_copy.whole_reads == 2


def test_the_setting_turns_memory_off(settings: Settings) -> None:
    settings.search_memory = False
    hub = build_hub(settings)
    try:
        bulk.fill(hub, 20)
        assert memory.attached(hub.engine) is None
        with hub.sessions() as db:
            assert memory.ensure_fresh(db, timeout=5) is None
            found = service.search(db, query=SearchQuery(q="cell"))
            assert found.source == "sql" and found.total > 0
    finally:
        hub.engine.dispose()
