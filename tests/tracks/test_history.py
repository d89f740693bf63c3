"""The archive through time: identity history, the picture at a moment, tracks of a period."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import polars as pl
import pytest

from watchkeeper.testing import make_positions, make_vessels, utc
from watchkeeper.tracks import LATEST, Archive
from watchkeeper.tracks.history import (
    TracksTooLarge,
    fixes_at,
    identity_history,
    tracks_between,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

AURORA = 247000001
FERRY = 636000002


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    with Archive(tmp_path / "archive") as archive:
        archive.append(
            {
                "positions": make_positions(
                    [
                        {"mmsi": AURORA, "ts": "2024-05-01T10:00:00Z", "lat": 36.8, "lon": 10.2},
                        {"mmsi": AURORA, "ts": "2024-05-01T10:20:00Z", "lat": 36.9, "lon": 10.3},
                        {"mmsi": AURORA, "ts": "2024-05-01T10:40:00Z", "lat": 37.5, "lon": 11.5},
                        {"mmsi": AURORA, "ts": "2024-05-02T09:00:00Z", "lat": 38.0, "lon": 12.0},
                        {"mmsi": FERRY, "ts": "2024-05-01T10:30:00Z", "lat": 43.0, "lon": 5.0},
                        # A base station's report is not a vessel's fix.
                        {"mmsi": 2190045, "ts": "2024-05-01T10:35:00Z", "lat": 36.8, "lon": 10.2}
                        | {"msg_type": 4},
                    ]
                ),
                "vessels": make_vessels(
                    [
                        {"mmsi": AURORA, "ts": "2024-05-01T09:00:00Z", "name": "MSC AURORA"}
                        | {"imo": 9074729, "callsign": "IABC", "ship_type": 70},
                        {"mmsi": AURORA, "ts": "2024-05-01T09:30:00Z", "name": "MSC AURORA"},
                        {"mmsi": AURORA, "ts": "2024-05-01T10:30:00Z", "name": "AURORA II"}
                        | {"imo": 9074729, "callsign": "", "ship_type": 70},
                        {"mmsi": FERRY, "ts": "2024-05-01T08:00:00Z", "name": "TANIT"},
                    ]
                ),
            },
            batch_id="seed",
        )
        yield archive


def test_identity_history_lists_each_distinct_value_with_first_and_last_seen(
    archive: Archive,
) -> None:
    rows = identity_history(archive, AURORA).to_pylist()
    assert [(r["field"], r["value"], r["reports"]) for r in rows] == [
        ("name", "AURORA II", 1),  # newest first within a field
        ("name", "MSC AURORA", 2),
        ("callsign", "IABC", 1),  # the empty call sign sent later is no value
        ("imo", "9074729", 2),
        ("ship_type", "70", 2),
    ]
    name = rows[1]
    assert (name["first_seen"], name["last_seen"]) == (
        utc("2024-05-01T09:00:00Z"),
        utc("2024-05-01T09:30:00Z"),
    )


def test_identity_history_of_every_vessel_and_of_an_unknown_one(archive: Archive) -> None:
    every = identity_history(archive)
    assert sorted(set(every.column("mmsi").to_pylist())) == [AURORA, FERRY]
    assert identity_history(archive, 999999999).num_rows == 0


def test_fixes_at_is_the_picture_as_it_stood(archive: Archive) -> None:
    at = utc("2024-05-01T10:25:00Z")
    rows = fixes_at(archive, at).to_pylist()
    assert [r["mmsi"] for r in rows] == [AURORA]  # the ferry is first heard later
    [aurora] = rows
    assert (aurora["lat"], aurora["lon"], aurora["age_s"]) == (36.9, 10.3, 300.0)
    # Particulars as known at T: the rename of 10:30 has not happened yet.
    assert (aurora["name"], aurora["callsign"], aurora["imo"]) == ("MSC AURORA", "IABC", 9074729)
    later = {r["mmsi"]: r for r in fixes_at(archive, utc("2024-05-01T10:45:00Z")).to_pylist()}
    assert later[AURORA]["name"] == "AURORA II"
    assert later[AURORA]["callsign"] == "IABC"  # an empty call sign does not erase it
    assert set(later) == {AURORA, FERRY}


def test_fixes_at_leaves_out_stale_vessels_and_filters_the_box(archive: Archive) -> None:
    at = utc("2024-05-01T11:00:00Z")
    assert {r["mmsi"] for r in fixes_at(archive, at, stale=timedelta(minutes=25)).to_pylist()} == {
        AURORA
    }
    assert fixes_at(archive, at, stale=timedelta(minutes=10)).num_rows == 0
    boxed = fixes_at(archive, at, bbox=(4.0, 42.0, 6.0, 44.0)).to_pylist()
    assert [r["mmsi"] for r in boxed] == [FERRY]
    # The box filters where a vessel stood at T, not where it was before.
    assert fixes_at(archive, at, bbox=(10.0, 36.5, 10.5, 37.0)).num_rows == 0
    assert fixes_at(archive, at).schema.names == [*LATEST.names, "age_s"]


def test_fixes_at_refuses_naive_times_and_empty_windows(archive: Archive) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        fixes_at(archive, utc("2024-05-01T11:00:00Z").replace(tzinfo=None))
    with pytest.raises(ValueError, match="positive"):
        fixes_at(archive, utc("2024-05-01T11:00:00Z"), stale=timedelta(0))


def test_tracks_between_orders_by_vessel_and_time(archive: Archive) -> None:
    found = tracks_between(archive, utc("2024-05-01T00:00:00Z"), utc("2024-05-03T00:00:00Z"))
    assert list(zip(found["mmsi"].to_pylist(), found["lat"].to_pylist(), strict=True)) == [
        (AURORA, 36.8),
        (AURORA, 36.9),
        (AURORA, 37.5),
        (AURORA, 38.0),
        (FERRY, 43.0),
    ]
    half_open = tracks_between(archive, utc("2024-05-01T10:00:00Z"), utc("2024-05-01T10:40:00Z"))
    assert half_open["ts"].to_pylist() == [
        utc("2024-05-01T10:00:00Z"),
        utc("2024-05-01T10:20:00Z"),
        utc("2024-05-01T10:30:00Z"),
    ]


def test_tracks_between_keeps_whole_tracks_of_vessels_seen_in_the_box(archive: Archive) -> None:
    found = tracks_between(
        archive,
        utc("2024-05-01T00:00:00Z"),
        utc("2024-05-03T00:00:00Z"),
        bbox=(10.0, 36.5, 10.5, 37.0),
    )
    assert found["mmsi"].to_pylist() == [AURORA] * 4


def test_tracks_between_thins_and_refuses_too_many(archive: Archive) -> None:
    start, end = utc("2024-05-01T00:00:00Z"), utc("2024-05-03T00:00:00Z")
    hourly = tracks_between(archive, start, end, resolution=timedelta(hours=1))
    assert hourly["ts"].to_pylist() == [
        utc("2024-05-01T10:00:00Z"),
        utc("2024-05-02T09:00:00Z"),
        utc("2024-05-01T10:30:00Z"),
    ]
    with pytest.raises(TracksTooLarge, match="more than 4 positions"):
        tracks_between(archive, start, end, max_positions=4)
    assert tracks_between(archive, start, end, max_positions=5).num_rows == 5


# -- on real AIS --------------------------------------------------------------------------


def test_picture_at_the_end_of_real_data_is_the_latest_picture(dma_archive: Archive) -> None:
    latest = pl.DataFrame(dma_archive.latest_vessels())
    end = latest["ts"].max()
    at = fixes_at(dma_archive, end, stale=timedelta(days=1))  # type: ignore[arg-type]
    assert latest.height > 1000
    assert pl.DataFrame(at).drop("age_s").sort("mmsi").equals(latest.sort("mmsi"))
    # Five minutes earlier, fewer vessels had been heard, none of them after T.
    earlier = pl.DataFrame(fixes_at(dma_archive, end - timedelta(minutes=3)))  # type: ignore[operator]
    assert 0 < earlier.height < latest.height
    assert earlier["ts"].max() <= end - timedelta(minutes=3)  # type: ignore[operator]


def test_identity_history_of_real_data_ends_in_the_latest_particulars(
    dma_archive: Archive,
) -> None:
    latest = pl.DataFrame(dma_archive.latest_vessels()).filter(pl.col("name").is_not_null())
    names = (
        pl.DataFrame(identity_history(dma_archive))
        .filter(pl.col("field") == "name")
        .group_by("mmsi", maintain_order=True)
        .first()
    )
    joined = latest.join(names, on="mmsi")
    assert joined.height == latest.height > 50
    assert (joined["name"] == joined["value"]).all()
