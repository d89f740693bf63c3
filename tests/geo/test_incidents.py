"""IOM Missing Migrants incidents: three real export layouts, positions kept or rejected."""

from __future__ import annotations

from pathlib import Path

import pytest

from watchkeeper.errors import InputError
from watchkeeper.geo.incidents import (
    INCIDENT_COLUMNS,
    SHARED_INCIDENTS_FILE,
    load_incidents,
    read_incidents,
)

SHARED = Path(__file__).resolve().parents[2].parent / SHARED_INCIDENTS_FILE
IOM_DIR = SHARED.parents[1]

# Headers and rows shaped like each real export (see ../shared/data/migration/SOURCES.md).
EXTRACT = (
    "Main ID,Incident ID,No. dead/missing,Route,Latitude,Longitude,incident_date_clean\n"
    "2014.MMP00007,2014.MMP00007,12,Eastern Mediterranean,37.2832,27,2014-01-19\n"
    "2014.MMP00008,2014.MMP00008,NA,Central Mediterranean,NA,NA,2014-01-20\n"
)
DOWNLOAD = (
    '"Main ID","Incident Date","Number Dead","Minimum Estimated Number of Missing",'
    'Coordinates,"Migration route"\n'
    '2026.MMP0002,"Fri, 01/02/2026 - 12:00",1,3,"35.68266281, -5.31212994",'
    '"Western Mediterranean"\n'
)
OLD = (
    "\ufeffWeb ID,Reported Date,Total Dead and Missing,Location Coordinates,Migration Route\n"
    '52519,29-Oct-19,5,"23.612954113422, -21.137810725783",Western African\n'
)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "incidents.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_curated_extract_keeps_placed_rows_and_counts_the_others(tmp_path: Path) -> None:
    found = read_incidents(_write(tmp_path, EXTRACT))
    assert found.table.columns == list(INCIDENT_COLUMNS)
    assert found.table.rows() == [
        ("2014.MMP00007", found.table["date"][0], 12, "Eastern Mediterranean", 37.2832, 27.0)
    ]
    assert str(found.table["date"][0]) == "2014-01-19"
    assert found.rejected == 1
    assert "1 rows without a position" in found.note


def test_iom_download_splits_coordinates_and_adds_dead_and_missing(tmp_path: Path) -> None:
    row = read_incidents(_write(tmp_path, DOWNLOAD)).table.row(0, named=True)
    assert (row["lat"], row["lon"], row["dead_missing"]) == (35.68266281, -5.31212994, 4)
    assert str(row["date"]) == "2026-01-02"  # US month/day


def test_the_pre_2021_schema_is_read_too(tmp_path: Path) -> None:
    row = read_incidents(_write(tmp_path, OLD)).table.row(0, named=True)
    assert (row["id"], str(row["date"]), row["dead_missing"]) == ("52519", "2019-10-29", 5)
    assert row["lon"] == pytest.approx(-21.137810725783)


def test_an_unknown_layout_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not an IOM Missing Migrants CSV"):
        read_incidents(_write(tmp_path, "a,b\n1,2\n"))


def test_without_a_file_there_are_no_incidents_and_a_note_says_why(tmp_path: Path) -> None:
    found = load_incidents(tmp_path / "absent.csv")
    assert found.table.is_empty()
    assert "does not exist" in found.note


@pytest.mark.parametrize(
    ("name", "at_least"),
    [
        ("giocopp-missing-migrants-count/iom_europe.csv", 6000),
        ("giocopp-missing-migrants-count/MissingMigrants-Global-2026-05-06--19_42_11.csv", 200),
        ("stklem-med-migration/MissingMigrants-Global-2019-11-04T17-25-00.csv", 6000),
    ],
)
def test_real_iom_files(name: str, at_least: int) -> None:
    path = IOM_DIR / name
    if not path.is_file():
        pytest.skip(f"{path} is absent (../shared/data is not beside this checkout)")
    table = read_incidents(path).table
    assert table.height >= at_least
    assert table["lat"].is_between(-90, 90).all()
    assert table["date"].null_count() <= table.height // 100
