"""The latest sensor contacts: each contact's last sighting within a recent window.

A radar, an aircraft or a camera reports a target again and again under one
`contact_id` (its track). The picture draws each contact once, where it was last seen,
and forgets it once it has not been seen for `window`: a sensor's track that ended is
not a target still there. Two implementations of one definition, side by side so they
cannot drift: `ContactState` (polars, in memory, updated per ingested batch, for the
live picture) and `contacts_at` (DuckDB over the archive, for replay and for seeding the
state at start). The definition:

- A contact's last sighting is its row greatest by `ts`, ties broken by the greatest
  `lat`, then `lon`, so the choice does not depend on arrival order.
- A contact is in the picture at `at` when its last sighting at or before `at` is no
  older than `window`.

`contact_rows` turns those rows into what the map draws (`CONTACT_PICTURE`), and
`contact_feed` keeps what one picture stream last sent, to send only what changed.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

import polars as pl
import pyarrow as pa

from watchkeeper.picture.changes import ChangeFeed
from watchkeeper.schema import CONTACTS

if TYPE_CHECKING:
    from collections.abc import Mapping

    from watchkeeper.tracks.archive import Archive

__all__ = [
    "CONTACT_PICTURE",
    "SENSORS",
    "contact_feed",
    "ContactState",
    "contact_rows",
    "contacts_at",
]

#: The kinds of sensor the node knows, in the legend's order (`CONTACTS.sensor`).
SENSORS: Final = ("radar", "patrol", "aircraft", "satellite", "ground_radar", "camera")
#: Columns of a contact as the picture draws it, in order.
CONTACT_PICTURE: Final = (
    "contact_id",
    "sensor",
    "sensor_id",
    "lon",
    "lat",
    "course",
    "speed_kn",
    "ts",
    "classification",
    "confidence",
    "length_m",
    "stale",
)
_ORDER: Final = ("ts", "lat", "lon")
_POLARS_CONTACTS: Final = pl.DataFrame(pl.from_arrow(CONTACTS.empty_table())).schema


def _last_sightings(frame: pl.DataFrame) -> pl.DataFrame:
    """One row per contact_id: its last sighting (see the module docstring)."""
    return (
        frame.sort([*_ORDER], descending=True, nulls_last=True)
        .unique("contact_id", keep="first", maintain_order=True)
        .sort("ts", descending=True)
    )


def _to_frame(table: pa.Table | pl.DataFrame) -> pl.DataFrame:
    frame = table if isinstance(table, pl.DataFrame) else pl.DataFrame(pl.from_arrow(table))
    return frame.select(CONTACTS.names).cast(_POLARS_CONTACTS)  # type: ignore[arg-type]


class ContactState:
    """Each contact's last sighting no older than `window`, kept current in memory.

    Thread-safe: ingest (the API, the drop directory, the demo) calls `update` from
    worker threads while picture streams call `snapshot`. Rows older than `window`
    before the newest sighting held (or before now, if that is earlier: a sensor with
    its clock in the future cannot empty the picture) are dropped at each update.
    """

    def __init__(self, *, window: timedelta) -> None:
        if window <= timedelta(0):
            raise ValueError(f"window must be positive, got {window}")
        self.window = window
        self._lock = threading.Lock()
        self._rows = _to_frame(CONTACTS.empty_table())

    @classmethod
    def from_archive(
        cls, archive: Archive, *, window: timedelta, now: datetime | None = None
    ) -> ContactState:
        """A state seeded with the archive's contacts as they stand `now` (a restart
        keeps the picture it had)."""
        state = cls(window=window)
        state.update(contacts_at(archive, now or datetime.now(UTC), window=window))
        return state

    def update(self, contacts: pa.Table | pl.DataFrame) -> None:
        """Take a batch of sightings (`CONTACTS` columns)."""
        frame = _to_frame(contacts)
        if frame.is_empty():
            return
        with self._lock:
            merged = _last_sightings(pl.concat([self._rows, frame]))
            newest = merged["ts"].max()
            if isinstance(newest, datetime):
                cutoff = min(newest, datetime.now(UTC)) - self.window
                merged = merged.filter(pl.col("ts") >= cutoff)
            self._rows = merged

    def snapshot(self) -> pa.Table:
        """The contacts held (`CONTACTS`), most recently seen first."""
        with self._lock:
            rows = self._rows
        return rows.to_arrow().cast(CONTACTS)

    def __len__(self) -> int:
        with self._lock:
            return self._rows.height


def contacts_at(archive: Archive, at: datetime, *, window: timedelta) -> pa.Table:
    """The contacts as they stood at `at`: each one's last sighting in `(at - window, at]`
    from the archive (`CONTACTS`), most recently seen first. Reads only the day
    partitions of that period."""
    if at.utcoffset() is None:
        raise ValueError(f"at must be timezone-aware (UTC), got {at.isoformat()}")
    start = at - window
    columns = ", ".join(f'"{name}"' for name in CONTACTS.names)

    def build(sources: Mapping[str, str]) -> tuple[str, dict[str, Any]]:
        sql = (
            f"SELECT {columns} FROM {sources['contacts']} "
            "WHERE ts > $start AND ts <= $at "
            "QUALIFY row_number() OVER (PARTITION BY contact_id "
            "ORDER BY ts DESC NULLS LAST, lat DESC NULLS LAST, lon DESC NULLS LAST) = 1 "
            "ORDER BY ts DESC, contact_id"
        )
        return sql, {"start": start, "at": at}

    found = archive.query({"contacts": (start, at + timedelta(milliseconds=1))}, build)
    return found.select(CONTACTS.names).cast(CONTACTS)


def contact_rows(
    contacts: pa.Table, *, now: datetime, stale_after: timedelta, window: timedelta
) -> pl.DataFrame:
    """The `CONTACT_PICTURE` rows of `contacts` (`CONTACTS`, last sightings) at `now`.

    Contacts last seen more than `window` before `now` are left out; those seen more
    than `stale_after` before are `stale` (drawn faded). `ts` is milliseconds since the
    Unix epoch; positions are rounded to 1e-5° (~1 m), course to the degree and speed
    to 0.1 kn, so that noise does not count as a change.
    """
    frame = _to_frame(contacts)
    ts = pl.col("ts").dt.epoch("ms")
    now_ms = int(now.timestamp() * 1000)
    return frame.filter(ts >= now_ms - int(window.total_seconds() * 1000)).select(
        pl.col("contact_id"),
        pl.col("sensor").cast(pl.String),
        pl.col("sensor_id").cast(pl.String),
        pl.col("lon").round(5),
        pl.col("lat").round(5),
        pl.col("course").cast(pl.Float64).round(0).cast(pl.Int16),
        pl.col("speed_kn").cast(pl.Float64).round(1),
        ts.alias("ts"),
        pl.col("classification").cast(pl.String),
        pl.col("confidence").cast(pl.Float64).round(2),
        pl.col("length_m").cast(pl.Float64).round(1),
        (ts < now_ms - int(stale_after.total_seconds() * 1000)).alias("stale"),
    )


def contact_feed(state: ContactState, *, stale_after: timedelta) -> ChangeFeed:
    """The contact stream's feed: `contact_rows` of `state`, keyed by contact id."""
    return ChangeFeed(
        lambda now: contact_rows(
            state.snapshot(), now=now, stale_after=stale_after, window=state.window
        ),
        key="contact_id",
        drawn=CONTACT_PICTURE,
    )
