"""AIS gaps: a vessel that falls silent where receivers would have heard it.

Beacons (AIS-SART, MOB, EPIRB-AIS) stop when their battery does, and a transponder
switched off within `gap_min_shore_m` of land (at a beach, a quay) is no gap.
Coverage is judged from the data: a cell of the grid is covered in an hour when
vessels were heard in it steadily through that hour. A silence is a gap when it lasts
longer than `gap_min_s` and `gap_interval_factor` times the vessel's reporting
interval (ITU-R M.1371), the vessel was under way and heard steadily right up to the
silence (and right after it, if it reappeared: a vessel fading out at the edge of range
is heard less and less first), and most of its path through the silence lies in
covered cells: the straight line to where it reappeared, or, if it
never did, dead reckoning on its last course and speed for twice the threshold (an open
event: it is still dark).
"""

from __future__ import annotations

from typing import Final

import numpy as np
import polars as pl

from watchkeeper.detect.context import Context
from watchkeeper.detect.coverage import (
    coverage_cell,
    covered_cell_hours,
    heard_at,
    reception_footprints,
)
from watchkeeper.detect.distress import BEACON_SERIES
from watchkeeper.detect.events import finish_events
from watchkeeper.detect.shore import near_land_rows

__all__ = ["ais_gap", "reporting_interval_s"]

_SAMPLES: Final = 12
_KNOT_DEG_PER_S: Final = 1852 / 111_320 / 3600
_CLASS_B: Final = [18, 19]


def reporting_interval_s() -> pl.Expr:
    """Seconds between a vessel's position reports (ITU-R M.1371-5, Annex 1, table 1)."""
    sog = pl.col("sog").fill_null(0.0)
    anchored = pl.col("nav_status").is_in([1, 5])
    class_b = pl.col("msg_type").is_in(_CLASS_B)
    return (
        pl.when(class_b)
        .then(pl.when(sog <= 2).then(180.0).otherwise(30.0))
        .when(anchored & (sog <= 3))
        .then(180.0)
        .when(sog <= 14)
        .then(10.0)
        .when(sog <= 23)
        .then(6.0)
        .otherwise(2.0)
    )


