"""Departures: a boat leaving a departure beach for the open sea, seen on AIS or by sensors."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
import shapely

from watchkeeper.detect.engine import detect
from watchkeeper.geo.landmask import LandMask, land_mask
from watchkeeper.geo.zones import Zone, ZoneSet
from watchkeeper.settings import load_settings
from watchkeeper.testing import make_contacts, make_positions, make_vessels

T0 = datetime(2026, 7, 14, 22, 0, tzinfo=UTC)  # 23:00 local solar time at Zarzis
BEACH = (33.53, 11.13)  # just off a beach north of Zarzis
# The sea within ~15 nm of the beach (a circle is enough for a test).
ZONES = ZoneSet(
    [Zone("departure_coast", "Zarzis", "test", "drawn", shapely.Point(11.15, 33.48).buffer(0.27))]
)


@pytest.fixture(scope="module")
def land() -> LandMask:
    mask = land_mask(load_settings().geo_dir)
    if not mask.covers([33.5], [11.1])[0]:
        pytest.skip("the node's land mask does not cover Tunisia")
    return mask


def voyage(
    start: tuple[float, float],
    bearing: float,
    knots: float,
    minutes: float,
    *,
    every_s: float = 30,
    t0: datetime = T0,
) -> list[tuple[datetime, float, float]]:
    """(time, lat, lon) along a rhumb line from `start`."""
    lat0, lon0 = start
    out = []
    for i in range(int(minutes * 60 / every_s)):
        run_deg = knots * 1852 / 3600 * i * every_s / 111_320
        out.append(
            (
                t0 + timedelta(seconds=i * every_s),
                lat0 + run_deg * math.cos(math.radians(bearing)),
                lon0 + run_deg * math.sin(math.radians(bearing)) / math.cos(math.radians(lat0)),
            )
        )
    return out


def reports(mmsi: int, points: list[tuple[datetime, float, float]], sog: float) -> list[dict]:
    return [
        {"mmsi": mmsi, "ts": t, "lat": lat, "lon": lon, "sog": sog, "cog": 45.0, "msg_type": 18}
        for t, lat, lon in points
    ]


def departures(rows: list[dict], land: LandMask, **kwargs: object) -> pl.DataFrame:
    found = detect(make_positions(rows), land=land, zones=ZONES, **kwargs)  # type: ignore[arg-type]
    return found.filter(pl.col("type") == "departure")


def test_a_boat_leaving_the_beach_for_the_open_sea_at_night_is_a_departure(land: LandMask) -> None:
    boat = reports(247000101, voyage(BEACH, 45, 6.5, 300), 6.5)
    events = departures(boat, land)
    assert events["mmsi"].to_list() == [[247000101]]
    event = events.row(0, named=True)
    assert event["start"] - T0 < timedelta(minutes=30)  # the last report near the beach
    assert event["detected"] > event["start"]  # when it left the zone
    assert event["score"] == pytest.approx(0.9)  # at night
    assert json.loads(event["evidence"])["zone"] == "Zarzis"


def test_patrol_boats_cargo_ships_and_boats_that_come_back_are_not_departures(
    land: LandMask,
) -> None:
    patrol = reports(672000102, voyage(BEACH, 45, 6.5, 300), 6.5)
    cargo = reports(672000104, voyage(BEACH, 45, 6.5, 300), 6.5)  # sails from ports
    out = voyage(BEACH, 45, 6.0, 60)
    back = voyage((out[-1][1], out[-1][2]), 225, 6.0, 60, t0=out[-1][0] + timedelta(seconds=30))
    fisher = reports(247000103, out + back, 6.0)
    vessels = make_vessels(
        [
            {"mmsi": 672000102, "ts": T0, "ship_type": 55},  # law enforcement
            {"mmsi": 672000104, "ts": T0, "ship_type": 70},  # cargo
        ]
    )
    assert departures(patrol + cargo + fisher, land, vessels=vessels).is_empty()


def test_a_boat_that_only_touches_the_coast_under_way_is_passing_not_leaving(
    land: LandMask,
) -> None:
    """Two hours in from the sea to the beach, then straight back out: no one boarded a
    boat that never slowed. The same boat idling at the beach for twenty minutes left."""
    inbound = [
        (T0 + timedelta(seconds=30 * i), lat, lon)
        for i, (_, lat, lon) in enumerate(reversed(voyage(BEACH, 45, 6.5, 120)))
    ]
    then = inbound[-1][0] + timedelta(seconds=30)
    outbound = voyage(BEACH, 45, 6.5, 300, t0=then)
    assert departures(reports(247000105, inbound + outbound, 6.5), land).is_empty()

    idle = [(then + timedelta(seconds=30 * i), BEACH[0], BEACH[1]) for i in range(40)]
    later = voyage(BEACH, 45, 6.5, 300, t0=then + timedelta(minutes=20))
    stopped = reports(247000105, inbound, 6.5) + reports(247000105, idle, 0.3)
    events = departures(stopped + reports(247000105, later, 6.5), land)
    assert events["mmsi"].to_list() == [[247000105]]


def test_positions_spoofed_onto_the_land_are_no_beach(land: LandMask) -> None:
    """A ship at sea whose transponder claims a spot inland for half an hour, then tells
    the truth again, out at sea: that is position spoofing, not a departure."""
    at_sea = voyage((33.75, 11.45), 45, 0.0, 60)
    inland = [(t + timedelta(hours=1), 33.45, 10.95) for t, _, _ in voyage(BEACH, 0, 0, 30)]
    back = voyage((33.75, 11.45), 45, 6.5, 240, t0=T0 + timedelta(minutes=90))
    rows = reports(247000106, at_sea, 0.2) + reports(247000106, inland, 0.0)
    assert departures(rows + reports(247000106, back, 6.5), land).is_empty()


def test_a_dark_boat_seen_at_sea_heading_away_from_the_coast_is_a_departure(
    land: LandMask,
) -> None:
    # Seen 30 nm out, four hours after it left, still heading north-east at 6 kn.
    seen_at = voyage(BEACH, 45, 6.0, 300)[-1]
    track = voyage((seen_at[1], seen_at[2]), 45, 6.0, 60, every_s=60, t0=seen_at[0])
    plots = make_contacts(
        {"contact_id": "RAD-1-0007", "ts": t, "lat": lat, "lon": lon} for t, lat, lon in track
    )
    # A ship heard steadily nearby shows AIS reception is good there.
    ship = reports(
        247000104, voyage((seen_at[1] + 0.05, seen_at[2]), 90, 10, 60, t0=seen_at[0]), 10
    )
    events = departures(ship, land, contacts=plots)
    assert events["contact_id"].to_list() == [["RAD-1-0007"]]
    assert json.loads(events.row(0, named=True)["evidence"])["zone"] == "Zarzis"
    # The same boat heading for the coast is not leaving it.
    inbound = make_contacts(
        {"contact_id": "RAD-1-0008", "ts": t, "lat": lat, "lon": lon}
        for t, lat, lon in voyage((seen_at[1], seen_at[2]), 225, 6.0, 60, every_s=60, t0=seen_at[0])
    )
    assert departures(ship, land, contacts=inbound).is_empty()


def test_a_dark_boat_a_coastal_radar_holds_from_the_beach_to_the_open_sea_is_a_departure(
    land: LandMask,
) -> None:
    track = voyage(BEACH, 45, 6.0, 300, every_s=60)
    plots = make_contacts(
        {"contact_id": "RAD-ZRZ-0009", "ts": t, "lat": lat, "lon": lon} for t, lat, lon in track
    )
    # Ships heard alongside, 5 km off, show AIS reception is good all the way.
    ships = [
        row
        for k, (dlat, dlon) in enumerate(((0.0, 0.06), (0.05, 0.0), (-0.04, 0.08)))
        for row in reports(
            247000110 + k, voyage((BEACH[0] + dlat, BEACH[1] + dlon), 45, 6.0, 300), 6.0
        )
    ]
    [event] = departures(ships, land, contacts=plots).to_dicts()
    assert event["contact_id"] == ["RAD-ZRZ-0009"]
    assert event["start"] == T0  # picked up at the beach
    assert json.loads(event["evidence"])["seen"] == "leaving_the_coast"
    # A boat the radar first sees out at sea, crossing the zone along the coast, is not
    # leaving it there.
    along = voyage((33.75, 11.45), 200, 6.0, 240, every_s=60)
    passing = make_contacts(
        {"contact_id": "RAD-ZRZ-0010", "ts": t, "lat": lat, "lon": lon} for t, lat, lon in along
    )
    assert departures(ships, land, contacts=passing).is_empty()


def test_a_dark_boat_first_seen_well_out_and_heading_inshore_is_not_leaving(
    land: LandMask,
) -> None:
    """Picked up 30 km off inside a departure-coast zone, heading for the coast, and
    crossing the zone's edge still 20 km out: the radar did not see it leave a beach."""
    zone = Zone(
        "departure_coast", "East of Zarzis", "test", "drawn", shapely.box(11.2, 33.4, 11.6, 33.75)
    )
    track = voyage((33.62, 11.45), 200, 7.0, 260, every_s=60)
    plots = make_contacts(
        {"contact_id": "RAD-ZRZ-0011", "ts": t, "lat": lat, "lon": lon} for t, lat, lon in track
    )
    ship = reports(247000112, voyage((33.62, 11.5), 200, 7.0, 260), 7.0)  # AIS heard there
    found = detect(make_positions(ship), land=land, zones=ZoneSet([zone]), contacts=plots)
    assert found.filter(pl.col("type") == "departure").is_empty()


