"""Is a point on land? Millions of answers per second from GSHHG's land polygons.

The simulator asks this on its hot paths (keeping ships on water and people on
land, checking every leg of every route) and detectors will ask it for every
position (a ship reported on land). Testing each point against the polygons would
cost microseconds per point, so `LandMask.load` grades the polygons of
`land.parquet` (`watchkeeper.geo.coastline`) once, on two levels:

* 1° tiles: all water (no land piece), all land (a piece is the whole tile) or mixed;
* inside a mixed tile, cells of 1/64° (~1.7 km by ~1.4 km at 35° N): all water,
  all land, or crossed by a shoreline.

Only points in a cell a shoreline crosses (a band of a cell or two along the
coasts) are tested exactly, with `shapely.intersects_xy` against the tile's
prepared polygons: the answer is the polygons' own, to the vertex, not a raster's.
A point exactly on a shoreline counts as land.

Points outside the region the file was built for (see `LandMask.region`), and
NaN coordinates, are **unknown**, reported as not land: callers that must tell
unknown from water ask `LandMask.covers`. Longitudes are taken modulo 360.
"""

from __future__ import annotations

import logging
import math
from functools import cache
from typing import TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

from watchkeeper.errors import ConfigError, WatchkeeperError
from watchkeeper.geo.coastline import (
    FORMAT,
    LAND_FILE,
    TILE_DEG,
    Provenance,
    Region,
    read_provenance,
)

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["CELLS_PER_TILE", "LandMask", "land_mask", "land_mask_if_built"]

#: Cells per side of a mixed 1° tile: a power of two, so a cell is a shift away.
CELLS_PER_TILE: Final = 64

_WATER: Final = 0
_LAND: Final = 1
_SHORE: Final = 2
# Tile codes: a block index (>= 0) for mixed tiles, or one of these.
_WATER_TILE: Final = -1
_LAND_TILE: Final = -2


