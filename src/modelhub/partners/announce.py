"""Who hears of a partner application, and what they read: admins of a new application, the
applicant of the decision. The composition root hands these announcements to the notification
and webhook channels; this module sends nothing itself."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from modelhub.accounts.models import Role, User
from modelhub.events.announcement import Announcement
from modelhub.events.types import PartnerApplied, PartnerDecided
from modelhub.links import Links
from modelhub.partners.models import PartnerApplication


def _admins(db: Session) -> list[User]:
    query = select(User).where(User.role == Role.admin, User.is_active.is_(True))
    return list(db.scalars(query.order_by(User.id)))


def applied(db: Session, event: PartnerApplied) -> Announcement | None:
    """A new application, for the admins (not the applicant, if an admin applied; nobody
    when an admin registered the partner on the hub's host)."""
    application = db.get(PartnerApplication, event.application_id)
    applicant = db.get(User, event.applicant_id) if event.applicant_id is not None else None
    if application is None or applicant is None:
        return None
    who = applicant.username
    return Announcement(
        user_ids=tuple(u.id for u in _admins(db) if u.id != event.applicant_id),
        event="partner.apply",
        subject=f"Partner application: {application.name}",
        body=f"{who} applied to become a community partner: {application.name}.",
        link=Links.partner_applications_path(),
        about=f"partner-application{application.id}",
        payload={
            "application": {"id": application.id, "name": application.name},
            "applicant": applicant.username,
        },
    )


def decided(db: Session, event: PartnerDecided) -> Announcement | None:
    """The decision, for the applicant (with the admins' message)."""
    application = db.get(PartnerApplication, event.application_id)
    if application is None or application.applicant_id is None:
        return None
    approved = event.decision == "approved" and event.partner_id is not None
    if approved and event.partner_id is not None:
        subject = f"Partner application approved: {application.name}"
        lines = [f"{application.name} is a community partner now, as '{event.partner_id}'."]
        link = Links.partner_path(event.partner_id)
    else:
        subject = f"Partner application declined: {application.name}"
        lines = [f"Your application for {application.name} was declined."]
        link = Links.partner_apply_path()
    if application.decision_message:
        lines += ["", application.decision_message]
    return Announcement(
        user_ids=(application.applicant_id,),
        event=f"partner.{'approve' if approved else 'decline'}",
        subject=subject,
        body="\n".join(lines),
        link=link,
        about=f"partner-decision{application.id}",
        payload={
            "application": {"id": application.id, "name": application.name},
            "decision": event.decision,
            "partner_id": event.partner_id,
            "message": application.decision_message,
        },
    )
