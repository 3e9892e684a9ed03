"""Pydantic I/O for accounts."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from modelhub.accounts.models import Role


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    role: Role
    created_at: datetime


class TokenCreate(BaseModel):
    name: str = Field(default="api", min_length=1, max_length=100)


class TokenRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenRead):
    """Returned once, when the token is made: the only time the secret is shown."""

    token: str


class UserUpdate(BaseModel):
    """What an admin can change about an account."""

    role: Role | None = None
    is_active: bool | None = None


class UserCreate(BaseModel):
    """A new account made by an admin."""

    username: str = Field(max_length=64)
    role: Role = Role.member
    email: str | None = Field(default=None, max_length=320)
    password: str | None = Field(
        default=None, max_length=1024, description="For the web login; none: API tokens only"
    )


class UserAdminRead(UserRead):
    email: str | None
    is_active: bool
