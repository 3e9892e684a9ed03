"""The catalog page: every state in the URL, links that carry it, cards, and its JSON twin."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from tests.conftest import LiveServer
from tests.functional.pages.common import parse
from tests.functional.search import corpus

STATE = (
    ("q", "segm"),
    ("type", "model"),
    ("tags", "segmentation"),
    ("format", "onnx"),
    ("sort", "name"),
    ("per_page", "1"),
)


@pytest.fixture
def catalog(server: LiveServer) -> LiveServer:
    corpus.build(server.hub)
    return server


def _query(href: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(href).query)


def test_json_twin_restores_the_state_of_the_url(catalog: LiveServer, http: httpx.Client) -> None:
    twin = http.get("/", params=[*STATE, ("format", "json")]).json()
    assert twin["query"] == {
        "q": "segm",
        "type": "model",
        "tags": ["segmentation"],
        "license": None,
        "formats": ["onnx"],
        "checked": False,
        "compatible": None,
        "partner": None,
        "sort": "name",
        "page": 1,
        "per_page": 1,
    }
    assert twin["results"]["total"] == 1 and twin["results"]["items"][0]["id"] == "nucleus-unet"
    api = http.get("/api/v1/resources", params=STATE).json()
    assert api == twin["results"]  # the page and the API answer the same data


def test_links_carry_the_full_state(catalog: LiveServer, http: httpx.Client) -> None:
    state = (("q", "segmentation"), ("type", "model"), ("sort", "name"), ("per_page", "1"))
    page = parse(http.get("/", params=state).text)
    links = [a["href"] for tag, a in page.tags if tag == "a" and a.get("href")]
    # the next page keeps every parameter
    nxt = next(a["href"] for tag, a in page.tags if tag == "a" and a.get("rel") == "next")
    assert sorted(_query(nxt)) == sorted([*state, ("page", "2")])
    # a tag facet adds the tag to the whole state (and starts again at page 1)
    onnx = [h for h in links if ("format", "onnx") in _query(h)]
    assert onnx and all(sorted(_query(h)) == sorted([*state, ("format", "onnx")]) for h in onnx)
    # chips remove exactly one filter each
    assert "/?type=model&sort=name&per_page=1" in links  # words removed
    assert "/?q=segmentation&sort=name&per_page=1" in links  # type removed
    # the sort form and the "works with" form send the state as hidden fields (each but its
    # own parameter), with a labelled select and a button
    hidden = [(a["name"], a["value"]) for tag, a in page.tags if a.get("type") == "hidden"]
    assert sorted(hidden) == sorted([*(s for s in state if s[0] != "sort"), *state])
    assert any(tag == "label" and a.get("for") == "sort" for tag, a in page.tags)
    assert any(tag == "select" and a.get("id") == "sort" for tag, a in page.tags)
    assert any(tag == "button" and a.get("type") == "submit" for tag, a in page.tags)


def test_cards_show_cover_badges_tags_and_downloads(
    catalog: LiveServer, http: httpx.Client
) -> None:
    html = http.get("/", params={"q": "nucleus"}).text
    page = parse(html)
    imgs = [a for tag, a in page.tags if tag == "img"]
    assert len(imgs) == 1 and imgs[0]["loading"] == "lazy" and imgs[0]["alt"] == ""
    assert imgs[0]["src"].endswith("/artifacts/nucleus-unet/v1/files/cover.png")
    assert http.get(imgs[0]["src"]).status_code == 200
    text = " ".join(page.text)
    assert "onnx: not run" in text and "torchscript: not run" in text
    assert "0 downloads" in text
    tag_links = [a["href"] for tag, a in page.tags if tag == "a" and "tags=unet" in a["href"]]
    assert tag_links and all(("q", "nucleus") in _query(h) for h in tag_links)
    assert "style=" not in html and "onclick" not in html.lower()
    # a resource without a cover gets the placeholder, not an image
    other = parse(http.get("/", params={"q": "tracker"}).text)
    assert not [a for tag, a in other.tags if tag == "img"]
    assert any(a.get("class") == "cover-none" for tag, a in other.tags)


def test_type_tabs_and_nothing_found(catalog: LiveServer, http: httpx.Client) -> None:
    page = parse(http.get("/", params={"type": "dataset"}).text)
    current = [a for tag, a in page.tags if tag == "a" and a.get("aria-current") == "page"]
    assert [a["href"] for a in current] == ["/?type=dataset"]
    empty = http.get("/", params={"q": "zebrafish", "type": "dataset"})
    assert "Nothing found" in empty.text and "Remove a filter" in empty.text


def test_bad_parameters_get_a_friendly_page(catalog: LiveServer, http: httpx.Client) -> None:
    r = http.get("/", params={"type": "robot", "page": "x"})
    assert r.status_code == 422 and "text/html" in r.headers["content-type"]
    assert "not valid (page, type)" in r.text
    assert "/resources/nucleus-unet" in r.text  # everything is listed instead
