"""Dark targets: what a radar, an aircraft or a satellite sees at sea that sends no AIS.

Each sensor plot is compared with where the vessels heard on AIS were at that
minute (interpolated between their reports, when those are no more than twice
`dark_gate_s` apart): one within `dark_gate_m` explains the plot. A sensor track whose plots are nearly all unexplained is a dark
target. Only plots where AIS receivers hear can be unexplained: inside a receiver's
footprint (`reception_footprints`, when the data names its receivers) in a cell heard
that hour, or else in a cell heard all the hour long (`dark_coverage_min_slots`):
beyond their range, and at its fringe where a small boat's 2 W class B set is heard
now and then, every vessel looks dark. Any plot, though, can explain its track: a vessel heard once at the fringe
is not dark. The comparison runs per space-time cell with its neighbours, as the
cross-vessel detectors do: every plot meets only the vessels of its own and the
eight neighbouring cells in the same minute.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from watchkeeper.detect.context import Context
from watchkeeper.detect.coverage import (
    coverage_cell,
    covered_cell_hours,
    heard_at,
    reception_footprints,
)
from watchkeeper.detect.events import finish_events
from watchkeeper.detect.tracks import haversine_m

__all__ = [
    "LAND_SENSORS",
    "ais_minutes",
    "contact_tracks",
    "dark_target",
    "dark_tracks",
    "explained_plots",
]

#: Sensors that watch the land; what they see is not a vessel (border detectors use it).
LAND_SENSORS: Final = ("ground_radar", "camera")
_KNOT_MS: Final = 1852 / 3600
_MINUTE_MS: Final = 60_000
_MAX_KN: Final = 60.0  # faster than any vessel sails


def contact_tracks(contacts: pl.DataFrame) -> pl.DataFrame:
    """Sensor plots with a place and a time, by track and time (what detectors read)."""
    return contacts.filter(
        pl.col("ts").is_not_null() & pl.col("lat").is_not_null() & pl.col("lon").is_not_null()
    ).sort("contact_id", "ts")


def ais_minutes(tracks: pl.DataFrame, gate_s: float) -> pl.DataFrame:
    """Where each vessel was at each whole minute it was being heard (`_tick`, `_lat`, `_lon`).

    Positions are interpolated between consecutive reports no more than twice `gate_s`
    apart, so every minute is within `gate_s` of a report; a longer silence leaves the
    minutes between unknown, as they are.
    """
    pairs = tracks.select(
        "mmsi",
        pl.col("ts").dt.epoch("ms").alias("_t0"),
        pl.col("lat").alias("_lat0"),
        pl.col("lon").alias("_lon0"),
        pl.col("sog").fill_null(0.0).alias("_sog"),
    ).with_columns(
        pl.col("_t0").shift(-1).over("mmsi").alias("_t1"),
        pl.col("_lat0").shift(-1).over("mmsi").alias("_lat1"),
        pl.col("_lon0").shift(-1).over("mmsi").alias("_lon1"),
    )
    # Two reports bridge the minutes between when they are close in time and a vessel
    # could sail from one to the other (not two ships sharing one MMSI).
    bridged = ((pl.col("_t1") - pl.col("_t0")) <= 2 * gate_s * 1000) & (
        haversine_m(pl.col("_lat0"), pl.col("_lon0"), pl.col("_lat1"), pl.col("_lon1"))
        <= _MAX_KN * _KNOT_MS * (pl.col("_t1") - pl.col("_t0")) / 1000
    )
    first_tick = (pl.col("_t0") + _MINUTE_MS - 1) // _MINUTE_MS
    last_tick = pl.when(bridged).then((pl.col("_t1") - 1) // _MINUTE_MS).otherwise(first_tick - 1)
    span = (pl.col("_t1") - pl.col("_t0")).cast(pl.Float64)
    ticks = (
        pairs.with_columns(pl.int_ranges(first_tick, last_tick + 1).alias("_tick"))
        .explode("_tick")
        .drop_nulls("_tick")
        .with_columns(((pl.col("_tick") * _MINUTE_MS - pl.col("_t0")) / span).alias("_f"))
        .select(
            "mmsi",
            "_tick",
            (pl.col("_lat0") + pl.col("_f") * (pl.col("_lat1") - pl.col("_lat0"))).alias("_lat"),
            (pl.col("_lon0") + pl.col("_f") * (pl.col("_lon1") - pl.col("_lon0"))).alias("_lon"),
            "_sog",
        )
    )
    # The minute nearest each report, so a vessel heard once is still somewhere.
    reports = pairs.select(
        "mmsi",
        ((pl.col("_t0") + _MINUTE_MS // 2) // _MINUTE_MS).alias("_tick"),
        pl.col("_lat0").alias("_lat"),
        pl.col("_lon0").alias("_lon"),
        "_sog",
    )
    return pl.concat([ticks, reports])


def explained_plots(plots: pl.DataFrame, tracks: pl.DataFrame, context: Context) -> pl.Series:
    """For each plot (in order), whether a vessel heard on AIS was within the gate."""
    t = context.thresholds
    # Cells wider than the gate plus the way a 40 kn vessel makes in half a minute.
    cell_deg = (t.dark_gate_m + 40 * _KNOT_MS * 30) / 111_320 / 0.7  # good to 45 degrees
    cell = [
        (pl.col("_lat") / cell_deg).floor().cast(pl.Int32).alias("_cy"),
        (pl.col("_lon") / cell_deg).floor().cast(pl.Int32).alias("_cx"),
    ]
    ais = ais_minutes(tracks, t.dark_gate_s).with_columns(*cell)
    keyed = (
        plots.select(
            pl.col("lat").alias("_lat"),
            pl.col("lon").alias("_lon"),
            ((pl.col("ts").dt.epoch("ms") + _MINUTE_MS // 2) // _MINUTE_MS).alias("_tick"),
        )
        .with_row_index("_plot")
        .with_columns(*cell)
    )
    offsets = pl.DataFrame({"_o": [-1, 0, 1]}, schema={"_o": pl.Int32})
    around = (
        keyed.join(offsets.rename({"_o": "_dy"}), how="cross")
        .join(offsets.rename({"_o": "_dx"}), how="cross")
        .with_columns(
            (pl.col("_cy") + pl.col("_dy")).alias("_cy"),
            (pl.col("_cx") + pl.col("_dx")).alias("_cx"),
        )
        .join(ais, on=["_tick", "_cy", "_cx"], suffix="_ais")
    )
    within = (
        haversine_m(pl.col("_lat"), pl.col("_lon"), pl.col("_lat_ais"), pl.col("_lon_ais"))
        <= t.dark_gate_m + pl.col("_sog") * _KNOT_MS * 30
    )
    hits = around.filter(within).select("_plot").unique()
    return (
        keyed.select("_plot")
        .join(hits.with_columns(pl.lit(True).alias("_hit")), on="_plot", how="left")
        .sort("_plot")["_hit"]
        .fill_null(False)
        .alias("explained")
    )


def dark_tracks(tracks: pl.DataFrame, context: Context) -> pl.DataFrame:
    """The sea sensors' tracks that are dark, one row each: `contact_id`, `start`, `end`,
    `detected` (the `dark_min_plots`-th unexplained plot), first (`lat`, `lon`) and last
    (`_lat1`, `_lon1`) positions, and what the evidence needs (`_plots`, `_explained`,
    `_sensor`, `_sensor_id`, `_class`, `_speed`, `_length`). Plots outside steady AIS
    reception are left out first."""
    return context.shared("dark_tracks", tracks, lambda: _dark_tracks(tracks, context))


def _dark_tracks(tracks: pl.DataFrame, context: Context) -> pl.DataFrame:
    t = context.thresholds
    plots = context.contacts
    if plots is None or plots.is_empty():
        return pl.DataFrame()
    plots = plots.filter(~pl.col("sensor").cast(pl.String).is_in(LAND_SENSORS))
    if plots.is_empty():
        return pl.DataFrame()
    # Where receivers' footprints are known they draw the edge of reception, and a cell
    # heard at all that hour shows they were working; else the cell must be heard all
    # hour long (`dark_coverage_min_slots`), which keeps away from the edge.
    footprints = reception_footprints(tracks, context)
    min_slots = 1 if footprints else t.dark_coverage_min_slots
    ms = pl.col("ts").dt.epoch("ms")
    plots = (
        plots.with_columns(explained_plots(plots, tracks, context))
        .with_columns(*coverage_cell(pl.col("lat"), pl.col("lon"), ms, t.coverage_cell_deg))
        .join(
            covered_cell_hours(tracks, context, min_slots),
            on=["_cy", "_cx", "_h"],
            how="left",
        )
        .with_columns(pl.col("_covered").fill_null(False))
    )
    heard = heard_at(footprints, plots["lat"].to_numpy(), plots["lon"].to_numpy())
    plots = plots.with_columns(pl.col("_covered") & pl.Series(heard)).sort("contact_id", "ts")
    # Only plots where AIS is heard all the time can be dark; any plot can be explained.
    unexplained = (
        (~pl.col("explained") & pl.col("_covered")).cast(pl.UInt32).cum_sum().over("contact_id")
    )
    return (
        plots.with_columns(unexplained.alias("_unexplained"))
        .group_by("contact_id", maintain_order=True)
        .agg(
            pl.col("ts").first().alias("start"),
            pl.col("ts").last().alias("end"),
            pl.col("ts")
            .filter(pl.col("_unexplained") >= t.dark_min_plots)
            .first()
            .alias("detected"),
            pl.col("lat").first(),
            pl.col("lon").first(),
            pl.col("lat").last().alias("_lat1"),
            pl.col("lon").last().alias("_lon1"),
            pl.len().alias("_plots"),
            pl.col("explained").mean().alias("_explained"),
            pl.col("sensor").cast(pl.String).first().alias("_sensor"),
            pl.col("sensor_id").cast(pl.String).first().alias("_sensor_id"),
            pl.col("classification").cast(pl.String).drop_nulls().mode().first().alias("_class"),
            pl.col("speed_kn").median().alias("_speed"),
            pl.col("length_m").median().alias("_length"),
        )
        .filter(
            pl.col("detected").is_not_null() & (pl.col("_explained") <= t.dark_max_explained_share)
        )
    )


def dark_target(tracks: pl.DataFrame, context: Context) -> pl.DataFrame:
    events = dark_tracks(tracks, context)
    if events.is_empty():
        return finish_events(pl.DataFrame(), "dark_target")
    plots_score = (pl.col("_plots").cast(pl.Float64).log(2) / 5).clip(0.0, 1.0)
    return finish_events(
        events.select(
            pl.concat_list("contact_id").alias("contact_id"),
            "start",
            "end",
            "detected",
            "lat",
            "lon",
            (0.5 + 0.3 * plots_score + 0.2 * (1 - pl.col("_explained"))).alias("score"),
            pl.struct(
                pl.col("_sensor").alias("sensor"),
                pl.col("_sensor_id").alias("sensor_id"),
                pl.col("_plots").alias("plots"),
                pl.col("_explained").round(2).alias("explained_share"),
                pl.col("_class").alias("classification"),
                pl.col("_speed").round(1).alias("median_speed_kn"),
                pl.col("_length").round(1).alias("median_length_m"),
            ).alias("evidence"),
        ),
        "dark_target",
    )
