"""``modelhub doctor`` as a real process on a real hub's settings: every check listed, the exit
code, and the problem named in plain words; the S3 probe against a real S3 API on loopback."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import boto3
import pytest

from modelhub.config import Settings
from modelhub.maintenance.doctor_probes import storage_line
from tests.inbox import Inbox, inbox  # noqa: F401 (the fixture)
from tests.s3server import S3Server
from tests.serving import MODELHUB

CHECKS = ["settings", "base_url", "data_dir", "database", "storage", "dask", "sandbox", "smtp"]


def doctor(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("MODELHUB_")} | env
    return subprocess.run(
        [str(MODELHUB), "doctor", "--timeout", "3"],
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def statuses(output: str) -> dict[str, str]:
    rows = [line.split(maxsplit=2) for line in output.splitlines()[:-1]]
    return {row[1]: row[0] for row in rows}


def test_a_healthy_hub_passes_every_check(
    settings: Settings,
    inbox: tuple[Inbox, int],  # noqa: F811
) -> None:
    _, port = inbox
    done = doctor(
        {
            "MODELHUB_DATA_DIR": str(settings.data_dir),
            "MODELHUB_DATABASE_URL": settings.resolved_database_url,
            "MODELHUB_BASE_URL": "https://models.example.org",
            "MODELHUB_SMTP_HOST": "127.0.0.1",
            "MODELHUB_SMTP_PORT": str(port),
        }
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert statuses(done.stdout) == dict.fromkeys(CHECKS, "ok")
    assert done.stdout.splitlines()[-1] == f"all {len(CHECKS)} checks passed"
    assert f"127.0.0.1:{port} answers" in done.stdout
    # the probe blob is gone again
    blobs = settings.data_dir / "blobs"
    assert [p for p in blobs.rglob("*") if p.is_file()] == []


@pytest.mark.dbless
def test_a_bad_database_and_unwritable_storage_are_named(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    done = doctor(
        {
            "MODELHUB_DATA_DIR": str(tmp_path / "data"),
            "MODELHUB_DATABASE_URL": "postgresql+psycopg://hub:secret@127.0.0.1:1/hub",
            "MODELHUB_STORAGE_DIR": str(blocker / "blobs"),
        }
    )
    assert done.returncode == 1, done.stdout + done.stderr
    found = statuses(done.stdout)
    assert (found["database"], found["storage"], found["data_dir"]) == ("problem",) * 2 + ("ok",)
    assert found["smtp"] == "skipped"
    lines = {line.split()[1]: line for line in done.stdout.splitlines()[:-1]}
    assert "cannot connect to postgresql+psycopg://hub:***@127.0.0.1:1/hub" in lines["database"]
    assert "secret" not in done.stdout
    assert lines["storage"].startswith(f"problem  storage   {blocker / 'blobs'}: cannot write")
    assert "— fix: make" in lines["storage"]
    assert done.stdout.splitlines()[-1] == "2 problem(s) found"


@pytest.mark.dbless
def test_a_database_file_that_is_missing_and_a_bad_setting(tmp_path: Path) -> None:
    done = doctor({"MODELHUB_DATA_DIR": str(tmp_path), "MODELHUB_SIGNUP": "everyone"})
    assert done.returncode == 1
    assert done.stdout.startswith("problem  settings  signup: Input should be 'open'")
    done = doctor({"MODELHUB_DATA_DIR": str(tmp_path)})
    assert statuses(done.stdout)["database"] == "problem"
    assert f"there is no database file at {tmp_path.resolve()}/modelhub.sqlite3" in done.stdout
    assert not (tmp_path / "modelhub.sqlite3").exists()  # the doctor did not create one


@pytest.mark.dbless
def test_s3_storage_is_probed_with_a_put_get_delete(s3: S3Server, tmp_path: Path) -> None:
    url = s3.url()
    settings = Settings(data_dir=tmp_path, storage_url=url, s3_endpoint_url=s3.endpoint_url)
    line = storage_line(settings)
    assert (line.status, line.detail) == (
        "ok",
        f"{url}: a probe blob was written, read back and deleted",
    )
    prefix = url.removeprefix(f"s3://{s3.bucket}/")
    listed = boto3.client("s3", endpoint_url=s3.endpoint_url).list_objects_v2(
        Bucket=s3.bucket, Prefix=prefix
    )
    assert listed.get("KeyCount") == 0

    missing = Settings(
        data_dir=tmp_path, storage_url="s3://no-such-bucket/x", s3_endpoint_url=s3.endpoint_url
    )
    refused = storage_line(missing)
    assert refused.status == "problem"
    assert refused.detail.startswith("s3://no-such-bucket/x: cannot write and read (")
