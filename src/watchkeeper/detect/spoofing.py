"""Spoofing: positions no vessel could have reported, and identities that are not one vessel.

Both start from `subtracks.split_tracks`: the reports of one MMSI that cannot be joined
into one possible track. A second track heard *while* the main one keeps reporting is
a second transmitter on the MMSI (identity spoofing, `shared_mmsi`); a second track
that sails the main one's course and speed, shifted, or that takes over from it as it
falls silent (or is never heard again) without sailing another course or speed, is the
transponder's own positions jumping away (position spoofing, `jump`). A second track
heard between two long silences of the main one, or sailing a voyage of its own, is a
second transmitter. Positions well inland are position spoofing too (`on_land`).
Invalid identities (`invalid_mmsi`, `invalid_imo`) and frequent renames (`name_changes`)
come from the MMSI and the static reports.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

import numpy as np
import polars as pl
import polars.selectors as cs

from watchkeeper.detect.context import Context
from watchkeeper.detect.events import combine, finish_events
from watchkeeper.detect.identity import invalid_identities, renames
from watchkeeper.detect.subtracks import split_tracks
from watchkeeper.detect.tracks import episodes, haversine_m

__all__ = ["identity_spoofing", "inland_rows", "position_spoofing", "second_tracks"]

_DEG_PER_M: Final = 1 / 111_320.0
#: A track's velocity at a hand-over is measured over this much of it, if it lasts
#: at least `_MOTION_MIN_S` (a few reports; less is position noise).
_MOTION_WINDOW: Final = timedelta(minutes=30)
_MOTION_MIN_S: Final = 300.0
#: Speed (kn) of a track under way: a still one keeps no course to compare.
_UNDER_WAY_KN: Final = 3.0


def second_tracks(tracks: pl.DataFrame, context: Context) -> pl.DataFrame:
    """Every track of an MMSI besides its main one (the first heard), with `overlap`: the
    main track's reports within its time span, and `apart_m`: how far it is from the
    main track's last report before it. Built once per run (both spoofing detectors)."""
    return context.shared("second_tracks", tracks, lambda: _second_tracks(tracks, context))


