"""Approved partners on a real database: who may change them, their maintainers, their tokens
(stored hashed, shown once, revocable) and the resources under their id."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from modelhub.catalog.models import Resource, ResourceType
from modelhub.db import transaction
from modelhub.errors import HubError
from modelhub.hub import Hub
from modelhub.partners import registry, tokens
from modelhub.partners.models import PartnerToken
from modelhub.partners.schemas import PartnerUpdate
from tests.unit.partners.common import account, approved


def test_maintainers_and_admins_change_a_partner_others_may_not(
    hub: Hub, people: dict[str, int]
) -> None:
    approved(hub)
    for who, name in (("mo", "Lab Tools 2"), ("ada", "Lab Tools 3")):
        with transaction(hub.sessions) as db:
            registry.update_partner(
                db, partner_id="lab-tools", actor=account(hub, who),
                changes=PartnerUpdate(name=name, test_summary_url="https://ci.example.org/s"),
            )  # fmt: skip
    with transaction(hub.sessions) as db, pytest.raises(HubError) as info:
        registry.update_partner(
            db, partner_id="lab-tools", actor=account(hub, "nia"), changes=PartnerUpdate(name="x")
        )
    assert (info.value.code, info.value.status_code) == ("not_partner_maintainer", 403)
    with hub.sessions() as db:
        partner = registry.get_partner(db, partner_id="lab-tools")
        assert (partner.name, partner.test_summary_url) == (
            "Lab Tools 3", "https://ci.example.org/s",
        )  # fmt: skip
        assert partner.about_url == "https://lab.example.org/docs"  # not sent: kept


def test_maintainers_add_by_username_or_email_and_keep_at_least_one(
    hub: Hub, people: dict[str, int]
) -> None:
    approved(hub)
    with transaction(hub.sessions) as db:
        added = registry.add_maintainer(
            db, partner_id="lab-tools", actor=account(hub, "mo"), name="nia@lab.EXAMPLE.org"
        )
        assert added.username == "nia"
    with transaction(hub.sessions) as db, pytest.raises(HubError) as twice:
        registry.add_maintainer(db, partner_id="lab-tools", actor=account(hub, "mo"), name="nia")
    assert twice.value.code == "already_maintainer"
    with transaction(hub.sessions) as db, pytest.raises(HubError) as nobody:
        registry.add_maintainer(db, partner_id="lab-tools", actor=account(hub, "mo"), name="zed")
    assert (nobody.value.code, nobody.value.status_code) == ("unknown_account", 404)
    with transaction(hub.sessions) as db:  # a maintainer removes another one
        registry.remove_maintainer(
            db, partner_id="lab-tools", actor=account(hub, "nia"), username="mo"
        )
    with transaction(hub.sessions) as db, pytest.raises(HubError) as last:
        registry.remove_maintainer(
            db, partner_id="lab-tools", actor=account(hub, "ada"), username="nia"
        )
    assert (last.value.code, last.value.status_code) == ("last_maintainer", 409)
    with transaction(hub.sessions) as db, pytest.raises(HubError) as former:
        registry.add_maintainer(db, partner_id="lab-tools", actor=account(hub, "mo"), name="mo")
    assert former.value.code == "not_partner_maintainer"
    with hub.sessions() as db:
        people_of = registry.maintainers_of(db, partner_id="lab-tools")
        assert [u.username for u, _ in people_of] == ["nia"]


def test_partner_tokens_are_stored_hashed_and_revocable(hub: Hub, people: dict[str, int]) -> None:
    approved(hub)
    with transaction(hub.sessions) as db:
        token, secret = tokens.create_token(
            db, partner_id="lab-tools", actor=account(hub, "mo"), name="github-actions"
        )
        token_id = token.id
    assert secret.startswith("mhp_") and len(secret) > 40
    with hub.sessions() as db:
        row = db.get(PartnerToken, token_id)
        assert row is not None
        assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert row.prefix == secret[:12]
        assert secret not in {row.token_hash, row.prefix, row.name}
    with transaction(hub.sessions) as db:
        found = tokens.token_for_secret(db, secret=secret)
        assert found is not None and found.partner.id == "lab-tools"
        assert tokens.token_for_secret(db, secret=secret + "x") is None
    with transaction(hub.sessions) as db, pytest.raises(HubError) as outsider:
        tokens.revoke_token(
            db, partner_id="lab-tools", actor=account(hub, "nia"), token_id=token_id
        )
    assert outsider.value.code == "not_partner_maintainer"
    with transaction(hub.sessions) as db:
        tokens.revoke_token(
            db, partner_id="lab-tools", actor=account(hub, "ada"), token_id=token_id
        )
    with hub.sessions() as db:
        assert tokens.token_for_secret(db, secret=secret) is None
        row = db.get(PartnerToken, token_id)
        assert row is not None and row.revoked_at is not None


def test_a_token_belongs_to_one_partner(hub: Hub, people: dict[str, int]) -> None:
    approved(hub, "lab-tools")
    approved(hub, "other-lab", by="nia")
    with transaction(hub.sessions) as db:
        token, _ = tokens.create_token(db, partner_id="other-lab", actor=None, name="ci")
        token_id = token.id
    with transaction(hub.sessions) as db, pytest.raises(HubError) as info:
        tokens.revoke_token(db, partner_id="lab-tools", actor=account(hub, "mo"), token_id=token_id)
    assert (info.value.code, info.value.status_code) == ("token_not_found", 404)
    with hub.sessions() as db:
        rows = tokens.list_tokens(db, partner_id="lab-tools", actor=account(hub, "mo"))
        assert rows == []
        assert db.scalars(select(PartnerToken.revoked_at)).all() == [None]


def test_the_resources_of_a_partner_are_the_published_ones_from_its_collection(
    hub: Hub, people: dict[str, int]
) -> None:
    approved(hub, "lab")
    approved(hub, "lab-x")
    with transaction(hub.sessions) as db:
        for rid, latest, partner in (("lab/cells", 1, "lab"), ("lab/draft", None, "lab"),
                                     ("lab-x/cells", 1, "lab-x"), ("labcells", 1, None),
                                     ("lab/nuclei", 2, "lab")):  # fmt: skip
            db.add(
                Resource(
                    id=rid, emoji="🦠", type=ResourceType.model, name=rid, description="",
                    created_by_id=people["mo"], latest_version=latest, partner_id=partner,
                )
            )  # fmt: skip
    with hub.sessions() as db:
        found = registry.resources_of(db, partner_id="lab")
        assert [r.id for r in found] == ["lab/cells", "lab/nuclei"]
