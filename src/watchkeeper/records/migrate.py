"""Alembic, driven from Python: `watchkeeper db upgrade` and the node's start call `upgrade`.

The scripts live in the package (`records/migrations`), so an installed node needs no
`alembic.ini`; the connection is handed to `env.py` rather than read from a file.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from watchkeeper.records.database import Database

__all__ = ["current_revision", "head_revision", "upgrade"]

SCRIPTS = Path(__file__).with_name("migrations")


def _config(db: Database) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    config.attributes["engine"] = db.engine
    return config


def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the schema to `revision` (idempotent: nothing happens when it is there)."""
    command.upgrade(_config(db), revision)


def current_revision(db: Database) -> str | None:
    """The revision the database is at, None for an empty database."""
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The newest revision this code knows."""
    return ScriptDirectory(str(SCRIPTS)).get_current_head()
