"""Where every simulated mover is at any time: straight legs between timed waypoints.

A plan is built once per run (a Python loop per mover, never per report): each
mover — ship, small boat, beacon, vehicle, person — gets waypoints with times, and
between two waypoints it moves in a straight line at constant speed. Everything
else (AIS reports, sensor plots) samples these legs with array operations, so a
day of thousands of movers costs a few large NumPy calls per time window.

Legs are short (paths are densified to a few kilometres), so interpolating in
latitude and longitude is accurate to metres.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Final

import numpy as np
import numpy.typing as npt

__all__ = [
    "KNOT_MS",
    "NM",
    "LegBuilder",
    "Legs",
    "bearing_deg",
    "distance_m",
    "grid_times",
    "offset",
    "split_at",
    "step",
]

NM: Final = 1852.0  # metres per nautical mile
KNOT_MS: Final = NM / 3600.0  # metres per second per knot
_R: Final = 6371008.8  # mean Earth radius, metres

F64 = npt.NDArray[np.float64]


def distance_m(
    lat0: npt.ArrayLike, lon0: npt.ArrayLike, lat1: npt.ArrayLike, lon1: npt.ArrayLike
) -> F64:
    """Great-circle (haversine) distance in metres, element-wise."""
    p0, p1 = np.radians(lat0), np.radians(lat1)
    dp = p1 - p0
    dl = np.radians(np.asarray(lon1, np.float64) - np.asarray(lon0, np.float64))
    a = np.sin(dp / 2) ** 2 + np.cos(p0) * np.cos(p1) * np.sin(dl / 2) ** 2
    return np.asarray(2 * _R * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))), np.float64)


def bearing_deg(
    lat0: npt.ArrayLike, lon0: npt.ArrayLike, lat1: npt.ArrayLike, lon1: npt.ArrayLike
) -> F64:
    """Initial true bearing from point 0 to point 1, in [0, 360)."""
    p0, p1 = np.radians(lat0), np.radians(lat1)
    dl = np.radians(np.asarray(lon1, np.float64) - np.asarray(lon0, np.float64))
    y = np.sin(dl) * np.cos(p1)
    x = np.cos(p0) * np.sin(p1) - np.sin(p0) * np.cos(p1) * np.cos(dl)
    return np.asarray(np.degrees(np.arctan2(y, x)) % 360.0, np.float64)


def offset(
    lat: npt.ArrayLike, lon: npt.ArrayLike, bearing: npt.ArrayLike, metres: npt.ArrayLike
) -> tuple[F64, F64]:
    """The point `metres` away along `bearing` (local flat-Earth step: for short distances)."""
    b = np.radians(bearing)
    lat = np.asarray(lat, np.float64)
    dlat = np.asarray(metres) * np.cos(b) / _R
    dlon = np.asarray(metres) * np.sin(b) / (_R * np.cos(np.radians(lat)))
    return lat + np.degrees(dlat), np.asarray(lon, np.float64) + np.degrees(dlon)


def split_at(lat: F64, lon: F64, metres: float) -> tuple[tuple[F64, F64], tuple[F64, F64]]:
    """A polyline cut `metres` along it: (the part before, the part after), sharing the cut point.

    Sea routes have legs hundreds of kilometres long, so the cut is interpolated on
    its leg rather than snapped to a vertex.
    """
    along = np.concatenate([[0.0], np.cumsum(distance_m(lat[:-1], lon[:-1], lat[1:], lon[1:]))])
    at = float(np.clip(metres, 0.0, along[-1]))
    k = min(max(int(np.searchsorted(along, at)), 1), len(lat) - 1)
    f = (at - along[k - 1]) / max(along[k] - along[k - 1], 1e-9)
    clat = lat[k - 1] + f * (lat[k] - lat[k - 1])
    clon = lon[k - 1] + f * (lon[k] - lon[k - 1])
    head = (np.append(lat[:k], clat), np.append(lon[:k], clon))
    tail = (np.concatenate([[clat], lat[k:]]), np.concatenate([[clon], lon[k:]]))
    return head, tail


def step(lat: float, lon: float, bearing: float, metres: float) -> tuple[float, float]:
    """`offset` for one point, as plain floats."""
    la, lo = offset(lat, lon, bearing, metres)
    return float(la), float(lo)


@dataclass
class Legs:
    """Legs of every mover, sorted by (mover, t0); times in UTC milliseconds.

    `status` is the ITU-R M.1371 navigational status the mover reports on the leg;
    `heading_off` is heading minus course over ground (NaN: the mover sends no
    heading, 511); a leg with the same start and end point is a stay (speed 0).
    """

    mover: npt.NDArray[np.int32]
    t0: npt.NDArray[np.int64]
    t1: npt.NDArray[np.int64]
    lat0: F64
    lon0: F64
    lat1: F64
    lon1: F64
    status: npt.NDArray[np.int8]
    heading_off: npt.NDArray[np.float32]

    def __len__(self) -> int:
        return int(self.mover.shape[0])

    @cached_property
    def speed_kn(self) -> F64:
        """Speed over ground on each leg, knots."""
        d = distance_m(self.lat0, self.lon0, self.lat1, self.lon1)
        dt = np.maximum((self.t1 - self.t0) / 1000.0, 1e-3)
        return np.asarray(d / dt / KNOT_MS, np.float64)

    @cached_property
    def course(self) -> F64:
        """Course over ground on each leg (0 on a stay)."""
        return bearing_deg(self.lat0, self.lon0, self.lat1, self.lon1)

    def locate(self, leg: npt.NDArray[np.int64], ts: npt.NDArray[np.int64]) -> tuple[F64, F64]:
        """Positions at times `ts`, each on the leg of the same index in `leg`."""
        span = np.maximum(self.t1[leg] - self.t0[leg], 1)
        f = np.clip((ts - self.t0[leg]) / span, 0.0, 1.0)
        lat = self.lat0[leg] + f * (self.lat1[leg] - self.lat0[leg])
        lon = self.lon0[leg] + f * (self.lon1[leg] - self.lon0[leg])
        return lat, lon

    def find(
        self, mover: npt.NDArray[np.int32], ts: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.int64]:
        """The leg each (mover, time) falls on, or -1 where the mover has no leg then."""
        # Legs are sorted by (mover, t0): one searchsorted on a combined key finds them.
        key = self.mover.astype(np.int64) * _SPAN + (self.t0 - _EPOCH0)
        q = mover.astype(np.int64) * _SPAN + (ts - _EPOCH0)
        i = np.searchsorted(key, q, side="right") - 1
        ok = (i >= 0) & (self.mover[np.maximum(i, 0)] == mover) & (ts < self.t1[np.maximum(i, 0)])
        ok &= ts >= self.t0[np.maximum(i, 0)]
        return np.where(ok, i, -1)

    def sample_grid(
        self,
        legs: npt.NDArray[np.int64],
        interval_ms: npt.NDArray[np.int64],
        phase_ms: npt.NDArray[np.int64],
        w0: int,
        w1: int,
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Times on each leg's grid (`phase + k * interval`) within the leg and [w0, w1).

        Returns (leg index per time, times), grouped by leg. The grid is the mover's
        own (its phase), so consecutive legs with the same interval continue it.
        """
        a = np.maximum(self.t0[legs], w0)
        b = np.minimum(self.t1[legs], w1)
        which, ts = grid_times(a, b, interval_ms, phase_ms)
        return legs[which], ts


