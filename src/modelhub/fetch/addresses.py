"""Which addresses the hub may connect to when it follows a URL it was given (the SSRF guard).

URLs come from users and partners, and the hub connects from inside its network: without a
guard, anyone could make it talk to its own database, a cloud metadata service (169.254.169.254)
or a lab's intranet. So only globally routable unicast addresses are allowed, unless a setting
names the exception (``webhook_allow_private`` for webhooks, ``fetch_allow_hosts`` for the
fetcher).

Names are judged by every address they resolve to, right before connecting, because a name may
resolve to anything, and differently tomorrow; the connection then goes to the checked address
itself (``modelhub.fetch.pinned``), never to the name again.
"""

from __future__ import annotations

import ipaddress
import socket

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class AddressRefused(Exception):
    """A host resolves to an address the hub must not connect to (the message names it: for
    operators' logs, never for the person who gave the URL)."""


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


def literal_problem(host: str) -> str | None:
    """Why ``host`` is refused before any resolution: ``localhost`` (and its subdomains) or a
    literal address that is not public; None for a public literal address or any other name."""
    name = host.lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return "localhost"
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None  # a name: judged when it is resolved
    problem = address_problem(address)
    return None if problem is None else f"{address} ({problem})"


def resolve_allowed(host: str, port: int, *, allow_private: bool) -> list[IPAddress]:
    """The addresses of ``host`` that the hub may connect to, in the resolver's order.

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
                f"{host} resolves to {address}, {problem}; the hub does not connect there."
            )
    if not addresses:
        raise AddressRefused(f"{host} has no address.")
    return addresses
