"""Partner review duty: the maintainers of a community partner review the drafts that claim
compatibility with it (``partners.claims``), besides the hub's reviewers and admins.

A partner maintainer keeps their own role (often a plain member): on an open revision that
claims their partner they see the draft, comment, request changes, reject and approve it as a
reviewer would (with the same rules: a passed check or a reason, nobody approves their own
upload); on any other draft they are refused with ``not_partner_review``. Which revision is
judged is always the open one: a new upload that drops the claim ends the duty.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from modelhub.accounts.models import User
from modelhub.catalog import access
from modelhub.catalog.models import Resource, ResourceVersion
from modelhub.catalog.service import open_draft
from modelhub.errors import Forbidden
from modelhub.partners.claims import claimed_partners
from modelhub.partners.models import Partner, PartnerMaintainer

NOT_PARTNER_REVIEW = "not_partner_review"


def partners_of(db: Session, *, user: User | None) -> list[str]:
    """The ids of the partners ``user`` maintains, sorted."""
    if user is None:
        return []
    query = select(PartnerMaintainer.partner_id).where(PartnerMaintainer.user_id == user.id)
    return sorted(db.scalars(query))


def claims(db: Session, *, version: ResourceVersion) -> list[str]:
    """The approved partners whose compatibility ``version`` claims, sorted."""
    return sorted(claimed_partners(version.rdf or {}, db.scalars(select(Partner.id))))


def duties(db: Session, *, version: ResourceVersion, user: User | None) -> list[str]:
    """The partners ``user`` reviews ``version`` for (those they maintain that it claims)."""
    return sorted(claimed_partners(version.rdf or {}, partners_of(db, user=user)))


def may_review(db: Session, *, version: ResourceVersion, user: User | None) -> bool:
    """Reviewers and admins review every draft; partner maintainers those claiming their
    partner."""
    return access.is_reviewer(user) or bool(duties(db, version=version, user=user))


def reads_draft(db: Session, resource: Resource, user: User) -> bool:
    """The hub's further draft readers (``catalog.access.DRAFT_READERS_INFO``): the maintainers
    of a partner that the resource's open revision claims."""
    mine = partners_of(db, user=user)  # most people maintain no partner: one query
    if not mine:
        return False
    version = open_draft(db, resource_id=resource.id)
    return version is not None and bool(claimed_partners(version.rdf or {}, mine))


def refuse_outside(db: Session, *, resource_id: str, user: User | None) -> None:
    """For a partner maintainer asking about an open draft that claims none of their partners:
    the 403 that says so (instead of the 404 everybody else gets)."""
    mine = partners_of(db, user=user)
    if not mine or db.get(Resource, resource_id) is None:
        return
    if open_draft(db, resource_id=resource_id) is None:
        return
    raise Forbidden(
        f"The open revision of '{resource_id}' does not claim compatibility with "
        f"{_names(mine)}, so its review belongs to the hub's reviewers. Partner maintainers "
        "review drafts that link to their partner, tag it or carry its config section.",
        code=NOT_PARTNER_REVIEW,
    )


def not_yours(version: ResourceVersion, user: User, mine: list[str]) -> Forbidden:
    """The 403 of a reviewer's action by somebody who is no reviewer for this revision."""
    if not mine:
        return Forbidden("Only reviewers and admins can review a draft.")
    return Forbidden(
        f"Revision {version.revision} of '{version.resource_id}' does not claim compatibility "
        f"with {_names(mine)}: {user.username} reviews drafts for those partners only.",
        code=NOT_PARTNER_REVIEW,
    )


def reviewers_for(db: Session, *, version: ResourceVersion) -> list[User]:
    """The active maintainers of the partners ``version`` claims (told of a submission)."""
    claimed = claims(db, version=version)
    if not claimed:
        return []
    query = (
        select(User)
        .join(PartnerMaintainer, PartnerMaintainer.user_id == User.id)
        .where(PartnerMaintainer.partner_id.in_(claimed), User.is_active.is_(True))
        .distinct()
    )
    return list(db.scalars(query))


def _names(partner_ids: list[str]) -> str:
    quoted = [f"'{p}'" for p in partner_ids]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