class LandMask:
    """GSHHG land polygons graded into tiles and cells for fast vectorised lookups.

    Build it with `LandMask.load(geo_dir)` (or the cached `land_mask(geo_dir)`).
    """

    def __init__(self, table: pa.Table, provenance: Provenance) -> None:
        """Grade the pieces of `table` (the layout `build_land` writes) into tiles and cells."""
        self.provenance = provenance
        west, east, south, north = provenance.region
        self._lon0, self._lat0 = math.floor(west), math.floor(south)
        self._cols = math.ceil(east) - self._lon0
        self._rows = math.ceil(north) - self._lat0
        tile_lat = table["tile_lat"].to_numpy().astype(np.int64)
        tile_lon = table["tile_lon"].to_numpy().astype(np.int64)
        tile = (tile_lat - self._lat0) * self._cols + (tile_lon - self._lon0)
        full = table["full"].to_numpy(zero_copy_only=False)
        code = np.full(self._rows * self._cols, _WATER_TILE, np.int32)
        code[tile[full]] = _LAND_TILE
        mixed_rows = np.flatnonzero(code[tile] == _WATER_TILE)
        mixed_tiles, block_of_row = np.unique(tile[mixed_rows], return_inverse=True)
        code[mixed_tiles] = np.arange(mixed_tiles.size, dtype=np.int32)
        self._tile_code = code
        # One prepared (Multi)Polygon per mixed tile, with the tile's south-west corner.
        pieces = shapely.from_wkb(table["geometry"].to_numpy(zero_copy_only=False)[mixed_rows])
        parts, part_row = shapely.get_parts(pieces, return_index=True)
        order = np.argsort(block_of_row[part_row], kind="stable")
        self._geoms = np.asarray(
            shapely.multipolygons(parts[order], indices=block_of_row[part_row][order]), object
        )
        shapely.prepare(self._geoms)
        self._block_lat = (mixed_tiles // self._cols + self._lat0).astype(np.float64)
        self._block_lon = (mixed_tiles % self._cols + self._lon0).astype(np.float64)
        self._cells = self._grade_cells()

    @classmethod
    def load(cls, geo_dir: Path) -> LandMask:
        """Read `land.parquet` from `geo_dir` (written by `watchkeeper geo build`).

        Raises
        ------
        ConfigError
            When the file is missing, unreadable or of another layout version.
        """
        path = geo_dir / LAND_FILE
        provenance = read_provenance(path)
        if provenance.format != FORMAT:
            raise ConfigError(
                f"{path}: land file format {provenance.format}, this version reads {FORMAT}: "
                "rebuild it with `watchkeeper geo build`"
            )
        try:
            table = pq.read_table(
                path, columns=["tile_lat", "tile_lon", "full", "geometry"], memory_map=True
            )
        except (OSError, pa.ArrowException) as exc:
            raise ConfigError(
                f"{path}: unreadable land file ({exc}): rebuild it with `watchkeeper geo build`"
            ) from None
        return cls(table, provenance)

    @property
    def region(self) -> Region:
        """(west, east, south, north) the mask knows; elsewhere is unknown."""
        return self.provenance.region

    def covers(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> npt.NDArray[np.bool_]:
        """True where the mask knows the answer: finite coordinates inside `region`."""
        la, lo = _as_arrays(lat, lon)
        return self._covers(la, lo)

    def is_land(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> npt.NDArray[np.bool_]:
        """True on land (islands in lakes too), False at sea, in lakes and where unknown.

        Vectorised: `lat` and `lon` broadcast together and the result has their shape.
        """
        la, lo = _as_arrays(lat, lon)
        shape = la.shape
        la, lo = la.ravel(), lo.ravel()
        inside = self._covers(la, lo)
        out = np.zeros(la.size, np.bool_)
        if inside.all():
            out[:] = self._is_land_inside(la, lo)
        elif inside.any():
            out[inside] = self._is_land_inside(la[inside], lo[inside])
        return out.reshape(shape)

    # ----------------------------------------------------------------------- internals

    def _covers(
        self, lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.bool_]:
        west, east, south, north = self.region
        return np.asarray((lat >= south) & (lat <= north) & (lon >= west) & (lon <= east), np.bool_)

    def _is_land_inside(
        self, lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.bool_]:
        """`is_land` for points known to lie in the region."""
        k = CELLS_PER_TILE
        # Non-negative inside the region, so truncation is floor; the north and east
        # edges belong to the last cell.
        iy = np.minimum(((lat - self._lat0) * k).astype(np.int64), self._rows * k - 1)
        ix = np.minimum(((lon - self._lon0) * k).astype(np.int64), self._cols * k - 1)
        code = self._tile_code[(iy // k) * self._cols + ix // k]
        land: npt.NDArray[np.bool_] = code == _LAND_TILE
        in_block = np.flatnonzero(code >= 0)
        if in_block.size == 0:
            return land
        block = code[in_block]
        cell = self._cells[block, iy[in_block] % k, ix[in_block] % k]
        land[in_block] = cell == _LAND
        shore = cell == _SHORE
        if shore.any():
            at = in_block[shore]
            land[at] = shapely.intersects_xy(self._geoms[block[shore]], lon[at], lat[at])
        return land

    def _grade_cells(self) -> npt.NDArray[np.uint8]:
        """Cells of each mixed tile: land, water, or crossed by a shoreline (tested exactly).

        A cell is crossed when a vertex of the tile's boundary, densified to half a
        cell, falls in it, or when a boundary segment steps diagonally past it. Every
        other cell is land or water throughout, and so is every cell in the same run
        along a row with no crossed cell between: one exact test per run grades it.
        """
        k = CELLS_PER_TILE
        cells = np.zeros((self._geoms.size, k, k), np.uint8)
        if self._geoms.size == 0:
            return cells
        lines, block = shapely.get_parts(shapely.boundary(self._geoms), return_index=True)
        lines = shapely.segmentize(lines, TILE_DEG / k / 2)
        xy, line = shapely.get_coordinates(lines, return_index=True)
        b = block[line]
        cx = np.clip(((xy[:, 0] - self._block_lon[b]) * k).astype(np.int64), 0, k - 1)
        cy = np.clip(((xy[:, 1] - self._block_lat[b]) * k).astype(np.int64), 0, k - 1)
        cells[b, cy, cx] = _SHORE
        step = (line[1:] == line[:-1]) & (cx[1:] != cx[:-1]) & (cy[1:] != cy[:-1])
        cells[b[1:][step], cy[:-1][step], cx[1:][step]] = _SHORE
        cells[b[1:][step], cy[1:][step], cx[:-1][step]] = _SHORE
        # Runs of ungraded cells along each row: one exact test at each run's first cell.
        rows = cells.reshape(-1, k)
        open_ = rows != _SHORE
        start = open_.copy()
        start[:, 1:] &= ~open_[:, :-1]
        row, col = np.nonzero(start)
        run_block = row // k
        x = self._block_lon[run_block] + (col + 0.5) / k
        y = self._block_lat[run_block] + (row % k + 0.5) / k
        status = np.where(
            shapely.intersects_xy(self._geoms[run_block], x, y), _LAND, _WATER
        ).astype(np.uint8)
        run = np.cumsum(start.ravel()) - 1
        flat = cells.reshape(-1)
        graded = open_.ravel()
        flat[graded] = status[run[graded]]
        return cells


def _as_arrays(
    lat: npt.ArrayLike, lon: npt.ArrayLike
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Float arrays of one shape, longitudes brought into [-180, 180]."""
    la, lo = np.broadcast_arrays(np.asarray(lat, np.float64), np.asarray(lon, np.float64))
    outside = (lo < -180.0) | (lo > 180.0)
    if outside.any():
        lo = np.where(outside, (lo + 180.0) % 360.0 - 180.0, lo)
    return la, lo


@cache
def land_mask(geo_dir: Path) -> LandMask:
    """The land mask of `geo_dir`, loaded once per process (it is read-only)."""
    return LandMask.load(geo_dir)


def land_mask_if_built(geo_dir: Path) -> LandMask | None:
    """`land_mask`, or None with a warning when it was never built: detection still
    runs, without its on-land checks."""
    try:
        return land_mask(geo_dir)
    except WatchkeeperError as exc:
        logging.getLogger(__name__).warning(
            "no land mask, positions on land are not checked (%s)", exc
        )
        return None
