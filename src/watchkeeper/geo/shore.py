"""Distance to shore: how far each of millions of positions is from GSHHG's shoreline.

Detectors need it as a threshold ("loitering 20 nm or more from shore", "a gap away
from the coast"), for every position, so it must be vectorised and fast. Two parts,
each measured (`tests/geo/test_shore.py`, figures in `docs/detection.md`):

* **Exact, slowish**: the shoreline of `land.parquet` (tile edges dropped), densified
  to points at most `FINE_SPACING_M` apart, in k-d trees over 3-D unit vectors
  (`watchkeeper.geo.sphere`), which give the nearest point by great-circle distance.
  A single tree over its ~2 M points answers only ~0.2 M queries a second on the node
  (near-equal candidates along a coast), so there are coarser trees of points resampled
  from it, 20 km, 4 km, 2 km and 500 m apart, and a query stops at the coarsest one
  precise enough for its distance: the nearest of points `s` apart overstates a
  distance by at most `s` (at a headland facing the point), so a tree of points `s`
  apart serves distances of 100 `s` and more (≤ 1 %), and the 100 m one the rest
  (≤ 50 m). Distances are measured on the WGS 84 ellipsoid (meridian and normal
  radii at the mid-latitude), not the sphere (~0.3 % better).
* **Fast**: a grid of `GRID_CELLS_PER_DEG` cells a degree over the region holds, for
  every cell centre near water, its nearest shore point; a query measures the distance
  to the four shore points of the centres around it and keeps the least: millions of
  points a second. Each of the four is at least as far as the true nearest, and one of
  them is it, or a point just beside it, unless the coast turns sharply within a cell
  (a bilinear interpolation of distances instead was off by up to 1.5 km on the lines
  midway between two coasts, where the distance field folds). Points whose estimate is
  under `EXACT_BELOW_M` (harbours, coasts, islets smaller than a cell) are answered by
  the exact trees.

Points on land are 0 m from shore (the land mask, `watchkeeper.geo.landmask`,
decides); points outside the land file's region, and NaN, are NaN: the file does not
know the land there. Near the region's edges the distance ignores land beyond them.

The shore points and the grid are derived from `land.parquet` once and cached as
`shore.npz` in `geo_dir` (`watchkeeper geo build` writes it; a missing or older one
is rebuilt on load).
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import uuid
from functools import cache
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq
import shapely
from scipy.ndimage import binary_dilation
from scipy.spatial import cKDTree

from watchkeeper.errors import ConfigError
from watchkeeper.geo.coastline import LAND_FILE
from watchkeeper.geo.landmask import LandMask, land_mask
from watchkeeper.geo.sphere import chord_to_m, m_to_chord, unit_vectors

__all__ = [
    "EXACT_BELOW_M",
    "FINE_SPACING_M",
    "GRID_CELLS_PER_DEG",
    "SHORE_FILE",
    "ShoreDistance",
    "build_shore",
    "distance_to_shore_m",
    "shore_distance",
    "shore_distance_if_built",
]

SHORE_FILE: Final = "shore.npz"
#: Spacing of the densified shoreline: ~GSHHG full resolution's own vertex spacing.
FINE_SPACING_M: Final = 100.0
#: Grid resolution: 1/32° is ~3.5 km north-south; 15 MB of float32 over the default region.
GRID_CELLS_PER_DEG: Final = 32
#: Interpolated distances under this are recomputed exactly (interpolation is worst
#: near islets and corners of the coast, where the distance field bends within a cell).
EXACT_BELOW_M: Final = 10_000.0
#: (spacing of a coarse tree's points, nearest distance from which it is precise enough).
#: Each spacing divides the one before, so each tree's points are a subset of the next's.
_LEVELS: Final = (
    (20_000.0, 2_000_000.0),
    (4_000.0, 400_000.0),
    (2_000.0, 200_000.0),
    (500.0, 50_000.0),
)
#: How far beyond the grid's estimate the exact search near the shore looks.
_NEAR_SLACK_M: Final = 1_000.0
_WGS84_A: Final = 6_378_137.0
_WGS84_E2: Final = 6.694379990141317e-3
_FORMAT: Final = 2


class ShoreDistance:
    """Distance from points to the nearest shoreline, in metres, vectorised.

    Build it with `ShoreDistance.load(geo_dir)` (or the cached `shore_distance(geo_dir)`).
    """

    def __init__(
        self,
        points: npt.NDArray[np.floating],
        land: LandMask,
        grid: npt.NDArray[np.int32] | None = None,
    ) -> None:
        """Index `points` ((n, 2) lon, lat of the shoreline, in order); grid them if no `grid`."""
        if points.ndim != 2 or points.shape[1] != 2 or len(points) == 0:
            raise ConfigError("shore points: expected a non-empty (n, 2) array of lon, lat")
        self.land = land
        self.points = np.asarray(points, np.float64)
        along = _along_m(self.points)
        self._coarse = []
        for spacing, usable_from in _LEVELS:
            keep = np.flatnonzero(np.r_[True, np.diff(np.floor(along / spacing)) != 0])
            tree = cKDTree(unit_vectors(self.points[keep, 1], self.points[keep, 0]))
            self._coarse.append((tree, keep, usable_from))
        self._fine = cKDTree(unit_vectors(self.points[:, 1], self.points[:, 0]))
        west, east, south, north = land.region
        self._lon0, self._lat0 = math.floor(west), math.floor(south)
        k = GRID_CELLS_PER_DEG
        shape = ((math.ceil(north) - self._lat0) * k, (math.ceil(east) - self._lon0) * k)
        self.grid = self._grid(shape) if grid is None or grid.shape != shape else grid

    @classmethod
    def load(cls, geo_dir: Path) -> ShoreDistance:
        """Read (or derive and cache) the shore points and grid of `geo_dir`.

        Raises
        ------
        ConfigError
            When `land.parquet` is missing or unreadable.
        """
        land = land_mask(geo_dir)
        cached, source = geo_dir / SHORE_FILE, geo_dir / LAND_FILE
        if cached.is_file() and cached.stat().st_mtime >= source.stat().st_mtime:
            with contextlib.suppress(OSError, ValueError, KeyError), np.load(cached) as saved:
                if int(saved["format"]) == _FORMAT:
                    return cls(saved["points"], land, saved["grid"])
        shore = cls(_shore_points(source), land)
        with contextlib.suppress(ConfigError):  # a read-only geo_dir: derive each time
            shore.save(geo_dir)
        return shore

    def save(self, geo_dir: Path) -> Path:
        """Cache the points and grid as `shore.npz` in `geo_dir` (atomically)."""
        final = geo_dir / SHORE_FILE
        part = geo_dir / f".{SHORE_FILE}.{os.getpid()}.{uuid.uuid4().hex[:8]}.part.npz"
        try:
            # float32 lon/lat is within 0.5 m; it halves the file.
            np.savez(part, format=_FORMAT, points=self.points.astype(np.float32), grid=self.grid)
            part.replace(final)
        except OSError as exc:
            part.unlink(missing_ok=True)
            raise ConfigError(f"cannot write {final}: {exc.strerror or exc}") from None
        return final

    def distance_to_shore_m(
        self, lat: npt.ArrayLike, lon: npt.ArrayLike
    ) -> npt.NDArray[np.float64]:
        """Metres from each point to the nearest shoreline: 0 on land, NaN where unknown.

        Vectorised: `lat` and `lon` (degrees) broadcast together; the result has their shape.
        """
        la, lo = np.broadcast_arrays(np.asarray(lat, np.float64), np.asarray(lon, np.float64))
        shape = la.shape
        la, lo = la.ravel(), lo.ravel()
        lo = np.where((lo < -180.0) | (lo > 180.0), (lo + 180.0) % 360.0 - 180.0, lo)
        out = np.full(la.size, np.nan)
        sea = np.flatnonzero(self.land.covers(la, lo))
        on_land = self.land.is_land(la[sea], lo[sea])
        out[sea[on_land]] = 0.0
        sea = sea[~on_land]
        estimate = self._interpolate(la[sea], lo[sea])
        near = estimate < EXACT_BELOW_M
        out[sea[~near]] = estimate[~near]
        if near.any():
            at = sea[near]
            out[at] = self._near_m(la[at], lo[at], estimate[near])
        return out.reshape(shape)

    def _near_m(
        self,
        lat: npt.NDArray[np.float64],
        lon: npt.NDArray[np.float64],
        estimate: npt.NDArray[np.float64],
    ) -> npt.NDArray[np.float64]:
        """Exact distances of points the grid puts near the shore, searched near it only.

        The grid's estimate is the distance to a real shore point, so the nearest is no
        farther: the fine tree is searched within it (and `_NEAR_SLACK_M` more, for the
        points without an estimate); a tight bound is what keeps it fast. Points with
        nothing there go through `exact_m`.
        """
        reach = float(np.max(np.maximum(estimate, 0.0))) + _NEAR_SLACK_M
        chord, index = self._fine.query(
            unit_vectors(lat, lon), workers=-1, distance_upper_bound=float(m_to_chord(reach))
        )
        out = np.empty(lat.size)
        found = np.isfinite(chord)
        out[found] = self._ellipsoidal_to(lat[found], lon[found], index[found])
        if not found.all():
            out[~found] = self.exact_m(lat[~found], lon[~found])
        return out

    def exact_m(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Distance to the nearest shore point from the trees alone (land not zeroed).

        ~0.3-1 M points a second: what the grid is built from and checked against.
        """
        la = np.asarray(lat, np.float64).ravel()
        lo = np.asarray(lon, np.float64).ravel()
        return self._ellipsoidal_to(la, lo, self._nearest(la, lo))

    def _nearest(
        self, la: npt.NDArray[np.float64], lo: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.intp]:
        """Row in `points` of the nearest shore point (by the coarsest tree precise enough)."""
        q = unit_vectors(la, lo)
        out = np.empty(la.size, np.intp)
        todo = np.arange(la.size)
        bound = np.inf
        for tree, kept, usable_from in self._coarse:
            chord, index = _query(tree, q[todo], bound)
            done = chord_to_m(chord) >= usable_from
            out[todo[done]] = kept[index[done]]
            todo = todo[~done]
            # The nearest finer point is no farther than this coarse one (a subset), so
            # the finer search stops there: one bound for all, as scipy takes a scalar.
            bound = float(chord[~done].max()) * (1 + 1e-9) + 1e-12 if todo.size else 0.0
        if todo.size:
            _, index = _query(self._fine, q[todo], bound)
            out[todo] = index
        return out

    def _ellipsoidal_to(
        self,
        lat: npt.NDArray[np.float64],
        lon: npt.NDArray[np.float64],
        index: npt.NDArray[np.intp],
    ) -> npt.NDArray[np.float64]:
        """Distances from points to the shore points `index`, on the ellipsoid."""
        point = self.points[index]
        return _ellipsoidal_m(lat, lon, point[:, 1], point[:, 0])

    def _grid(self, shape: tuple[int, int]) -> npt.NDArray[np.int32]:
        """The nearest shore point of every cell centre near water (-1 far inland)."""
        k = GRID_CELLS_PER_DEG
        lat = self._lat0 + (np.arange(shape[0]) + 0.5) / k
        lon = self._lon0 + (np.arange(shape[1]) + 0.5) / k
        glat, glon = np.meshgrid(lat, lon, indexing="ij")
        land = self.land.is_land(glat, glon)
        # Land centres two cells or less from water are corners of cells at sea.
        wanted = ~land | binary_dilation(~land, iterations=2)
        grid = np.full(shape, -1, np.int32)
        grid[wanted] = self._nearest(glat[wanted], glon[wanted])
        return grid

    def _interpolate(
        self, lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.float64]:
        """Distance to the nearest of the four shore points the cell's corners lead to.

        Each is at least as far as the true nearest, and one of them is (nearly) it
        unless the coast bends sharply within a cell; -inf where a corner has none
        (sends the point to the exact trees).
        """
        k = GRID_CELLS_PER_DEG
        rows, cols = self.grid.shape
        fy = np.clip((lat - self._lat0) * k - 0.5, 0.0, rows - 1.0)
        fx = np.clip((lon - self._lon0) * k - 0.5, 0.0, cols - 1.0)
        iy = np.minimum(fy.astype(np.int64), rows - 2)
        ix = np.minimum(fx.astype(np.int64), cols - 2)
        best = np.full(lat.size, np.inf)
        for dy, dx in ((0, 0), (0, 1), (1, 0), (1, 1)):
            index = self.grid[iy + dy, ix + dx]
            metres = self._ellipsoidal_to(lat, lon, np.maximum(index, 0))
            best = np.minimum(best, np.where(index >= 0, metres, -np.inf))
        return best


