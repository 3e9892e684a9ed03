"""How the text of some settings is read and checked (``config.Settings`` uses these): retry
delays, host:port lists, the files origin."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import SecretStr


def parse_delays(text: str) -> tuple[float, ...]:
    """``"10, 60,300"`` → ``(10.0, 60.0, 300.0)``; ``ValueError`` unless at least one delay is
    given and every delay is a positive number of seconds."""
    try:
        delays = tuple(float(part) for part in text.split(","))
    except ValueError:
        raise ValueError("must be numbers of seconds separated by commas") from None
    if not all(0 < delay < float("inf") for delay in delays):
        raise ValueError("every delay must be a positive number of seconds")
    return delays


def parse_allow_hosts(text: str) -> frozenset[tuple[str, int]]:
    """``"intranet.lab:443, [::1]:8080"`` → ``{("intranet.lab", 443), ("::1", 8080)}``;
    ``ValueError`` unless every entry is a host with a port (no scheme, no path)."""
    pairs: set[tuple[str, int]] = set()
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            continue
        host, colon, port = entry.rpartition(":")
        host = host.strip().lower().rstrip(".")
        if host.startswith("[") and host.endswith("]"):
            host = host[1:-1]  # an IPv6 address is written in brackets
        if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"'{entry}' is not host:port (e.g. intranet.lab:443)")
        if any(ch in host for ch in "/@[] "):
            raise ValueError(f"'{entry}' is not host:port (e.g. intranet.lab:443)")
        pairs.add((host, int(port)))
    return frozenset(pairs)


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port or default


def check_files_origin(files_url: str, base_url: str, secret: SecretStr | None) -> None:
    """``ValueError`` unless ``files_url`` is an origin of its own (scheme and host, no path)
    and a signing key of at least 32 characters goes with it."""
    parts = urlsplit(files_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("files_url must be an http(s) origin such as https://files.hub.example")
    if parts.path.strip("/") or parts.query or parts.fragment:
        raise ValueError("files_url must be an origin only (no path, query or fragment)")
    if _origin(files_url) == _origin(base_url):
        raise ValueError("files_url must differ from base_url: it is a separate origin")
    if secret is None or len(secret.get_secret_value()) < 32:
        raise ValueError("files_secret (32+ random characters) must be set with files_url")