def _reception(tracks: pl.DataFrame, window_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Per report: the vessel's reports in the `window_s` up to it, and in the `window_s`
    from its next report on. Rows are sorted by vessel and time, so one sorted key and
    two binary searches answer for every row at once."""
    vessel = tracks["mmsi"].rank("dense").to_numpy().astype(np.int64)  # < 900,000 vessels fit
    key = vessel * 10**13 + tracks["ts"].dt.epoch("ms").to_numpy()
    window = int(window_s * 1000)
    index = np.arange(key.size)
    before = index - np.searchsorted(key, key - window, side="left") + 1
    following = np.minimum(index + 1, key.size - 1)
    after = np.searchsorted(key, key[following] + window, side="right") - following
    return before, after


def ais_gap(tracks: pl.DataFrame, context: Context) -> pl.DataFrame:
    """Silences in coverage, closed (the vessel reappeared) or open (still dark)."""
    t = context.thresholds
    if tracks.is_empty():
        return finish_events(pl.DataFrame(), "ais_gap")
    data_end = tracks["ts"].max()
    following = pl.col("mmsi").shift(-1) == pl.col("mmsi")
    before, after = _reception(tracks, t.gap_reception_window_s)
    reports = tracks.with_columns(
        pl.Series("_heard_before", before),
        pl.Series("_heard_after", after),
        reporting_interval_s().alias("_interval"),
        pl.when(following).then(pl.col("ts").shift(-1)).alias("_next_ts"),
        pl.when(following).then(pl.col("lat").shift(-1)).alias("_next_lat"),
        pl.when(following).then(pl.col("lon").shift(-1)).alias("_next_lon"),
    )
    threshold_ms = (
        pl.max_horizontal(pl.lit(t.gap_min_s), pl.col("_interval") * t.gap_interval_factor) * 1000
    )
    end_ms = pl.coalesce(pl.col("_next_ts"), pl.lit(data_end)).dt.epoch("ms")
    silent_ms = end_ms - pl.col("ts").dt.epoch("ms")
    expected = t.gap_reception_window_s / pl.col("_interval")
    steady_before = pl.col("_heard_before") / expected >= t.gap_min_reception
    steady_after = pl.col("_next_ts").is_null() | (
        pl.col("_heard_after") / expected >= t.gap_min_reception
    )
    beacon = (pl.col("mmsi") // 1_000_000).is_in(list(BEACON_SERIES))
    candidates = reports.filter(
        (silent_ms > threshold_ms)
        & (pl.col("sog").fill_null(0.0) >= t.gap_min_sog)
        & steady_before
        & steady_after
        & ~beacon
    ).with_columns(threshold_ms.alias("_threshold_ms"), silent_ms.alias("_silent_ms"))
    # A transponder switched off at a beach or alongside is no gap.
    candidates = candidates.filter(
        pl.Series(~near_land_rows(context, candidates, t.gap_min_shore_m))
    )
    if candidates.is_empty():
        return finish_events(pl.DataFrame(), "ais_gap")
    # Where the vessel was at sample times through the silence. Dead reckoning is only
    # trusted for twice the gap threshold: that is where it should have been heard.
    steps = pl.DataFrame({"_k": [(k + 0.5) / _SAMPLES for k in range(_SAMPLES)]})
    t0 = pl.col("ts").dt.epoch("ms")
    span = (
        pl.when(pl.col("_next_ts").is_null())
        .then(pl.min_horizontal(pl.col("_silent_ms"), 2 * pl.col("_threshold_ms")))
        .otherwise(pl.col("_silent_ms"))
    )
    at = t0 + (span * pl.col("_k")).cast(pl.Int64)
    elapsed_s = (at - t0) / 1000
    cog = pl.col("cog").fill_null(0.0).radians()
    dead_lat = pl.col("lat") + pl.col("sog") * _KNOT_DEG_PER_S * elapsed_s * cog.cos()
    dead_lon = (
        pl.col("lon")
        + pl.col("sog") * _KNOT_DEG_PER_S * elapsed_s * cog.sin() / pl.col("lat").radians().cos()
    )
    lat = (
        pl.when(pl.col("_next_ts").is_not_null())
        .then(pl.col("lat") + (pl.col("_next_lat") - pl.col("lat")) * pl.col("_k"))
        .otherwise(dead_lat)
    )
    lon = (
        pl.when(pl.col("_next_ts").is_not_null())
        .then(pl.col("lon") + (pl.col("_next_lon") - pl.col("lon")) * pl.col("_k"))
        .otherwise(dead_lon)
    )
    samples = (
        candidates.with_row_index("_gap")
        .join(steps, how="cross")
        .with_columns(
            *coverage_cell(lat, lon, at, t.coverage_cell_deg),
            lat.alias("_sample_lat"),
            lon.alias("_sample_lon"),
        )
        .join(covered_cell_hours(tracks, context), on=["_cy", "_cx", "_h"], how="left")
    )
    heard = heard_at(
        reception_footprints(tracks, context),
        samples["_sample_lat"].to_numpy(),
        samples["_sample_lon"].to_numpy(),
    )
    samples = samples.with_columns(pl.col("_covered").fill_null(False) & pl.Series(heard))
    covered = samples.group_by("_gap").agg(
        pl.col("_covered").fill_null(False).mean().alias("_share")
    )
    gaps = (
        candidates.with_row_index("_gap")
        .join(covered, on="_gap")
        .filter(pl.col("_share") >= t.gap_min_covered)
    )
    if gaps.is_empty():
        return finish_events(pl.DataFrame(), "ais_gap")
    return finish_events(
        gaps.select(
            pl.concat_list(pl.col("mmsi").cast(pl.Int32)).alias("mmsi"),
            pl.col("ts").alias("start"),
            pl.col("_next_ts").alias("end"),
            (pl.col("ts") + pl.duration(milliseconds=pl.col("_threshold_ms"))).alias("detected"),
            "lat",
            "lon",
            (0.5 + 0.5 * pl.col("_share")).alias("score"),
            pl.struct(
                (pl.col("_silent_ms") / 60_000).round(1).alias("silent_min"),
                pl.col("_share").round(2).alias("covered_share"),
                pl.col("sog").alias("last_sog"),
                pl.col("_next_ts").is_null().alias("still_dark"),
            ).alias("evidence"),
        ),
        "ais_gap",
    )