def build_shore(geo_dir: Path) -> Path:
    """Derive the shore points and grid of `geo_dir/land.parquet` and cache them there."""
    return ShoreDistance(_shore_points(geo_dir / LAND_FILE), land_mask(geo_dir)).save(geo_dir)


def distance_to_shore_m(
    lat: npt.ArrayLike, lon: npt.ArrayLike, *, geo_dir: Path
) -> npt.NDArray[np.float64]:
    """Metres from each point to the nearest shore (0 on land, NaN unknown); see `ShoreDistance`."""
    return shore_distance(geo_dir).distance_to_shore_m(lat, lon)


@cache
def shore_distance(geo_dir: Path) -> ShoreDistance:
    """The shore distance of `geo_dir`, loaded once per process (it is read-only)."""
    return ShoreDistance.load(geo_dir)


def shore_distance_if_built(geo_dir: Path) -> ShoreDistance | None:
    """`shore_distance` when `watchkeeper geo build` has cached it, else None with a
    warning (detectors then sample the land mask around each point instead)."""
    if not (geo_dir / SHORE_FILE).is_file():
        logging.getLogger(__name__).warning(
            "no %s in %s: run `watchkeeper geo derive`; distances to shore are estimated",
            SHORE_FILE,
            geo_dir,
        )
        return None
    try:
        return shore_distance(geo_dir)
    except ConfigError as exc:
        logging.getLogger(__name__).warning("distances to shore are estimated (%s)", exc)
        return None


