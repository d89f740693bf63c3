"""Terminal rendering of summaries shared by the `decode` and `ingest` commands."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from watchkeeper.ais.summary import Summary

__all__ = ["print_summary"]


def print_summary(console: Console, summary: Summary, *, title: str) -> None:
    """Print every line category (they add up to the lines read), messages and rows."""
    lines = Table(title=title, title_justify="left", show_footer=True)
    lines.add_column("lines", footer="total lines read")
    lines.add_column("count", justify="right", footer=f"{summary.lines:,}")
    for _, desc, n in summary.line_counts:
        lines.add_row(desc, f"{n:,}")
    console.print(lines)
    if summary.message_types:
        types = ", ".join(f"{t}: {n:,}" for t, n in summary.message_types.items())
        console.print(f"messages by type: {types}")
    console.print("rows: " + ", ".join(f"{k} {v:,}" for k, v in summary.rows.items()))
    if not summary.adds_up:  # a bug, never an input problem: say so loudly
        console.print("[bold red]line counts do not add up to the lines read[/]")
