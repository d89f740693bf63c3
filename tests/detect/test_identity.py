"""Identities that cannot be right: MMSI form and MID, IMO check digit, renames."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from watchkeeper.ais.identifiers import MID_COUNTRY, country_of, valid_imo, valid_vessel_mmsi
from watchkeeper.detect.engine import detect
from watchkeeper.testing import make_positions, make_vessels

T0 = datetime(2026, 7, 15, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("mmsi", "valid"),
    [
        (672123456, True),  # Tunisia
        (247123456, True),  # Italy
        (654123456, True),  # Mauritania
        (982471234, True),  # craft of an Italian parent ship
        (111247100, True),  # Italian SAR aircraft
        (970123456, True),  # AIS-SART
        (123456789, False),  # no ship MMSI starts with 1
        (111111111, False),  # SAR aircraft of MID 111, which does not exist
        (260000000, False),  # MID 260 is not allocated
        (2471234, False),  # too short
        (0, False),
    ],
)
def test_vessel_mmsi_validity(mmsi: int, valid: bool) -> None:
    assert bool(valid_vessel_mmsi([mmsi])[0]) is valid


def test_mid_table_countries() -> None:
    assert (country_of(672000001), country_of(247000001), country_of(654000001)) == (
        "TN",
        "IT",
        "MR",
    )
    assert MID_COUNTRY[270] == "CZ"
    assert len(MID_COUNTRY) > 280


def test_imo_check_digit() -> None:
    # 9074729: 9*7 + 0*6 + 7*5 + 4*4 + 7*3 + 2*2 = 139, last digit 9.
    assert valid_imo(np.array([9074729, 9074728, 123, 0])).tolist() == [True, False, False, False]


def _reports(mmsi: int, n: int = 5) -> list[dict[str, object]]:
    return [
        {
            "mmsi": mmsi,
            "ts": T0 + timedelta(seconds=10 * i),
            "lat": 36.0,
            "lon": 12.0 + 0.0005 * i,
            "sog": 10.0,
        }
        for i in range(n)
    ]


def identity_events(
    positions: list[dict[str, object]], vessels: list[dict[str, object]] | None = None
) -> pl.DataFrame:
    found = detect(make_positions(positions), vessels=make_vessels(vessels) if vessels else None)
    return found.filter(pl.col("type") == "identity_spoofing")


def test_an_impossible_mmsi_is_identity_spoofing_from_its_first_report() -> None:
    [event] = identity_events(_reports(123456789) + _reports(247123456)).to_dicts()
    assert event["mmsi"] == [123456789]
    assert event["detected"] == T0
    assert json.loads(event["evidence"]) == {"variant": "invalid_mmsi", "reports": 5}


def test_an_imo_with_a_wrong_check_digit() -> None:
    vessels = [{"mmsi": 247123456, "ts": T0, "imo": 9074728, "name": "NAVE"}]
    [event] = identity_events(_reports(247123456), vessels).to_dicts()
    assert json.loads(event["evidence"]) == {"variant": "invalid_imo", "imo": 9074728}


def test_renamed_twice_in_a_day_but_not_once() -> None:
    def named(mmsi: int, names: list[str]) -> list[dict[str, object]]:
        return [
            {"mmsi": mmsi, "ts": T0 + timedelta(hours=2 * i), "name": n}
            for i, n in enumerate(names)
        ]

    vessels = named(247000001, ["ALFA", "ALFA", "BRAVO", "CHARLIE"]) + named(
        247000002, ["DELTA", "ECHO", "ECHO"]
    )
    found = identity_events(_reports(247000001) + _reports(247000002), vessels)
    [event] = found.to_dicts()
    assert event["mmsi"] == [247000001]
    # It began after ALFA was last heard (2 h), and was sure at the second change (6 h).
    assert event["start"] == T0 + timedelta(hours=2)
    assert event["detected"] == T0 + timedelta(hours=6)
    assert json.loads(event["evidence"])["variant"] == "name_changes"
