"""Staged uploads without HTTP: PUT bodies (multipart sniffed from the body, strict, or raw),
file-name rules, limits, the state file and the completion step."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from modelhub.errors import HubError, UploadRefused
from modelhub.interop import staging
from modelhub.interop.multipart import PartExtractor, write_body
from modelhub.interop.staging import StagingArea, key_of
from modelhub.uploads.archive import PackageFile

pytestmark = pytest.mark.dbless

PAYLOAD = b"\x89PNG\r\n--not-the-boundary\r\n\r\n" + bytes(range(256)) * 40 + b"\r\n-"


def client_body(data: bytes) -> bytes:
    """Exactly what bioimageio.spec.upload() PUTs: httpx's multipart encoding."""
    request = httpx.Request("PUT", "http://hub/x", files={"rdf.yaml": data})
    return request.read()


def extract(body: bytes, content_type: str | None, chunk: int = 0) -> bytes:
    extractor = PartExtractor(content_type)
    size = chunk or len(body) or 1
    out = b"".join(extractor.feed(body[i : i + size]) for i in range(0, len(body), size))
    return out + extractor.finish()


@pytest.mark.parametrize("chunk", [0, 1, 7, 64, 1000])
@pytest.mark.parametrize("content_type", [None, "", "application/octet-stream"])
def test_the_clients_body_yields_the_file(chunk: int, content_type: str | None) -> None:
    assert extract(client_body(PAYLOAD), content_type, chunk) == PAYLOAD


@pytest.mark.parametrize("chunk", [0, 3])
def test_a_proper_multipart_body_uses_the_header_boundary(chunk: int) -> None:
    request = httpx.Request("PUT", "http://hub/x", files={"file": ("w.pt", PAYLOAD)})
    body = request.read()
    assert extract(body, request.headers["content-type"], chunk) == PAYLOAD
    with pytest.raises(UploadRefused, match="does not start with its boundary"):
        extract(body, "multipart/form-data; boundary=other")


def test_an_empty_file_in_a_multipart_body() -> None:
    assert extract(client_body(b""), "") == b""


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"plain bytes",
        b"--",
        b"---\r\ntitle: front matter\r\n\r\n# a README with Windows line ends\r\n",
        b"--abc\r\n\x00\x01 binary that only starts like a boundary",
        b"--abc\r\nnot: a header\r\nnot a header line either\r\n\r\n",
        b"--abc\r\n" + b"X-Long: " + b"y" * 20_000,
    ],
)
def test_raw_bodies_are_the_file(body: bytes) -> None:
    for chunk in (0, 5):
        assert extract(body, None, chunk) == body
        assert extract(body, "application/octet-stream", chunk) == body


def test_a_declared_type_means_raw_even_if_multipart_shaped() -> None:
    body = client_body(b"data")
    assert extract(body, "image/png") == body


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b'--b\r\nContent-Disposition: form-data; name="f"\r\n\r\ndata', "closing boundary"),
        (b'--b\r\nContent-Disposition: form-data; name="f"\r\n\r\ndata\r\n--b', "closing"),
        (b'--b\r\nContent-Disposition: form-data; name="f"\r\n\r\nd\r\n--b\r\n', "more than one"),
        (b'--b\r\nContent-Disposition: form-data; name="f"\r\n\r\nd\r\n--bX', "ill-formed"),
        (b'--b\r\nContent-Disposition: form-data; name="f"\r\n\r\nd\r\n--b--tail', "after"),
        (b'--b\r\nContent-Disposition: attachment; name="f"\r\n\r\nd\r\n--b--', "form-data"),
        (
            b"--b\r\nContent-Disposition: form-data\r\nContent-Disposition: form-data\r\n\r\n",
            "repeats",
        ),
        (
            b"--b\r\nContent-Disposition: form-data\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            b"ZGF0YQ==\r\n--b--",
            "encoded",
        ),
        (b"--b\r\nContent-Disposition: form-data\r\n" + b"X: " + b"y" * 20_000, "too long"),
    ],
)
def test_malformed_multipart_bodies_are_refused(body: bytes, problem: str) -> None:
    for chunk in (0, 1, 4):
        with pytest.raises(UploadRefused, match=problem) as caught:
            extract(body, "", chunk)
        assert caught.value.status_code == 400 and caught.value.code == "malformed_multipart"