def test_a_dark_boat_lost_from_sight_before_it_clears_the_zone_is_judged_by_its_course(
    land: LandMask,
) -> None:
    """A coastal radar holds a boat for its first hour off the beach and loses it still
    inside the zone: heading off the land, it left; heading for the beach, it came in."""
    out = voyage(BEACH, 45, 6.0, 60, every_s=60)
    back = [(t, lat, lon) for (t, _, _), (_, lat, lon) in zip(out, reversed(out), strict=True)]
    ships = [  # heard all round: the radar's boat is dark
        row
        for k, (dlat, dlon) in enumerate(((0.0, 0.06), (0.05, 0.0), (-0.04, 0.08)))
        for row in reports(
            247000113 + k, voyage((BEACH[0] + dlat, BEACH[1] + dlon), 45, 6.0, 60), 6.0
        )
    ]
    for contact_id, track, left in (("RAD-ZRZ-0012", out, True), ("RAD-ZRZ-0013", back, False)):
        plots = make_contacts(
            {"contact_id": contact_id, "ts": t, "lat": lat, "lon": lon} for t, lat, lon in track
        )
        assert all(
            ZONES.containing("departure_coast", [lat], [lon])[0] == 0 for _, lat, lon in track
        )
        found = departures(ships, land, contacts=plots)
        assert found["contact_id"].to_list() == ([[contact_id]] if left else [])


