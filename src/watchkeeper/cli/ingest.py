"""`watchkeeper ingest`: append inputs to the node's archive, exactly once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)

from watchkeeper.ais.decode import DecodeResult
from watchkeeper.ais.inputs import open_input
from watchkeeper.ais.summary import summarize
from watchkeeper.cli.render import print_summary
from watchkeeper.errors import InputError
from watchkeeper.settings import load_settings
from watchkeeper.tracks.archive import Archive
from watchkeeper.tracks.ingest import IngestReport, ingest_file

__all__ = ["ingest"]


def ingest(
    inputs: Annotated[
        list[Path], typer.Argument(help="Raw NMEA logs (.gz too) or decoded CSV archives.")
    ],
) -> None:
    """Append AIS inputs to the node's archive (Parquet by day, queried with DuckDB).

    Ingesting the same input twice adds nothing; an interrupted ingest resumes
    where it stopped. Rejected lines are kept in the archive's rejected table.
    """
    console = Console(stderr=True)
    settings = load_settings()
    settings.create_dirs()
    archive = Archive(settings.archive_dir)
    reports: list[IngestReport] = []
    failed = 0
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as progress:
        for path in inputs:
            try:
                total = _size(path)
                task = progress.add_task(path.name, total=total)

                def advance(n: int, task: TaskID = task) -> None:
                    progress.advance(task, n)

                report = ingest_file(
                    archive,
                    path,
                    chunk_bytes=settings.decode_chunk_bytes,
                    window=settings.fragment_window_lines,
                    on_progress=advance,
                )
                progress.remove_task(task)
            except InputError as exc:
                console.print(f"[red]error:[/] {exc}", soft_wrap=True)
                failed += 1
                continue
            reports.append(report)
            if report.already_done:
                console.print(f"{path}: already in the archive, nothing added", soft_wrap=True)
            elif report.resumed_from:
                console.print(f"{path}: resumed at byte {report.resumed_from:,}", soft_wrap=True)
    total_result = DecodeResult.concat([r.decoded for r in reports])
    rows: dict[str, int] = {}
    for r in reports:
        for name, n in r.rows.items():
            rows[name] = rows.get(name, 0) + n
    title = f"ingested {len(reports)} of {len(inputs)} inputs into {settings.archive_dir}"
    print_summary(console, summarize(total_result, rows=rows), title=title)
    if failed:
        raise typer.Exit(1)


def _size(path: Path) -> int | None:
    """Bytes to read, for the progress bar (unknown for gzip until read)."""
    with open_input(path):
        pass
    return None if path.suffix == ".gz" else path.stat().st_size
