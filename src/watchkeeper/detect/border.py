"""Border crossings: people and vehicles that cross a land border away from its posts.

Land sensors (ground radars, cameras, patrols) follow what moves near the border.
Each plot is put on one side of the border line or the other (by the nearest
segment); a track that passes from one side to the other, with plots at least
`border_min_side_m` from the line on both sides (so position noise along the line
is no crossing), crossed where the straight line between those two plots meets the
border. A crossing within `border_crossing_point_m` of an official crossing point is
legitimate traffic; any other is an event.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl
import shapely
from shapely.geometry import LineString

from watchkeeper.detect.context import Context
from watchkeeper.detect.dark import LAND_SENSORS
from watchkeeper.detect.events import finish_events
from watchkeeper.detect.tracks import EARTH_RADIUS_M, at_night, haversine_m
from watchkeeper.geo.zones import Zone

__all__ = ["border_crossing", "side_of_line"]

_ON_LAND: Final = ("vehicle", "person")
_DEG_M: Final = np.pi / 180 * EARTH_RADIUS_M


def side_of_line(
    line: LineString, lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.float64]]:
    """Which side of `line` each point is on (+1 left of the line as drawn, -1 right) and
    how far from it (metres, in a local equirectangular frame: borders are short)."""
    lat0 = float(np.mean(line.coords, axis=0)[1])
    scale = np.cos(np.radians(lat0))
    local = shapely.transform(line, lambda c: c * [scale, 1.0])
    points = shapely.points(lon * scale, lat)
    at = shapely.line_locate_point(local, points)
    length = local.length
    ahead = shapely.line_interpolate_point(local, np.minimum(at + 1e-6, length))
    behind = shapely.line_interpolate_point(local, np.maximum(at - 1e-6, 0.0))
    ax, ay = shapely.get_x(behind), shapely.get_y(behind)
    bx, by = shapely.get_x(ahead), shapely.get_y(ahead)
    cross = (bx - ax) * (lat - ay) - (by - ay) * (lon * scale - ax)
    distance = shapely.distance(local, points) * _DEG_M
    return np.where(cross >= 0, 1, -1).astype(np.int8), distance


def border_crossing(tracks: pl.DataFrame, context: Context) -> pl.DataFrame:
    t = context.thresholds
    borders = [] if context.zones is None else context.zones.of_kind("border")
    plots = context.contacts
    if not borders or plots is None or plots.is_empty():
        return finish_events(pl.DataFrame(), "border_crossing")
    plots = plots.filter(
        pl.col("sensor").cast(pl.String).is_in(LAND_SENSORS)
        | pl.col("classification").cast(pl.String).is_in(_ON_LAND)
    )
    posts = [] if context.zones is None else context.zones.of_kind("crossing_point")
    found = [
        _crossings(plots, line, zone.name, posts, context)
        for zone in borders
        for line in getattr(zone.geometry, "geoms", [zone.geometry])
    ]
    found = [f for f in found if not f.is_empty()]
    if not found:
        return finish_events(pl.DataFrame(), "border_crossing")
    events = pl.concat(found).filter(pl.col("_post_m") >= t.border_crossing_point_m)
    if events.is_empty():
        return finish_events(pl.DataFrame(), "border_crossing")
    night = at_night(pl.col("start"), pl.col("lon"))
    return finish_events(
        events.select(
            pl.concat_list("contact_id").alias("contact_id"),
            "start",
            pl.col("start").alias("end"),
            "detected",
            "lat",
            "lon",
            pl.when(night).then(0.9).otherwise(0.7).alias("score"),
            pl.struct(
                pl.col("_border").alias("border"),
                pl.col("_direction").alias("direction"),
                (pl.col("_post_m") / 1000).round(1).alias("km_from_crossing_point"),
                pl.col("_sensor").alias("sensor"),
                pl.col("_class").alias("classification"),
            ).alias("evidence"),
        ),
        "border_crossing",
    )


def _crossings(
    plots: pl.DataFrame, line: LineString, name: str, posts: list[Zone], context: Context
) -> pl.DataFrame:
    """Where and when each track crossed `line`, with the distance to the nearest post."""
    t = context.thresholds
    lat = plots["lat"].to_numpy()
    lon = plots["lon"].to_numpy()
    side, distance = side_of_line(line, lat, lon)
    sided = plots.with_columns(pl.Series("_side", side), pl.Series("_dist", distance)).filter(
        pl.col("_dist") >= t.border_min_side_m
    )
    before = pl.col("_side").shift(1).over("contact_id")
    moved = sided.with_columns(
        before.alias("_side0"),
        pl.col("ts").shift(1).over("contact_id").alias("_ts0"),
        pl.col("lat").shift(1).over("contact_id").alias("_lat0"),
        pl.col("lon").shift(1).over("contact_id").alias("_lon0"),
        pl.col("_dist").shift(1).over("contact_id").alias("_dist0"),
    ).filter(pl.col("_side0").is_not_null() & (pl.col("_side0") != pl.col("_side")))
    if moved.is_empty():
        return pl.DataFrame()
    f = pl.col("_dist0") / (pl.col("_dist0") + pl.col("_dist"))
    crossed = moved.with_columns(
        (pl.col("_lat0") + f * (pl.col("lat") - pl.col("_lat0"))).alias("_clat"),
        (pl.col("_lon0") + f * (pl.col("lon") - pl.col("_lon0"))).alias("_clon"),
        (pl.col("_ts0") + (pl.col("ts") - pl.col("_ts0")) * f).alias("start"),
    )
    clat = crossed["_clat"].to_numpy()
    clon = crossed["_clon"].to_numpy()
    if posts:
        post_lat = np.array([p.geometry.centroid.y for p in posts])
        post_lon = np.array([p.geometry.centroid.x for p in posts])
        near = (
            pl.DataFrame({"_clat": clat, "_clon": clon})
            .join(pl.DataFrame({"_plat": post_lat, "_plon": post_lon}), how="cross")
            .with_row_index("_i")
        )
        post_m = (
            near.with_columns(
                (pl.col("_i") // len(posts)).alias("_row"),
                haversine_m(
                    pl.col("_clat"), pl.col("_clon"), pl.col("_plat"), pl.col("_plon")
                ).alias("_d"),
            )
            .group_by("_row", maintain_order=True)
            .agg(pl.col("_d").min())["_d"]
        )
    else:
        post_m = pl.Series([np.inf] * crossed.height)
    return crossed.select(
        "contact_id",
        "start",
        pl.col("ts").alias("detected"),
        pl.col("_clat").alias("lat"),
        pl.col("_clon").alias("lon"),
        pl.lit(name).alias("_border"),
        pl.when(pl.col("_side0") > 0)
        .then(pl.lit("left->right"))
        .otherwise(pl.lit("right->left"))
        .alias("_direction"),
        pl.Series("_post_m", post_m.to_numpy()),
        pl.col("sensor").cast(pl.String).alias("_sensor"),
        pl.col("classification").cast(pl.String).alias("_class"),
    )
