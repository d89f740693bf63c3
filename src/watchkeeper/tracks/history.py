"""The archive looked at through time: who a vessel said it was, where every vessel stood
at a moment, and the tracks of a period.

Each function is one DuckDB query over the day partitions that can hold the answer
(`Archive.query`), returning an Arrow table; nothing loops over positions in Python.

- `identity_history`: each distinct name, call sign, IMO number and ship type a vessel
  (or every vessel) broadcast, with when it was first and last heard and how often.
  Empty names and call signs are left out; AIS sends them when a field is unset.
- `fixes_at`: the picture as it stood at a moment `at`: each vessel's latest fix at or
  before `at`, by the same definition as the live picture (`watchkeeper.tracks.latest`),
  among fixes no older than `stale`; particulars as they were known at `at` (a name
  first broadcast later is not shown).
- `tracks_between`: the position reports of a period, by vessel and time, optionally
  only of the vessels seen inside a box and thinned to one fix per vessel per
  `resolution`.
- `time_span`: the first and last placed position report the archive holds, the range
  a replay slider can move over; only the first and last day partitions are read.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import pyarrow as pa
import pyarrow.compute as pc

from watchkeeper.schema import TS
from watchkeeper.tracks.archive import Archive
from watchkeeper.tracks.latest import POSITION_TYPES, BBox, check_bbox, conform_latest, latest_sql

__all__ = [
    "IDENTITY_FIELDS",
    "IDENTITY_HISTORY",
    "TRACK_POINTS",
    "TracksTooLarge",
    "fixes_at",
    "identity_history",
    "time_span",
    "tracks_between",
]

#: The particulars whose history is kept, as `identity_history` names them in `field`.
IDENTITY_FIELDS: Final = ("name", "callsign", "imo", "ship_type")

#: One row per vessel, field and distinct value; `value` as text (IMO and ship type too).
IDENTITY_HISTORY: Final = pa.schema(
    [
        ("mmsi", pa.int32()),
        ("field", pa.string()),
        ("value", pa.string()),
        ("first_seen", TS),
        ("last_seen", TS),
        ("reports", pa.int64()),
    ]
)

#: Columns of `tracks_between`, ordered by mmsi then ts.
TRACK_POINTS: Final = pa.schema(
    [
        ("mmsi", pa.int32()),
        ("ts", TS),
        ("lat", pa.float64()),
        ("lon", pa.float64()),
        ("sog", pa.float32()),
        ("cog", pa.float32()),
        ("heading", pa.int16()),
        ("nav_status", pa.int8()),
    ]
)

_ONE_MS: Final = timedelta(milliseconds=1)
_TYPES: Final = ", ".join(str(t) for t in POSITION_TYPES)
_PLACED: Final = (
    f"msg_type IN ({_TYPES}) AND mmsi IS NOT NULL AND ts IS NOT NULL "
    "AND lat IS NOT NULL AND lon IS NOT NULL"
)


class TracksTooLarge(ValueError):
    """A period holds more positions than the caller allowed; narrow it or thin it."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"the period holds more than {limit:,} positions: ask for a shorter period, "
            "a smaller bbox or a coarser resolution"
        )
        self.limit = limit


def _aware(name: str, moment: datetime) -> datetime:
    if moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (UTC), got {moment.isoformat()}")
    return moment.astimezone(UTC)


def _in_box(bbox: BBox | None, params: dict[str, Any]) -> str:
    """A SQL condition on `lat`/`lon` for `bbox` (antimeridian-aware); TRUE without one."""
    if bbox is None:
        return "TRUE"
    min_lon, min_lat, max_lon, max_lat = check_bbox(bbox)
    params |= {"b_min_lon": min_lon, "b_min_lat": min_lat, "b_max_lon": max_lon}
    params["b_max_lat"] = max_lat
    lon_op = "AND" if min_lon <= max_lon else "OR"
    return (
        f"lat BETWEEN $b_min_lat AND $b_max_lat AND (lon >= $b_min_lon {lon_op} lon <= $b_max_lon)"
    )


def identity_history(archive: Archive, mmsi: int | None = None) -> pa.Table:
    """Every distinct particular broadcast, with first and last time heard (`IDENTITY_HISTORY`).

    Parameters
    ----------
    archive
        The node's archive (its `vessels` table: static and voyage reports).
    mmsi
        One vessel; None: every vessel (what the search index is built from).

    Returns
    -------
    pa.Table
        Ordered by mmsi, field (as in `IDENTITY_FIELDS`), then last seen, newest first.
        Reports without a time count, but do not move first/last seen.
    """
    params: dict[str, Any] = {}
    where = "mmsi IS NOT NULL"
    if mmsi is not None:
        where = "mmsi = $mmsi"
        params["mmsi"] = int(mmsi)
    values = {
        "name": "nullif(trim(name), '')",
        "callsign": "nullif(trim(callsign), '')",
        "imo": "CAST(imo AS VARCHAR)",
        "ship_type": "CAST(ship_type AS VARCHAR)",
    }

    def build(src: Mapping[str, str]) -> tuple[str, dict[str, Any]]:
        parts = [
            f"SELECT mmsi, {i} AS _order, '{field}' AS field, {expr} AS value, ts "
            f"FROM {src['vessels']} WHERE {where}"
            for i, (field, expr) in enumerate(values.items())
        ]
        sql = f"""
SELECT mmsi, field, value, min(ts) AS first_seen, max(ts) AS last_seen, count(*) AS reports
FROM ({" UNION ALL ".join(parts)})
WHERE value IS NOT NULL
GROUP BY mmsi, _order, field, value
ORDER BY mmsi, _order, last_seen DESC NULLS LAST, value
"""
        return sql, params

    found = archive.query({"vessels": (None, None)}, build)
    return found.select(IDENTITY_HISTORY.names).cast(IDENTITY_HISTORY)


