"""A partner's CI pushes test summaries over real HTTP with its token: both shapes, JSON and
YAML, all or nothing; the model page, the version's summaries, the "compatible with" badge and
the catalog's filter follow."""

from __future__ import annotations

from pathlib import Path

import httpx
import yaml

from tests.conftest import LiveServer, auth
from tests.functional.pages.common import parse
from tests.functional.summaries.common import (
    SEED_SUMMARY,
    partner_with_token,
    published_model,
    report,
    summaries,
)


def code_of(r: httpx.Response) -> tuple[int, str]:
    return r.status_code, r.json()["error"]["code"]


def ids_compatible_with(http: httpx.Client, consumer: str) -> list[str]:
    r = http.get("/api/v1/resources", params={"compatible": consumer})
    assert r.status_code == 200, r.text
    return [item["id"] for item in r.json()["items"]]


def test_a_partner_ci_pushes_and_the_page_badge_and_filter_follow(
    server: LiveServer, http: httpx.Client, admin_token: str, member_token: str, tmp_path: Path
) -> None:
    rid = published_model(http, admin_token, tmp_path)
    other = published_model(http, admin_token, tmp_path, seed=1)
    ci = partner_with_token(
        http, member=member_token, admin=admin_token, partner_id="ilastik", name="ilastik"
    )
    push = "/api/v1/partners/ilastik/test-summaries"

    # the seeds' test summary, as YAML, naming the partner's software and the setting
    sent = {"resource_id": rid, "version": "v1", "test_summary": SEED_SUMMARY,
            "setting": "cpu", "tool": "ilastik", "tool_version": "1.4.1"}  # fmt: skip
    r = http.post(
        push,
        content=yaml.safe_dump(sent).encode(),
        headers={**auth(ci), "content-type": "application/yaml"},
    )
    assert r.status_code == 200, r.text
    assert r.json() == {
        "partner_id": "ilastik",
        "stored": 1,
        "items": [{"resource_id": rid, "version": "v1", "summaries": 1}],
    }
    # today's per-tool report (bioimage.io's own file) as JSON, newer ilastik
    real = {"resource_id": rid, "version": 1, "tool": "ilastik", "tool_version": "1.4.2rc1",
            "report": report("ilastik_1.4.2rc1.json")}  # fmt: skip
    assert http.post(push, json=[real], headers=auth(ci)).json()["stored"] == 1
    again = http.post(push, json={"summaries": [real]}, headers=auth(ci))
    assert again.json()["stored"] == 1  # the same key: replaced, not added

    found = summaries(http, rid)
    assert [(p["partner_id"], p["compatible"]) for p in found["partners"]] == [("ilastik", True)]
    rows = found["partners"][0]["summaries"]
    assert [(s["tool"], s["tool_version"], s["test"], s["status"], s["shape"]) for s in rows] == [
        ("ilastik", "1.4.2rc1", "", "passed", "report"),
        ("ilastik", "1.4.1", "cpu", "passed", "test_summary"),
    ]
    assert found["badges"] == [{"id": "ilastik", "name": "ilastik", "by": ["partner"]}]

    # the catalog: the filter and the badge on the result card
    assert ids_compatible_with(http, "ilastik") == [rid]
    assert ids_compatible_with(http, "nobody-knows-me") == []
    listed = http.get("/api/v1/resources").json()["items"]
    cards = {item["id"]: item["compatible"] for item in listed}
    assert cards == {rid: [{"id": "ilastik", "name": "ilastik", "by": ["partner"]}], other: []}
    page = http.get("/", params={"compatible": "ilastik"}).text
    assert "compatible with ilastik" in page and f"/resources/{other}" not in page

    # the model page: per partner and software version, status, received, details
    card = http.get(f"/resources/{rid}")
    text = " ".join(parse(card.text).text)
    assert "Tested by partners" in text and "ilastik 1.4.2rc1" in text and "ilastik 1.4.1" in text
    assert "compatible with ilastik" in text and "reported by ilastik" in text
    twin = http.get(f"/resources/{rid}", params={"format": "json"}).json()
    assert twin["compatibility"] == found

    # a newer failed test of the same tool takes the badge and the filter away
    failed = {**real, "tool_version": "1.5.0",
              "report": {"status": "failed", "error": "axes do not fit", "score": 0}}  # fmt: skip
    assert http.post(push, json=failed, headers=auth(ci)).status_code == 200
    assert summaries(http, rid)["badges"] == []
    assert ids_compatible_with(http, "ilastik") == []


