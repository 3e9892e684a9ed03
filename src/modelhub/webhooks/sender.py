"""Worker side: POST one delivery attempt, through the SSRF guard, and say what happened.

Runs on a Dask worker (no database). Every way an attempt can go wrong becomes an ``Outcome``
with a plain ``error``; nothing here raises for a receiver's fault.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import httpx

from modelhub import __version__
from modelhub.db import utcnow
from modelhub.fetch.addresses import AddressRefused, IPAddress, resolve_allowed
from modelhub.fetch.pinned import default_port, pin

TIMEOUT_S = 10.0
REFUSED_NOT_PUBLIC = "Not sent: refused: not a public address."
EXCERPT_BYTES = 1024
USER_AGENT = f"modelhub-webhooks/{__version__}"

T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """One attempt: the receiver's status code (None when none came), why it failed (None when
    it did not), the start of the answer, and when and how long."""

    status_code: int | None
    error: str | None
    excerpt: str | None
    started_at: datetime
    duration_ms: int
    # a reason that another attempt cannot change (the address is not public): no retry
    permanent: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None and self.status_code is not None and 200 <= self.status_code < 300


def post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    allow_private: bool,
    timeout_s: float = TIMEOUT_S,
    total_s: float | None = None,
) -> Outcome:
    """POST ``body`` to ``url`` once: no redirect followed, at most 1 KB of the answer read.

    ``timeout_s`` bounds each step (connecting, sending, each read); ``total_s`` (default: three
    times that) bounds the whole attempt, so that a receiver trickling its answer byte by byte
    cannot hold a worker for long.
    """
    started, clock = utcnow(), time.monotonic()
    total = total_s if total_s is not None else 3 * timeout_s

    def outcome(
        code: int | None, error: str | None, excerpt: str | None = None, *, permanent: bool = False
    ) -> Outcome:
        elapsed = round((time.monotonic() - clock) * 1000)
        return Outcome(code, error, excerpt, started, elapsed, permanent)

    # The error is shown in the webhook owner's delivery log: it names the host from the URL,
    # never the addresses the hub resolved it to (which would map the hub's network for them).
    try:
        target = httpx.URL(url)
        addresses = resolve_allowed(target.host, default_port(target), allow_private=allow_private)
    except AddressRefused as exc:
        log.info("webhook delivery to %s not sent: %s", url, exc)  # the details: operators only
        return outcome(None, REFUSED_NOT_PUBLIC, permanent=True)
    except httpx.InvalidURL as exc:
        return outcome(None, f"Not sent: the URL is not valid ({exc}).", permanent=True)
    except (OSError, UnicodeError):  # socket.gaierror is an OSError
        return outcome(None, f"The host of {url} could not be resolved.")
    host = target.host
    error = "No address to connect to."
    for address in addresses:
        left = total - (time.monotonic() - clock)
        try:
            code, excerpt = _within(
                left, functools.partial(_post_to, target, address, body, headers, timeout_s)
            )
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            # nothing was sent to this address: the next one may answer
            error = f"Could not connect to {host}: {_reason(exc, address, host)}."
            continue
        except httpx.TimeoutException:
            return outcome(None, f"No answer from {host} within {timeout_s:g} s.")
        except _TooSlow:
            return outcome(None, f"No complete answer from {host} within {total:g} s.")
        except httpx.HTTPError as exc:
            return outcome(None, f"Delivery to {host} failed: {_reason(exc, address, host)}.")
        if 200 <= code < 300:
            return outcome(code, None, excerpt)
        return outcome(code, f"The receiver answered HTTP {code}.", excerpt)
    return outcome(None, error)


def _reason(exc: Exception, address: IPAddress, host: str) -> str:
    return (str(exc) or type(exc).__name__).replace(str(address), host)


class _TooSlow(Exception):
    """The whole answer did not arrive within the attempt's total time."""


def _within(seconds: float, work: Callable[[], T]) -> T:
    """``work()``'s result, or ``_TooSlow`` when it takes longer than ``seconds``.

    It runs in a thread of its own that is left behind when too slow (its step timeouts end it
    later): a blocked socket read cannot be interrupted from here.
    """
    box: list[tuple[bool, Any]] = []

    def run() -> None:
        try:
            box.append((True, work()))
        except BaseException as exc:
            box.append((False, exc))

    if seconds <= 0:
        raise _TooSlow()
    thread = threading.Thread(target=run, name="webhook-post", daemon=True)
    thread.start()
    thread.join(seconds)
    if not box:
        raise _TooSlow()
    finished, value = box[0]
    if not finished:
        raise value
    result: T = value
    return result


def _post_to(
    target: httpx.URL, address: IPAddress, body: bytes, headers: dict[str, str], timeout_s: float
) -> tuple[int, str]:
    """POST to ``address`` itself, telling the server the name from the URL (``pin``: no
    second DNS lookup between the check and the connection)."""
    pinned = pin(target, address)
    sent_headers = {
        **headers,
        **pinned.headers,
        "User-Agent": USER_AGENT,
        # the excerpt is read raw: ask for no compression, so that it is readable and small
        "Accept-Encoding": "identity",
    }
    # trust_env=False: no proxy from the environment, which would connect to the name itself
    with (
        httpx.Client(timeout=timeout_s, follow_redirects=False, trust_env=False) as client,
        client.stream(
            "POST",
            pinned.url,
            content=body,
            headers=sent_headers,
            extensions=pinned.extensions,
        ) as response,
    ):
        excerpt = b""
        for chunk in response.iter_raw():
            excerpt += chunk
            if len(excerpt) >= EXCERPT_BYTES:
                break
        return response.status_code, excerpt[:EXCERPT_BYTES].decode("utf-8", errors="replace")
