"""The node's land mask: GSHHG polygons built by `make install`, checked on known places.

These tests read the land file at the default `geo_dir` (`<venv>/share/watchkeeper/geo`,
built by `make install` or `watchkeeper geo build`), so they check what a node runs with.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import numpy as np
import pyarrow.parquet as pq
import pytest
import shapely
from typer.testing import CliRunner

from watchkeeper.cli.main import app
from watchkeeper.errors import ConfigError
from watchkeeper.geo.coastline import (
    DEFAULT_REGION,
    LAND_FILE,
    build_land,
    read_provenance,
)
from watchkeeper.geo.landmask import LandMask, land_mask
from watchkeeper.geo.shore import SHORE_FILE
from watchkeeper.geo.zones import DEFAULT_ZONES_FILE
from watchkeeper.settings import load_settings

#: (lat, lon) well inside each place, as GSHHG full resolution draws it.
LAND = {
    "Lampedusa": (35.510, 12.600),
    "Lampione (as GSHHG places it)": (35.5592, 12.3345),
    "Malta": (35.880, 14.420),
    "Gozo": (36.045, 14.250),
    "Comino": (36.012, 14.336),
    "Kerkennah (Chergui)": (34.740, 11.220),
    "Zembra": (37.120, 10.805),
    "La Galite": (37.530, 8.930),
    "Djerba": (33.800, 10.870),
    "Tunis": (36.800, 10.180),
    "Sicily interior": (37.500, 14.200),
    "Nouakchott": (18.086, -15.975),
    "Dakar": (14.690, -17.440),
    "Tenerife": (28.270, -16.640),
    "Gran Canaria": (27.960, -15.590),
    # A salt pan, not a lake, in GSHHG (and in global-land-mask): land.
    "Chott el Djerid": (33.900, 8.400),
    "Dek island, in Lake Tana (GSHHG level 3)": (11.920, 37.260),
}
WATER = {
    "Strait of Sicily": (37.200, 11.500),
    "Malta-Sicily channel": (36.400, 14.600),
    "Gulf of Gabes offshore": (34.000, 11.200),
    "off Nouadhibou": (20.800, -17.300),
    "Atlantic between the Canaries and Africa": (27.500, -14.500),
    "Lake Tana (GSHHG level 2)": (12.000, 37.300),
    "Lake Van": (38.600, 42.900),
}
#: Lampione as charted (Wikipedia, 35°33'06"N 12°19'18"E). GSHHG draws the 200 m islet
#: about 1.3 km east-north-east of it, so this exact point is water in GSHHG.
LAMPIONE_CHARTED = (35.551647, 12.321665)


@pytest.fixture(scope="module")
def mask() -> LandMask:
    """The installed mask; run `make install` (or `watchkeeper geo build`) if it is missing."""
    return land_mask(load_settings().geo_dir)


@pytest.fixture(scope="module")
def globe() -> ModuleType:
    """global-land-mask's `globe` module: ~4 s and ~900 MB to import, so once per module."""
    from global_land_mask import globe

    return globe


@pytest.mark.parametrize("name", sorted(LAND))
def test_known_land_is_land(mask: LandMask, name: str) -> None:
    assert mask.is_land(*LAND[name])


@pytest.mark.parametrize("name", sorted(WATER))
def test_known_water_is_water(mask: LandMask, name: str) -> None:
    assert not mask.is_land(*WATER[name])


def test_lampione_is_an_islet_about_a_kilometre_from_its_charted_position(mask: LandMask) -> None:
    # A 3 km square around the charted point, every ~25 m: the islet is the only land.
    lat0, lon0 = LAMPIONE_CHARTED
    lat, lon = np.meshgrid(
        np.linspace(lat0 - 0.0135, lat0 + 0.0135, 121),
        np.linspace(lon0 - 0.0165, lon0 + 0.0165, 121),
        indexing="ij",
    )
    land = mask.is_land(lat, lon)
    assert 20 <= land.sum() <= 400  # ~300 m x 280 m as drawn: one islet, not a coast
    assert not mask.is_land(*LAMPIONE_CHARTED)
    north_km = (lat[land].mean() - lat0) * 111.2
    east_km = (lon[land].mean() - lon0) * 111.2 * np.cos(np.radians(lat0))
    assert 0.5 < north_km < 1.2
    assert 0.8 < east_km < 1.5


def test_answers_keep_the_shape_of_the_input(mask: LandMask) -> None:
    lat = np.array([[36.80, 37.20], [35.88, 34.00]])
    lon = np.array([[10.18, 11.50], [14.42, 11.20]])
    result = mask.is_land(lat, lon)
    assert result.dtype == np.bool_
    assert result.tolist() == [[True, False], [True, False]]
    assert mask.is_land(36.80, [10.18, 11.50]).tolist() == [True, False]  # broadcast
    assert mask.is_land(36.80, 10.18 + 360.0)  # longitudes modulo 360


