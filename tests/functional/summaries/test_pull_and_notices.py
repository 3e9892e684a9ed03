"""The hub pulls a partner's summaries from a loopback HTTP server (the documented layout),
once per partner at a time; a partner's CI hook hears of published and yanked versions with a
valid signature, at a real loopback receiver."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import yaml

from modelhub.webhooks.signing import verify
from modelhub.wiring import register_job_kinds
from tests.conftest import LiveServer, auth
from tests.fileserver import Route, file_server
from tests.functional.summaries.common import (
    SEED_SUMMARY,
    drain,
    partner_with_token,
    published_model,
    report,
    summaries,
)
from tests.functional.webhooks.receiver import running_receiver


def test_the_hub_pulls_the_documented_layout(
    server: LiveServer, http: httpx.Client, admin_token: str, member_token: str, tmp_path: Path
) -> None:
    rid = published_model(http, admin_token, tmp_path)
    partner_with_token(
        http, member=member_token, admin=admin_token, partner_id="biapy", name="BiaPy"
    )
    with file_server() as files:
        server.hub.settings.fetch_allow_hosts = files.host_port
        folder = f"/ts/{rid}/v1"
        files.routes[f"{folder}/summary.json"] = Route(
            json.dumps({"tests": {"biapy": {"3.6.8": report("biapy_3.6.8.json")}}}).encode()
        )
        files.routes[f"{folder}/test_summaries.json"] = Route(b'["test_summary_gpu.yaml"]')
        files.routes[f"{folder}/test_summary_gpu.yaml"] = Route(
            yaml.safe_dump(SEED_SUMMARY).encode()
        )
        patched = http.patch(
            "/api/v1/partners/biapy",
            json={"test_summary_url": files.url("/ts")},
            headers=auth(member_token),
        )
        assert patched.status_code == 200, patched.text
        asked = http.post("/api/v1/partners/biapy/test-summaries/pull", headers=auth(member_token))
        assert (asked.status_code, asked.json()["running"]) == (202, True)
        again = http.post("/api/v1/partners/biapy/test-summaries/pull", headers=auth(member_token))
        assert again.json()["running"] is True
        assert len(drain(server.hub, "summary_pull")) == 1  # asked twice, one pull
        state = http.get("/api/v1/partners/biapy/test-summaries/pull").json()
        assert (state["running"], state["last_stored"], state["last_problems"]) == (False, 2, [])
        found = summaries(http, rid)["partners"][0]
        assert [
            (s["tool"], s["test"], s["origin"], s["source_url"]) for s in found["summaries"]
        ] == [
            ("biapy", "", "pull", files.url(f"{folder}/summary.json")),
            ("bioimageio.core", "gpu", "pull", files.url(f"{folder}/test_summary_gpu.yaml")),
        ]
        assert found["compatible"] is True
        assert f"{folder}/test_summary.yaml" not in files.paths()  # the index named the files

        # a pull again (a new one, the first has ended) replaces, never adds
        http.post("/api/v1/partners/biapy/test-summaries/pull", headers=auth(member_token))
        assert len(drain(server.hub, "summary_pull")) == 1
        assert len(summaries(http, rid)["partners"][0]["summaries"]) == 2
        # someone else may not ask for a pull
        other = http.post("/api/v1/partners/biapy/test-summaries/pull", headers=auth(admin_token))
        assert other.status_code == 202  # admins may
    refused = http.post("/api/v1/partners/biapy/test-summaries/pull")
    assert refused.status_code == 401


def test_a_partner_ci_hook_hears_of_publications_and_yanks(
    server: LiveServer, http: httpx.Client, admin_token: str, member_token: str, tmp_path: Path
) -> None:
    server.hub.settings.webhook_allow_private = True
    register_job_kinds(server.hub)  # again, bound to the setting above
    partner_with_token(
        http, member=member_token, admin=admin_token, partner_id="ilastik", name="ilastik"
    )
    with running_receiver() as receiver:
        hook = http.put(
            "/api/v1/partners/ilastik/ci-hook",
            json={"url": receiver.url},
            headers=auth(member_token),
        )
        assert hook.status_code == 200, hook.text
        secret = hook.json()["secret"]
        assert secret and hook.json()["has_secret"] is True
        shown = http.get("/api/v1/partners/ilastik/ci-hook", headers=auth(member_token)).json()
        assert shown == {"url": receiver.url, "has_secret": True, "secret": None}
        assert (
            http.get(
                "/api/v1/partners/ilastik/ci-hook", headers=auth(admin_token + "x")
            ).status_code
            == 401
        )

        rid = published_model(http, admin_token, tmp_path)
        drain(server.hub, "partner_ci")
        yanked = http.post(
            f"/api/v1/resources/{rid}/versions/v1/yank",
            headers=auth(admin_token),
            json={"reason": "wrong weights"},
        )
        assert yanked.status_code == 200, yanked.text
        drain(server.hub, "partner_ci")
        got = receiver.wait_for(2)
    bodies = []
    for request in got:
        assert verify(secret, request.body, request.headers["x-modelhub-signature-256"])
        assert not verify(
            "another secret", request.body, request.headers["x-modelhub-signature-256"]
        )
        bodies.append(json.loads(request.body))
    assert [(b["event"], b["partner_id"], b["resource_id"], b["version"]) for b in bodies] == [
        ("version.published", "ilastik", rid, "v1"),
        ("version.yanked", "ilastik", rid, "v1"),
    ]
    assert bodies[0]["rdf_url"] == f"{server.url}/artifacts/{rid}/v1/files/rdf.yaml"
    assert [r.headers["x-modelhub-event"] for r in got] == ["version.published", "version.yanked"]
