"""Encounters: two vessels together at sea, by Global Fishing Watch's rule and a small-craft variant."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import polars as pl

from watchkeeper.detect.engine import detect
from watchkeeper.testing import make_contacts, make_positions, make_vessels

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


def test_a_small_craft_heard_only_at_satellite_passes_is_still_alongside() -> None:
    """Reports an hour apart: the slow craft is placed between them, as it drifts with the
    ship; a gap longer than the bridge, or a silence that covered ground, is not bridged."""
    ship = idle(636000002, 35.5, 13.5, 240)
    passes = [idle(672900001, 35.5004, 13.5, 2, msg_type=18, start_min=m) for m in (20, 80, 140)]
    [event] = encounters(ship + [r for p in passes for r in p], (636000002,)).to_dicts()
    assert sorted(event["mmsi"]) == [636000002, 672900001]
    assert event["end"] - event["start"] >= timedelta(hours=2)

    rare = [idle(672900001, 35.5004, 13.5, 2, msg_type=18, start_min=m) for m in (0, 150)]
    assert encounters(ship + [r for p in rare for r in p], (636000002,)).is_empty()
    # Heard beside the ship, then 10 nm away an hour later: it left, at 10 kn.
    went = idle(672900001, 35.5004, 13.5, 2, msg_type=18, start_min=20) + idle(
        672900001, 35.6670, 13.5, 2, msg_type=18, start_min=80
    )
    assert encounters(ship + went, (636000002,)).is_empty()


def test_a_boat_alongside_is_judged_by_its_time_not_its_report_rate() -> None:
    """Class B reports every 3 min alongside and every 30 s under way: the five minutes
    in which the boat lay alongside for three and made off for the last one are still
    spent alongside, so thirty minutes together are thirty, not twenty-five."""
    ship = idle(636000002, 35.5, 13.5, 60)
    alongside = [  # 10:00 to 37:00, one report every 3 min
        r
        for m in range(10, 40, 3)
        for r in idle(672900001, 35.5004, 13.5, 0.5, msg_type=18, sog=0.4, start_min=m)
    ]
    leaving = [  # from 39:00, 7 kn north, one report every 30 s
        {**r, "lat": 35.5004 + 0.00097 * i}  # 108 m per report
        for i, r in enumerate(
            idle(672900001, 35.5004, 13.5, 10, every_s=30, msg_type=18, sog=7.0, start_min=39)
        )
    ]
    [event] = encounters(ship + alongside + leaving, (636000002,)).to_dicts()
    assert json.loads(event["evidence"])["minutes"] == 30


def test_a_boat_last_heard_arriving_and_next_heard_alongside_was_alongside_between() -> None:
    """Its silence is bridged as a departing boat's is: slow on one side of it, and
    covering no more ground across it than a boat adrift. Twenty-five minutes heard
    alongside and fifteen unheard after arriving make forty together."""
    ship = idle(636000002, 35.5, 13.5, 90)
    arriving = [  # 7 kn from 1.2 km south, one report every 30 s, there at 10:00
        {**r, "lat": 35.4932 + 0.00097 * i}
        for i, r in enumerate(idle(672900001, 35.4932, 13.5, 10, msg_type=18, sog=7.0))
    ]
    alongside = [  # heard from 25:00 to 49:00, one report every 3 min
        r
        for m in range(25, 50, 3)
        for r in idle(672900001, 35.5004, 13.5, 0.5, msg_type=18, sog=0.4, start_min=m)
    ]
    [event] = encounters(ship + arriving + alongside, (636000002,)).to_dicts()
    assert json.loads(event["evidence"])["minutes"] >= 35
    # Fast on both sides of the silence, nothing shows it stopped: not bridged.
    back = [
        {**r, "lat": 35.5004 - 0.00097 * i}
        for i, r in enumerate(idle(672900001, 35.5004, 13.5, 5, msg_type=18, sog=7.0))
    ]
    assert encounters(
        ship
        + arriving
        + [
            {**r, "ts": r["ts"] + timedelta(minutes=45)}  # type: ignore[operator]
            for r in back
        ],
        (636000002,),
    ).is_empty()


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


def plots(
    contact_id: str,
    lat: float,
    lon: float,
    minutes: float,
    *,
    sensor_id: str = "MPA-1",
    every_min: float = 5,
    length_m: float = 30.0,
    speed_kn: float | None = 0.7,
) -> list[dict[str, object]]:
    return [
        {
            "contact_id": contact_id,
            "sensor": "aircraft",
            "sensor_id": sensor_id,
            "ts": T0 + timedelta(minutes=i * every_min),
            "lat": lat + 1e-6 * i,
            "lon": lon,
            "speed_kn": speed_kn,
            "length_m": length_m,
            "classification": "small_craft" if length_m <= 15 else "fishing",
        }
        for i in range(int(minutes / every_min))
    ]


def sensor_encounters(
    contact_rows: list[dict[str, object]], ais_rows: list[dict[str, object]] | None = None
) -> pl.DataFrame:
    found = detect(
        make_positions(ais_rows or []),
        vessels=particulars(247000001, 636000002),
        contacts=make_contacts(contact_rows),
    )
    return found.filter(pl.col("type") == "encounter")


def test_a_small_boat_alongside_a_trawler_beyond_receiver_range_is_seen_by_the_aircraft() -> None:
    """No AIS at all: one aircraft's radar holds both boats, 60 m apart, for 45 minutes."""
    rows = plots("MPA-1-7", 34.0, 12.0, 45) + plots("MPA-1-8", 34.00055, 12.0, 45, length_m=9)
    [event] = sensor_encounters(rows).to_dicts()
    assert event["contact_id"] == ["MPA-1-7", "MPA-1-8"]
    assert event["mmsi"] == []
    evidence = json.loads(event["evidence"])
    assert evidence["variant"] == "small_craft_alongside"
    assert evidence["seen_by"] == ["MPA-1"]


def test_one_boat_seen_by_two_sensors_does_not_meet_itself() -> None:
    rows = plots("MPA-1-7", 34.0, 12.0, 180) + plots(
        "RAD-2-7", 34.0002, 12.0, 180, sensor_id="RAD-2"
    )
    assert sensor_encounters(rows).is_empty()


def test_a_sensor_that_loses_the_pair_for_twenty_minutes_still_sees_one_meeting() -> None:
    before = plots("MPA-1-7", 34.0, 12.0, 30) + plots("MPA-1-8", 34.0005, 12.0, 30, length_m=9)
    after = [
        {**row, "ts": row["ts"] + timedelta(minutes=50)}  # type: ignore[operator]
        for row in plots("MPA-1-7", 34.0, 12.0, 30) + plots("MPA-1-8", 34.0005, 12.0, 30)
    ]
    [event] = sensor_encounters(before + after).to_dicts()
    assert event["end"] - event["start"] >= timedelta(minutes=75)


def test_a_meeting_on_ais_and_on_the_aircraft_radar_is_one_event_naming_both() -> None:
    ais = idle(247000001, 34.0, 12.0, 180) + idle(636000002, 34.0025, 12.0, 180)
    radar = plots("MPA-1-1", 34.0, 12.0, 180) + plots("MPA-1-2", 34.0025, 12.0, 180)
    [event] = sensor_encounters(radar, ais).to_dicts()
    assert sorted(event["mmsi"]) == [247000001, 636000002]
    assert event["contact_id"] == ["MPA-1-1", "MPA-1-2"]
    assert json.loads(event["evidence"])["seen_by"] == ["MPA-1", "ais"]
