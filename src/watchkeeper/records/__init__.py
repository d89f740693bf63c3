"""The records database: accounts, access and the audit trail (later: intelligence records).

SQLAlchemy models (`models`) over SQLite by default or PostgreSQL (`database_url`), with
Alembic migrations (`migrate`) applied when the node starts. Domain packages take a
`Session` from `Database.transaction()`; nothing here knows of HTTP or the CLI.
"""

from __future__ import annotations

from watchkeeper.records.database import Database, utcnow

__all__ = ["Database", "utcnow"]
