"""Departures: boats leaving a departure coast for the open sea.

Two ways to see one:

* on AIS, a vessel (not a patrol, SAR or harbour craft) heard close to the shore of a
  `departure_coast` zone (within `departure_max_shore_m` of land, not in a harbour or
  anchorage found in the data) that then leaves the zone for the open sea (its first
  report outside the zone is at least `departure_min_offshore_m` from land) within
  `departure_max_hours`;
* on sensors, a dark track (as `dark_target` finds them) of a boat under way whose
  course, run back for up to `departure_max_hours` at its speed, leads to a departure
  coast it is moving away from, and, where the node marks landing coasts, run on,
  leads to one: boats are rarely seen on the beach, but radars and aircraft see them
  on the way.

Night (local solar time 19:00-05:00) raises the score: crossings leave in the dark.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import polars as pl
import shapely

from watchkeeper.detect.context import Context
from watchkeeper.detect.dark import dark_tracks
from watchkeeper.detect.events import combine, finish_events
from watchkeeper.detect.shore import anchorage_cells, near_land_rows
from watchkeeper.detect.tracks import EARTH_RADIUS_M, at_night

__all__ = ["departure"]

_KNOT_MS: Final = 1852 / 3600
#: Ship types (ITU-R M.1371 table 53) of the agencies' own and harbour craft, whose
#: sorties are not departures: military (35), pilot, SAR, tug, port tender,
#: anti-pollution, law enforcement, medical and non-combatant craft (50-59).
_SERVICE_CRAFT: Final = [35, *range(50, 60)]


def departure(tracks: pl.DataFrame, context: Context) -> pl.DataFrame:
    if context.zones is None or not context.zones.of_kind("departure_coast"):
        return finish_events(pl.DataFrame(), "departure")
    found = combine([_from_ais(tracks, context), _from_sensors(tracks, context)])
    return finish_events(found, "departure")


def _from_ais(tracks: pl.DataFrame, context: Context) -> pl.DataFrame:
    t = context.thresholds
    assert context.zones is not None
    if tracks.is_empty():
        return pl.DataFrame()
    zone = context.zones.containing(
        "departure_coast", tracks["lat"].to_numpy(), tracks["lon"].to_numpy()
    )
    harbours = anchorage_cells(tracks, context, t.loiter_min_anchorage_m)
    flagged = (
        tracks.select("mmsi", "ts", "lat", "lon", "sog")
        .with_columns(
            pl.Series("_zone", zone),
            (pl.col("lat") / 0.01).floor().cast(pl.Int32).alias("_cy"),
            (pl.col("lon") / 0.01).floor().cast(pl.Int32).alias("_cx"),
        )
        .join(
            harbours.with_columns(pl.lit(True).alias("_harbour")),
            on=["_cy", "_cx"],
            how="left",
            maintain_order="left",
        )
    )
    if context.vessels is not None and not context.vessels.is_empty():
        service = context.vessels.filter(pl.col("ship_type").is_in(_SERVICE_CRAFT))
        flagged = flagged.join(service.select("mmsi").unique(), on="mmsi", how="anti")
    inside = flagged.filter(pl.col("_zone") >= 0)
    ashore = near_land_rows(context, inside, t.departure_max_shore_m)
    launch = inside.with_columns(pl.Series("_ashore", ashore)).filter(
        pl.col("_ashore") & pl.col("_harbour").is_null()
    )
    if launch.is_empty():
        return pl.DataFrame()
    # Every report, with the last launch before it and whether the one before was inside.
    marked = (
        flagged.join(
            launch.select("mmsi", "ts", pl.lit(True).alias("_launch")),
            on=["mmsi", "ts"],
            how="left",
            maintain_order="left",
        )
        .with_columns(
            pl.when(pl.col("_launch")).then(pl.col("ts")).alias("_launch_ts"),
            pl.when(pl.col("_launch")).then(pl.col("lat")).alias("_launch_lat"),
            pl.when(pl.col("_launch")).then(pl.col("lon")).alias("_launch_lon"),
            pl.when(pl.col("_launch")).then(pl.col("_zone")).alias("_launch_zone"),
        )
        .with_columns(
            pl.col("_launch_ts", "_launch_lat", "_launch_lon", "_launch_zone")
            .forward_fill()
            .over("mmsi"),
            pl.col("_zone").shift(1).over("mmsi").alias("_zone_before"),
        )
    )
    exits = marked.filter(
        (pl.col("_zone") < 0)
        & (pl.col("_zone_before") >= 0)
        & pl.col("_launch_ts").is_not_null()
        & ((pl.col("ts") - pl.col("_launch_ts")).dt.total_seconds() <= t.departure_max_hours * 3600)
    )
    if exits.is_empty():
        return pl.DataFrame()
    offshore = ~near_land_rows(context, exits, t.departure_min_offshore_m)
    exits = exits.filter(pl.Series(offshore)).unique(["mmsi", "_launch_ts"], keep="first")
    if exits.is_empty():
        return pl.DataFrame()
    names = np.array([z.name for z in context.zones.of_kind("departure_coast")], dtype=object)
    night = at_night(pl.col("_launch_ts"), pl.col("_launch_lon"))
    return exits.select(
        pl.concat_list("mmsi").alias("mmsi"),
        pl.col("_launch_ts").alias("start"),
        pl.col("ts").alias("end"),
        pl.col("ts").alias("detected"),
        pl.col("_launch_lat").alias("lat"),
        pl.col("_launch_lon").alias("lon"),
        pl.when(night).then(0.9).otherwise(0.6).alias("score"),
        pl.struct(
            pl.Series("zone", names[exits["_launch_zone"].to_numpy()].tolist()),
            pl.lit("ais").alias("seen_by"),
            ((pl.col("ts") - pl.col("_launch_ts")).dt.total_minutes()).alias("minutes_to_leave"),
            night.alias("night"),
        ).alias("evidence"),
    )


def _from_sensors(tracks: pl.DataFrame, context: Context) -> pl.DataFrame:
    t = context.thresholds
    assert context.zones is not None
    dark = dark_tracks(tracks, context)
    if dark.is_empty():
        return pl.DataFrame()
    lat0, lon0 = dark["lat"].to_numpy(), dark["lon"].to_numpy()
    lat1, lon1 = dark["_lat1"].to_numpy(), dark["_lon1"].to_numpy()
    seconds = (dark["end"] - dark["start"]).dt.total_seconds().to_numpy().astype(float)
    scale = np.cos(np.radians(lat0))
    east = (lon1 - lon0) * scale
    north = lat1 - lat0
    moved_deg = np.hypot(east, north)
    speed_kn = moved_deg * np.pi / 180 * EARTH_RADIUS_M / np.maximum(seconds, 1.0) / _KNOT_MS
    under_way = (speed_kn >= t.departure_min_sog) & (moved_deg > 0)
    # Run the course back from the first plot for departure_max_hours at its speed.
    back_deg = speed_kn * _KNOT_MS * t.departure_max_hours * 3600 / (np.pi / 180 * EARTH_RADIUS_M)
    unit_e = np.divide(east, moved_deg, out=np.zeros_like(east), where=moved_deg > 0)
    unit_n = np.divide(north, moved_deg, out=np.zeros_like(north), where=moved_deg > 0)
    blat = lat0 - unit_n * back_deg
    blon = lon0 - unit_e * back_deg / scale
    wake = shapely.linestrings(
        np.stack([np.stack([lon0, blon], axis=1), np.stack([lat0, blat], axis=1)], axis=2)
    )
    coasts = context.zones.of_kind("departure_coast")
    from_coast = np.full(dark.height, -1, dtype=np.int32)
    distance_deg = np.full(dark.height, np.inf)
    for i, zone in enumerate(coasts):
        d = shapely.distance(zone.geometry, shapely.points(lon0, lat0))
        hits = shapely.intersects(wake, zone.geometry) & (d < distance_deg)
        # Moving away: the last plot is further from the coast than the first.
        away = shapely.distance(zone.geometry, shapely.points(lon1, lat1)) > d
        chosen = hits & away & under_way
        from_coast[chosen] = i
        distance_deg[chosen] = d[chosen]
    # Bound for a landing coast, when the node marks any: run the course on as far again.
    landings = context.zones.of_kind("landing_coast")
    if landings:
        flat = lat1 + unit_n * 2 * back_deg
        flon = lon1 + unit_e * 2 * back_deg / scale
        ahead = shapely.linestrings(
            np.stack([np.stack([lon1, flon], axis=1), np.stack([lat1, flat], axis=1)], axis=2)
        )
        bound = np.zeros(dark.height, dtype=np.bool_)
        for zone in landings:
            bound |= shapely.intersects(ahead, zone.geometry)
        from_coast[~bound] = -1
    found = dark.with_columns(pl.Series("_coast", from_coast)).filter(pl.col("_coast") >= 0)
    if found.is_empty():
        return pl.DataFrame()
    names = np.array([z.name for z in coasts], dtype=object)
    night = at_night(pl.col("start"), pl.col("lon"))
    return found.select(
        pl.concat_list("contact_id").alias("contact_id"),
        "start",
        "end",
        "detected",
        "lat",
        "lon",
        pl.when(night).then(0.8).otherwise(0.5).alias("score"),
        pl.struct(
            pl.Series("zone", names[found["_coast"].to_numpy()].tolist()),
            pl.col("_sensor").alias("seen_by"),
            pl.col("_plots").alias("plots"),
            night.alias("night"),
        ).alias("evidence"),
    )
