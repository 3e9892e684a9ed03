"""Approved partners: finding them, their details and who maintains them. A partner's
maintainers and the hub's admins change them; ``actor`` None is an admin on the hub's host."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from modelhub.accounts.models import User
from modelhub.catalog.models import Resource
from modelhub.errors import Conflict, Forbidden, HubError
from modelhub.events import PartnerChanged, record
from modelhub.partners.models import Partner, PartnerMaintainer
from modelhub.partners.rules import PartnerNotFound, check_url, optional_url
from modelhub.partners.schemas import PartnerUpdate
from modelhub.partners.service import is_admin


def get_partner(db: Session, *, partner_id: str) -> Partner:
    partner = db.get(Partner, partner_id)
    if partner is None:
        raise PartnerNotFound(partner_id)
    return partner


def list_partners(db: Session) -> list[Partner]:
    return list(db.scalars(select(Partner).order_by(Partner.id)))


def maintainers_of(db: Session, *, partner_id: str) -> list[tuple[User, PartnerMaintainer]]:
    rows = db.execute(
        select(User, PartnerMaintainer)
        .join(PartnerMaintainer, PartnerMaintainer.user_id == User.id)
        .where(PartnerMaintainer.partner_id == partner_id)
        .order_by(User.username)
    )
    return [(user, link) for user, link in rows]


def maintains(db: Session, *, partner_id: str, user: User | None) -> bool:
    return user is not None and db.get(PartnerMaintainer, (partner_id, user.id)) is not None


def can_manage(db: Session, *, partner_id: str, user: User | None) -> bool:
    """Its maintainers and the admins change a partner, its maintainers and its tokens."""
    return is_admin(user) or maintains(db, partner_id=partner_id, user=user)


def managed(db: Session, *, partner_id: str, actor: User | None) -> Partner:
    """The partner, when ``actor`` may change it (``actor`` None: the hub's host)."""
    partner = get_partner(db, partner_id=partner_id)
    if actor is not None and not can_manage(db, partner_id=partner_id, user=actor):
        raise Forbidden(
            f"Only the maintainers of '{partner_id}' and admins can change it.",
            code="not_partner_maintainer",
        )
    return partner


def find_account(db: Session, *, name: str) -> User:
    """The active account with this username or e-mail address (e-mail without case)."""
    wanted = name.strip()
    user = db.scalar(select(User).where(User.username == wanted))
    if user is None and "@" in wanted:
        # only a confirmed address: anyone may sign up giving someone else's
        user = db.scalar(
            select(User).where(func.lower(User.email) == wanted.lower(), User.email_confirmed)
        )
    if user is None or not user.is_active:
        raise HubError(
            message=f"There is no active account '{wanted}' (give a username or an e-mail).",
            status_code=404,
            code="unknown_account",
        )
    return user


def update_partner(
    db: Session, *, partner_id: str, actor: User | None, changes: PartnerUpdate
) -> Partner:
    """Change the fields that ``changes`` sets (maintainers and admins)."""
    partner = managed(db, partner_id=partner_id, actor=actor)
    given = changes.model_fields_set
    if "name" in given and changes.name is not None:
        partner.name = changes.name.strip()
    if "description" in given:
        partner.description = (changes.description or "").strip()
    if "about_url" in given:
        partner.about_url = optional_url(changes.about_url, loc="about_url")
    if "collection_url" in given and changes.collection_url is not None:
        partner.collection_url = check_url(changes.collection_url, loc="collection_url")
    if "test_summary_url" in given:
        partner.test_summary_url = optional_url(changes.test_summary_url, loc="test_summary_url")
    if db.is_modified(partner):
        record(db, PartnerChanged(partner_id=partner.id))  # collection.json shows it
    db.flush()
    return partner


def add_maintainer(db: Session, *, partner_id: str, actor: User | None, name: str) -> User:
    """Let the account ``name`` (username or e-mail) maintain the partner."""
    managed(db, partner_id=partner_id, actor=actor)
    user = find_account(db, name=name)
    if db.get(PartnerMaintainer, (partner_id, user.id)) is not None:
        raise Conflict(
            f"'{user.username}' already maintains '{partner_id}'.", code="already_maintainer"
        )
    db.add(PartnerMaintainer(partner_id=partner_id, user_id=user.id))
    db.flush()
    return user


def remove_maintainer(db: Session, *, partner_id: str, actor: User | None, username: str) -> None:
    """Remove a maintainer; never the last one (a partner always has somebody to answer)."""
    managed(db, partner_id=partner_id, actor=actor)
    user = db.scalar(select(User).where(User.username == username))
    row = db.get(PartnerMaintainer, (partner_id, user.id)) if user else None
    if row is None:
        raise HubError(
            message=f"'{username}' does not maintain '{partner_id}'.",
            status_code=404,
            code="not_maintainer",
        )
    count = db.scalar(select(func.count()).where(PartnerMaintainer.partner_id == partner_id))
    if count == 1:
        raise Conflict(
            f"'{username}' is the last maintainer of '{partner_id}': add another one first.",
            code="last_maintainer",
        )
    db.delete(row)
    db.flush()


def resources_of(db: Session, *, partner_id: str) -> list[Resource]:
    """The partner's published resources (from its collection: ``<partner id>/<name>``, or a
    mirror's own ids)."""
    query = (
        select(Resource)
        .where(Resource.partner_id == partner_id, Resource.latest_version.is_not(None))
        .order_by(Resource.id)
    )
    return list(db.scalars(query))
