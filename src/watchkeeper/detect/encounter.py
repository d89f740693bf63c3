"""Encounters: two vessels stopped together at sea, for hours or, for small craft, minutes.

A cross-vessel detector: tracks are reduced to their mean position per time step,
steps of slow vessels away from land are placed in small grid cells, and each cell
meets its eight neighbours at the same step. That is the space-time-cell contract: the
same function can run per cell (with its neighbours) on Spark. Global Fishing Watch's
rule (within 500 m, under 2 kn, for 2 h, 10 km from an anchorage, anchorages being
where the data shows vessels at anchor or moored) with a shorter
variant when one of the two is a small craft (class B, no static report, or a sensor
track classified small craft or no longer than `encounter_small_craft_max_length_m`).

Meetings beyond receiver range are seen only by radars, aircraft and satellites, so the
same rule runs on sensor tracks too, pairing only tracks of one sensor: one sensor
holding two tracks has resolved two objects, while two sensors' tracks side by side
are as likely one vessel seen twice. A meeting found on AIS and by sensors, or by
several sensors, is one event naming every vessel and track that saw it.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
import polars as pl
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from watchkeeper.detect.context import Context
from watchkeeper.detect.dark import LAND_SENSORS
from watchkeeper.detect.events import finish_events
from watchkeeper.detect.shore import anchorage_cells, near_land
from watchkeeper.detect.tracks import haversine_m

__all__ = ["encounter"]

_CELL_DEG: Final = 0.01  # ~1.1 km, twice the meeting distance: neighbours suffice
_MERGE_DEG: Final = 0.05  # meetings found twice lie within a cell and its neighbours
_MERGE_M: Final = 2_000.0  # ... and this close: one meeting seen by AIS and sensors
_CLASS_B: Final = [18, 19]
_AIS: Final = "ais"
_KNOT_MS: Final = 1852 / 3600

#: One row per object (vessel or sensor track) and time step, as `_meetings` reads them.
_STEP_COLUMNS: Final = ("_key", "_group", "_bin", "lat", "lon", "_sog", "_small")


def _small_vessels(tracks: pl.DataFrame, context: Context) -> pl.DataFrame:
    """MMSIs of small craft: mostly class B reports, or never a static report."""
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
    return small


def _ais_steps(tracks: pl.DataFrame, context: Context) -> pl.DataFrame:
    """Each vessel's mean position and speed over time in each step. The speed is the
    median over the step's time, not over its reports: a transponder reports faster the
    faster it goes (class B every 3 min under 2 kn, every 30 s above), so a step a boat
    spent alongside but for its last minute holds more reports under way than alongside.
    Each report speaks for the time until the vessel's next one, at most one step."""
    bin_ms = int(context.thresholds.encounter_bin_s * 1000)
    small = _small_vessels(tracks, context).with_columns(pl.lit(True).alias("_small"))
    epoch = pl.col("ts").dt.epoch("ms")
    until_next = epoch.shift(-1).over("mmsi", order_by="ts") - epoch
    held = pl.when(pl.col("sog").is_not_null()).then(until_next.fill_null(bin_ms).clip(0, bin_ms))
    by_speed = pl.col("_held").fill_null(0).sort_by("sog", nulls_last=True)
    time_median = (
        pl.col("sog")
        .sort_by("sog", nulls_last=True)
        .filter(by_speed.cum_sum() >= by_speed.sum() / 2)
        .first()
    )
    steps = (
        tracks.with_columns(held.alias("_held"))
        .group_by("mmsi", (epoch // bin_ms).alias("_bin"))
        .agg(pl.col("lat").mean(), pl.col("lon").mean(), time_median.alias("_sog"))
        .with_columns(pl.col("_sog").fill_null(0.0))
    )
    return (
        pl.concat([steps, _bridged_steps(steps, context)], how="vertical_relaxed")
        .join(small, on="mmsi", how="left")
        .select(
            pl.col("mmsi").cast(pl.String).alias("_key"),
            pl.lit(_AIS).alias("_group"),
            "_bin",
            "lat",
            "lon",
            "_sog",
            pl.col("_small").fill_null(False),
        )
    )


def _bridged_steps(steps: pl.DataFrame, context: Context) -> pl.DataFrame:
    """The steps a slow vessel was not heard in, between two steps it was, at most
    `encounter_max_interpolation_s` apart: positions on the straight line between them,
    at the speed made good, which is under `encounter_max_sog` (faster silences are not
    bridged: the vessel was going somewhere, not keeping company). Slow means slow on
    one side of the silence at least: a boat last heard arriving under way and heard
    next lying where it arrived stopped there, as one heard last lying still and next
    leaving lay there until it left (fast on both sides, nothing shows it ever stopped)."""
    t = context.thresholds
    most = int(t.encounter_max_interpolation_s // t.encounter_bin_s)
    if most < 2 or steps.is_empty():
        return steps.clear()
    after = pl.col("_bin").shift(-1).over("mmsi")
    gap = after - pl.col("_bin")
    lat1, lon1 = pl.col("lat").shift(-1).over("mmsi"), pl.col("lon").shift(-1).over("mmsi")
    made_good = haversine_m(pl.col("lat"), pl.col("lon"), lat1, lon1) / (
        gap * t.encounter_bin_s * _KNOT_MS
    )
    silences = (
        steps.sort("mmsi", "_bin")
        .with_columns(
            gap.alias("_gap"),
            lat1.alias("_lat1"),
            lon1.alias("_lon1"),
            made_good.alias("_made_good"),
            pl.col("_sog").shift(-1).over("mmsi").alias("_sog1"),
        )
        .filter(
            pl.col("_gap").is_between(2, most)
            & (pl.col("_made_good") < t.encounter_max_sog)
            & ((pl.col("_sog") < t.encounter_max_sog) | (pl.col("_sog1") < t.encounter_max_sog))
        )
    )
    share = pl.col("_k") / pl.col("_gap")
    return (
        silences.with_columns(pl.int_ranges(1, pl.col("_gap")).alias("_k"))
        .explode("_k")
        .select(
            "mmsi",
            (pl.col("_bin") + pl.col("_k")).alias("_bin"),
            (pl.col("lat") + (pl.col("_lat1") - pl.col("lat")) * share).alias("lat"),
            (pl.col("lon") + (pl.col("_lon1") - pl.col("lon")) * share).alias("lon"),
            pl.col("_made_good").cast(steps.schema["_sog"]).alias("_sog"),
        )
    )


def _sensor_steps(context: Context) -> pl.DataFrame:
    """Sea sensors' tracks per time step; a plot without a speed (a satellite image)
    takes the speed its track made good since the plot before."""
    plots = context.contacts
    t = context.thresholds
    if plots is None or plots.is_empty():
        return pl.DataFrame()
    plots = plots.filter(~pl.col("sensor").cast(pl.String).is_in(LAND_SENSORS))
    bin_ms = int(t.encounter_bin_s * 1000)
    seconds = pl.col("ts").diff().over("contact_id").dt.total_milliseconds() / 1000
    made_good = haversine_m(
        pl.col("lat").shift(1).over("contact_id"),
        pl.col("lon").shift(1).over("contact_id"),
        pl.col("lat"),
        pl.col("lon"),
    ) / (seconds * _KNOT_MS)
    small = plots.group_by("contact_id").agg(
        (
            (pl.col("classification").cast(pl.String) == "small_craft").any()
            | (pl.col("length_m").median() <= t.encounter_small_craft_max_length_m)
        )
        .fill_null(False)
        .alias("_small")
    )
    return (
        plots.with_columns(
            pl.coalesce(
                pl.col("speed_kn"), pl.when(seconds > 0).then(made_good).otherwise(None)
            ).alias("_speed")
        )
        .group_by(
            "contact_id",
            pl.col("sensor_id").cast(pl.String).alias("_group"),
            (pl.col("ts").dt.epoch("ms") // bin_ms).alias("_bin"),
        )
        .agg(pl.col("lat").mean(), pl.col("lon").mean(), pl.col("_speed").median().alias("_sog"))
        .join(small, on="contact_id")
        .select(
            pl.col("contact_id").alias("_key"),
            "_group",
            "_bin",
            "lat",
            "lon",
            pl.col("_sog").fill_null(0.0).cast(pl.Float32),
            "_small",
        )
    )


def _slow_at_sea(steps: pl.DataFrame, tracks: pl.DataFrame, context: Context) -> pl.DataFrame:
    """Steps under `encounter_max_sog`, in cells clear of land and anchorages."""
    t = context.thresholds
    steps = steps.filter(pl.col("_sog") < t.encounter_max_sog).with_columns(
        (pl.col("lat") / _CELL_DEG).floor().cast(pl.Int32).alias("_cy"),
        (pl.col("lon") / _CELL_DEG).floor().cast(pl.Int32).alias("_cx"),
    )
    cells = steps.select("_cy", "_cx").unique()
    centre_lat = ((cells["_cy"].cast(pl.Float64) + 0.5) * _CELL_DEG).to_numpy()
    centre_lon = ((cells["_cx"].cast(pl.Float64) + 0.5) * _CELL_DEG).to_numpy()
    shore = near_land(context, centre_lat, centre_lon, t.encounter_min_shore_m)
    offshore = cells.filter(pl.Series(~shore))
    anchorages = anchorage_cells(tracks, context, t.encounter_min_anchorage_m)
    away = offshore.join(anchorages, on=["_cy", "_cx"], how="anti")
    return steps.join(away, on=["_cy", "_cx"])


def _meetings(steps: pl.DataFrame, context: Context) -> pl.DataFrame:
    """Runs of steps two objects of one group spend within `encounter_max_distance_m`,
    long enough for the rule: one row per meeting."""
    t = context.thresholds
    shifts = pl.DataFrame(
        {"_dy": [dy for dy in (-1, 0, 1) for _ in range(3)], "_dx": [-1, 0, 1] * 3}
    )
    other = steps.join(shifts, how="cross").select(
        pl.col("_key").alias("_b"),
        "_group",
        "_bin",
        (pl.col("_cy") + pl.col("_dy")).alias("_cy"),
        (pl.col("_cx") + pl.col("_dx")).alias("_cx"),
        pl.col("lat").alias("_blat"),
        pl.col("lon").alias("_blon"),
        pl.col("_small").alias("_bsmall"),
    )
    pairs = (
        steps.join(other, on=["_group", "_bin", "_cy", "_cx"])
        .filter(pl.col("_key") < pl.col("_b"))
        .with_columns(
            haversine_m(pl.col("lat"), pl.col("lon"), pl.col("_blat"), pl.col("_blon")).alias("_d")
        )
        .filter(pl.col("_d") <= t.encounter_max_distance_m)
        .sort("_group", "_key", "_b", "_bin")
    )
    if pairs.is_empty():
        return pl.DataFrame()
    # AIS may miss one step; a sensor sweeps, flies or passes over at its own pace.
    sensor_gap = max(2, math.ceil(t.encounter_sensor_max_gap_s / t.encounter_bin_s))
    max_gap = pl.when(pl.col("_group") == _AIS).then(2).otherwise(sensor_gap)
    same_pair = (
        (pl.col("_group") == pl.col("_group").shift(1))
        & (pl.col("_key") == pl.col("_key").shift(1))
        & (pl.col("_b") == pl.col("_b").shift(1))
    )
    close_in_time = (pl.col("_bin") - pl.col("_bin").shift(1)) <= max_gap
    runs = pairs.with_columns(
        (~(same_pair & close_in_time)).fill_null(True).cast(pl.UInt32).cum_sum().alias("_run")
    )
    together = runs.group_by("_run").agg(
        pl.col("_group").first(),
        pl.col("_key").first(),
        pl.col("_b").first(),
        pl.col("_bin").min().alias("_first"),
        pl.col("_bin").max().alias("_last"),
        pl.col("lat").first(),
        pl.col("lon").first(),
        ((pl.col("lat") + pl.col("_blat")) / 2).mean().alias("_mlat"),
        ((pl.col("lon") + pl.col("_blon")) / 2).mean().alias("_mlon"),
        pl.col("_d").median().alias("_median_m"),
        (pl.col("_small").any() | pl.col("_bsmall").any()).alias("_small"),
    )
    duration_s = (pl.col("_last") - pl.col("_first") + 1) * t.encounter_bin_s
    needed = (
        pl.when(pl.col("_small"))
        .then(t.encounter_small_craft_min_duration_s)
        .otherwise(t.encounter_min_duration_s)
    )
    return together.filter(duration_s >= needed).with_columns(
        duration_s.alias("_duration"), needed.alias("_needed")
    )


def _as_events(found: pl.DataFrame, context: Context) -> pl.DataFrame:
    bin_ms = int(context.thresholds.encounter_bin_s * 1000)
    start = pl.from_epoch(pl.col("_first") * bin_ms, time_unit="ms").dt.replace_time_zone("UTC")
    on_ais = pl.col("_group") == _AIS
    pair = pl.concat_list("_key", "_b")
    return found.select(
        pl.when(on_ais)
        .then(pair.list.eval(pl.element().cast(pl.Int32)))
        .otherwise(pl.lit([], dtype=pl.List(pl.Int32)))
        .alias("mmsi"),
        pl.when(on_ais)
        .then(pl.lit([], dtype=pl.List(pl.String)))
        .otherwise(pair)
        .alias("contact_id"),
        start.alias("start"),
        (start + pl.duration(milliseconds=(pl.col("_duration") * 1000).cast(pl.Int64))).alias(
            "end"
        ),
        (start + pl.duration(milliseconds=(pl.col("_needed") * 1000).cast(pl.Int64))).alias(
            "detected"
        ),
        "lat",
        "lon",
        "_mlat",
        "_mlon",
        (0.6 + 0.4 * (pl.col("_duration") / (3 * pl.col("_needed"))).clip(0, 1)).alias("score"),
        "_small",
        "_duration",
        "_median_m",
        pl.col("_group").alias("_seen_by"),
    )


def _one_per_meeting(events: pl.DataFrame, context: Context) -> pl.DataFrame:
    """Meetings found in several groups (AIS, each sensor), or in pieces by one, that
    lie within `_MERGE_M` of each other and overlap in time or follow each other within
    `encounter_sensor_max_gap_s`, as one event naming every vessel and track."""
    gap = pl.duration(milliseconds=int(context.thresholds.encounter_sensor_max_gap_s * 1000))
    n = events.height
    events = events.with_row_index("_i").with_columns(
        (pl.col("_mlat") / _MERGE_DEG).floor().cast(pl.Int32).alias("_my"),
        (pl.col("_mlon") / _MERGE_DEG).floor().cast(pl.Int32).alias("_mx"),
    )
    shifts = pl.DataFrame(
        {"_dy": [dy for dy in (-1, 0, 1) for _ in range(3)], "_dx": [-1, 0, 1] * 3}
    )
    other = events.join(shifts, how="cross").select(
        pl.col("_i").alias("_j"),
        (pl.col("_my") + pl.col("_dy")).alias("_my"),
        (pl.col("_mx") + pl.col("_dx")).alias("_mx"),
        pl.col("start").alias("_jstart"),
        pl.col("end").alias("_jend"),
        pl.col("_mlat").alias("_jlat"),
        pl.col("_mlon").alias("_jlon"),
    )
    links = (
        events.join(other, on=["_my", "_mx"])
        .filter(
            (pl.col("_i") < pl.col("_j"))
            & (pl.col("start") <= pl.col("_jend") + gap)
            & (pl.col("_jstart") <= pl.col("end") + gap)
            & (
                haversine_m(pl.col("_mlat"), pl.col("_mlon"), pl.col("_jlat"), pl.col("_jlon"))
                <= _MERGE_M
            )
        )
        .select("_i", "_j")
    )
    graph = coo_matrix(
        (np.ones(links.height), (links["_i"].to_numpy(), links["_j"].to_numpy())), shape=(n, n)
    )
    _, label = connected_components(graph, directed=False)
    return (
        events.with_columns(pl.Series("_meeting", label))
        .sort("start")
        .group_by("_meeting")
        .agg(
            pl.col("mmsi").list.explode(keep_nulls=False, empty_as_null=False).unique().sort(),
            pl.col("contact_id")
            .list.explode(keep_nulls=False, empty_as_null=False)
            .unique()
            .sort(),
            pl.col("start").min(),
            pl.col("end").max(),
            pl.col("detected").min(),
            pl.col("lat").first(),
            pl.col("lon").first(),
            pl.col("score").max(),
            pl.col("_small").any(),
            pl.col("_duration").max(),
            pl.col("_median_m").min(),
            pl.col("_seen_by").unique().sort(),
        )
    )


def encounter(tracks: pl.DataFrame, context: Context) -> pl.DataFrame:
    """Pairs of vessels together at sea (see the module docstring)."""
    steps = [
        s.select(_STEP_COLUMNS)
        for s in (_ais_steps(tracks, context), _sensor_steps(context))
        if not s.is_empty()
    ]
    if not steps:
        return finish_events(pl.DataFrame(), "encounter")
    found = _meetings(
        _slow_at_sea(pl.concat(steps, how="vertical_relaxed"), tracks, context), context
    )
    if found.is_empty():
        return finish_events(pl.DataFrame(), "encounter")
    events = _one_per_meeting(_as_events(found, context), context)
    return finish_events(
        events.select(
            "mmsi",
            "contact_id",
            "start",
            "end",
            "detected",
            "lat",
            "lon",
            "score",
            pl.struct(
                pl.when(pl.col("_small"))
                .then(pl.lit("small_craft_alongside"))
                .otherwise(pl.lit("vessel_encounter"))
                .alias("variant"),
                (pl.col("_duration") / 60).round(0).alias("minutes"),
                pl.col("_median_m").round(0).alias("median_distance_m"),
                pl.col("_seen_by").alias("seen_by"),
            ).alias("evidence"),
        ),
        "encounter",
    )
