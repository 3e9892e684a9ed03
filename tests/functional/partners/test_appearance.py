"""A partner's appearance on a real server: the landing page and its JSON twin, the images it
serves (inert images inline, SVG only as a download, all sandboxed), and ``collection.json``'s
``config.partners`` with an ETag that moves with every change of a partner."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from modelhub.db import transaction
from modelhub.fetch.policy import FetchPolicy
from modelhub.hub import Hub
from modelhub.partners.appearance import fetch_images, store_appearance
from modelhub.partners.models import Partner
from tests.conftest import LiveServer
from tests.fileserver import Route, file_server
from tests.functional.partners.common import make_partner
from tests.functional.review_pages.common import Page
from tests.pictures import SVG_WITH_SCRIPT, png

LOGO = png()
CONFIG: dict[str, Any] = {
    "about_url": "https://lab.example.org/about",
    "tags": ["lab-tools"],
    "logo": "logo.png",
    "icon": "🧪",
    "background_image": "back.svg",
    "splash_title": "Lab Tools for everyone",
    "splash_subtitle": "Segmentation in one click",
    "splash_feature_list": ["Runs in Fiji", "Free"],
    "explore_button_text": "See our models",
    "resource_types": ["model", "application"],
    "default_type": "application",
}


def sync_appearance(hub: Hub, config: dict[str, Any]) -> list[str]:
    """What a sync does with the collection's config: the worker half, then the hub half."""
    with file_server({"/c/logo.png": Route(LOGO), "/c/back.svg": Route(SVG_WITH_SCRIPT)}) as files:
        rules = FetchPolicy(max_bytes=10**7, allow_hosts=frozenset({("127.0.0.1", files.port)}))
        found = fetch_images(
            config, base_url=files.url("/c/collection.yaml"), policy=rules, storage=hub.storage
        )
    with transaction(hub.sessions) as db:
        partner = db.get(Partner, "lab-tools")
        assert partner is not None
        return store_appearance(db, partner, config, found)


@pytest.fixture
def partner(server: LiveServer, http: httpx.Client, admin_token: str, member_token: str) -> str:
    make_partner(http, member=member_token, admin=admin_token)
    return "lab-tools"


def test_the_landing_page_shows_the_splash(
    server: LiveServer, http: httpx.Client, partner: str
) -> None:
    before = Page(http.get("/partners/lab-tools").text)
    assert "Lab Tools" in before.text and "Start Exploring" in before.text  # the defaults
    assert sync_appearance(server.hub, CONFIG) == []
    page = Page(http.get("/partners/lab-tools").text)
    for words in ("Lab Tools for everyone", "Segmentation in one click", "Runs in Fiji"):
        assert words in page.text
    assert page.all("a", id="explore", href="/partners/lab-tools/explore")
    assert "See our models" in page.text
    assert page.all("a", href="https://lab.example.org/about")
    images = {a["class"]: a["src"] for a in page.all("img")}
    assert set(images) == {"splash-bg", "splash-logo"}
    assert str(images["splash-logo"]).startswith("/partners/lab-tools/images/logo?v=")
    twin = http.get("/partners/lab-tools?format=json").json()["partner"]["appearance"]
    assert twin["splash_title"] == "Lab Tools for everyone"
    assert twin["icon"] == {"text": "🧪", "url": None, "media_type": None}
    assert twin["logo"]["url"] == images["splash-logo"]
    assert (twin["resource_types"], twin["default_type"]) == (
        ["model", "application"],
        "application",
    )
    moved = http.get("/partners/lab-tools/explore")
    assert moved.headers["location"] == "/?partner=lab-tools&type=application"
    api = http.get("/api/v1/partners/lab-tools").json()
    assert api["appearance"] == twin


def test_images_are_served_inert_and_svg_only_as_a_download(
    server: LiveServer, http: httpx.Client, partner: str
) -> None:
    sync_appearance(server.hub, CONFIG)
    twin = http.get("/partners/lab-tools?format=json").json()["partner"]["appearance"]
    logo = http.get(twin["logo"]["url"])
    assert (logo.status_code, logo.content) == (200, LOGO)
    assert logo.headers["content-type"] == "image/png"
    assert logo.headers["content-disposition"] == 'inline; filename="lab-tools-logo.png"'
    assert "sandbox" in logo.headers["content-security-policy"]
    assert logo.headers["x-content-type-options"] == "nosniff"
    assert logo.headers["cache-control"] == "public, max-age=31536000, immutable"
    again = http.get(twin["logo"]["url"], headers={"if-none-match": logo.headers["etag"]})
    assert again.status_code == 304
    svg = http.get(twin["background_image"]["url"])
    assert svg.status_code == 200 and svg.content == SVG_WITH_SCRIPT
    assert svg.headers["content-type"] == "image/svg+xml"
    assert svg.headers["content-disposition"].startswith("attachment;")
    assert "sandbox" in svg.headers["content-security-policy"]
    unversioned = http.get("/partners/lab-tools/images/logo")
    assert unversioned.headers["cache-control"] == "no-cache"
    missing = http.get("/partners/lab-tools/images/icon")  # an emoji: no image
    assert missing.status_code == 404
    assert "has no stored icon" in missing.text


def test_collection_json_lists_the_partners_and_its_etag_follows_them(
    server: LiveServer, http: httpx.Client, partner: str
) -> None:
    first = http.get("/collection.json")
    [entry] = first.json()["config"]["partners"]
    assert entry == {
        "id": "lab-tools",
        "name": "Lab Tools",
        "docs": "https://lab.example.org/docs",
        "about_url": "https://lab.example.org/docs",
        "url": f"{server.url}/partners/lab-tools",
        "explore_url": f"{server.url}/partners/lab-tools/explore",
        "tags": [],
        "resource_types": ["model", "dataset", "notebook", "application"],
        "default_type": "all",
        "splash_title": "Lab Tools",
        "splash_subtitle": "A viewer for microscopy images.",
        "splash_feature_list": [],
        "explore_button_text": "Start Exploring",
    }
    etag = first.headers["etag"]
    sync_appearance(server.hub, CONFIG)
    moved = http.get("/collection.json", headers={"if-none-match": etag})
    assert moved.status_code == 200 and moved.headers["etag"] != etag
    [entry] = moved.json()["config"]["partners"]
    assert entry["icon"] == "🧪"
    assert entry["logo"].startswith(f"{server.url}/partners/lab-tools/images/logo?v=")
    assert entry["background_image"].startswith(f"{server.url}/partners/lab-tools/images/")
    assert (entry["default_type"], entry["tags"]) == ("application", ["lab-tools"])
    assert entry["docs"] == entry["about_url"] == "https://lab.example.org/about"
    assert entry["splash_feature_list"] == ["Runs in Fiji", "Free"]
    # the same config again: nothing changed, the ETag stays
    sync_appearance(server.hub, CONFIG)
    same = http.get("/collection.json", headers={"if-none-match": moved.headers["etag"]})
    assert same.status_code == 304
