"""The SSRF guard's address rules, shared by webhooks and the fetcher."""

from __future__ import annotations

import ipaddress

import pytest

from modelhub.fetch.addresses import (
    AddressRefused,
    address_problem,
    literal_problem,
    resolve_allowed,
)

pytestmark = pytest.mark.dbless


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("fc00::1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.1.1", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),  # noqa: S104 (refused, not bound to)
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "not globally routable"),
        ("::ffff:10.0.0.1", "private"),  # IPv4-mapped: judged as the IPv4 address
        ("2002:7f00:1::", "loopback"),  # 6to4 around 127.0.0.1
    ],
)
def test_address_problems(address: str, problem: str) -> None:
    found = address_problem(ipaddress.ip_address(address))
    assert found is not None and problem in found


@pytest.mark.parametrize("address", ["8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_are_fine(address: str) -> None:
    assert address_problem(ipaddress.ip_address(address)) is None


def test_resolving_refuses_a_name_of_a_loopback_address() -> None:
    # "localhost" resolves from the hosts file: no network is used
    with pytest.raises(AddressRefused, match="loopback"):
        resolve_allowed("localhost", 80, allow_private=False)
    allowed = resolve_allowed("localhost", 80, allow_private=True)
    assert allowed and all(a.is_loopback for a in allowed)
    assert resolve_allowed("127.0.0.1", 80, allow_private=True) == [
        ipaddress.ip_address("127.0.0.1")
    ]


@pytest.mark.parametrize(
    ("host", "problem"),
    [
        ("localhost", "localhost"),
        ("API.localhost.", "localhost"),
        ("127.0.0.1", "127.0.0.1 (a loopback address)"),
        ("::1", "::1 (a loopback address)"),
        ("[::1]", "::1 (a loopback address)"),
        ("10.0.0.8", "10.0.0.8 (a private address)"),
        ("169.254.169.254", "169.254.169.254 (a link-local address)"),
        ("8.8.8.8", None),
        ("example.org", None),  # a name: judged when resolved
    ],
)
def test_literal_problems_are_found_without_resolving(host: str, problem: str | None) -> None:
    assert literal_problem(host) == problem
