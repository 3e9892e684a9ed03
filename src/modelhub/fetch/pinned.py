"""A request to the address that was checked, telling the server the name from the URL.

Connecting to the checked address, rather than handing the name to httpx and letting it resolve
again, closes the gap between check and connect: a name whose DNS answer changes in between
(DNS rebinding) cannot lead the hub to an address it refused. TLS still checks the certificate
against the name (``sni_hostname``), and the Host header carries it.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from modelhub.fetch.addresses import IPAddress


@dataclass(frozen=True)
class Pinned:
    """What to hand httpx for one request to ``address`` on behalf of ``target``."""

    url: httpx.URL  # the target's URL with the checked address as its host
    headers: dict[str, str]  # Host: the name (and port) from the target
    extensions: dict[str, str]  # sni_hostname for https


def pin(target: httpx.URL, address: IPAddress) -> Pinned:
    """The request to ``target`` pinned to ``address``."""
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    return Pinned(
        url=target.copy_with(host=str(address)),
        headers={"Host": target.netloc.decode("ascii")},
        extensions=extensions,
    )


def default_port(url: httpx.URL) -> int:
    """The port a URL connects to (its own, or its scheme's)."""
    return url.port or (443 if url.scheme == "https" else 80)
