"""`watchkeeper retention apply`: delete records past their retention period."""

from __future__ import annotations

import typer

from watchkeeper.audit.retention import apply_retention
from watchkeeper.cli.console import console_actor, open_accounts
from watchkeeper.settings import load_settings

__all__ = ["app"]

app = typer.Typer(
    help="Retention of records (periods: setting `retention_days`).", no_args_is_help=True
)


@app.command("apply")
def apply() -> None:
    """Delete what is past its retention period; the audit trail names what went (type, id)."""
    settings = load_settings()
    with open_accounts() as accounts:
        deleted = apply_retention(accounts, console_actor(accounts), settings.retention_days)
        for kind, days in settings.retention_days.items():
            kept = (
                "kept forever"
                if not days
                else f"{deleted.get(kind, 0):,} deleted (older than {days} days)"
            )
            typer.echo(f"{kind}: {kept}")
