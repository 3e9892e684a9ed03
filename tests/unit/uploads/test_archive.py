"""Safe unpacking: hostile zip archives and folders are refused and leave nothing behind."""

from __future__ import annotations

import hashlib
import io
import os
import stat
import struct
import warnings
import zipfile
from collections.abc import Iterable
from pathlib import Path

import pytest

from modelhub.errors import UploadRefused
from modelhub.uploads import archive, messages
from modelhub.uploads.archive import (
    CHUNK_SIZE,
    UnpackLimits,
    safe_member_name,
    scan_directory,
    unpack_zip,
)

Entry = tuple[str | zipfile.ZipInfo, bytes]


def make_zip(path: Path, entries: Iterable[Entry], compression: int = zipfile.ZIP_STORED) -> Path:
    with zipfile.ZipFile(path, "w", compression=compression) as zf, warnings.catch_warnings():
        # zipfile warns about the duplicate names some tests build on purpose
        warnings.simplefilter("ignore", UserWarning)
        for name, data in entries:
            zf.writestr(name, data)
    return path


def files_under(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


def refused(zip_path: Path, dest: Path, limits: UnpackLimits) -> UploadRefused:
    with pytest.raises(UploadRefused) as info:
        unpack_zip(zip_path, dest, limits)
    assert files_under(dest) == [], "a refused upload must keep nothing"
    return info.value


def test_unpacks_nested_files_with_sizes_and_hashes(
    tmp_path: Path, dest: Path, limits: UnpackLimits
) -> None:
    weights = os.urandom(3 * CHUNK_SIZE + 17)  # several chunks
    zp = make_zip(
        tmp_path / "p.zip",
        [("rdf.yaml", b"type: model\n"), ("a/b/weights.pt", weights), ("a/", b"")],
        compression=zipfile.ZIP_DEFLATED,
    )
    files = unpack_zip(zp, dest, limits)
    assert [(f.path, f.size) for f in files] == [
        ("a/b/weights.pt", len(weights)),
        ("rdf.yaml", 12),
    ]
    assert files[0].sha256 == hashlib.sha256(weights).hexdigest()
    assert (dest / "a/b/weights.pt").read_bytes() == weights


def test_strips_the_one_folder_that_holds_the_description(
    tmp_path: Path, dest: Path, limits: UnpackLimits
) -> None:
    zp = make_zip(tmp_path / "p.zip", [("pkg/bioimageio.yaml", b"x: 1\n"), ("pkg/d/t.npy", b"1")])
    assert [f.path for f in unpack_zip(zp, dest, limits)] == ["bioimageio.yaml", "d/t.npy"]
    assert files_under(dest) == ["bioimageio.yaml", "d", "d/t.npy"]


def test_keeps_a_single_folder_without_a_description(
    tmp_path: Path, dest: Path, limits: UnpackLimits
) -> None:
    zp = make_zip(tmp_path / "p.zip", [("pkg/notes.txt", b"x")])
    assert [f.path for f in unpack_zip(zp, dest, limits)] == ["pkg/notes.txt"]


def test_skips_operating_system_junk(tmp_path: Path, dest: Path, limits: UnpackLimits) -> None:
    zp = make_zip(
        tmp_path / "p.zip",
        [
            ("rdf.yaml", b"x: 1\n"),
            ("__MACOSX/._rdf.yaml", b"junk"),
            (".DS_Store", b"junk"),
            ("sub/.DS_Store", b"junk"),
            ("sub/ok.txt", b"ok"),
        ],
    )
    assert [f.path for f in unpack_zip(zp, dest, limits)] == ["rdf.yaml", "sub/ok.txt"]


def test_zip_bomb_stops_early(zip_bomb: Path, dest: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    limit = 10 * CHUNK_SIZE
    decompressed = 0
    real_read = zipfile.ZipExtFile.read

    def counting_read(self: zipfile.ZipExtFile, n: int = -1) -> bytes:
        nonlocal decompressed
        data = real_read(self, n)
        decompressed += len(data)
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting_read)
    assert zip_bomb.stat().st_size < 1024 * 1024
    err = refused(zip_bomb, dest, UnpackLimits(10**9, limit, 10))
    assert (err.code, err.status_code) == ("too_large", 413)
    # it stopped after the limit plus one chunk instead of inflating 300 MB
    assert decompressed <= limit + CHUNK_SIZE


def test_total_size_counts_across_files(tmp_path: Path, dest: Path) -> None:
    zp = make_zip(tmp_path / "p.zip", [("rdf.yaml", b"a" * 600), ("b.bin", b"b" * 600)])
    err = refused(zp, dest, UnpackLimits(10**6, 1000, 10))
    assert err.code == "too_large"


def test_upload_over_the_upload_limit(tmp_path: Path, dest: Path) -> None:
    zp = make_zip(tmp_path / "p.zip", [("rdf.yaml", os.urandom(5000))])
    err = refused(zp, dest, UnpackLimits(1000, 10**6, 10))
    assert (err.code, err.status_code) == ("too_large", 413)


def test_entry_larger_than_its_header_says(
    tmp_path: Path, dest: Path, limits: UnpackLimits
) -> None:
    zp = tmp_path / "p.zip"
    with zipfile.ZipFile(zp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("rdf.yaml", b"x" * 100_000)
        zf.getinfo("rdf.yaml").file_size = 10  # the central directory now lies
    err = refused(zp, dest, limits)
    assert err.code == "not_a_zip"


def test_entry_smaller_than_its_header_says(
    tmp_path: Path, dest: Path, limits: UnpackLimits
) -> None:
    zp = tmp_path / "p.zip"
    with zipfile.ZipFile(zp, "w") as zf:
        zf.writestr("rdf.yaml", b"x" * 100)
        zf.getinfo("rdf.yaml").file_size = 5000
    assert refused(zp, dest, limits).code == "not_a_zip"


@pytest.mark.parametrize(
    "name",
    [
        "../x",
        "a/../../x",
        "/etc/x",
        "..\\x",
        "a\\b",
        "C:/x",
        "c:x",
        "a//b",
        "a/\x01b",
        "a/" + "n" * 256,
        "/".join(["d" * 200] * 6),
    ],
)
def test_unsafe_names_are_refused(
    name: str, tmp_path: Path, dest: Path, limits: UnpackLimits
) -> None:
    zp = make_zip(tmp_path / "p.zip", [("rdf.yaml", b"x: 1\n"), (name, b"evil")])
    err = refused(zp, dest, limits)
    assert (err.code, err.status_code) == ("unsafe_path", 422)
    assert err.details[0].loc == ("package", name)
    assert not (tmp_path / "x").exists()


def test_safe_member_name_normalises_dot_parts() -> None:
    assert safe_member_name("./a/./b.txt") == "a/b.txt"
    with pytest.raises(UploadRefused):
        safe_member_name(".")
    with pytest.raises(UploadRefused):
        safe_member_name("")


def _typed_entry(name: str, mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3  # unix: the mode lives in the high bits of external_attr
    info.external_attr = mode << 16
    return info


def test_symlink_entry_is_refused(tmp_path: Path, dest: Path, limits: UnpackLimits) -> None:
    link = _typed_entry("link", stat.S_IFLNK | 0o777)
    zp = make_zip(tmp_path / "p.zip", [("rdf.yaml", b"x: 1\n"), (link, b"/etc/passwd")])
    err = refused(zp, dest, limits)
    assert err.code == "unsafe_entry"
    assert "link (symlink) 'link'" in err.message


def test_special_file_entry_is_refused(tmp_path: Path, dest: Path, limits: UnpackLimits) -> None:
    fifo = _typed_entry("pipe", stat.S_IFIFO | 0o644)
    zp = make_zip(tmp_path / "p.zip", [("rdf.yaml", b"x: 1\n"), (fifo, b"")])
    assert refused(zp, dest, limits).code == "unsafe_entry"


@pytest.mark.parametrize(
    "names",
    [
        ["rdf.yaml", "rdf.yaml"],
        ["Weights.pt", "weights.pt"],
        ["data", "data/x.npy"],
        ["data/x.npy", "data"],
        ["Data/x.npy", "data/y.npy", "data"],
        ["caf\u00e9.txt", "cafe\u0301.txt"],  # the same name in two Unicode spellings
    ],
)
def test_clashing_names_are_refused(
    names: list[str], tmp_path: Path, dest: Path, limits: UnpackLimits
) -> None:
    zp = make_zip(tmp_path / "p.zip", [(n, b"x") for n in names])
    assert refused(zp, dest, limits).code == "duplicate_entry"


def test_same_directory_twice_is_fine(tmp_path: Path, dest: Path, limits: UnpackLimits) -> None:
    zp = make_zip(tmp_path / "p.zip", [("d/", b""), ("d/", b""), ("d/a", b"1")])
    assert [f.path for f in unpack_zip(zp, dest, limits)] == ["d/a"]


def test_encrypted_entry_is_refused(tmp_path: Path, dest: Path, limits: UnpackLimits) -> None:
    zp = tmp_path / "p.zip"
    with zipfile.ZipFile(zp, "w") as zf:
        zf.writestr("rdf.yaml", b"x: 1\n")
        zf.getinfo("rdf.yaml").flag_bits |= 0x1  # "encrypted" in the central directory
    err = refused(zp, dest, limits)
    assert err.code == "encrypted_entry"
    assert "password" in err.details[0].msg


def test_too_many_files(tmp_path: Path, dest: Path) -> None:
    zp = make_zip(tmp_path / "p.zip", [(f"f{i}.txt", b"x") for i in range(5)])
    err = refused(zp, dest, UnpackLimits(10**6, 10**6, 3))
    assert (err.code, err.status_code) == ("too_many_files", 413)


def test_huge_table_of_contents_is_refused_before_reading_it(
    tmp_path: Path, dest: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # thousands of empty folder entries: no file, but a large central directory
    zp = make_zip(tmp_path / "p.zip", [(f"{i:050d}/", b"") for i in range(5000)])
    opened = []
    monkeypatch.setattr("modelhub.uploads.archive.zipfile.ZipFile", lambda *a: opened.append(a))
    err = refused(zp, dest, UnpackLimits(10**9, 10**9, 1))
    assert (err.code, opened) == ("too_many_files", [])


def test_zip64_directory_size_is_checked_too(
    tmp_path: Path, dest: Path, limits: UnpackLimits
) -> None:
    # zipfile trusts a zip64 end record over the classic one; so must the size check
    data = make_zip(tmp_path / "p.zip", [("rdf.yaml", b"x: 1\n")]).read_bytes()
    end = data.rfind(b"PK\x05\x06")
    record = b"PK\x06\x06" + struct.pack("<QHHIIQQQQ", 44, 45, 45, 0, 0, 1, 1, 10**9, 0)
    locator = b"PK\x06\x07" + struct.pack("<IQI", 0, end, 1)
    forged = tmp_path / "forged.zip"
    forged.write_bytes(data[:end] + record + locator + data[end:])
    assert refused(forged, dest, limits).code == "too_many_files"


def test_not_a_zip(tmp_path: Path, dest: Path, limits: UnpackLimits) -> None:
    path = tmp_path / "p.zip"
    path.write_bytes(b"this is a text file, not a zip archive" * 10)
    err = refused(path, dest, limits)
    assert (err.code, err.status_code) == ("not_a_zip", 422)
    assert "Please upload the package as a .zip file" in err.message


def test_truncated_zip(tmp_path: Path, dest: Path, limits: UnpackLimits) -> None:
    whole = make_zip(tmp_path / "p.zip", [("rdf.yaml", os.urandom(4000))]).read_bytes()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(whole[:-30])
    assert refused(cut, dest, limits).code == "not_a_zip"


def test_damaged_data_fails_the_checksum(tmp_path: Path, dest: Path, limits: UnpackLimits) -> None:
    data = bytearray(make_zip(tmp_path / "p.zip", [("rdf.yaml", b"A" * 2000)]).read_bytes())
    at = data.index(b"A" * 100) + 50
    data[at] = ord("B")
    bad = tmp_path / "bad.zip"
    bad.write_bytes(bytes(data))
    assert refused(bad, dest, limits).code == "not_a_zip"


def test_destination_must_be_empty(tmp_path: Path, dest: Path, limits: UnpackLimits) -> None:
    (dest / "old").write_text("x")
    zp = make_zip(tmp_path / "p.zip", [("rdf.yaml", b"x: 1\n")])
    with pytest.raises(ValueError, match="empty"):
        unpack_zip(zp, dest, limits)


# --- folders (the offline `modelhub validate DIR`) -------------------------------------------


def test_scan_directory_copies_and_hashes(tmp_path: Path, dest: Path, limits: UnpackLimits) -> None:
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "rdf.yaml").write_bytes(b"type: model\n")
    (src / "sub" / "w.bin").write_bytes(b"\x00" * 10)
    (src / ".DS_Store").write_bytes(b"junk")
    files = scan_directory(src, dest, limits)
    assert [(f.path, f.size) for f in files] == [("rdf.yaml", 12), ("sub/w.bin", 10)]
    assert files[1].sha256 == hashlib.sha256(b"\x00" * 10).hexdigest()
    assert (dest / "sub" / "w.bin").read_bytes() == b"\x00" * 10


def test_scan_directory_refuses_symlinks(tmp_path: Path, dest: Path, limits: UnpackLimits) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "rdf.yaml").write_text("x: 1\n")
    (src / "secret").symlink_to("/etc/passwd")
    with pytest.raises(UploadRefused) as info:
        scan_directory(src, dest, limits)
    assert info.value.code == "unsafe_entry"
    assert "link (symlink) 'secret'" in info.value.message
    assert files_under(dest) == []


def test_scan_directory_refuses_special_files(
    tmp_path: Path, dest: Path, limits: UnpackLimits
) -> None:
    src = tmp_path / "src"
    src.mkdir()
    os.mkfifo(src / "pipe")
    with pytest.raises(UploadRefused) as info:
        scan_directory(src, dest, limits)
    assert info.value.code == "unsafe_entry"


def test_scan_directory_refuses_case_clashes(
    tmp_path: Path, dest: Path, limits: UnpackLimits
) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "A.txt").write_text("1")
    (src / "a.txt").write_text("2")
    with pytest.raises(UploadRefused) as info:
        scan_directory(src, dest, limits)
    assert info.value.code == "duplicate_entry"


def test_scan_directory_enforces_limits(tmp_path: Path, dest: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for i in range(3):
        (src / f"f{i}").write_bytes(b"x" * 600)
    with pytest.raises(UploadRefused) as info:
        scan_directory(src, dest, UnpackLimits(10**6, 1000, 10))
    assert info.value.code == "too_large"
    assert files_under(dest) == []
    with pytest.raises(UploadRefused) as info:
        scan_directory(src, dest, UnpackLimits(10**6, 10**6, 2))
    assert info.value.code == "too_many_files"


def test_human_sizes() -> None:
    assert messages.human_size(999) == "999 bytes"
    assert messages.human_size(10_000_000) == "10 MB"


def test_bytes_beyond_the_declared_size_are_never_written(dest: Path) -> None:
    # zipfile itself stops at the declared size; this guards the hub should that ever change
    reader = io.BytesIO(b"x" * (3 * CHUNK_SIZE))
    with pytest.raises(UploadRefused) as info:
        archive._write(reader, dest, "f.bin", archive._Budget(10**9), declared=CHUNK_SIZE)
    assert info.value.code == "not_a_zip"
    assert (dest / "f.bin").stat().st_size <= CHUNK_SIZE