def _second_tracks(tracks: pl.DataFrame, context: Context) -> pl.DataFrame:
    t = context.thresholds
    # Positions pinned inland are judged on their own (`on_land`); left in, a spoofed
    # fix ashore would join whichever track it lies within reach of, and split the rest.
    tracks = tracks.filter(pl.Series(~inland_rows(tracks, context)))
    if tracks.is_empty():
        return pl.DataFrame()
    numbers = split_tracks(
        tracks["mmsi"].to_numpy(),
        tracks["ts"].dt.epoch("ms").to_numpy(),
        tracks["lat"].to_numpy(),
        tracks["lon"].to_numpy(),
        tracks["sog"].cast(pl.Float64).fill_null(float("nan")).to_numpy(),
        max_speed_kn=t.max_speed_kn,
        sog_factor=t.sog_speed_factor,
        sog_margin_kn=t.sog_speed_margin_kn,
        slack_s=t.position_slack_s,
        jitter_m=t.position_jitter_m,
    )
    labelled = tracks.with_columns(pl.Series("subtrack", numbers))
    summary = labelled.group_by("mmsi", "subtrack").agg(
        pl.len().alias("reports"),
        pl.col("ts").first().alias("start"),
        pl.col("ts").last().alias("end"),
        pl.col("lat").first(),
        pl.col("lon").first(),
    )
    # The main track is the one the MMSI was first heard on (number 0): a jump or a
    # second transmitter comes later, whichever of the two ends up sending more.
    main = summary.filter(pl.col("subtrack") == 0).select("mmsi", pl.col("subtrack").alias("main"))
    others = summary.join(main, on="mmsi").filter(
        (pl.col("subtrack") != pl.col("main")) & (pl.col("reports") >= t.spoof_min_reports)
    )
    if others.is_empty():
        return others
    # From here on, only the few MMSIs with a second track.
    labelled = labelled.join(others.select("mmsi").unique(), on="mmsi")
    others = others.join(
        labelled.group_by("mmsi", "subtrack").agg(
            *_motion("_opening", opening=True), *_motion("_closing", opening=False)
        ),
        on=["mmsi", "subtrack"],
        how="left",
    )
    main_positions = (
        labelled.join(main, on="mmsi")
        .filter(pl.col("subtrack") == pl.col("main"))
        .select("mmsi", "ts", "lat", "lon", "sog", "cog")
    )
    spans = others.select("mmsi", "subtrack", "start", "end").join(main_positions, on="mmsi")
    overlap = (
        spans.filter(pl.col("ts").is_between(pl.col("start"), pl.col("end")))
        .group_by("mmsi", "subtrack")
        .len("overlap")
    )
    before = (
        spans.filter(pl.col("ts") <= pl.col("start"))
        .group_by("mmsi", "subtrack")
        .agg(
            pl.col("lat").last().alias("main_lat"),
            pl.col("lon").last().alias("main_lon"),
            pl.col("ts").last().alias("_main_before"),
            *_motion("_main_before", opening=False),
        )
    )
    after = (
        spans.filter(pl.col("ts") >= pl.col("end"))
        .group_by("mmsi", "subtrack")
        .agg(pl.col("ts").first().alias("_main_after"), *_motion("_main_after", opening=True))
    )
    apart = haversine_m(pl.col("main_lat"), pl.col("main_lon"), pl.col("lat"), pl.col("lon"))
    # One transponder's stream: the main track fell silent as the second began, or was
    # never heard again (a vessel gone quiet that reappears impossibly far away). A main
    # track long silent before the second and heard again after it was out of range
    # while another transmitter used its MMSI.
    handover = pl.duration(milliseconds=int(t.spoof_handover_s * 1000))
    handed_over = ((pl.col("start") - pl.col("_main_before")) <= handover) | pl.col(
        "_main_after"
    ).is_null()
    # The ship's motion where the main track hands over to the second and back.
    gap_in = _velocity_gap("_main_before", "_opening")
    gap_out = _velocity_gap("_main_after", "_closing")
    same = t.spoof_same_motion_kn
    under_way = pl.max_horizontal(_speed("_opening"), _speed("_closing")) >= _UNDER_WAY_KN
    return (
        others.join(overlap, on=["mmsi", "subtrack"], how="left")
        .join(before, on=["mmsi", "subtrack"], how="left")
        .join(after, on=["mmsi", "subtrack"], how="left")
        .with_columns(
            pl.col("overlap").fill_null(0),
            apart.alias("apart_m"),
            handed_over.fill_null(False).alias("handed_over"),
            (((gap_in <= same) | (gap_out <= same)) & under_way)
            .fill_null(False)
            .alias("same_motion"),
            pl.min_horizontal(gap_in, gap_out).gt(same).fill_null(False).alias("other_motion"),
        )
        .drop(cs.starts_with("_"))
        .filter(pl.col("apart_m").fill_null(float("inf")) >= t.spoof_min_apart_m)
        .sort("mmsi", "start")
    )


def _motion(name: str, *, opening: bool) -> list[pl.Expr]:
    """Aggregations for the velocity over a group's first (`opening`) or last
    `_MOTION_WINDOW` of reports: `{name}_east` and `{name}_north` in knots. Made good
    between positions when that stretch lasts `_MOTION_MIN_S`, else as reported (speed
    and course over ground at its first or last report; null if not available)."""
    ts = pl.col("ts")
    inside = ts <= ts.min() + _MOTION_WINDOW if opening else ts >= ts.max() - _MOTION_WINDOW
    lat, lon = pl.col("lat").filter(inside), pl.col("lon").filter(inside)
    hours = (ts.filter(inside).last() - ts.filter(inside).first()).dt.total_seconds() / 3600
    long_enough = hours >= _MOTION_MIN_S / 3600
    scale = (lat.first() * np.pi / 180).cos()
    end = pl.Expr.first if opening else pl.Expr.last
    sog = end(pl.col("sog").cast(pl.Float64))
    cog = end(pl.col("cog").cast(pl.Float64)) * np.pi / 180
    return [
        pl.when(long_enough)
        .then((lon.last() - lon.first()) * scale * 60 / hours)
        .otherwise(sog * cog.sin())
        .alias(f"{name}_east"),
        pl.when(long_enough)
        .then((lat.last() - lat.first()) * 60 / hours)
        .otherwise(sog * cog.cos())
        .alias(f"{name}_north"),
    ]


