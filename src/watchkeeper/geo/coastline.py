"""Land polygons from GSHHG, built once at install time and kept as tiled WKB in Parquet.

`build_land` asks GMT (Debian packages `gmt` and `gmt-gshhg-full`) to dump GSHHG's
shorelines over a region (`gmt coast -M -W`), one hierarchy level at a time, and
turns them into valid land polygons with shapely: continents and islands (level 1)
with their lakes (level 2) as holes, islands in lakes (level 3) with their ponds
(level 4) as holes. GSHHG keeps islets that other free coastlines drop (Lampione,
a 200 m rock in the Pelagie islands, is there at full resolution).

The polygons are written to `land.parquet` already cut into 1° tiles, one row per
piece of a polygon in a tile, because every use is local: `LandMask` answers a
point from the pieces of its tile only, and distance to shore or 12/24 nm zones
will work tile by tile too. `polygon_id` ties the pieces back together
(`shapely.union_all` of a polygon's pieces gives it back whole and valid). The
file is GeoParquet (WKB, lon/lat on WGS 84) with a provenance record (GSHHG and
GMT versions, resolution, region, build date, counts) in its metadata; see
`read_provenance`.

Default coverage, by measurement on the 2-core node at full resolution: the whole
world (10.6 M vertices, Antarctica and the Arctic most of them) took 74 s to build
with 1.7 GB of memory (141 s while other work ran) into a 112 MB file; the
partners' area, 30° W–45° E and 0–50° N (the Mediterranean and Black Sea, the Red
Sea, the Atlantic coast from the Gulf of Guinea to Biscay, the Canaries, Madeira,
Cape Verde and most of the Azores), builds in ~3 s with 0.4 GB into 8.6 MB (9,928
polygons, 0.8 M vertices), and `LandMask` loads it in ~0.7 s. So `DEFAULT_REGION`
is that area; build with `region=WORLD` (`--region=-180/180/-90/90`) for a node
that watches elsewhere.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import tempfile
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final, Literal, get_args

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

from watchkeeper.errors import ConfigError

__all__ = [
    "DEFAULT_REGION",
    "LAND_FILE",
    "RESOLUTIONS",
    "WORLD",
    "Provenance",
    "Region",
    "Resolution",
    "build_land",
    "check_region",
    "read_provenance",
]

Resolution = Literal["f", "h", "i", "l", "c"]
Region = tuple[float, float, float, float]  # west, east, south, north in degrees

RESOLUTIONS: Final[tuple[str, ...]] = get_args(Resolution)
DEFAULT_REGION: Final[Region] = (-30.0, 45.0, 0.0, 50.0)
WORLD: Final[Region] = (-180.0, 180.0, -90.0, 90.0)
LAND_FILE: Final = "land.parquet"
#: Version of the file's layout; `LandMask.load` refuses another.
FORMAT: Final = 1
METADATA_KEY: Final = b"watchkeeper.land"
TILE_DEG: Final = 1

_PACKAGES: Final = "gmt gmt-gshhg-full"
_INSTALL: Final = f"install the Debian packages {_PACKAGES} (`make install` does)"
_EPS: Final = 1e-9  # degrees; GMT prints clipped ends exactly on the region's edges
_POLYGON: Final = int(shapely.GeometryType.POLYGON)
_MULTIPOLYGON: Final = int(shapely.GeometryType.MULTIPOLYGON)


@dataclass(frozen=True, kw_only=True)
class Provenance:
    """Where a land file came from and what it holds, as stored in its metadata."""

    gshhg_version: str
    gmt_version: str
    resolution: str
    region: Region
    built: str  # ISO 8601 UTC
    polygons: int
    vertices: int
    tiles: int
    format: int = FORMAT


def check_region(region: Region) -> Region:
    """Return `region` as floats, or raise `ConfigError` unless west < east, south < north."""
    west, east, south, north = (float(v) for v in region)
    if not (-180.0 <= west < east <= 180.0 and -90.0 <= south < north <= 90.0):
        raise ConfigError(
            f"region {west:g}/{east:g}/{south:g}/{north:g}: expected W/E/S/N with "
            "-180 <= W < E <= 180 and -90 <= S < N <= 90"
        )
    return west, east, south, north


def build_land(
    out_dir: Path, *, resolution: Resolution = "f", region: Region | None = None
) -> Path:
    """Build the land polygons of `region` (default `DEFAULT_REGION`) into `out_dir`.

    Parameters
    ----------
    out_dir
        Folder to write `land.parquet` into; created if missing. The file is
        replaced atomically, so a node reading the old one never sees half a file.
    resolution
        GSHHG resolution: `f` full (~100 m), `h` high, `i` intermediate, `l` low,
        `c` crude. Lower ones drop small islands; the node wants `f`.
    region
        (west, east, south, north) in degrees; `WORLD` for everything.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    ConfigError
        When GMT or the GSHHG data is missing (naming the Debian packages), or the
        resolution or region is wrong.
    """
    if resolution not in RESOLUTIONS:
        raise ConfigError(f"resolution {resolution!r}: one of {', '.join(RESOLUTIONS)}")
    west, east, south, north = check_region(DEFAULT_REGION if region is None else region)
    exe = shutil.which("gmt")
    if exe is None:
        raise ConfigError(f"GMT is not installed: {_INSTALL}")
    box = (west, east, south, north)
    # GMT leaves a `gmt.history` file where it runs: run it in a scratch folder.
    with tempfile.TemporaryDirectory(prefix="wk-gmt-") as scratch:
        gmt = _Gmt(exe, Path(scratch), resolution)
        gmt_version = gmt.run("--version")[0].decode().strip()
        with ThreadPoolExecutor(max_workers=2) as pool:  # GMT runs outside the GIL
            dumps = list(pool.map(lambda level: gmt.shorelines(box, level), (1, 2, 3, 4)))
        polygons, levels = _land_polygons([xy for xy, _ in dumps], box, gmt)
    gshhg_version = dumps[0][1]
    rows = _tile(polygons, box)
    table = _table(rows, levels)
    provenance = Provenance(
        gshhg_version=gshhg_version,
        gmt_version=gmt_version,
        resolution=resolution,
        region=box,
        built=datetime.now(UTC).isoformat(timespec="seconds"),
        polygons=len(polygons),
        vertices=int(shapely.get_num_coordinates(polygons).sum()),
        tiles=len(set(zip(rows.tile_lat.tolist(), rows.tile_lon.tolist(), strict=True))),
    )
    return _write(table, provenance, out_dir)


def read_provenance(path: Path) -> Provenance:
    """The provenance record of a land file (reads the footer only)."""
    if not path.is_file():
        raise ConfigError(f"no land file {path}: run `watchkeeper geo build` (make install does)")
    try:
        meta = pq.read_schema(path).metadata or {}
        record = json.loads(meta[METADATA_KEY])
        record["region"] = tuple(record["region"])
        return Provenance(**record)
    except (OSError, KeyError, TypeError, ValueError, pa.ArrowException) as exc:
        raise ConfigError(
            f"{path}: not a land file ({exc}): rebuild it with `watchkeeper geo build`"
        ) from None


# --------------------------------------------------------------------------- GMT


@dataclass(frozen=True)
class _Gmt:
    """The `gmt` program at one GSHHG resolution, run in a scratch folder."""

    exe: str
    cwd: Path
    resolution: str

    def run(self, *args: str, stdin: bytes | None = None) -> tuple[bytes, str]:
        """Output and log of `gmt ARGS`; a failure (GSHHG missing) is a one-line ConfigError."""
        result = subprocess.run(
            [self.exe, *args], input=stdin, capture_output=True, check=False, cwd=self.cwd
        )
        log = result.stderr.decode(errors="replace")
        if result.returncode != 0:
            said = [line.strip() for line in log.splitlines() if "ERROR" in line]
            why = said[-1] if said else f"exit status {result.returncode}"
            raise ConfigError(f"gmt {args[0]} failed ({why}): {_INSTALL}")
        return result.stdout, log

    def shorelines(self, box: Region, level: int) -> tuple[npt.NDArray[np.float64], str]:
        """One GSHHG level's shorelines as (n, 2) lon/lat rows, NaN rows between lines.

        Also returns the GSHHG version GMT reports in the verbose log of the same run.
        """
        west, east, south, north = box
        out, log = self.run(
            "coast",
            f"-R{west!r}/{east!r}/{south!r}/{north!r}",
            f"-D{self.resolution}",
            f"-A0/{level}/{level}",
            "-W",
            "-M",
            "-bo2d",
            "-Vi",
        )
        found = re.search(r"GSHHG version (\S+)", log)
        return np.frombuffer(out, "<f8").reshape(-1, 2), found.group(1) if found else "unknown"

    def is_land(self, lon: float, lat: float) -> bool:
        """GMT's own point-in-GSHHG test: land, or an island in a lake."""
        out, _ = self.run(
            "select",
            f"-D{self.resolution}",
            "-Ns/k/s/k/s",
            stdin=f"{float(lon)!r}\t{float(lat)!r}\n".encode(),
        )
        return bool(out.strip())


