"""Partner tokens: the credentials of a partner's automation (its CI pushing test summaries,
calling the sync hook). A request with one acts for the partner, never as a person. Only the
sha256 is stored; the secret is shown once, when the token is made."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from modelhub.accounts.models import User
from modelhub.accounts.security import digest
from modelhub.db import utcnow
from modelhub.errors import HubError
from modelhub.partners.models import PartnerToken
from modelhub.partners.registry import managed

# recognisable at a glance, and never mistaken for a person's token (``mh_``)
PARTNER_TOKEN_PREFIX = "mhp_"  # noqa: S105 -- a public prefix, no secret


def new_partner_token() -> str:
    """256 random bits behind the prefix."""
    return PARTNER_TOKEN_PREFIX + secrets.token_urlsafe(32)


def is_partner_token(secret: str) -> bool:
    return secret.startswith(PARTNER_TOKEN_PREFIX)


def create_token(
    db: Session, *, partner_id: str, actor: User | None, name: str
) -> tuple[PartnerToken, str]:
    """A new token of the partner (its maintainers and admins): the row and the secret."""
    managed(db, partner_id=partner_id, actor=actor)
    secret = new_partner_token()
    token = PartnerToken(
        partner_id=partner_id,
        name=name.strip() or "ci",
        prefix=secret[:12],
        token_hash=digest(secret),
        created_by_id=actor.id if actor else None,
    )
    db.add(token)
    db.flush()
    return token, secret


def list_tokens(db: Session, *, partner_id: str, actor: User | None) -> list[PartnerToken]:
    managed(db, partner_id=partner_id, actor=actor)
    query = select(PartnerToken).where(PartnerToken.partner_id == partner_id)
    return list(db.scalars(query.order_by(PartnerToken.id)))


def revoke_token(
    db: Session, *, partner_id: str, actor: User | None, token_id: int
) -> PartnerToken:
    """Revoke at once (idempotent); the row stays, so the page can say when."""
    managed(db, partner_id=partner_id, actor=actor)
    token = db.get(PartnerToken, token_id)
    if token is None or token.partner_id != partner_id:
        raise HubError(
            message=f"'{partner_id}' has no token with this id.",
            status_code=404,
            code="token_not_found",
        )
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    db.flush()
    return token


def token_for_secret(db: Session, *, secret: str) -> PartnerToken | None:
    """The unrevoked token with this secret (its partner loaded), or None."""
    query = (
        select(PartnerToken)
        .options(joinedload(PartnerToken.partner))  # usable after the caller commits
        .where(PartnerToken.token_hash == digest(secret))
    )
    token = db.scalar(query)
    if token is None or token.revoked_at is not None:
        return None
    now = utcnow()
    # only write when it changes meaningfully, so that reads stay reads
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        token.last_used_at = now
    return token