# --------------------------------------------------------------------------- internals


def _query(
    tree: cKDTree, q: npt.NDArray[np.float64], bound: float
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.intp]]:
    """Nearest point within `bound` (chord), and without bound where none was (never, in theory)."""
    chord, index = tree.query(q, workers=-1, distance_upper_bound=bound)
    missed = ~np.isfinite(chord)
    if missed.any():
        chord[missed], index[missed] = tree.query(q[missed], workers=-1)
    return np.asarray(chord, np.float64), np.asarray(index, np.intp)


def _shore_points(path: Path) -> npt.NDArray[np.float64]:
    """The shoreline of a land file, densified to `FINE_SPACING_M`, as (n, 2) lon, lat.

    The file's pieces are cut at 1° tile edges (and the region's edge); a segment lying
    along such a line on both ends is an artefact of the cut, not shore, and is dropped.
    """
    try:
        table = pq.read_table(path, columns=["geometry"])
    except (OSError, pa.ArrowException) as exc:
        raise ConfigError(
            f"{path}: unreadable land file ({exc}): run `watchkeeper geo build`"
        ) from None
    pieces = shapely.from_wkb(table["geometry"].to_numpy(zero_copy_only=False))
    rings = shapely.get_rings(shapely.get_parts(pieces))
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[1:] == ring[:-1]
    a, b = xy[:-1][same], xy[1:][same]
    on_edge = ((a[:, 0] == np.round(a[:, 0])) & (a[:, 0] == b[:, 0])) | (
        (a[:, 1] == np.round(a[:, 1])) & (a[:, 1] == b[:, 1])
    )
    a, b = a[~on_edge], b[~on_edge]
    mid_lat = np.radians((a[:, 1] + b[:, 1]) / 2)
    length_m = np.hypot(
        (b[:, 0] - a[:, 0]) * 111_320.0 * np.cos(mid_lat), (b[:, 1] - a[:, 1]) * 110_574.0
    )
    steps = np.maximum(1, np.ceil(length_m / FINE_SPACING_M).astype(np.int64))
    segment = np.repeat(np.arange(len(a)), steps)
    first = np.repeat(np.cumsum(steps) - steps, steps)
    fraction = (np.arange(steps.sum()) - first) / steps[segment]
    points: npt.NDArray[np.float64] = a[segment] + (b[segment] - a[segment]) * fraction[:, None]
    return points


