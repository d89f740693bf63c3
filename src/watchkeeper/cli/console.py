"""What commands share: the records database, who acts at the console, times given as options."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import typer

from watchkeeper.accounts.context import Accounts
from watchkeeper.accounts.users import own_agency
from watchkeeper.audit.trail import Actor
from watchkeeper.errors import InputError
from watchkeeper.settings import load_settings

__all__ = ["console_actor", "open_accounts", "parse_time", "read_secret"]


@contextmanager
def open_accounts() -> Iterator[Accounts]:
    """The node's records database (migrated), from the settings; closed on leaving."""
    accounts = Accounts.open(load_settings())
    try:
        yield accounts
    finally:
        accounts.db.close()


def console_actor(accounts: Accounts) -> Actor:
    """The operator at the node's console, as the audit trail names them (`console:USER`)."""
    with accounts.db.transaction() as session:
        agency = own_agency(session)
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    return Actor(
        name=f"console:{who}",
        agency=agency.code if agency else "",
        roles=("console",),
        client="local",
    )


def read_secret(prompt: str) -> str:
    """A password from standard input: typed without echo, or one line when piped."""
    if sys.stdin.isatty():
        first = getpass.getpass(f"{prompt}: ")
        if getpass.getpass("again: ") != first:
            raise typer.BadParameter("the two entries differ")
        return first
    return sys.stdin.readline().rstrip("\n")


def parse_time(option: str, text: str | None) -> datetime | None:
    """An ISO 8601 time with a UTC offset given as `option`; `InputError` saying what is wrong."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"{option} {text!r}: not an ISO 8601 time such as 2026-07-15T00:00:00Z"
        ) from None
    if moment.utcoffset() is None:
        raise InputError(f"{option} {text!r}: give a UTC offset, e.g. 2026-07-15T00:00:00Z")
    return moment
