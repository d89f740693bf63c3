"""Departures: boats leaving a departure coast for the open sea.

Two ways to see one:

* on AIS, a small vessel (not a patrol, SAR or harbour craft, nor a passenger ship,
  cargo ship or tanker) at a beach of a `departure_coast` zone (within
  `departure_max_shore_m` of land, not in a harbour or anchorage found in the data, and
  either slow there or first heard there: a boat cruising along the coast is passing,
  not leaving) that then leaves the zone for the open sea (its first report outside the
  zone is at least `departure_min_offshore_m` from land) within `departure_max_hours`,
  no farther from the beach than a vessel can sail in the time (`max_speed_kn`).
  Reports pinned inland are left out: a spoofed position on land is no beach, and
  neither is one a ship could not have left from;
* on sensors, a dark track (as `dark_target` finds them) of a boat under way whose
  course, run back for up to `departure_max_hours` at its speed, leads to a departure
  coast it is moving away from (off the land, for a track picked up inside the zone and
  lost before it clears it: a coastal radar's range ends), and, where the node marks
  landing coasts, run on to the first land it meets while it is still under way when
  last seen, leads to one (a boat lying stopped at sea makes for no coast): boats are rarely seen on the beach, but
  radars and aircraft see them on the way.

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
from watchkeeper.detect.shore import anchorage_cells, land_distance_m, near_land_rows
from watchkeeper.detect.spoofing import inland_rows
from watchkeeper.detect.tracks import EARTH_RADIUS_M, at_night, haversine_m

__all__ = ["departure"]

_KNOT_MS: Final = 1852 / 3600
#: Ship types (ITU-R M.1371 table 53) whose sorties are not departures: the agencies'
#: own and harbour craft (military 35, pilot, SAR, tug, port tender, anti-pollution, law
#: enforcement, medical and non-combatant craft, 50-59), and passenger ships, cargo
#: ships and tankers (60-89), which sail from ports, not beaches.
_NOT_LEAVING_A_BEACH: Final = [35, *range(50, 90)]
#: A dark track's opening and closing courses are measured over this long.
_COURSE_S: Final = 3600
#: A closing course is run on to the first land in steps this long.
_LANDFALL_STEP_M: Final = 500.0


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
    silence = pl.col("ts").diff().over("mmsi").dt.total_seconds()
    first_heard = silence.is_null() | silence.ge(t.departure_launch_silence_s)
    flagged = (
        tracks.select("mmsi", "ts", "lat", "lon", "sog")
        .with_columns(
            (pl.col("sog").lt(t.departure_launch_max_sog) | first_heard)
            .fill_null(False)
            .alias("_may_launch"),
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
        .filter(pl.Series(~inland_rows(tracks, context)))
    )
    if context.vessels is not None and not context.vessels.is_empty():
        ships = context.vessels.filter(pl.col("ship_type").is_in(_NOT_LEAVING_A_BEACH))
        flagged = flagged.join(ships.select("mmsi").unique(), on="mmsi", how="anti")
    inside = flagged.filter(pl.col("_zone") >= 0)
    ashore = near_land_rows(context, inside, t.departure_max_shore_m)
    launch = inside.with_columns(pl.Series("_ashore", ashore)).filter(
        pl.col("_ashore") & pl.col("_harbour").is_null() & pl.col("_may_launch")
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
    since_launch_s = (pl.col("ts") - pl.col("_launch_ts")).dt.total_seconds()
    # One boat's way: no vessel moves faster than `max_speed_kn`, so a beach and an exit
    # further apart are two ships on one MMSI or a spoofed fix, not a boat that left.
    reachable = (
        haversine_m(pl.col("_launch_lat"), pl.col("_launch_lon"), pl.col("lat"), pl.col("lon"))
        <= t.position_jitter_m + t.max_speed_kn * _KNOT_MS * since_launch_s
    )
    exits = marked.filter(
        (pl.col("_zone") < 0)
        & (pl.col("_zone_before") >= 0)
        & pl.col("_launch_ts").is_not_null()
        & (since_launch_s <= t.departure_max_hours * 3600)
        & reachable
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
    assert context.zones is not None
    dark = dark_tracks(tracks, context)
    if dark.is_empty() or context.contacts is None:
        return pl.DataFrame()
    plots = context.contacts.join(dark.select("contact_id"), on="contact_id").sort(
        "contact_id", "ts"
    )
    zone = context.zones.containing(
        "departure_coast", plots["lat"].to_numpy(), plots["lon"].to_numpy()
    )
    plots = plots.with_columns(pl.Series("_zone", zone))
    left = _seen_leaving(plots, context)
    if not left.is_empty():
        dark = dark.join(left.select("contact_id"), on="contact_id", how="anti")
    parts = [part for part in (left, _traced_back(dark, plots, context)) if not part.is_empty()]
    if not parts:
        return pl.DataFrame()
    found = pl.concat(parts, how="diagonal_relaxed")
    names = np.array([z.name for z in context.zones.of_kind("departure_coast")], dtype=object)
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
            pl.col("_how").alias("seen"),
            night.alias("night"),
        ).alias("evidence"),
    )


def _seen_leaving(plots: pl.DataFrame, context: Context) -> pl.DataFrame:
    """Dark tracks a sensor picks up inside a departure-coast zone, before the open sea
    (within `departure_min_offshore_m` of land), and holds out to the open sea, as AIS
    tracks are judged: the first plot outside the zone must lie `departure_min_offshore_m`
    from land, within `departure_max_hours`. (A track first seen further out that
    crosses a zone is passing by: `_traced_back` judges it.)"""
    t = context.thresholds
    inside = pl.col("_zone") >= 0
    plots = plots.filter(pl.col("_zone").first().over("contact_id") >= 0)
    firsts = plots.group_by("contact_id").agg(pl.col("lat", "lon").first())
    coastal = firsts.filter(pl.Series(near_land_rows(context, firsts, t.departure_min_offshore_m)))
    plots = plots.join(coastal.select("contact_id"), on="contact_id", maintain_order="left")
    first_in = pl.col("ts").first().over("contact_id")
    candidates = plots.with_columns(first_in.alias("_in_ts")).filter(
        ~inside
        & (pl.col("ts") > pl.col("_in_ts"))
        & ((pl.col("ts") - pl.col("_in_ts")).dt.total_seconds() <= t.departure_max_hours * 3600)
    )
    if candidates.is_empty():
        return pl.DataFrame()
    offshore = ~near_land_rows(context, candidates, t.departure_min_offshore_m)
    exits = (
        candidates.filter(pl.Series(offshore))
        .group_by("contact_id")
        .agg(pl.col("ts").first().alias("end"))
    )
    launch = (
        plots.filter(inside)
        .group_by("contact_id")
        .agg(
            pl.col("ts").first().alias("start"),
            pl.col("lat").first(),
            pl.col("lon").first(),
            pl.col("_zone").first().alias("_coast"),
            pl.col("sensor").cast(pl.String).first().alias("_sensor"),
        )
    )
    return launch.join(exits, on="contact_id").with_columns(
        pl.col("end").alias("detected"), pl.lit("leaving_the_coast").alias("_how")
    )


def _traced_back(dark: pl.DataFrame, plots: pl.DataFrame, context: Context) -> pl.DataFrame:
    """Dark tracks first seen at sea whose opening course, run back for up to
    `departure_max_hours` at their speed, leads to a departure coast they are moving
    away from, and, where landing coasts are marked, which is still under way when last
    seen (`departure_min_sog`) and whose closing course leads on to one. Courses are taken over the first and the last `_COURSE_S` of the track, not
    from end to end: a crossing bends round capes and islands."""
    t = context.thresholds
    assert context.zones is not None
    if dark.is_empty():
        return pl.DataFrame()
    window = pl.duration(seconds=_COURSE_S)
    ends = (
        plots.join(dark.select("contact_id"), on="contact_id")
        .group_by("contact_id", maintain_order=True)
        .agg(
            pl.col("lat").first().alias("_a_lat"),
            pl.col("lon").first().alias("_a_lon"),
            pl.col("lat")
            .filter(pl.col("ts") <= pl.col("ts").first() + window)
            .last()
            .alias("_b_lat"),
            pl.col("lon")
            .filter(pl.col("ts") <= pl.col("ts").first() + window)
            .last()
            .alias("_b_lon"),
            (
                (
                    pl.col("ts").filter(pl.col("ts") <= pl.col("ts").first() + window).last()
                    - pl.col("ts").first()
                ).dt.total_seconds()
            ).alias("_b_s"),
            pl.col("lat")
            .filter(pl.col("ts") >= pl.col("ts").last() - window)
            .first()
            .alias("_c_lat"),
            pl.col("lon")
            .filter(pl.col("ts") >= pl.col("ts").last() - window)
            .first()
            .alias("_c_lon"),
            (
                (
                    pl.col("ts").last()
                    - pl.col("ts").filter(pl.col("ts") >= pl.col("ts").last() - window).first()
                ).dt.total_seconds()
            ).alias("_c_s"),
            pl.col("lat").last().alias("_d_lat"),
            pl.col("lon").last().alias("_d_lon"),
        )
    )
    dark = dark.join(ends, on="contact_id", maintain_order="left")
    lat0, lon0 = dark["_a_lat"].to_numpy(), dark["_a_lon"].to_numpy()
    opening = _course(
        lat0, lon0, dark["_b_lat"].to_numpy(), dark["_b_lon"].to_numpy(), dark["_b_s"].to_numpy()
    )
    closing = _course(
        dark["_c_lat"].to_numpy(),
        dark["_c_lon"].to_numpy(),
        dark["_d_lat"].to_numpy(),
        dark["_d_lon"].to_numpy(),
        dark["_c_s"].to_numpy(),
    )
    speed_kn, unit_e, unit_n = opening
    under_way = speed_kn >= t.departure_min_sog
    scale = np.cos(np.radians(lat0))
    back_deg = speed_kn * _KNOT_MS * t.departure_max_hours * 3600 / (np.pi / 180 * EARTH_RADIUS_M)
    blat = lat0 - unit_n * back_deg
    blon = lon0 - unit_e * back_deg / scale
    wake = shapely.linestrings(
        np.stack([np.stack([lon0, blon], axis=1), np.stack([lat0, blat], axis=1)], axis=2)
    )
    lat1, lon1 = dark["_b_lat"].to_numpy(), dark["_b_lon"].to_numpy()
    off_land = land_distance_m(context, lat1, lon1) > land_distance_m(context, lat0, lon0)
    coasts = context.zones.of_kind("departure_coast")
    from_coast = np.full(dark.height, -1, dtype=np.int32)
    distance_deg = np.full(dark.height, np.inf)
    for i, zone in enumerate(coasts):
        d = shapely.distance(zone.geometry, shapely.points(lon0, lat0))
        hits = shapely.intersects(wake, zone.geometry) & (d < distance_deg)
        # Moving away: further from the zone at the end of the opening course or, for a
        # track picked up inside it (where both ends lie at no distance from it), from land.
        away = (shapely.distance(zone.geometry, shapely.points(lon1, lat1)) > d) | (
            (d == 0) & off_land
        )
        chosen = hits & away & under_way
        from_coast[chosen] = i
        distance_deg[chosen] = d[chosen]
    landings = context.zones.of_kind("landing_coast")
    if landings:
        end_kn, end_e, end_n = closing
        dlat, dlon = dark["_d_lat"].to_numpy(), dark["_d_lon"].to_numpy()
        ahead = _to_landfall(dlat, dlon, end_e, end_n, context)
        bound = np.zeros(dark.height, dtype=np.bool_)
        for zone in landings:
            bound |= shapely.intersects(ahead, zone.geometry)
        # Still under way when last seen: a boat lying stopped at sea makes for no coast.
        from_coast[~(bound & (end_kn >= t.departure_min_sog))] = -1
    return (
        dark.with_columns(pl.Series("_coast", from_coast), pl.lit("traced_back").alias("_how"))
        .filter(pl.col("_coast") >= 0)
        .select("contact_id", "start", "end", "detected", "lat", "lon", "_coast", "_sensor", "_how")
    )


def _to_landfall(
    lat: np.ndarray, lon: np.ndarray, east: np.ndarray, north: np.ndarray, context: Context
) -> np.ndarray:
    """Lines from each point along its course (unit `east`, `north`) to the first land the
    course meets (by the land mask, every `_LANDFALL_STEP_M`), at most
    `departure_landfall_max_nm` on: the coast a boat on that course makes for, whatever
    its speed, and no coast beyond an island in its way."""
    t = context.thresholds
    steps = np.arange(1, int(t.departure_landfall_max_nm * 1852 / _LANDFALL_STEP_M) + 1)
    run_deg = steps * _LANDFALL_STEP_M / (np.pi / 180 * EARTH_RADIUS_M)
    scale = np.cos(np.radians(lat))[:, None]
    lats = lat[:, None] + north[:, None] * run_deg[None, :]
    lons = lon[:, None] + east[:, None] * run_deg[None, :] / scale
    reach = np.full(lat.shape, steps.size, dtype=np.int64)
    if context.land is not None:
        land = context.land.is_land(lats.ravel(), lons.ravel()).reshape(lats.shape)
        reach = np.where(land.any(axis=1), land.argmax(axis=1), steps.size)
    end = np.maximum(reach - 1, 0)
    rows = np.arange(lat.size)
    flat = np.where(reach > 0, lats[rows, end], lat)
    flon = np.where(reach > 0, lons[rows, end], lon)
    return np.asarray(
        shapely.linestrings(
            np.stack([np.stack([lon, flon], axis=1), np.stack([lat, flat], axis=1)], axis=2)
        )
    )


def _course(
    lat0: np.ndarray, lon0: np.ndarray, lat1: np.ndarray, lon1: np.ndarray, seconds: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Speed (kn) and unit east/north components of the course from 0 to 1 (zero where
    the two coincide)."""
    scale = np.cos(np.radians(lat0))
    east = (lon1 - lon0) * scale
    north = lat1 - lat0
    moved_deg = np.hypot(east, north)
    speed_kn = moved_deg * np.pi / 180 * EARTH_RADIUS_M / np.maximum(seconds, 1.0) / _KNOT_MS
    unit_e = np.divide(east, moved_deg, out=np.zeros_like(east), where=moved_deg > 0)
    unit_n = np.divide(north, moved_deg, out=np.zeros_like(north), where=moved_deg > 0)
    return np.where(moved_deg > 0, speed_kn, 0.0), unit_e, unit_n
