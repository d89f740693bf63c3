"""`watchkeeper init` and `watchkeeper users ...`: the node's agency and its users.

Generated passwords are printed once, on standard output, and stored only hashed.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from watchkeeper.accounts.errors import AccountError
from watchkeeper.accounts.roles import ROLE_PURPOSE, Role, parse_roles
from watchkeeper.accounts.users import (
    add_user,
    get_user,
    init_node,
    list_users,
    reset_password,
    set_disabled,
    set_roles,
)
from watchkeeper.cli.console import console_actor, open_accounts, read_secret

__all__ = ["app", "init"]

app = typer.Typer(help="The node's users, their roles and passwords.", no_args_is_help=True)

_ROLES_HELP = "Role, repeatable or comma-separated: " + ", ".join(Role)


def _roles(values: list[str] | None) -> frozenset[Role]:
    try:
        return parse_roles([part for value in values or [] for part in value.split(",") if part])
    except ValueError as exc:
        raise AccountError(str(exc)) from None


def _show_password(username: str, password: str | None) -> None:
    if password:
        typer.echo(f"password for {username} (shown once, store it safely): {password}")


def init(
    agency_code: Annotated[str, typer.Option(help="Short code of this node's agency, e.g. TN-GN.")],
    agency_name: Annotated[str, typer.Option(help="Full name of the agency.")],
    country: Annotated[str, typer.Option(help="ISO 3166-1 alpha-2 country code, e.g. TN.")],
    admin: Annotated[str, typer.Option(help="User name of the first administrator.")] = "admin",
) -> None:
    """Set up a new node: its agency and first administrator, whose password is printed once."""
    with open_accounts() as accounts:
        agency, password = init_node(
            accounts,
            console_actor(accounts),
            code=agency_code,
            name=agency_name,
            country=country,
            admin=admin,
        )
        typer.echo(f"node initialised for {agency.name} ({agency.code}, {agency.country})")
        _show_password(admin.strip().lower(), password)


@app.command("add")
def add(
    username: Annotated[str, typer.Argument(help="2-64 characters of a-z, 0-9, '.', '_', '-'.")],
    role: Annotated[list[str], typer.Option("--role", "-r", help=_ROLES_HELP)],
    full_name: Annotated[
        str, typer.Option(help="The person's name, for lists and the audit trail.")
    ] = "",
    password_stdin: Annotated[
        bool, typer.Option(help="Read the password from standard input instead of generating one.")
    ] = False,
) -> None:
    """Add a user of this node's agency."""
    with open_accounts() as accounts:
        password = read_secret("password") if password_stdin else None
        view, generated = add_user(
            accounts,
            console_actor(accounts),
            username,
            _roles(role),
            full_name=full_name,
            password=password,
        )
        typer.echo(f"added {view.username} with roles {', '.join(view.roles)}")
        _show_password(view.username, generated)


@app.command("list")
def list_command() -> None:
    """List the users, their roles and state."""
    table = Table("user", "name", "agency", "roles", "state", "password changed")
    with open_accounts() as accounts:
        views = list_users(accounts)
    for view in views:
        table.add_row(
            view.username,
            view.full_name,
            view.agency,
            ", ".join(view.roles),
            "disabled" if view.disabled else "active",
            f"{view.password_changed_at:%Y-%m-%d %H:%M}Z",
        )
    Console().print(table)


@app.command("disable")
def disable(username: str) -> None:
    """Disable a user: their sessions end and their tokens stop working."""
    with open_accounts() as accounts:
        view = set_disabled(accounts, console_actor(accounts), username, True)
        typer.echo(f"disabled {view.username}")


@app.command("enable")
def enable(username: str) -> None:
    """Enable a disabled user again."""
    with open_accounts() as accounts:
        view = set_disabled(accounts, console_actor(accounts), username, False)
        typer.echo(f"enabled {view.username}")


@app.command("reset-password")
def reset(
    username: str,
    password_stdin: Annotated[
        bool,
        typer.Option(help="Read the new password from standard input instead of generating one."),
    ] = False,
) -> None:
    """Give a user a new password (generated and printed once, unless read from stdin)."""
    with open_accounts() as accounts:
        password = read_secret("new password") if password_stdin else None
        generated = reset_password(accounts, console_actor(accounts), username, password)
        typer.echo(f"password of {username.strip().lower()} reset; their sessions are ended")
        _show_password(username.strip().lower(), generated)


@app.command("roles")
def roles(
    username: str,
    add: Annotated[list[str] | None, typer.Option("--add", help=_ROLES_HELP)] = None,
    remove: Annotated[list[str] | None, typer.Option("--remove", help=_ROLES_HELP)] = None,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Replace all roles. " + _ROLES_HELP)
    ] = None,
) -> None:
    """Show a user's roles, or change them (roles: `watchkeeper users roles-help`)."""
    with open_accounts() as accounts:
        if not (add or remove or set_):
            view = get_user(accounts, username)
            typer.echo(f"{view.username}: {', '.join(view.roles)}")
            return
        view = set_roles(
            accounts,
            console_actor(accounts),
            username,
            add=_roles(add),
            remove=_roles(remove),
            replace=_roles(set_) if set_ else None,
        )
        typer.echo(f"{view.username}: {', '.join(view.roles)}")


@app.command("roles-help")
def roles_help() -> None:
    """List the roles and what each is for."""
    for role, purpose in ROLE_PURPOSE.items():
        typer.echo(f"{role:<20} {purpose}")
