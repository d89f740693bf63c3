"""`watchkeeper db ...`: the records database's schema."""

from __future__ import annotations

import typer

from watchkeeper.records.database import Database
from watchkeeper.records.migrate import current_revision, head_revision, upgrade
from watchkeeper.settings import load_settings

__all__ = ["app"]

app = typer.Typer(
    help="The records database (SQLite by default, PostgreSQL by setting).", no_args_is_help=True
)


@app.command("upgrade")
def upgrade_command() -> None:
    """Migrate the records database to this version's schema (the node also does this on start)."""
    settings = load_settings()
    settings.create_dirs()
    db = Database(settings.records_url)
    try:
        before = current_revision(db)
        upgrade(db)
        after = current_revision(db)
    finally:
        db.close()
    if before == after:
        typer.echo(f"records database ({db.backend}) already at revision {after}")
    else:
        typer.echo(f"records database ({db.backend}) upgraded from {before or 'empty'} to {after}")


@app.command("current")
def current() -> None:
    """Print the schema revision of the records database and the newest this code knows."""
    settings = load_settings()
    db = Database(settings.records_url)
    try:
        typer.echo(f"database: {current_revision(db) or 'empty'}; code: {head_revision()}")
    finally:
        db.close()