def test_refusals_store_nothing(
    server: LiveServer, http: httpx.Client, admin_token: str, member_token: str, tmp_path: Path
) -> None:
    rid = published_model(http, admin_token, tmp_path)
    ci = partner_with_token(
        http, member=member_token, admin=admin_token, partner_id="ilastik", name="ilastik"
    )
    theirs = partner_with_token(
        http, member=member_token, admin=admin_token, partner_id="deepimagej", name="deepImageJ"
    )
    push = "/api/v1/partners/ilastik/test-summaries"
    good = {"resource_id": rid, "version": "v1", "tests": {"biapy": {"3.6.8": report(
        "biapy_3.6.8.json")}, "careamics": {"0.1.0": report("careamics_0.1.0.json")}}}  # fmt: skip

    assert code_of(http.post(push, json=good)) == (401, "not_authenticated")
    assert code_of(http.post(push, json=good, headers=auth(theirs))) == (403, "wrong_partner")
    assert code_of(http.post(push, json=good, headers=auth(admin_token + "x"))) == (
        401, "not_authenticated",
    )  # fmt: skip
    bad_score = {"resource_id": rid, "version": "v1", "tool": "ilastik", "tool_version": "1",
                 "report": {"status": "passed", "score": 7}}  # fmt: skip
    r = http.post(push, json=[good, bad_score], headers=auth(ci))
    assert code_of(r) == (422, "invalid_summary")
    assert [d["loc"] for d in r.json()["error"]["details"]] == [["body", 1, "report", "score"]]
    unknown_status = {**bad_score, "report": {"status": "maybe"}}
    r = http.post(push, json=unknown_status, headers=auth(ci))
    assert code_of(r) == (422, "invalid_summary")
    assert r.json()["error"]["details"][0]["loc"] == ["body", "report", "status"]
    two_shapes = {**good, "report": {"status": "passed"}}
    assert code_of(http.post(push, json=two_shapes, headers=auth(ci))) == (422, "invalid_summary")
    missing = {**good, "version": "v9"}
    assert code_of(http.post(push, json=[good, missing], headers=auth(ci))) == (404, "not_found")
    r = http.post(push, content=b"{", headers={**auth(ci), "content-type": "application/json"})
    assert code_of(r) == (400, "invalid_json")
    r = http.post(push, content=b"a: [", headers={**auth(ci), "content-type": "application/yaml"})
    assert code_of(r) == (422, "invalid_yaml")
    r = http.post(push, content=b"x", headers={**auth(ci), "content-type": "text/plain"})
    assert code_of(r) == (415, "unsupported_media_type")
    huge = b"[" + b" " * (2 * 1024**2) + b"]"
    r = http.post(push, content=huge, headers={**auth(ci), "content-type": "application/json"})
    assert code_of(r) == (413, "body_too_large")
    assert summaries(http, rid)["partners"] == []  # nothing of any refused request was kept

    # its maintainer (a person) may push too; the not-applicable report counts neither way
    done = http.post(push, json=good, headers=auth(member_token))
    assert (done.status_code, done.json()["stored"]) == (200, 2)
    found = summaries(http, rid)["partners"][0]
    assert [(s["tool"], s["status"]) for s in found["summaries"]] == [
        ("biapy", "passed"), ("careamics", "not_applicable"),
    ]  # fmt: skip
    assert found["compatible"] is True