@pytest.mark.parametrize(
    "content_type",
    ["multipart/form-data", "multipart/form-data; boundary=", "multipart/mixed; boundary=b"],
)
def test_unusable_multipart_headers_are_refused(content_type: str) -> None:
    with pytest.raises(UploadRefused):
        PartExtractor(content_type)


def test_a_trailing_line_end_after_the_closing_boundary_is_fine() -> None:
    body = b'--b\r\nContent-Disposition: form-data; name="f"\r\n\r\nok\r\n--b--\r\n'
    assert extract(body, "", 1) == b"ok"
    assert extract(body, "multipart/form-data; boundary=b") == b"ok"
    assert extract(body, 'multipart/form-data; boundary="b"') == b"ok"


async def _chunks(body: bytes, size: int = 3) -> AsyncIterator[bytes]:
    for i in range(0, len(body), size):
        yield body[i : i + size]


def test_write_body_hashes_and_stops_at_the_limit(tmp_path: Path) -> None:
    target = tmp_path / "f"
    got = asyncio.run(write_body(_chunks(client_body(PAYLOAD)), PartExtractor(""), target, 10**6))
    assert target.read_bytes() == PAYLOAD and got.size == len(PAYLOAD)
    assert got.sha256 == __import__("hashlib").sha256(PAYLOAD).hexdigest()
    with pytest.raises(UploadRefused) as caught:
        asyncio.run(write_body(_chunks(PAYLOAD), PartExtractor(None), target, 100))
    assert caught.value.status_code == 413 and not target.exists()


# --------------------------------------------------------------------------- state


@pytest.fixture
def area(tmp_path: Path) -> StagingArea:
    return StagingArea(tmp_path / "staging")


def new(area: StagingArea, owner: int = 1) -> staging.StagedState:
    return area.create(owner_id=owner, alias="{animal_adjective}-{animal}", type="model", name="n")


def state_of(area: StagingArea, key: str) -> staging.StagedState:
    state = area.load(key)
    assert state is not None, f"no state saved for {key}"
    return state


def test_the_state_file_is_private_and_replaced_atomically(area: StagingArea) -> None:
    state = new(area)
    folder = area.folder(state.key)
    saved = json.loads((folder / "state.json").read_text())
    assert saved["owner_id"] == 1 and saved["type"] == "model" and saved["files"] == {}
    assert stat.S_IMODE((folder / "state.json").stat().st_mode) == 0o600
    with area.locked(state.artifact_id, 1) as locked:
        area.announce(locked, "weights/w.pt", max_files=10)
    assert sorted(p.name for p in folder.iterdir()) == ["lock", "pkg", "state.json"]
    assert state_of(area, state.key).announced == ["weights/w.pt"]


def test_artifact_ids_and_owners(area: StagingArea) -> None:
    state = new(area, owner=1)
    assert state.artifact_id.startswith("bioimage-io/staged-")
    assert key_of(state.artifact_id) == key_of(f"staged-{state.key}") == state.key
    assert area.owned(state.artifact_id, 1).key == state.key
    for wrong in ("bioimage-io/other", "staged-../../etc", state.artifact_id + "0"):
        with pytest.raises(HubError) as caught:
            area.owned(wrong, 1)
        assert caught.value.status_code == 404
    with pytest.raises(HubError) as caught:
        area.owned(state.artifact_id, 2)  # someone else's upload does not exist for you
    assert caught.value.status_code == 404
    with pytest.raises(HubError), area.locked(state.artifact_id, 2):
        pass


def test_signatures_bind_the_upload_and_the_path(area: StagingArea) -> None:
    one, two = new(area), new(area)
    sig = one.signature("rdf.yaml")
    assert one.signature_ok("rdf.yaml", sig)
    assert not one.signature_ok("weights.pt", sig)
    assert not two.signature_ok("rdf.yaml", sig)
    assert "secret" not in json.dumps(sig)


