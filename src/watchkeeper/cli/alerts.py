"""`watchkeeper alerts load|list`: alerts from an events file, and the ranked list at the console.

`load` is how batch detection (`watchkeeper detect -o events.parquet`) feeds the node's
alerts; a running node's streams pick them up from the database within
`alert_poll_seconds`. Loading the same file again updates, never duplicates.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from watchkeeper.accounts.context import Accounts
from watchkeeper.alerts.service import OPEN_STATUSES, Alerts
from watchkeeper.cli.console import console_actor, open_accounts
from watchkeeper.errors import InputError
from watchkeeper.settings import load_settings

__all__ = ["app"]

app = typer.Typer(help="Alerts: load detector events, list them ranked.", no_args_is_help=True)

_STATUSES = ", ".join(("new", "acknowledged", "assigned", "closed", "retracted"))


@contextmanager
def _open_alerts() -> Iterator[tuple[Alerts, Accounts]]:
    """The node's alerts (its rules over its zones) and its accounts, closed on leaving."""
    settings = load_settings()
    with open_accounts() as accounts:
        yield Alerts.from_settings(settings, accounts), accounts


@app.command("load")
def load(
    events: Annotated[Path, typer.Argument(help="Events Parquet (from `watchkeeper detect -o`).")],
) -> None:
    """Raise or update alerts from an events file, by the node's alert rules."""
    import polars as pl  # noqa: PLC0415 - keeps `--help` fast

    if not events.is_file():
        raise InputError(f"{events}: no such file")
    try:
        frame = pl.read_parquet(events)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise InputError(f"{events}: not an events Parquet file ({exc})") from None
    with _open_alerts() as (alerts, accounts):
        counts = alerts.ingest(frame)
        actor = console_actor(accounts)
        with accounts.db.transaction() as session:
            accounts.audit.record(
                session,
                actor,
                "alerts.load",
                object_type="file",
                object_id=events.name,
                detail={"events": frame.height, **vars(counts)},
            )
    typer.echo(
        f"{frame.height:,} events: {counts.raised} alerts raised, {counts.updated} updated, "
        f"{counts.unchanged} unchanged, {counts.retracted} retracted, "
        f"{counts.ignored} below the alert rules"
    )


@app.command("list")
def list_command(
    status: Annotated[
        list[str] | None,
        typer.Option("--status", help=f"Repeatable: {_STATUSES}. Default: the open ones."),
    ] = None,
    type_: Annotated[
        list[str] | None, typer.Option("--type", help="Event type, repeatable.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="Most alerts shown.")] = 50,
) -> None:
    """List alerts, most urgent first (distress, then priority, score, newest)."""
    for value in status or []:
        if value not in _STATUSES.split(", "):
            raise InputError(f"--status {value!r}: one of {_STATUSES}")
    with _open_alerts() as (alerts, _):
        views = alerts.list(status=status or list(OPEN_STATUSES), types=type_, limit=limit)
    table = Table(
        "id", "status", "P", "type", "vessels", "start", "end", "score", "rule", "assignee"
    )
    for view in views:
        subjects = [str(m) for m in view.mmsi] + list(view.contact_ids)
        table.add_row(
            str(view.id),
            view.status,
            f"{view.priority}{'!' if view.distress else ''}",
            view.type,
            " ".join(subjects),
            f"{view.start:%Y-%m-%d %H:%M}Z",
            f"{view.end:%Y-%m-%d %H:%M}Z" if view.end else "ongoing",
            f"{view.score:.2f}",
            view.rule + (f" ({view.zone})" if view.zone else ""),
            view.assignee or "",
        )
    Console().print(table)
    if not views:
        typer.echo("no alerts")
