"""The rules of what a partner is called and where its collection lives, and the partners'
errors (each with its stable code)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from modelhub.errors import Conflict, ErrorDetail, HubError, InvalidRequest
from modelhub.partners.models import URL_LENGTH

# bioimage.io's partner ids (ilastik, deepimagej, zero…): lower-case letters, digits and single
# hyphens, as resource nicknames; short, because they prefix the partner's resource ids
_PARTNER_ID = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
ID_MIN, ID_MAX = 2, 32
# words that name pages and routes under /partners: an id equal to one could not be reached
RESERVED_IDS = frozenset({"apply", "applications", "me", "new", "admin", "api", "static"})


class PartnerNotFound(HubError):
    def __init__(self, partner_id: str) -> None:
        super().__init__(
            message=f"There is no partner '{partner_id}'.",
            status_code=404,
            code="partner_not_found",
        )


class ApplicationNotFound(HubError):
    def __init__(self) -> None:
        super().__init__(
            message="There is no such partner application.",
            status_code=404,
            code="application_not_found",
        )


class AlreadyDecided(Conflict):
    def __init__(self, status: str) -> None:
        super().__init__(f"This application was already {status}.", code="already_decided")


def check_partner_id(text: str, *, loc: str = "partner_id") -> str:
    """``text`` when it is a well-formed partner id; ``InvalidRequest`` (``invalid_partner_id``)
    saying what is wrong otherwise. Ids are never lower-cased for you: the id is agreed."""
    value = text.strip()
    problem = None
    if not ID_MIN <= len(value) <= ID_MAX:
        problem = f"A partner id has {ID_MIN} to {ID_MAX} characters."
    elif not _PARTNER_ID.fullmatch(value):
        problem = (
            "A partner id starts with a lower-case letter and has only lower-case letters "
            "(a-z), digits and single hyphens between them, e.g. 'ilastik' or 'my-lab'."
        )
    elif value in RESERVED_IDS:
        problem = f"'{value}' is reserved by the hub; choose another partner id."
    if problem:
        raise InvalidRequest(problem, [ErrorDetail((loc,), problem)], code="invalid_partner_id")
    return value


def id_taken(partner_id: str) -> Conflict:
    return Conflict(f"The partner id '{partner_id}' is taken.", code="partner_id_taken")


def check_url(value: str, *, loc: str) -> str:
    """An absolute http(s) address (nothing is fetched here: the fetcher has its own rules)."""
    url = value.strip()
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # an unclosed [ipv6 or a port that is no number
        host = None
    if (
        not host
        or parts.scheme not in ("http", "https")
        or len(url) > URL_LENGTH
        or any(c.isspace() for c in url)
    ):
        message = "Give an http:// or https:// address, e.g. https://example.org/collection.yaml."
        raise InvalidRequest(message, [ErrorDetail((loc,), message)], code="invalid_url")
    return url


def optional_url(value: str | None, *, loc: str) -> str | None:
    return check_url(value, loc=loc) if value and value.strip() else None