# --------------------------------------------------------------------------- polygons


def _lines(xy: npt.NDArray[np.float64]) -> npt.NDArray[np.object_]:
    """GMT's NaN-separated pieces (cut at GSHHG's bins) as LineStrings of 2+ points."""
    if xy.size == 0:
        return np.empty(0, object)
    header = np.isnan(xy[:, 0])
    line = np.cumsum(header)
    points = xy[~header]
    line = line[~header]
    if line.size == 0:
        return np.empty(0, object)
    counts = np.bincount(line)
    keep = counts[line] >= 2
    _, index = np.unique(line[keep], return_inverse=True)
    lines = np.asarray(shapely.linestrings(points[keep], indices=index), object)
    # GSHHG has a few zero-area loops (A-B-A) on Antarctica's bin edges; they would stop
    # line_merge at their node and leave the coast open.
    loops = np.flatnonzero(shapely.is_closed(lines))
    short = shapely.get_num_coordinates(lines[loops]) < 4
    flat = np.zeros(loops.size, bool)
    flat[~short] = shapely.area(shapely.polygons(_rings(lines[loops[~short]]))) == 0
    return np.delete(lines, loops[short | flat])


def _land_polygons(
    dumps: list[npt.NDArray[np.float64]], box: Region, gmt: _Gmt
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.int8]]:
    """Valid land polygons (with lakes and ponds as holes) and the level of each.

    GSHHG keeps land on the left of every shoreline (odd levels run counter-clockwise,
    even ones clockwise), so the lines the region cuts open are closed by walking the
    region's edge counter-clockwise from each exit to the next entry (`_close_on_box`).
    """
    shells: list[npt.NDArray[np.object_]] = []
    shell_levels: list[npt.NDArray[np.int8]] = []
    holes: list[npt.NDArray[np.object_]] = []
    hole_levels: list[npt.NDArray[np.int8]] = []
    cut: list[npt.NDArray[np.object_]] = []
    cut_levels: list[int] = []
    for level, xy in enumerate(dumps, start=1):
        pieces = _lines(xy)
        if pieces.size == 0:
            continue
        merged = shapely.get_parts(
            shapely.line_merge(shapely.multilinestrings(pieces), directed=True)
        )
        closed = shapely.is_closed(merged) & (shapely.get_num_coordinates(merged) >= 4)
        rings = _rings(merged[closed])
        rings = rings[shapely.area(shapely.polygons(rings)) > 0]  # drop degenerate loops
        if level % 2:
            shells.append(rings)
            shell_levels.append(np.full(rings.size, level, np.int8))
        else:
            holes.append(rings)
            hole_levels.append(np.full(rings.size, level, np.int8))
        cut.append(merged[~closed])
        cut_levels += [level] * int((~closed).sum())
    open_lines = np.concatenate(cut) if cut else np.empty(0, object)
    boxed, boxed_levels = _close_on_box(open_lines, np.array(cut_levels, np.int8), box, gmt)
    all_shells = np.concatenate([*shells, boxed])
    levels = np.concatenate([*shell_levels, boxed_levels])
    if not holes:
        return np.asarray(shapely.polygons(all_shells), object), levels
    polygons = _with_holes(all_shells, levels, np.concatenate(holes), np.concatenate(hole_levels))
    if (shapely.area(polygons) < 0).any():
        raise RuntimeError("a lake ended up larger than the land around it")
    return polygons, levels


