"""One engine per node, with the settings each backend needs to behave the same.

SQLite is told to enforce foreign keys, wait for locks instead of failing at once,
and keep a write-ahead log so the web app's readers never block the live writers.
Both backends see times as aware UTC datetimes (`UtcDateTime`), so a time read back
compares equal to the one written, which the audit chain's hashes depend on.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import DateTime, TypeDecorator

from watchkeeper.errors import ConfigError

__all__ = ["Database", "UtcDateTime", "utcnow"]


def utcnow() -> datetime:
    """Now, aware UTC, to the millisecond (what every backend stores exactly)."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC and always read back aware, on SQLite too.

    SQLite has no time zone type and returns naive datetimes; refusing naive values on
    the way in keeps local times from ever being stored by mistake.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: records store aware UTC times")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.utcoffset() is None else value.astimezone(UTC)


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    # SQLAlchemy, not the sqlite3 module, decides when transactions begin (see _begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _begin_immediate(connection: Any) -> None:
    """Take SQLite's write lock when a transaction begins, not at its first write.

    A deferred transaction that reads and then writes fails at once with "database is
    locked" when another connection wrote in between (no busy wait applies); beginning
    IMMEDIATE makes such writers queue instead, as row locks do on PostgreSQL.
    """
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(
            f"database_url (WATCHKEEPER_DATABASE_URL): not a database URL: {url!r}"
        ) from None
    try:
        if parsed.get_backend_name() == "sqlite":
            engine = create_engine(parsed, connect_args={"timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _begin_immediate)
            return engine
        return create_engine(parsed, pool_pre_ping=True)
    except (NoSuchModuleError, ImportError) as exc:
        raise ConfigError(
            f"database_url (WATCHKEEPER_DATABASE_URL): no driver for {parsed.drivername!r} ({exc})"
        ) from None


@dataclass
class Database:
    """The records database of a node: an engine and the sessions made from it."""

    url: str
    engine: Engine = field(init=False, repr=False)
    _sessions: sessionmaker[Session] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.engine = _engine(self.url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def backend(self) -> str:
        """`sqlite` or `postgresql`."""
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work is committed on leaving the block, rolled back on error."""
        with self._sessions.begin() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()
