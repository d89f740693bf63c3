"""Contact files: every usable sighting read, every other row kept with its line and reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from watchkeeper.errors import InputError
from watchkeeper.schema import CONTACTS
from watchkeeper.sensors.contacts import read_contacts

HEADER = "contact_id,sensor,sensor_id,ts,lat,lon,speed_kn,course,length_m,classification,confidence"


def write(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "contacts.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_times_with_z_offset_or_none_are_read_as_utc(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "R-1,radar,R,2026-07-15T00:00:00.250Z,35.1,12.1,5.5,90,10,small_craft,0.8",
        "R-1,radar,R,2026-07-15T02:01:00+02:00,35.1,12.1,,,,,",
        "R-1,radar,R,2026-07-15 00:02:00,35.1,12.1,,,,,",
    )
    read = read_contacts(path)
    assert read.contacts.schema == CONTACTS
    assert read.rejected.num_rows == 0
    times = [t.isoformat() for t in read.contacts["ts"].to_pylist()]
    assert times == [
        "2026-07-15T00:00:00.250000+00:00",
        "2026-07-15T00:01:00+00:00",
        "2026-07-15T00:02:00+00:00",
    ]
    assert read.contacts["speed_kn"].to_pylist() == [5.5, None, None]


def test_bad_rows_are_rejected_with_their_line_and_reason(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "R-1,radar,R,2026-07-15T00:00:00Z,35.1,12.1,,,,,",
        "R-2,radar,R,yesterday,35.1,12.1,,,,,",
        "R-3,radar,R,2026-07-15T00:00:00Z,95,12.1,,,,,",
        "too,few",
        "R-4,radar,R,2026-07-15T00:00:00Z,35,12.1,fast,,,,",
        ",radar,R,2026-07-15T00:00:00Z,35,12.1,,,,,",
        "R-5,radar,R,2026-07-15T00:00:00Z,35,12.1,,,,,1.5",
        "R-6,radar,R,2026-07-15T00:00:00Z,35,12.1,,,,,",
    )
    read = read_contacts(path)
    assert read.contacts["contact_id"].to_pylist() == ["R-1", "R-6"]
    rejected = [(r["line"], r["reason"], r["raw"]) for r in read.rejected.to_pylist()]
    assert rejected == [
        (3, "ts is not an ISO 8601 time", b"R-2,radar,R,yesterday,35.1,12.1,,,,,"),
        (4, "lat outside [-90, 90]", b"R-3,radar,R,2026-07-15T00:00:00Z,95,12.1,,,,,"),
        (5, "2 fields where the header has 11", b"too,few"),
        (6, "speed_kn is not a number", b"R-4,radar,R,2026-07-15T00:00:00Z,35,12.1,fast,,,,"),
        (7, "no contact_id", b",radar,R,2026-07-15T00:00:00Z,35,12.1,,,,,"),
        (8, "confidence outside [0, 1]", b"R-5,radar,R,2026-07-15T00:00:00Z,35,12.1,,,,,1.5"),
    ]
    assert set(read.rejected["file"].to_pylist()) == {str(path)}


def test_a_file_without_the_needed_columns_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "radar.csv"
    path.write_text("id,time,latitude,longitude\nA,2026-07-15T00:00:00Z,35,12\n", "utf-8")
    with pytest.raises(InputError, match=r"radar.csv: no column contact_id, ts, lat, lon"):
        read_contacts(path)


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(InputError, match="empty.csv: not a contacts CSV"):
        read_contacts(path)