def _rings(lines: npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
    """Closed LineStrings as LinearRings."""
    if lines.size == 0:
        return np.empty(0, object)
    coords, index = shapely.get_coordinates(lines, return_index=True)
    return np.asarray(shapely.linearrings(coords, indices=index), object)


def _perimeter(xy: npt.NDArray[np.float64], box: Region) -> npt.NDArray[np.float64]:
    """Position of points on the region's edge, counter-clockwise from its south-west corner."""
    west, east, south, north = box
    width, height = east - west, north - south
    x, y = xy[:, 0], xy[:, 1]
    t = np.full(len(xy), np.nan)
    on = {
        "west": np.abs(x - west) < _EPS,
        "north": np.abs(y - north) < _EPS,
        "east": np.abs(x - east) < _EPS,
        "south": np.abs(y - south) < _EPS,
    }  # later edges win at corners, so each corner gets one position
    t = np.where(on["west"], 2 * width + height + (north - y), t)
    t = np.where(on["north"], width + height + (east - x), t)
    t = np.where(on["east"], width + (y - south), t)
    t = np.where(on["south"], x - west, t)
    return t


def _close_on_box(
    lines: npt.NDArray[np.object_],
    levels: npt.NDArray[np.int8],
    box: Region,
    gmt: _Gmt,
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.int8]]:
    """Close the shorelines the region cut open into land rings along the region's edge.

    Every cut line enters the region at one point of its edge and leaves at another,
    with land on its left. Walking the edge counter-clockwise from where a line leaves
    keeps land on the left too, until the next point where a line enters: follow it,
    and so on until the ring closes. Without cut lines the edge is all land or all
    water; GMT says which.
    """
    west, east, south, north = box
    width, height = east - west, north - south
    corners_t = np.array([0.0, width, width + height, 2 * width + height])
    corners_xy = np.array([[west, south], [east, south], [east, north], [west, north]])
    if lines.size == 0:
        if gmt.is_land(west, south):
            return np.array([shapely.linearrings(np.vstack([corners_xy, corners_xy[:1]]))]), (
                np.array([1], np.int8)
            )
        return np.empty(0, object), np.empty(0, np.int8)
    first = shapely.get_coordinates(shapely.get_point(lines, 0))
    last = shapely.get_coordinates(shapely.get_point(lines, -1))
    t_in, t_out = _perimeter(first, box), _perimeter(last, box)
    if np.isnan(t_in).any() or np.isnan(t_out).any():
        raise RuntimeError(f"{int(np.isnan(t_in).sum())} shorelines end inside the region")
    # Entries sorted along the edge; exits look up the next entry after them.
    order = np.argsort(t_in, kind="stable")
    sorted_in = t_in[order]
    perimeter = 2 * (width + height)
    used = np.zeros(lines.size, bool)
    rings: list[shapely.LinearRing] = []
    ring_levels: list[int] = []
    for start in range(lines.size):
        if used[start]:
            continue
        parts: list[npt.NDArray[np.float64]] = []
        ring_level = int(levels[start])
        current = start
        while not used[current]:
            used[current] = True
            parts.append(shapely.get_coordinates(lines[current]))
            ring_level = min(ring_level, int(levels[current]))
            k = int(np.searchsorted(sorted_in, t_out[current], side="left"))
            nxt = int(order[k % lines.size])
            t0, t1 = t_out[current], t_in[nxt]
            if t1 < t0:  # wrapped past the south-west corner
                t1 += perimeter
            between = (corners_t > t0) & (corners_t < t1)
            wrapped = (corners_t + perimeter > t0) & (corners_t + perimeter < t1)
            corner_t = np.concatenate([corners_t[between], corners_t[wrapped] + perimeter])
            corner_xy = np.concatenate([corners_xy[between], corners_xy[wrapped]])
            parts.append(corner_xy[np.argsort(corner_t)])
            current = nxt
        if current != start:
            raise RuntimeError("shorelines cut by the region do not close into rings")
        coords = np.vstack([*parts, parts[0][:1]])
        rings.append(shapely.linearrings(coords))
        ring_levels.append(ring_level - 1 + ring_level % 2)  # a lake's shore bounds level-1 land
    out = np.array(rings, object)
    if not shapely.is_ccw(out).all():
        raise RuntimeError("shorelines cut by the region do not keep land on their left")
    return out, np.array(ring_levels, np.int8)


