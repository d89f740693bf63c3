"""Loitering: idling for hours in a zone marked as a departure coast, more so at night.

Boats that wait off a beach for their passengers, or for a mother ship's signal, idle
under 2 kn (Global Fishing Watch's loitering speed) where nothing keeps them: no
fishing, no harbour (reports near land, or near an anchorage found in the data, are
left out). The zones come from the node (`departure_coast`); without them
this detector finds nothing. Night (local solar time 19:00-05:00) raises the score; a
node may also require part of the spell to be at night (`loiter_min_night_share`).
"""

from __future__ import annotations

from typing import Final

import numpy as np
import polars as pl

from watchkeeper.detect.context import Context
from watchkeeper.detect.events import finish_events
from watchkeeper.detect.shore import anchorage_cells, near_land_rows
from watchkeeper.detect.tracks import at_night, haversine_m

__all__ = ["loitering"]

_EXPLAINED_STATUS = [1, 5, 6, 7]  # at anchor, moored, aground, fishing
_KNOT_MS: Final = 1852 / 3600


def _spells(idle: pl.DataFrame, context: Context) -> pl.DataFrame:
    """Idle reports (by vessel and time) numbered by spell (`episode`). A spell survives
    faster reports or silence of up to `loiter_max_interruption_s`, and a longer silence
    (nothing heard at all, up to `loiter_max_silence_s`) after which the vessel is heard
    again no further away than it could idle: where reception is thin, a boat heard at
    each satellite pass is idling all along."""
    t = context.thresholds
    previous = pl.col("ts").shift(1)
    gap_s = (pl.col("ts") - previous).dt.total_milliseconds() / 1000
    moved_kn = haversine_m(
        pl.col("lat").shift(1), pl.col("lon").shift(1), pl.col("lat"), pl.col("lon")
    ) / (gap_s * _KNOT_MS)
    silent = pl.col("_heard_before") == previous  # nothing else heard in between
    bridged = (pl.col("mmsi") == pl.col("mmsi").shift(1)) & (
        (gap_s <= t.loiter_max_interruption_s)
        | (silent & (gap_s <= t.loiter_max_silence_s) & (moved_kn < t.loiter_max_sog))
    )
    return idle.with_columns((~bridged).fill_null(True).cast(pl.UInt32).cum_sum().alias("episode"))


def loitering(tracks: pl.DataFrame, context: Context) -> pl.DataFrame:
    t = context.thresholds
    if context.zones is None or not context.zones.of_kind("departure_coast") or tracks.is_empty():
        return finish_events(pl.DataFrame(), "loitering")
    heard_before = pl.col("ts").shift(1).over("mmsi").alias("_heard_before")
    slow = tracks.with_columns(heard_before).filter(
        (pl.col("sog").fill_null(0.0) < t.loiter_max_sog)
        & ~pl.col("nav_status").fill_null(15).is_in(_EXPLAINED_STATUS)
    )
    slow = slow.filter(pl.Series(~near_land_rows(context, slow, t.loiter_min_shore_m)))
    harbours = anchorage_cells(tracks, context, t.loiter_min_anchorage_m)
    slow = (
        slow.with_columns(
            (pl.col("lat") / 0.01).floor().cast(pl.Int32).alias("_cy"),
            (pl.col("lon") / 0.01).floor().cast(pl.Int32).alias("_cx"),
        )
        .join(harbours, on=["_cy", "_cx"], how="anti")
        .sort("mmsi", "ts")
    )
    zone = context.zones.containing(
        "departure_coast", slow["lat"].to_numpy(), slow["lon"].to_numpy()
    )
    names = [z.name for z in context.zones.of_kind("departure_coast")]
    inside = slow.filter(pl.Series(zone >= 0)).with_columns(pl.Series("_zone", zone[zone >= 0]))
    found = _spells(inside, context)
    if found.is_empty():
        return finish_events(pl.DataFrame(), "loitering")
    elapsed = (pl.col("ts") - pl.col("ts").first().over("episode")).dt.total_milliseconds() / 1000
    night = at_night(pl.col("ts"), pl.col("lon"))
    events = (
        found.with_columns(elapsed.alias("_elapsed"), night.alias("_night"))
        .group_by("episode")
        .agg(
            pl.col("mmsi").first().cast(pl.Int32),
            pl.col("ts").first().alias("start"),
            pl.col("ts").last().alias("end"),
            pl.col("ts")
            .filter(pl.col("_elapsed") >= t.loiter_min_duration_s)
            .first()
            .alias("detected"),
            pl.col("lat").first(),
            pl.col("lon").first(),
            pl.col("_elapsed").max().alias("_duration"),
            pl.col("_night").mean().alias("_night_share"),
            pl.col("_zone").mode().first().alias("_zone"),
            pl.col("sog").median().alias("_sog"),
        )
        .filter(
            pl.col("detected").is_not_null() & (pl.col("_night_share") >= t.loiter_min_night_share)
        )
    )
    if events.is_empty():
        return finish_events(pl.DataFrame(), "loitering")
    zone_names = pl.Series(
        "_zone_name", np.array(names, dtype=object)[events["_zone"].to_numpy()].tolist()
    )
    return finish_events(
        events.with_columns(zone_names).select(
            pl.concat_list("mmsi").alias("mmsi"),
            "start",
            "end",
            "detected",
            "lat",
            "lon",
            (0.5 + 0.5 * pl.col("_night_share")).alias("score"),
            pl.struct(
                pl.col("_zone_name").alias("zone"),
                (pl.col("_duration") / 3600).round(1).alias("hours"),
                pl.col("_night_share").round(2).alias("night_share"),
                pl.col("_sog").round(1).alias("median_sog"),
            ).alias("evidence"),
        ),
        "loitering",
    )