def test_a_dark_boat_that_stops_at_sea_is_not_making_for_the_landing_coast(
    land: LandMask,
) -> None:
    """Where landing coasts are marked, a dark boat traced back to a departure coast must
    still be under way for one when last seen: one that came from that way and lies
    stopped for its last hour, 10 nm short of the landing beach, is idling, fishing or
    waiting, not crossing."""
    seen_at = voyage(BEACH, 45, 6.0, 300)[-1]
    going = voyage((seen_at[1], seen_at[2]), 45, 6.0, 120, every_s=60, t0=seen_at[0])
    stopped = going[:60] + [(t, going[59][1], going[59][2]) for t, _, _ in going[60:]]
    _, beach_lat, beach_lon = voyage(going[59][1:], 45, 6.0, 100)[-1]  # 10 nm on
    landing = Zone(
        "landing_coast", "Ahead", "test", "drawn", shapely.Point(beach_lon, beach_lat).buffer(0.27)
    )
    zones = ZoneSet([*ZONES.zones, landing])
    ships = [  # heard all round: the radar's boat is dark
        row
        for k, dlat in enumerate((0.05, -0.05))
        for row in reports(
            247000120 + k,
            voyage((seen_at[1] + dlat, seen_at[2] - 0.1), 90, 6.0, 120, t0=seen_at[0]),
            6.0,
        )
    ]
    for contact_id, track, crossing in (
        ("RAD-1-0020", going, True),
        ("RAD-1-0021", stopped, False),
    ):
        plots = make_contacts(
            {"contact_id": contact_id, "ts": t, "lat": lat, "lon": lon} for t, lat, lon in track
        )
        found = detect(make_positions(ships), land=land, zones=zones, contacts=plots)
        found = found.filter(pl.col("type") == "departure")
        assert found["contact_id"].to_list() == ([[contact_id]] if crossing else [])


