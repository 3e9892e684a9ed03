"""Who may see and change what in the catalog (one place, used by api, pages and CLI).

A resource's maintainers are the accounts added to it (its first uploader, people an admin
added) and the accounts linked to the people its description names as maintainers (or, when
it names none, authors): matched by e-mail address or by GitHub user name, in the latest
published version or the open revision."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from modelhub.accounts.models import Role, User
from modelhub.catalog.models import (
    OPEN_STATUSES,
    Resource,
    ResourceMaintainer,
    ResourceVersion,
    VersionStatus,
)


def described_people(rdf: dict[str, Any]) -> list[dict[str, Any]]:
    """The description's maintainers, or its authors when it names no maintainer."""
    found = rdf.get("maintainers") or rdf.get("authors") or []
    return [p for p in found if isinstance(p, dict)] if isinstance(found, list) else []


def handles_of(rdf: dict[str, Any]) -> tuple[set[str], set[str]]:
    """(e-mail addresses, GitHub user names) of the described people, lower-cased."""
    people = described_people(rdf)
    emails = {p["email"].strip().lower() for p in people if isinstance(p.get("email"), str)}
    github = {
        p["github_user"].strip().lower() for p in people if isinstance(p.get("github_user"), str)
    }
    return emails - {""}, github - {""}


def _is_described(db: Session, *, resource: Resource, user: User) -> bool:
    rdfs = db.scalars(
        select(ResourceVersion.rdf).where(
            ResourceVersion.resource_id == resource.id,
            (ResourceVersion.status.in_(OPEN_STATUSES))
            | (
                (ResourceVersion.status == VersionStatus.published)
                & (ResourceVersion.number == resource.latest_version)
            ),
        )
    )
    # an address counts once confirmed; a GitHub user's name only for an account an admin named
    email = (user.email or "").strip().lower() if user.email_confirmed else ""
    name = "" if user.self_named else user.username.strip().lower()
    for rdf in rdfs:
        emails, github = handles_of(rdf)
        if (email and email in emails) or (name and name in github):
            return True
    return False


def is_maintainer(db: Session, *, resource: Resource, user: User | None) -> bool:
    if user is None:
        return False
    row = db.scalar(
        select(ResourceMaintainer.user_id).where(
            ResourceMaintainer.resource_id == resource.id, ResourceMaintainer.user_id == user.id
        )
    )
    return row is not None or _is_described(db, resource=resource, user=user)


def is_reviewer(user: User | None) -> bool:
    return user is not None and user.role.at_least(Role.reviewer)


DraftReaders = Callable[[Session, Resource, User], bool]
DRAFT_READERS_INFO = "modelhub.catalog.draft_readers"
"""``Session.info`` key of the hub's further draft readers: a ``DraftReaders`` callable set by
the composition root on its session factory (the maintainers of a partner whose compatibility
the open revision claims: ``review.duty``), which this layer cannot know of itself."""


def _further_reader(db: Session, *, resource: Resource, user: User) -> bool:
    readers = db.info.get(DRAFT_READERS_INFO)
    return bool(readers(db, resource, user)) if callable(readers) else False


def can_see_drafts(db: Session, *, resource: Resource, user: User | None) -> bool:
    """Drafts are visible to the resource's maintainers, reviewers and admins, and to the
    further readers the hub names (``DRAFT_READERS_INFO``)."""
    if user is None:
        return False
    return (
        is_reviewer(user)
        or is_maintainer(db, resource=resource, user=user)
        or _further_reader(db, resource=resource, user=user)
    )


def can_upload_to(db: Session, *, resource: Resource, user: User) -> bool:
    """New revisions come from the resource's maintainers (and admins); the same people
    submit, withdraw and answer a review of their draft."""
    return user.role.at_least(Role.admin) or is_maintainer(db, resource=resource, user=user)


def can_publish(user: User | None) -> bool:
    return user is not None and user.role.at_least(Role.admin)


def people_of(db: Session, *, version: ResourceVersion) -> list[User]:
    """The uploader, the resource's maintainers, and the description's maintainers (and, when
    it names none, authors) who have accounts here — matched by e-mail or by GitHub user name."""
    ids = {version.uploader_id}
    ids.update(
        db.scalars(
            select(ResourceMaintainer.user_id).where(
                ResourceMaintainer.resource_id == version.resource_id
            )
        )
    )
    emails, handles = handles_of(version.rdf)
    conditions = []
    if emails:
        # only a confirmed address: anyone may sign up giving someone else's
        conditions.append(and_(func.lower(User.email).in_(emails), User.email_confirmed))
    if handles:
        # a username its owner chose may be anyone's GitHub name
        conditions.append(and_(func.lower(User.username).in_(handles), ~User.self_named))
    if conditions:
        ids.update(db.scalars(select(User.id).where(or_(*conditions))))
    return list(db.scalars(select(User).where(User.id.in_(ids), User.is_active.is_(True))))