@pytest.mark.parametrize(
    ("names", "code"),
    [
        (["../x"], "unsafe_path"),
        (["/abs"], "unsafe_path"),
        (["C:/x"], "unsafe_path"),
        (["a\\b"], "unsafe_path"),
        (["a/../../b"], "unsafe_path"),
        (["Rdf.yaml", "rdf.yaml"], "duplicate_entry"),
        (["a", "a/b"], "duplicate_entry"),
        (["a/b", "a"], "duplicate_entry"),
        (["1", "2", "3"], "too_many_files"),
    ],
)
def test_file_name_rules(area: StagingArea, names: list[str], code: str) -> None:
    state = new(area)
    for name in names[:-1]:
        area.announce(state, name, max_files=2)
    with pytest.raises(UploadRefused) as caught:
        area.announce(state, names[-1], max_files=2)
    assert caught.value.code == code
    assert state_of(area, state.key).announced == names[:-1]


def test_announcing_twice_and_clean_names(area: StagingArea) -> None:
    state = new(area)
    assert area.announce(state, "./docs/README.md", max_files=2) == "docs/README.md"
    assert area.announce(state, "docs/README.md", max_files=2) == "docs/README.md"
    assert state.announced == ["docs/README.md"]


def _receive(area: StagingArea, state: staging.StagedState, path: str, data: bytes) -> None:
    area.announce(state, path, max_files=10)
    tmp = area.incoming(state.key)
    tmp.write_bytes(data)
    sha = __import__("hashlib").sha256(data).hexdigest()
    area.adopt(state, path, tmp, PackageFile(path=path, size=len(data), sha256=sha), 100)


def test_the_size_limit_counts_every_file_of_the_upload(area: StagingArea) -> None:
    state = new(area)
    _receive(area, state, "a", b"1" * 60)
    with pytest.raises(UploadRefused) as caught:
        _receive(area, state, "b", b"2" * 50)
    assert caught.value.status_code == 413
    _receive(area, state, "a", b"1" * 50)  # a file sent again replaces the first one
    _receive(area, state, "b", b"2" * 50)
    assert area.budget(state, "c", 100) == 0
    assert (area.folder(state.key) / "pkg" / "a").read_bytes() == b"1" * 50


def test_completion_keeps_the_files_when_refused_and_drops_them_when_accepted(
    area: StagingArea,
) -> None:
    state = new(area)
    _receive(area, state, "rdf.yaml", b"type: model\n")
    area.announce(state, "weights.pt", max_files=10)
    with pytest.raises(UploadRefused) as caught:
        area.complete(state, lambda folder, files: {})
    assert caught.value.code == "incomplete_upload"
    _receive(area, state, "weights.pt", b"w")

    def refuse(folder: Path, files: list[PackageFile]) -> dict[str, Any]:
        assert sorted(f.path for f in files) == ["rdf.yaml", "weights.pt"]
        (folder / "pkg" / "weights.pt").unlink()  # as if storing had moved it, then failed
        raise UploadRefused("no", code="invalid_description")

    with pytest.raises(UploadRefused):
        area.complete(state, refuse)
    assert sorted(state_of(area, state.key).files) == ["rdf.yaml"]
    _receive(area, state, "weights.pt", b"w")
    done = area.complete(state, lambda folder, files: {"resource_id": "calm-otter"})
    assert done.result == {"resource_id": "calm-otter"}
    assert not (area.folder(state.key) / "pkg").exists()
    assert area.complete(state, lambda folder, files: {"other": 1}).result == done.result
    with pytest.raises(HubError) as late:
        area.announce(state, "more.txt", max_files=10)
    assert late.value.status_code == 409


def test_nothing_received_is_refused(area: StagingArea) -> None:
    with pytest.raises(UploadRefused) as caught:
        area.complete(new(area), lambda folder, files: {})
    assert caught.value.code == "no_package"


def test_old_uploads_are_swept_and_open_ones_are_capped(
    area: StagingArea, monkeypatch: pytest.MonkeyPatch
) -> None:
    old, fresh = new(area), new(area)
    past = time.time() - staging.LIFETIME_S - 60
    os.utime(area.folder(old.key), (past, past))
    assert area.expires_at(old.key) < area.expires_at(fresh.key)
    area.sweep()
    assert area.load(old.key) is None and area.load(fresh.key) is not None
    with pytest.raises(HubError):
        area.owned(old.artifact_id, 1)
    monkeypatch.setattr(staging, "MAX_OPEN_PER_USER", 2)
    new(area, owner=2)
    new(area)  # owner 1 now has two open uploads
    with pytest.raises(HubError) as caught:
        new(area)
    assert caught.value.status_code == 429 and caught.value.code == "too_many_staged_uploads"
