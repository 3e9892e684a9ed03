"""What the hub and the sandboxed test process tell each other.

The hub writes one `Job` (JSON) into a pipe that the process reads once; the process writes
one `READY` line into a second pipe when its libraries are imported (with their versions,
known before any code of the package ran), and later one `InsideReport` (JSON). Everything
that comes back was within reach of the package's own code, so the hub bounds its size and
validates its shape before believing any of it.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

READY = b"ready "
"""Starts the line ``ready {"torch": "2.13.0", …}`` (library versions, JSON) on the report pipe."""
MAX_READY_BYTES = 4096
MAX_JOB_BYTES = 1024 * 1024
MAX_REPORT_BYTES = 16 * 1024 * 1024
DESCRIPTION_FILES = ("rdf.yaml", "bioimageio.yaml")

# Exit codes of the process inside for failures of our own making (not the package's).
EXIT_NO_LIBRARIES = 3
EXIT_BAD_JOB = 4


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Job(_Strict):
    """One check, as handed to a waiting sandbox process."""

    package_dir: str
    """Folder holding the package copy, as the process sees it."""
    work_dir: str
    """The process's writable folder, as it sees it (replaced by ``<work>`` in summaries)."""
    cpu_seconds: int = Field(gt=0)
    max_file_bytes: int = Field(gt=0)
    memory_bytes: int | None = Field(default=None, gt=0)
    """Set when no cgroup bounds memory: then an address-space rlimit does."""
    max_processes: int | None = Field(default=None, gt=0)
    """Set when no cgroup bounds the number of processes: then RLIMIT_NPROC does."""


class FormatReport(_Strict):
    """The test of one weight format."""

    status: Literal["passed", "failed", "not-run"]
    reason: str | None = Field(default=None, max_length=4000)
    duration_s: float = Field(ge=0)
    summary: dict[str, Any] | None = None


class InsideReport(_Strict):
    """Everything the process found."""

    formats: dict[str, FormatReport]
    stray_processes: list[str] = Field(default_factory=list, max_length=1000)
    """Command lines of processes still running after the tests (double-forked daemons…)."""
    internal_error: str | None = Field(default=None, max_length=4000)
    """Our own code inside failed (not the package's)."""
