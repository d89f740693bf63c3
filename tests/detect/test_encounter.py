"""Encounters: two vessels together at sea, by Global Fishing Watch's rule and a small-craft variant."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import polars as pl

from watchkeeper.detect.engine import detect
from watchkeeper.testing import make_positions, make_vessels

T0 = datetime(2026, 7, 15, 1, 0, tzinfo=UTC)


def idle(
    mmsi: int,
    lat: float,
    lon: float,
    minutes: float,
    *,
    every_s: float = 30,
    msg_type: int = 1,
    sog: float = 0.8,
    nav_status: int | None = 0,
    start_min: float = 0,
) -> list[dict[str, object]]:
    steps = int(minutes * 60 / every_s)
    return [
        {
            "mmsi": mmsi,
            "ts": T0 + timedelta(minutes=start_min, seconds=i * every_s),
            "lat": lat + 1e-6 * i,
            "lon": lon,
            "sog": sog,
            "cog": 0.0,
            "msg_type": msg_type,
            "nav_status": nav_status,
        }
        for i in range(steps)
    ]


def particulars(*mmsis: int) -> pl.DataFrame:
    return make_vessels([{"mmsi": m, "ts": T0, "name": f"SHIP {m}"} for m in mmsis])


def encounters(rows: list[dict[str, object]], known: tuple[int, ...]) -> pl.DataFrame:
    found = detect(make_positions(rows), vessels=particulars(*known))
    return found.filter(pl.col("type") == "encounter")


def test_two_ships_stopped_together_for_hours_meet() -> None:
    rows = idle(247000001, 35.5, 13.5, 180) + idle(636000002, 35.5025, 13.5, 180)  # 280 m apart
    [event] = encounters(rows, (247000001, 636000002)).to_dicts()
    assert sorted(event["mmsi"]) == [247000001, 636000002]
    assert json.loads(event["evidence"])["variant"] == "vessel_encounter"
    assert event["detected"] - event["start"] == timedelta(hours=2)


def test_an_hour_together_is_not_an_encounter_between_ships() -> None:
    rows = idle(247000001, 35.5, 13.5, 60) + idle(636000002, 35.5025, 13.5, 60)
    assert encounters(rows, (247000001, 636000002)).is_empty()


def test_a_small_craft_alongside_for_forty_minutes_is() -> None:
    rows = idle(636000002, 35.5, 13.5, 120) + idle(
        672900001, 35.5004, 13.5, 40, msg_type=18, start_min=30
    )
    [event] = encounters(rows, (636000002,)).to_dicts()
    assert json.loads(event["evidence"])["variant"] == "small_craft_alongside"


def test_vessels_too_far_apart_or_moving_do_not_meet() -> None:
    apart = idle(247000001, 35.5, 13.5, 180) + idle(636000002, 35.51, 13.5, 180)  # 1.1 km
    moving = idle(247000003, 35.6, 13.5, 180, sog=6.0) + idle(
        636000004, 35.6025, 13.5, 180, sog=6.0
    )
    assert encounters(apart + moving, (247000001, 636000002, 247000003, 636000004)).is_empty()


def test_an_anchorage_found_in_the_data_is_left_out() -> None:
    anchored = [idle(215000000 + i, 35.51 + 0.001 * i, 13.51, 180, nav_status=1) for i in range(3)]
    pair = idle(247000001, 35.5, 13.5, 180) + idle(636000002, 35.5025, 13.5, 180)
    rows = pair + [r for group in anchored for r in group]
    found = encounters(rows, (247000001, 636000002, 215000000, 215000001, 215000002))
    assert found.filter(pl.col("mmsi").list.contains(247000001)).is_empty()
