"""Where AIS receivers hear, judged from the data itself, for detectors that must not
mistake a vessel out of range for a vessel gone silent (`ais_gap`, `dark_target`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl
import shapely
from shapely.geometry.base import BaseGeometry

from watchkeeper.detect.context import Context

__all__ = [
    "Footprint",
    "coverage_cell",
    "covered_cell_hours",
    "heard_at",
    "reception_footprints",
]

_HOUR_MS: Final = 3_600_000
_SLOT_MS: Final = 600_000
_POINT_DEG: Final = 0.01  # positions rounded to ~1 km before their hull is drawn
_MIN_REPORTS: Final = 50


def coverage_cell(lat: pl.Expr, lon: pl.Expr, ms: pl.Expr, size: float) -> list[pl.Expr]:
    """The coverage cell (`_cy`, `_cx`) and hour (`_h`) of positions at epoch milliseconds `ms`."""
    return [
        (lat / size).floor().cast(pl.Int32).alias("_cy"),
        (lon / size).floor().cast(pl.Int32).alias("_cx"),
        (ms // _HOUR_MS).cast(pl.Int64).alias("_h"),
    ]


def covered_cell_hours(
    tracks: pl.DataFrame, context: Context, min_slots: int | None = None
) -> pl.DataFrame:
    """Cell-hours with steady reception: reports in `min_slots` (default
    `coverage_min_slots`) of their 10-minute slots.

    Steadiness tells shore coverage from a satellite pass, which hears a wide area
    for a few minutes: a vessel silent for an hour under a pass was not in coverage.
    The first and last hours of the data count only the slots the data spans: the live
    node's current hour has no reports from its minutes still to come, and asking for
    them would hold every claim of coverage back until the hour is over.
    """
    t = context.thresholds
    ms = pl.col("ts").dt.epoch("ms")
    needed = min_slots or t.coverage_min_slots
    if not tracks.is_empty():
        first, last = (
            int(v) for v in tracks.select(ms.min().alias("_first"), ms.max().alias("_last")).row(0)
        )
        slot_0 = pl.col("_h") * (_HOUR_MS // 600_000)  # the hour's first slot
        spanned = (
            pl.min_horizontal(slot_0 + 5, last // 600_000)
            - pl.max_horizontal(slot_0, first // 600_000)
            + 1
        )
        needed_here = pl.min_horizontal(pl.lit(needed), spanned)
    else:
        needed_here = pl.lit(needed)
    heard = (
        tracks.select(
            pl.col("mmsi"),
            (ms // 600_000).alias("_slot"),
            *coverage_cell(pl.col("lat"), pl.col("lon"), ms, t.coverage_cell_deg),
        )
        .group_by("_cy", "_cx", "_h")
        .agg(pl.col("mmsi").n_unique().alias("_n"), pl.col("_slot").n_unique().alias("_slots"))
        .filter((pl.col("_n") >= t.coverage_min_vessels) & (pl.col("_slots") >= needed_here))
        .select("_cy", "_cx", "_h")
    )
    return heard.with_columns(pl.lit(True).alias("_covered"))


@dataclass(frozen=True)
class Footprint:
    """Where one shore receiver hears (`hull`, lon/lat degrees) and the hours (epoch
    hours, sorted) in which it forwarded anything: a receiver that fell silent, or lost
    its link, hears nothing however near the vessel."""

    source: str
    hull: BaseGeometry
    hours: npt.NDArray[np.int64]

    def live(self, ms: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        """Whether the receiver was working at each time (epoch milliseconds)."""
        hour = ms // _HOUR_MS
        if self.hours.size == 0:
            return np.zeros(hour.shape, dtype=np.bool_)
        at = np.searchsorted(self.hours, hour).clip(0, self.hours.size - 1)
        return np.asarray(self.hours[at] == hour, dtype=np.bool_)


def reception_footprints(tracks: pl.DataFrame, context: Context) -> list[Footprint]:
    """Where each shore receiver hears: the convex hull of the positions it forwarded.

    A cell heard steadily (`covered_cell_hours`) may still straddle the edge of a
    receiver's range, where a vessel at the near side is heard and one at the far side
    never is. When the data names its receivers (`source`: a tag block's `s:`, a
    station id), each steady one's footprint draws that edge. Receivers heard in fewer
    than half of the ten-minute slots of their span are satellite passes (they hear
    everything, briefly) and are left out. Empty when no receiver qualifies: then only
    the cells say where AIS is heard.
    """
    return context.shared("footprints", tracks, lambda: _footprints(tracks))


def _footprints(tracks: pl.DataFrame) -> list[Footprint]:
    if "source" not in tracks.columns or tracks.is_empty():
        return []
    slot = pl.col("ts").dt.epoch("ms") // _SLOT_MS
    steady = (
        tracks.filter(pl.col("source").is_not_null())
        .group_by(pl.col("source").cast(pl.String))
        .agg(
            slot.n_unique().alias("_slots"),
            ((slot.max() - slot.min()) + 1).alias("_span"),
            pl.len().alias("_n"),
        )
        .filter((pl.col("_slots") >= 0.5 * pl.col("_span")) & (pl.col("_n") >= _MIN_REPORTS))
    )
    if steady.height < 2:  # one feed for everything says nothing about where it hears
        return []
    points = (
        tracks.filter(pl.col("source").cast(pl.String).is_in(steady["source"].implode()))
        .select(
            pl.col("source").cast(pl.String),
            (pl.col("lon") / _POINT_DEG).round().cast(pl.Int32).alias("_x"),
            (pl.col("lat") / _POINT_DEG).round().cast(pl.Int32).alias("_y"),
        )
        .unique()
        .sort("source")
    )
    hours = dict(
        tracks.filter(pl.col("source").cast(pl.String).is_in(steady["source"].implode()))
        .group_by(pl.col("source").cast(pl.String))
        .agg((pl.col("ts").dt.epoch("ms") // _HOUR_MS).unique().sort().alias("_hours"))
        .iter_rows()
    )
    found = []
    for part in points.partition_by("source"):
        source = part["source"][0]
        xy = np.column_stack([part["_x"].to_numpy(), part["_y"].to_numpy()]) * _POINT_DEG
        hull = shapely.convex_hull(shapely.multipoints(xy))
        shapely.prepare(hull)
        found.append(Footprint(source, hull, np.asarray(hours[source], dtype=np.int64)))
    return found


def heard_at(
    footprints: list[Footprint],
    lat: np.ndarray,
    lon: np.ndarray,
    ms: npt.NDArray[np.int64] | None = None,
) -> np.ndarray:
    """Whether each point lies in some receiver's footprint (all True without
    footprints); with times (`ms`, epoch milliseconds), in the footprint of a receiver
    working that hour."""
    if not footprints:
        return np.ones(lat.shape, dtype=np.bool_)
    inside = np.zeros(lat.shape, dtype=np.bool_)
    for footprint in footprints:
        hull = footprint.hull
        here = shapely.contains_xy(hull, lon, lat) | shapely.intersects_xy(hull, lon, lat)
        inside |= here if ms is None else here & footprint.live(ms)
    return inside
