"""What the hub and a sandboxed test process tell each other.

The hub writes one `Job` (JSON) into a pipe that the process reads once. The process writes
into a second pipe, its *output* pipe: first the line `READY` when its libraries are imported,
later, after the test, a sequence of frames (a JSON header line, then that many bytes):

- ``tensor``: an output tensor the test produced, as ``.npy`` bytes;
- ``summary``: bioimageio.core's ValidationSummary of the test (JSON);
- ``strays``: command lines of processes the package left running (JSON list).

Nothing here is a verdict. The package's code runs in the same process and can write anything
into this pipe, so the hub only believes what can make a check fail (a failed summary, stray
processes); whether the outputs are right is decided by the judge (`judge`), outside, from the
tensors and the package's own expected outputs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

READY = b"ready\n"
MAX_JOB_BYTES = 1024 * 1024
MAX_SUMMARY_BYTES = 16 * 1024 * 1024
MAX_HEADER_BYTES = 1024
DESCRIPTION_FILES = ("rdf.yaml", "bioimageio.yaml")
FrameKind = Literal["tensor", "summary", "strays"]

# Exit codes of the process inside for failures of our own making (not the package's).
EXIT_NO_LIBRARIES = 3
EXIT_BAD_JOB = 4


class Job(BaseModel):
    """One weight format's test, as handed to a waiting sandbox process."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    package_dir: str
    """Folder holding the package copy, as the process sees it."""
    work_dir: str
    """The process's writable folder, as it sees it (replaced by ``<work>`` in summaries)."""
    weight_format: str | None = None
    """The one weight format this process tests (None: a resource without weights)."""
    cpu_seconds: int = Field(gt=0)
    max_file_bytes: int = Field(gt=0)
    memory_bytes: int | None = Field(default=None, gt=0)
    """Set when no cgroup bounds memory: then an address-space rlimit does."""
    max_processes: int | None = Field(default=None, gt=0)
    """Set when no cgroup bounds the number of processes: then RLIMIT_NPROC does."""


def frame(kind: FrameKind, name: str, payload: bytes) -> bytes:
    """One frame: header line, then the payload."""
    header = json.dumps({"kind": kind, "name": name, "size": len(payload)}).encode()
    return header + b"\n" + payload


@dataclass
class Produced:
    """What a sandboxed process handed back (all of it untrusted)."""

    tensors: dict[str, bytes] = field(default_factory=dict)
    """File name (``actual_output_<member>_<format>.npy``) -> ``.npy`` bytes."""
    summary: dict[str, Any] | None = None
    strays: list[str] = field(default_factory=list)
    malformed: str | None = None
    """Why the stream could not be read to its end (then the rest is ignored)."""


def _header(data: bytes, start: int) -> tuple[dict[str, Any], int]:
    end = data.find(b"\n", start, start + MAX_HEADER_BYTES)
    if end < 0:
        raise ValueError("a frame header is missing or too long")
    header = json.loads(data[start:end])
    if not isinstance(header, dict) or set(header) != {"kind", "name", "size"}:
        raise ValueError("a frame header has the wrong shape")
    size = header["size"]
    if not isinstance(size, int) or size < 0 or end + 1 + size > len(data):
        raise ValueError("a frame is shorter than its header says")
    return header, end + 1


def _take(produced: Produced, header: dict[str, Any], payload: bytes) -> None:
    kind, name = header["kind"], header["name"]
    if kind == "tensor" and isinstance(name, str) and name not in produced.tensors:
        produced.tensors[name] = payload
    elif kind == "summary" and produced.summary is None and len(payload) <= MAX_SUMMARY_BYTES:
        summary = json.loads(payload)
        produced.summary = summary if isinstance(summary, dict) else None
    elif kind == "strays":
        strays = json.loads(payload)
        if isinstance(strays, list):
            produced.strays = [str(s)[:300] for s in strays[:1000]]
    else:
        raise ValueError(f"an unexpected frame ({kind!r})")


def parse_frames(data: bytes) -> Produced:
    """The frames of ``data`` (the output pipe's bytes after READY), as far as they are sound."""
    produced = Produced()
    position = 0
    while position < len(data):
        try:
            header, start = _header(data, position)
            _take(produced, header, data[start : start + header["size"]])
        except ValueError as exc:  # json.JSONDecodeError is one
            produced.malformed = str(exc)
            break
        position = start + header["size"]
    return produced
