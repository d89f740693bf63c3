"""Ports from the World Port Index: the shared file, bad rows, no file at all."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from watchkeeper.geo.ports import PORT_COLUMNS, SHARED_PORTS_FILE, Ports, load_ports, read_ports

SHARED = Path(__file__).resolve().parents[2].parent / SHARED_PORTS_FILE
HEADER = [
    "OID_",
    "World Port Index Number",
    "Main Port Name",
    "UN/LOCODE",
    "Country Code",
    "Latitude",
    "Longitude",
]


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def shared() -> Ports:
    if not SHARED.is_file():
        pytest.skip(f"{SHARED} is absent (../shared/data is not beside this checkout)")
    return read_ports(SHARED)


def test_the_shared_index_has_tunisias_ports(shared: Ports) -> None:
    tunisia = shared.table.filter(pl.col("country") == "Tunisia")
    assert tunisia.height == 16
    assert {"Banzart", "La Goulette", "Mahdia", "Gabes", "Houmt Souk"} <= set(tunisia["name"])
    goulette = tunisia.filter(pl.col("name") == "La Goulette").row(0, named=True)
    assert goulette["unlocode"] == "TNLGN"
    assert goulette["lat"] == pytest.approx(36.8, abs=0.01)
    assert len(shared) > 3_700
    assert tuple(shared.table.columns) == PORT_COLUMNS


def test_nearest_port_and_ports_near(shared: Ports) -> None:
    metres, row = shared.nearest_port([35.50, np.nan], [12.61, 12.0])
    assert shared.table["name"][int(row[0])] == "Lampedusa"
    assert metres[0] < 2_000
    assert row[1] == -1
    assert np.isinf(metres[1])
    near = shared.ports_near(36.8, 10.28, 10_000)
    assert {"La Goulette", "Tunis", "Rades"} <= set(near["name"])
    assert near["distance_m"].is_sorted()


def test_bad_rows_are_rejected_naming_their_line(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "wpi.csv",
        [
            ["1", "45420.0", "La Goulette", "TN LGN", "Tunisia", "36.8", "10.3"],
            ["2", "1.0", "Nowhere", "", "Atlantis", "north", "10.3"],
            ["3", "2.0", "", "", "Tunisia", "36.0", "10.0"],
            ["4", "3.0", "Too far", "", "Tunisia", "96.0", "10.0"],
            ["5", "4.0", "Short row"],
            ["6", "5.0", "Selaata", "LB", "Lebanon", "34.27", "35.65"],
        ],
    )
    ports = read_ports(path)
    assert ports.table["name"].to_list() == ["La Goulette", "Selaata"]
    assert ports.table["unlocode"].to_list() == ["TNLGN", None]  # a bare 'LB' is dropped
    assert ports.rejected == [
        f"{path}: line 3: Nowhere: position 'north', '10.3' is not two numbers",
        f"{path}: line 4: no port name",
        f"{path}: line 5: Too far: position 96.0, 10.0 is outside -90..90, -180..180",
        f"{path}: line 6: 3 fields, the header has 7",
    ]
    assert "4 rows rejected" in ports.note


def test_no_file_means_no_ports_and_a_reason_never_a_crash(tmp_path: Path) -> None:
    missing = load_ports(tmp_path / "none.csv")
    assert len(missing) == 0
    assert "does not exist" in missing.note
    not_wpi = load_ports(_write_plain(tmp_path / "other.csv"))
    assert len(not_wpi) == 0
    assert "not a World Port Index CSV" in not_wpi.note
    metres, row = missing.nearest_port([35.0], [12.0])
    assert np.isinf(metres[0])
    assert row[0] == -1
    assert missing.ports_near(35.0, 12.0, 1e6).height == 0


def _write_plain(path: Path) -> Path:
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    return path