def _with_holes(
    shells: npt.NDArray[np.object_],
    shell_levels: npt.NDArray[np.int8],
    holes: npt.NDArray[np.object_],
    hole_levels: npt.NDArray[np.int8],
) -> npt.NDArray[np.object_]:
    """Polygons of `shells`, each lake (or pond) a hole of the land one level up around it.

    The level matters: a point inside a lake may also be inside an island in that lake.
    """
    polygons = np.asarray(shapely.polygons(shells), object)
    inside = shapely.get_coordinates(shapely.point_on_surface(shapely.polygons(holes)))
    # Candidates by bounding box, then an exact test on prepared shells (a plain
    # `within` query would walk Eurasia's millions of vertices once per lake).
    hole_idx, shell_idx = shapely.STRtree(polygons).query(shapely.points(inside))
    shapely.prepare(polygons[np.unique(shell_idx)])
    hit = shell_levels[shell_idx] == hole_levels[hole_idx] - 1
    hole_idx, shell_idx = hole_idx[hit], shell_idx[hit]
    hit = shapely.contains_xy(polygons[shell_idx], inside[hole_idx, 0], inside[hole_idx, 1])
    hole_idx, shell_idx = hole_idx[hit], shell_idx[hit]
    shapely.destroy_prepared(polygons)
    area = shapely.area(polygons)
    # Smallest containing shell per hole: sort by (hole, area) and keep each hole's first.
    order = np.lexsort((area[shell_idx], hole_idx))
    hole_idx, shell_idx = hole_idx[order], shell_idx[order]
    first = np.r_[True, hole_idx[1:] != hole_idx[:-1]]
    hole_idx, shell_idx = hole_idx[first], shell_idx[first]
    if hole_idx.size != holes.size:
        raise RuntimeError(f"{holes.size - hole_idx.size} lakes lie in no land polygon")
    by_shell = np.argsort(shell_idx, kind="stable")
    shell_idx, hole_idx = shell_idx[by_shell], hole_idx[by_shell]
    bounds = np.flatnonzero(np.r_[True, shell_idx[1:] != shell_idx[:-1], True])
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        s = int(shell_idx[a])
        polygons[s] = shapely.polygons(shells[s], holes=list(holes[hole_idx[a:b]]))
    return polygons


