"""Default maritime zones: 12 nm territorial sea and 12-24 nm contiguous zone from GSHHG.

The node ships these so that a fresh install can tell "in someone's territorial sea"
from "on the high seas" before an administrator imports the real, claimed limits
(`watchkeeper zones import`). They are approximations, and say so in their `source`:

* the buffer starts from GSHHG's shoreline (roughly the high-water line), not from the
  legal baselines (low-water line, straight baselines across bays and island fringes,
  closing lines of river mouths); claimed waters are often wider;
* there are no median lines between opposite coasts closer than 24 nm (Malta-Sicily,
  Strait of Gibraltar): both sides' zones overlap into one;
* GSHHG has no countries, so each is one zone for the whole region, with authority
  `computed`;
* lakes are filled (a lake is not sea), and land is inside the territorial-sea polygon:
  ask the land mask (`watchkeeper.geo.landmask`) whether a point is on land.

How: the region is cut into `BLOCK_DEG` blocks; each block's land (with a margin of
the buffer distance) is projected into an azimuthal-equidistant projection centred on
the block (`watchkeeper.geo.aeqd`, exact in metres to < 0.1 % there), simplified by
`LAND_SIMPLIFY_M`, buffered by 12 nm piece by piece and unioned, simplified by
`ZONE_SIMPLIFY_M`, projected back and clipped to the block; the blocks' pieces are
then unioned. The 24 nm limit is the 12 nm zone buffered by 12 nm more (Minkowski sums
add up), which is cheap because that zone has few vertices. Every step errs by at most
its tolerance, so a limit is within ~0.2 km of the true 12 or 24 nm from GSHHG's
shoreline (measured within 100 m: `tests/geo/test_maritime.py`). Islands count, down to GSHHG's
islets (Lampione): simplification keeps every ring.

On the 2-core node the default region (30° W-45° E, 0-50° N) builds in ~11 s into two
MultiPolygons of ~62,000 vertices together (~1.5 MB of GeoJSON).
"""

from __future__ import annotations

import json
import math
import os
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq
import shapely
from shapely.geometry.base import BaseGeometry

from watchkeeper.errors import ConfigError
from watchkeeper.geo.aeqd import LocalProjection
from watchkeeper.geo.coastline import LAND_FILE, Provenance, read_provenance
from watchkeeper.geo.zones import DEFAULT_ZONES_FILE, Zone, zones_geojson

__all__ = [
    "BLOCK_DEG",
    "CONTIGUOUS_ZONE_NM",
    "LAND_SIMPLIFY_M",
    "METRES_PER_NM",
    "TERRITORIAL_SEA_NM",
    "ZONE_SIMPLIFY_M",
    "MaritimeBuild",
    "build_maritime_zones",
    "maritime_zones",
]

METRES_PER_NM: Final = 1852.0
#: UNCLOS art. 3 and 33: the territorial sea reaches 12 nm from the baselines, the
#: contiguous zone 24 nm.
TERRITORIAL_SEA_NM: Final = 12.0
CONTIGUOUS_ZONE_NM: Final = 24.0
#: Side of the blocks the region is projected and buffered in: small enough that the
#: projection's scale error stays under 0.1 % at the far corner of a block and its
#: margin, large enough that the margins do not multiply the work.
BLOCK_DEG: Final = 2
#: Douglas-Peucker tolerance on the land before buffering: removes GSHHG's ~100 m
#: wiggles, which a 22 km buffer smooths away anyway, and makes the build ~5x faster.
LAND_SIMPLIFY_M: Final = 100.0
#: Tolerance on the limits themselves: their arcs become chords of ~4 km.
ZONE_SIMPLIFY_M: Final = 50.0
#: Segments per quarter circle of the buffer's arcs: a chord's sagitta is ~27 m at 12 nm.
_QUAD_SEGS: Final = 16


@dataclass(frozen=True, kw_only=True)
class MaritimeBuild:
    """What `build_maritime_zones` wrote, for the command to report."""

    path: Path
    zones: list[Zone]
    vertices: int
    seconds: float


