"""JSON routes for the signed-in user: who am I, API tokens."""

from __future__ import annotations

from fastapi import APIRouter

from modelhub.accounts import service
from modelhub.accounts.deps import AdminUser, CurrentUser
from modelhub.accounts.schemas import (
    TokenCreate,
    TokenCreated,
    TokenRead,
    UserAdminRead,
    UserCreate,
    UserRead,
    UserUpdate,
)
from modelhub.deps import DbSession

router = APIRouter(prefix="/api/v1", tags=["accounts"])


@router.get("/me")
def me(user: CurrentUser) -> UserRead:
    """The account of the token or login used."""
    return UserRead.model_validate(user)


@router.get("/tokens")
def list_tokens(user: CurrentUser, db: DbSession) -> list[TokenRead]:
    """Your API tokens (their secrets are never shown again)."""
    return [TokenRead.model_validate(t) for t in service.list_tokens(db, user=user)]


@router.post("/tokens", status_code=201)
def create_token(user: CurrentUser, db: DbSession, body: TokenCreate) -> TokenCreated:
    """Create an API token. The answer holds the secret: this is the only time it is shown."""
    token, secret = service.create_token(db, user=user, name=body.name)
    db.commit()
    return TokenCreated(**TokenRead.model_validate(token).model_dump(), token=secret)


@router.delete("/tokens/{token_id}")
def revoke_token(token_id: int, user: CurrentUser, db: DbSession) -> TokenRead:
    """Revoke one of your tokens; it stops working at once."""
    token = service.revoke_token(db, user=user, token_id=token_id)
    db.commit()
    return TokenRead.model_validate(token)


@router.get("/users")
def list_users(admin: AdminUser, db: DbSession) -> list[UserAdminRead]:
    """Every account with its role (admins)."""
    return [UserAdminRead.model_validate(u) for u in service.list_users(db)]


@router.post("/users", status_code=201)
def create_user(admin: AdminUser, db: DbSession, body: UserCreate) -> UserAdminRead:
    """Create an account (admins): 409 username_taken, 400 invalid_username / weak_password."""
    user = service.create_user(
        db, username=body.username, role=body.role, email=body.email or None, password=body.password
    )
    db.commit()
    return UserAdminRead.model_validate(user)


@router.patch("/users/{username}")
def update_user(username: str, admin: AdminUser, db: DbSession, body: UserUpdate) -> UserAdminRead:
    """Change an account's role or deactivate it (admins). Admins cannot demote or deactivate
    themselves, so that a hub always keeps an admin."""
    user = service.update_user(
        db, actor=admin, username=username, role=body.role, is_active=body.is_active
    )
    db.commit()
    return UserAdminRead.model_validate(user)
