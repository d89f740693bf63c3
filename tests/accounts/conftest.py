"""An initialised node's accounts (agency TN-GN, administrator `admin`) on each backend."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from watchkeeper.accounts.context import AccountPolicy, Accounts
from watchkeeper.accounts.users import init_node
from watchkeeper.audit.trail import Actor, AuditTrail
from watchkeeper.records.database import Database
from watchkeeper.records.migrate import upgrade

CONSOLE = Actor("console:test", "TN-GN", ("console",), "local")


@pytest.fixture
def console() -> Actor:
    """The operator at the node's console."""
    return CONSOLE


@pytest.fixture
def accounts(database_url: str, tmp_path: Path) -> Iterator[Accounts]:
    db = Database(database_url)
    upgrade(db)
    policy = replace(
        AccountPolicy(), max_failures=3, address_max_failures=5, lockout=timedelta(minutes=15)
    )
    accounts = Accounts(
        db=db, audit=AuditTrail(checkpoint_file=tmp_path / "cp.jsonl"), policy=policy
    )
    init_node(accounts, CONSOLE, code="TN-GN", name="Garde nationale", country="TN")
    yield accounts
    db.close()
