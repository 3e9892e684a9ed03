"""Someone's unpublished draft cannot be found by guessing its id: an upload naming it (as the
new revision's resource, or as the description's ``id``) is answered exactly as for an id that
does not exist."""

from __future__ import annotations

from pathlib import Path

import httpx
from sqlalchemy import select

from modelhub.catalog.models import Resource
from modelhub.cli.packing import zip_folder
from tests.conftest import LiveServer, auth, changed_copy, make_user

UNKNOWN = "quiet-lynx"  # a well-formed nickname that no resource has


def _zip(shared_model_dir: Path, tmp_path: Path, name: str, declared_id: str | None) -> Path:
    work = changed_copy(shared_model_dir, tmp_path / name, name)
    if declared_id is not None:
        rdf = work / "bioimageio.yaml"
        rdf.write_text(rdf.read_text() + f"id: {declared_id}\n")
    return zip_folder(work, tmp_path / f"{name}.zip")


def _upload(http: httpx.Client, token: str, archive: Path, **params: str) -> httpx.Response:
    return http.post(
        "/api/v1/uploads",
        content=archive.read_bytes(),
        params=params,
        headers={**auth(token), "content-type": "application/zip"},
    )


def _owned_draft(server: LiveServer, http: httpx.Client, archive: Path) -> str:
    owner = make_user(server.hub, "olga")
    r = _upload(http, owner, archive)
    assert r.status_code == 201, r.text
    rid: str = r.json()["resource_id"]
    assert rid != UNKNOWN
    return rid


def test_naming_a_hidden_draft_answers_as_for_an_unknown_id(
    server: LiveServer, http: httpx.Client, shared_model_dir: Path, tmp_path: Path
) -> None:
    archive = _zip(shared_model_dir, tmp_path, "pkg", None)
    draft = _owned_draft(server, http, archive)
    other = make_user(server.hub, "mallory")
    hidden = _upload(http, other, archive, resource_id=draft)
    unknown = _upload(http, other, archive, resource_id=UNKNOWN)
    assert (hidden.status_code, unknown.status_code) == (404, 404)
    assert hidden.json()["error"]["code"] == "not_found"
    # byte for byte the same answer apart from the id itself
    assert hidden.content.replace(draft.encode(), b"<id>") == unknown.content.replace(
        UNKNOWN.encode(), b"<id>"
    )
    # and the same headers, but for the date and the length (the two ids differ in length)
    varying = {"date", "content-length"}
    assert [(k, v) for k, v in hidden.headers.items() if k not in varying] == [
        (k, v) for k, v in unknown.headers.items() if k not in varying
    ]


def test_a_description_naming_a_hidden_draft_makes_a_new_resource(
    server: LiveServer, http: httpx.Client, shared_model_dir: Path, tmp_path: Path
) -> None:
    draft = _owned_draft(server, http, _zip(shared_model_dir, tmp_path, "own", None))
    other = make_user(server.hub, "mallory")
    hidden = _upload(http, other, _zip(shared_model_dir, tmp_path, "hidden", draft))
    unknown = _upload(http, other, _zip(shared_model_dir, tmp_path, "unknown", UNKNOWN))
    assert (hidden.status_code, unknown.status_code) == (201, 201), hidden.text
    created = {hidden.json()["resource_id"], unknown.json()["resource_id"]}
    assert draft not in created and UNKNOWN not in created and len(created) == 2
    with server.hub.sessions() as db:
        # the owner's draft got no revision from the stranger
        assert db.scalar(select(Resource.latest_version).where(Resource.id == draft)) is None
        owners = db.get(Resource, draft)
        assert owners is not None and len(owners.versions) == 1
