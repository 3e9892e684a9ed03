"""Safe unpacking of uploaded packages: zip archives and local folders.

Everything an uploader sends is hostile until proven otherwise. The rules here are the same for a
zip upload, a multi-file upload and the offline ``modelhub validate DIR``: every name is checked,
links and special files are refused, names may not clash (also not by letter case), and the number
of files and the unpacked size are limited while the bytes are written — never trusting the sizes
an archive claims for itself.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from bioimageio.spec.utils import is_valid_bioimageio_yaml_name

from modelhub.errors import ErrorDetail, UploadRefused
from modelhub.uploads import messages

CHUNK_SIZE = 1024 * 1024
"""Bytes read and written at a time: memory stays flat whatever the file size."""

DESCRIPTION_NAMES = ("rdf.yaml", "bioimageio.yaml", "model.yaml")
"""Names of the description file, in the order bioimageio.spec prefers them when a package holds
several; ``<anything>.<one of them>`` is accepted as well."""

MAX_COMPONENT_BYTES = 255
MAX_NAME_BYTES = 1024

# Files that operating systems add on their own when zipping; they are never part of a package.
_JUNK_DIRS = frozenset({"__MACOSX"})
_JUNK_FILES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
_DRIVE_LETTER = re.compile(r"^[A-Za-z]:")
_EOCD_SEARCH = 22 + 65535  # the end record plus the longest archive comment


@dataclass(frozen=True)
class UnpackLimits:
    """How much an upload may hold; exceeding any limit refuses the upload (HTTP 413)."""

    max_upload_bytes: int
    max_unpacked_bytes: int
    max_files: int


@dataclass(frozen=True)
class PackageFile:
    """One regular file of an unpacked package."""

    path: str  # posix, relative to the package root
    size: int
    sha256: str


def is_description_name(name: str) -> bool:
    """Whether a bare file name is one a bioimage.io description file may have: the names
    bioimageio.spec accepts ('rdf.yaml', 'bioimageio.yaml', 'model.yaml', and any name ending
    in '.' and one of them, e.g. 'unet.bioimageio.yaml')."""
    return bool(is_valid_bioimageio_yaml_name(name))


def safe_member_name(name: str) -> str:
    """Check one file name from an upload and return it as a clean relative posix path.

    Used for zip entries and for the file names of multi-file uploads, so that no name can
    point outside the package or mean different files on different operating systems.
    """

    def refuse(problem: str) -> UploadRefused:
        msg = f"The file name '{_printable(name)}' {problem}"
        return UploadRefused(
            "The package contains a file name that is not allowed.",
            [ErrorDetail(("package", name), msg)],
            code="unsafe_path",
        )

    if not name:
        raise refuse("is empty.")
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        raise refuse("contains invisible control characters. Please rename the file.")
    if "\\" in name:
        raise refuse(
            "contains a backslash '\\'. Please create the zip with a tool that uses '/' "
            "between folder names (for example the zip tool of your operating system)."
        )
    if name.startswith("/") or _DRIVE_LETTER.match(name):
        raise refuse(
            "is an absolute path. Files in a package must be named relative to the package "
            "folder, e.g. 'weights.pt' or 'data/test_input.npy'."
        )
    try:
        total = len(name.encode("utf-8"))
    except UnicodeEncodeError:
        raise refuse("is not valid text (UTF-8). Please rename the file.") from None
    if total > MAX_NAME_BYTES:
        raise refuse(f"is longer than {MAX_NAME_BYTES} bytes. Please use a shorter name.")
    parts = name.split("/")
    if "" in parts:
        raise refuse("contains an empty folder name ('//' or a trailing '/').")
    if ".." in parts:
        raise refuse("contains '..', which would point outside the package.")
    if any(len(p.encode("utf-8")) > MAX_COMPONENT_BYTES for p in parts):
        raise refuse(f"has a part longer than {MAX_COMPONENT_BYTES} bytes.")
    # "./weights.pt" means "weights.pt"; some zip tools write such names.
    clean = [p for p in parts if p != "."]
    if not clean:
        raise refuse("names no file.")
    return "/".join(clean)


def unpack_zip(zip_path: Path, dest: Path, limits: UnpackLimits) -> list[PackageFile]:
    """Unpack an uploaded zip archive into the empty folder ``dest`` and list its files.

    All names and entry types are checked before the first byte is written; sizes are enforced
    on the bytes actually decompressed. On refusal nothing is left under ``dest``.
    """
    _require_empty(dest)
    if zip_path.stat().st_size > limits.max_upload_bytes:
        raise messages.too_large(
            f"The upload is larger than {messages.human_size(limits.max_upload_bytes)}."
        )
    _check_directory_size(zip_path, limits)
    try:
        with zipfile.ZipFile(zip_path) as archive:
            files = _plan_zip(archive.infolist(), limits)
            try:
                return _extract_zip(archive, files, dest, limits)
            except BaseException:
                _clear(dest)
                raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        EOFError,
        UnicodeDecodeError,
    ) as exc:
        raise messages.not_a_zip(f"it is damaged or not a zip file ({exc})") from None
    except NotImplementedError:
        raise messages.not_a_zip(
            "it uses a compression method the hub cannot read; please use standard "
            "'deflate' compression (the default of most zip tools)"
        ) from None


def _check_directory_size(zip_path: Path, limits: UnpackLimits) -> None:
    """Refuse an archive whose table of contents is too large to be a package.

    ``zipfile`` reads the whole central directory into memory, one object per entry, before
    any entry can be checked: a large upload made only of empty entries would take gigabytes
    of memory. The size of that directory is read from the archive's end record first (and
    from the zip64 end record, which ``zipfile`` prefers when present).
    """
    with zip_path.open("rb") as f:
        end = f.seek(0, os.SEEK_END)
        f.seek(max(0, end - _EOCD_SEARCH))
        tail = f.read()
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) - at < 22:
            return  # not a zip archive; zipfile says so below
        size = struct.unpack_from("<I", tail, at + 12)[0]
        if at >= 20 and tail[at - 20 : at - 16] == b"PK\x06\x07":
            f.seek(struct.unpack_from("<Q", tail, at - 12)[0])
            record = f.read(56)
            if record[:4] == b"PK\x06\x06" and len(record) == 56:
                size = max(size, struct.unpack_from("<Q", record, 40)[0])
    # room for every file, its folder and an OS junk twin, with generous names and extras
    allowed = (4 * limits.max_files + 100) * 2048
    if size > allowed:
        raise messages.too_many_files(limits.max_files)


def scan_directory(src: Path, dest: Path, limits: UnpackLimits) -> list[PackageFile]:
    """Copy a local package folder into the empty folder ``dest`` under the upload rules.

    Used by the offline ``modelhub validate DIR`` so that a folder is judged exactly like the
    same files uploaded as a zip.
    """
    _require_empty(dest)
    found: dict[str, Path] = {}
    _walk(src, src, found, limits)
    names = _Names()
    for name in found:
        names.add_file(name)
    plan = _strip_single_folder(list(found))
    try:
        budget = _Budget(limits.max_unpacked_bytes)
        result = []
        for original, final in plan:
            flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
            # O_NOFOLLOW: a file swapped for a link after the walk is still not followed.
            with os.fdopen(os.open(found[original], flags), "rb") as reader:
                result.append(_write(reader, dest, final, budget, None))
        return sorted(result, key=lambda f: f.path)
    except BaseException:
        _clear(dest)
        raise


def _walk(root: Path, folder: Path, found: dict[str, Path], limits: UnpackLimits) -> None:
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        rel = Path(entry.path).relative_to(root).as_posix()
        if entry.name in _JUNK_FILES or entry.name in _JUNK_DIRS:
            continue
        if entry.is_symlink():
            raise messages.link_refused(rel)
        if entry.is_dir(follow_symlinks=False):
            _walk(root, Path(entry.path), found, limits)
        elif entry.is_file(follow_symlinks=False):
            found[safe_member_name(rel)] = Path(entry.path)
            if len(found) > limits.max_files:
                raise messages.too_many_files(limits.max_files)
        else:
            raise messages.special_refused(rel)


def _plan_zip(
    infos: Iterable[zipfile.ZipInfo], limits: UnpackLimits
) -> list[tuple[zipfile.ZipInfo, str]]:
    """Check every entry up front; return (entry, final name) for the files to write."""
    names = _Names()
    files: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        raw = info.filename
        is_dir = raw.endswith("/")
        name = safe_member_name(raw.rstrip("/") if is_dir else raw)
        parts = name.split("/")
        if parts[0] in _JUNK_DIRS or parts[-1] in _JUNK_FILES:
            continue
        if info.flag_bits & 0x1:
            raise messages.encrypted_entry(name)
        kind = stat.S_IFMT(info.external_attr >> 16)
        if kind == stat.S_IFLNK:
            raise messages.link_refused(name)
        if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
            raise messages.special_refused(name)
        if is_dir or kind == stat.S_IFDIR:
            names.add_dir(name)
            continue
        names.add_file(name)
        files[name] = info
        if len(files) > limits.max_files:
            raise messages.too_many_files(limits.max_files)
    return [(files[old], new) for old, new in _strip_single_folder(list(files))]


def _extract_zip(
    archive: zipfile.ZipFile,
    plan: list[tuple[zipfile.ZipInfo, str]],
    dest: Path,
    limits: UnpackLimits,
) -> list[PackageFile]:
    budget = _Budget(limits.max_unpacked_bytes)
    result = []
    for info, name in plan:
        with archive.open(info) as reader:
            result.append(_write(reader, dest, name, budget, info.file_size))
    return sorted(result, key=lambda f: f.path)


def _write(
    reader: IO[bytes], dest: Path, name: str, budget: _Budget, declared: int | None
) -> PackageFile:
    """Stream one file to ``dest/name``, counting real bytes and hashing on the way."""
    target = dest / name
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    # "xb": never write through something that already exists at that name.
    with target.open("xb") as out:
        while chunk := reader.read(CHUNK_SIZE):
            size += len(chunk)
            if declared is not None and size > declared:
                raise messages.size_mismatch(name)
            budget.take(len(chunk))
            digest.update(chunk)
            out.write(chunk)
    if declared is not None and size != declared:
        raise messages.size_mismatch(name)
    return PackageFile(path=name, size=size, sha256=digest.hexdigest())


class _Budget:
    """Unpacked bytes still allowed; refuses before a chunk that would exceed it is written."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def take(self, n: int) -> None:
        self.used += n
        if self.used > self.limit:
            raise messages.too_large(
                f"The package unpacks to more than {messages.human_size(self.limit)}."
            )


