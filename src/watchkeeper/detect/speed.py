"""Sudden speed change: from under way to stopped within seconds, and staying stopped.

DMA AisAbnormal's rule, an indicator of grounding or collision: speed over ground from
7 kn or more to 1 kn or less within 30 s, and no report above 1 kn for the 60 s after
the last fast one. The event spans the drop (last fast report to first stopped one) and
is raised once the 60 s have passed.
"""

from __future__ import annotations

import polars as pl

from watchkeeper.detect.context import Context
from watchkeeper.detect.events import finish_events

__all__ = ["sudden_speed_change"]


def sudden_speed_change(tracks: pl.DataFrame, context: Context) -> pl.DataFrame:
    t = context.thresholds
    reports = tracks.filter(pl.col("sog").is_not_null())
    fast = pl.col("sog") >= t.ssc_high_sog
    slow = pl.col("sog") <= t.ssc_low_sog
    last_fast = pl.when(fast).then(pl.col("ts")).forward_fill().over("mmsi")
    reports = reports.with_columns(
        last_fast.alias("_t1"),
        pl.when(fast).then(pl.col("lat")).forward_fill().over("mmsi").alias("_lat1"),
        pl.when(fast).then(pl.col("lon")).forward_fill().over("mmsi").alias("_lon1"),
        pl.when(fast).then(pl.col("sog")).forward_fill().over("mmsi").alias("_sog1"),
        # Runs of consecutive slow reports of one vessel.
        ((pl.col("mmsi") != pl.col("mmsi").shift(1)) | (slow != slow.shift(1)))
        .fill_null(True)
        .cast(pl.UInt32)
        .cum_sum()
        .alias("_run"),
    )
    runs = reports.filter(slow & pl.col("_t1").is_not_null())
    if runs.is_empty():
        return finish_events(runs, "sudden_speed_change")
    sustained = (pl.col("ts") - pl.col("_t1")).dt.total_milliseconds() >= t.ssc_min_sustain_s * 1000
    events = runs.group_by("_run").agg(
        pl.col("mmsi").first().cast(pl.Int32).alias("_mmsi"),
        pl.col("_t1").first().alias("start"),
        pl.col("ts").first().alias("end"),
        pl.col("ts").filter(sustained).first().alias("detected"),
        pl.col("_lat1").first().alias("lat"),
        pl.col("_lon1").first().alias("lon"),
        pl.col("_sog1").first().alias("_from"),
        pl.col("sog").first().alias("_to"),
    )
    decay_ms = (pl.col("end") - pl.col("start")).dt.total_milliseconds()
    events = events.filter(
        (decay_ms <= t.ssc_max_decay_s * 1000) & pl.col("detected").is_not_null()
    )
    return finish_events(
        events.with_columns(
            pl.concat_list("_mmsi").alias("mmsi"),
            pl.lit(0.8).alias("score"),
            pl.struct(
                pl.col("_from").round(1).alias("from_sog"),
                pl.col("_to").round(1).alias("to_sog"),
                (decay_ms / 1000).alias("seconds"),
            ).alias("evidence"),
        ),
        "sudden_speed_change",
    )
