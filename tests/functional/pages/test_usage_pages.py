"""Download statistics on pages: the hub statistics page and its JSON twin, a model page's
"Downloads" section and the catalog cards' figures, rendered by the hub's own templates from
hand-made statistics (the counting side fills the same view models)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from modelhub.hub import Hub
from modelhub.pages.resource import ResourceCard
from modelhub.pages.usage import UsagePage
from modelhub.search.links import CatalogLinks
from modelhub.search.schemas import ResourceCard as SearchCard
from modelhub.search.schemas import SearchQuery
from tests.conftest import LiveServer, serving_in_thread
from tests.functional.pages.common import parse
from tests.functional.pages.usage_data import (
    CARD_PATH,
    HOSTILE,
    LONG,
    STATS_PATH,
    add_previews,
    hub_usage,
    section,
)
from tests.functional.search import corpus

SVG = "svg"
IDS = ["nucleus-unet", "cell-tracker"]


@pytest.fixture
def cards() -> dict[str, ResourceCard]:
    return {}


@pytest.fixture
def preview(hub: Hub, cards: dict[str, ResourceCard]) -> Iterator[LiveServer]:
    corpus.build(hub)
    with serving_in_thread(hub, lambda app: add_previews(app, hub_usage(IDS), cards)) as live:
        yield live


@pytest.fixture
def http(preview: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=preview.url, timeout=30) as client:
        yield client


def test_stats_page_shows_totals_charts_and_links_with_a_json_twin(
    preview: LiveServer, http: httpx.Client
) -> None:
    html = http.get(STATS_PATH).text
    page = parse(html)
    text = " ".join(page.text)
    for expected in ("Hub statistics", "9,876,543", "6,543", "9,870,000", "since 2024-01-01"):
        assert expected in text
    svgs = [a for tag, a in page.tags if tag == SVG]
    assert [a["role"] for a in svgs] == ["img", "img", "img"]
    assert all(a["viewbox"].startswith("0 0 400 ") for a in svgs)
    links = [a["href"] for tag, a in page.tags if tag == "a"]
    assert "/resources/nucleus-unet" in links and "/resources/cell-tracker" in links
    assert "?format=json" in links
    assert "1,000 downloads" in text and "999 downloads" in text
    # user-given names are escaped everywhere; no inline style (the CSP refuses it), no script
    assert HOSTILE not in html and "&lt;script&gt;" in html
    assert "style=" not in html and "<script" not in html
    twin = http.get(STATS_PATH, params={"format": "json"}).json()
    assert twin == hub_usage(IDS).model_dump(mode="json")
    assert twin["series"]["by_consumer"]["ilastik"][0] == ["2024-01-01", 100_000]


def test_stats_page_without_downloads(hub: Hub) -> None:
    with serving_in_thread(hub, lambda app: add_previews(app, UsagePage(), {})) as live:
        html = httpx.get(live.url + STATS_PATH).text
    assert html.count(">No downloads yet</text>") == 3
    assert [t for t in parse(html).tags if t[0] == "ol"] == []


def test_model_page_downloads_section(
    preview: LiveServer, http: httpx.Client, cards: dict[str, ResourceCard]
) -> None:
    card = ResourceCard.model_validate(http.get("/resources/nucleus-unet?format=json").json())
    # the real page: the statistics of a resource nobody downloaded yet
    assert card.usage is not None and (card.usage.total, card.usage.per_version) == (0, [])
    cards["card"] = card.model_copy(update={"usage": section("nucleus-unet")})
    html = http.get(CARD_PATH).text
    page = parse(html)
    text = " ".join(page.text)
    assert ("a", {"href": "#usage"}) in page.tags
    for expected in ("1,234,567", "1,000", "1,233,567", "1,234,562", "Per version"):
        assert expected in text
    links = [a["href"] for tag, a in page.tags if tag == "a"]
    assert "/resources/nucleus-unet?version=v1" in links
    titles = [a for tag, a in page.tags if tag == SVG]
    assert len(titles) == 1 and titles[0]["role"] == "img"
    assert HOSTILE not in html and LONG in text  # whole in the table (and the SVG's <title>)
    assert "style=" not in html
    twin = http.get(CARD_PATH, params={"format": "json"}).json()
    assert twin["usage"]["total"] == 1_234_567
    assert twin["usage"]["per_version"][1] == {"label": "v1", "downloads": 1_234_562}


@pytest.mark.parametrize(
    ("downloads", "shown"), [(0, "0 downloads"), (1, "1 download"), (1234, "1,234 downloads")]
)
def test_catalog_card_downloads(
    preview: LiveServer, http: httpx.Client, hub: Hub, downloads: int, shown: str
) -> None:
    item = http.get("/", params={"q": "nucleus", "format": "json"}).json()["results"]["items"][0]
    card = SearchCard.model_validate({**item, "downloads": downloads})
    template = hub.templates.get_template("_catalog_card.html")
    html = template.render(r=card, links=CatalogLinks(SearchQuery()), urls=hub.links)
    paragraphs = [t for t in parse(html).text if "download" in t]
    assert paragraphs == [shown]
