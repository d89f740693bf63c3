"""Dark targets: what a radar, an aircraft or a satellite sees at sea that sends no AIS.

Each sensor plot is compared with where the vessels heard on AIS were at that
minute (interpolated between their reports, when those are no more than twice
`dark_gate_s` apart): those within `dark_gate_m` could explain it. A track is
explained by the one vessel within the gate of most of its plots (track-to-track
association: a dark boat crossing an anchorage passes one ship after another, none of
which keeps with it); a sensor track whose plots are nearly all unexplained by that
vessel is a dark target. Only plots where AIS receivers hear can be unexplained: inside the footprint of
a receiver working that hour (`reception_footprints`, when the data names its
receivers: a quiet sea at night is still heard), or else in a cell heard all the hour
long (`dark_coverage_min_slots`):
beyond their range, and at its fringe where a small boat's 2 W class B set is heard
now and then, every vessel looks dark. Any plot, though, can explain its track: a vessel heard once at the fringe
is not dark. The comparison is a nearest-neighbour search in space and time (a k-d tree), the
cross-vessel contract by other means: every plot meets only the vessels of its own
minute and neighbourhood.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import polars as pl
from scipy.spatial import cKDTree

from watchkeeper.detect.context import Context
from watchkeeper.detect.coverage import (
    coverage_cell,
    covered_cell_hours,
    heard_at,
    reception_footprints,
)
from watchkeeper.detect.events import finish_events
from watchkeeper.detect.tracks import haversine_m
from watchkeeper.geo.sphere import chord_to_m, m_to_chord, unit_vectors

__all__ = [
    "LAND_SENSORS",
    "ais_minutes",
    "contact_tracks",
    "dark_target",
    "dark_tracks",
]

#: Sensors that watch the land; what they see is not a vessel (border detectors use it).
LAND_SENSORS: Final = ("ground_radar", "camera")
_KNOT_MS: Final = 1852 / 3600
_MINUTE_MS: Final = 60_000
_MAX_KN: Final = 60.0  # faster than any vessel sails
_MINUTE_AXIS: Final = 1e-3  # chord units (~6.4 km) between minutes in the k-d tree
_CANDIDATES: Final = 8  # vessels within the gate of a plot considered to explain it


def contact_tracks(contacts: pl.DataFrame) -> pl.DataFrame:
    """Sensor plots with a place and a time, by track and time (what detectors read)."""
    return contacts.filter(
        pl.col("ts").is_not_null() & pl.col("lat").is_not_null() & pl.col("lon").is_not_null()
    ).sort("contact_id", "ts")


def ais_minutes(tracks: pl.DataFrame, gate_s: float) -> pl.DataFrame:
    """Where each vessel was at each whole minute it was being heard (`_tick`, `_lat`, `_lon`).

    Positions are interpolated between consecutive reports no more than twice `gate_s`
    apart, so every minute is within `gate_s` of a report; a longer silence leaves the
    minutes between unknown, as they are.
    """
    pairs = tracks.select(
        "mmsi",
        pl.col("ts").dt.epoch("ms").alias("_t0"),
        pl.col("lat").alias("_lat0"),
        pl.col("lon").alias("_lon0"),
        pl.col("sog").fill_null(0.0).alias("_sog"),
    ).with_columns(
        pl.col("_t0").shift(-1).over("mmsi").alias("_t1"),
        pl.col("_lat0").shift(-1).over("mmsi").alias("_lat1"),
        pl.col("_lon0").shift(-1).over("mmsi").alias("_lon1"),
    )
    # Two reports bridge the minutes between when they are close in time and a vessel
    # could sail from one to the other (not two ships sharing one MMSI).
    bridged = ((pl.col("_t1") - pl.col("_t0")) <= 2 * gate_s * 1000) & (
        haversine_m(pl.col("_lat0"), pl.col("_lon0"), pl.col("_lat1"), pl.col("_lon1"))
        <= _MAX_KN * _KNOT_MS * (pl.col("_t1") - pl.col("_t0")) / 1000
    )
    pairs = pairs.with_columns(bridged.fill_null(False).alias("_bridged")).with_columns(
        pl.col("_bridged").shift(1).over("mmsi").fill_null(False).alias("_bridged_in")
    )
    first_tick = (pl.col("_t0") + _MINUTE_MS - 1) // _MINUTE_MS
    last_tick = (pl.col("_t1") - 1) // _MINUTE_MS
    span = (pl.col("_t1") - pl.col("_t0")).cast(pl.Float64)
    ticks = (
        pairs.filter(pl.col("_bridged") & (last_tick >= first_tick))
        .with_columns(pl.int_ranges(first_tick, last_tick + 1).alias("_tick"))
        .explode("_tick")
        .with_columns(((pl.col("_tick") * _MINUTE_MS - pl.col("_t0")) / span).alias("_f"))
        .select(
            "mmsi",
            "_tick",
            (pl.col("_lat0") + pl.col("_f") * (pl.col("_lat1") - pl.col("_lat0"))).alias("_lat"),
            (pl.col("_lon0") + pl.col("_f") * (pl.col("_lon1") - pl.col("_lon0"))).alias("_lon"),
            "_sog",
        )
    )
    # The minute nearest each report at either end of a bridged run (or alone), so a
    # vessel heard once, or last heard just now, is still somewhere.
    reports = pairs.filter(~pl.col("_bridged") | ~pl.col("_bridged_in")).select(
        "mmsi",
        ((pl.col("_t0") + _MINUTE_MS // 2) // _MINUTE_MS).alias("_tick"),
        pl.col("_lat0").alias("_lat"),
        pl.col("_lon0").alias("_lon"),
        "_sog",
    )
    # One place per vessel, minute and ~1 km square is enough (a ship heard every 2 s
    # would otherwise meet each plot thirty times); two ships on one MMSI stay apart.
    square = [
        (pl.col("_lat") / 0.01).floor().cast(pl.Int32).alias("_sy"),
        (pl.col("_lon") / 0.01).floor().cast(pl.Int32).alias("_sx"),
    ]
    return (
        pl.concat([ticks, reports])
        .with_columns(square)
        .unique(["mmsi", "_tick", "_sy", "_sx"], keep="first")
        .drop("_sy", "_sx")
    )


class _Explainer:
    """Which vessels heard on AIS could explain which plots.

    One k-d tree over the vessels' minutes (3-D unit vectors and the minute, on an axis
    that keeps different minutes far apart) finds a plot's nearest vessels of the same
    minute; one explains the plot within `dark_gate_m` plus the way it makes in the
    half minute the plot's time was rounded by. Millions of plots a second, little
    memory.
    """

    def __init__(self, tracks: pl.DataFrame, context: Context) -> None:
        t = context.thresholds
        self.gate_m = t.dark_gate_m
        self.ais = ais_minutes(tracks, t.dark_gate_s)
        self.origin = int(self.ais["_tick"].min() or 0)  # type: ignore[arg-type]
        self.tree = cKDTree(
            _space_time(self.ais["_lat"], self.ais["_lon"], self.ais["_tick"], self.origin),
            balanced_tree=False,
            compact_nodes=False,
        )

    def pairs(self, plots: pl.DataFrame, k: int) -> pl.DataFrame:
        """A row (`_row` of the plot, `mmsi`) for each of the `k` nearest vessels within
        the gate of each plot."""
        if self.ais.is_empty() or plots.is_empty():
            return pl.DataFrame(schema={"_row": pl.UInt32, "mmsi": pl.Int32})
        reach_m = self.gate_m + _MAX_KN * _KNOT_MS * 30
        tick = (plots["ts"].dt.epoch("ms") + _MINUTE_MS // 2) // _MINUTE_MS
        chord, nearest = self.tree.query(
            _space_time(plots["lat"], plots["lon"], tick, self.origin),
            k=list(range(1, k + 1)),  # a list: two-dimensional results even for one
            distance_upper_bound=float(m_to_chord(reach_m)),
            workers=-1,
        )
        at, rank = np.nonzero(np.isfinite(chord))
        vessel = nearest[at, rank]
        within = chord_to_m(chord[at, rank]) <= (
            self.gate_m + self.ais["_sog"].to_numpy()[vessel] * _KNOT_MS * 30
        )
        return pl.DataFrame(
            {
                "_row": plots["_row"].to_numpy()[at[within]],
                "mmsi": self.ais["mmsi"].to_numpy()[vessel[within]].astype(np.int32),
            }
        ).unique()


def _best_vessel(candidates: pl.DataFrame) -> pl.DataFrame:
    """For each track (`contact_id`), the vessel within the gate of most of its plots
    (`mmsi`) and how many (`len`)."""
    return (
        candidates.group_by("contact_id", "mmsi")
        .len()
        .sort("len", "mmsi", descending=[True, False])
        .unique("contact_id", keep="first")
    )


def _space_time(lat: pl.Series, lon: pl.Series, tick: pl.Series, origin: int) -> np.ndarray:
    """Unit vectors with the minute as a fourth axis, minutes ~6 km apart: further than
    any gate (so they never mix), near enough for a well-shaped tree."""
    minutes = tick.to_numpy() - origin
    return np.column_stack(
        [unit_vectors(lat.to_numpy(), lon.to_numpy()), minutes.astype(np.float64) * _MINUTE_AXIS]
    )


def dark_tracks(tracks: pl.DataFrame, context: Context) -> pl.DataFrame:
    """The sea sensors' tracks that are dark, one row each: `contact_id`, `start`, `end`,
    `detected` (the `dark_min_plots`-th unexplained plot), first (`lat`, `lon`) and last
    (`_lat1`, `_lon1`) positions, and what the evidence needs (`_plots`, `_explained`,
    `_sensor`, `_sensor_id`, `_class`, `_speed`, `_length`). Plots outside steady AIS
    reception are left out first."""
    return context.shared("dark_tracks", tracks, lambda: _dark_tracks(tracks, context))


def _dark_tracks(tracks: pl.DataFrame, context: Context) -> pl.DataFrame:
    t = context.thresholds
    plots = context.contacts
    if plots is None or plots.is_empty():
        return pl.DataFrame()
    plots = plots.filter(~pl.col("sensor").cast(pl.String).is_in(LAND_SENSORS))
    if plots.is_empty():
        return pl.DataFrame()
    # Where receivers' footprints are known they draw the edge of reception, and what a
    # receiver forwarded that hour shows it was working; else the cell must be heard all
    # hour long (`dark_coverage_min_slots`), which keeps away from the edge.
    footprints = reception_footprints(tracks, context)
    if footprints:
        heard = heard_at(
            footprints,
            plots["lat"].to_numpy(),
            plots["lon"].to_numpy(),
            plots["ts"].dt.epoch("ms").to_numpy(),
        )
        plots = plots.with_columns(pl.Series("_covered", heard))
    else:
        ms = pl.col("ts").dt.epoch("ms")
        plots = (
            plots.with_columns(
                *coverage_cell(pl.col("lat"), pl.col("lon"), ms, t.coverage_cell_deg)
            )
            .join(
                covered_cell_hours(tracks, context, t.dark_coverage_min_slots),
                on=["_cy", "_cx", "_h"],
                how="left",
            )
            .with_columns(pl.col("_covered").fill_null(False))
        )
    # A track is explained by the one vessel that keeps within the gate of most of its
    # plots (track-to-track association), not by whichever ships it passes: a dark boat
    # crossing an anchorage or a port's approaches is near one ship, then another. The
    # nearest vessel of each plot settles most tracks; only those it leaves looking
    # dark are searched again among the `_CANDIDATES` nearest: in a port the ship a
    # radar holds is not always the nearest of those berthed beside it.
    plots = plots.sort("contact_id", "ts").with_row_index("_row")
    explainer = _Explainer(tracks, context)
    owner = plots.select("_row", "contact_id")
    candidates = explainer.pairs(plots, 1).join(owner, on="_row")
    sizes = plots.group_by("contact_id").len("_n")
    settled = (
        _best_vessel(candidates)
        .join(sizes, on="contact_id")
        .filter(pl.col("len") > t.dark_max_explained_share * pl.col("_n"))
        .select("contact_id")
    )
    doubtful = plots.join(settled, on="contact_id", how="anti")
    candidates = pl.concat(
        [
            candidates.join(settled, on="contact_id"),
            explainer.pairs(doubtful, _CANDIDATES).join(owner, on="_row"),
        ]
    )
    best = _best_vessel(candidates)
    kept = candidates.join(best.select("contact_id", "mmsi"), on=["contact_id", "mmsi"])
    plots = plots.with_columns(pl.col("_row").is_in(kept["_row"].implode()).alias("explained"))
    # Only plots where AIS is heard all the time can be dark; any plot can be explained.
    unexplained = (
        (~pl.col("explained") & pl.col("_covered")).cast(pl.UInt32).cum_sum().over("contact_id")
    )
    return (
        plots.with_columns(unexplained.alias("_unexplained"))
        .group_by("contact_id", maintain_order=True)
        .agg(
            pl.col("ts").first().alias("start"),
            pl.col("ts").last().alias("end"),
            pl.col("ts")
            .filter(pl.col("_unexplained") >= t.dark_min_plots)
            .first()
            .alias("detected"),
            pl.col("lat").first(),
            pl.col("lon").first(),
            pl.col("lat").last().alias("_lat1"),
            pl.col("lon").last().alias("_lon1"),
            pl.len().alias("_plots"),
            pl.col("explained").mean().alias("_explained"),
            pl.col("sensor").cast(pl.String).first().alias("_sensor"),
            pl.col("sensor_id").cast(pl.String).first().alias("_sensor_id"),
            pl.col("classification").cast(pl.String).drop_nulls().mode().first().alias("_class"),
            pl.col("speed_kn").median().alias("_speed"),
            pl.col("length_m").median().alias("_length"),
        )
        .filter(
            pl.col("detected").is_not_null() & (pl.col("_explained") <= t.dark_max_explained_share)
        )
    )


def dark_target(tracks: pl.DataFrame, context: Context) -> pl.DataFrame:
    events = dark_tracks(tracks, context)
    if events.is_empty():
        return finish_events(pl.DataFrame(), "dark_target")
    plots_score = (pl.col("_plots").cast(pl.Float64).log(2) / 5).clip(0.0, 1.0)
    return finish_events(
        events.select(
            pl.concat_list("contact_id").alias("contact_id"),
            "start",
            "end",
            "detected",
            "lat",
            "lon",
            (0.5 + 0.3 * plots_score + 0.2 * (1 - pl.col("_explained"))).alias("score"),
            pl.struct(
                pl.col("_sensor").alias("sensor"),
                pl.col("_sensor_id").alias("sensor_id"),
                pl.col("_plots").alias("plots"),
                pl.col("_explained").round(2).alias("explained_share"),
                pl.col("_class").alias("classification"),
                pl.col("_speed").round(1).alias("median_speed_kn"),
                pl.col("_length").round(1).alias("median_length_m"),
            ).alias("evidence"),
        ),
        "dark_target",
    )
