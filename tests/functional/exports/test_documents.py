"""collection.json and index.json: bioimage.io's shapes, kept current one resource at a time
by publication, yank, unyank and listing changes, with strong ETags and 304s."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event, func, select

from modelhub.db import transaction
from modelhub.exports.models import ExportEntry
from modelhub.exports.service import rebuild
from modelhub.exports.urls import export_urls
from tests.conftest import LiveServer
from tests.functional.exports.common import (
    document,
    expected_entry,
    expected_item,
    package,
    publish,
    reference,
    unyank,
    upload,
    yank,
)

STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}")


def _types(value: Any) -> Any:
    """The shape of a JSON value: its keys and the types of its leaves."""
    if isinstance(value, dict):
        return {k: _types(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_types(value[0])] if value else []
    return type(value).__name__


def test_the_documents_have_bioimage_io_s_shapes(
    server: LiveServer, http: httpx.Client, admin_token: str, tmp_path: Path
) -> None:
    rid = upload(http, admin_token, package(tmp_path, "Nuclei images"))
    publish(http, admin_token, rid)
    index = document(http, "/index.json")
    real = reference("index.sample.json")
    del real["_note"]  # the sample's own remark
    real["items"] = real["items"][1:]  # from one published without a comment, as ours is
    # the same keys and value types as today's bioimage.io index
    assert _types(index) == {**_types(real), "count_per_type": {"dataset": "int"}}
    assert index["items"] == [expected_entry(http, server.url, rid, ["v1"])]
    assert index["count_per_type"] == {"dataset": 1} and index["total"] == 1
    assert STAMP.fullmatch(index["timestamp"])

    collection = document(http, "/collection.json")
    template = reference("collection_config.json")["collection_template"]
    assert set(collection) >= {"name", "type", "format_version", "description", "config"}
    assert collection["type"] == "collection" and collection["format_version"] == "0.3.0"
    shown = set(template["config"]) - {"background_image"}  # the hub has no splash image
    assert set(collection["config"]) >= shown
    config = collection["config"]
    assert config["partners"] == []
    assert (config["name"], config["url_root"]) == ("modelhub", server.url)
    assert config["collection_url"] == f"{server.url}/collection.json"
    assert config["resource_types"] == ["model", "dataset", "notebook", "application"]
    assert collection["collection"] == [expected_item(http, server.url, rid, ["v1"])]


def test_publish_yank_unyank_and_listing_changes_update_the_documents(
    server: LiveServer, http: httpx.Client, admin_token: str, tmp_path: Path
) -> None:
    url = server.url
    assert document(http, "/collection.json")["collection"] == []
    first = upload(http, admin_token, package(tmp_path, "Nuclei images"))
    publish(http, admin_token, first)
    other = upload(http, admin_token, package(tmp_path, "Tracking app", kind="application-0.5"))
    publish(http, admin_token, other)
    ordered = sorted([first, other])

    def items() -> list[dict[str, Any]]:
        return list(document(http, "/collection.json")["collection"])

    def entries() -> list[dict[str, Any]]:
        return list(document(http, "/index.json")["items"])

    assert [i["id"] for i in items()] == ordered
    # a new version with another name: the listing follows it
    upload(http, admin_token, package(tmp_path, "Nuclei images renamed", seed=1), resource_id=first)
    publish(http, admin_token, first)
    item = next(i for i in items() if i["id"] == first)
    assert item == expected_item(http, url, first, ["v2", "v1"])
    assert item["name"] == "Nuclei images renamed"
    assert expected_entry(http, url, first, ["v2", "v1"]) in entries()

    yank(http, admin_token, first, "v2")  # the listing goes back to v1's name
    item = next(i for i in items() if i["id"] == first)
    assert item == expected_item(http, url, first, ["v1"])
    assert item["name"] == "Nuclei images"
    assert expected_entry(http, url, first, ["v1"]) in entries()

    unyank(http, admin_token, first, "v2")
    assert next(i for i in items() if i["id"] == first) == expected_item(
        http, url, first, ["v2", "v1"]
    )
    yank(http, admin_token, first, "v1")
    yank(http, admin_token, first, "v2")  # nothing left to list: the resource leaves
    assert items() == [expected_item(http, url, other, ["v1"])]
    index = document(http, "/index.json")
    assert index["items"] == [expected_entry(http, url, other, ["v1"])]
    assert (index["count_per_type"], index["total"]) == ({"application": 1}, 1)


def test_etags_answer_304_with_one_query_and_change_with_each_publication(
    server: LiveServer, http: httpx.Client, admin_token: str, tmp_path: Path
) -> None:
    first = http.get("/index.json")
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "public, no-cache"
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(server.hub.engine, "before_cursor_execute", count)
    try:
        again = http.get("/index.json", headers={"if-none-match": etag})
        assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)
        assert len(statements) == 1, statements
        statements.clear()
        body = http.get("/collection.json")
        tag = body.headers["etag"]
        statements.clear()
        cached = http.get("/collection.json", headers={"if-none-match": f'"x", {tag}'})
        assert (cached.status_code, cached.headers["cache-control"]) == (304, "public, no-cache")
        assert len(statements) == 1, statements
    finally:
        event.remove(server.hub.engine, "before_cursor_execute", count)

    generation = int(etag.strip('"i'))
    rid = upload(http, admin_token, package(tmp_path, "Nuclei images"))
    publish(http, admin_token, rid)  # two events (published, listing): one change
    moved = http.get("/index.json", headers={"if-none-match": etag})
    assert (moved.status_code, moved.headers["etag"]) == (200, f'"i{generation + 1}"')
    assert http.get("/collection.json", headers={"if-none-match": tag}).status_code == 200
    # the same bytes under the same ETag
    assert http.get("/index.json").content == moved.content


def test_a_rebuild_from_empty_gives_the_same_documents(
    server: LiveServer, http: httpx.Client, admin_token: str, tmp_path: Path
) -> None:
    for n, kind in enumerate(["dataset-0.5", "notebook-0.5", "dataset-0.5"]):
        rid = upload(http, admin_token, package(tmp_path, f"Resource {n}", kind=kind, seed=n))
        publish(http, admin_token, rid)
    upload(http, admin_token, package(tmp_path, "Resource 0 again", seed=9), resource_id=rid)
    publish(http, admin_token, rid)
    collection = http.get("/collection.json").content
    index = document(http, "/index.json")
    hub = server.hub
    with hub.sessions() as db:
        db.query(ExportEntry).delete()
        db.commit()
        assert db.scalar(select(func.count()).select_from(ExportEntry)) == 0

    with transaction(hub.sessions) as db:
        assert rebuild(db, urls=export_urls(hub.settings)) == 3
    assert http.get("/collection.json").content == collection
    rebuilt = document(http, "/index.json")
    assert {**rebuilt, "timestamp": None} == {**index, "timestamp": None}
