"""AIS gaps: silences where receivers would have heard the vessel, and only those."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import polars as pl

from watchkeeper.detect.engine import detect
from watchkeeper.testing import make_positions

T0 = datetime(2026, 7, 15, 3, 0, tzinfo=UTC)
HOURS = 4


def reports(
    mmsi: int,
    lat: float,
    lon: float,
    *,
    every_s: float = 10,
    sog: float = 10.0,
    silent: tuple[float, float] | None = None,
    until_s: float = HOURS * 3600,
    **extra: object,
) -> list[dict[str, object]]:
    """A vessel sailing slowly east at (lat, lon), heard every `every_s`, except while `silent`."""
    rows = []
    s = 0.0
    while s <= until_s:
        if silent is None or not silent[0] <= s < silent[1]:
            rows.append(
                {
                    "mmsi": mmsi,
                    "ts": T0 + timedelta(seconds=s),
                    "lat": lat,
                    "lon": lon + 1e-6 * s,
                    "sog": sog,
                    "cog": 90.0,
                    **extra,
                }
            )
        s += every_s
    return rows


def neighbours(lat: float, lon: float) -> list[dict[str, object]]:
    """Traffic heard steadily all the time around (lat, lon): the area is in coverage."""
    return reports(247000101, lat + 0.02, lon) + reports(247000102, lat - 0.02, lon + 0.01)


def gaps(rows: list[dict[str, object]]) -> pl.DataFrame:
    return detect(make_positions(rows)).filter(pl.col("type") == "ais_gap")


def test_a_silence_inside_coverage_is_a_gap() -> None:
    rows = reports(247123456, 36.0, 12.0, silent=(3600, 7200)) + neighbours(36.0, 12.0)
    [event] = gaps(rows).to_dicts()
    assert event["mmsi"] == [247123456]
    assert event["start"] == T0 + timedelta(seconds=3590)
    assert event["end"] == T0 + timedelta(seconds=7200)
    assert event["detected"] == T0 + timedelta(seconds=3590 + 1800)
    assert json.loads(event["evidence"])["still_dark"] is False


def test_a_silence_where_nobody_is_heard_is_not() -> None:
    assert gaps(reports(247123456, 36.0, 12.0, silent=(3600, 7200))).is_empty()


def test_a_short_silence_is_not() -> None:
    rows = reports(247123456, 36.0, 12.0, silent=(3600, 4800)) + neighbours(36.0, 12.0)
    assert gaps(rows).is_empty()


def test_a_vessel_fading_out_of_range_is_not() -> None:
    fading = [
        r
        for i, r in enumerate(reports(247123456, 36.0, 12.0, silent=(3600, 7200)))
        if not (3300 <= i * 10 < 3600 and i % 5)
    ]
    assert gaps(fading + neighbours(36.0, 12.0)).is_empty()


def test_a_moored_vessel_switching_off_is_not() -> None:
    rows = reports(
        247123456, 36.0, 12.0, sog=0.0, every_s=180, nav_status=5, silent=(3600, 10800)
    ) + neighbours(36.0, 12.0)
    assert gaps(rows).is_empty()


def test_a_vessel_still_dark_at_the_end_is_an_open_gap() -> None:
    rows = reports(247123456, 36.0, 12.0, until_s=3600) + neighbours(36.0, 12.0)
    [event] = gaps(rows).to_dicts()
    assert event["end"] is None
    assert json.loads(event["evidence"])["still_dark"] is True
