"""unique e-mail: one account per e-mail address, compared without case

An account is matched as a resource's maintainer by the e-mail address its description names, so
two accounts with the same address (``Ada@lab.org`` and ``ada@lab.org``) would both be
maintainers. Addresses are trimmed (an empty one becomes none), then for addresses shared by
several accounts the oldest account (lowest id) keeps it and the others lose it (set to none;
an admin can set it again for the right account). Their usernames are logged, so that the
migration never fails on existing data. The unique index is on lower(email), on SQLite and
PostgreSQL alike.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

INDEX = "uq_users_email_lower"
log = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    conn = op.get_bind()
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("username", sa.String),
                     sa.column("email", sa.String))  # fmt: skip
    conn.execute(sa.update(users).values(email=sa.func.trim(users.c.email)))
    conn.execute(sa.update(users).where(users.c.email == "").values(email=None))
    rows = conn.execute(
        sa.select(users.c.id, users.c.username, users.c.email)
        .where(users.c.email.is_not(None))
        .order_by(users.c.id)
    ).all()
    kept: dict[str, str] = {}
    for user_id, username, email in rows:
        key = email.lower()
        if key in kept:
            log.warning(
                "e-mail %r is also the address of the older account %r: removed from %r",
                email,
                kept[key],
                username,
            )
            conn.execute(sa.update(users).where(users.c.id == user_id).values(email=None))
        else:
            kept[key] = username
    op.create_index(INDEX, "users", [sa.text("lower(email)")], unique=True)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="users")
