"""The node's land mask: GSHHG through GMT, checked on known places and against global-land-mask."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from watchkeeper.cli.main import app
from watchkeeper.errors import ConfigError
from watchkeeper.geo.landmask import LandMask, land_mask
from watchkeeper.settings import load_settings

LAND = {
    "Lampedusa": (35.51, 12.58),
    "Malta": (35.88, 14.45),
    "Gozo": (36.04, 14.25),
    "Kerkennah (Chergui)": (34.74, 11.24),
    "Djerba": (33.80, 10.90),
    "Zembra": (37.12, 10.805),
    "Tunis": (36.80, 10.18),
    "Sicily": (37.50, 14.00),
    "Nouakchott": (18.08, -15.97),
    "Dakar": (14.72, -17.45),
    "Tenerife": (28.27, -16.60),
    "Gran Canaria": (27.95, -15.60),
    "Ras Ajdir hinterland": (33.05, 11.30),
}
WATER = {
    "Strait of Sicily": (36.50, 12.50),
    "Gulf of Gabes offshore": (34.00, 11.20),
    "off Nouadhibou": (20.50, -17.60),
    "between the Canaries and Africa": (28.20, -14.50),
    "Malta-Sicily channel": (36.40, 14.60),
}


@pytest.fixture(scope="module")
def mask() -> LandMask:
    return land_mask(load_settings().geo_dir)


@pytest.mark.parametrize("name", sorted(LAND))
def test_known_land_is_land(mask: LandMask, name: str) -> None:
    assert mask.is_land(*LAND[name])


@pytest.mark.parametrize("name", sorted(WATER))
def test_known_sea_is_water(mask: LandMask, name: str) -> None:
    assert not mask.is_land(*WATER[name])


def test_outside_the_grid_nothing_is_land(mask: LandMask) -> None:
    assert not mask.is_land(-40.0, 100.0)
    assert mask.region == pytest.approx((-30.0, 45.0, 0.0, 50.0))


def test_it_agrees_with_global_land_mask_away_from_coasts(mask: LandMask) -> None:
    from global_land_mask import globe

    rng = np.random.default_rng(0)
    lat = rng.uniform(10, 46, 20_000)
    lon = rng.uniform(-25, 36, 20_000)
    ours = mask.is_land(lat, lon)
    theirs = globe.is_land(lat, lon)
    # Both are ~0.5-1 km grids of different coastlines: they differ only along shores.
    assert (ours == theirs).mean() > 0.99


def test_a_missing_mask_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="watchkeeper geo build"):
        LandMask.load(tmp_path)


def test_geo_build_makes_a_mask_for_a_region(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WATCHKEEPER_GEO_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["geo", "build", "--region", "12/13/35/36", "--cell", "30"])
    assert result.exit_code == 0, result.output
    small = LandMask.load(tmp_path)
    assert (small.rows, small.cols) == (120, 120)
    assert small.is_land(35.51, 12.58)  # Lampedusa
    assert not small.is_land(35.80, 12.30)
    bad = CliRunner().invoke(app, ["geo", "build", "--region", "east/west"])
    assert bad.exit_code == 1
    assert "W/E/S/N" in bad.output
