"""Where a login may send people afterwards: a path of this hub only."""

from __future__ import annotations


def safe_next(target: str | None) -> str:
    """``target`` when it is a local path, else ``/``: ``//host`` and ``/\\host`` are other sites
    to browsers, and a login link must not send people there."""
    if not target or not target.startswith("/") or target[1:2] in ("/", "\\"):
        return "/"
    return target
