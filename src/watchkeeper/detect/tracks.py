"""Positions made ready for per-vessel detectors, and the episode helper they share.

A detector sees each report once (copies heard by several receivers dropped), sorted
by vessel and time, with the time and distance since the vessel's previous report.
"""

from __future__ import annotations

from typing import Final

import polars as pl
import pyarrow as pa

__all__ = ["EARTH_RADIUS_M", "at_night", "episodes", "haversine_m", "vessel_tracks"]

EARTH_RADIUS_M: Final = 6_371_008.8


def haversine_m(lat1: pl.Expr, lon1: pl.Expr, lat2: pl.Expr, lon2: pl.Expr) -> pl.Expr:
    """Great-circle distance in metres between two positions in degrees (an expression)."""
    phi1, phi2 = lat1.radians(), lat2.radians()
    dphi = phi2 - phi1
    dlam = (lon2 - lon1).radians()
    a = (dphi / 2).sin() ** 2 + phi1.cos() * phi2.cos() * (dlam / 2).sin() ** 2
    return 2 * EARTH_RADIUS_M * a.sqrt().clip(upper_bound=1.0).arcsin()


def at_night(ts: pl.Expr, lon: pl.Expr) -> pl.Expr:
    """Whether a UTC time at a longitude falls between 19:00 and 05:00 local solar time:
    dark in every season at these latitudes, when crossings leave and boats wait."""
    solar_hour = (ts.dt.hour() + ts.dt.minute() / 60 + lon / 15) % 24
    return (solar_hour >= 19) | (solar_hour < 5)


def vessel_tracks(positions: pa.Table | pl.DataFrame) -> pl.DataFrame:
    """Placed reports (time, latitude and longitude known), one per report, by vessel and
    time, with `dt_s` and `step_m` since the vessel's previous report (null for its first)."""
    frame = positions if isinstance(positions, pl.DataFrame) else pl.from_arrow(positions)
    assert isinstance(frame, pl.DataFrame)
    # Sorting first makes copies neighbours, so dropping them is one comparison with the
    # row before (a hash-based `unique` of millions of rows costs several times more).
    key = ["mmsi", "ts", "lat", "lon"]
    frame = frame.filter(
        pl.col("ts").is_not_null() & pl.col("lat").is_not_null() & pl.col("lon").is_not_null()
    ).sort(key, maintain_order=True)
    copy = pl.all_horizontal(pl.col(name) == pl.col(name).shift(1) for name in key)
    frame = frame.filter(~copy.fill_null(False))
    previous = pl.col("mmsi").shift(1) == pl.col("mmsi")
    return frame.with_columns(
        pl.when(previous)
        .then((pl.col("ts") - pl.col("ts").shift(1)).dt.total_milliseconds() / 1000)
        .alias("dt_s"),
        pl.when(previous)
        .then(
            haversine_m(
                pl.col("lat").shift(1), pl.col("lon").shift(1), pl.col("lat"), pl.col("lon")
            )
        )
        .alias("step_m"),
    )


def episodes(tracks: pl.DataFrame, flag: pl.Expr, *, bridge_s: float) -> pl.DataFrame:
    """The reports where `flag` holds, numbered by episode (`episode`).

    An episode is a run of flagged reports of one vessel; it survives unflagged reports
    and silences of up to `bridge_s` seconds between two flagged ones (a sensor glitch,
    a missed report), and ends at a longer break.
    """
    flagged = tracks.filter(flag)
    same_vessel = pl.col("mmsi") == pl.col("mmsi").shift(1)
    close = (pl.col("ts") - pl.col("ts").shift(1)).dt.total_milliseconds() <= bridge_s * 1000
    new = (~(same_vessel & close)).fill_null(True)
    return flagged.with_columns(new.cast(pl.UInt32).cum_sum().alias("episode"))
