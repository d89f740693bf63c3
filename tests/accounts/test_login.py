"""Login: one answer for every failure, throttling per name and per address, all audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from argon2 import PasswordHasher, extract_parameters
from sqlalchemy import select

from watchkeeper.accounts import passwords
from watchkeeper.accounts.context import Accounts
from watchkeeper.accounts.errors import AuthenticationFailed, LockedOut
from watchkeeper.accounts.login import WRONG_CREDENTIALS, login
from watchkeeper.accounts.roles import Role
from watchkeeper.accounts.users import add_user, set_disabled
from watchkeeper.audit.trail import Actor
from watchkeeper.records.models import AuditEntry, LoginFailure, User

PASSWORD = "harbour-pilot-Sfax-42"


@pytest.fixture
def amira(accounts: Accounts, console: Actor) -> str:
    add_user(accounts, console, "amira", frozenset({Role.ANALYST}), password=PASSWORD)
    return "amira"


def _logins(accounts: Accounts) -> list[tuple[str, str, str]]:
    with accounts.db.transaction() as session:
        query = select(AuditEntry).where(AuditEntry.action == "login").order_by(AuditEntry.seq)
        return [(e.object_id, e.outcome, e.detail) for e in session.scalars(query)]


def test_right_password_signs_in_and_is_audited(accounts: Accounts, amira: str) -> None:
    user = login(accounts, " Amira ", PASSWORD, "10.0.0.7")
    assert (user.username, user.roles) == ("amira", (Role.ANALYST,))
    assert _logins(accounts) == [("amira", "ok", "{}")]


def test_wrong_password_unknown_user_and_disabled_user_get_the_same_answer(
    accounts: Accounts, amira: str, console: Actor
) -> None:
    answers = []
    for name, password in (("amira", "wrong-password-1"), ("nobody", PASSWORD)):
        with pytest.raises(AuthenticationFailed) as caught:
            login(accounts, name, password, "10.0.0.7")
        answers.append(str(caught.value))
    set_disabled(accounts, console, "amira", True)
    with pytest.raises(AuthenticationFailed) as caught:
        login(accounts, "amira", PASSWORD, "10.0.0.8")
    answers.append(str(caught.value))
    assert answers == [WRONG_CREDENTIALS] * 3
    reasons = [detail for _, outcome, detail in _logins(accounts) if outcome == "failed"]
    assert reasons == [
        '{"reason": "wrong password"}',
        '{"reason": "unknown user"}',
        '{"reason": "disabled"}',
    ]


def test_repeated_failures_lock_the_name_even_for_the_right_password(
    accounts: Accounts, amira: str
) -> None:
    for _ in range(3):
        with pytest.raises(AuthenticationFailed):
            login(accounts, "amira", "wrong-password-1", "10.0.0.7")
    with pytest.raises(LockedOut, match="try again in 15 min") as caught:
        login(accounts, "amira", PASSWORD, "10.0.0.9")  # another address: the name is locked
    assert 14 * 60 < caught.value.retry_after_seconds <= 15 * 60
    assert _logins(accounts)[-1][1] == "locked"


def test_an_unknown_name_locks_exactly_like_a_real_one(accounts: Accounts, amira: str) -> None:
    for name in ("amira", "nobody"):
        for _ in range(3):
            with pytest.raises(AuthenticationFailed):
                login(accounts, name, "wrong-password-1", f"10.0.1.{len(name)}")
    messages = set()
    for name in ("amira", "nobody"):
        with pytest.raises(LockedOut) as caught:
            login(accounts, name, "wrong-password-1", f"10.0.1.{len(name)}")
        messages.add(str(caught.value))
    assert len(messages) == 1


def test_failures_spread_over_names_lock_the_address(accounts: Accounts, amira: str) -> None:
    for i in range(5):
        with pytest.raises(AuthenticationFailed):
            login(accounts, f"guess{i}", "wrong-password-1", "192.0.2.66")
    with pytest.raises(LockedOut):
        login(accounts, "amira", PASSWORD, "192.0.2.66")
    assert login(accounts, "amira", PASSWORD, "192.0.2.67").username == "amira"


def test_the_lock_lifts_after_the_lockout(accounts: Accounts, amira: str) -> None:
    for _ in range(3):
        with pytest.raises(AuthenticationFailed):
            login(accounts, "amira", "wrong-password-1", "10.0.0.7")
    with accounts.db.transaction() as session:  # sixteen minutes pass
        for row in session.scalars(select(LoginFailure)):
            row.first_at -= timedelta(minutes=16)
            row.last_at -= timedelta(minutes=16)
            row.locked_until = row.locked_until and row.locked_until - timedelta(minutes=16)
    assert login(accounts, "amira", PASSWORD, "10.0.0.7").username == "amira"


def test_success_clears_the_names_failures(accounts: Accounts, amira: str) -> None:
    for _ in range(2):
        with pytest.raises(AuthenticationFailed):
            login(accounts, "amira", "wrong-password-1", "10.0.0.7")
    login(accounts, "amira", PASSWORD, "10.0.0.7")
    for _ in range(2):
        with pytest.raises(AuthenticationFailed):
            login(accounts, "amira", "wrong-password-1", "10.0.0.7")
    assert login(accounts, "amira", PASSWORD, "10.0.0.7").username == "amira"


def test_sql_metacharacters_are_just_characters(accounts: Accounts, amira: str) -> None:
    for name in ("amira' OR '1'='1", "amira'; DROP TABLE users; --", 'x" OR 1=1 --'):
        with pytest.raises(AuthenticationFailed, match=WRONG_CREDENTIALS):
            login(accounts, name, "' OR '1'='1", "10.0.0.7")
    assert login(accounts, "amira", PASSWORD, "10.0.0.8").username == "amira"


def test_a_hash_made_with_weaker_parameters_is_upgraded_to_the_nodes_at_login(
    accounts: Accounts, amira: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # amira's hash was made with the tests' cheap parameters; the node's own are stronger.
    monkeypatch.setattr(passwords, "_HASHER", PasswordHasher.from_parameters(passwords.PARAMETERS))
    assert _stored_parameters(accounts, "amira")[:2] == (1, 8)
    login(accounts, "amira", PASSWORD, "10.0.0.7")
    assert _stored_parameters(accounts, "amira") == (3, 65536, 4)  # RFC 9106, 64 MiB
    assert login(accounts, "amira", PASSWORD, "10.0.0.7").username == "amira"


def _stored_parameters(accounts: Accounts, username: str) -> tuple[int, int, int]:
    """(passes, memory in KiB, lanes) of the user's stored Argon2 hash."""
    with accounts.db.transaction() as session:
        stored = session.scalars(select(User.password_hash).where(User.username == username)).one()
    found = extract_parameters(stored)
    return (found.time_cost, found.memory_cost, found.parallelism)
