"""`watchkeeper zones import|list` and `simulate --zones`: zone files an operator manages."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from watchkeeper.cli.main import app
from watchkeeper.geo.zones import read_zones

runner = CliRunner()


@pytest.fixture(autouse=True)
def node(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("WATCHKEEPER_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WATCHKEEPER_DATA_DIR", str(tmp_path / "node"))


def test_import_checks_stores_lists_and_audits(tmp_path: Path) -> None:
    source = tmp_path / "aoi.geojson"
    source.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {
                            "kind": "area_of_interest",
                            "name": "Kerkennah banks",
                            "authority": "TN-GN",
                            "source": "drawn",
                        },
                        "geometry": {
                            "type": "Polygon",
                            "coordinates": [
                                [[11, 34.5], [11.5, 34.5], [11.5, 35], [11, 35], [11, 34.5]]
                            ],
                        },
                    }
                ],
            }
        )
    )
    result = runner.invoke(app, ["zones", "import", str(source)])
    assert result.exit_code == 0, result.output
    assert "imported 1 zones as aoi" in result.stdout
    assert [z.name for z in read_zones(tmp_path / "node" / "zones" / "aoi.geojson")] == [
        "Kerkennah banks"
    ]
    assert (
        "area_of_interest   Kerkennah banks  (TN-GN; drawn)"
        in runner.invoke(app, ["zones", "list"]).stdout
    )
    exported = runner.invoke(app, ["audit", "export"]).stdout
    assert '"action": "zones.import"' in exported


def test_a_bad_zone_file_is_one_line_naming_the_feature(tmp_path: Path) -> None:
    source = tmp_path / "bad.geojson"
    source.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"kind": "moon", "name": "x"},
                        "geometry": None,
                    }
                ],
            }
        )
    )
    result = runner.invoke(app, ["zones", "import", str(source)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"watchkeeper: error: {source}: feature 0: kind 'moon'")