class _Names:
    """Detects two entries that would land on the same file on some computer.

    Names are compared after Unicode normalisation and ignoring letter case, because macOS and
    Windows treat 'Weights.pt' and 'weights.pt' as the same file.
    """

    def __init__(self) -> None:
        self.files: dict[str, str] = {}
        self.dirs: dict[str, str] = {}

    def add_file(self, name: str) -> None:
        key = _fold(name)
        if key in self.files or key in self.dirs:
            raise messages.duplicate_entry(name, self.files.get(key) or self.dirs[key])
        self._add_parents(name)
        self.files[key] = name

    def add_dir(self, name: str) -> None:
        key = _fold(name)
        if key in self.files:
            raise messages.duplicate_entry(name, self.files[key])
        self._add_parents(name)
        self.dirs.setdefault(key, name)

    def _add_parents(self, name: str) -> None:
        parts = name.split("/")
        for i in range(1, len(parts)):
            parent = "/".join(parts[:i])
            key = _fold(parent)
            if key in self.files:
                raise messages.duplicate_entry(name, self.files[key])
            self.dirs.setdefault(key, parent)


def _fold(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold()


def _strip_single_folder(names: list[str]) -> list[tuple[str, str]]:
    """Map names to final names, dropping one enclosing folder that holds the description.

    Zipping a folder (rather than its contents) is the most common way to make a package; the
    hub accepts that instead of refusing it.
    """
    if any("/" not in n and is_description_name(n) for n in names):
        return [(n, n) for n in names]
    tops = {n.split("/", 1)[0] for n in names}
    if len(tops) != 1 or any("/" not in n for n in names):
        return [(n, n) for n in names]
    top = tops.pop()
    inner = [n[len(top) + 1 :] for n in names]
    if not any("/" not in n and is_description_name(n) for n in inner):
        return [(n, n) for n in names]
    return list(zip(names, inner, strict=True))


def _require_empty(dest: Path) -> None:
    if not dest.is_dir() or any(dest.iterdir()):
        raise ValueError(f"unpack destination must be an existing empty folder: {dest}")


def _clear(dest: Path) -> None:
    """Remove everything written under ``dest`` (a refused upload keeps nothing)."""
    for child in dest.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def _printable(name: str) -> str:
    return "".join(ch if unicodedata.category(ch) != "Cc" else "?" for ch in name)[:300]
