"""Which webhook URLs the hub accepts, and which addresses it connects to (the SSRF guard).

Webhook URLs come from users, and the hub POSTs to them from inside its network: without a
guard, anyone could make it talk to its own database, a cloud metadata service (169.254.169.254)
or a lab's intranet. So only globally routable unicast addresses are allowed, unless the setting
``webhook_allow_private`` says that the hub serves a lab network.

Two checks: ``check_url`` when a webhook is created (its form, and a literal address or
``localhost`` at once), and ``resolve_allowed`` on the worker right before each attempt, because
a name may resolve to anything, and differently tomorrow.
"""

from __future__ import annotations

import ipaddress
import socket

import httpx

from modelhub.errors import ErrorDetail, InvalidRequest

MAX_URL_LENGTH = 2000
SCHEMES = ("http", "https")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class InvalidWebhookUrl(InvalidRequest):
    """The URL given for a webhook cannot be used; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message, [ErrorDetail(("url",), message)], code="invalid_webhook_url")


class AddressRefused(Exception):
    """The host of a webhook resolves to an address the hub must not connect to."""


def check_url(url: str, *, allow_private: bool) -> str:
    """``url`` when it may be a webhook's URL (http or https, a host, no user name or password,
    at most 2000 characters); ``InvalidWebhookUrl`` otherwise. Names are resolved only when a
    delivery is made; a literal address (or ``localhost``) is checked here already."""
    if len(url) > MAX_URL_LENGTH:
        raise InvalidWebhookUrl(f"The URL is longer than {MAX_URL_LENGTH} characters.")
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        raise InvalidWebhookUrl("The URL must not contain spaces or control characters.")
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise InvalidWebhookUrl(f"This is not a valid URL: {exc}.") from None
    if parsed.scheme not in SCHEMES:
        raise InvalidWebhookUrl("The URL must start with http:// or https://.")
    if not parsed.host:
        raise InvalidWebhookUrl("The URL must name a host.")
    if parsed.userinfo:
        raise InvalidWebhookUrl(
            "The URL must not hold a user name or password: the signature proves that a"
            " delivery comes from this hub."
        )
    if not allow_private:
        problem = _host_problem(parsed.host)
        if problem is not None:
            raise InvalidWebhookUrl(f"Webhooks cannot go to {problem} on this hub.")
    return url


def _host_problem(host: str) -> str | None:
    name = host.lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return "localhost"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None  # a name: checked when it is resolved, at delivery
    problem = address_problem(address)
    return None if problem is None else f"{address} ({problem})"


def address_problem(address: IPAddress) -> str | None:
    """Why the hub must not connect to ``address`` (when private addresses are not allowed),
    or None for a globally routable unicast address."""
    if isinstance(address, ipaddress.IPv6Address):
        # an IPv4 address wrapped in IPv6 reaches that IPv4 address: judge that one
        embedded = address.ipv4_mapped or address.sixtofour or (address.teredo or (None, None))[1]
        if embedded is not None:
            return address_problem(embedded)
    checks = (
        (address.is_unspecified, "an unspecified address"),
        (address.is_loopback, "a loopback address"),
        (address.is_link_local, "a link-local address"),
        (address.is_multicast, "a multicast address"),
        (address.is_reserved, "a reserved address"),
        (address.is_private, "a private address"),
        (not address.is_global, "an address that is not globally routable"),
    )
    return next((reason for failed, reason in checks if failed), None)


def resolve_allowed(host: str, port: int, *, allow_private: bool) -> list[IPAddress]:
    """The addresses of ``host`` that the worker may connect to, in the resolver's order.

    ``AddressRefused`` when any of them is refused: a name that also points inside the network
    is not used at all. ``socket.gaierror`` when the name does not resolve.
    """
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[IPAddress] = []
    for info in infos:
        # a scoped IPv6 address comes as "fe80::1%eth0"
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    for address in addresses:
        problem = None if allow_private else address_problem(address)
        if problem is not None:
            raise AddressRefused(
                f"{host} resolves to {address}, {problem}; webhooks cannot go there on this hub."
            )
    if not addresses:
        raise AddressRefused(f"{host} has no address.")
    return addresses
