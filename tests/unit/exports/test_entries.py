"""One resource's collection item and index entry, from rows built in memory: package paths
become absolute URLs (on the files origin when there is one), emoji and URLs stay as written."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from modelhub.catalog.models import Resource, ResourceType, ResourceVersion, VersionStatus
from modelhub.exports.entries import collection_item, index_entry
from modelhub.exports.urls import ExportUrls
from modelhub.links import Links

URLS = ExportUrls(Links("https://hub.example", "https://files.example"))
FILES = "https://files.example/artifacts/calm-otter"
WHEN = datetime(2026, 3, 4, 5, 6, 7, 890, tzinfo=UTC)


def _version(number: int, **rdf: Any) -> ResourceVersion:
    return ResourceVersion(
        resource_id="calm-otter",
        revision=number,
        number=number,
        status=VersionStatus.published,
        name=f"Otter detector {number}",
        description="Finds otters.",
        license="MIT",
        tags=["otters", "2d"],
        authors=[{"name": "Ada"}],
        rdf=rdf,
        rdf_sha256=f"{number}" * 64,
        change_note="faster" if number == 2 else None,
        published_at=WHEN,
    )


def test_an_item_names_its_files_by_absolute_urls_of_the_newest_version() -> None:
    resource = Resource(id="calm-otter", emoji="🦦", type=ResourceType.model)
    badge = {"label": "DOI", "icon": "https://doi.example/badge.svg", "url": "https://doi.org"}
    newest = _version(
        2,
        covers=["./cover.png", "https://pictures.example/otter.png", 3],
        icon="icon.png",
        badges=[badge],
        links=["deepimagej/deepimagej"],
        training_data={"id": "otter-images"},
    )
    item = collection_item(resource, [newest, _version(1, icon="🦦")], URLS)
    assert item == {
        "id": "calm-otter",
        "type": "model",
        "name": "Otter detector 2",
        "description": "Finds otters.",
        "tags": ["otters", "2d"],
        "authors": [{"name": "Ada"}],
        "covers": [f"{FILES}/v2/files/cover.png", "https://pictures.example/otter.png"],
        "badges": [badge],
        "links": ["deepimagej/deepimagej"],
        "license": "MIT",
        "id_emoji": "🦦",
        "nickname": "calm-otter",
        "nickname_icon": "🦦",
        "created": "2026-03-04T05:06:07Z",
        "download_count": "?",
        "download_url": f"{FILES}/v2/package.zip",
        "rdf_source": f"{FILES}/v2/files/rdf.yaml",
        "versions": ["v2", "v1"],
        "icon": f"{FILES}/v2/files/icon.png",
        "training_data": {"id": "otter-images"},
    }
    only_old = collection_item(resource, [_version(1, icon="🦦")], URLS)
    assert (only_old["icon"], only_old["covers"], only_old["badges"]) == ("🦦", [], [])


def test_an_index_entry_lists_each_version_s_rdf_and_its_sha256() -> None:
    resource = Resource(id="calm-otter", emoji="🦦", type=ResourceType.model)
    entry = index_entry(resource, [_version(2), _version(1)], URLS)
    assert entry == {
        "id": "calm-otter",
        "type": "model",
        "versions": [
            {
                "version": "v2",
                "source": f"{FILES}/v2/files/rdf.yaml",
                "sha256": "2" * 64,
                "created_at": "2026-03-04T05:06:07Z",
                "comment": "faster",
            },
            {
                "version": "v1",
                "source": f"{FILES}/v1/files/rdf.yaml",
                "sha256": "1" * 64,
                "created_at": "2026-03-04T05:06:07Z",
                "comment": None,
            },
        ],
    }
