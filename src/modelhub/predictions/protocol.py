"""What the worker and a prediction host (`inside`) tell each other over the sandbox's pipes.

Unlike a check, which gets one job and hands back one stream, a host answers many requests:
each message, either way, is a frame: 4 bytes (big endian) giving the length of a JSON header,
the header, then the binary parts the header lists (``"parts": [[name, size], ...]``), such as
``.npy`` tensors. Requests carry an ``op`` (``load``, ``predict``, ``ping``); answers carry
``ok`` and, when not ok, ``error`` in plain words.

Everything a host writes is untrusted (the package's code runs in that process and may write
into the pipe): the reader bounds sizes and refuses anything that is not a well-formed frame.
"""

from __future__ import annotations

import io
import json
import struct
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

MAX_HEADER_BYTES = 1024 * 1024
_LENGTH = struct.Struct(">I")


class ProtocolError(Exception):
    """A frame could not be read (short, too large or malformed)."""


def pack(header: Mapping[str, Any], parts: Mapping[str, bytes] | None = None) -> bytes:
    """One frame: the header (with its parts listed) and the parts' bytes."""
    parts = dict(parts or {})
    text = json.dumps({**header, "parts": [[k, len(v)] for k, v in parts.items()]}).encode()
    if len(text) > MAX_HEADER_BYTES:
        raise ValueError("frame header too large")
    return b"".join([_LENGTH.pack(len(text)), text, *parts.values()])


def unpack(read: Callable[[int], bytes], max_bytes: int) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Read one frame with ``read(n)`` (which returns fewer than ``n`` bytes only when the
    stream ended or timed out); at most ``max_bytes`` of parts are accepted."""

    def exactly(size: int) -> bytes:
        data = read(size)
        if len(data) != size:
            raise ProtocolError("the stream ended in the middle of a message")
        return data

    (length,) = _LENGTH.unpack(exactly(_LENGTH.size))
    if length > MAX_HEADER_BYTES:
        raise ProtocolError("a message header is too large")
    try:
        header = json.loads(exactly(length))
        if not isinstance(header, dict):
            raise TypeError("not a mapping")
        names = [(str(name), int(size)) for name, size in header.pop("parts")]
    except (ValueError, TypeError, KeyError) as exc:
        raise ProtocolError(f"a malformed message header ({exc})") from None
    if any(size < 0 for _, size in names) or sum(s for _, s in names) > max_bytes:
        raise ProtocolError("a message is larger than allowed")
    parts = {name: exactly(size) for name, size in names}
    return header, parts


def npy_bytes(array: np.ndarray) -> bytes:
    """``array`` as ``.npy`` bytes."""
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array), allow_pickle=False)
    return buffer.getvalue()


def npy_array(data: bytes) -> np.ndarray:
    """An array from ``.npy`` bytes (never unpickles objects)."""
    try:
        array = np.load(io.BytesIO(data), allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise ProtocolError(f"not a valid .npy tensor ({exc})") from None
    if not isinstance(array, np.ndarray):
        raise ProtocolError("not a single .npy tensor")
    return array