def _speed(name: str) -> pl.Expr:
    return (pl.col(f"{name}_east") ** 2 + pl.col(f"{name}_north") ** 2).sqrt()


def _velocity_gap(a: str, b: str) -> pl.Expr:
    """Knots between two `_motion` velocities (null if either is unknown)."""
    return (
        (pl.col(f"{a}_east") - pl.col(f"{b}_east")) ** 2
        + (pl.col(f"{a}_north") - pl.col(f"{b}_north")) ** 2
    ).sqrt()


def _one_transponder(context: Context) -> pl.Expr:
    """A second track that is the main one's transponder jumping away, not a second
    transmitter: hardly any main reports while it is heard, and either keeping the
    main track's motion (its positions shifted) or handed over without sailing
    another course or speed."""
    return (pl.col("overlap") < context.thresholds.spoof_min_overlap_reports) & (
        pl.col("same_motion") | (pl.col("handed_over") & ~pl.col("other_motion"))
    )


def _jump_events(tracks: pl.DataFrame, context: Context) -> pl.DataFrame:
    found = second_tracks(tracks, context)
    if found.is_empty():
        return found
    jumps = found.filter(_one_transponder(context))
    return jumps.select(
        pl.concat_list(pl.col("mmsi").cast(pl.Int32)).alias("mmsi"),
        "start",
        "end",
        pl.col("start").alias("detected"),
        "lat",
        "lon",
        pl.lit(0.8).alias("score"),
        pl.struct(
            pl.lit("jump").alias("variant"),
            pl.col("reports"),
            (pl.col("apart_m") / 1852).round(1).alias("apart_nm"),
        ).alias("evidence"),
    )


def _inland(tracks: pl.DataFrame, context: Context) -> pl.DataFrame:
    """Episodes of positions well inland (both spoofing detectors read them)."""
    return context.shared("inland", tracks, lambda: _inland_episodes(tracks, context))


def inland_rows(tracks: pl.DataFrame, context: Context) -> np.ndarray:
    """Whether each report lies well inland: on land, and land `inland_m` away in the
    four directions (a harbour or a beach is not inland). All False without a land mask."""
    return context.shared("inland_rows", tracks, lambda: _look_inland(tracks, context))


def _look_inland(tracks: pl.DataFrame, context: Context) -> np.ndarray:
    if context.land is None or tracks.is_empty():
        return np.zeros(tracks.height, dtype=np.bool_)
    lat, lon = tracks["lat"].to_numpy(), tracks["lon"].to_numpy()
    step = context.thresholds.inland_m * _DEG_PER_M
    widen = step / np.maximum(np.cos(np.radians(lat)), 0.05)
    inland = context.land.is_land(lat, lon)
    ashore = np.flatnonzero(inland)  # only these need the look around
    la, lo, wide = lat[ashore], lon[ashore], widen[ashore]
    around = np.ones(ashore.size, dtype=np.bool_)
    for dlat, dlon in ((step, 0.0), (-step, 0.0), (0.0, 1.0), (0.0, -1.0)):
        around &= context.land.is_land(la + dlat, lo + dlon * wide)
    inland[ashore] = around
    return np.asarray(inland)