def _valid(pieces: npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
    """Repair the few pieces a self-touching GSHHG ring (or a clip) left invalid.

    Checked on tile pieces rather than whole polygons: the same test on Eurasia with
    its lakes costs seconds, and the pieces are what the file keeps.
    """
    out = pieces.copy()
    bad = np.flatnonzero(~shapely.is_valid(out))
    if bad.size:
        out[bad] = _polygonal(
            shapely.make_valid(out[bad], method="structure", keep_collapsed=False)
        )
    return out


# --------------------------------------------------------------------------- tiles


@dataclass(frozen=True)
class _Pieces:
    tile_lat: npt.NDArray[np.int16]
    tile_lon: npt.NDArray[np.int16]
    polygon_id: npt.NDArray[np.int32]
    geometry: npt.NDArray[np.object_]


def _tile(polygons: npt.NDArray[np.object_], box: Region) -> _Pieces:
    """Cut polygons into 1° tiles by halving the area recursively (each vertex ~log n clips)."""
    west, east, south, north = box
    lon0, lat0 = math.floor(west), math.floor(south)
    cols, rows = math.ceil(east) - lon0, math.ceil(north) - lat0
    out_lat: list[npt.NDArray[np.int16]] = []
    out_lon: list[npt.NDArray[np.int16]] = []
    out_id: list[npt.NDArray[np.int32]] = []
    out_geom: list[npt.NDArray[np.object_]] = []
    stack = [(0, cols, 0, rows, polygons, np.arange(polygons.size, dtype=np.int32))]
    while stack:
        c0, c1, r0, r1, geoms, ids = stack.pop()
        if c1 - c0 == 1 and r1 - r0 == 1:
            out_lat.append(np.full(ids.size, lat0 + r0, np.int16))
            out_lon.append(np.full(ids.size, lon0 + c0, np.int16))
            out_id.append(ids)
            out_geom.append(geoms)
            continue
        if c1 - c0 >= r1 - r0:
            mid = (c0 + c1) // 2
            halves = [(c0, mid, r0, r1), (mid, c1, r0, r1)]
        else:
            mid = (r0 + r1) // 2
            halves = [(c0, c1, r0, mid), (c0, c1, mid, r1)]
        bounds = shapely.bounds(geoms)
        for h in halves:
            x0, x1 = lon0 + h[0] * TILE_DEG, lon0 + h[1] * TILE_DEG
            y0, y1 = lat0 + h[2] * TILE_DEG, lat0 + h[3] * TILE_DEG
            touch = (
                (bounds[:, 0] < x1)
                & (bounds[:, 2] > x0)
                & (bounds[:, 1] < y1)
                & (bounds[:, 3] > y0)
            )
            if not touch.any():
                continue
            within = (
                (bounds[:, 0] >= x0)
                & (bounds[:, 2] <= x1)
                & (bounds[:, 1] >= y0)
                & (bounds[:, 3] <= y1)
            )
            sub = geoms[touch].copy()
            clip = ~within[touch]
            sub[clip] = _polygonal(shapely.clip_by_rect(sub[clip], x0, y0, x1, y1))
            keep = ~shapely.is_empty(sub)
            stack.append((*h, sub[keep], ids[touch][keep]))
    return _Pieces(
        np.concatenate(out_lat) if out_lat else np.empty(0, np.int16),
        np.concatenate(out_lon) if out_lon else np.empty(0, np.int16),
        np.concatenate(out_id) if out_id else np.empty(0, np.int32),
        np.concatenate(out_geom) if out_geom else np.empty(0, object),
    )


def _polygonal(geoms: npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
    """Keep the polygons of clipped pieces: a clip can leave lines where a polygon only touches."""
    out = geoms.copy()
    types = shapely.get_type_id(out)
    for i in np.flatnonzero((types != _POLYGON) & (types != _MULTIPOLYGON)):
        parts = shapely.get_parts(out[i])
        polys = parts[shapely.get_type_id(parts) == _POLYGON]
        out[i] = shapely.MultiPolygon(list(polys)) if polys.size else shapely.Polygon()
    degenerate = shapely.area(out) <= 0
    out[degenerate] = shapely.Polygon()
    return out


def _table(rows: _Pieces, levels: npt.NDArray[np.int8]) -> pa.Table:
    """One row per piece, sorted by tile; `full` marks a piece that is its whole tile."""
    order = np.lexsort((rows.polygon_id, rows.tile_lon, rows.tile_lat))
    geoms = _valid(rows.geometry[order])
    order = order[~shapely.is_empty(geoms)]  # a repair can leave nothing of a sliver
    geoms = geoms[~shapely.is_empty(geoms)]
    lat, lon = rows.tile_lat[order], rows.tile_lon[order]
    tile_area = float(TILE_DEG * TILE_DEG)
    full = np.abs(shapely.area(geoms) - tile_area) < 1e-6 * tile_area
    tiles = shapely.box(lon[full], lat[full], lon[full] + TILE_DEG, lat[full] + TILE_DEG)
    full[full] = shapely.equals(geoms[full], tiles)
    return pa.table(
        {
            "tile_lat": pa.array(lat, pa.int16()),
            "tile_lon": pa.array(lon, pa.int16()),
            "polygon_id": pa.array(rows.polygon_id[order], pa.int32()),
            "level": pa.array(levels[rows.polygon_id[order]], pa.int8()),
            "full": pa.array(full, pa.bool_()),
            "geometry": pa.array(shapely.to_wkb(geoms), pa.binary()),
        }
    )


def _write(table: pa.Table, provenance: Provenance, out_dir: Path) -> Path:
    """Write `land.parquet` atomically (a temporary file in the same folder, then rename)."""
    geo = {
        "version": "1.1.0",
        "primary_column": "geometry",
        "columns": {"geometry": {"encoding": "WKB", "geometry_types": ["Polygon", "MultiPolygon"]}},
    }
    table = table.replace_schema_metadata(
        {METADATA_KEY: json.dumps(asdict(provenance)), b"geo": json.dumps(geo)}
    )
    final = out_dir / LAND_FILE
    part = out_dir / f".{LAND_FILE}.{os.getpid()}.{uuid.uuid4().hex[:8]}.part"
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, part, compression="zstd", row_group_size=64 * 1024)
        part.replace(final)  # os.replace: atomic within one filesystem
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise ConfigError(f"cannot write {final}: {exc.strerror or exc}") from None
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return final
