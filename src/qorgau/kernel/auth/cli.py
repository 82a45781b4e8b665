"""``qorgau users``: add users, ensure the admin exists, issue API tokens."""

from __future__ import annotations

import os
import secrets
from typing import Annotated

import typer

from qorgau.kernel.auth.domain import ROLES
from qorgau.kernel.auth.service import InvalidUser, do_create_api_token, do_create_user, do_set_password
from qorgau.kernel.auth.store import UserRepository
from qorgau.kernel.clitools import DataDirOption, JsonOption, emit_json, fail
from qorgau.kernel.context import cli_principal, open_database

app = typer.Typer(name="users", help="Users, roles and API tokens.", no_args_is_help=True)


@app.command("add")
def add_user(
    username: Annotated[str, typer.Option(help="Login name (lower-case letters, digits, _ . -).")],
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLES)}.")],
    display_name: Annotated[str | None, typer.Option(help="Full name shown in the UI.")] = None,
    language: Annotated[str, typer.Option(help="ru, kk or en.")] = "ru",
    data_dir: DataDirOption = None,
    json: JsonOption = False,
) -> None:
    """Add a user; the password comes from QORGAU_USER_PASSWORD or is asked for."""
    if role not in ROLES:
        fail(f"--role: unknown role {role!r}; one of {', '.join(ROLES)}")
    password = os.environ.get("QORGAU_USER_PASSWORD")
    if not password:
        try:
            password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        except (typer.Abort, EOFError):
            fail("no password: set QORGAU_USER_PASSWORD or type one at the prompt")
    database = open_database(data_dir)
    try:
        with database.session() as session:
            user = do_create_user(
                session,
                cli_principal(),
                username,
                password,
                role,
                display_name=display_name,
                language=language,
            )
            user_id = user.id
    except InvalidUser as exc:
        fail(str(exc))
    if json:
        emit_json({"id": user_id, "username": username, "role": role})
    else:
        typer.echo(f"user {username} ({role}) added")


@app.command("ensure-admin")
def ensure_admin(data_dir: DataDirOption = None) -> None:
    """Create ``admin`` when missing; password from QORGAU_ADMIN_PASSWORD, else generated and printed once."""
    database = open_database(data_dir)
    with database.session() as session:
        if UserRepository(session).by_username("admin"):
            typer.echo("admin user exists", err=True)
            return
        password = os.environ.get("QORGAU_ADMIN_PASSWORD")
        generated = not password
        password = password or secrets.token_urlsafe(12)
        try:
            do_create_user(session, cli_principal(), "admin", password, "admin", display_name="Administrator")
        except InvalidUser as exc:
            fail(f"QORGAU_ADMIN_PASSWORD: {exc}")
    if generated:
        typer.echo("=" * 64)
        typer.echo(f"  admin password (shown once): {password}")
        typer.echo("  set QORGAU_ADMIN_PASSWORD to choose it yourself")
        typer.echo("=" * 64)
    else:
        typer.echo("admin user created with QORGAU_ADMIN_PASSWORD", err=True)


@app.command("password")
def set_password(username: Annotated[str, typer.Option()], data_dir: DataDirOption = None) -> None:
    """Set a user's password (from QORGAU_USER_PASSWORD or the prompt)."""
    password = os.environ.get("QORGAU_USER_PASSWORD") or typer.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    database = open_database(data_dir)
    try:
        with database.session() as session:
            user = UserRepository(session).by_username(username)
            if user is None:
                fail(f"--username: no user {username!r}")
            do_set_password(session, cli_principal(), user, password)
    except InvalidUser as exc:
        fail(str(exc))


@app.command("list")
def list_users(data_dir: DataDirOption = None, json: JsonOption = False) -> None:
    """Every user with role and language."""
    database = open_database(data_dir)
    with database.session() as session:
        rows = [
            {"id": u.id, "username": u.username, "role": u.role, "language": u.language, "active": u.active}
            for u in UserRepository(session).list()
        ]
    if json:
        emit_json({"users": rows})
        return
    for row in rows:
        typer.echo(f"{row['username']:<24} {row['role']:<20} {row['language']}")


@app.command("token")
def issue_token(
    username: Annotated[str, typer.Option()],
    name: Annotated[str, typer.Option(help="What the token is for.")] = "cli",
    days: Annotated[int, typer.Option(min=1, max=3650)] = 365,
    data_dir: DataDirOption = None,
) -> None:
    """Issue a bearer token for the API; it is printed once and stored only as a hash."""
    database = open_database(data_dir)
    with database.session() as session:
        user = UserRepository(session).by_username(username)
        if user is None:
            fail(f"--username: no user {username!r}")
        typer.echo(do_create_api_token(session, cli_principal(), user, name, days=days))
