"""Keeping simulated ships on water: sea routes, water checks and small repairs.

Sea lanes come from the `searoute` package's maritime network (Eurostat MARNET),
which is coarse near coasts: its lines can clip a cape or an islet, and a port's
point is often on land. A route is therefore densified, checked against the
node's land mask, and bent around what it crosses; points given in a scenario
(harbour entrances, beaches) are moved to the nearest water. What cannot be
repaired is reported, never silently sailed over land.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from functools import cache
from typing import Final

import numpy as np
import numpy.typing as npt

from watchkeeper.errors import ConfigError
from watchkeeper.sim.legs import distance_m, offset

__all__ = [
    "CHECK_M",
    "IsLand",
    "NoRoute",
    "SeaRouter",
    "at_the_shore",
    "densify",
    "legs_on_water",
    "nearest_water",
    "open_water",
]

F64 = npt.NDArray[np.float64]
IsLand = Callable[[F64, F64], npt.NDArray[np.bool_]]

_STEP_M: Final = 400.0  # densify spacing: below the land mask's smallest islets
MARGIN_M: Final = 60.0  # clearance from land of the points ships stop at
CHECK_M: Final = 50.0  # spacing of the water check along a leg (well under a land-mask cell)


def densify(lat: F64, lon: F64, step_m: float = _STEP_M) -> tuple[F64, F64]:
    """The polyline with extra points so that no two consecutive ones are over `step_m` apart."""
    d = distance_m(lat[:-1], lon[:-1], lat[1:], lon[1:])
    n = np.maximum(np.ceil(d / step_m).astype(np.int64), 1)
    seg = np.repeat(np.arange(len(d)), n)
    f = (np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)) / np.repeat(n, n)
    out_lat = np.append(lat[seg] + f * (lat[seg + 1] - lat[seg]), lat[-1])
    out_lon = np.append(lon[seg] + f * (lon[seg + 1] - lon[seg]), lon[-1])
    return out_lat, out_lon


def legs_on_water(
    is_land: IsLand, lat0: F64, lon0: F64, lat1: F64, lon1: F64, step_m: float = _STEP_M
) -> npt.NDArray[np.bool_]:
    """For each straight leg, True when every point along it (every `step_m`) is water."""
    d = distance_m(lat0, lon0, lat1, lon1)
    n = np.maximum(np.ceil(d / step_m).astype(np.int64), 1) + 1
    which = np.repeat(np.arange(len(d)), n)
    f = (np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)) / np.repeat(n - 1, n)
    lat = lat0[which] + f * (lat1[which] - lat0[which])
    lon = lon0[which] + f * (lon1[which] - lon0[which])
    land = is_land(lat, lon)
    return np.asarray(np.bincount(which, weights=land, minlength=len(d)) == 0, np.bool_)


def open_water(
    is_land: IsLand, lat: F64, lon: F64, margin_m: float = MARGIN_M
) -> npt.NDArray[np.bool_]:
    """True where a point and everything within `margin_m` of it (8 directions) is water.

    A ship kept there stays on water when GPS noise or swinging at anchor moves it
    a few metres, which a point on the very edge of a water cell would not.
    """
    lat = np.asarray(lat, np.float64)
    lon = np.asarray(lon, np.float64)
    b = np.arange(0.0, 360.0, 45.0)
    rlat, rlon = offset(
        np.repeat(lat, b.size), np.repeat(lon, b.size), np.tile(b, lat.size), margin_m
    )
    ring = is_land(rlat, rlon).reshape(lat.size, b.size).any(axis=1)
    return np.asarray(~is_land(lat, lon) & ~ring, np.bool_)


def nearest_water(is_land: IsLand, lat: F64, lon: F64, max_m: float = 10_000.0) -> tuple[F64, F64]:
    """Each point, or the nearest open water (see `open_water`) on rings around it.

    NaN where there is none within `max_m`.
    """
    return _nearest(lambda la, lo: open_water(is_land, la, lo), lat, lon, max_m)


def at_the_shore(
    is_land: IsLand,
    lat: F64,
    lon: F64,
    max_m: float = 10_000.0,
    clear_m: float = 150.0,
    shore_m: float = 500.0,
) -> tuple[F64, F64]:
    """Each point, or the nearest water `clear_m` clear of land all round with land
    within `shore_m`: off the beach a boat is launched from or lands on, when a
    scenario's point lies inland or out at sea. (Closer in, a leg along the coast
    would graze the shore and GPS noise put its reports on land.)

    NaN where there is none within `max_m`.
    """

    def edge(la: F64, lo: F64) -> npt.NDArray[np.bool_]:
        return open_water(is_land, la, lo, clear_m) & ~open_water(is_land, la, lo, shore_m)

    return _nearest(edge, lat, lon, max_m)


def _nearest(
    wanted: Callable[[F64, F64], npt.NDArray[np.bool_]], lat: F64, lon: F64, max_m: float
) -> tuple[F64, F64]:
    lat = np.array(lat, np.float64)
    lon = np.array(lon, np.float64)
    bad = np.flatnonzero(~wanted(lat, lon))
    if bad.size == 0:
        return lat, lon
    radii = np.concatenate([np.arange(100.0, 1000.0, 100.0), np.arange(1000.0, max_m + 1, 250.0)])
    angles = np.arange(0.0, 360.0, 15.0)
    r, a = np.meshgrid(radii, angles, indexing="ij")
    r, a = r.ravel(), a.ravel()  # nearest rings first
    clat, clon = offset(
        np.repeat(lat[bad], r.size),
        np.repeat(lon[bad], r.size),
        np.tile(a, bad.size),
        np.tile(r, bad.size),
    )
    water = wanted(clat, clon).reshape(bad.size, r.size)
    first = water.argmax(axis=1)
    found = water[np.arange(bad.size), first]
    clat, clon = clat.reshape(bad.size, r.size), clon.reshape(bad.size, r.size)
    lat[bad] = np.where(found, clat[np.arange(bad.size), first], np.nan)
    lon[bad] = np.where(found, clon[np.arange(bad.size), first], np.nan)
    return lat, lon


def _grid_path(
    is_land: IsLand, lat0: float, lon0: float, lat1: float, lon1: float, grow: float = 1.0
) -> tuple[F64, F64] | None:
    """Shortest 4-connected path over water cells between two water points, or None.

    A local grid around the two points, its cells a tenth of their distance (30 to
    250 m) and its margin about that distance: fine enough to thread a harbour
    mouth, small enough for a plain Dijkstra. Used only where a sea-lane leg
    crosses land, so the Python loop stays small.
    """
    d = float(distance_m(lat0, lon0, lat1, lon1))
    cell_m = min(max(d / 10.0, 30.0), 250.0)
    margin = min(max(d, 2_000.0), 25_000.0) * grow / 111_195.0
    south, north = min(lat0, lat1) - margin, max(lat0, lat1) + margin
    coslat = float(np.cos(np.radians((south + north) / 2)))
    west, east = min(lon0, lon1) - margin / coslat, max(lon0, lon1) + margin / coslat
    cell = cell_m / 111_195.0  # degrees of latitude per cell
    ny = int(np.ceil((north - south) / cell)) + 1
    nx = int(np.ceil((east - west) / (cell / coslat))) + 1
    ys = south + np.arange(ny) * cell
    xs = west + np.arange(nx) * cell / coslat
    glat, glon = np.meshgrid(ys, xs, indexing="ij")
    water = ~is_land(glat.ravel(), glon.ravel()).reshape(ny, nx)
    a = (int(round((lat0 - south) / cell)), int(round((lon0 - west) / (cell / coslat))))
    b = (int(round((lat1 - south) / cell)), int(round((lon1 - west) / (cell / coslat))))
    water[a] = water[b] = True
    dist = np.full((ny, nx), np.inf)
    prev = np.full((ny, nx, 2), -1, np.int64)
    dist[a] = 0.0
    heap = [(0.0, a)]
    # Four neighbours only: a diagonal step between two water cells can cut the
    # corner of a land cell, which the land mask would then see.
    steps = [(-1, 0, 1.0), (1, 0, 1.0), (0, -1, 1.0), (0, 1, 1.0)]
    while heap:
        d, (y, x) = heapq.heappop(heap)
        if (y, x) == b:
            break
        if d > dist[y, x]:
            continue
        for dy, dx, w in steps:
            v, u = y + dy, x + dx
            if 0 <= v < ny and 0 <= u < nx and water[v, u] and d + w < dist[v, u]:
                dist[v, u] = d + w
                prev[v, u] = (y, x)
                heapq.heappush(heap, (d + w, (v, u)))
    if not np.isfinite(dist[b]):
        return None
    path = [b]
    while path[-1] != a:
        y, x = path[-1]
        path.append((int(prev[y, x, 0]), int(prev[y, x, 1])))
    cells = np.array(path[::-1])
    plat, plon = ys[cells[:, 0]], xs[cells[:, 1]]
    plat[0], plon[0], plat[-1], plon[-1] = lat0, lon0, lat1, lon1
    return _pull(is_land, plat, plon)


def _pull(is_land: IsLand, lat: F64, lon: F64) -> tuple[F64, F64]:
    """Drop grid corners: from each kept point jump to the farthest point still in open sight."""
    keep = [0]
    while keep[-1] < len(lat) - 1:
        i = keep[-1]
        j = np.arange(i + 1, len(lat))
        ok = legs_on_water(
            is_land, np.full(j.size, lat[i]), np.full(j.size, lon[i]), lat[j], lon[j], CHECK_M / 4
        )
        keep.append(int(j[np.flatnonzero(ok)[-1]]) if ok.any() else i + 1)
    return lat[keep], lon[keep]


def _repair(is_land: IsLand, lat: F64, lon: F64) -> tuple[F64, F64] | None:
    """Replace each run of points on land (or legs across it) with a grid detour."""
    bad = ~legs_on_water(is_land, lat[:-1], lon[:-1], lat[1:], lon[1:], CHECK_M)
    if not bad.any():
        return lat, lon
    out_lat: list[F64] = []
    out_lon: list[F64] = []
    i = 0
    n = len(lat)
    while i < n - 1:
        if not bad[i]:
            out_lat.append(lat[i : i + 1])
            out_lon.append(lon[i : i + 1])
            i += 1
            continue
        j = i
        while j < n - 1 and bad[j]:
            j += 1
        # Legs i..j-1 touch land: detour from point i to point j (both on water legs' ends).
        detour = _grid_path(is_land, lat[i], lon[i], lat[j], lon[j])
        if detour is None:  # the way round is wider than the first grid
            detour = _grid_path(is_land, lat[i], lon[i], lat[j], lon[j], grow=4.0)
        if detour is None:
            return None
        out_lat.append(detour[0][:-1])
        out_lon.append(detour[1][:-1])
        i = j
    out_lat.append(lat[-1:])
    out_lon.append(lon[-1:])
    return np.concatenate(out_lat), np.concatenate(out_lon)


class NoRoute(ConfigError):
    """No way over water between two points (one is in a closed basin, or inland)."""


class SeaRouter:
    """Routes over water between two points on water, cached per pair for the run."""

    def __init__(self, is_land: IsLand) -> None:
        self.is_land = is_land
        self._cache: dict[tuple[float, float, float, float], tuple[F64, F64]] = {}

    def route(self, lat0: float, lon0: float, lat1: float, lon1: float) -> tuple[F64, F64]:
        """A densified polyline (lat, lon) from point 0 to point 1 that stays on water."""
        key = (round(lat0, 5), round(lon0, 5), round(lat1, 5), round(lon1, 5))
        if key not in self._cache:
            self._cache[key] = self._compute(lat0, lon0, lat1, lon1)
        return self._cache[key]

    def _compute(self, lat0: float, lon0: float, lat1: float, lon1: float) -> tuple[F64, F64]:
        a0, o0, a1, o1 = (np.array([v]) for v in (lat0, lon0, lat1, lon1))
        straight = legs_on_water(self.is_land, a0, o0, a1, o1, step_m=CHECK_M)
        if straight[0]:
            return np.array([lat0, lat1]), np.array([lon0, lon1])
        coords = np.asarray(
            _searoute()([lon0, lat0], [lon1, lat1], append_orig_dest=True)["geometry"][
                "coordinates"
            ],
            np.float64,
        )
        coords[0], coords[-1] = (lon0, lat0), (lon1, lat1)
        route: tuple[F64, F64] | None = (coords[:, 1], coords[:, 0])
        # Densifying moves the check points, so a leg that grazed a coast between
        # two checks can show up: repair until the densified route itself is clean.
        for _ in range(4):
            assert route is not None
            route = _repair(self.is_land, *densify(*route))
            if route is None:
                break
            lat, lon = route
            if legs_on_water(self.is_land, lat[:-1], lon[:-1], lat[1:], lon[1:], CHECK_M).all():
                return _collinear_dropped(lat, lon)
        raise NoRoute(
            f"no route over water from ({lat0:.4f}, {lon0:.4f}) to ({lat1:.4f}, {lon1:.4f}):"
            " move one end to open water in the scenario"
        )


def _collinear_dropped(lat: F64, lon: F64) -> tuple[F64, F64]:
    """The polyline without its interior points that lie on a straight line (densifying's).

    Motion interpolates between waypoints, so these points add legs and memory
    but no shape.
    """
    if lat.shape[0] < 3:
        return lat, lon
    cross = (lat[1:-1] - lat[:-2]) * (lon[2:] - lon[1:-1]) - (lon[1:-1] - lon[:-2]) * (
        lat[2:] - lat[1:-1]
    )
    keep = np.concatenate([[True], np.abs(cross) > 1e-12, [True]])
    return lat[keep], lon[keep]


@cache
def _searoute() -> Callable[..., dict]:  # type: ignore[type-arg]
    """searoute loads its network on first use (~1 s): import it only when a route is needed."""
    import searoute

    return searoute.searoute  # type: ignore[no-any-return]