def grid_times(
    a: npt.NDArray[np.int64],
    b: npt.NDArray[np.int64],
    interval: npt.NDArray[np.int64],
    phase: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Times `phase[i] + k * interval[i]` in [a[i], b[i]) for every i: (i per time, time)."""
    k0 = -((phase - a) // interval)  # ceil((a - phase) / interval)
    k1 = -((phase - b) // interval)
    n = np.maximum(k1 - k0, 0)
    which = np.repeat(np.arange(a.shape[0]), n)
    first = np.repeat(np.cumsum(n) - n, n)
    k = np.repeat(k0, n) + (np.arange(int(n.sum())) - first)
    return which, phase[which] + k * interval[which]


_EPOCH0: Final = 0
_SPAN: Final = 1 << 42  # > any time in ms before the year 2109


@dataclass
class LegBuilder:
    """Collects waypoints mover by mover and turns them into `Legs`."""

    _mover: list[npt.NDArray[np.int32]] = field(default_factory=list)
    _t0: list[npt.NDArray[np.int64]] = field(default_factory=list)
    _t1: list[npt.NDArray[np.int64]] = field(default_factory=list)
    _lat: list[tuple[F64, F64]] = field(default_factory=list)
    _lon: list[tuple[F64, F64]] = field(default_factory=list)
    _status: list[npt.NDArray[np.int8]] = field(default_factory=list)
    _hoff: list[npt.NDArray[np.float32]] = field(default_factory=list)

    def path(
        self,
        mover: int,
        lat: npt.ArrayLike,
        lon: npt.ArrayLike,
        t_start: int,
        speed_kn: float,
        status: int = 0,
        heading_off: float = 0.0,
    ) -> int:
        """Sail through the points at a constant speed from `t_start`; returns the arrival time."""
        la = np.asarray(lat, np.float64)
        lo = np.asarray(lon, np.float64)
        if la.shape[0] < 2:
            return t_start
        d = distance_m(la[:-1], lo[:-1], la[1:], lo[1:])
        t = t_start + np.concatenate([[0], np.cumsum(d / (speed_kn * KNOT_MS) * 1000.0)]).astype(
            np.int64
        )
        self.timed(mover, la, lo, t, status, heading_off)
        return int(t[-1])

    def arrive(
        self,
        mover: int,
        lat: npt.ArrayLike,
        lon: npt.ArrayLike,
        t_start: int,
        speed_kn: float,
        berth: tuple[float, float] | None = None,
        status: int = 0,
    ) -> int:
        """`path` into a harbour as ships make it: slowing down over the last two miles
        (to 60 %, then 35 % of the speed, never under 3 kn) and creeping the last stretch
        to the `berth` at 2 kn; returns the time it is alongside."""
        la = np.asarray(lat, np.float64)
        lo = np.asarray(lon, np.float64)
        if la.shape[0] < 2:
            return t_start
        total = float(distance_m(la[:-1], lo[:-1], la[1:], lo[1:]).sum())
        slow = min(2 * NM, total / 3)
        t = t_start
        if speed_kn > 5 and slow > 0:
            head, tail = split_at(la, lo, total - slow)
            middle, last = split_at(tail[0], tail[1], slow / 2)
            t = self.path(mover, head[0], head[1], t, speed_kn, status)
            t = self.path(mover, middle[0], middle[1], t, max(0.6 * speed_kn, 3.0), status)
            t = self.path(mover, last[0], last[1], t, max(0.35 * speed_kn, 3.0), status)
        else:
            t = self.path(mover, la, lo, t, speed_kn, status)
        if berth is not None:  # chosen to be reached from the entrance by water
            t = self.path(mover, [la[-1], berth[0]], [lo[-1], berth[1]], t, 2.0, status)
        return t

    def timed(
        self,
        mover: int,
        lat: npt.ArrayLike,
        lon: npt.ArrayLike,
        t: npt.ArrayLike,
        status: int | npt.ArrayLike = 0,
        heading_off: float | npt.ArrayLike = 0.0,
    ) -> None:
        """Waypoints with their own times (strictly increasing); legs join consecutive ones."""
        tt = np.asarray(t, np.int64)
        keep = np.concatenate([[True], np.diff(tt) > 0])
        la = np.asarray(lat, np.float64)[keep]
        lo = np.asarray(lon, np.float64)[keep]
        tt = tt[keep]
        n = tt.shape[0] - 1
        if n < 1:
            return
        self._mover.append(np.full(n, mover, np.int32))
        self._t0.append(tt[:-1])
        self._t1.append(tt[1:])
        self._lat.append((la[:-1], la[1:]))
        self._lon.append((lo[:-1], lo[1:]))
        self._status.append(np.broadcast_to(np.asarray(status, np.int8), (n,)).copy())
        self._hoff.append(np.broadcast_to(np.asarray(heading_off, np.float32), (n,)).copy())

    def stay(self, mover: int, lat: float, lon: float, t0: int, t1: int, status: int = 5) -> None:
        """Stay at one point (moored, anchored, or stopped) from t0 to t1."""
        if t1 > t0:
            self.timed(mover, [lat, lat], [lon, lon], [t0, t1], status)

    def mark(self) -> int:
        """A point to roll back to (see `rollback`)."""
        return len(self._mover)

    def rollback(self, mark: int) -> None:
        """Forget every waypoint added since `mark`: a plan that could not be completed."""
        for parts in (
            self._mover,
            self._t0,
            self._t1,
            self._lat,
            self._lon,
            self._status,
            self._hoff,
        ):
            del parts[mark:]

    def build(self) -> Legs:
        """All legs, sorted by (mover, t0)."""
        if not self._mover:
            e = np.empty(0)
            return Legs(
                np.empty(0, np.int32),
                np.empty(0, np.int64),
                np.empty(0, np.int64),
                e,
                e,
                e,
                e,
                np.empty(0, np.int8),
                np.empty(0, np.float32),
            )
        mover = np.concatenate(self._mover)
        t0 = np.concatenate(self._t0)
        order = np.lexsort((t0, mover))
        return Legs(
            mover=mover[order],
            t0=t0[order],
            t1=np.concatenate(self._t1)[order],
            lat0=np.concatenate([a for a, _ in self._lat])[order],
            lat1=np.concatenate([b for _, b in self._lat])[order],
            lon0=np.concatenate([a for a, _ in self._lon])[order],
            lon1=np.concatenate([b for _, b in self._lon])[order],
            status=np.concatenate(self._status)[order],
            heading_off=np.concatenate(self._hoff)[order],
        )
