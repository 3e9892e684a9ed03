"""Helpers of the partner service tests: applications on a real database."""

from __future__ import annotations

from sqlalchemy import select

from modelhub.accounts.models import User
from modelhub.db import transaction
from modelhub.hub import Hub
from modelhub.partners import service
from modelhub.partners.schemas import ApplicationCreate


def application(**changes: str | None) -> ApplicationCreate:
    fields: dict[str, str | None] = {
        "name": "Lab Tools",
        "description": "A viewer for microscopy images.",
        "about_url": "https://lab.example.org/docs",
        "resources": "Two segmentation models.",
        "collection_url": "https://lab.example.org/collection.yaml",
        "test_summary_url": None,
        "maintenance_plan": "Two people keep it up to date.",
        "proposed_id": "lab-tools",
    }
    fields.update(changes)
    return ApplicationCreate.model_validate(fields)


def user(db_user: User | None) -> User:
    if db_user is None:
        raise LookupError("no such user")
    return db_user


def account(hub: Hub, name: str) -> User:
    with hub.sessions() as db:
        return user(db.scalar(select(User).where(User.username == name)))


def applied(hub: Hub, by: str = "mo", **changes: str | None) -> int:
    """An application by ``by``: its id."""
    with transaction(hub.sessions) as db:
        applicant = user(db.scalar(select(User).where(User.username == by)))
        return service.apply(db, applicant=applicant, data=application(**changes)).id


def approved(hub: Hub, partner_id: str = "lab-tools", by: str = "mo") -> str:
    application_id = applied(hub, by=by)
    with transaction(hub.sessions) as db:
        admin = user(db.scalar(select(User).where(User.username == "ada")))
        service.approve(db, application_id=application_id, actor=admin, partner_id=partner_id)
    return partner_id
