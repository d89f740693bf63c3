"""The event table every detector returns, and how events rank.

An event names its type, the vessels (`mmsi`) or sensor tracks (`contact_id`)
involved, when it started, when it ended (null while ongoing), where, a score in
[0, 1], a priority (1 is the most urgent; distress is always 1), when the evidence
first sufficed to raise it (`detected`), and that evidence as JSON.
"""

from __future__ import annotations

from typing import Final

import polars as pl
import pyarrow as pa

from watchkeeper.schema import TS

__all__ = [
    "DISTRESS_TYPES",
    "EVENTS",
    "EVENT_COLUMNS",
    "EVENT_TYPES",
    "PRIORITY",
    "combine",
    "empty_events",
    "events_table",
    "finish_events",
    "rank",
]

#: The simulator's truth types plus two the node raises from rules alone.
EVENT_TYPES: Final = (
    "distress_beacon",
    "drift",
    "dark_target",
    "departure",
    "encounter",
    "border_crossing",
    "identity_spoofing",
    "position_spoofing",
    "loitering",
    "ais_gap",
    "sudden_speed_change",
    "zone_entry",
)

#: Life first: people in distress outrank everything; then what may put lives at risk
#: soon (boats leaving, meeting, crossing unseen); then deception; then the rest.
PRIORITY: Final[dict[str, int]] = {
    "distress_beacon": 1,
    "drift": 1,
    "dark_target": 2,
    "departure": 2,
    "encounter": 2,
    "border_crossing": 2,
    "identity_spoofing": 3,
    "position_spoofing": 3,
    "loitering": 3,
    "ais_gap": 3,
    "sudden_speed_change": 3,
    "zone_entry": 4,
}
DISTRESS_TYPES: Final = frozenset({"distress_beacon", "drift"})

EVENTS: Final = pa.schema(
    [
        ("event_id", pa.string()),
        ("type", pa.string()),
        ("mmsi", pa.list_(pa.int32())),
        ("contact_id", pa.list_(pa.string())),
        ("start", TS),
        ("end", TS),  # null while ongoing
        ("detected", TS),  # when the evidence first sufficed
        ("lat", pa.float64()),
        ("lon", pa.float64()),
        ("score", pa.float32()),
        ("priority", pa.int8()),
        ("distress", pa.bool_()),
        ("evidence", pa.string()),  # JSON object
    ]
)
EVENT_COLUMNS: Final = tuple(EVENTS.names)
_POLARS_SCHEMA: Final = pl.from_arrow(EVENTS.empty_table()).schema  # type: ignore[union-attr]


def empty_events() -> pl.DataFrame:
    return pl.DataFrame(schema=_POLARS_SCHEMA)


def finish_events(frame: pl.DataFrame, event_type: str) -> pl.DataFrame:
    """Complete a detector's rows: type, id, priority, distress flag, column order.

    `frame` has at least `mmsi` (list) or `contact_id` (list), `start`, `end`,
    `detected`, `lat`, `lon`, `score` and `evidence` (a struct, written as JSON). The
    id is the type, the subjects and the start, so running a detector again on more
    data names the same event the same way.
    """
    if frame.is_empty():
        return empty_events()
    for name in ("mmsi", "contact_id"):
        if name not in frame.columns:
            dtype = pl.List(pl.Int32) if name == "mmsi" else pl.List(pl.String)
            frame = frame.with_columns(pl.lit(None, dtype=dtype).alias(name))
    subjects = pl.concat_str(
        pl.col("mmsi").list.eval(pl.element().cast(pl.String)).list.join("+"),
        pl.col("contact_id").list.join("+"),
        ignore_nulls=True,
    )
    frame = frame.with_columns(
        pl.concat_str(
            pl.lit(event_type),
            subjects,
            pl.col("start").dt.epoch("ms").cast(pl.String),
            separator=":",
        ).alias("event_id"),
        pl.lit(event_type).alias("type"),
        pl.lit(PRIORITY[event_type], dtype=pl.Int8).alias("priority"),
        pl.lit(event_type in DISTRESS_TYPES).alias("distress"),
        _as_json(pl.col("evidence"), frame.schema["evidence"]).alias("evidence"),
        pl.col("score").cast(pl.Float32),
    )
    return frame.select(EVENT_COLUMNS).cast(_POLARS_SCHEMA)  # type: ignore[arg-type]


def _as_json(evidence: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    return evidence if dtype == pl.String else evidence.struct.json_encode()


def combine(parts: list[pl.DataFrame]) -> pl.DataFrame:
    """One frame of a detector's variants, whose evidence structs differ (kept as JSON)."""
    found = [
        part.with_columns(_as_json(pl.col("evidence"), part.schema["evidence"]))
        for part in parts
        if not part.is_empty()
    ]
    return pl.concat(found, how="diagonal_relaxed") if found else pl.DataFrame()


def events_table(events: pl.DataFrame) -> pa.Table:
    """The events as an Arrow table of exactly `EVENTS` (what is written to Parquet)."""
    return events.select(EVENT_COLUMNS).to_arrow().cast(EVENTS)


def rank(events: pl.DataFrame) -> pl.DataFrame:
    """Most urgent first: distress, then priority, then score, then newest."""
    return events.sort(
        ["distress", "priority", "score", "start"], descending=[True, False, True, True]
    )
