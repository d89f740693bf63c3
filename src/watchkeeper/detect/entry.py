"""Zone entries: a vessel that sails into an area of interest a user has drawn.

A report inside an `area_of_interest` zone whose previous report (same vessel) was
outside it is an entry; the event lasts while the vessel stays (open while it is
still inside at the end of the data). A vessel first heard already inside did not
enter while it was watched and raises nothing.
"""

from __future__ import annotations

import polars as pl
import shapely

from watchkeeper.detect.context import Context
from watchkeeper.detect.events import finish_events

__all__ = ["zone_entry"]


def zone_entry(tracks: pl.DataFrame, context: Context) -> pl.DataFrame:
    areas = [] if context.zones is None else context.zones.of_kind("area_of_interest")
    if not areas or tracks.is_empty():
        return finish_events(pl.DataFrame(), "zone_entry")
    lat, lon = tracks["lat"].to_numpy(), tracks["lon"].to_numpy()
    parts = []
    for zone in areas:
        inside = shapely.contains_xy(zone.geometry, lon, lat)
        if not inside.any():
            continue
        flagged = tracks.select("mmsi", "ts", "lat", "lon").with_columns(pl.Series("_in", inside))
        previous = pl.col("_in").shift(1).over("mmsi")
        visit = (pl.col("_in") & (previous == False)).cast(pl.UInt32).cum_sum().over("mmsi")  # noqa: E712
        left = (~pl.col("_in")).cast(pl.UInt32).cum_sum().over("mmsi")
        stays = flagged.with_columns(
            visit.alias("_visit"), previous.alias("_prev"), left.alias("_left")
        ).filter(pl.col("_in") & (pl.col("_visit") > 0))
        # One stay runs from an entry to the next report outside.
        grouped = stays.group_by("mmsi", "_visit", "_left", maintain_order=True).agg(
            pl.col("ts").first().alias("start"),
            pl.col("ts").last().alias("_last"),
            pl.col("lat").first(),
            pl.col("lon").first(),
            pl.col("_prev").first().alias("_entered"),
        )
        grouped = grouped.filter(pl.col("_entered") == False)  # noqa: E712
        if grouped.is_empty():
            continue
        last_seen = tracks.group_by("mmsi").agg(pl.col("ts").max().alias("_end_of_data"))
        parts.append(
            grouped.join(last_seen, on="mmsi").select(
                pl.concat_list("mmsi").alias("mmsi"),
                "start",
                pl.when(pl.col("_last") < pl.col("_end_of_data"))
                .then(pl.col("_last"))
                .alias("end"),
                pl.col("start").alias("detected"),
                "lat",
                "lon",
                pl.lit(0.5).alias("score"),
                pl.struct(
                    pl.lit(zone.name).alias("zone"), pl.lit(zone.authority).alias("authority")
                ).alias("evidence"),
            )
        )
    if not parts:
        return finish_events(pl.DataFrame(), "zone_entry")
    return finish_events(pl.concat(parts), "zone_entry")
