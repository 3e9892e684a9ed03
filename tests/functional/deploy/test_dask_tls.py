"""A hub whose jobs run on an external Dask cluster secured by TLS: real scheduler and worker
processes on loopback, the hub connecting with the certificates its settings name."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from modelhub.config import Settings
from modelhub.db import transaction
from modelhub.jobs import service
from modelhub.jobs.models import Job, JobStatus
from modelhub.jobs.security import DaskTlsProblem, dask_security
from modelhub.maintenance.doctor_probes import dask_lines
from modelhub.wiring import build_hub, dispatcher_for, job_kinds, start_dispatcher
from tests.conftest import hub_settings
from tests.functional.deploy.tlscluster import TlsFiles, make_tls_files, tls_cluster
from tests.functional.jobs import kinds
from tests.serving import MODELHUB


def with_tls(base: Settings, address: str, files: TlsFiles, **more: Any) -> Settings:
    return Settings(
        **base.model_dump()
        | {
            "dask_scheduler": address,
            "dask_tls_ca_file": files.ca,
            "dask_tls_cert_file": files.cert,
            "dask_tls_key_file": files.key,
        }
        | more
    )


def test_a_job_runs_on_a_tls_cluster(migrated_template: str, tmp_path: Path) -> None:
    files = make_tls_files(tmp_path)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    with tls_cluster(tmp_path, files) as (address, worker_pid):
        settings = with_tls(hub_settings(migrated_template, tmp_path), address, files)
        hub = build_hub(settings)
        try:
            kinds.add_to(job_kinds(hub))
            kinds.CALLS.reset(scratch)
            kinds.metadata.create_all(hub.engine)
            with transaction(hub.sessions) as db:
                db.execute(kinds.effects.delete())  # PostgreSQL keeps it between tests
            dispatcher = start_dispatcher(hub)
            try:
                assert dispatcher.security is not None
                with transaction(hub.sessions) as db:
                    service.enqueue(db, kind="test-square", payload={"n": 7})
                dispatcher.drain(timeout=60)
            finally:
                dispatcher.stop()
            with hub.sessions() as db:
                job = db.scalars(select(Job)).one()
                assert (job.status, job.result, job.attempts) == (JobStatus.succeeded, 49, 1)
                assert kinds.stored(db) == {7: "49"}
            # it ran in the worker process started with the certificates, nowhere else
            assert kinds.run_pids(scratch, 7) == {worker_pid}

            lines = dask_lines(settings, timeout_s=10)
            assert [(line.check, line.status) for line in lines] == [
                ("dask", "ok"),
                ("sandbox", "ok"),
            ]
            assert lines[0].detail == f"scheduler {address} reached over TLS: 1 worker(s)"

            # the hub's certificate from another CA: the scheduler does not let it in
            other = tmp_path / "other"
            other.mkdir()
            strange = make_tls_files(other)
            refused = dask_lines(with_tls(settings, address, strange), timeout_s=2)
            assert [(line.check, line.status) for line in refused] == [("dask", "problem")]
            assert refused[0].detail.startswith(f"cannot connect to the scheduler at {address}")

            # a key file that is gone: refused before connecting, naming the setting
            files.key.unlink()
            with pytest.raises(
                DaskTlsProblem, match=r"^MODELHUB_DASK_TLS_KEY_FILE names .*key\.pem"
            ):
                dispatcher_for(hub)
        finally:
            hub.engine.dispose()


@pytest.mark.dbless
def test_tls_settings_are_refused_without_certificates(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match=r"a tls:// Dask scheduler needs MODELHUB_DASK_TLS_"):
        Settings(dask_scheduler="tls://127.0.0.1:8786")
    with pytest.raises(ValidationError, match=r"name the scheduler as tls://host:port"):
        Settings(dask_scheduler="tcp://127.0.0.1:8786", dask_tls_ca_file=tmp_path / "ca.pem")

    files = make_tls_files(tmp_path)
    plain = Settings(dask_scheduler="tcp://127.0.0.1:8786")
    assert dask_security(plain) is None
    secured = with_tls(Settings(), "tls://127.0.0.1:8786", files)
    security = dask_security(secured)
    assert security is not None and security.require_encryption is True
    config = security.get_tls_config_for_role("client")
    assert (config["ca_file"], config["cert"], config["key"]) == tuple(
        map(str, (files.ca, files.cert, files.key))
    )

    files.cert.write_text("not a certificate")
    with pytest.raises(DaskTlsProblem, match=r"DASK_TLS_CERT_FILE names .* which holds no PEM"):
        dask_security(secured)
    files.ca.unlink()
    with pytest.raises(DaskTlsProblem, match=r"DASK_TLS_CA_FILE names .* which is not a file"):
        dask_security(secured)


@pytest.mark.dbless
def test_serve_refuses_a_tls_scheduler_without_usable_files(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELHUB_")}
    env |= {"MODELHUB_DATA_DIR": str(tmp_path / "data"), "MODELHUB_DASK_SCHEDULER": "tls://h:1"}

    def serve(**more: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(MODELHUB), "serve"],
            env=env | more,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    done = serve()
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "a tls:// Dask scheduler needs MODELHUB_DASK_TLS_CA_FILE" in done.stderr
    missing = str(tmp_path / "ca.pem")
    done = serve(
        MODELHUB_DASK_TLS_CA_FILE=missing,
        MODELHUB_DASK_TLS_CERT_FILE=missing,
        MODELHUB_DASK_TLS_KEY_FILE=missing,
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "Cannot connect to the Dask cluster: MODELHUB_DASK_TLS_CA_FILE names" in done.stderr
    assert not (tmp_path / "data").exists()  # refused before anything was started
