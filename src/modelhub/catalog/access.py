"""Who may see and change what in the catalog (one place, used by api, pages and CLI)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from modelhub.accounts.models import Role, User
from modelhub.catalog.models import Resource, ResourceMaintainer


def is_maintainer(db: Session, *, resource: Resource, user: User | None) -> bool:
    if user is None:
        return False
    row = db.scalar(
        select(ResourceMaintainer.user_id).where(
            ResourceMaintainer.resource_id == resource.id, ResourceMaintainer.user_id == user.id
        )
    )
    return row is not None


def can_see_drafts(db: Session, *, resource: Resource, user: User | None) -> bool:
    """Drafts are visible to the resource's maintainers, reviewers and admins."""
    if user is None:
        return False
    return user.role.at_least(Role.reviewer) or is_maintainer(db, resource=resource, user=user)


def can_upload_to(db: Session, *, resource: Resource, user: User) -> bool:
    """New revisions come from the resource's maintainers (and admins)."""
    return user.role.at_least(Role.admin) or is_maintainer(db, resource=resource, user=user)


def can_publish(user: User | None) -> bool:
    return user is not None and user.role.at_least(Role.admin)
