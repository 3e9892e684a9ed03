"""``/users/<username>``: a person's public profile and the resources they published (JSON
twin ``?format=json``). Only what they chose to show: never their e-mail address."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import or_, select

from modelhub.accounts.deps import OptionalUser
from modelhub.accounts.models import User
from modelhub.catalog.models import Resource, ResourceMaintainer
from modelhub.deps import DbSession
from modelhub.errors import ResourceNotFound
from modelhub.links import Links
from modelhub.web import render

router = APIRouter(include_in_schema=False)


class PublishedResource(BaseModel):
    id: str
    name: str
    type: str
    emoji: str
    published_at: datetime | None
    url: str


class PersonPage(BaseModel):
    username: str
    display_name: str | None
    affiliation: str | None
    orcid: str | None
    github: str | None
    joined: datetime
    resources: list[PublishedResource]


@router.get("/users/{username}")
def person(request: Request, username: str, db: DbSession, user: OptionalUser) -> Response:
    """Someone's profile and the published resources they created or maintain."""
    who = db.scalar(select(User).where(User.username == username[:64], User.is_active))
    if who is None:
        raise ResourceNotFound(f"There is no user '{username[:64]}'.")
    maintained = select(ResourceMaintainer.resource_id).where(ResourceMaintainer.user_id == who.id)
    rows = db.scalars(
        select(Resource)
        .where(
            or_(Resource.created_by_id == who.id, Resource.id.in_(maintained)),
            Resource.published_at.is_not(None),
            Resource.latest_version.is_not(None),
        )
        .order_by(Resource.published_at.desc())
        .limit(500)
    )
    resources = [
        PublishedResource(id=r.id, name=r.name, type=r.type.value, emoji=r.emoji,
                          published_at=r.published_at, url=Links.resource_path(r.id))
        for r in rows
    ]  # fmt: skip
    data = PersonPage(
        username=who.username, display_name=who.display_name, affiliation=who.affiliation,
        orcid=who.orcid, github=who.github, joined=who.created_at, resources=resources,
    )  # fmt: skip
    return render.page(request, "person.html", data, extra={"user": user})