def maritime_zones(geo_dir: Path, *, workers: int | None = None) -> list[Zone]:
    """The territorial sea (0-12 nm) and contiguous zone (12-24 nm) of the land in `geo_dir`.

    Parameters
    ----------
    geo_dir
        Folder holding `land.parquet` (`watchkeeper geo build`).
    workers
        Threads buffering blocks (GEOS runs outside the GIL); default: the CPUs, at most 4.

    Returns
    -------
    list[Zone]
        Two zones, kinds `territorial_sea` and `contiguous_zone`, authority `computed`.

    Raises
    ------
    ConfigError
        When the land file is missing or unreadable.
    """
    path = geo_dir / LAND_FILE
    provenance = read_provenance(path)
    try:
        table = pq.read_table(path, columns=["tile_lat", "tile_lon", "geometry"])
    except (OSError, pa.ArrowException) as exc:
        raise ConfigError(f"{path}: unreadable land file ({exc})") from None
    land = _Land(
        tile_lat=table["tile_lat"].to_numpy().astype(np.int64),
        tile_lon=table["tile_lon"].to_numpy().astype(np.int64),
        pieces=np.asarray(
            shapely.from_wkb(table["geometry"].to_numpy(zero_copy_only=False)), object
        ),
    )
    west, east, south, north = provenance.region
    blocks = [
        (lat, lon)
        for lat in range(math.floor(south), math.ceil(north), BLOCK_DEG)
        for lon in range(math.floor(west), math.ceil(east), BLOCK_DEG)
    ]
    threads = workers or min(4, os.cpu_count() or 1)
    step = TERRITORIAL_SEA_NM * METRES_PER_NM
    with ThreadPoolExecutor(max_workers=threads) as pool:
        near = _union(list(pool.map(lambda b: land.buffered(b, step), blocks)))
        far = _union(list(pool.map(lambda b: _buffer_zone(near, b, step), blocks)))
    box = shapely.box(west, south, east, north)
    territorial = shapely.intersection(near, box)
    contiguous = shapely.difference(shapely.intersection(far, box), territorial)
    return [
        _zone("territorial_sea", "Territorial sea (12 nm, computed)", territorial, provenance),
        _zone("contiguous_zone", "Contiguous zone (12-24 nm, computed)", contiguous, provenance),
    ]


def build_maritime_zones(geo_dir: Path, *, workers: int | None = None) -> MaritimeBuild:
    """Compute the default zones (`maritime_zones`) and write them to `geo_dir` as GeoJSON.

    The file (`DEFAULT_ZONES_FILE`) is what `ZoneSet.load(..., geo_dir=...)` adds to the
    imported zones; it is replaced atomically.
    """
    began = time.perf_counter()
    zones = maritime_zones(geo_dir, workers=workers)
    final = geo_dir / DEFAULT_ZONES_FILE
    part = geo_dir / f".{DEFAULT_ZONES_FILE}.{os.getpid()}.{uuid.uuid4().hex[:8]}.part"
    # Six decimals of a degree are ~0.1 m: enough, and a third smaller than repr floats.
    geometries = [shapely.set_precision(z.geometry, 1e-6) for z in zones]
    rounded = [
        Zone(kind=z.kind, name=z.name, authority=z.authority, source=z.source, geometry=g)
        for z, g in zip(zones, geometries, strict=True)
    ]
    try:
        part.write_text(json.dumps(zones_geojson(rounded)), encoding="utf-8")
        part.replace(final)
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise ConfigError(f"cannot write {final}: {exc.strerror or exc}") from None
    return MaritimeBuild(
        path=final,
        zones=rounded,
        vertices=int(sum(shapely.get_num_coordinates(g) for g in geometries)),
        seconds=time.perf_counter() - began,
    )


# --------------------------------------------------------------------------- internals


@dataclass(frozen=True)
class _Land:
    """The land file's pieces with their 1° tiles, to pick a block's land quickly."""

    tile_lat: npt.NDArray[np.int64]
    tile_lon: npt.NDArray[np.int64]
    pieces: npt.NDArray[np.object_]

    def buffered(self, block: tuple[int, int], distance_m: float) -> BaseGeometry | None:
        """The land of `block` and its margin, buffered by `distance_m`, clipped to the block."""
        lat0, lon0 = block
        west, south, east, north = _with_margin(block, distance_m)
        pick = (
            (self.tile_lat >= math.floor(south))
            & (self.tile_lat < north)
            & (self.tile_lon >= math.floor(west))
            & (self.tile_lon < east)
        )
        if not pick.any():
            return None
        pieces = shapely.clip_by_rect(self.pieces[pick], west, south, east, north)
        parts = shapely.get_parts(pieces[~shapely.is_empty(pieces)])
        parts = parts[shapely.get_type_id(parts) == shapely.GeometryType.POLYGON]
        if parts.size == 0:
            return None
        projection = LocalProjection(lat0 + BLOCK_DEG / 2, lon0 + BLOCK_DEG / 2)
        # Lakes filled: only the outer shorelines bound the sea.
        shells = shapely.polygons(shapely.get_exterior_ring(projection.forward(parts)))
        shells = shapely.simplify(shells, LAND_SIMPLIFY_M)
        # Buffering piece by piece and then unioning is ~10x faster than one buffer of
        # the collection: GEOS nodes far fewer offset curves at once.
        buffered = shapely.union_all(shapely.buffer(shells, distance_m, quad_segs=_QUAD_SEGS))
        return _back_to_block(buffered, projection, block)


