"""Positions for batch detection: decoded from raw logs, or read from the node's archive."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Final

import polars as pl

from watchkeeper.ais.reader import iter_decode_file
from watchkeeper.schema import POSITIONS
from watchkeeper.tracks.archive import Archive

__all__ = ["DETECTION_COLUMNS", "positions_from_archive", "positions_from_logs"]

#: What the per-vessel detectors read; the rest of a position row stays on disk.
DETECTION_COLUMNS: Final = (
    "mmsi",
    "ts",
    "lat",
    "lon",
    "sog",
    "cog",
    "heading",
    "nav_status",
    "msg_type",
)


def _in_range(frame: pl.DataFrame, start: datetime | None, end: datetime | None) -> pl.DataFrame:
    if start is not None:
        frame = frame.filter(pl.col("ts") >= start)
    if end is not None:
        frame = frame.filter(pl.col("ts") < end)
    return frame


def positions_from_logs(
    paths: Iterable[Path],
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    chunk_bytes: int = 16 * 1024 * 1024,
    window: int = 256,
) -> pl.DataFrame:
    """The positions of raw NMEA logs (or decoded CSV archives) in `[start, end)`."""
    parts = []
    for path in paths:
        for result, _ in iter_decode_file(path, chunk_bytes=chunk_bytes, window=window):
            table = result.positions.select(list(DETECTION_COLUMNS))
            parts.append(_in_range(pl.DataFrame(pl.from_arrow(table)), start, end))
    if not parts:
        return pl.DataFrame(pl.from_arrow(POSITIONS.empty_table().select(list(DETECTION_COLUMNS))))
    return pl.concat(parts)


def positions_from_archive(
    archive_dir: Path, *, start: datetime | None = None, end: datetime | None = None
) -> pl.DataFrame:
    """The archived positions in `[start, end)`, reading only the days that can hold them."""
    with Archive(archive_dir) as archive:
        files = archive.files("positions", start=start, end=end)
    if not files:
        return pl.DataFrame(pl.from_arrow(POSITIONS.empty_table().select(list(DETECTION_COLUMNS))))
    frame = pl.scan_parquet(files, hive_partitioning=False).select(DETECTION_COLUMNS).collect()
    return _in_range(frame, start, end)
