"""Zones from GeoJSON, and loitering in a departure-coast zone."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from shapely.geometry import box

from watchkeeper.detect.engine import detect
from watchkeeper.errors import InputError
from watchkeeper.geo.landmask import land_mask
from watchkeeper.geo.shore import shore_distance_if_built
from watchkeeper.geo.zones import Zone, ZoneSet, read_zones, zones_geojson
from watchkeeper.settings import load_settings
from watchkeeper.sim.coasts import scenario_zones
from watchkeeper.sim.scenario import load_scenario
from watchkeeper.testing import make_positions

T0 = datetime(2026, 7, 15, 21, 0, tzinfo=UTC)
COAST = Zone("departure_coast", "Test coast", "test", "hand-drawn", box(11.0, 34.0, 11.5, 34.5))


def write(path: Path, features: object) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def test_zones_round_trip_through_geojson(tmp_path: Path) -> None:
    path = tmp_path / "zones.geojson"
    path.write_text(json.dumps(zones_geojson([COAST])))
    [zone] = read_zones(path)
    assert (zone.kind, zone.name, zone.authority) == ("departure_coast", "Test coast", "test")
    assert zone.geometry.equals(COAST.geometry)


@pytest.mark.parametrize(
    ("feature", "message"),
    [
        (
            {"type": "Feature", "properties": {"kind": "harbour", "name": "x"}, "geometry": None},
            "kind 'harbour' is not one of",
        ),
        ({"type": "Feature", "properties": {"kind": "border"}, "geometry": None}, "needs a name"),
        (
            {
                "type": "Feature",
                "properties": {"kind": "departure_coast", "name": "x"},
                "geometry": {"type": "Point", "coordinates": [11, 34]},
            },
            "a departure_coast is a Polygon or MultiPolygon, not a Point",
        ),
        (
            {
                "type": "Feature",
                "properties": {"kind": "crossing_point", "name": "x"},
                "geometry": {"type": "Point", "coordinates": [200, 34]},
            },
            "outside [lon, lat]",
        ),
    ],
)
def test_bad_zone_files_are_refused_naming_the_feature(
    tmp_path: Path, feature: dict, message: str
) -> None:
    path = write(tmp_path / "bad.geojson", [feature])
    with pytest.raises(InputError, match="feature 0") as caught:
        read_zones(path)
    assert message in str(caught.value)


def test_not_geojson_at_all(tmp_path: Path) -> None:
    path = tmp_path / "x.geojson"
    path.write_text("{ nope")
    with pytest.raises(InputError, match="not JSON"):
        read_zones(path)


def test_zone_containment_is_vectorised() -> None:
    zones = ZoneSet([COAST])
    assert zones.containing("departure_coast", [34.2, 35.0], [11.2, 11.2]).tolist() == [0, -1]
    assert zones.containing("area_of_interest", [34.2], [11.2]).tolist() == [-1]


def test_scenario_coasts_become_zones_around_their_beach_points() -> None:
    scenario = load_scenario("central-med")
    zones = scenario_zones(scenario)
    kinds = {z.kind for z in zones}
    assert kinds == {"departure_coast", "landing_coast"}
    first = scenario.departure_coasts[0]
    lat, lon = first.points[0]
    assert ZoneSet(zones).containing("departure_coast", [lat], [lon]).tolist()[0] >= 0


def idling(
    mmsi: int, lat: float, lon: float, hours: float, sog: float = 0.7, **extra: object
) -> list[dict[str, object]]:
    return [
        {
            "mmsi": mmsi,
            "ts": T0 + timedelta(seconds=180 * i),
            "lat": lat + 0.0002 * (i % 7),
            "lon": lon,
            "sog": sog,
            "msg_type": 18,
            **extra,
        }
        for i in range(int(hours * 20))
    ]


def loiterers(rows: list[dict[str, object]]) -> pl.DataFrame:
    found = detect(make_positions(rows), zones=ZoneSet([COAST]))
    return found.filter(pl.col("type") == "loitering")


def test_idling_for_hours_in_a_departure_coast_zone_at_night_is_loitering() -> None:
    [event] = loiterers(idling(672000001, 34.2, 11.2, 3)).to_dicts()
    assert event["detected"] - event["start"] >= timedelta(hours=2)
    evidence = json.loads(event["evidence"])
    assert evidence["zone"] == "Test coast"
    assert evidence["night_share"] == 1.0
    assert event["score"] == pytest.approx(1.0)


def test_no_loitering_outside_zones_too_briefly_or_while_fishing() -> None:
    rows = (
        idling(672000002, 35.2, 11.2, 3)  # outside the zone
        + idling(672000003, 34.3, 11.3, 1)  # an hour only
        + idling(672000004, 34.1, 11.1, 3, nav_status=7, msg_type=1)  # fishing
        + idling(672000005, 34.4, 11.4, 3, sog=3.5)  # under way
    )
    assert loiterers(rows).is_empty()


def test_a_crowd_lying_still_is_an_anchorage_not_loitering() -> None:
    rows = [
        r for m in range(4) for r in idling(672000010 + m, 34.25 + 0.001 * m, 11.25, 3, sog=0.1)
    ]
    assert loiterers(rows).is_empty()


def test_a_boat_heard_only_at_hourly_passes_idling_in_one_place_is_loitering() -> None:
    """Far from receivers a satellite hears the boat for a few minutes each hour."""
    passes = [r for r in idling(672000021, 34.2, 11.2, 4) if r["ts"].minute < 10]  # type: ignore[attr-defined]
    [event] = loiterers(passes).to_dicts()
    assert event["end"] - event["start"] >= timedelta(hours=3)
    # Heard as seldom but 10 nm further on at each pass: under way, not idling.
    moving = [
        {**r, "lat": 34.0 + 0.17 * (r["ts"] - T0).total_seconds() / 3600}  # type: ignore[operator]
        for r in idling(672000022, 34.0, 11.3, 4)
        if r["ts"].minute < 10  # type: ignore[attr-defined]
    ]
    assert loiterers(moving).is_empty()


def test_boats_idling_together_are_loitering_not_an_anchorage() -> None:
    """Three boats waiting at one spot, their speed over ground wandering between 0.3 and
    1.2 kn: now and then each is as slow as a ship at anchor, but none lies still."""
    rows = [
        {**r, "sog": (0.3, 0.8, 1.2)[i % 3]}
        for m in range(3)
        for i, r in enumerate(idling(672000030 + m, 34.25 + 0.001 * m, 11.25, 3))
    ]
    assert sorted(loiterers(rows)["mmsi"].to_list()) == [[672000030], [672000031], [672000032]]


def test_idling_a_kilometre_off_the_beach_is_loitering() -> None:
    """Boats waiting for their passengers lie just off the beach, not miles out."""
    geo = load_settings().geo_dir
    land, shore = land_mask(geo), shore_distance_if_built(geo)
    off_zarzis = (33.53, 11.13)  # 1.1 km off the beach north of Zarzis
    if shore is None or not land.covers([off_zarzis[0]], [off_zarzis[1]])[0]:
        pytest.skip("the node's land mask or distance to shore does not cover Tunisia")
    zarzis = Zone("departure_coast", "Zarzis", "test", "drawn", box(11.0, 33.3, 11.4, 33.7))
    rows = idling(672000040, *off_zarzis, 3)
    found = detect(make_positions(rows), zones=ZoneSet([zarzis]), land=land, shore=shore)
    assert found.filter(pl.col("type") == "loitering")["mmsi"].to_list() == [[672000040]]
