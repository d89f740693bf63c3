"""`watchkeeper audit ...`: verify, checkpoint and export the audit trail."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from watchkeeper.audit.trail import entry_record
from watchkeeper.cli.console import console_actor, open_accounts, parse_time

__all__ = ["app"]

app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)


@app.command("verify")
def verify() -> None:
    """Recompute the hash chain and check it against the head and every checkpoint.

    Exits 1 and lists each problem (altered, missing or truncated entries) if any.
    """
    with open_accounts() as accounts:
        result = accounts.audit.verify(accounts.db)
        for problem in result.problems:
            typer.echo(f"audit: {problem}", err=True)
        span = f"entries {result.first}-{result.last}" if result.entries else "no entries"
        if not result.ok:
            typer.echo(
                f"audit trail NOT intact: {len(result.problems)} problem(s) in {span}", err=True
            )
            raise typer.Exit(1)
        typer.echo(f"audit trail intact: {result.entries:,} entries ({span})")


@app.command("checkpoint")
def checkpoint() -> None:
    """Record the chain's head now (database and checkpoint file); run it from cron."""
    with open_accounts() as accounts:
        seq, digest = accounts.audit.checkpoint(accounts.db)
        typer.echo(f"checkpoint at entry {seq}: {digest}")


@app.command("export")
def export(
    since: Annotated[
        str | None, typer.Option(help="Only entries from this time (ISO 8601 with offset).")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
) -> None:
    """Write audit entries as JSON lines, oldest first; the export is itself audited."""
    with open_accounts() as accounts:
        start = parse_time("--since", since)
        out = output.open("w", encoding="utf-8") if output else sys.stdout
        count = 0
        try:
            with accounts.db.transaction() as session:
                for entry in accounts.audit.entries(session, since=start):
                    out.write(
                        json.dumps({**entry_record(entry), "hash": entry.hash}, ensure_ascii=False)
                        + "\n"
                    )
                    count += 1
        finally:
            if output:
                out.close()
        with accounts.db.transaction() as session:
            accounts.audit.record(
                session,
                console_actor(accounts),
                "audit.export",
                object_type="audit",
                detail={
                    "since": since,
                    "entries": count,
                    "to": str(output) if output else "stdout",
                },
            )
        if output:
            typer.echo(f"exported {count:,} entries to {output}", err=True)
