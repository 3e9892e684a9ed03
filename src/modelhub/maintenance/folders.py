"""Working folders and cgroups left by processes that are gone: the staging area (uploads
being received, staged hypha uploads, wizard fixes) and the checks' scratch space."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from modelhub.checks import sandbox_cgroups
from modelhub.checks.cleanup import cgroup_prefix
from modelhub.checks.sandbox_process import SCRATCH_PREFIX
from modelhub.checks.tasks import PACKAGE_PREFIX, default_scratch_root
from modelhub.config import Settings
from modelhub.interop import staging as hypha_staging
from modelhub.maintenance.findings import Category, Finding
from modelhub.owned import has_marker, is_abandoned, remove_if_abandoned
from modelhub.uploads import wizard_store
from modelhub.uploads.folders import remove_idle

UNMARKED_AGE_S = 6 * 3600
"""Folders without an owner marker (made before markers existed) go by age, as they used to."""
LIFETIMES = {
    hypha_staging.PREFIX: hypha_staging.LIFETIME_S,
    wizard_store.PREFIX: wizard_store.LIFETIME_S,
}


@dataclass(frozen=True)
class Places:
    """Where one hub keeps working folders."""

    staging: Path
    scratch: Path

    @classmethod
    def of(cls, settings: Settings) -> Places:
        scratch = settings.check_scratch_dir or default_scratch_root()
        return cls(staging=settings.staging_dir, scratch=scratch.resolve())


def _entries(root: Path) -> Iterator[tuple[Path, float]]:
    if not root.is_dir():
        return
    now = time.time()
    for path in root.iterdir():
        try:
            yield path, now - path.stat().st_mtime
        except FileNotFoundError:
            continue


def _kept_for(name: str) -> float | None:
    return next((life for prefix, life in LIFETIMES.items() if name.startswith(prefix)), None)


def staging_findings(places: Places) -> Iterator[Finding]:
    for path, age in _entries(places.staging):
        lifetime = _kept_for(path.name)
        if lifetime is not None:
            if age > lifetime:
                yield Finding(Category.expired_staging, str(path), "past its lifetime", age)
        elif is_abandoned(path):
            yield Finding(Category.stale_upload, str(path), "its upload's process is gone", age)
        elif not has_marker(path) and age > UNMARKED_AGE_S:
            yield Finding(Category.expired_staging, str(path), "an old unmarked leftover", age)


def scratch_findings(places: Places) -> Iterator[Finding]:
    for path, age in _entries(places.scratch):
        if not path.name.startswith((SCRATCH_PREFIX, PACKAGE_PREFIX)):
            continue
        if is_abandoned(path) or (not has_marker(path) and age > UNMARKED_AGE_S):
            yield Finding(Category.leftover_scratch, str(path), "its worker process is gone", age)
    prefix = f"{cgroup_prefix(places.scratch)}-"
    for directory in sandbox_cgroups.named_cgroups(prefix):
        scratch = places.scratch / directory.name[len(prefix) :]
        if not scratch.exists() or is_abandoned(scratch):
            yield Finding(Category.leftover_cgroup, str(directory), "its check is gone")


def remove_folder(finding: Finding) -> bool:
    """Remove what a staging or scratch finding names, re-checking under its lock."""
    path = Path(finding.subject)
    if finding.category is Category.leftover_cgroup:
        sandbox_cgroups.destroy_cgroup(path)
        return not path.exists()
    lifetime = _kept_for(path.name) if finding.category is Category.expired_staging else None
    if lifetime is not None:
        return remove_idle(path, time.time() - lifetime)
    if path.is_file():
        path.unlink(missing_ok=True)
        return True
    return remove_if_abandoned(path, unmarked_ok=not has_marker(path))
