"""A partner's CI hook: the URL that hears of published and yanked versions (``compat.notify``)
and the secret its notices are signed with. Its maintainers and admins set it; the secret is
made by the hub and shown once, like a webhook's."""

from __future__ import annotations

import secrets

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from modelhub.accounts.models import User
from modelhub.partners.models import URL_LENGTH, Partner
from modelhub.partners.registry import managed
from modelhub.webhooks.urls import check_url


class CiHookSet(BaseModel):
    url: str = Field(min_length=1, max_length=URL_LENGTH, description="http(s) address")
    new_secret: bool = Field(
        default=False, description="Make a new secret (one is made anyway the first time)"
    )


class CiHookRead(BaseModel):
    url: str | None
    has_secret: bool
    secret: str | None = Field(
        default=None, description="Only in the answer that made it: the only time it shows"
    )


def read(partner: Partner, secret: str | None = None) -> CiHookRead:
    return CiHookRead(
        url=partner.ci_webhook_url, has_secret=bool(partner.ci_webhook_secret), secret=secret
    )


def set_hook(
    db: Session,
    *,
    partner_id: str,
    actor: User | None,
    url: str,
    new_secret: bool,
    allow_private: bool,
) -> tuple[Partner, str | None]:
    """Set the hook's URL; the new secret when one was made (the first time, or asked)."""
    partner = managed(db, partner_id=partner_id, actor=actor)
    partner.ci_webhook_url = check_url(url.strip(), allow_private=allow_private)
    made = None
    if new_secret or not partner.ci_webhook_secret:
        made = secrets.token_urlsafe(32)
        partner.ci_webhook_secret = made
    db.flush()
    return partner, made


def remove_hook(db: Session, *, partner_id: str, actor: User | None) -> Partner:
    """No more notices to the partner's CI (the secret goes too)."""
    partner = managed(db, partner_id=partner_id, actor=actor)
    partner.ci_webhook_url = None
    partner.ci_webhook_secret = None
    db.flush()
    return partner
