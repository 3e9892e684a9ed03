"""Partner applications and their decision: an account applies, admins approve (under the
partner id agreed then) or decline with a message; the applicant hears of it (``PartnerDecided``).
Services never commit: the caller does."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from modelhub.accounts.models import Role, User
from modelhub.db import utcnow
from modelhub.errors import Forbidden, InvalidRequest
from modelhub.events import PartnerApplied, PartnerChanged, PartnerDecided, record
from modelhub.partners.models import (
    ApplicationStatus,
    Partner,
    PartnerApplication,
    PartnerMaintainer,
)
from modelhub.partners.rules import (
    AlreadyDecided,
    ApplicationNotFound,
    check_partner_id,
    check_url,
    id_taken,
    optional_url,
)
from modelhub.partners.schemas import ApplicationCreate


def is_admin(user: User | None) -> bool:
    return user is not None and user.role.at_least(Role.admin)


def apply(db: Session, *, applicant: User | None, data: ApplicationCreate) -> PartnerApplication:
    """Record an application (``applicant`` None: an admin on the hub's host)."""
    application = PartnerApplication(
        applicant_id=applicant.id if applicant else None,
        name=data.name.strip(),
        description=data.description.strip(),
        about_url=optional_url(data.about_url, loc="about_url"),
        resources=data.resources.strip(),
        collection_url=check_url(data.collection_url, loc="collection_url"),
        test_summary_url=optional_url(data.test_summary_url, loc="test_summary_url"),
        maintenance_plan=data.maintenance_plan.strip(),
        proposed_id=(
            check_partner_id(data.proposed_id, loc="proposed_id")
            if data.proposed_id and data.proposed_id.strip()
            else None
        ),
        status=ApplicationStatus.applied,
    )
    db.add(application)
    db.flush()
    record(db, PartnerApplied(application_id=application.id, applicant_id=application.applicant_id))
    return application


def get_application(db: Session, *, application_id: int, viewer: User) -> PartnerApplication:
    """One application, for its applicant and admins (to anyone else it does not exist)."""
    application = db.get(PartnerApplication, application_id)
    if application is None or not (is_admin(viewer) or application.applicant_id == viewer.id):
        raise ApplicationNotFound()
    return application


def list_applications(
    db: Session, *, viewer: User, status: ApplicationStatus | None = None
) -> list[PartnerApplication]:
    """Every application for admins, one's own for anyone else; waiting ones first, oldest
    first, then the decided ones, newest first."""
    query = select(PartnerApplication)
    if not is_admin(viewer):
        query = query.where(PartnerApplication.applicant_id == viewer.id)
    if status is not None:
        query = query.where(PartnerApplication.status == status)
    rows = list(db.scalars(query.order_by(PartnerApplication.id)))
    waiting = [a for a in rows if a.status == ApplicationStatus.applied]
    decided = [a for a in reversed(rows) if a.status != ApplicationStatus.applied]
    return waiting + decided


def _decider(actor: User | None) -> None:
    if actor is not None and not is_admin(actor):
        raise Forbidden("Only an admin can decide on partner applications.")


def _decide(
    db: Session,
    application: PartnerApplication,
    *,
    status: ApplicationStatus,
    actor: User | None,
    message: str | None,
    partner_id: str | None,
) -> None:
    """The one guarded change of state: of two admins deciding at once, one wins, the other
    gets 409 ``already_decided``."""
    result = db.execute(
        update(PartnerApplication)
        .where(
            PartnerApplication.id == application.id,
            PartnerApplication.status == ApplicationStatus.applied,
        )
        .values(
            status=status,
            decided_at=utcnow(),
            decided_by_id=actor.id if actor else None,
            decision_message=message,
            partner_id=partner_id,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        db.refresh(application)
        raise AlreadyDecided(application.status.value)
    db.refresh(application)
    record(
        db,
        PartnerDecided(
            application_id=application.id,
            decision=status.value,
            partner_id=partner_id,
            actor_id=actor.id if actor else None,
        ),
    )


def approve(
    db: Session,
    *,
    application_id: int,
    actor: User | None,
    partner_id: str,
    message: str | None = None,
) -> Partner:
    """Make the applicant a partner under ``partner_id`` (admins; ``actor`` None: the hub's
    host). The applicant becomes its first maintainer."""
    _decider(actor)
    application = db.get(PartnerApplication, application_id)
    if application is None:
        raise ApplicationNotFound()
    if application.status != ApplicationStatus.applied:
        raise AlreadyDecided(application.status.value)
    agreed = check_partner_id(partner_id)
    if db.get(Partner, agreed) is not None:
        raise id_taken(agreed)
    partner = Partner(
        id=agreed,
        name=application.name,
        description=application.description,
        about_url=application.about_url,
        collection_url=application.collection_url,
        test_summary_url=application.test_summary_url,
    )
    try:
        with db.begin_nested():  # two approvals racing for one id: the second is refused
            db.add(partner)
            db.flush()
    except IntegrityError:
        raise id_taken(agreed) from None
    if application.applicant_id is not None:
        db.add(PartnerMaintainer(partner_id=agreed, user_id=application.applicant_id))
    record(db, PartnerChanged(partner_id=agreed))  # a new partner of collection.json
    text = message.strip() if message and message.strip() else None
    _decide(
        db,
        application,
        status=ApplicationStatus.approved,
        actor=actor,
        message=text,
        partner_id=agreed,
    )
    db.flush()
    return partner


def decline(
    db: Session, *, application_id: int, actor: User | None, message: str
) -> PartnerApplication:
    """Decline with a message for the applicant (admins)."""
    _decider(actor)
    application = db.get(PartnerApplication, application_id)
    if application is None:
        raise ApplicationNotFound()
    text = message.strip()
    if not text:
        raise InvalidRequest("Tell the applicant why.", code="message_required")
    _decide(
        db,
        application,
        status=ApplicationStatus.declined,
        actor=actor,
        message=text,
        partner_id=None,
    )
    return application
