"""What one live stream of the picture last sent, so that it sends only what changed.

The vessel stream (`tracks.picture`) and the sensor-contact stream (`sensors.latest`)
both send every row once, then, each tick, the rows whose drawn state changed and the
keys of those gone. Not thread-safe: one per stream. The states they read are safe to
read from any thread, so a stream may poll from a worker thread while feeds write.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl

__all__ = ["Changes", "ChangeFeed"]


@dataclass(frozen=True)
class Changes:
    """One tick of a stream: rows new or changed, and the keys of the rows gone."""

    upsert: pl.DataFrame
    remove: list[Any]

    def __bool__(self) -> bool:
        return self.upsert.height > 0 or bool(self.remove)


class ChangeFeed:
    """`rows(now)` as drawn at `now`, keyed by `key`; a row counts as changed when any of
    `drawn` differs from what was last sent for its key."""

    def __init__(
        self, rows: Callable[[datetime], pl.DataFrame], *, key: str, drawn: Sequence[str]
    ) -> None:
        self._rows = rows
        self._key = key
        self._drawn = list(drawn)
        self._sent: pl.DataFrame | None = None

    def snapshot(self, now: datetime) -> pl.DataFrame:
        """Every row as drawn at `now`; later polls send changes from here on."""
        self._sent = self._rows(now)
        return self._sent

    def poll(self, now: datetime) -> Changes:
        """Rows whose drawn state changed since the last snapshot or poll, and those gone."""
        if self._sent is None:
            return Changes(self.snapshot(now), [])
        rows = self._rows(now)
        upsert = rows.join(self._sent, on=self._drawn, how="anti", nulls_equal=True)
        gone = self._sent.join(rows, on=self._key, how="anti").get_column(self._key).to_list()
        self._sent = rows
        return Changes(upsert, gone)
