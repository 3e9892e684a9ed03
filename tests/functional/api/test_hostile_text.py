"""Text no database stores (NUL characters) and JSON Python cannot read (deep nesting, NaN):
refused in the error shape on SQLite and PostgreSQL, never a 500."""

from __future__ import annotations

import httpx
import pytest

from modelhub.accounts.models import Role
from tests.conftest import LiveServer, auth, make_user

HYPHA = "/public/services/artifact-manager"
JSON = {"content-type": "application/json"}


@pytest.mark.parametrize(
    "url",
    ["/api/v1/resources/a%00b", "/artifacts/a%00b/files/rdf.yaml", "/api/v1/resources?q=%00",
     "/?q=a%00"],
)  # fmt: skip
def test_a_nul_in_the_url_is_refused(http: httpx.Client, url: str) -> None:
    r = http.get(url, headers={"accept": "application/json"})
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "invalid_text"
    assert r.headers["x-content-type-options"] == "nosniff"  # the security headers still apply


def test_a_nul_in_a_body_is_refused_where_the_database_cannot_store_it(
    server: LiveServer, http: httpx.Client
) -> None:
    token = make_user(server.hub, "nula", Role.admin)
    body = b'{"name": "a\\u0000b"}'
    r = http.post("/api/v1/tokens", content=body, headers={**auth(token), **JSON})
    if server.hub.settings.resolved_database_url.startswith("postgresql"):
        assert r.status_code == 400, r.text
        assert r.json()["error"]["code"] == "invalid_text"
    else:  # SQLite stores it as any other character
        assert r.status_code == 201, r.text
        assert r.json()["name"] == "a\0b"


@pytest.mark.parametrize(
    ("manifest", "says"),
    [(b"[" * 100_000 + b"]" * 100_000, "nested too deeply"), (b'{"name": NaN}', "NaN is not")],
)
def test_json_python_cannot_read_is_refused(
    server: LiveServer, http: httpx.Client, manifest: bytes, says: str
) -> None:
    token = make_user(server.hub, "jason")
    body = b'{"type": "model", "version": "stage", "manifest": ' + manifest + b"}"
    r = http.post(f"{HYPHA}/create", content=body, headers=auth(token))
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["code"] == "invalid_json" and says in error["message"]


def test_change_notes_are_bounded_in_the_query_and_in_the_form(
    server: LiveServer, http: httpx.Client
) -> None:
    token = make_user(server.hub, "noted")
    long_query = http.post(
        "/api/v1/uploads", params={"change_note": "n" * 4001}, content=b"x", headers=auth(token)
    )
    assert long_query.status_code == 422, long_query.text
    assert long_query.json()["error"]["details"][0]["loc"] == ["change_note"]
    long_form = http.post(
        "/api/v1/uploads",
        data={"change_note": "n" * 10_001},
        files={"file": ("pkg.zip", b"PK", "application/zip")},
        headers=auth(token),
    )
    assert long_form.status_code == 422, long_form.text
    error = long_form.json()["error"]
    assert (error["code"], error["details"][0]["loc"]) == ("invalid_request", ["change_note"])
    assert error["message"] == "change_note: at most 10,000 characters, not 10,001."
