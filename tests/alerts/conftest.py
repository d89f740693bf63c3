"""A node's alerts on each records backend, with an agency, a watch officer and an observer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from watchkeeper.accounts.context import Accounts
from watchkeeper.accounts.roles import Role
from watchkeeper.accounts.users import init_node, own_agency
from watchkeeper.alerts.service import Alerts
from watchkeeper.audit.trail import Actor, AuditTrail
from watchkeeper.records.database import Database, utcnow
from watchkeeper.records.migrate import upgrade
from watchkeeper.records.models import User, UserRole

CONSOLE = Actor("console:test", "TN-GN", ("console",), "local")
AMIRA = Actor("amira", "TN-GN", ("watch_officer",), "10.0.0.7")


@pytest.fixture
def accounts(database_url: str, tmp_path: Path) -> Iterator[Accounts]:
    db = Database(database_url)
    upgrade(db)
    accounts = Accounts(db=db, audit=AuditTrail(checkpoint_file=tmp_path / "cp.jsonl"))
    init_node(accounts, CONSOLE, code="TN-GN", name="Garde nationale", country="TN")
    with db.transaction() as session:
        agency = own_agency(session)
        assert agency is not None
        now = utcnow()
        for name, role in [
            ("amira", Role.WATCH_OFFICER),
            ("karim", Role.WATCH_OFFICER),
            ("olfa", Role.OBSERVER),
        ]:
            session.add(  # who never sign in here: no slow Argon2 hash per test
                User(
                    username=name,
                    agency_id=agency.id,
                    password_hash="-",
                    created_at=now,
                    password_changed_at=now,
                    role_rows=[UserRole(role=role)],
                )
            )
    yield accounts
    db.close()


@pytest.fixture
def amira() -> Actor:
    """A watch officer, as the audit trail names her."""
    return AMIRA


@pytest.fixture
def alerts(accounts: Accounts) -> Alerts:
    return Alerts(db=accounts.db, audit=accounts.audit)
