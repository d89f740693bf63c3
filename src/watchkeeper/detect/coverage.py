"""Where AIS receivers hear, judged from the data itself, for detectors that must not
mistake a vessel out of range for a vessel gone silent (`ais_gap`, `dark_target`).
"""

from __future__ import annotations

from typing import Final

import polars as pl

from watchkeeper.detect.context import Context

__all__ = ["coverage_cell", "covered_cell_hours"]

_HOUR_MS: Final = 3_600_000


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
    """
    t = context.thresholds
    ms = pl.col("ts").dt.epoch("ms")
    heard = (
        tracks.select(
            pl.col("mmsi"),
            (ms // 600_000).alias("_slot"),
            *coverage_cell(pl.col("lat"), pl.col("lon"), ms, t.coverage_cell_deg),
        )
        .group_by("_cy", "_cx", "_h")
        .agg(pl.col("mmsi").n_unique().alias("_n"), pl.col("_slot").n_unique().alias("_slots"))
        .filter(
            (pl.col("_n") >= t.coverage_min_vessels)
            & (pl.col("_slots") >= (min_slots or t.coverage_min_slots))
        )
        .select("_cy", "_cx", "_h")
    )
    return heard.with_columns(pl.lit(True).alias("_covered"))
