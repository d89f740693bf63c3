"""What batch detection reads: positions and static reports, from raw logs or the archive."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

import polars as pl
import pyarrow as pa

from watchkeeper.ais.reader import iter_decode_file
from watchkeeper.schema import POSITIONS, VESSELS
from watchkeeper.tracks.archive import Archive

__all__ = [
    "POSITION_COLUMNS",
    "VESSEL_COLUMNS",
    "Observations",
    "from_archive",
    "from_logs",
    "read_archive",
]

#: What the detectors read; the rest of a row stays on disk.
POSITION_COLUMNS: Final = (
    "mmsi",
    "ts",
    "lat",
    "lon",
    "sog",
    "cog",
    "heading",
    "nav_status",
    "msg_type",
    "source",
)
VESSEL_COLUMNS: Final = ("mmsi", "ts", "imo", "callsign", "name", "ship_type")


@dataclass(frozen=True)
class Observations:
    positions: pl.DataFrame
    vessels: pl.DataFrame


def _frame(
    table: pa.Table, columns: tuple[str, ...], start: datetime | None, end: datetime | None
) -> pl.DataFrame:
    frame = pl.DataFrame(pl.from_arrow(table.select(list(columns))))
    if start is not None:
        frame = frame.filter(pl.col("ts") >= start)
    if end is not None:
        frame = frame.filter(pl.col("ts") < end)
    return frame


def from_logs(
    paths: Iterable[Path],
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    chunk_bytes: int = 16 * 1024 * 1024,
    window: int = 256,
) -> Observations:
    """Positions and static reports of raw NMEA logs (or decoded CSV archives) in `[start, end)`."""
    positions = [_frame(POSITIONS.empty_table(), POSITION_COLUMNS, None, None)]
    vessels = [_frame(VESSELS.empty_table(), VESSEL_COLUMNS, None, None)]
    for path in paths:
        for result, _ in iter_decode_file(path, chunk_bytes=chunk_bytes, window=window):
            positions.append(_frame(result.positions, POSITION_COLUMNS, start, end))
            vessels.append(_frame(result.vessels, VESSEL_COLUMNS, start, end))
    return Observations(pl.concat(positions), pl.concat(vessels))


def from_archive(
    archive_dir: Path, *, start: datetime | None = None, end: datetime | None = None
) -> Observations:
    """The archived positions and static reports in `[start, end)`, reading only the days that can hold them."""
    with Archive(archive_dir) as archive:
        return read_archive(archive, start=start, end=end)


def read_archive(
    archive: Archive, *, start: datetime | None = None, end: datetime | None = None
) -> Observations:
    """`from_archive` on an archive already open (the live node's)."""
    read = {}
    for table, schema, columns in (
        ("positions", POSITIONS, POSITION_COLUMNS),
        ("vessels", VESSELS, VESSEL_COLUMNS),
    ):
        files = archive.files(table, start=start, end=end)
        wanted = pa.schema([schema.field(name) for name in columns])
        if files:
            found = pl.scan_parquet(files).select(columns).collect().to_arrow().cast(wanted)
        else:
            found = wanted.empty_table()
        read[table] = _frame(found, columns, start, end)
    return Observations(read["positions"], read["vessels"])
