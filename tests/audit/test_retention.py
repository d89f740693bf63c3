"""Retention deletes what is past its time, names it in the trail, and keeps the chain verifiable."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from watchkeeper.accounts.context import Accounts
from watchkeeper.accounts.principal import Principal
from watchkeeper.accounts.roles import Role
from watchkeeper.accounts.sessions import end_session, resolve_session, start_session
from watchkeeper.accounts.tokens import create_token, revoke_token
from watchkeeper.accounts.users import add_user, init_node
from watchkeeper.audit.retention import apply_retention
from watchkeeper.audit.trail import Actor, AuditTrail
from watchkeeper.records.database import Database, utcnow
from watchkeeper.records.migrate import upgrade
from watchkeeper.records.models import ApiToken, AuditEntry, WebSession

CONSOLE = Actor("console:test", "TN-GN", ("console",), "local")
DAYS = {"audit": 3650, "sessions": 30, "login_failures": 30, "tokens": 30}


@pytest.fixture
def accounts(database_url: str, tmp_path: Path) -> Accounts:
    db = Database(database_url)
    upgrade(db)
    accounts = Accounts(db=db, audit=AuditTrail(checkpoint_file=tmp_path / "cp.jsonl"))
    init_node(accounts, CONSOLE, code="TN-GN", name="Garde nationale", country="TN")
    yield accounts
    db.close()


def _retention_entries(accounts: Accounts) -> list[dict]:
    with accounts.db.transaction() as session:
        query = (
            select(AuditEntry.detail)
            .where(AuditEntry.action == "retention.delete")
            .order_by(AuditEntry.seq)
        )
        return [json.loads(detail) for detail in session.scalars(query)]


def test_old_sessions_and_tokens_go_and_the_trail_names_them_without_content(
    accounts: Accounts,
) -> None:
    user, _ = add_user(accounts, CONSOLE, "karim", frozenset({Role.ANALYST}))
    owner = Principal(user.id, "karim", "TN-GN", frozenset({Role.ANALYST}), via="session")
    old_secret, _ = start_session(accounts, user, "")
    new_secret, _ = start_session(accounts, user, "")
    end_session(accounts, resolve_session(accounts, old_secret, ""))
    old_token, _ = create_token(accounts, owner, "old")
    live_token, _ = create_token(accounts, owner, "live")
    revoke_token(accounts, owner, old_token.id)
    with accounts.db.transaction() as session:  # the logout and the revocation were 31 days ago
        ended = session.scalars(select(WebSession).where(WebSession.ended_at.is_not(None))).one()
        ended.ended_at -= timedelta(days=31)
        revoked = session.get(ApiToken, old_token.id)
        revoked.revoked_at -= timedelta(days=31)
    deleted = apply_retention(accounts, CONSOLE, DAYS)
    assert deleted["sessions"] == 1
    assert deleted["tokens"] == 1
    with accounts.db.transaction() as session:
        assert [t.name for t in session.scalars(select(ApiToken))] == ["live"]
        assert session.scalar(select(func.count()).select_from(WebSession)) == 1
    entries = {e["type"]: e for e in _retention_entries(accounts)}
    assert entries["tokens"] == {"type": "tokens", "ids": [str(old_token.id)]}
    assert set(entries["sessions"]) == {"type", "ids"}
    assert resolve_session(accounts, new_secret, "").username == "karim"


def test_zero_days_keeps_a_type_forever(accounts: Accounts) -> None:
    user, _ = add_user(accounts, CONSOLE, "karim", frozenset({Role.ANALYST}))
    secret, _ = start_session(accounts, user, "")
    end_session(accounts, resolve_session(accounts, secret, ""))
    deleted = apply_retention(
        accounts, CONSOLE, {**DAYS, "sessions": 0}, now=utcnow() + timedelta(days=999)
    )
    assert "sessions" not in deleted


def test_old_audit_entries_go_and_the_rest_still_verifies(accounts: Accounts) -> None:
    for i in range(6):
        add_user(accounts, CONSOLE, f"user{i}", frozenset({Role.OBSERVER}))
    with accounts.db.transaction() as session:
        total = session.scalar(select(func.count()).select_from(AuditEntry))
    deleted = apply_retention(accounts, CONSOLE, DAYS, now=utcnow() + timedelta(days=3651))
    assert deleted["audit"] == total
    result = accounts.audit.verify(accounts.db)
    assert result.ok, result.problems
    assert result.first == total + 1
    assert _retention_entries(accounts)[-1] == {"type": "audit", "up_to": total, "count": total}


def test_deleting_the_start_of_the_trail_by_hand_is_not_mistaken_for_retention(
    accounts: Accounts,
) -> None:
    for i in range(3):
        add_user(accounts, CONSOLE, f"user{i}", frozenset({Role.OBSERVER}))
    with accounts.db.transaction() as session:
        session.query(AuditEntry).filter(AuditEntry.seq <= 2).delete()
    problems = accounts.audit.verify(accounts.db).problems
    assert any("no retention run deleted entries before it" in p for p in problems)
