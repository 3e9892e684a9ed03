"""Who may speak for a partner's test results: a partner token of that very partner, or a
person (token or login) who maintains it, or an admin."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session

from modelhub.accounts.deps import optional_user
from modelhub.errors import Forbidden, NotAuthenticated
from modelhub.partners import registry, tokens
from modelhub.partners.models import Partner


def acting_for(request: Request, db: Session, *, partner_id: str) -> Partner:
    """The partner ``partner_id`` when the caller may act for it; 401, 403 or 404 otherwise."""
    scheme, _, value = (request.headers.get("authorization") or "").partition(" ")
    secret = value.strip()
    if scheme.lower() in ("bearer", "token") and tokens.is_partner_token(secret):
        token = tokens.token_for_secret(db, secret=secret)
        if token is None:
            raise NotAuthenticated("This partner token is unknown or was revoked.")
        if token.partner_id != partner_id:
            raise Forbidden(
                f"This token acts for the partner '{token.partner_id}', not for '{partner_id}'.",
                code="wrong_partner",
            )
        partner = registry.get_partner(db, partner_id=partner_id)
        db.commit()  # last_used_at
        return partner
    user = optional_user(request, db)
    if user is None:
        raise NotAuthenticated(
            "Send the partner's token ('Authorization: Bearer <partner token>') or log in as "
            "one of its maintainers."
        )
    return registry.managed(db, partner_id=partner_id, actor=user)
