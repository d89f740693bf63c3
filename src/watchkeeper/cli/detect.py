"""`watchkeeper detect` and `watchkeeper evaluate`: batch detection and its score."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated

import polars as pl
import pyarrow.parquet as pq
import typer
from rich.console import Console

from watchkeeper.cli.console import parse_time
from watchkeeper.detect.engine import detect as run_detectors
from watchkeeper.detect.evaluate import evaluate as score_events
from watchkeeper.detect.events import events_table
from watchkeeper.detect.inputs import from_archive, from_logs
from watchkeeper.errors import InputError
from watchkeeper.geo.landmask import land_mask_if_built
from watchkeeper.geo.shore import shore_distance_if_built
from watchkeeper.geo.zones import ZoneSet, read_default_zones, read_zones
from watchkeeper.sensors.contacts import read_contacts
from watchkeeper.settings import load_settings
from watchkeeper.sim.truth import read_truth

__all__ = ["detect", "evaluate"]


def detect(
    inputs: Annotated[
        list[Path] | None,
        typer.Argument(help="Raw NMEA logs or decoded CSV archives; none: the node's archive."),
    ] = None,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Events Parquet file to write.")
    ] = Path("events.parquet"),
    start: Annotated[
        str | None, typer.Option(help="From this time (ISO 8601 with offset), inclusive.")
    ] = None,
    end: Annotated[str | None, typer.Option(help="To this time, exclusive.")] = None,
    zones: Annotated[
        list[Path] | None,
        typer.Option("--zones", help="Zone GeoJSON to use as well as the node's (repeatable)."),
    ] = None,
    contacts: Annotated[
        list[Path] | None,
        typer.Option("--contacts", help="Sensor contacts CSV (repeatable)."),
    ] = None,
) -> None:
    """Run every detector over logs or the archive and write the events, most urgent first."""
    settings = load_settings()
    since, until = parse_time("--start", start), parse_time("--end", end)
    for path in [*(inputs or []), *(contacts or [])]:
        if not path.is_file():
            raise InputError(f"{path}: no such file")
    if inputs:
        seen = from_logs(
            inputs,
            start=since,
            end=until,
            chunk_bytes=settings.decode_chunk_bytes,
            window=settings.fragment_window_lines,
        )
    else:
        seen = from_archive(settings.archive_dir, start=since, end=until)
    positions = seen.positions
    # Imported zones first, then this run's, then the computed defaults: the first
    # zone containing a point is the one reported.
    zone_set = ZoneSet(
        [
            *ZoneSet.load(settings.zones_dir).zones,
            *(z for p in zones or [] for z in read_zones(p)),
            *read_default_zones(settings.geo_dir),
        ]
    )
    plots = _contacts(contacts or [], since, until)
    events = run_detectors(
        positions,
        settings.detection,
        land=land_mask_if_built(settings.geo_dir),
        vessels=seen.vessels,
        zones=zone_set,
        contacts=plots,
        shore=shore_distance_if_built(settings.geo_dir),
    )
    try:
        pq.write_table(events_table(events), output)
    except OSError as exc:
        raise InputError(f"{output}: cannot write ({exc.strerror or exc})") from None
    console = Console(stderr=True)
    counts = events.group_by("type").len().sort("type")
    summary = ", ".join(f"{kind} {n:,}" for kind, n in counts.iter_rows()) or "none"
    console.print(f"{positions.height:,} positions; events: {summary}; written to {output}")


def _contacts(
    paths: list[Path], since: datetime | None, until: datetime | None
) -> pl.DataFrame | None:
    """The sightings of the contact files in `[since, until)`; rejected rows are reported."""
    if not paths:
        return None
    console = Console(stderr=True)
    frames = []
    for path in paths:
        read = read_contacts(path)
        for row in read.rejected.slice(0, 5).to_pylist():
            console.print(f"{row['file']}:{row['line']}: rejected: {row['reason']}")
        if read.rejected.num_rows > 5:
            console.print(f"{path}: {read.rejected.num_rows:,} rows rejected in all")
        frame = pl.DataFrame(pl.from_arrow(read.contacts))
        if since is not None:
            frame = frame.filter(pl.col("ts") >= since)
        if until is not None:
            frame = frame.filter(pl.col("ts") < until)
        frames.append(frame)
    return pl.concat(frames)


def _fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def evaluate(
    truth: Annotated[
        Path, typer.Option(help="Truth JSON lines (from `watchkeeper simulate --truth`).")
    ],
    events: Annotated[Path, typer.Option(help="Events Parquet (from `watchkeeper detect`).")],
    slack_minutes: Annotated[
        float,
        typer.Option(
            min=0, help="Time either side of a behaviour within which an event matches it."
        ),
    ] = 15.0,
) -> None:
    """Print precision, recall, F1 and median time to alert for each event type."""
    for path in (truth, events):
        if not path.is_file():
            raise InputError(f"{path}: no such file")
    try:
        found = pl.read_parquet(events)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise InputError(f"{events}: not an events Parquet file ({exc})") from None
    scores = score_events(read_truth(truth), found, slack=timedelta(minutes=slack_minutes))
    header = ("type", "truth", "events", "precision", "recall", "F1", "median alert (min)")
    rows = [header]
    for score in scores:
        alert = None if score.median_alert_s is None else score.median_alert_s / 60
        rows.append(
            (
                score.type,
                str(score.truth),
                str(score.events),
                _fmt(score.precision),
                _fmt(score.recall),
                _fmt(score.f1),
                _fmt(alert, 1),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:  # plain aligned text: readable, and easy for scripts to split
        typer.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
