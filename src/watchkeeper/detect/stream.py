"""Detection on a live feed: the same detectors, run again as data arrives.

The live node hands each micro-batch of decoded positions, static reports and sensor
contacts to a `StreamingDetector`, and asks it now and then for what changed. The state
it carries between runs is what the detectors need and no more:

* the recent data, `horizon` deep (the longest look-back of any detector: a name
  change counts over a day, a departure over 12 h), older rows dropped;
* the events raised so far that may still change.

Each run calls `detect` over that window and reconciles the result with the known
events. An event found again (same type and subjects, overlapping in time) keeps its
id, its first start and its first detection, and is *updated* if anything else moved
(an open gap that closed, an encounter that lasted longer). An event the window no
longer supports, though its start is still inside the window, is *retracted*: later
data disproved it. One whose start has left the window is final as last seen. So, on
the same data, the events live at the end are the events a batch run finds.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

import polars as pl
import pyarrow as pa

from watchkeeper.detect.engine import detect
from watchkeeper.detect.events import EVENT_COLUMNS, empty_events, rank
from watchkeeper.detect.inputs import POSITION_COLUMNS, VESSEL_COLUMNS
from watchkeeper.detect.thresholds import Thresholds
from watchkeeper.geo.landmask import LandMask
from watchkeeper.geo.shore import ShoreDistance
from watchkeeper.geo.zones import ZoneSet

__all__ = ["DEFAULT_HORIZON", "Changes", "StreamingDetector"]

#: Deep enough for every detector's look-back (`identity_spoofing` name changes: a day).
DEFAULT_HORIZON: Final = timedelta(hours=24)
#: Two findings of one event may differ at their ends by a report or two.
_OVERLAP_SLACK: Final = timedelta(minutes=15)
_FOREVER: Final = datetime(9999, 1, 1, tzinfo=UTC)
_COMPARED: Final = ("end", "lat", "lon", "score", "evidence")
_KEPT: Final[dict[str, tuple[str, ...]]] = {
    "positions": POSITION_COLUMNS,
    "vessels": VESSEL_COLUMNS,
}


@dataclass(frozen=True)
class Changes:
    """What one run changed: events raised for the first time, events that moved, and
    events withdrawn (each with its last state, most urgent first)."""

    new: pl.DataFrame
    updated: pl.DataFrame
    retracted: pl.DataFrame

    def __bool__(self) -> bool:
        return not (self.new.is_empty() and self.updated.is_empty() and self.retracted.is_empty())


def _subjects() -> pl.Expr:
    return pl.concat_str(
        pl.col("mmsi").list.eval(pl.element().cast(pl.String)).list.join("+").fill_null(""),
        pl.col("contact_id").list.join("+").fill_null(""),
        separator="/",
    )


def _frame(table: pa.Table | pl.DataFrame | None) -> pl.DataFrame | None:
    if table is None:
        return None
    frame = table if isinstance(table, pl.DataFrame) else pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame


class StreamingDetector:
    """Runs the detectors over a sliding window of live data; see the module docstring."""

    def __init__(
        self,
        thresholds: Thresholds | None = None,
        *,
        land: LandMask | None = None,
        zones: ZoneSet | None = None,
        shore: ShoreDistance | None = None,
        horizon: timedelta = DEFAULT_HORIZON,
    ) -> None:
        self.thresholds = thresholds or Thresholds()
        self.land = land
        self.zones = zones
        self.shore = shore
        self.horizon = horizon
        self._lock = threading.Lock()
        self._pending: dict[str, list[pl.DataFrame]] = {
            "positions": [],
            "vessels": [],
            "contacts": [],
        }
        self._window: dict[str, pl.DataFrame | None] = {
            "positions": None,
            "vessels": None,
            "contacts": None,
        }
        self._known = empty_events()

    def add(
        self,
        positions: pa.Table | pl.DataFrame | None = None,
        *,
        vessels: pa.Table | pl.DataFrame | None = None,
        contacts: pa.Table | pl.DataFrame | None = None,
    ) -> None:
        """Take a micro-batch (any of the three tables); it is used at the next `run`."""
        with self._lock:
            for name, table in (
                ("positions", positions),
                ("vessels", vessels),
                ("contacts", contacts),
            ):
                frame = _frame(table)
                if frame is not None and not frame.is_empty():
                    # Only what detectors read stays in the window (live batches carry
                    # every decoded column, the archive only these).
                    wanted = [c for c in _KEPT.get(name, frame.columns) if c in frame.columns]
                    self._pending[name].append(frame.select(wanted))

    @property
    def events(self) -> pl.DataFrame:
        """The events raised and not retracted that may still change, most urgent first."""
        return self._known

    def run(self) -> Changes:
        """Detect over the window (with what was added since the last run) and say what changed."""
        with self._lock:
            pending, self._pending = self._pending, {k: [] for k in self._pending}
        window_start = self._slide(pending)
        positions = self._window["positions"]
        if positions is None:
            return Changes(empty_events(), empty_events(), empty_events())
        found = detect(
            positions,
            self.thresholds,
            land=self.land,
            vessels=self._window["vessels"],
            zones=self.zones,
            contacts=self._window["contacts"],
            shore=self.shore,
        )
        return self._reconcile(found, window_start)

    def _slide(self, pending: dict[str, list[pl.DataFrame]]) -> datetime | None:
        """Add the pending rows to the window and drop those older than the horizon."""
        for name, frames in pending.items():
            current = self._window[name]
            parts = ([current] if current is not None else []) + frames
            if parts:
                self._window[name] = pl.concat(parts, how="diagonal_relaxed")
        latest = [
            frame["ts"].max()
            for frame in self._window.values()
            if frame is not None and frame.height
        ]
        if not latest:
            return None
        window_start: datetime = max(latest) - self.horizon  # type: ignore[operator, type-var, assignment]
        for name, frame in self._window.items():
            if frame is not None:
                self._window[name] = frame.filter(pl.col("ts") >= window_start)
        return window_start

    def _reconcile(self, found: pl.DataFrame, window_start: datetime | None) -> Changes:
        known = self._known.with_columns(_subjects().alias("_key")).with_row_index("_k")
        fresh = found.with_columns(_subjects().alias("_key")).with_row_index("_f")
        # Each fresh event takes over at most one known event of the same type and
        # subjects that it overlaps in time, and each known event passes to one.
        pairs = (
            fresh.select("_f", "type", "_key", "start", "end")
            .join(
                known.select(
                    "_k",
                    "type",
                    "_key",
                    pl.col("event_id").alias("_id_known"),
                    pl.col("start").alias("_start_known"),
                    pl.col("end").alias("_end_known"),
                    pl.col("detected").alias("_detected_known"),
                ),
                on=["type", "_key"],
            )
            .filter(
                (pl.col("start") <= pl.col("_end_known").fill_null(_FOREVER) + _OVERLAP_SLACK)
                & (pl.col("end").fill_null(_FOREVER) >= pl.col("_start_known") - _OVERLAP_SLACK)
            )
            .sort("_k", "start")
            .unique("_k", keep="first", maintain_order=True)
            .sort("_f", "_start_known")
            .unique("_f", keep="first", maintain_order=True)
        )
        carried = fresh.join(
            pairs.select("_f", "_k", "_id_known", "_start_known", "_detected_known"),
            on="_f",
            how="left",
        ).with_columns(
            pl.coalesce("_id_known", "event_id").alias("event_id"),
            pl.min_horizontal("start", "_start_known").alias("start"),
            pl.min_horizontal("detected", "_detected_known").alias("detected"),
        )
        before = known.select("_k", *(pl.col(c).alias(f"_was_{c}") for c in _COMPARED))
        compared = carried.join(before, on="_k", how="left")
        moved = pl.any_horizontal(*(pl.col(c).ne_missing(pl.col(f"_was_{c}")) for c in _COMPARED))
        new = compared.filter(pl.col("_k").is_null())
        updated = compared.filter(pl.col("_k").is_not_null() & moved)
        gone = known.join(pairs.select("_k"), on="_k", how="anti")
        retracted = gone if window_start is None else gone.filter(pl.col("start") >= window_start)
        self._known = rank(carried.select(EVENT_COLUMNS))
        return Changes(
            rank(new.select(EVENT_COLUMNS)),
            rank(updated.select(EVENT_COLUMNS)),
            rank(retracted.select(EVENT_COLUMNS)),
        )
