"""Zipping a local package folder for upload (symlinks refused, like the hub does)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from modelhub.errors import UploadRefused


def zip_folder(folder: Path, target: Path) -> Path:
    """Zip every file below ``folder`` with paths relative to it."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_symlink():
                raise UploadRefused(
                    f"'{path.relative_to(folder)}' is a link (symlink); packages may only hold "
                    "real files.",
                    code="unsafe_entry",
                )
            if path.is_file():
                zf.write(path, path.relative_to(folder).as_posix())
    return target
