"""What syncing does when something happens elsewhere: an approved partner is synced at once."""

from __future__ import annotations

from sqlalchemy.orm import Session

from modelhub.events.types import PartnerDecided
from modelhub.partner_sync.service import request_sync
from modelhub.partners.models import Partner


def approved(db: Session, event: PartnerDecided) -> None:
    """The first sync of a newly approved partner (its job is handed out after this commit)."""
    if event.decision != "approved" or event.partner_id is None:
        return
    partner = db.get(Partner, event.partner_id)
    if partner is not None:
        request_sync(db, partner=partner)
