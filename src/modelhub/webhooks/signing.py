"""Signing webhook bodies, and checking a signature on the receiving side.

The hub sends ``X-Modelhub-Signature-256: sha256=<hex>``, the HMAC-SHA256 of the exact body
bytes keyed with the webhook's secret. A receiver checks it with ``verify`` (or the same few
lines of its own) *before* parsing the body::

    from modelhub.webhooks.signing import verify

    if not verify(secret, request_body_bytes, request.headers["X-Modelhub-Signature-256"]):
        return 401

Only the body is signed. Its ``delivery`` id and ``created_at`` are therefore trustworthy (use
the id to ignore a delivery seen before); ``X-Modelhub-Timestamp`` is the time of the attempt
and is not covered by the signature.

This module has no dependency beyond the standard library, so receivers may copy it.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Modelhub-Signature-256"
EVENT_HEADER = "X-Modelhub-Event"
DELIVERY_HEADER = "X-Modelhub-Delivery"
TIMESTAMP_HEADER = "X-Modelhub-Timestamp"
PREFIX = "sha256="


def sign(secret: str, body: bytes) -> str:
    """The value of the signature header for ``body``: ``sha256=<hex digest>``."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return PREFIX + digest


def verify(secret: str, body: bytes, header: str | None) -> bool:
    """True when ``header`` (the received ``X-Modelhub-Signature-256``) signs ``body`` with
    ``secret``. Compares in constant time; a missing or malformed header is simply False."""
    if not header or not header.startswith(PREFIX):
        return False
    return hmac.compare_digest(sign(secret, body).encode(), header.strip().encode())


def headers(
    *, secret: str, body: bytes, event: str, delivery_id: int, timestamp: int
) -> dict[str, str]:
    """Every header of one delivery attempt."""
    return {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(secret, body),
        EVENT_HEADER: event,
        DELIVERY_HEADER: str(delivery_id),
        TIMESTAMP_HEADER: str(timestamp),
    }
