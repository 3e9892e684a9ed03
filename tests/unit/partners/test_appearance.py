"""``store_appearance``, the hub half of a partner's appearance, on a real database with images
``fetch_images`` really fetched: the checked config on the partner, its images recorded for gc,
problems named by field, the exports' generation moved by every change (and only then)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from modelhub.db import transaction
from modelhub.events.models import DomainEvent
from modelhub.exports.service import state_now
from modelhub.fetch.policy import FetchPolicy
from modelhub.hub import Hub
from modelhub.maintenance.blobs import read_rows
from modelhub.partners.appearance import FetchedImages, fetch_images, store_appearance
from modelhub.partners.images import FieldImage
from modelhub.partners.models import Partner, PartnerImage
from modelhub.storage.models import Blob
from tests.fileserver import FileServer, Route, file_server
from tests.pictures import SVG, png
from tests.unit.partners.common import approved

LOGO, OTHER = png(), png(rgb=(200, 40, 40))
CONFIG: dict[str, Any] = {
    "about_url": "https://lab.example.org/about",
    "tags": ["Lab-Tools", "segmentation", "Lab-Tools"],
    "logo": "logo.png",
    "icon": "🦒",
    "background_image": "back.svg",
    "splash_title": "  Lab   Tools ",
    "splash_subtitle": "Segmentation for everyone",
    "splash_feature_list": ["Fast", "Free"],
    "explore_button_text": "Start exploring",
    "resource_types": ["model", "application"],
    "default_type": "application",
}


def images(files: FileServer, hub: Hub, config: dict[str, Any]) -> FetchedImages:
    rules = FetchPolicy(max_bytes=10_000_000, allow_hosts=frozenset({("127.0.0.1", files.port)}))
    return fetch_images(
        config, base_url=files.url("/lab/collection.yaml"), policy=rules, storage=hub.storage
    )


def store(hub: Hub, config: Any, found: FetchedImages) -> list[str]:
    with transaction(hub.sessions) as db:
        partner = db.get(Partner, "lab-tools")
        assert partner is not None
        return store_appearance(db, partner, config, found)


def generation(hub: Hub) -> int:
    with hub.sessions() as db:
        state = state_now(db)
        return state.generation if state else 0


def changes(hub: Hub) -> int:
    with hub.sessions() as db:
        return db.scalar(select(func.count()).where(DomainEvent.name == "PartnerChanged")) or 0


@pytest.fixture
def partner(hub: Hub, people: dict[str, int]) -> str:
    return approved(hub)


def test_a_config_is_stored_checked_with_its_images(hub: Hub, partner: str) -> None:
    routes = {"/lab/logo.png": Route(LOGO), "/lab/back.svg": Route(SVG)}
    with file_server(routes) as files:
        found = images(files, hub, CONFIG)
    before, events = generation(hub), changes(hub)
    assert store(hub, CONFIG, found) == []
    with hub.sessions() as db:
        row = db.get(Partner, partner)
        assert row is not None and row.appearance == {
            "about_url": "https://lab.example.org/about",
            "tags": ["Lab-Tools", "segmentation"],
            "icon": "🦒",
            "splash_title": "Lab Tools",
            "splash_subtitle": "Segmentation for everyone",
            "splash_feature_list": ["Fast", "Free"],
            "explore_button_text": "Start exploring",
            "resource_types": ["model", "application"],
            "default_type": "application",
        }
        stored = {r.field: r for r in db.scalars(select(PartnerImage))}
        assert set(stored) == {"logo", "background_image"}
        assert stored["logo"].media_type == "image/png"
        assert stored["logo"].source_url == files.url("/lab/logo.png")
        assert stored["background_image"].media_type == "image/svg+xml"
        # the blobs are recorded, and gc counts them as needed
        shas = {r.blob_sha256 for r in stored.values()}
        assert set(db.scalars(select(Blob.sha256))) >= shas
        needed = read_rows(db).needed
        assert needed[stored["logo"].blob_sha256] == [f"partner {partner} logo"]
    assert changes(hub) == events + 1 and generation(hub) == before + 1

    # the same config again: nothing changes, no event, the ETags stay
    assert store(hub, CONFIG, found) == []
    assert changes(hub) == events + 1 and generation(hub) == before + 1


def test_problems_name_their_fields_and_a_broken_image_keeps_the_old_one(
    hub: Hub, partner: str
) -> None:
    with file_server({"/lab/logo.png": Route(LOGO), "/lab/back.svg": Route(SVG)}) as files:
        store(hub, CONFIG, images(files, hub, CONFIG))
    with hub.sessions() as db:
        old_logo = db.scalars(select(PartnerImage.blob_sha256).where(PartnerImage.field == "logo"))
        first = old_logo.one()
    bad = {
        **CONFIG,
        "about_url": "ftp://lab.example.org",
        "tags": ["ok", 7, "x" * 200],
        "splash_title": ["not", "text"],
        "splash_feature_list": "one string",
        "resource_types": ["model", "plugin"],
        "default_type": "dataset",
        "icon": "icon.png",
    }
    del bad["background_image"]
    broken = FetchedImages(
        fields={
            "logo": FieldImage(error="config.logo: the server answered 500."),
            "icon": FieldImage(error="config.icon: the server answered 404."),
        }
    )
    problems = store(hub, bad, broken)
    assert problems == [
        "config.about_url: must be an http(s) address.",
        "config.splash_title: must be text.",
        "config.tags[1]: must be text.",
        "config.tags[2]: at most 128 characters (200 given).",
        "config.splash_feature_list: must be a list of texts.",
        "config.resource_types: unknown type plugin (known: model, dataset, notebook, "
        "application).",
        "config.default_type: must be one of model or all; all is used.",
        "config.logo: the server answered 500.",
        "config.icon: the server answered 404.",
    ]
    with hub.sessions() as db:
        row = db.get(Partner, partner)
        assert row is not None
        assert row.appearance["tags"] == ["ok"]
        assert row.appearance["icon"] == "🦒"  # kept: its new address failed
        assert row.appearance["resource_types"] == ["model"]
        assert row.appearance["default_type"] == "all"
        assert "about_url" not in row.appearance and "splash_title" not in row.appearance
        kept = {r.field: r.blob_sha256 for r in db.scalars(select(PartnerImage))}
    # the logo that failed keeps the previous one; the background left the config: removed
    assert kept == {"logo": first}


def test_a_new_image_replaces_the_old_and_text_replaces_an_image(hub: Hub, partner: str) -> None:
    with file_server({"/lab/logo.png": Route(LOGO), "/lab/back.svg": Route(SVG)}) as files:
        store(hub, CONFIG, images(files, hub, CONFIG))
        files.routes["/lab/logo.png"] = Route(OTHER)
        config = {**CONFIG, "background_image": "🌄"}
        assert store(hub, config, images(files, hub, config)) == []
    with hub.sessions() as db:
        kept = {r.field: r.size for r in db.scalars(select(PartnerImage))}
        row = db.get(Partner, partner)
        assert row is not None and row.appearance["background_image"] == "🌄"
    assert kept == {"logo": len(OTHER)}


def test_a_config_that_is_no_mapping_clears_the_appearance(hub: Hub, partner: str) -> None:
    with file_server({"/lab/logo.png": Route(LOGO), "/lab/back.svg": Route(SVG)}) as files:
        store(hub, CONFIG, images(files, hub, CONFIG))
    problems = store(hub, ["not", "a", "mapping"], FetchedImages())
    assert problems == ["config: must be a mapping of fields (about_url, tags, logo, …)."]
    with hub.sessions() as db:
        row = db.get(Partner, partner)
        assert row is not None and row.appearance == {}
        assert db.scalar(select(func.count()).select_from(PartnerImage)) == 0
