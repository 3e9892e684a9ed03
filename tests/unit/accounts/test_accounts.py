"""Accounts on a real database: password hashes, tokens shown once and stored hashed, revocation."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from modelhub.accounts import service
from modelhub.accounts.models import ApiToken, Role
from modelhub.db import transaction
from modelhub.errors import Conflict, InvalidRequest
from modelhub.hub import Hub


def test_passwords_are_argon2_hashed_and_checked(hub: Hub) -> None:
    with transaction(hub.sessions) as db:
        user = service.create_user(db, username="bea", password="s3cret-pass", role=Role.reviewer)
        assert user.password_hash and user.password_hash.startswith("$argon2")
        assert "s3cret-pass" not in user.password_hash
    with hub.sessions() as db:
        assert service.authenticate(db, username="bea", password="s3cret-pass") is not None
        assert service.authenticate(db, username="bea", password="wrong") is None
        assert service.authenticate(db, username="nobody", password="s3cret-pass") is None


def test_usernames_are_unique_and_well_formed(hub: Hub) -> None:
    with transaction(hub.sessions) as db:
        service.create_user(db, username="carl")
    for taken in ("carl", "Carl", "CARL"):  # also matched to GitHub users, without case
        with transaction(hub.sessions) as db, pytest.raises(Conflict) as info:
            service.create_user(db, username=taken)
        assert info.value.code == "username_taken"
    with transaction(hub.sessions) as db, pytest.raises(InvalidRequest):
        service.create_user(db, username="../x")


def test_tokens_are_stored_hashed_and_revocable(hub: Hub) -> None:
    with transaction(hub.sessions) as db:
        user = service.create_user(db, username="dora")
        token, secret = service.create_token(db, user=user, name="laptop")
        token_id = token.id
    with hub.sessions() as db:
        stored = db.scalars(select(ApiToken.token_hash)).all()
        assert secret not in stored and len(stored) == 1
        found = service.user_for_token(db, secret=secret)
        assert found is not None and found.username == "dora"
        assert service.user_for_token(db, secret=secret + "x") is None
    with transaction(hub.sessions) as db:
        owner = service.get_user(db, username="dora")
        service.revoke_token(db, user=owner, token_id=token_id)
    with hub.sessions() as db:
        assert service.user_for_token(db, secret=secret) is None


def test_roles_are_ordered() -> None:
    assert Role.admin.at_least(Role.reviewer) and Role.reviewer.at_least(Role.member)
    assert not Role.member.at_least(Role.reviewer)
