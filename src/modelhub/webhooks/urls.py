"""Which webhook URLs the hub accepts (the address rules are the fetcher's:
``modelhub.fetch.addresses``).

Webhook URLs come from users, and the hub POSTs to them from inside its network: only globally
routable unicast addresses are allowed, unless the setting ``webhook_allow_private`` says that
the hub serves a lab network.

Two checks: ``check_url`` when a webhook is created (its form, and a literal address or
``localhost`` at once), and ``resolve_allowed`` on the worker right before each attempt, because
a name may resolve to anything, and differently tomorrow.
"""

from __future__ import annotations

import httpx

from modelhub.errors import ErrorDetail, InvalidRequest
from modelhub.fetch.addresses import literal_problem

MAX_URL_LENGTH = 2000
SCHEMES = ("http", "https")


class InvalidWebhookUrl(InvalidRequest):
    """The URL given for a webhook cannot be used; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message, [ErrorDetail(("url",), message)], code="invalid_webhook_url")


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
        problem = literal_problem(parsed.host)
        if problem is not None:
            raise InvalidWebhookUrl(f"Webhooks cannot go to {problem} on this hub.")
    return url
