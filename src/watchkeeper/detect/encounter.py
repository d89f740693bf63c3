"""Encounters: two vessels stopped together at sea, for hours or, for small craft, minutes.

A cross-vessel detector: tracks are reduced to their mean position per time step,
steps of slow vessels away from land are placed in small grid cells, and each cell
meets its eight neighbours at the same step. That is the space-time-cell contract: the
same function can run per cell (with its neighbours) on Spark. Global Fishing Watch's
rule (within 500 m, under 2 kn, for 2 h, 10 km from an anchorage, anchorages being
where the data shows vessels at anchor or moored) with a shorter
variant when one of the two is a small craft (class B or no static report).
"""

from __future__ import annotations

from typing import Final

import polars as pl

from watchkeeper.detect.context import Context
from watchkeeper.detect.events import combine, finish_events
from watchkeeper.detect.shore import anchorage_cells, near_land
from watchkeeper.detect.tracks import haversine_m

__all__ = ["encounter"]

_CELL_DEG: Final = 0.01  # ~1.1 km, twice the meeting distance: neighbours suffice
_CLASS_B: Final = [18, 19]


def _steps(tracks: pl.DataFrame, context: Context) -> pl.DataFrame:
    t = context.thresholds
    bin_ms = int(t.encounter_bin_s * 1000)
    steps = (
        tracks.group_by("mmsi", (pl.col("ts").dt.epoch("ms") // bin_ms).alias("_bin"))
        .agg(pl.col("lat").mean(), pl.col("lon").mean(), pl.col("sog").median().alias("_sog"))
        .filter(pl.col("_sog").fill_null(0.0) < t.encounter_max_sog)
        .with_columns(
            (pl.col("lat") / _CELL_DEG).floor().cast(pl.Int32).alias("_cy"),
            (pl.col("lon") / _CELL_DEG).floor().cast(pl.Int32).alias("_cx"),
        )
    )
    cells = steps.select("_cy", "_cx").unique()
    centre_lat = ((cells["_cy"].cast(pl.Float64) + 0.5) * _CELL_DEG).to_numpy()
    centre_lon = ((cells["_cx"].cast(pl.Float64) + 0.5) * _CELL_DEG).to_numpy()
    shore = near_land(context, centre_lat, centre_lon, t.encounter_min_shore_m)
    offshore = cells.filter(pl.Series(~shore))
    anchorages = anchorage_cells(tracks, context, t.encounter_min_anchorage_m)
    away = offshore.join(anchorages, on=["_cy", "_cx"], how="anti")
    return steps.join(away, on=["_cy", "_cx"])


def encounter(tracks: pl.DataFrame, context: Context) -> pl.DataFrame:
    """Pairs of vessels together at sea (see the module docstring)."""
    t = context.thresholds
    if tracks.is_empty():
        return finish_events(pl.DataFrame(), "encounter")
    steps = _steps(tracks, context)
    shifts = pl.DataFrame(
        {"_dy": [dy for dy in (-1, 0, 1) for _ in range(3)], "_dx": [-1, 0, 1] * 3}
    )
    other = steps.join(shifts, how="cross").select(
        pl.col("mmsi").alias("_b"),
        "_bin",
        (pl.col("_cy") + pl.col("_dy")).alias("_cy"),
        (pl.col("_cx") + pl.col("_dx")).alias("_cx"),
        pl.col("lat").alias("_blat"),
        pl.col("lon").alias("_blon"),
    )
    pairs = (
        steps.join(other, on=["_bin", "_cy", "_cx"])
        .filter(pl.col("mmsi") < pl.col("_b"))
        .with_columns(
            haversine_m(pl.col("lat"), pl.col("lon"), pl.col("_blat"), pl.col("_blon")).alias("_d")
        )
        .filter(pl.col("_d") <= t.encounter_max_distance_m)
        .sort("mmsi", "_b", "_bin")
    )
    if pairs.is_empty():
        return finish_events(pl.DataFrame(), "encounter")
    same_pair = (pl.col("mmsi") == pl.col("mmsi").shift(1)) & (
        pl.col("_b") == pl.col("_b").shift(1)
    )
    close_in_time = (pl.col("_bin") - pl.col("_bin").shift(1)) <= 2  # one step may be missed
    runs = pairs.with_columns(
        (~(same_pair & close_in_time)).fill_null(True).cast(pl.UInt32).cum_sum().alias("_run")
    )
    bin_ms = int(t.encounter_bin_s * 1000)
    together = runs.group_by("_run").agg(
        pl.col("mmsi").first(),
        pl.col("_b").first(),
        pl.col("_bin").min().alias("_first"),
        pl.col("_bin").max().alias("_last"),
        pl.col("lat").first(),
        pl.col("lon").first(),
        pl.col("_d").median().alias("_median_m"),
    )
    small = (
        tracks.group_by("mmsi")
        .agg(pl.col("msg_type").is_in(_CLASS_B).mean().alias("_b_share"))
        .filter(pl.col("_b_share") > 0.5)
        .select("mmsi")
    )
    if context.vessels is not None and not context.vessels.is_empty():
        known = context.vessels.select("mmsi").unique()
        small = pl.concat(
            [small, tracks.select("mmsi").unique().join(known, on="mmsi", how="anti")]
        ).unique()
    small_set = small["mmsi"].cast(pl.Int64).to_list()
    is_small = pl.col("mmsi").cast(pl.Int64).is_in(small_set) | pl.col("_b").cast(pl.Int64).is_in(
        small_set
    )
    duration_s = (pl.col("_last") - pl.col("_first") + 1) * t.encounter_bin_s
    needed = (
        pl.when(is_small)
        .then(t.encounter_small_craft_min_duration_s)
        .otherwise(t.encounter_min_duration_s)
    )
    found = together.filter(duration_s >= needed).with_columns(
        duration_s.alias("_duration"), needed.alias("_needed"), is_small.alias("_small")
    )
    start = pl.from_epoch(pl.col("_first") * bin_ms, time_unit="ms").dt.replace_time_zone("UTC")
    events = found.select(
        pl.concat_list(pl.col("mmsi").cast(pl.Int32), pl.col("_b").cast(pl.Int32)).alias("mmsi"),
        start.alias("start"),
        (start + pl.duration(milliseconds=(pl.col("_duration") * 1000).cast(pl.Int64))).alias(
            "end"
        ),
        (start + pl.duration(milliseconds=(pl.col("_needed") * 1000).cast(pl.Int64))).alias(
            "detected"
        ),
        "lat",
        "lon",
        (0.6 + 0.4 * (pl.col("_duration") / (3 * pl.col("_needed"))).clip(0, 1)).alias("score"),
        pl.struct(
            pl.when(pl.col("_small"))
            .then(pl.lit("small_craft_alongside"))
            .otherwise(pl.lit("vessel_encounter"))
            .alias("variant"),
            (pl.col("_duration") / 60).round(0).alias("minutes"),
            pl.col("_median_m").round(0).alias("median_distance_m"),
        ).alias("evidence"),
    )
    return finish_events(combine([events]), "encounter")
