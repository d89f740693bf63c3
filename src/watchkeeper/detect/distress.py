"""Distress beacons: AIS-SART, man-overboard and EPIRB-AIS devices, and ships that say so.

ITU-R M.585 gives these devices their own MMSI series: 970xxyyyy (AIS-SART), 972xxyyyy
(MOB) and 974xxyyyy (EPIRB-AIS). Any station reporting navigational status 14
("AIS-SART active", ITU-R M.1371 table 45) is in distress too. Raised at the first
report: there is nothing to wait for.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from watchkeeper.detect.context import Context
from watchkeeper.detect.events import finish_events
from watchkeeper.detect.tracks import episodes

__all__ = ["BEACON_SERIES", "distress_beacon"]

#: MMSI series (first three digits) of the distress devices, and what each is.
BEACON_SERIES: Final = {970: "ais_sart", 972: "mob", 974: "epirb_ais"}
NAV_STATUS_SART_ACTIVE: Final = 14


def distress_beacon(tracks: pl.DataFrame, context: Context) -> pl.DataFrame:
    """One event per run of beacon reports of one MMSI (a new one after a long silence)."""
    series = (pl.col("mmsi") // 1_000_000).cast(pl.Int32)
    beacon = series.is_in(list(BEACON_SERIES)) | (pl.col("nav_status") == NAV_STATUS_SART_ACTIVE)
    found = episodes(tracks, beacon, bridge_s=context.thresholds.beacon_episode_gap_s)
    if found.is_empty():
        return finish_events(found, "distress_beacon")
    device = (
        (pl.col("mmsi").first() // 1_000_000)
        .cast(pl.Int32)
        .replace_strict(BEACON_SERIES, default="nav_status_14", return_dtype=pl.String)
    )
    events = found.group_by("episode").agg(
        pl.col("mmsi").first().cast(pl.Int32).alias("_mmsi"),
        pl.col("ts").first().alias("start"),
        pl.col("ts").last().alias("end"),
        pl.col("ts").first().alias("detected"),
        pl.col("lat").first(),
        pl.col("lon").first(),
        pl.struct(
            device.alias("device"),
            pl.len().alias("reports"),
            pl.col("lat").last().alias("last_lat"),
            pl.col("lon").last().alias("last_lon"),
        ).alias("evidence"),
    )
    return finish_events(
        events.with_columns(pl.concat_list("_mmsi").alias("mmsi"), pl.lit(1.0).alias("score")),
        "distress_beacon",
    )
