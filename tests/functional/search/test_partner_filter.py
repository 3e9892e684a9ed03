"""The catalog's ``partner`` filter: a partner's namespace or its tags, of its resource types,
the same from memory and from SQL; the API's answers, the stable explore link, the home page's
partner row and the filtered catalog page."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from modelhub.db import transaction
from modelhub.hub import Hub
from modelhub.partners.models import Partner
from modelhub.search import memory, service
from modelhub.search.schemas import SearchQuery
from tests.conftest import LiveServer
from tests.functional.pages.common import parse
from tests.functional.search import bulk, corpus

SPECS = [
    corpus.Spec("lab/cells", "Lab cells", tags=["cells"], day=1),
    corpus.Spec("lab/viewer", "Lab viewer", type="application", day=2),
    corpus.Spec("lab/images", "Lab images", type="dataset", day=3),  # not among its types
    corpus.Spec("tagged-elsewhere", "Tagged cells", tags=["Lab-Tools"], day=4),
    corpus.Spec("labcells", "Not the lab's", tags=["cells"], day=5),  # no slash: not its id
    corpus.Spec("lab-x/cells", "Another partner's", day=6),
]
APPEARANCE = {
    "tags": ["Lab-Tools", "t1"],
    "resource_types": ["model", "application"],
    "default_type": "model",
    "logo": "🧪",
    "splash_subtitle": "Tools of the lab",
}


def add_partner(hub: Hub, partner_id: str = "lab", **appearance: Any) -> None:
    with transaction(hub.sessions) as db:
        db.add(
            Partner(
                id=partner_id, name="The Lab", description="A lab.",
                collection_url="https://lab.example.org/collection.yaml",
                appearance={**APPEARANCE, **appearance},
            )
        )  # fmt: skip


def ids(hub: Hub, **query: Any) -> list[str]:
    with hub.sessions() as db:
        found = service.search(db, query=SearchQuery(**query), use_memory=False)
        return sorted(e.resource_id for e in found.entries)


@pytest.fixture
def lab(hub: Hub) -> Hub:
    corpus.build(hub, SPECS)
    add_partner(hub)
    return hub


def test_a_partner_s_items_are_its_namespace_or_its_tags_of_its_types(lab: Hub) -> None:
    assert ids(lab, partner="lab") == ["lab/cells", "lab/viewer", "tagged-elsewhere"]
    assert ids(lab, partner="lab", type="model") == ["lab/cells", "tagged-elsewhere"]
    assert ids(lab, partner="lab", type="dataset") == []
    assert ids(lab, partner="lab", q="cells") == ["lab/cells", "tagged-elsewhere"]
    assert ids(lab, partner="lab", tags=["cells"]) == ["lab/cells"]
    with lab.sessions() as db:
        found = service.search(db, query=SearchQuery(partner="lab"), use_memory=False)
    assert {(v.value, v.count) for v in found.facets.type} == {("model", 2), ("application", 1)}


def test_memory_and_sql_agree_on_partner_queries(hub: Hub) -> None:
    bulk.fill(hub)
    corpus.build(hub, SPECS)
    add_partner(hub)
    add_partner(hub, "nobody", tags=[], resource_types=["notebook"])
    queries: list[dict[str, Any]] = [
        {"partner": "lab"},
        {"partner": "lab", "type": "model"},
        {"partner": "lab", "q": "cell", "sort": "name"},
        {"partner": "lab", "tags": ["t1"], "page": 2, "per_page": 5},
        {"partner": "lab", "type": "notebook"},
        {"partner": "nobody"},
    ]
    with hub.sessions() as db:
        assert memory.ensure_fresh(db, timeout=30) is not None
        for params in queries:
            query = SearchQuery(**params)
            fast = service.search(db, query=query)
            slow = service.search(db, query=query, use_memory=False)
            assert (fast.source, slow.source) == ("memory", "sql"), params
            assert [e.id for e in fast.entries] == [e.id for e in slow.entries], params
            assert (fast.total, fast.facets) == (slow.total, slow.facets), params
        everything = service.search(db, query=SearchQuery(partner="lab"))
        assert everything.total > 3  # the bulk entries tagged t1 are the lab's too


@pytest.fixture
def live_lab(server: LiveServer) -> LiveServer:
    corpus.build(server.hub, SPECS)
    add_partner(server.hub)
    return server


def test_the_api_filters_by_partner(live_lab: LiveServer, http: httpx.Client) -> None:
    got = http.get("/api/v1/resources", params={"partner": "lab", "sort": "name"})
    assert got.status_code == 200
    assert [r["id"] for r in got.json()["items"]] == ["lab/cells", "lab/viewer", "tagged-elsewhere"]
    missing = http.get("/api/v1/resources", params={"partner": "nope"})
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "partner_not_found"
    bad = http.get("/api/v1/resources", params={"partner": "Lab!"})
    assert bad.status_code == 422
    error = bad.json()["error"]
    assert (error["code"], error["details"][0]["loc"]) == ("invalid_request", ["partner"])


def test_the_explore_link_opens_the_catalog_on_the_partner_s_default_type(
    live_lab: LiveServer, http: httpx.Client
) -> None:
    moved = http.get("/partners/lab/explore")
    assert (moved.status_code, moved.headers["location"]) == (302, "/?partner=lab&type=model")
    page = http.get(moved.headers["location"])
    html = parse(page.text)
    text = " ".join(html.text)
    assert "Resources of The Lab" in text and "Tools of the lab" in text
    hrefs = [a.get("href", "") for tag, a in html.tags if tag == "a"]
    assert "/partners/lab" in hrefs  # the banner links the landing page
    cards = [h for h in hrefs if h.startswith("/resources/")]
    assert sorted(set(cards)) == ["/resources/lab/cells", "/resources/tagged-elsewhere"]
    # the type tabs are the partner's types, each keeping the partner
    assert "/?partner=lab&type=application" in hrefs and "/?partner=lab" in hrefs
    assert not [h for h in hrefs if "type=dataset" in h or "type=notebook" in h]
    # the chip removes the partner (and its type)
    assert "/" in hrefs
    twin = http.get("/", params={"partner": "lab", "type": "model", "format": "json"}).json()
    assert twin["query"]["partner"] == "lab" and twin["results"]["total"] == 2
    assert twin["partner"]["id"] == "lab" and twin["partner"]["logo"] == {
        "text": "🧪", "url": None, "media_type": None,
    }  # fmt: skip
    # an unknown partner: everything, with a message
    gone = http.get("/", params={"partner": "nope"})
    assert gone.status_code == 404 and "There is no partner &#39;nope&#39;." in gone.text
    assert http.get("/partners/nope/explore").status_code == 404


def test_the_home_page_shows_the_partners(live_lab: LiveServer, http: httpx.Client) -> None:
    html = parse(http.get("/").text)
    classes = [a.get("class", "") for _, a in html.tags]
    assert "partner-row" in classes
    hrefs = [a.get("href") for tag, a in html.tags if tag == "a"]
    assert "/partners/lab" in hrefs
    assert "🧪" in html.text and "The Lab" in html.text