def fixes_at(
    archive: Archive,
    at: datetime,
    *,
    stale: timedelta = timedelta(hours=1),
    bbox: BBox | None = None,
    limit: int | None = None,
) -> pa.Table:
    """The picture as it stood at `at` (`LATEST` columns plus `age_s`).

    Each vessel's latest fix with `at - stale <= ts <= at`, by the live picture's
    definition (ties, message types), with the particulars broadcast at or before `at`.
    `bbox` filters the fix; rows are most recent first, `limit` keeps the first.
    `age_s` is how old the fix was at `at`, in seconds (for fading stale vessels).
    """
    at = _aware("at", at)
    if stale <= timedelta(0):
        raise ValueError(f"stale must be positive, got {stale}")
    since = at - stale
    checked = None if bbox is None else check_bbox(bbox)

    def build(src: Mapping[str, str]) -> tuple[str, dict[str, Any]]:
        positions = f"(SELECT * FROM {src['positions']} WHERE ts >= $since AND ts <= $at) AS p"
        vessels = f"(SELECT * FROM {src['vessels']} WHERE ts <= $at) AS v0"
        sql, params = latest_sql(positions, vessels, bbox=checked, limit=limit)
        return sql, params | {"since": since, "at": at}

    found = archive.query(
        {"positions": (since, at + _ONE_MS), "vessels": (None, at + _ONE_MS)}, build
    )
    table = conform_latest(found, with_times=False)
    age_ms = pc.subtract(pa.scalar(at, TS).cast(pa.int64()), table.column("ts").cast(pa.int64()))
    return table.append_column("age_s", pc.divide(age_ms.cast(pa.float64()), 1000.0))


def tracks_between(
    archive: Archive,
    start: datetime,
    end: datetime,
    *,
    bbox: BBox | None = None,
    resolution: timedelta | None = None,
    max_positions: int = 2_000_000,
) -> pa.Table:
    """Position reports with `start <= ts < end`, by vessel then time (`TRACK_POINTS`).

    Parameters
    ----------
    bbox
        Keep the vessels with at least one fix inside the box in the period, with all
        their fixes of the period (a track is not cut where it leaves the box).
    resolution
        Keep one fix per vessel per interval of this length (the first of each), to
        draw a long period cheaply; None keeps every report.
    max_positions
        Raise `TracksTooLarge` rather than return more rows than this.
    """
    start, end = _aware("start", start), _aware("end", end)
    if start > end:
        raise ValueError(f"start {start.isoformat()} is after end {end.isoformat()}")
    if resolution is not None and resolution <= timedelta(0):
        raise ValueError(f"resolution must be positive, got {resolution}")
    if max_positions < 1:
        raise ValueError(f"max_positions must be >= 1, got {max_positions}")
    columns = ", ".join(TRACK_POINTS.names)

    def build(src: Mapping[str, str]) -> tuple[str, dict[str, Any]]:
        params: dict[str, Any] = {"start": start, "end": end, "limit": max_positions + 1}
        box = _in_box(bbox, params)
        rows = f"SELECT {columns} FROM {src['positions']} WHERE {_PLACED} AND ts >= $start AND ts < $end"
        if resolution is not None:
            params["step_ms"] = max(1, int(resolution / _ONE_MS))
            rows = f"""
SELECT mmsi, unnest(first_fix) FROM (
    SELECT mmsi, arg_min(struct_pack(ts, lat, lon, sog, cog, heading, nav_status), ts) AS first_fix
    FROM ({rows}) GROUP BY mmsi, epoch_ms(ts) // $step_ms
)"""
        keep = "TRUE" if bbox is None else f"mmsi IN (SELECT mmsi FROM p WHERE {box})"
        sql = f"""
WITH p AS ({rows})
SELECT {columns} FROM p WHERE {keep}
ORDER BY mmsi, ts
LIMIT $limit
"""
        return sql, params

    found = archive.query({"positions": (start, end)}, build)
    if found.num_rows > max_positions:
        raise TracksTooLarge(max_positions)
    return found.select(TRACK_POINTS.names).cast(TRACK_POINTS)


def time_span(archive: Archive) -> tuple[datetime, datetime] | None:
    """The times of the first and last placed position report, or None when there is none.

    The manifest names the day partitions, so only the first and the last days with
    position files are read (two small DuckDB aggregates), whatever the archive's length.
    """
    days = sorted(day for day in archive.partitions("positions") if day != "unknown")
    if not days:
        return None

    def bound(day: str, how: str) -> datetime | None:
        first = datetime.fromisoformat(day).replace(tzinfo=UTC)

        def build(src: Mapping[str, str]) -> tuple[str, dict[str, Any]]:
            return f"SELECT {how}(ts) AS ts FROM {src['positions']} WHERE {_PLACED}", {}

        found = archive.query({"positions": (first, first + timedelta(days=1))}, build)
        value = found.column("ts")[0].as_py() if found.num_rows else None
        if value is None:
            return None
        moment: datetime = value
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)

    # A day holding only unplaced reports (static data) has no bound: look further in.
    start = next((t for t in (bound(d, "min") for d in days) if t is not None), None)
    end = next((t for t in (bound(d, "max") for d in reversed(days)) if t is not None), None)
    if start is None or end is None:
        return None
    return start, end
