"""Helpers of the test-summary tests: a published model, a partner with a token, and the
queue of one job kind drained in this process (prepare on the hub, run, apply: what the
dispatcher does, without a cluster)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from modelhub.cli.packing import zip_folder
from modelhub.demo.builder import build_package
from modelhub.hub import Hub
from modelhub.jobs import service as jobs
from modelhub.jobs.registry import SkipJob
from modelhub.wiring import job_kinds
from tests.conftest import OVERRIDE, auth

SEED_SUMMARY: dict[str, Any] = {
    "name": "Test model inference",
    "source_name": "rdf.yaml",
    "status": "passed",
    "error": None,
    "traceback": None,
    "nested_errors": None,
    "bioimageio_spec_version": "0.5.3",
    "bioimageio_core_version": "0.7.0",
    "warnings": {},
}
REPORTS = Path(__file__).resolve().parents[2] / "data" / "bioimageio" / "reports"


def report(name: str) -> dict[str, Any]:
    """One of bioimage.io's per-tool reports (real shape), kept in tests/data."""
    found: dict[str, Any] = json.loads((REPORTS / name).read_text())
    return found


def summaries(http: httpx.Client, rid: str) -> dict[str, Any]:
    """A published version's summaries and badges, from the API."""
    r = http.get(f"/api/v1/resources/{rid}/versions/v1/test-summaries")
    assert r.status_code == 200, r.text
    found: dict[str, Any] = r.json()
    return found


def published_model(http: httpx.Client, token: str, root: Path, *, seed: int = 0) -> str:
    folder = root / f"model-{seed}"
    build_package("model-0.5-torchscript", folder, name=f"Tiny net {seed}", seed=seed)
    data = zip_folder(folder, folder.with_suffix(".zip")).read_bytes()
    r = http.post(
        "/api/v1/uploads",
        content=data,
        headers={**auth(token), "content-type": "application/zip"},
    )
    assert r.status_code == 201, r.text
    rid: str = r.json()["resource_id"]
    done = http.post(f"/api/v1/resources/{rid}/publish", headers=auth(token), json=OVERRIDE)
    assert done.status_code == 201, done.text
    return rid


def partner_with_token(
    http: httpx.Client, *, member: str, admin: str, partner_id: str, name: str
) -> str:
    """``member`` applies, ``admin`` approves under ``partner_id``; a partner token."""
    application = {
        "name": name,
        "description": "Software that runs models.",
        "resources": "Tests of every model.",
        "collection_url": f"https://{partner_id}.example.org/collection.yaml",
        "maintenance_plan": "CI.",
        "proposed_id": partner_id,
    }
    applied = http.post("/api/v1/partners/applications", json=application, headers=auth(member))
    assert applied.status_code == 201, applied.text
    decided = http.post(
        f"/api/v1/partners/applications/{applied.json()['id']}/approve",
        json={"partner_id": partner_id},
        headers=auth(admin),
    )
    assert decided.status_code == 200, decided.text
    made = http.post(
        f"/api/v1/partners/{partner_id}/tokens", json={"name": "ci"}, headers=auth(member)
    )
    assert made.status_code == 201, made.text
    token: str = made.json()["token"]
    return token


def drain(hub: Hub, kind_name: str) -> list[Any]:
    """Run every due job of ``kind_name`` once, in this process; their results."""
    kind = job_kinds(hub).get(kind_name)
    results: list[Any] = []
    while True:
        with hub.sessions() as db:
            claimed = jobs.claim_next(db, owner="test", limit=1, kinds=[kind_name])
            db.commit()
            if not claimed:
                return results
            job = claimed[0]
            payload = dict(job.payload)
            try:
                task = kind.prepare(db, payload)
            except SkipJob as skip:
                jobs.finish(db, job_id=job.id, owner="test", attempt=job.attempts, result=str(skip))
                db.commit()
                continue
            db.commit()
        result = kind.run(task)
        with hub.sessions() as db:
            jobs.finish(db, job_id=job.id, owner="test", attempt=job.attempts, result=result)
            kind.apply(db, payload, result)
            db.commit()
        results.append(result)