def _along_m(points: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Cumulative metres along the (ordered) points, roughly: for resampling only."""
    step = np.diff(points, axis=0)
    mid_lat = np.radians((points[1:, 1] + points[:-1, 1]) / 2)
    metres = np.hypot(step[:, 0] * 111_320.0 * np.cos(mid_lat), step[:, 1] * 110_574.0)
    # A jump (to another ring, or over a dropped tile edge) counts as far more than any
    # spacing, so the first point after it is kept at every level: an islet smaller
    # than a spacing keeps a point.
    metres[metres > 2 * FINE_SPACING_M] = 1e9
    return np.asarray(np.r_[0.0, np.cumsum(metres)], np.float64)


def _ellipsoidal_m(
    lat1: npt.NDArray[np.float64],
    lon1: npt.NDArray[np.float64],
    lat2: npt.NDArray[np.float64],
    lon2: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """Short distances on WGS 84: meridian and normal radii at the mid-latitude.

    Within 0.05 % of the geodesic up to ~100 km (the fine tree serves < 20 km).
    """
    mid = np.radians((lat1 + lat2) / 2)
    w = 1.0 - _WGS84_E2 * np.sin(mid) ** 2
    meridian = _WGS84_A * (1.0 - _WGS84_E2) / w**1.5
    normal = _WGS84_A / np.sqrt(w)
    dlon = (lon2 - lon1 + 180.0) % 360.0 - 180.0
    north = meridian * np.radians(lat2 - lat1)
    east = normal * np.cos(mid) * np.radians(dlon)
    return np.asarray(np.hypot(north, east), np.float64)
