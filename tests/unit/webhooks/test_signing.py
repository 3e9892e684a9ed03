"""Signatures: HMAC-SHA256 over the exact body, checked in constant time."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from modelhub.webhooks import signing

pytestmark = pytest.mark.dbless

SECRET = "s3cret"
BODY = b'{"event":"ping","delivery":1}'


def test_sign_is_hmac_sha256_of_the_body_in_hex() -> None:
    expected = hmac.new(b"s3cret", BODY, hashlib.sha256).hexdigest()
    assert signing.sign(SECRET, BODY) == f"sha256={expected}"
    # a known vector, so that a receiver in another language can check its own code
    assert signing.sign("key", b"The quick brown fox jumps over the lazy dog") == (
        "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
    )


def test_verify_accepts_only_the_right_signature() -> None:
    header = signing.sign(SECRET, BODY)
    assert signing.verify(SECRET, BODY, header)
    assert signing.verify(SECRET, BODY, header + " ")  # surrounding space is forgiven
    assert not signing.verify("other", BODY, header)
    assert not signing.verify(SECRET, BODY + b" ", header)  # one byte more: another body
    assert not signing.verify(SECRET, BODY, header.upper())
    assert not signing.verify(SECRET, BODY, header.removeprefix("sha256="))
    assert not signing.verify(SECRET, BODY, "sha1=" + header[7:])
    assert not signing.verify(SECRET, BODY, "")
    assert not signing.verify(SECRET, BODY, None)
    assert not signing.verify(SECRET, BODY, "sha256=é")


def test_headers_of_an_attempt() -> None:
    headers = signing.headers(secret=SECRET, body=BODY, event="ping", delivery_id=7, timestamp=12)
    assert headers == {
        "Content-Type": "application/json",
        "X-Modelhub-Signature-256": signing.sign(SECRET, BODY),
        "X-Modelhub-Event": "ping",
        "X-Modelhub-Delivery": "7",
        "X-Modelhub-Timestamp": "12",
    }
