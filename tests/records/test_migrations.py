"""Migrations build exactly the models' schema, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select
from sqlalchemy.exc import StatementError

from watchkeeper.records.database import Database
from watchkeeper.records.migrate import current_revision, head_revision, upgrade
from watchkeeper.records.models import Agency, AuditHead, Base


@pytest.fixture
def db(database_url: str) -> Database:
    database = Database(database_url)
    yield database
    database.close()


def test_upgrade_brings_an_empty_database_to_head(db: Database) -> None:
    assert current_revision(db) is None
    upgrade(db)
    assert current_revision(db) == head_revision()
    assert {"users", "audit_entries", "api_tokens", "web_sessions"} <= set(
        inspect(db.engine).get_table_names()
    )


def test_upgrade_twice_changes_nothing(db: Database) -> None:
    upgrade(db)
    upgrade(db)
    with db.transaction() as session:
        heads = session.scalars(select(AuditHead)).all()
    assert [(h.id, h.seq, h.hash) for h in heads] == [(1, 0, "0" * 64)]


def test_migrated_schema_matches_the_models(db: Database) -> None:
    upgrade(db)
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_times_come_back_aware_utc_and_naive_times_are_refused(db: Database) -> None:
    upgrade(db)
    written = datetime(2026, 3, 1, 14, 30, 5, 123000, tzinfo=timezone(timedelta(hours=1)))
    with db.transaction() as session:
        session.add(
            Agency(
                code="IT-GC", name="Guardia costiera", country="IT", own=False, created_at=written
            )
        )
    with db.transaction() as session:
        read = session.scalars(select(Agency.created_at)).one()
    assert read == written
    assert read.tzinfo is not None
    assert read.utcoffset() == timedelta(0)
    assert read.astimezone(UTC).hour == 13
    naive = Agency(code="MR", name="x", country="MR", own=False, created_at=datetime(2026, 1, 1))
    with db.transaction() as session:
        session.add(naive)
        with pytest.raises(StatementError, match="naive datetime"):
            session.flush()
        session.rollback()
