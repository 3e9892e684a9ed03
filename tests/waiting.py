"""``eventually``: wait for what the hub does in the background (a check, an e-mail, a webhook
call, a server starting), failing the test with what it waited for. It waits; it never times:
the deadline only keeps a broken run from hanging (speed is measured by the bench scripts)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import pytest

T = TypeVar("T")


def eventually(
    condition: Callable[[], T | None],
    *,
    timeout: float = 30,
    interval: float = 0.05,
    what: str | Callable[[], str] | None = None,
) -> T:
    """Call ``condition`` every ``interval`` seconds until it returns a true value; return that
    value. After ``timeout`` seconds fail the test, naming ``what`` (a text, or a function that
    describes the state at that moment; by default the condition's docstring) and the last value.
    An exception raised by ``condition`` is not caught: it fails the test at once."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            described = what() if callable(what) else what
            waited_for = described or condition.__doc__ or repr(condition)
            pytest.fail(f"still not so after {timeout:g} s: {waited_for} (last: {value!r})")
        time.sleep(interval)
