"""The accounts that maintain a resource: listed for everybody who sees it, changed by admins."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from modelhub.accounts.models import User
from modelhub.accounts.service import get_user
from modelhub.catalog import access
from modelhub.catalog.models import ResourceMaintainer
from modelhub.catalog.service import get_resource
from modelhub.errors import Conflict, Forbidden, ResourceNotFound


def list_maintainers(db: Session, *, resource_id: str, viewer: User | None) -> list[User]:
    """Accounts added as maintainers (the described people are matched on the fly)."""
    get_resource(db, resource_id=resource_id, viewer=viewer)
    return list(
        db.scalars(
            select(User)
            .join(ResourceMaintainer, ResourceMaintainer.user_id == User.id)
            .where(ResourceMaintainer.resource_id == resource_id)
            .order_by(User.username)
        )
    )


def _admin(actor: User) -> None:
    if not access.can_publish(actor):
        raise Forbidden("Only admins can change who maintains a resource.")


def add_maintainer(db: Session, *, resource_id: str, actor: User, username: str) -> User:
    """Let ``username`` upload, submit and withdraw revisions of the resource (admins)."""
    _admin(actor)
    get_resource(db, resource_id=resource_id, viewer=actor)
    user = get_user(db, username=username)
    if db.get(ResourceMaintainer, (resource_id, user.id)) is not None:
        raise Conflict(
            f"'{username}' already maintains '{resource_id}'.", code="already_maintainer"
        )
    db.add(ResourceMaintainer(resource_id=resource_id, user_id=user.id))
    db.flush()
    return user


def remove_maintainer(db: Session, *, resource_id: str, actor: User, username: str) -> None:
    """Remove an added maintainer (admins). People named in the description stay linked."""
    _admin(actor)
    get_resource(db, resource_id=resource_id, viewer=actor)
    user = get_user(db, username=username)
    row = db.get(ResourceMaintainer, (resource_id, user.id))
    if row is None:
        raise ResourceNotFound(f"'{username}' is not an added maintainer of '{resource_id}'.")
    db.delete(row)
    db.flush()
