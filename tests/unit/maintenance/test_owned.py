"""Working folders tell whether their process still runs; blob references are all known."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from modelhub.all_models import Base
from modelhub.maintenance.blobs import REFERENCES
from modelhub.owned import (
    MARKER,
    is_abandoned,
    make_owned_dir,
    owned_dir,
    remove_if_abandoned,
)

_HOLD = (
    "import sys, pathlib\n"
    "from modelhub.owned import make_owned_dir\n"
    "print(make_owned_dir(pathlib.Path(sys.argv[1]), prefix='upload-').path, flush=True)\n"
    "sys.stdin.read()\n"
)


def test_a_held_folder_is_not_abandoned_and_cannot_be_removed(tmp_path: Path) -> None:
    with owned_dir(tmp_path, prefix="upload-") as path:
        (path / "upload.zip").write_bytes(b"PK")
        assert not is_abandoned(path)
        assert not remove_if_abandoned(path)
        assert (path / "upload.zip").is_file()
    assert list(tmp_path.iterdir()) == []  # released: removed


def test_the_folder_of_a_killed_process_is_abandoned_at_once(tmp_path: Path) -> None:
    with subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as proc:
        assert proc.stdout is not None and proc.stdin is not None
        path = Path(proc.stdout.readline().strip())
        assert not is_abandoned(path)  # its process runs
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdin.close()
    assert is_abandoned(path)
    assert remove_if_abandoned(path)
    assert not path.exists()


def test_an_unmarked_folder_is_removed_only_when_asked(tmp_path: Path) -> None:
    old = tmp_path / "0123abcd"
    old.mkdir()
    assert not is_abandoned(old)  # no marker: nothing known about its owner
    assert not remove_if_abandoned(old)
    assert remove_if_abandoned(old, unmarked_ok=True)
    assert not old.exists()


def test_a_folder_removed_while_being_taken_is_made_again(tmp_path: Path) -> None:
    first = make_owned_dir(tmp_path, prefix="check-")
    os.close(first.fd)  # as if its process had died at once
    first.fd = -1
    assert remove_if_abandoned(first.path)
    second = make_owned_dir(tmp_path, prefix="check-")
    assert second.path != first.path and (second.path / MARKER).is_file()
    assert not is_abandoned(second.path)
    second.release()


def test_every_sha256_column_is_a_known_blob_reference() -> None:
    known = {f"{c.table.name}.{c.name}" for c in (col.expression for col in REFERENCES)}
    columns = {
        f"{table.name}.{column.name}"
        for table in Base.metadata.tables.values()
        for column in table.columns
        if "sha256" in column.name
    }
    # prediction_blobs name blobs of the predictions' own storage, which predictions.retention
    # sweeps; the package storage's gc never sees them
    assert (
        columns - {"blobs.sha256", "prediction_blobs.sha256"}
        == known
        == {
            "version_files.blob_sha256",
            "resource_versions.rdf_sha256",
            "partner_images.blob_sha256",
        }
    )
