"""The picture's basemap: PMTiles with the land (whole polygons) and the default zones."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import shapely
from pmtiles.reader import MmapSource, Reader
from pmtiles.tile import TileType

from watchkeeper.errors import ConfigError
from watchkeeper.geo.basemap import BASEMAP_FILE, LAYERS, build_basemap, tippecanoe_path
from watchkeeper.geo.coastline import DEFAULT_REGION, LAND_FILE
from watchkeeper.geo.zones import DEFAULT_ZONES_FILE
from watchkeeper.settings import Settings


def _header_and_metadata(path: Path) -> tuple[dict[str, object], dict[str, object]]:
    with path.open("rb") as file:
        reader = Reader(MmapSource(file))
        return reader.header(), reader.metadata()


def _tiny_geo_dir(root: Path) -> Path:
    """An island cut in two 1° tile pieces, as `land.parquet` stores it, and one zone."""
    geo = root / "geo"
    geo.mkdir()
    west = shapely.box(10.5, 36.2, 11.0, 36.8)
    east = shapely.box(11.0, 36.2, 11.5, 36.8)
    table = pa.table(
        {
            "polygon_id": pa.array([7, 7], pa.int32()),
            "level": pa.array([1, 1], pa.int8()),
            "geometry": pa.array(shapely.to_wkb([west, east]).tolist(), pa.binary()),
        }
    )
    pq.write_table(table, geo / LAND_FILE)
    zone = shapely.box(10.0, 35.8, 12.0, 37.2).difference(shapely.box(10.5, 36.2, 11.5, 36.8))
    features = [
        {
            "type": "Feature",
            "properties": {"kind": "territorial_sea", "name": "TS", "source": "long text"},
            "geometry": json.loads(shapely.to_geojson(zone)),
        }
    ]
    (geo / DEFAULT_ZONES_FILE).write_text(
        json.dumps({"type": "FeatureCollection", "features": features})
    )
    return geo


def test_builds_pmtiles_with_whole_land_polygons_and_zones(tmp_path: Path) -> None:
    out = build_basemap(_tiny_geo_dir(tmp_path), tmp_path / "web" / BASEMAP_FILE, max_zoom=6)
    assert out.read_bytes()[:7] == b"PMTiles"  # not MBTiles, whatever the temporary name
    header, metadata = _header_and_metadata(out)
    assert header["tile_type"] == TileType.MVT
    assert (header["min_zoom"], header["max_zoom"]) == (0, 6)
    layers = {layer["id"]: layer["fields"] for layer in metadata["vector_layers"]}
    assert layers == {"land": {"level": "Number"}, "zones": {"kind": "String", "name": "String"}}
    assert list(tmp_path.joinpath("web").iterdir()) == [out]  # no partial file left
    decoded = subprocess.run(
        [str(tippecanoe_path().with_name("tippecanoe-decode")), str(out), "6", "33", "24"],
        capture_output=True,
        check=True,
    )
    tile = json.loads(decoded.stdout)
    land = [
        f
        for layer in tile["features"]
        if layer["properties"]["layer"] == "land"
        for f in layer["features"]
    ]
    assert len(land) == 1  # the two pieces became one island


def test_needs_the_geography_first(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="watchkeeper geo build"):
        build_basemap(tmp_path, tmp_path / BASEMAP_FILE)


def test_installed_basemap_covers_the_default_region() -> None:
    """`make install` built it into the default `web_dir`, from the default `geo_dir`."""
    header, metadata = _header_and_metadata(Settings().web_dir / BASEMAP_FILE)
    assert {layer["id"] for layer in metadata["vector_layers"]} == set(LAYERS)
    west, east, south, north = DEFAULT_REGION
    assert header["min_lon_e7"] / 1e7 <= west + 1
    assert header["max_lon_e7"] / 1e7 >= east - 1
    assert header["min_lat_e7"] / 1e7 <= south + 1
    assert header["max_lat_e7"] / 1e7 >= north - 1