def _inland_episodes(tracks: pl.DataFrame, context: Context) -> pl.DataFrame:
    if context.land is None or tracks.is_empty():
        return pl.DataFrame()
    marked = tracks.with_columns(pl.Series("_inland", inland_rows(tracks, context)))
    found = episodes(marked, pl.col("_inland"), bridge_s=context.thresholds.beacon_episode_gap_s)
    if found.is_empty():
        return found
    return (
        found.group_by("episode")
        .agg(
            pl.col("mmsi").first().cast(pl.Int32),
            pl.col("ts").first().alias("start"),
            pl.col("ts").last().alias("end"),
            pl.col("lat").first(),
            pl.col("lon").first(),
            pl.len().alias("reports"),
        )
        .filter(pl.col("reports") >= 2)
        .select(
            pl.concat_list("mmsi").alias("mmsi"),
            "start",
            "end",
            pl.col("start").alias("detected"),
            "lat",
            "lon",
            pl.lit(0.9).alias("score"),
            pl.struct(pl.lit("on_land").alias("variant"), pl.col("reports")).alias("evidence"),
        )
    )


def position_spoofing(tracks: pl.DataFrame, context: Context) -> pl.DataFrame:
    """Jumps away and back, and positions inland."""
    found = combine([_jump_events(tracks, context), _inland(tracks, context)])
    if found.is_empty():
        return finish_events(found, "position_spoofing")
    # A jump onto land is both; report it once, as the surer on-land event.
    ranked = found.sort("score", descending=True).with_row_index("_rank")
    covered = (
        ranked.join(ranked, on="mmsi", suffix="_other")
        .filter(
            (pl.col("_rank_other") < pl.col("_rank"))
            & (pl.col("start_other") <= pl.col("end"))
            & (pl.col("end_other") >= pl.col("start"))
        )
        .select("_rank")
        .unique()
    )
    kept = ranked.join(covered, on="_rank", how="anti").drop("_rank")
    return finish_events(kept, "position_spoofing")


def _shared_mmsi(tracks: pl.DataFrame, context: Context) -> pl.DataFrame:
    found = second_tracks(tracks, context)
    if found.is_empty():
        return found
    shared = found.filter(~_one_transponder(context))
    # Positions pinned inland are the one transponder spoofed (position spoofing, on
    # land), whatever the main track did meanwhile: a clone sails at sea.
    inland = _inland(tracks, context)
    if not inland.is_empty() and not shared.is_empty():
        pinned = (
            shared.join(
                inland.select(
                    pl.col("mmsi").list.first().alias("mmsi"),
                    pl.col("start").alias("_in_start"),
                    pl.col("end").alias("_in_end"),
                ),
                on="mmsi",
            )
            .filter((pl.col("_in_start") <= pl.col("end")) & (pl.col("_in_end") >= pl.col("start")))
            .select("mmsi", "subtrack")
            .unique()
        )
        shared = shared.join(pinned, on=["mmsi", "subtrack"], how="anti")
    if shared.is_empty():
        return shared
    return (
        shared.group_by("mmsi")
        .agg(
            pl.col("start").min(),
            pl.col("end").max(),
            pl.col("start").min().alias("detected"),
            pl.col("lat").first(),
            pl.col("lon").first(),
            pl.col("reports").sum(),
            pl.col("apart_m").max(),
        )
        .select(
            pl.concat_list(pl.col("mmsi").cast(pl.Int32)).alias("mmsi"),
            "start",
            "end",
            "detected",
            "lat",
            "lon",
            pl.lit(0.9).alias("score"),
            pl.struct(
                pl.lit("shared_mmsi").alias("variant"),
                pl.col("reports").alias("second_track_reports"),
                (pl.col("apart_m") / 1852).round(1).alias("apart_nm"),
            ).alias("evidence"),
        )
    )


def identity_spoofing(tracks: pl.DataFrame, context: Context) -> pl.DataFrame:
    """Two transmitters on one MMSI, impossible MMSIs and IMO numbers, frequent renames."""
    found = combine(
        [
            _shared_mmsi(tracks, context),
            invalid_identities(tracks, context),
            renames(tracks, context),
        ]
    )
    return finish_events(found, "identity_spoofing")
