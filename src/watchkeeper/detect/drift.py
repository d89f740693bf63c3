"""Drift: a vessel moving slowly where its hull does not point, or a small craft carried
along without a heading. Distress: a drifting boat has lost its engine or its crew.

With a heading, DMA AisAbnormal's rule: speed over ground 1-5 kn and course over ground
more than 45 degrees off the heading, held for 10 minutes over more than 500 m. Life
first: the event is raised when the rule has held for `drift_early_share` of that time
and distance (a boat in distress cannot wait ten minutes for a watch officer), and
marked `confirmed` when the whole rule holds; a drift that stops short is no event
(the live node retracts it), one still going when the data ends stays, unconfirmed. Small
craft often send no heading (class B sets without a compass); for them the evidence is
a slow, steady course held for longer (see `Thresholds.drift_no_heading_*`), outside
the fishing and anchored statuses that explain slow motion.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from watchkeeper.detect.context import Context
from watchkeeper.detect.distress import BEACON_SERIES
from watchkeeper.detect.events import combine, finish_events
from watchkeeper.detect.thresholds import Thresholds
from watchkeeper.detect.tracks import episodes, haversine_m

__all__ = ["drift"]

#: Navigational statuses that explain slow motion: at anchor, moored, aground, fishing.
_EXPLAINED_STATUS: Final = [1, 5, 6, 7]


def _deviation(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    """Smallest angle between two directions in degrees, 0-180."""
    diff = (a - b).abs() % 360
    return pl.when(diff > 180).then(360 - diff).otherwise(diff)


def _not_a_beacon() -> pl.Expr:
    """Distress devices drift by design; they raise their own `distress_beacon` event."""
    return ~(pl.col("mmsi") // 1_000_000).is_in(list(BEACON_SERIES))


def _with_heading(thresholds: Thresholds) -> pl.Expr:
    return (
        _not_a_beacon()
        & pl.col("heading").is_not_null()
        & pl.col("sog").is_between(thresholds.drift_min_sog, thresholds.drift_max_sog)
        & (
            _deviation(pl.col("cog"), pl.col("heading").cast(pl.Float32))
            > thresholds.drift_min_deviation_deg
        )
    )


def _without_heading(thresholds: Thresholds) -> pl.Expr:
    return (
        _not_a_beacon()
        & pl.col("heading").is_null()
        & pl.col("cog").is_not_null()
        & pl.col("sog").is_between(thresholds.drift_min_sog, thresholds.drift_no_heading_max_sog)
        & ~pl.col("nav_status").fill_null(15).is_in(_EXPLAINED_STATUS)
    )


def _episodes(
    tracks: pl.DataFrame,
    flag: pl.Expr,
    variant: str,
    min_duration_s: float,
    min_reports: int,
    thresholds: Thresholds,
) -> pl.DataFrame:
    found = episodes(tracks, flag, bridge_s=thresholds.drift_max_interruption_s)
    if found.is_empty():
        return found
    first_lat = pl.col("lat").first().over("episode")
    first_lon = pl.col("lon").first().over("episode")
    elapsed = (pl.col("ts") - pl.col("ts").first().over("episode")).dt.total_milliseconds() / 1000
    found = found.with_columns(
        haversine_m(first_lat, first_lon, pl.col("lat"), pl.col("lon")).alias("_drifted_m"),
        elapsed.alias("_elapsed_s"),
        pl.col("cog").radians().sin().alias("_s"),
        pl.col("cog").radians().cos().alias("_c"),
        pl.int_range(1, pl.len() + 1).over("episode").alias("_n"),
    )
    share = thresholds.drift_early_share

    def held(fraction: float) -> pl.Expr:
        return (
            (pl.col("_elapsed_s") >= fraction * min_duration_s)
            & (pl.col("_drifted_m") > fraction * thresholds.drift_min_distance_m)
            & (pl.col("_n") >= min_reports)
        )

    # Circular standard deviation of the course over the observation period (the wind
    # shifts over hours; what matters is that the boat went with it meanwhile), degrees:
    # sqrt(-2 ln R).
    window = pl.col("_elapsed_s") <= min_duration_s
    s_mean, c_mean = pl.col("_s").filter(window).mean(), pl.col("_c").filter(window).mean()
    resultant = (s_mean**2 + c_mean**2).sqrt().clip(1e-9, 1.0)
    spread = ((-2 * resultant.log()).sqrt()).degrees()
    last_heard = tracks.group_by("mmsi").agg(pl.col("ts").max().alias("_last_heard"))
    events = (
        found.group_by("episode")
        .agg(
            pl.col("mmsi").first().alias("mmsi"),
            pl.col("ts").first().alias("start"),
            pl.col("ts").last().alias("end"),
            pl.col("ts").filter(held(share)).first().alias("detected"),
            pl.col("ts").filter(held(1.0)).first().alias("_confirmed_at"),
            pl.col("lat").first(),
            pl.col("lon").first(),
            pl.col("_elapsed_s").max().alias("_duration_s"),
            pl.col("_drifted_m").max().alias("_drifted_m"),
            spread.alias("_cog_spread"),
            pl.col("sog").median().alias("_sog"),
            pl.len().alias("_reports"),
        )
        .join(last_heard, on="mmsi")
    )
    # Raised early (life first); kept if the full rule came to hold, or while the drift
    # is still going on when the data ends; one that stopped short was no drift.
    ongoing = pl.col("end") >= pl.col("_last_heard")
    events = events.filter(
        pl.col("detected").is_not_null() & (pl.col("_confirmed_at").is_not_null() | ongoing)
    )
    if variant == "no_heading":
        events = events.filter(
            pl.col("_cog_spread") < thresholds.drift_no_heading_max_cog_spread_deg
        )
    longer = (pl.col("_duration_s") / (6 * min_duration_s)).clip(0.0, 1.0)
    confirmed = pl.col("_confirmed_at").is_not_null()
    return events.with_columns(
        pl.concat_list(pl.col("mmsi").cast(pl.Int32)).alias("mmsi"),
        pl.when(confirmed).then(0.6 + 0.4 * longer).otherwise(0.5).alias("score"),
        pl.struct(
            pl.lit(variant).alias("variant"),
            confirmed.alias("confirmed"),
            pl.col("_confirmed_at").alias("confirmed_at"),
            pl.col("_duration_s").round(0).alias("duration_s"),
            pl.col("_drifted_m").round(0).alias("drifted_m"),
            pl.col("_sog").round(2).alias("median_sog"),
            pl.col("_cog_spread").round(1).alias("cog_spread_deg"),
            pl.col("_reports").alias("reports"),
        ).alias("evidence"),
    )


def drift(tracks: pl.DataFrame, context: Context) -> pl.DataFrame:
    """Drift events of every vessel in `tracks` (from `vessel_tracks`)."""
    thresholds = context.thresholds
    parts = [
        _episodes(
            tracks,
            _with_heading(thresholds),
            "heading",
            thresholds.drift_min_duration_s,
            2,
            thresholds,
        ),
        _episodes(
            tracks,
            _without_heading(thresholds),
            "no_heading",
            thresholds.drift_no_heading_min_duration_s,
            thresholds.drift_no_heading_min_reports,
            thresholds,
        ),
    ]
    return finish_events(combine(parts), "drift")
