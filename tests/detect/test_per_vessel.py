"""Per-vessel detectors on hand-made tracks and on DMA's labelled recordings."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from watchkeeper.ais.reader import decode_file
from watchkeeper.detect.engine import detect
from watchkeeper.detect.events import EVENTS, events_table
from watchkeeper.detect.thresholds import Thresholds
from watchkeeper.testing import make_positions

DMA = Path(__file__).resolve().parents[3] / "shared" / "data" / "ais" / "dma-aisabnormal"
T0 = datetime(2026, 7, 15, 3, 0, tzinfo=UTC)


def track(mmsi: int, seconds: list[float], **columns: list[object]) -> list[dict[str, object]]:
    """Reports of one vessel at `seconds` after T0, moving east from 35N 12E unless told."""
    lat = columns.pop("lat", [35.0] * len(seconds))
    lon = columns.pop("lon", [12.0 + 0.00002 * s for s in seconds])
    rows = []
    for i, s in enumerate(seconds):
        row = {"mmsi": mmsi, "ts": T0 + timedelta(seconds=s), "lat": lat[i], "lon": lon[i]}
        row.update({name: values[i] for name, values in columns.items()})
        rows.append(row)
    return rows


def events_of(rows: list[dict[str, object]], kind: str | None = None) -> pl.DataFrame:
    found = detect(make_positions(rows))
    return found if kind is None else found.filter(pl.col("type") == kind)


def test_events_have_the_shared_schema_and_distress_first() -> None:
    seconds = [i * 60.0 for i in range(30)]
    rows = track(970123456, seconds, sog=[1.5] * 30, nav_status=[14] * 30) + track(
        219000001,
        [0, 10, 20, 80, 100],
        sog=[12.0, 0.5, 0.3, 0.2, 0.1],
        heading=[90] * 5,
        cog=[90.0] * 5,
    )
    found = events_of(rows)
    assert events_table(found).schema.equals(EVENTS)
    assert found["type"].to_list() == ["distress_beacon", "sudden_speed_change"]
    assert found["distress"].to_list() == [True, False]
    assert found["priority"].to_list() == [1, 3]


@pytest.mark.parametrize(
    ("mmsi", "device"), [(970123456, "ais_sart"), (972123456, "mob"), (974123456, "epirb_ais")]
)
def test_beacon_series_raise_at_the_first_report(mmsi: int, device: str) -> None:
    [event] = events_of(track(mmsi, [0, 7.5, 15]), "distress_beacon").to_dicts()
    assert event["detected"] == event["start"] == T0
    assert json.loads(event["evidence"])["device"] == device


def test_nav_status_14_from_a_ship_is_distress_and_a_long_silence_splits_events() -> None:
    seconds = [0, 60, 120, 120 + 3600, 120 + 3660]
    found = events_of(track(247123456, seconds, nav_status=[14] * 5), "distress_beacon")
    assert found.height == 2
    assert json.loads(found["evidence"][0])["device"] == "nav_status_14"


def test_ordinary_ships_raise_no_beacon() -> None:
    assert events_of(track(247123456, [0, 10, 20], nav_status=[0, 0, 0])).is_empty()


def test_drift_with_heading_follows_dmas_rule() -> None:
    seconds = [i * 30.0 for i in range(41)]  # 20 minutes
    n = len(seconds)
    lon = [12.0 + 0.00001 * s for s in seconds]  # ~0.9 m/s: 1.8 kn east
    [event] = events_of(
        track(247000001, seconds, lon=lon, sog=[1.8] * n, cog=[90.0] * n, heading=[10] * n), "drift"
    ).to_dicts()
    assert event["start"] == T0
    assert event["distress"]
    evidence = json.loads(event["evidence"])
    assert evidence["variant"] == "heading"
    # Raised (life first) at half DMA's rule; confirmed once 10 minutes and 500 m are behind it.
    assert T0 + timedelta(minutes=5) <= event["detected"] <= T0 + timedelta(minutes=6)
    assert evidence["confirmed"] is True
    confirmed_at = datetime.fromisoformat(evidence["confirmed_at"].replace("Z", "+00:00"))
    assert T0 + timedelta(minutes=10) <= confirmed_at <= T0 + timedelta(minutes=11)


@pytest.mark.parametrize(
    ("sog", "heading"),
    [
        (0.5, 10),  # too slow: stopped, not drifting
        (6.0, 10),  # too fast: under way
        (1.8, 80),  # heading within 45 degrees of the course
    ],
)
def test_no_drift_outside_the_rule(sog: float, heading: int) -> None:
    seconds = [i * 30.0 for i in range(41)]
    n = len(seconds)
    rows = track(247000001, seconds, sog=[sog] * n, cog=[90.0] * n, heading=[heading] * n)
    assert events_of(rows, "drift").is_empty()


def test_a_drift_that_stops_short_of_ten_minutes_is_no_drift() -> None:
    seconds = [i * 30.0 for i in range(28)]  # 8.5 minutes adrift, then 5 under way again
    n = len(seconds)
    adrift = [10] * 18 + [90] * 10
    rows = track(247000001, seconds, sog=[1.8] * n, cog=[90.0] * n, heading=adrift)
    assert events_of(rows, "drift").is_empty()


def test_a_drift_still_going_when_the_data_ends_is_raised_unconfirmed() -> None:
    seconds = [i * 30.0 for i in range(14)]  # 6.5 minutes adrift so far
    n = len(seconds)
    lon = [12.0 + 0.00001 * s for s in seconds]
    rows = track(247000001, seconds, lon=lon, sog=[1.8] * n, cog=[90.0] * n, heading=[10] * n)
    [event] = events_of(rows, "drift").to_dicts()
    assert json.loads(event["evidence"])["confirmed"] is False
    assert event["score"] == pytest.approx(0.5)


def test_small_craft_without_heading_drift_on_a_steady_course_but_not_fishing() -> None:
    seconds = [i * 180.0 for i in range(12)]  # class B at 3-minute intervals, 33 minutes
    n = len(seconds)
    lon = [12.0 + 0.000012 * s for s in seconds]
    drifting = track(672000001, seconds, lon=lon, sog=[2.2] * n, cog=[95.0, 88.0] * (n // 2))
    fishing = track(672000002, seconds, lon=lon, sog=[2.2] * n, cog=[95.0] * n, nav_status=[7] * n)
    zigzag = track(672000003, seconds, lon=lon, sog=[2.2] * n, cog=[0.0, 120.0, 240.0] * (n // 3))
    found = events_of(drifting + fishing + zigzag, "drift")
    assert found["mmsi"].to_list() == [[672000001]]
    assert json.loads(found["evidence"][0])["variant"] == "no_heading"


def test_sudden_speed_change_needs_the_drop_within_30_s_and_60_s_stopped() -> None:
    sudden = track(219000001, [0, 10, 20, 50, 80], sog=[12.0, 0.5, 0.3, 0.2, 0.1])
    slow_down = track(219000002, [0, 40, 80, 120, 160], sog=[12.0, 0.5, 0.3, 0.2, 0.1])
    restarts = track(219000003, [0, 10, 20, 40], sog=[12.0, 0.5, 3.0, 8.0])
    [event] = events_of(sudden + slow_down + restarts, "sudden_speed_change").to_dicts()
    assert event["mmsi"] == [219000001]
    assert (event["start"], event["end"]) == (T0, T0 + timedelta(seconds=10))
    assert event["detected"] == T0 + timedelta(seconds=80)


def test_copies_from_several_receivers_count_once() -> None:
    rows = track(970123456, [0, 7.5, 15])
    [event] = events_of(rows + rows).to_dicts()
    assert json.loads(event["evidence"])["reports"] == 3


def test_thresholds_are_settings() -> None:
    seconds = [i * 30.0 for i in range(41)]
    n = len(seconds)
    rows = track(247000001, seconds, sog=[1.8] * n, cog=[90.0] * n, heading=[10] * n)
    strict = Thresholds(drift_min_duration_s=3600)
    assert detect(make_positions(rows), strict).filter(pl.col("type") == "drift").is_empty()


needs_dma = pytest.mark.skipif(
    not DMA.is_dir(), reason="shared DMA AisAbnormal recordings not present"
)


@needs_dma
def test_dma_lotus_sudden_speed_change_starts_when_dma_says() -> None:
    found = detect(decode_file(DMA / "219165000_ssc_1.ais").positions)
    [event] = found.filter(pl.col("type") == "sudden_speed_change").to_dicts()
    assert event["mmsi"] == [219165000]
    assert event["start"] == datetime(2014, 10, 5, 16, 10, 11, 424000, tzinfo=UTC)


@needs_dma
def test_dma_stoc_marcia_is_not_drifting_on_2014_10_02() -> None:
    found = detect(decode_file(DMA / "212123000_drift_1.ais").positions)
    drifts = found.filter(pl.col("type") == "drift")
    assert 212123000 not in {m for ms in drifts["mmsi"].to_list() for m in ms}