def test_a_beach_and_an_exit_no_boat_could_sail_between_are_no_departure(
    land: LandMask,
) -> None:
    """A ship 20 nm out whose transponder claims a spot on the beach for half an hour (a
    spoofed fix, or a second ship on its MMSI), then tells the truth again, outside the
    zone: from the beach to there in 30 s is a run at thousands of knots, so no boat left
    the beach. The same boat sailing out from the beach at 6.5 kn left it."""
    beach = [(T0 + timedelta(seconds=30 * i), BEACH[0], BEACH[1]) for i in range(60)]
    then = beach[-1][0] + timedelta(seconds=30)
    far = voyage((33.78, 11.50), 45, 6.5, 120, t0=then)  # outside the zone
    spoofed = reports(247000130, beach, 0.3) + reports(247000130, far, 6.5)
    assert departures(spoofed, land).is_empty()
    sailed = reports(247000131, beach, 0.3) + reports(
        247000131, voyage(BEACH, 45, 6.5, 300, t0=then), 6.5
    )
    assert departures(sailed, land)["mmsi"].to_list() == [[247000131]]


def test_a_slow_dark_boat_is_judged_by_the_coast_its_course_meets_however_far(
    land: LandMask,
) -> None:
    """Seen 36 nm out of Zarzis making 3.5 kn for Lampedusa, 100 nm on: a day at that speed
    falls short of the island's waters, but the first land its course meets is the island."""
    lampedusa = Zone(
        "landing_coast", "Lampedusa", "test", "drawn", shapely.Point(12.6, 35.5).buffer(0.1)
    )
    zones = ZoneSet([*ZONES.zones, lampedusa])
    seen = (33.9, 11.7)
    # Its opening course, run back, leads to the Zarzis beach it left.
    back = math.degrees(
        math.atan2((seen[1] - BEACH[1]) * math.cos(math.radians(seen[0])), seen[0] - BEACH[0])
    )
    opening = voyage(seen, back, 3.5, 60, every_s=60)
    turn = opening[-1]
    island = (35.507, 12.59)  # Lampedusa's middle
    bearing = math.degrees(
        math.atan2((island[1] - turn[2]) * math.cos(math.radians(turn[1])), island[0] - turn[1])
    )
    closing = voyage((turn[1], turn[2]), bearing, 3.5, 60, every_s=60, t0=turn[0])
    track = opening + closing[1:]
    plots = make_contacts(
        {"contact_id": "MPA-1-0014", "ts": t, "lat": lat, "lon": lon} for t, lat, lon in track
    )
    # A ship heard alongside, 3 km off, shows AIS reception is good all the way.
    ships = reports(247000120, [(t, lat, lon + 0.03) for t, lat, lon in track], 3.5)
    found = detect(make_positions(ships), land=land, zones=zones, contacts=plots)
    assert found.filter(pl.col("type") == "departure")["contact_id"].to_list() == [["MPA-1-0014"]]
    # Linosa lies on the same course, beyond Lampedusa: the boat lands before it.
    linosa = Zone(
        "landing_coast", "Linosa", "test", "drawn", shapely.Point(12.86, 35.87).buffer(0.1)
    )
    beyond = detect(
        make_positions(ships), land=land, zones=ZoneSet([*ZONES.zones, linosa]), contacts=plots
    )
    assert beyond.filter(pl.col("type") == "departure").is_empty()
