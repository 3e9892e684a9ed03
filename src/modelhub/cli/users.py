"""``modelhub users …``: accounts, managed directly on the hub's database (run on the hub host)."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy.orm import Session, sessionmaker

from modelhub.accounts import service
from modelhub.accounts.models import Role
from modelhub.cli.database import migrate
from modelhub.cli.environment import load_settings
from modelhub.cli.options import JsonOption
from modelhub.cli.output import emit, fail
from modelhub.db import make_engine, make_session_factory, transaction
from modelhub.errors import HubError
from modelhub.private import private_dir

app = typer.Typer(
    help="Create accounts and API tokens on this machine's hub.", no_args_is_help=True
)


def local_sessions() -> sessionmaker[Session]:
    """The hub's database (migrated), without starting the rest of the hub."""
    settings = load_settings()
    private_dir(settings.data_dir)
    migrate(settings)
    return make_session_factory(make_engine(settings.resolved_database_url))


@app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="Username")],
    role: Annotated[Role, typer.Option(help="member, reviewer or admin")] = Role.member,
    password: Annotated[
        str | None, typer.Option(help="Password for the web login (none: token only)")
    ] = None,
    email: Annotated[str | None, typer.Option(help="E-mail address")] = None,
    as_json: JsonOption = False,
) -> None:
    """Create a user and an API token; the token is printed as the last line (shown only once)."""
    sessions = local_sessions()
    try:
        with transaction(sessions) as db:
            user = service.create_user(db, username=name, role=role, password=password, email=email)
            _, secret = service.create_token(db, user=user, name="created with the user")
    except HubError as exc:
        fail(exc.message, as_json=as_json, code=exc.code)
    emit(
        {"username": name, "role": role.value, "token": secret},
        as_json=as_json,
        lines=[f"created {role.value} '{name}'; API token (shown once):", secret],
    )


@app.command("token")
def token(
    name: Annotated[str, typer.Argument(help="Username")],
    label: Annotated[str, typer.Option(help="What the token is for")] = "cli",
    as_json: JsonOption = False,
) -> None:
    """Create another API token for an existing user; printed as the last line."""
    sessions = local_sessions()
    try:
        with transaction(sessions) as db:
            user = service.get_user(db, username=name)
            _, secret = service.create_token(db, user=user, name=label)
    except HubError as exc:
        fail(exc.message, as_json=as_json, code=exc.code)
    emit({"username": name, "token": secret}, as_json=as_json, lines=[secret])


@app.command("set-role")
def set_role(
    name: Annotated[str, typer.Argument(help="Username")],
    role: Annotated[Role, typer.Argument(help="member, reviewer or admin")],
    as_json: JsonOption = False,
) -> None:
    """Change a user's role."""
    sessions = local_sessions()
    try:
        with transaction(sessions) as db:
            service.set_role(db, username=name, role=role)
    except HubError as exc:
        fail(exc.message, as_json=as_json, code=exc.code)
    emit({"username": name, "role": role.value}, as_json=as_json, lines=[f"{name}: {role.value}"])
