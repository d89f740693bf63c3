"""Identities that cannot be right: impossible MMSIs and IMO numbers, and frequent renames.

An MMSI whose MID is not allocated, or of a form no vessel may use, marks either a
misconfigured transponder or a made-up identity (ITU-R M.585); an IMO number with a
wrong check digit likewise. Names, call signs and IMO numbers change with owners,
rarely more than once a decade: several changes within a day mean the identity is
being swapped.
"""

from __future__ import annotations

import polars as pl

from watchkeeper.ais.identifiers import valid_imo, valid_vessel_mmsi
from watchkeeper.detect.context import Context
from watchkeeper.detect.events import combine

__all__ = ["invalid_identities", "renames"]


def _subject(frame: pl.DataFrame, variant: str, score: float, **evidence: pl.Expr) -> pl.DataFrame:
    return frame.select(
        pl.concat_list(pl.col("mmsi").cast(pl.Int32)).alias("mmsi"),
        "start",
        "end",
        "detected",
        "lat",
        "lon",
        pl.lit(score).alias("score"),
        pl.struct(
            pl.lit(variant).alias("variant"), *[e.alias(k) for k, e in evidence.items()]
        ).alias("evidence"),
    )


def invalid_identities(tracks: pl.DataFrame, context: Context) -> pl.DataFrame:
    """One event per MMSI that no vessel may use, and per MMSI sending an invalid IMO."""
    parts = []
    if not tracks.is_empty():
        per_mmsi = tracks.group_by("mmsi").agg(
            pl.col("ts").first().alias("start"),
            pl.col("ts").last().alias("end"),
            pl.col("ts").first().alias("detected"),
            pl.col("lat").first(),
            pl.col("lon").first(),
            pl.len().alias("reports"),
        )
        bad = per_mmsi.filter(pl.Series(~valid_vessel_mmsi(per_mmsi["mmsi"].to_numpy())))
        parts.append(_subject(bad, "invalid_mmsi", 0.7, reports=pl.col("reports")))
    vessels = context.vessels
    if vessels is not None and not vessels.is_empty() and not tracks.is_empty():
        imos = vessels.filter(pl.col("imo").is_not_null() & (pl.col("imo") > 0)).sort("mmsi", "ts")
        imos = imos.filter(pl.Series(~valid_imo(imos["imo"].to_numpy())))
        first = imos.group_by("mmsi").agg(
            pl.col("ts").first().alias("detected"), pl.col("imo").first()
        )
        where = tracks.group_by("mmsi").agg(
            pl.col("ts").first().alias("start"),
            pl.col("ts").last().alias("end"),
            pl.col("lat").first(),
            pl.col("lon").first(),
        )
        parts.append(_subject(first.join(where, on="mmsi"), "invalid_imo", 0.6, imo=pl.col("imo")))
    return combine(parts)


def renames(tracks: pl.DataFrame, context: Context) -> pl.DataFrame:
    """MMSIs whose name, call sign or IMO number changed often within a day."""
    t = context.thresholds
    vessels = context.vessels
    if vessels is None or vessels.is_empty() or tracks.is_empty():
        return pl.DataFrame()
    fields = ("name", "callsign", "imo")
    changes = []
    for name in fields:
        said = (
            vessels.filter(pl.col(name).is_not_null()).sort("mmsi", "ts").select("mmsi", "ts", name)
        )
        changed = (pl.col(name) != pl.col(name).shift(1)) & (
            pl.col("mmsi") == pl.col("mmsi").shift(1)
        )
        # A change happened after the last report of the old value: that is when it began.
        changes.append(
            said.with_columns(pl.col("ts").shift(1).alias("_before"))
            .filter(changed)
            .select("mmsi", "ts", "_before", pl.lit(name).alias("field"))
        )
    every = pl.concat(changes).sort("mmsi", "ts")
    if every.is_empty():
        return pl.DataFrame()
    window_ms = int(t.rename_window_s * 1000)
    counted = every.with_columns(
        pl.int_range(pl.len()).over("mmsi").alias("_i"),
        pl.col("ts").dt.epoch("ms").alias("_ms"),
    )
    # The change that makes `rename_min_changes` within the window: compare with the
    # change `rename_min_changes - 1` places earlier.
    lag = t.rename_min_changes - 1
    earlier = pl.col("_ms").shift(lag).over("mmsi")
    hits = counted.filter((pl.col("_ms") - earlier) <= window_ms)
    if hits.is_empty():
        return pl.DataFrame()
    summary = hits.group_by("mmsi").agg(pl.col("ts").first().alias("detected"))
    spans = every.group_by("mmsi").agg(
        pl.col("_before").first().alias("start"),
        pl.col("ts").last().alias("end"),
        pl.len().alias("changes"),
        pl.col("field").unique().sort().alias("fields"),
    )
    where = tracks.group_by("mmsi").agg(pl.col("lat").last(), pl.col("lon").last())
    found = summary.join(spans, on="mmsi").join(where, on="mmsi", how="left")
    return _subject(found, "name_changes", 0.7, changes=pl.col("changes"), fields=pl.col("fields"))
