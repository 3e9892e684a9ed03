"""``fetch``: one GET of a URL the hub was given, by the rules of ``modelhub.fetch``.

Written on httpx (the hub's HTTP client everywhere) used at its lowest level: redirects are
followed here, one hop at a time, so that each new address is checked before it is connected
to; every connection goes to a checked address (``pinned``); no proxy from the environment
(``trust_env=False``), which would connect to the name itself.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from modelhub import __version__
from modelhub.fetch import errors
from modelhub.fetch.addresses import AddressRefused, IPAddress, resolve_allowed
from modelhub.fetch.pinned import default_port, pin
from modelhub.fetch.policy import FetchPolicy, checked_url

USER_AGENT = f"modelhub/{__version__}"
REDIRECTS = frozenset({301, 302, 303, 307, 308})
log = logging.getLogger(__name__)


@functools.cache
def _tls() -> ssl.SSLContext:
    """The system's certificate store, loaded once per process (loading it takes about as long
    as a small fetch on loopback)."""
    return ssl.create_default_context()


@dataclass(frozen=True)
class Fetched:
    """The answer's body, written to ``path``, and what the next conditional request needs."""

    path: Path
    sha256: str
    size: int
    url: str  # the final URL, after redirects
    etag: str | None
    last_modified: str | None
    content_type: str | None
    not_modified: bool = False


@dataclass(frozen=True)
class NotModified:
    """The server says the resource did not change since the ETag / Last-Modified given."""

    url: str
    etag: str | None
    last_modified: str | None
    not_modified: bool = True


def fetch(
    url: str,
    *,
    dest: Path,
    policy: FetchPolicy,
    etag: str | None = None,
    last_modified: str | None = None,
) -> Fetched | NotModified:
    """GET ``url`` into the file ``dest`` (created or replaced; removed again on failure).

    ``etag`` / ``last_modified`` (from an earlier ``Fetched``) make the request conditional:
    an unchanged resource answers ``NotModified`` and costs one request. Raises ``FetchError``
    with a stable code for every way it can fail.
    """
    target = checked_url(url)
    deadline = time.monotonic() + policy.total_timeout_s
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    with httpx.Client(follow_redirects=False, trust_env=False, verify=_tls()) as client:
        for _ in range(policy.max_redirects + 1):
            with _response(client, target, policy, headers, deadline) as response:
                location = response.headers.get("location")
                if response.status_code in REDIRECTS and location:
                    target = _redirected(target, location)
                    continue
                if response.status_code == 304:
                    return NotModified(
                        url=str(target),
                        etag=response.headers.get("etag") or etag,
                        last_modified=response.headers.get("last-modified") or last_modified,
                    )
                if not 200 <= response.status_code < 300:
                    raise errors.http_error(
                        str(target), response.status_code, response.reason_phrase
                    )
                return _save(response, target, dest, policy, deadline)
    raise errors.too_many_redirects(url, policy.max_redirects)


def _redirected(current: httpx.URL, location: str) -> httpx.URL:
    try:
        joined = current.join(location)
    except httpx.InvalidURL as exc:
        raise errors.bad_url(
            location, f"the server redirected to an invalid address ({exc})."
        ) from None
    return checked_url(str(joined))


def _addresses(target: httpx.URL, policy: FetchPolicy) -> list[IPAddress]:
    """The checked addresses of the target's host, or the ``FetchError`` saying why none."""
    host, url = target.host, str(target)
    try:
        return resolve_allowed(host, default_port(target), allow_private=policy.allows(target))
    except AddressRefused as exc:
        log.info("fetch of %s refused: %s", url, exc)  # the addresses: operators only
        raise errors.refused_address(url, host) from None
    except (OSError, UnicodeError):  # socket.gaierror is an OSError
        raise errors.unreachable(url, host, "the name does not resolve") from None


@contextmanager
def _response(
    client: httpx.Client,
    target: httpx.URL,
    policy: FetchPolicy,
    headers: dict[str, str],
    deadline: float,
) -> Iterator[httpx.Response]:
    """The streamed answer of the first checked address that accepts a connection."""
    url, host = str(target), target.host
    failure = errors.unreachable(url, host, "no address to connect to")
    for address in _addresses(target, policy):
        left = deadline - time.monotonic()
        if left <= 0:
            raise errors.timeout(url, host, policy.total_timeout_s)
        pinned = pin(target, address)
        request = client.build_request(
            "GET",
            pinned.url,
            headers={**headers, **pinned.headers},
            extensions=pinned.extensions,
            timeout=httpx.Timeout(
                min(policy.read_timeout_s, left), connect=min(policy.connect_timeout_s, left)
            ),
        )
        try:
            response = client.send(request, stream=True)
        except httpx.ConnectTimeout:
            # nothing was sent to this address: the next one may answer
            failure = errors.timeout(url, host, policy.connect_timeout_s)
            continue
        except httpx.ConnectError:
            failure = errors.unreachable(url, host, "the connection was refused")
            continue
        except httpx.TimeoutException:
            raise errors.timeout(url, host, policy.read_timeout_s) from None
        except httpx.HTTPError as exc:
            raise errors.unreachable(url, host, _reason(exc, address, host)) from None
        try:
            yield response
        finally:
            response.close()
        return
    raise failure


def _save(
    response: httpx.Response, target: httpx.URL, dest: Path, policy: FetchPolicy, deadline: float
) -> Fetched:
    """Stream the body into ``dest`` under the byte limit and the deadline, hashing it."""
    url, host = str(target), target.host
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > policy.max_bytes:
        raise errors.too_large(url, policy.max_bytes)  # refused before reading any of it
    digest, size = hashlib.sha256(), 0
    try:
        with dest.open("wb") as out:
            # chunks as they arrive (no re-chunking, which would wait for a full chunk and
            # keep the deadline from being checked on a trickling body)
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > policy.max_bytes:
                    raise errors.too_large(url, policy.max_bytes)
                if time.monotonic() > deadline:
                    raise errors.timeout(url, host, policy.total_timeout_s)
                digest.update(chunk)
                out.write(chunk)
    except httpx.TimeoutException:
        dest.unlink(missing_ok=True)
        raise errors.timeout(url, host, policy.read_timeout_s) from None
    except httpx.HTTPError as exc:
        dest.unlink(missing_ok=True)
        raise errors.unreachable(url, host, f"the transfer broke off: {exc}") from None
    except BaseException:
        dest.unlink(missing_ok=True)
        raise
    return Fetched(
        path=dest,
        sha256=digest.hexdigest(),
        size=size,
        url=url,
        etag=response.headers.get("etag"),
        last_modified=response.headers.get("last-modified"),
        content_type=response.headers.get("content-type"),
    )


def _reason(exc: Exception, address: IPAddress, host: str) -> str:
    return (str(exc) or type(exc).__name__).replace(str(address), host)
