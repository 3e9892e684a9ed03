"""What the fetcher may do: the URL forms it accepts, the private hosts it may reach (named in
``MODELHUB_FETCH_ALLOW_HOSTS``), its timeouts, its byte limit and its redirect count."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from modelhub.config import Settings
from modelhub.fetch import errors
from modelhub.fetch.pinned import default_port

MAX_URL_LENGTH = 2000
SCHEMES = ("http", "https")


@dataclass(frozen=True)
class FetchPolicy:
    """The limits of one fetch. ``allow_hosts`` holds the (host, port) pairs that may resolve
    to private addresses; every other host must resolve to public addresses only."""

    max_bytes: int
    allow_hosts: frozenset[tuple[str, int]] = frozenset()
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 30.0  # each wait for the next bytes
    # the whole fetch; checked between reads, so it may be passed by one read timeout at most
    total_timeout_s: float = 600.0
    max_redirects: int = 5

    @classmethod
    def of(cls, settings: Settings, *, max_bytes: int) -> FetchPolicy:
        """The hub's policy (its settings) with a byte limit for this fetch."""
        return cls(
            max_bytes=max_bytes,
            allow_hosts=settings.fetch_allowed_hosts,
            connect_timeout_s=settings.fetch_timeout_s,
            read_timeout_s=settings.fetch_timeout_s,
            total_timeout_s=settings.fetch_total_s,
            max_redirects=settings.fetch_max_redirects,
        )

    def allows(self, url: httpx.URL) -> bool:
        """Whether ``url``'s host and port are named in the allow-list (private addresses OK)."""
        return (url.host.lower().rstrip("."), default_port(url)) in self.allow_hosts


def checked_url(url: str) -> httpx.URL:
    """``url`` parsed, when the fetcher may ask for it (http or https, a host, no user name or
    password, at most 2000 characters); ``FetchError`` (``fetch_bad_url``) otherwise."""
    if len(url) > MAX_URL_LENGTH:
        raise errors.bad_url(url, f"it is longer than {MAX_URL_LENGTH} characters.")
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        raise errors.bad_url(url, "it contains spaces or control characters.")
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise errors.bad_url(url, f"it is not a valid web address ({exc}).") from None
    if parsed.scheme not in SCHEMES:
        raise errors.bad_url(url, "it must start with http:// or https://.")
    if not parsed.host:
        raise errors.bad_url(url, "it does not name a server.")
    if parsed.userinfo:
        raise errors.bad_url(url, "it must not hold a user name or password.")
    return parsed
