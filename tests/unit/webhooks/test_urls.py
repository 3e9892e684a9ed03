"""Webhook URL rules (the address rules behind them: tests/unit/fetch/test_addresses.py)."""

from __future__ import annotations

import pytest

from modelhub.webhooks.urls import InvalidWebhookUrl, check_url

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
