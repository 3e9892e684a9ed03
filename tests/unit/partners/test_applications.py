"""Partner applications on a real database: applying, approving under an agreed id, declining
with a message, the id rules, clashes, and the applicant hearing of the decision."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from modelhub.db import transaction
from modelhub.errors import Forbidden, HubError
from modelhub.events.models import DomainEvent
from modelhub.hub import Hub
from modelhub.notifications.models import Notification
from modelhub.partners import registry, service
from modelhub.partners.models import ApplicationStatus, Partner, PartnerApplication
from modelhub.partners.rules import check_partner_id
from tests.unit.partners.common import account, application, applied, approved


def test_an_approved_application_makes_a_partner_maintained_by_its_applicant(
    hub: Hub, people: dict[str, int]
) -> None:
    application_id = applied(hub)
    with transaction(hub.sessions) as db:
        partner = service.approve(
            db, application_id=application_id, actor=account(hub, "ada"),
            partner_id="lab-tools", message="Welcome!",
        )  # fmt: skip
        assert partner.id == "lab-tools"
    with hub.sessions() as db:
        row = db.get(PartnerApplication, application_id)
        assert row is not None
        assert (row.status, row.partner_id, row.decided_by_id, row.decision_message) == (
            ApplicationStatus.approved, "lab-tools", people["ada"], "Welcome!",
        )  # fmt: skip
        stored = db.get(Partner, "lab-tools")
        assert stored is not None
        assert (stored.name, stored.collection_url, stored.about_url) == (
            "Lab Tools", "https://lab.example.org/collection.yaml", "https://lab.example.org/docs",
        )  # fmt: skip
        assert (stored.last_sync_attempt_at, stored.last_sync_success_at) == (None, None)
        people_of = registry.maintainers_of(db, partner_id="lab-tools")
        assert [u.username for u, _ in people_of] == ["mo"]
        names = list(db.scalars(select(DomainEvent.name).order_by(DomainEvent.id)))
        assert names == ["PartnerApplied", "PartnerChanged", "PartnerDecided"]
        heard = db.execute(select(Notification.user_id, Notification.kind, Notification.body))
        by_kind = {(uid, kind): body for uid, kind, body in heard}
    assert set(by_kind) == {(people["ada"], "partner.apply"), (people["mo"], "partner.approve")}
    assert by_kind[(people["mo"], "partner.approve")] == (
        "Lab Tools is a community partner now, as 'lab-tools'.\n\nWelcome!"
    )


def test_a_declined_application_tells_the_applicant_why(hub: Hub, people: dict[str, int]) -> None:
    application_id = applied(hub)
    with transaction(hub.sessions) as db, pytest.raises(HubError) as empty:
        service.decline(db, application_id=application_id, actor=account(hub, "ada"), message=" ")
    assert empty.value.code == "message_required"
    with transaction(hub.sessions) as db:
        service.decline(
            db, application_id=application_id, actor=account(hub, "ada"), message="Not yet."
        )
    with hub.sessions() as db:
        assert db.scalars(select(Partner)).all() == []
        note = db.scalar(select(Notification).where(Notification.user_id == people["mo"]))
        assert note is not None
        assert (note.kind, note.link) == ("partner.decline", "/partners/apply")
        assert note.body == "Your application for Lab Tools was declined.\n\nNot yet."


def test_a_decision_is_taken_once(hub: Hub, people: dict[str, int]) -> None:
    first = applied(hub)
    with transaction(hub.sessions) as db:
        service.decline(db, application_id=first, actor=account(hub, "ada"), message="No.")
    with transaction(hub.sessions) as db, pytest.raises(HubError) as again:
        service.approve(db, application_id=first, actor=account(hub, "ada"), partner_id="lab")
    with transaction(hub.sessions) as db, pytest.raises(HubError) as twice:
        service.decline(db, application_id=first, actor=account(hub, "ada"), message="x")
    for info in (again, twice):
        assert (info.value.code, info.value.status_code) == ("already_decided", 409)
        assert info.value.message == "This application was already declined."


def test_only_admins_decide(hub: Hub, people: dict[str, int]) -> None:
    application_id = applied(hub)
    with transaction(hub.sessions) as db, pytest.raises(Forbidden):
        service.approve(db, application_id=application_id, actor=account(hub, "nia"),
                        partner_id="lab")  # fmt: skip
    with transaction(hub.sessions) as db, pytest.raises(Forbidden):
        service.decline(db, application_id=application_id, actor=account(hub, "mo"), message="x")
    with hub.sessions() as db:
        row = db.get(PartnerApplication, application_id)
        assert row is not None and row.status == ApplicationStatus.applied


def test_an_agreed_id_that_is_taken_is_refused(hub: Hub, people: dict[str, int]) -> None:
    approved(hub, "lab-tools")
    second = applied(hub, by="nia")
    with transaction(hub.sessions) as db, pytest.raises(HubError) as info:
        service.approve(db, application_id=second, actor=account(hub, "ada"),
                        partner_id="lab-tools")  # fmt: skip
    assert (info.value.code, info.value.status_code) == ("partner_id_taken", 409)
    with hub.sessions() as db:
        row = db.get(PartnerApplication, second)
        assert row is not None and row.status == ApplicationStatus.applied
        assert [p.id for p in db.scalars(select(Partner))] == ["lab-tools"]


@pytest.mark.parametrize(
    "text",
    ["a", "x" * 33, "Ilastik", "-lab", "lab-", "la--b", "la_b", "lab/x", "lab tools", "9lab",
     "apply", "me", "applications", "", "läb"],
)  # fmt: skip
def test_partner_ids_follow_the_rules(text: str) -> None:
    with pytest.raises(HubError) as info:
        check_partner_id(text)
    assert (info.value.code, info.value.status_code) == ("invalid_partner_id", 400)


@pytest.mark.parametrize(
    "text", ["ilastik", "zero", "dl4miceverywhere", "my-lab-2", "ab", "x" * 32]
)
def test_well_formed_partner_ids_are_kept(text: str) -> None:
    assert check_partner_id(f" {text} ") == text


@pytest.mark.parametrize(
    ("field", "value"),
    [("collection_url", "ftp://lab.example.org/c.yaml"), ("collection_url", "lab.example.org"),
     ("about_url", "javascript:alert(1)"), ("test_summary_url", "http://[::1"),
     ("collection_url", "https://lab.example.org/a b")],
)  # fmt: skip
def test_addresses_are_http_or_https(
    hub: Hub, people: dict[str, int], field: str, value: str
) -> None:
    with transaction(hub.sessions) as db, pytest.raises(HubError) as info:
        service.apply(db, applicant=account(hub, "mo"), data=application(**{field: value}))
    assert info.value.code == "invalid_url"
    assert [d.loc for d in info.value.details] == [(field,)]


def test_applicants_see_their_own_applications_admins_all(hub: Hub, people: dict[str, int]) -> None:
    mine, theirs = applied(hub, by="mo"), applied(hub, by="nia")
    with hub.sessions() as db:
        mo, admin = account(hub, "mo"), account(hub, "ada")
        assert [a.id for a in service.list_applications(db, viewer=mo)] == [mine]
        assert [a.id for a in service.list_applications(db, viewer=admin)] == [mine, theirs]
        with pytest.raises(HubError) as info:
            service.get_application(db, application_id=theirs, viewer=mo)
        assert (info.value.code, info.value.status_code) == ("application_not_found", 404)
