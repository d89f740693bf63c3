"""How near land or an anchorage a position is, for detectors that leave out harbours,
quays and anchorages (a boat alongside is not loitering; two ships at anchor do not meet).
Land comes from the node's land mask; anchorages from the data, as Global Fishing Watch
finds them: where several vessels lie still.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import polars as pl

from watchkeeper.detect.context import Context

__all__ = ["anchorage_cells", "land_distance_m", "near_land", "near_land_rows"]

_DEG_PER_M: Final = 1 / 111_320.0
_CELL_DEG: Final = 0.01
_ANCHORAGE_DEG: Final = 0.05
_STATIONARY_KN: Final = 0.5
#: Without the node's distance to shore, distances to land are told apart on this ladder.
_LADDER_M: Final = (500.0, 1000.0, 2000.0, 5000.0, 10_000.0, 20_000.0, 50_000.0)


def near_land(context: Context, lat: np.ndarray, lon: np.ndarray, distance_m: float) -> np.ndarray:
    """Whether land lies within `distance_m` of each point: from the node's distance to
    shore, or else sampled on its land mask in 16 directions and at half the distance;
    all False without either (and where both are unknown)."""
    if distance_m <= 0 or lat.size == 0:
        return np.zeros(lat.shape, dtype=np.bool_)
    if context.shore is not None:
        return np.asarray(context.shore.distance_to_shore_m(lat, lon) <= distance_m)
    if context.land is None:
        return np.zeros(lat.shape, dtype=np.bool_)
    found = context.land.is_land(lat, lon)
    for fraction in (0.5, 1.0):
        step = distance_m * fraction * _DEG_PER_M
        for angle in np.linspace(0, 2 * np.pi, 16, endpoint=False):
            dlat = step * np.cos(angle)
            dlon = step * np.sin(angle) / np.maximum(np.cos(np.radians(lat)), 0.05)
            found |= context.land.is_land(lat + dlat, lon + dlon)
    return found


def land_distance_m(context: Context, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Distance (m) from each point to land: exact from the node's distance to shore, else
    the first rung of `_LADDER_M` within which `near_land` finds land (infinite beyond
    it, and where nothing is known): enough to tell a boat closing the coast from one
    leaving it."""
    if context.shore is not None:
        return np.asarray(context.shore.distance_to_shore_m(lat, lon), dtype=np.float64)
    found = np.full(lat.shape, np.inf)
    for rung in reversed(_LADDER_M):
        found[near_land(context, lat, lon, rung)] = rung
    return found


def near_land_rows(context: Context, frame: pl.DataFrame, distance_m: float) -> np.ndarray:
    """`near_land` for each row of `frame` (lat, lon): exact with the node's distance to
    shore, else judged once per 0.01-degree cell on the land mask."""
    if context.shore is not None:
        return near_land(context, frame["lat"].to_numpy(), frame["lon"].to_numpy(), distance_m)
    cells = frame.select(
        (pl.col("lat") / _CELL_DEG).floor().cast(pl.Int32).alias("_cy"),
        (pl.col("lon") / _CELL_DEG).floor().cast(pl.Int32).alias("_cx"),
    )
    unique = cells.unique()
    flags = near_land(
        context,
        ((unique["_cy"].cast(pl.Float64) + 0.5) * _CELL_DEG).to_numpy(),
        ((unique["_cx"].cast(pl.Float64) + 0.5) * _CELL_DEG).to_numpy(),
        distance_m,
    )
    judged = unique.with_columns(pl.Series("_near", flags))
    return cells.join(judged, on=["_cy", "_cx"], how="left", maintain_order="left")[
        "_near"
    ].to_numpy()


def anchorage_cells(tracks: pl.DataFrame, context: Context, distance_m: float) -> pl.DataFrame:
    """The 0.01-degree cells (`_cy`, `_cx`) within `distance_m` of an anchorage found in the
    data: a 0.05-degree cell where `anchorage_min_vessels` vessels lay at anchor or moored
    (navigational status 1 or 5) or lay still (most of their reports there at 0.5 kn or
    less: class B sends no status). Most, not some: boats idling together off a beach
    (loitering) pass through 0.5 kn now and then, and their meeting place is no harbour."""
    t = context.thresholds
    anchored = (
        tracks.group_by(
            "mmsi",
            (pl.col("lat") / _ANCHORAGE_DEG).floor().cast(pl.Int32).alias("_ay"),
            (pl.col("lon") / _ANCHORAGE_DEG).floor().cast(pl.Int32).alias("_ax"),
        )
        .agg(
            pl.col("nav_status").is_in([1, 5]).any().alias("_declared"),
            (pl.col("sog") <= _STATIONARY_KN).mean().alias("_still"),
        )
        .filter(pl.col("_declared") | (pl.col("_still") > 0.5))
        .group_by("_ay", "_ax")
        .agg(pl.len().alias("_n"))
        .filter(pl.col("_n") >= t.anchorage_min_vessels)
    )
    if anchored.is_empty() or distance_m <= 0:
        return pl.DataFrame(schema={"_cy": pl.Int32, "_cx": pl.Int32})
    # Every small cell within reach of an anchorage cell: the cell's own small cells and
    # `reach` more on every side (a square, so its corners reach a little further).
    reach = int(np.ceil(distance_m * _DEG_PER_M / _CELL_DEG))
    span = int(round(_ANCHORAGE_DEG / _CELL_DEG))
    offsets = pl.DataFrame({"_o": list(range(-reach, span + reach))})
    base = anchored.select(
        (pl.col("_ay") * int(_ANCHORAGE_DEG / _CELL_DEG)).alias("_cy0"),
        (pl.col("_ax") * int(_ANCHORAGE_DEG / _CELL_DEG)).alias("_cx0"),
    )
    return (
        base.join(offsets.rename({"_o": "_dy"}), how="cross")
        .join(offsets.rename({"_o": "_dx"}), how="cross")
        .select(
            (pl.col("_cy0") + pl.col("_dy")).cast(pl.Int32).alias("_cy"),
            (pl.col("_cx0") + pl.col("_dx")).cast(pl.Int32).alias("_cx"),
        )
        .unique()
    )
