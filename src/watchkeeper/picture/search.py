"""Find a vessel by MMSI, IMO number, name or call sign, as a watch officer types it.

The index holds every value each vessel ever broadcast (former names too: a renamed
vessel is found by its old name, which says so) and every MMSI heard. Text is
compared in a normal form: upper case, punctuation and runs of spaces as one space
("msc  aurora", "M.S.C. Aurora" and "MSC AURORA" are alike), and also without spaces
("MSCAURORA"). A query scores each value, 0-100:

| match | score |
| --- | --- |
| MMSI or IMO equal (an `IMO` prefix is allowed) | 100 |
| name or call sign equal | 98 |
| name or call sign starting with the query | 85-95, longer share higher |
| name or call sign containing it (3+ characters) | 75-85 |
| MMSI or IMO starting with the query (3+ digits) | 70-95 |
| name or call sign alike by edit distance (rapidfuzz `ratio` without spaces, or
  `token_sort_ratio` for words in another order; 80+) | 64-80 |

A former value scores 2 less than a current one. Each vessel appears once, by its best
match, best first, then the most recently heard. Scoring is columnar (polars string
expressions, rapidfuzz's `cdist` in C), never a Python loop over vessels.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import numpy as np
import polars as pl
from rapidfuzz import fuzz, process

from watchkeeper.tracks.history import identity_history

if TYPE_CHECKING:
    from watchkeeper.tracks import Archive, LatestState

__all__ = ["SEARCH_COLUMNS", "VesselDirectory", "VesselIndex", "normalise"]

#: Columns of a search result, best match first.
SEARCH_COLUMNS: Final = (
    "mmsi",
    "score",
    "matched",
    "value",
    "current",
    "name",
    "callsign",
    "imo",
    "ship_type",
    "last_seen",
)
_FUZZY_CUTOFF: Final = 80.0
_NOT_ALNUM: Final = r"[^0-9A-Z]+"
_IMO_PREFIX: Final = re.compile(r"^IMO\s*(\d{7})$")


def normalise(text: str) -> str:
    """Upper case, every run of other than letters and digits as one space, trimmed."""
    return re.sub(_NOT_ALNUM, " ", text.upper()).strip()


def _normal(column: pl.Expr) -> pl.Expr:
    return column.str.to_uppercase().str.replace_all(_NOT_ALNUM, " ").str.strip_chars()


@dataclass(frozen=True)
class VesselIndex:
    """The searchable values (`values`: mmsi, field, value, current, last_seen) and each
    vessel's current particulars (`vessels`: mmsi, name, callsign, imo, ship_type,
    last_seen)."""

    values: pl.DataFrame
    vessels: pl.DataFrame

    @classmethod
    def build(cls, history: pl.DataFrame, latest: pl.DataFrame) -> VesselIndex:
        """From `identity_history` (every vessel) and a latest picture (`LATEST`)."""
        texts = (
            history.filter(pl.col("field").is_in(["name", "callsign", "imo"]))
            .with_columns(
                (pl.col("last_seen") == pl.col("last_seen").max().over("mmsi", "field")).alias(
                    "current"
                )
            )
            .select("mmsi", "field", "value", "current", "last_seen")
        )
        current = (
            history.sort("last_seen", descending=True, nulls_last=True)
            .group_by("mmsi", "field")
            .first()
            .pivot(on="field", index="mmsi", values="value")
        )
        for name in ("name", "callsign", "imo", "ship_type"):
            if name not in current.columns:
                current = current.with_columns(pl.lit(None, pl.String).alias(name))
        heard = history.group_by("mmsi").agg(pl.col("last_seen").max())
        static = current.join(heard, on="mmsi", how="left").select(
            "mmsi",
            "name",
            "callsign",
            pl.col("imo").cast(pl.Int32),
            pl.col("ship_type").cast(pl.Int16),
            "last_seen",
        )
        fixes = latest.select(
            "mmsi", "name", "callsign", "imo", "ship_type", pl.col("ts").alias("last_seen")
        )
        vessels = (
            pl.concat([fixes, static.join(fixes, on="mmsi", how="anti")], how="vertical_relaxed")
            .unique("mmsi", keep="first")
            .sort("mmsi")
        )
        mmsis = vessels.select(
            "mmsi",
            pl.lit("mmsi").alias("field"),
            pl.col("mmsi").cast(pl.String).alias("value"),
            pl.lit(True).alias("current"),
            "last_seen",
        )
        values = pl.concat([mmsis, texts], how="vertical_relaxed").with_columns(
            _normal(pl.col("value")).alias("_spaced")
        )
        values = values.with_columns(pl.col("_spaced").str.replace_all(" ", "").alias("_compact"))
        return cls(values=values, vessels=vessels)

    def search(self, query: str, *, limit: int = 20) -> pl.DataFrame:
        """The vessels best matching `query` (`SEARCH_COLUMNS`), at most `limit`."""
        spaced = normalise(query)
        compact = spaced.replace(" ", "")
        if not compact or self.values.is_empty():
            return self._empty()
        imo = _IMO_PREFIX.match(spaced)
        number = imo[1] if imo else (compact if compact.isdigit() else None)
        v, ratio = pl.col("_compact"), pl.lit(len(compact)) / pl.col("_compact").str.len_chars()
        is_text = pl.col("field").is_in(["name", "callsign"])
        is_number = pl.col("field") == ("imo" if imo else "mmsi")
        if number is not None and not imo:
            is_number = pl.col("field").is_in(["mmsi", "imo"])
        scores = [
            pl.when(is_text & (v == compact)).then(98.0),
            pl.when(is_text & v.str.starts_with(compact)).then(85.0 + 10.0 * ratio),
        ]
        if len(compact) >= 3:
            scores.append(
                pl.when(is_text & v.str.contains(compact, literal=True)).then(75.0 + 10.0 * ratio)
            )
        if number is not None:
            scores.append(pl.when(is_number & (v == number)).then(100.0))
            if len(number) >= 3:
                scores.append(
                    pl.when(is_number & v.str.starts_with(number)).then(70.0 + 25.0 * ratio)
                )
        scored = self.values.with_columns(
            pl.max_horizontal(*scores, self._fuzzy(spaced, compact)).alias("score")
        ).filter(pl.col("score").is_not_null())
        best = (
            scored.with_columns(
                pl.col("score") - pl.when(pl.col("current")).then(0.0).otherwise(2.0)
            )
            .sort(["score", "last_seen"], descending=True, nulls_last=True)
            .unique("mmsi", keep="first", maintain_order=True)
            .head(limit)
            .select(
                "mmsi",
                pl.col("score").round(1),
                pl.col("field").alias("matched"),
                "value",
                "current",
            )
        )
        return best.join(self.vessels, on="mmsi", how="left", maintain_order="left").select(
            SEARCH_COLUMNS
        )

    def _fuzzy(self, spaced: str, compact: str) -> pl.Series:
        """0.8 x rapidfuzz's similarity of names and call signs (null under the cutoff).

        Whole-string scorers only: partial ones (`WRatio`) find short names inside long
        queries ("ELKE D" in "A D L E R PRINCESS"); containment has its own rule.
        """
        text = (self.values["field"] == "name") | (self.values["field"] == "callsign")
        similar = np.maximum(
            process.cdist([spaced], self.values["_spaced"].to_list(), scorer=fuzz.token_sort_ratio)[
                0
            ],
            process.cdist([compact], self.values["_compact"].to_list(), scorer=fuzz.ratio)[0],
        )
        keep = text.to_numpy() & (similar >= _FUZZY_CUTOFF)
        return pl.Series("fuzzy", np.where(keep, 0.8 * similar, np.nan)).fill_nan(None)

    def _empty(self) -> pl.DataFrame:
        return (
            self.values.head(0)
            .select(
                "mmsi",
                pl.lit(0.0).alias("score"),
                pl.col("field").alias("matched"),
                "value",
                "current",
            )
            .join(self.vessels.head(0), on="mmsi")
            .select(SEARCH_COLUMNS)
        )


class VesselDirectory:
    """A `VesselIndex` of a node's archive, rebuilt when the archive has grown.

    Rebuilding reads every static report (one DuckDB query) and the latest picture, so
    it happens at most every `refresh_seconds`, and only when the archive's row counts
    changed; a search in between sees the index as last built. Thread-safe.
    """

    def __init__(
        self, archive: Archive, latest: LatestState | None = None, *, refresh_seconds: float = 10.0
    ) -> None:
        self.archive = archive
        self.latest = latest
        self.refresh_seconds = refresh_seconds
        self._lock = threading.Lock()
        self._index: VesselIndex | None = None
        self._built_for: tuple[int, int] | None = None
        self._built_at = 0.0

    def index(self) -> VesselIndex:
        """The index, rebuilt first if it is due (see the class docstring)."""
        with self._lock:
            now = time.monotonic()
            due = self._index is None or now - self._built_at >= self.refresh_seconds
            if due:
                counts = (self.archive.count("vessels"), self.archive.count("positions"))
                if self._index is None or counts != self._built_for:
                    history = pl.DataFrame(identity_history(self.archive))
                    latest = (
                        self.latest.snapshot()
                        if self.latest is not None
                        else self.archive.latest_vessels()
                    )
                    self._index = VesselIndex.build(history, pl.DataFrame(latest))
                    self._built_for = counts
                self._built_at = now
            assert self._index is not None
            return self._index

    def search(self, query: str, *, limit: int = 20) -> pl.DataFrame:
        """`VesselIndex.search` over the archive as it stands (within `refresh_seconds`)."""
        return self.index().search(query, limit=limit)
