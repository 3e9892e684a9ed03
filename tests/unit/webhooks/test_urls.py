"""Webhook URL rules and the SSRF guard's address rules."""

from __future__ import annotations

import ipaddress

import pytest

from modelhub.webhooks.urls import (
    AddressRefused,
    InvalidWebhookUrl,
    address_problem,
    check_url,
    resolve_allowed,
)

pytestmark = pytest.mark.dbless


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/hooks/modelhub",
        "http://example.org:8080/x?token=abc",
        "https://8.8.8.8/hook",
        "https://[2606:4700::1111]/hook",
        "https://bücher.example/hook",
    ],
)
def test_public_urls_are_accepted_as_given(url: str) -> None:
    assert check_url(url, allow_private=False) == url


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.org/x", "http:// or https://"),
        ("file:///etc/passwd", "http:// or https://"),
        ("javascript:alert(1)", "http:// or https://"),
        ("example.org/hook", "http:// or https://"),
        ("https:///nohost", "name a host"),
        ("https://user:pw@example.org/", "user name or password"),
        ("https://token@example.org/", "user name or password"),
        ("https://example.org/" + "a" * 2000, "longer than 2000"),
        ("https://exa mple.org/", "spaces or control"),
        ("https://example.org/\r\nX-Injected: 1", "spaces or control"),
        ("http://[::1/", "not a valid URL"),
    ],
)
def test_bad_urls_are_refused_with_the_reason(url: str, reason: str) -> None:
    with pytest.raises(InvalidWebhookUrl) as refused:
        check_url(url, allow_private=True)
    error = refused.value
    assert reason in error.message
    assert error.code == "invalid_webhook_url" and error.status_code == 400
    assert [d.loc for d in error.details] == [("url",)]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/",
        "http://localhost/",
        "http://api.localhost/",
        "http://10.1.2.3/",
        "http://192.168.0.10/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[fe80::1]/",
        "http://0.0.0.0/",
        "http://100.64.0.1/",
        "http://224.0.0.1/",
    ],
)
def test_private_literal_addresses_are_refused_unless_allowed(url: str) -> None:
    with pytest.raises(InvalidWebhookUrl, match="cannot go to"):
        check_url(url, allow_private=False)
    assert check_url(url, allow_private=True) == url


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
