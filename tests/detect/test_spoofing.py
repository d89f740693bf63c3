"""Spoofing: second tracks on one MMSI, jumps, positions inland."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from watchkeeper.detect.engine import detect
from watchkeeper.geo.landmask import land_mask
from watchkeeper.settings import load_settings
from watchkeeper.testing import make_positions

T0 = datetime(2026, 7, 15, 3, 0, tzinfo=UTC)
KNOT_DEG = 1852 / 111_320 / 3600  # degrees of latitude per second at one knot


def sailing(
    mmsi: int,
    start_s: float,
    end_s: float,
    every_s: float,
    lat: float,
    lon: float,
    kn: float = 12.0,
    cog: float = 0.0,
    at_s: float | None = None,
) -> list[dict[str, object]]:
    """A vessel sailing `cog` (north by default) at `kn`, at (lat, lon) at `at_s` (by
    default `start_s`), reporting every `every_s` seconds."""
    rows = []
    s = start_s
    north, east = math.cos(math.radians(cog)), math.sin(math.radians(cog))
    while s <= end_s:
        run_deg = kn * KNOT_DEG * (s - (start_s if at_s is None else at_s))
        rows.append(
            {
                "mmsi": mmsi,
                "ts": T0 + timedelta(seconds=s),
                "lat": lat + run_deg * north,
                "lon": lon + run_deg * east / math.cos(math.radians(lat)),
                "sog": kn,
                "cog": cog,
            }
        )
        s += every_s
    return rows


def of_type(rows: list[dict[str, object]], kind: str, **kwargs: object) -> pl.DataFrame:
    return detect(make_positions(rows), **kwargs).filter(pl.col("type") == kind)


def test_two_transmitters_on_one_mmsi_are_identity_spoofing() -> None:
    real = sailing(247123456, 0, 3600, 10, 36.0, 12.0)
    clone = sailing(247123456, 5, 3605, 30, 37.5, 14.0)  # 180 km away, heard at the same time
    [event] = of_type(real + clone, "identity_spoofing").to_dicts()
    evidence = json.loads(event["evidence"])
    assert evidence["variant"] == "shared_mmsi"
    assert evidence["apart_nm"] > 90
    assert of_type(real + clone, "position_spoofing").is_empty()


def test_positions_that_jump_away_and_back_are_position_spoofing() -> None:
    before = sailing(247123456, 0, 1800, 10, 36.0, 12.0)
    jumped = sailing(
        247123456, 1810, 3600, 10, 36.6, 13.0
    )  # 100 km east, while the real one is silent
    after = sailing(247123456, 3610, 5400, 10, 36.0 + 12 * KNOT_DEG * 3610, 12.0)
    [event] = of_type(before + jumped + after, "position_spoofing").to_dicts()
    assert json.loads(event["evidence"])["variant"] == "jump"
    assert event["start"] == T0 + timedelta(seconds=1810)
    assert event["end"] == T0 + timedelta(seconds=3600)


def test_a_silence_crossed_faster_than_the_ship_reports_is_a_jump() -> None:
    before = sailing(247123456, 0, 600, 10, 36.0, 12.0, kn=10.0)
    # Three hours unheard, then 130 nm away: 43 kn on average, four times its own speed.
    after = sailing(
        247123456, 600 + 3 * 3600, 600 + 3 * 3600 + 600, 10, 36.0 + 130 / 60, 12.0, kn=10.0
    )
    assert (
        json.loads(of_type(before + after, "position_spoofing")["evidence"][0])["variant"] == "jump"
    )


def test_a_fast_crossing_of_a_coverage_gap_at_the_reported_speed_is_not() -> None:
    before = sailing(247123456, 0, 600, 10, 36.0, 12.0, kn=18.0)
    after = sailing(
        247123456, 600 + 3600, 1200 + 3600, 10, 36.0 + 18 * KNOT_DEG * 4200, 12.0, kn=18.0
    )
    assert of_type(before + after, "position_spoofing").is_empty()


def test_a_single_wild_position_is_a_glitch_not_an_event() -> None:
    rows = sailing(247123456, 0, 1800, 10, 36.0, 12.0)
    rows[90] = {**rows[90], "lat": 40.0}
    assert of_type(rows, "position_spoofing").is_empty()
    assert of_type(rows, "identity_spoofing").is_empty()


@pytest.fixture(scope="module")
def land():  # noqa: ANN201 - LandMask
    mask = land_mask(load_settings().geo_dir)
    if not mask.covers([34.0], [9.5])[0]:
        pytest.skip("the node's land mask does not cover Tunisia")
    return mask


def test_positions_inland_are_position_spoofing_but_a_harbour_is_not(land) -> None:  # noqa: ANN001
    inland = [
        {
            "mmsi": 672111111,
            "ts": T0 + timedelta(seconds=10 * i),
            "lat": 34.0,
            "lon": 9.5,
            "sog": 0.0,
        }
        for i in range(5)
    ]  # the Tunisian interior, 80 km from the sea
    harbour = [
        {
            "mmsi": 672222222,
            "ts": T0 + timedelta(seconds=10 * i),
            "lat": 36.8065,
            "lon": 10.3070,
            "sog": 0.0,
        }
        for i in range(5)
    ]  # La Goulette, alongside
    found = of_type(inland + harbour, "position_spoofing", land=land)
    assert found["mmsi"].to_list() == [[672111111]]
    assert json.loads(found["evidence"][0])["variant"] == "on_land"


def test_a_jump_onto_land_is_reported_once_as_on_land(land) -> None:  # noqa: ANN001
    at_sea = sailing(672333333, 0, 1800, 10, 36.5, 11.5)  # Gulf of Hammamet, open water
    inland = [
        {
            "mmsi": 672333333,
            "ts": T0 + timedelta(seconds=1810 + 10 * i),
            "lat": 34.0,
            "lon": 9.5,
            "sog": 12.0,
        }
        for i in range(6)
    ]
    back = sailing(672333333, 1900, 3600, 10, 36.5 + 12 * KNOT_DEG * 1900, 11.5)
    [event] = of_type(at_sea + inland + back, "position_spoofing", land=land).to_dicts()
    assert json.loads(event["evidence"])["variant"] == "on_land"


def test_positions_pinned_inland_after_a_silence_are_not_a_second_transmitter(land) -> None:  # noqa: ANN001
    """Unheard for an hour, then reporting from the Tunisian interior, then heard on its
    way again: the transponder spoofed, not a clone (a clone sails at sea)."""
    at_sea = sailing(672333333, 0, 1800, 10, 36.5, 11.5)
    inland = [
        {"mmsi": 672333333, "ts": T0 + timedelta(seconds=5400 + 10 * i), "lat": 34.0, "lon": 9.5}
        for i in range(60)
    ]
    back = sailing(672333333, 9000, 10800, 10, 36.5 + 12 * KNOT_DEG * 9000, 11.5)
    rows = at_sea + inland + back
    assert of_type(rows, "identity_spoofing", land=land).is_empty()
    [event] = of_type(rows, "position_spoofing", land=land).to_dicts()
    assert json.loads(event["evidence"])["variant"] == "on_land"


def test_a_clone_heard_while_the_genuine_ship_is_out_of_range_is_identity_spoofing() -> None:
    """The genuine ship sails on unheard for hours; meanwhile another transmitter uses
    its MMSI 130 nm away, on a course of its own; then the genuine ship is heard again
    where it should be."""
    genuine_before = sailing(247123456, 0, 1800, 10, 36.0, 12.0, kn=10.0)
    clone = sailing(247123456, 2 * 3600, 4 * 3600, 10, 36.0 + 130 / 60, 13.0, kn=11.0, cog=250)
    genuine_after = sailing(
        247123456, 5 * 3600, 5 * 3600 + 1800, 10, 36.0 + 10 * KNOT_DEG * 5 * 3600, 12.0, kn=10.0
    )
    rows = genuine_before + clone + genuine_after
    [event] = of_type(rows, "identity_spoofing").to_dicts()
    assert json.loads(event["evidence"])["variant"] == "shared_mmsi"
    assert event["start"] == T0 + timedelta(hours=2)
    assert of_type(rows, "position_spoofing").is_empty()


def test_a_track_that_keeps_the_ships_motion_far_away_is_its_positions_jumping() -> None:
    """The ship goes unheard for an hour, then is heard 60 nm east sailing exactly its
    course and speed, then back where it should be: its own positions shifted (a
    spoofed GNSS fix), however long the silence before, not a second ship."""
    east = 60 / 60 / math.cos(math.radians(36.0))  # 60 nm, in degrees of longitude

    def leg(start_s: float, end_s: float, lon: float) -> list[dict[str, object]]:
        return sailing(247123456, start_s, end_s, 10, 36.0, lon, kn=12.0, cog=30.0, at_s=0.0)

    before, jumped, after = leg(0, 1800, 12.0), leg(5400, 9000, 12.0 + east), leg(9010, 10800, 12.0)
    rows = before + jumped + after
    [event] = of_type(rows, "position_spoofing").to_dicts()
    assert json.loads(event["evidence"])["variant"] == "jump"
    assert event["start"] == T0 + timedelta(seconds=5400)
    assert of_type(rows, "identity_spoofing").is_empty()


def test_a_ship_that_takes_over_the_mmsi_on_another_course_is_a_second_ship() -> None:
    """The genuine ship is last heard sailing north; a minute later a transmitter 150 nm
    away takes its MMSI, sailing west at another speed, and the genuine ship is never
    heard again: a second ship on the MMSI, not the first one's positions jumping."""
    genuine = sailing(247123456, 0, 3600, 10, 36.0, 12.0, kn=12.0)
    clone = sailing(247123456, 3660, 3660 + 2 * 3600, 10, 34.0, 14.0, kn=9.0, cog=270)
    rows = genuine + clone
    [event] = of_type(rows, "identity_spoofing").to_dicts()
    assert json.loads(event["evidence"])["variant"] == "shared_mmsi"
    assert of_type(rows, "position_spoofing").is_empty()


def test_a_ship_heard_for_a_minute_before_its_positions_jump_is_judged_by_its_reports() -> None:
    """Two minutes of reports are too few to measure its course between positions; the
    speed and course it reports say the jumped track keeps its motion, though the ship,
    heard again hours later, has since turned."""
    east = 60 / 60 / math.cos(math.radians(36.0))
    before = sailing(247123456, 0, 120, 10, 36.0, 12.0, kn=12.0, cog=30.0)
    jumped = sailing(247123456, 130, 3600, 10, 36.0, 12.0 + east, kn=12.0, cog=30.0, at_s=0.0)
    turned = sailing(247123456, 4 * 3600, 5 * 3600, 10, 36.3, 12.4, kn=12.0, cog=300.0)
    rows = before + jumped + turned
    [event] = of_type(rows, "position_spoofing").to_dicts()
    assert json.loads(event["evidence"])["variant"] == "jump"
    assert of_type(rows, "identity_spoofing").is_empty()
