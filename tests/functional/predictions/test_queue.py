"""The fair queue, cancelling, trial runs and retention, on a hub whose workers are away: what
the hub decides before and after a prediction runs (runs themselves: test_run.py)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from modelhub.db import utcnow
from modelhub.demo.builder import build_package
from modelhub.predictions.models import Prediction, PredictionStatus
from modelhub.predictions.retention import results_storage, sweep
from tests.conftest import LiveServer, auth, make_user
from tests.functional.predictions.conftest import publish


def _try(http: httpx.Client, rid: str, headers: dict[str, str]) -> Any:
    r = http.post(
        f"/api/v1/resources/{rid}/predictions", data={"test_input": "true"}, headers=headers
    )
    assert r.status_code == 202, r.text
    return r.json()["predictions"][0]


def _model(http: httpx.Client, admin: str, tmp_path: Path) -> str:
    folder = tmp_path / "tiny"
    build_package("model-0.5-torchscript", folder, name="Tiny queue model", seed=1)
    return publish(http, admin, folder)


def _state(http: httpx.Client, prediction: dict[str, Any], token: str) -> tuple[str, int | None]:
    found = http.get(prediction["url"], headers=auth(token)).json()
    return found["status"], found["queue_position"]


def test_one_persons_batch_does_not_hold_back_another(
    server: LiveServer, http: httpx.Client, admin_token: str, tmp_path: Path
) -> None:
    server.hub.settings.predict_slots = 1
    rid = _model(http, admin_token, tmp_path)
    alice, bob = make_user(server.hub, "alice"), make_user(server.hub, "bob")
    mine = [_try(http, rid, auth(alice)) for _ in range(3)]
    theirs = _try(http, rid, auth(bob))
    assert _state(http, mine[0], alice) == ("queued", None)  # at the workers (away here)
    assert _state(http, theirs, bob) == ("waiting", 1)
    assert [_state(http, p, alice) for p in mine[1:]] == [("waiting", 2), ("waiting", 3)]
    cancelled = http.delete(mine[0]["url"], headers=auth(alice))
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert _state(http, theirs, bob) == ("queued", None)  # the freed slot went to bob
    assert _state(http, mine[1], alice) == ("waiting", 1)
    assert http.get(theirs["url"], headers=auth(alice)).status_code == 404

    # retention: expired predictions go, a blob another prediction holds stays
    results = results_storage(server.hub.settings)
    blob = _blob(server, theirs["id"])
    later = utcnow() + timedelta(hours=server.hub.settings.predict_retention_hours + 1)
    swept = sweep(server.hub.sessions, results, slots=1, now=later)
    assert swept.predictions == 3  # alice's: cancelled and waiting; bob's is at the workers
    assert results.exists(blob)
    with server.hub.sessions() as db:
        row = db.get(Prediction, theirs["id"])
        assert row is not None
        row.status = PredictionStatus.failed
        db.commit()
    assert sweep(server.hub.sessions, results, slots=1, now=later).predictions == 1
    assert not results.exists(blob)


def _blob(server: LiveServer, prediction_id: str) -> str:
    with server.hub.sessions() as db:
        row = db.get(Prediction, prediction_id)
        assert row is not None
        return str(row.inputs[0]["blob"])


def test_trial_runs_belong_to_one_browser_and_are_held_short(
    server: LiveServer, http: httpx.Client, admin_token: str, tmp_path: Path
) -> None:
    rid = _model(http, admin_token, tmp_path)
    refused = http.post(f"/api/v1/resources/{rid}/predictions", data={"test_input": "true"})
    assert refused.status_code == 401
    server.hub.settings.predict_anonymous = True
    server.hub.settings.predict_slots = 1
    with httpx.Client(base_url=server.url) as browser:
        first = _try(browser, rid, {})
        assert browser.cookies.get("modelhub_trial")
        assert browser.get(first["url"]).status_code == 200
        for _ in range(3):
            _try(browser, rid, {})
        full = browser.post(f"/api/v1/resources/{rid}/predictions", data={"test_input": "true"})
        assert full.status_code == 429 and full.json()["error"]["code"] == "queue_full"
    assert http.get(first["url"]).status_code == 404  # another browser