def test_outside_the_built_region_is_unknown_and_not_land(mask: LandMask) -> None:
    assert mask.region == DEFAULT_REGION
    lat = np.array([-33.9, 36.8, np.nan, 51.0])  # Cape Town, Tunis, NaN, Dover Strait
    lon = np.array([18.4, 10.18, 10.0, 1.5])
    assert mask.covers(lat, lon).tolist() == [False, True, False, False]
    assert mask.is_land(lat, lon).tolist() == [False, True, False, False]


def test_graded_answers_equal_the_polygons_own(mask: LandMask) -> None:
    # The tile and cell grading only skips exact tests it can prove: compare with a
    # plain point-in-polygon test on the file's pieces, in a coast-heavy area.
    table = pq.read_table(load_settings().geo_dir / LAND_FILE, columns=["geometry"])
    pieces = shapely.from_wkb(table["geometry"].to_numpy(zero_copy_only=False))
    rng = np.random.default_rng(3)
    lat = rng.uniform(33.0, 38.5, 50_000)
    lon = rng.uniform(7.0, 16.0, 50_000)
    hit, _ = shapely.STRtree(pieces).query(shapely.points(lon, lat), predicate="intersects")
    exact = np.zeros(lat.size, bool)
    exact[hit] = True
    assert np.array_equal(mask.is_land(lat, lon), exact)


def test_it_agrees_with_global_land_mask(mask: LandMask, globe: ModuleType) -> None:
    rng = np.random.default_rng(0)
    west, east, south, north = DEFAULT_REGION
    lat = rng.uniform(south, north, 20_000)
    lon = rng.uniform(west, east, 20_000)
    ours = mask.is_land(lat, lon)
    theirs = globe.is_land(lat, lon)
    # Measured: 99.64 % agree here (99.57-99.64 % over five seeds, 99.61 % on 200,000
    # points). global-land-mask is a 30" (~1 km) grid: half the differences lie within
    # 0.9 km of a GSHHG shoreline. The rest are lakes, which GSHHG keeps as water and
    # global-land-mask calls land (Chad, Volta, Van, Victoria...), hence the asymmetry.
    assert (ours == theirs).mean() > 0.995
    assert (ours & ~theirs).mean() < 0.001


def test_the_file_says_where_it_came_from() -> None:
    info = read_provenance(load_settings().geo_dir / LAND_FILE)
    assert info.gshhg_version == "2.3.7"
    assert info.resolution == "f"
    assert info.region == DEFAULT_REGION
    assert info.polygons > 9_000
    assert info.built.endswith("+00:00")


def test_a_missing_file_names_the_command_that_builds_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="watchkeeper geo build"):
        LandMask.load(tmp_path)


def test_without_gmt_the_error_names_the_debian_packages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ConfigError, match="gmt gmt-gshhg-full"):
        build_land(tmp_path, region=(12.0, 13.0, 35.0, 36.0))
    assert not (tmp_path / LAND_FILE).exists()


def test_geo_build_through_the_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    geo_dir, work = tmp_path / "geo", tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.delenv("WATCHKEEPER_CONFIG", raising=False)
    monkeypatch.setenv("WATCHKEEPER_GEO_DIR", str(geo_dir))
    runner = CliRunner()
    result = runner.invoke(app, ["geo", "build", "--region", "12/13/35/36"])
    assert result.exit_code == 0, result.output
    assert "polygons" in result.stdout
    assert "GSHHG 2.3.7" in result.stdout
    # Land, then what derives from it; no temporary file left.
    assert sorted(p.name for p in geo_dir.iterdir()) == sorted(
        [LAND_FILE, DEFAULT_ZONES_FILE, SHORE_FILE]
    )
    assert list(work.iterdir()) == []  # nor GMT's gmt.history
    small = LandMask.load(geo_dir)
    assert small.region == (12.0, 13.0, 35.0, 36.0)
    assert small.is_land(*LAND["Lampedusa"])
    assert small.is_land(*LAND["Lampione (as GSHHG places it)"])
    assert not small.is_land(35.80, 12.30)
    assert not small.covers(*LAND["Malta"])

    bad = runner.invoke(app, ["geo", "build", "--region", "east/west"])
    assert bad.exit_code == 1
    assert bad.stderr.startswith("watchkeeper: error: --region 'east/west': expected W/E/S/N")
    assert bad.stderr.count("\n") == 1