def _buffer_zone(
    zone: BaseGeometry, block: tuple[int, int], distance_m: float
) -> BaseGeometry | None:
    """`zone` near `block` buffered by `distance_m` more, clipped to the block."""
    lat0, lon0 = block
    west, south, east, north = _with_margin(block, distance_m)
    near = shapely.clip_by_rect(zone, west, south, east, north)
    if near.is_empty:
        return None
    projection = LocalProjection(lat0 + BLOCK_DEG / 2, lon0 + BLOCK_DEG / 2)
    grown = shapely.buffer(
        shapely.make_valid(projection.forward(near)[0]), distance_m, quad_segs=_QUAD_SEGS
    )
    return _back_to_block(grown, projection, block)


def _with_margin(block: tuple[int, int], distance_m: float) -> tuple[float, float, float, float]:
    """(west, south, east, north) of `block` grown by `distance_m` (and 5 %) every way.

    Land farther than that from the block cannot put any of it within `distance_m`.
    A degree of longitude is shortest at the block's pole-most latitude, so that one
    sets the east-west margin.
    """
    lat0, lon0 = block
    grow = distance_m * 1.05
    margin_lat = grow / 110_500.0  # a degree of latitude is at least 110.5 km
    pole_most = min(89.0, max(abs(lat0), abs(lat0 + BLOCK_DEG)) + margin_lat)
    margin_lon = grow / (111_320.0 * math.cos(math.radians(pole_most)))
    return (
        lon0 - margin_lon,
        lat0 - margin_lat,
        lon0 + BLOCK_DEG + margin_lon,
        lat0 + BLOCK_DEG + margin_lat,
    )


def _back_to_block(
    geometry: BaseGeometry, projection: LocalProjection, block: tuple[int, int]
) -> BaseGeometry | None:
    """Simplify in metres, project back to degrees and keep the block's part."""
    lat0, lon0 = block
    simplified = shapely.simplify(geometry, ZONE_SIMPLIFY_M)
    degrees = projection.inverse(simplified)[0]
    clipped = shapely.clip_by_rect(degrees, lon0, lat0, lon0 + BLOCK_DEG, lat0 + BLOCK_DEG)
    return None if clipped.is_empty else clipped


def _union(parts: list[BaseGeometry | None]) -> BaseGeometry:
    """One (Multi)Polygon of the blocks' pieces (they only share block edges)."""
    kept = np.array([p for p in parts if p is not None], dtype=object)
    whole = shapely.union_all(kept) if kept.size else shapely.MultiPolygon()
    return whole if whole.is_valid else shapely.make_valid(whole)


def _zone(kind: str, name: str, geometry: BaseGeometry, provenance: Provenance) -> Zone:
    """A computed zone whose `source` says what it was computed from, and how."""
    limits = {"territorial_sea": "0-12 nm", "contiguous_zone": "12-24 nm"}[kind]
    source = (
        f"GSHHG {provenance.gshhg_version} ({provenance.resolution}) shoreline buffered "
        f"{limits} on WGS 84; approximate: not from legal baselines, no median lines"
    )
    polygonal = _polygons_only(geometry)
    return Zone(kind=kind, name=name, authority="computed", source=source, geometry=polygonal)


def _polygons_only(geometry: BaseGeometry) -> BaseGeometry:
    """A MultiPolygon of the polygons in `geometry` (a difference may leave lines)."""
    parts = shapely.get_parts(geometry)
    polygons = parts[shapely.get_type_id(parts) == shapely.GeometryType.POLYGON]
    return shapely.MultiPolygon(list(polygons))
