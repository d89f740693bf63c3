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
(`shapely.coverage_union_all` of a polygon's pieces gives it whole). The file is
GeoParquet (WKB, lon/lat on WGS 84) with a provenance record (GSHHG and GMT
versions, resolution, region, build date) in its metadata; see `read_provenance`.

Default coverage, by measurement on the 2-core node (full resolution): the whole
world takes ~50 s and 1.2 GB of memory to build and the file is ~160 MB (10.6 M
vertices; Antarctica and the Arctic alone are most of it), while the partners'
area, 30° W–45° E and 0–50° N (the Mediterranean, the Black Sea's west, the
Atlantic coast from Senegal to Biscay, the Canaries, Madeira, the Azores' east
and Cape Verde's north), builds in ~5 s into ~14 MB. So `DEFAULT_REGION` is that
area; pass `region=WORLD` when a node watches elsewhere.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import shutil
import subprocess
import tempfile
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
    gmt = shutil.which("gmt")
    if gmt is None:
        raise ConfigError(f"GMT is not installed: {_INSTALL}")
    gmt_version = _run(gmt, ["--version"]).decode().strip()
    box = (west, east, south, north)
    with ThreadPoolExecutor(max_workers=2) as pool:  # GMT runs outside the GIL
        dumps = list(pool.map(lambda level: _dump(gmt, box, resolution, level), (1, 2, 3, 4)))
    gshhg_version = dumps[0][1]
    polygons, levels = _land_polygons([xy for xy, _ in dumps], box, gmt)
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


def _run(gmt: str, args: list[str]) -> bytes:
    """Run `gmt ARGS`; a failure (GSHHG missing, bad option) becomes a one-line ConfigError."""
    result = subprocess.run([gmt, *args], capture_output=True, check=False)
    if result.returncode != 0:
        lines = result.stderr.decode(errors="replace").strip().splitlines()
        raise ConfigError(
            f"gmt {args[0]} failed ({lines[-1].strip() if lines else result.returncode}): "
            f"{_INSTALL}"
        )
    return result.stdout


def _dump(
    gmt: str, box: Region, resolution: str, level: int
) -> tuple[npt.NDArray[np.float64], str]:
    """Shorelines of one GSHHG level as (n, 2) lon/lat rows, NaN rows between lines.

    Also returns the GSHHG version GMT reports (verbose output of the same run).
    """
    west, east, south, north = box
    args = [
        "coast",
        f"-R{west!r}/{east!r}/{south!r}/{north!r}",
        f"-D{resolution}",
        f"-A0/{level}/{level}",
        "-W",
        "-M",
        "-bo2d",
        "-Vi",
    ]
    result = subprocess.run([gmt, *args], capture_output=True, check=False)
    log = result.stderr.decode(errors="replace")
    if result.returncode != 0:
        lines = [line for line in log.strip().splitlines() if "ERROR" in line] or [
            str(result.returncode)
        ]
        raise ConfigError(f"gmt coast -D{resolution} failed ({lines[-1].strip()}): {_INSTALL}")
    found = re.search(r"GSHHG version (\S+)", log)
    xy = np.frombuffer(result.stdout, "<f8").reshape(-1, 2)
    return xy, found.group(1) if found else "unknown"


# --------------------------------------------------------------------------- polygons


def _lines(xy: npt.NDArray[np.float64]) -> npt.NDArray[np.object_]:
    """GMT's NaN-separated pieces (cut at GSHHG's bins) as LineStrings of 2+ points."""
    if xy.size == 0:
        return np.empty(0, object)
    header = np.isnan(xy[:, 0])
    line = np.cumsum(header) - 1
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
    dumps: list[npt.NDArray[np.float64]], box: Region, gmt: str
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.int8]]:
    """Valid land polygons (with lakes and ponds as holes) and the level of each.

    GSHHG keeps land on the left of every shoreline (odd levels run counter-clockwise,
    even ones clockwise), so the lines the region cuts open are closed by walking the
    region's edge counter-clockwise from each exit to the next entry (`_close_on_box`).
    """
    shells: list[npt.NDArray[np.object_]] = []
    shell_levels: list[npt.NDArray[np.int8]] = []
    holes: list[npt.NDArray[np.object_]] = []
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
        if level % 2:
            shells.append(rings)
            shell_levels.append(np.full(rings.size, level, np.int8))
        else:
            holes.append(rings)
        cut.append(merged[~closed])
        cut_levels += [level] * int((~closed).sum())
    open_lines = np.concatenate(cut) if cut else np.empty(0, object)
    boxed, boxed_levels = _close_on_box(open_lines, np.array(cut_levels, np.int8), box, gmt)
    all_shells = np.concatenate([*shells, boxed])
    levels = np.concatenate([*shell_levels, boxed_levels])
    all_holes = np.concatenate(holes) if holes else np.empty(0, object)
    return _with_holes(all_shells, all_holes), levels


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
    lines: npt.NDArray[np.object_], levels: npt.NDArray[np.int8], box: Region, gmt: str
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
        if _gmt_says_land(gmt, west, south):
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


def _gmt_says_land(gmt: str, lon: float, lat: float) -> bool:
    """Whether GMT's own point-in-GSHHG test puts (lon, lat) on land (islands in lakes too)."""
    result = subprocess.run(
        [gmt, "select", "-Df", "-Ns/k/s/k/s"],
        input=f"{lon!r}\t{lat!r}\n".encode(),
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        raise ConfigError(f"gmt select failed: {_INSTALL}")
    return bool(result.stdout.strip())


def _with_holes(
    shells: npt.NDArray[np.object_], holes: npt.NDArray[np.object_]
) -> npt.NDArray[np.object_]:
    """Polygons of `shells`, each lake (or pond) a hole of the smallest shell around it."""
    polygons = np.asarray(shapely.polygons(shells), object)
    if holes.size == 0:
        return polygons
    inside = shapely.get_coordinates(shapely.point_on_surface(shapely.polygons(holes)))
    # Candidates by bounding box, then an exact test on prepared shells (a plain
    # `within` query would walk Eurasia's millions of vertices once per lake).
    hole_idx, shell_idx = shapely.STRtree(polygons).query(shapely.points(inside))
    shapely.prepare(polygons[np.unique(shell_idx)])
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
    lat, lon = rows.tile_lat[order], rows.tile_lon[order]
    geoms = _valid(rows.geometry[order])
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
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".land-", suffix=".parquet.part", dir=out_dir)
    except OSError as exc:
        raise ConfigError(f"cannot write to {out_dir}: {exc.strerror or exc}") from None
    os.close(fd)
    try:
        pq.write_table(table, tmp, compression="zstd", row_group_size=64 * 1024)
        final = out_dir / LAND_FILE
        Path(tmp).replace(final)  # os.replace: atomic on one filesystem
    except BaseException:
        with contextlib.suppress(OSError):
            Path(tmp).unlink()
        raise
    return final
