"""Users: names, roles, the last administrator, and every change in the audit trail."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from watchkeeper.accounts.context import Accounts
from watchkeeper.accounts.errors import AccountError, Conflict, NotFound
from watchkeeper.accounts.login import login
from watchkeeper.accounts.roles import Role
from watchkeeper.accounts.users import (
    add_user,
    change_own_password,
    init_node,
    list_users,
    reset_password,
    set_disabled,
    set_roles,
)
from watchkeeper.audit.trail import Actor
from watchkeeper.records.models import AuditEntry


def _actions(accounts: Accounts) -> list[tuple[str, str]]:
    with accounts.db.transaction() as session:
        return [
            (e.action, e.object_id)
            for e in session.scalars(select(AuditEntry).order_by(AuditEntry.seq))
        ]


def test_init_creates_the_agency_and_an_administrator_with_a_working_password(
    database_url: str, tmp_path
) -> None:
    from watchkeeper.audit.trail import AuditTrail
    from watchkeeper.records.database import Database
    from watchkeeper.records.migrate import upgrade

    db = Database(database_url)
    upgrade(db)
    accounts = Accounts(db=db, audit=AuditTrail())
    console = Actor("console:test", "", ("console",), "local")
    agency, password = init_node(
        accounts, console, code="it-gc", name="Guardia costiera", country="it"
    )
    assert (agency.code, agency.country) == ("IT-GC", "IT")
    assert login(accounts, "admin", password, "127.0.0.1").roles == (Role.ADMINISTRATOR,)
    with pytest.raises(Conflict, match="already initialised"):
        init_node(accounts, console, code="X1", name="x", country="IT")
    db.close()


def test_add_list_and_audit(accounts: Accounts, console: Actor) -> None:
    view, generated = add_user(
        accounts, console, "A.Benali", frozenset({Role.WATCH_OFFICER}), full_name="Amira Benali"
    )
    assert view.username == "a.benali"
    assert generated is not None
    assert login(accounts, "a.benali", generated, "").full_name == "Amira Benali"
    assert [u.username for u in list_users(accounts)] == ["a.benali", "admin"]
    assert ("user.add", "a.benali") in _actions(accounts)


@pytest.mark.parametrize(
    "name", ["x", "amira benali", "ämira", "-lead", "a" * 65, "a'; DROP TABLE users;--"]
)
def test_invalid_user_names_are_refused(accounts: Accounts, console: Actor, name: str) -> None:
    with pytest.raises(AccountError, match="invalid user name"):
        add_user(accounts, console, name, frozenset({Role.OBSERVER}))


def test_duplicate_names_conflict_and_nothing_is_written(
    accounts: Accounts, console: Actor
) -> None:
    add_user(accounts, console, "karim", frozenset({Role.OBSERVER}))
    before = _actions(accounts)
    with pytest.raises(Conflict, match="already exists"):
        add_user(accounts, console, "KARIM", frozenset({Role.ANALYST}))
    assert _actions(accounts) == before


def test_a_weak_chosen_password_is_refused(accounts: Accounts, console: Actor) -> None:
    with pytest.raises(AccountError, match="too short"):
        add_user(accounts, console, "karim", frozenset({Role.OBSERVER}), password="abc")


def test_the_last_enabled_administrator_cannot_be_disabled_or_demoted(
    accounts: Accounts, console: Actor
) -> None:
    with pytest.raises(AccountError, match="last enabled administrator"):
        set_disabled(accounts, console, "admin", True)
    with pytest.raises(AccountError, match="last enabled administrator"):
        set_roles(accounts, console, "admin", replace=frozenset({Role.OBSERVER}))
    add_user(accounts, console, "second", frozenset({Role.ADMINISTRATOR}))
    assert set_disabled(accounts, console, "admin", True).disabled


def test_roles_change_and_are_audited_with_before_and_after(
    accounts: Accounts, console: Actor
) -> None:
    add_user(accounts, console, "karim", frozenset({Role.OBSERVER}))
    view = set_roles(accounts, console, "karim", add=frozenset({Role.ANALYST}))
    assert view.roles == (Role.ANALYST, Role.OBSERVER)
    with pytest.raises(AccountError, match="at least one role"):
        set_roles(accounts, console, "karim", remove=frozenset(view.roles))
    with accounts.db.transaction() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "user.roles")).one()
        assert entry.detail == '{"after": ["analyst", "observer"], "before": ["observer"]}'


def test_unknown_users_are_not_found(accounts: Accounts, console: Actor) -> None:
    with pytest.raises(NotFound, match="no user 'ghost'"):
        reset_password(accounts, console, "ghost")


def test_changing_ones_own_password_needs_the_current_one(
    accounts: Accounts, console: Actor
) -> None:
    view, generated = add_user(accounts, console, "karim", frozenset({Role.OBSERVER}))
    actor = Actor("karim", "TN-GN", ("observer",), "")
    with pytest.raises(AccountError, match="current password is wrong"):
        change_own_password(accounts, actor, view.id, "not-it", "a-brand-new-passphrase-7")
    change_own_password(accounts, actor, view.id, generated, "a-brand-new-passphrase-7")
    assert login(accounts, "karim", "a-brand-new-passphrase-7", "").username == "karim"
    outcomes = [a for a in _actions(accounts) if a[0] == "password.change"]
    assert len(outcomes) == 2
