"""What the live picture draws of each vessel, and what changed since it was last sent.

A picture stream (the web map, later other displays) first gets every vessel, then at
each tick only the vessels whose drawn state changed, by MMSI, and the MMSIs that left.
At 20,000 vessels reporting every few seconds, resending the whole picture each tick
would cost the browser ~0.5 s per update on a software renderer (FIELD-NOTES); a diff
of the few hundred that moved costs a few milliseconds at both ends.

The drawn state (`PICTURE`) is deliberately coarse, so that noise does not count as a
change: positions to 1e-5° (~1 m), course to the degree, speed to 0.1 kn. `course` is
set only for a vessel under way (speed unknown or at least `UNDER_WAY_KN`), from its
course over ground or else its heading; the map draws the others as still. `stale` is
true once a vessel has not been heard for `stale_after`, so a vessel fading out is a
change like any other, sent once.

The diff is columnar: an anti-join of the new rows against those last sent, over every
column (nulls equal), gives the new and changed vessels in one polars call.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final

import polars as pl

from watchkeeper.ais.shiptypes import ship_class
from watchkeeper.picture.changes import ChangeFeed

if TYPE_CHECKING:
    import pyarrow as pa

    from watchkeeper.tracks.latest import LatestState

__all__ = ["PICTURE", "UNDER_WAY_KN", "picture_feed", "picture_rows"]

#: Columns of a vessel as the picture draws it, in order.
PICTURE: Final = ("mmsi", "lon", "lat", "course", "sog", "ts", "name", "class", "stale")
#: Below this speed over ground (knots) a vessel is drawn as still, without a course.
UNDER_WAY_KN: Final = 0.5


def picture_rows(latest: pa.Table, *, now: datetime, stale_after: timedelta) -> pl.DataFrame:
    """The `PICTURE` rows of a `LATEST` table (`LatestState.snapshot`) at time `now`.

    `ts` becomes milliseconds since the Unix epoch (null if unknown); a vessel without
    a time is stale.
    """
    frame = pl.DataFrame(latest)
    sog = pl.col("sog").cast(pl.Float64)
    under_way = sog.is_null() | (sog >= UNDER_WAY_KN)
    course = pl.coalesce(pl.col("cog").cast(pl.Float64), pl.col("heading").cast(pl.Float64))
    ts = pl.col("ts").dt.epoch("ms")
    heard_after = int((now - stale_after).timestamp() * 1000)
    return frame.select(
        pl.col("mmsi").cast(pl.Int64),
        pl.col("lon").round(5),
        pl.col("lat").round(5),
        pl.when(under_way).then(course.round(0).cast(pl.Int16)).alias("course"),
        sog.round(1).alias("sog"),
        ts.alias("ts"),
        pl.col("name"),
        ship_class(pl.col("ship_type"), pl.col("mmsi").cast(pl.Int64)).alias("class"),
        (ts.is_null() | (ts < heard_after)).alias("stale"),
    )


def picture_feed(latest: LatestState, *, stale_after: timedelta) -> ChangeFeed:
    """The vessel stream's feed: `picture_rows` of `latest`, keyed by MMSI."""
    return ChangeFeed(
        lambda now: picture_rows(latest.snapshot(), now=now, stale_after=stale_after),
        key="mmsi",
        drawn=PICTURE,
    )
