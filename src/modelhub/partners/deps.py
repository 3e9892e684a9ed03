"""Who is calling for a partner: ``CurrentPartner`` (and ``CallingToken``, the token itself)
for the routes a partner's automation calls with a partner token — the sync hook, the test
summaries it pushes, ``GET /api/v1/partners/me``. A partner token never stands for a person,
and a person's token or login never stands for a partner."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from modelhub.deps import DbSession
from modelhub.errors import NotAuthenticated
from modelhub.partners import tokens
from modelhub.partners.models import Partner, PartnerToken

_ASK = "Send the partner's token: 'Authorization: Bearer <partner token>'."


def calling_token(request: Request, db: DbSession) -> PartnerToken:
    """The unrevoked partner token of the Authorization header; 401 otherwise."""
    scheme, _, value = (request.headers.get("authorization") or "").partition(" ")
    secret = value.strip()
    if scheme.lower() not in ("bearer", "token") or not secret:
        raise NotAuthenticated(_ASK)
    if not tokens.is_partner_token(secret):
        raise NotAuthenticated("This is not a partner token. " + _ASK)
    token = tokens.token_for_secret(db, secret=secret)
    if token is None:
        raise NotAuthenticated("This partner token is unknown or was revoked.")
    db.commit()  # last_used_at
    return token


CallingToken = Annotated[PartnerToken, Depends(calling_token)]


def current_partner(token: CallingToken) -> Partner:
    return token.partner


CurrentPartner = Annotated[Partner, Depends(current_partner)]
