"""What detectors may consult besides the positions: thresholds, land, particulars, contacts, zones."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import polars as pl

from watchkeeper.detect.thresholds import Thresholds
from watchkeeper.geo.landmask import LandMask
from watchkeeper.geo.shore import ShoreDistance
from watchkeeper.geo.zones import ZoneSet

__all__ = ["Context"]

T = TypeVar("T")


@dataclass(frozen=True)
class Context:
    """Read-only inputs shared by every detector of one run.

    `land` is the node's GSHHG land mask (None: land checks are skipped); `vessels` the
    static and voyage reports (VESSELS columns) of the same period, if known; `zones`
    the node's zones (None or no zone of a kind: the detectors that need it find nothing);
    `contacts` the sensor plots (`CONTACTS` columns, by track and time: `contact_tracks`);
    `shore` the node's distance to shore (None: estimated from `land`).
    """

    thresholds: Thresholds = field(default_factory=Thresholds)
    land: LandMask | None = None
    vessels: pl.DataFrame | None = None
    zones: ZoneSet | None = None
    contacts: pl.DataFrame | None = None
    shore: ShoreDistance | None = None
    _shared: dict[tuple[str, int], Any] = field(default_factory=dict, repr=False, compare=False)

    def shared(self, name: str, tracks: pl.DataFrame, compute: Callable[[], T]) -> T:
        """`compute()` once per run and `tracks`: a derived table several detectors read
        (second tracks of an MMSI, dark sensor tracks) is not built twice."""
        key = (name, id(tracks))
        if key not in self._shared:
            self._shared[key] = compute()
        return self._shared[key]  # type: ignore[no-any-return]
