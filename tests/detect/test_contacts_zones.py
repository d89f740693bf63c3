"""Detectors over sensor contacts and zones: dark targets, border crossings, zone entries."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import shapely
from shapely.geometry import LineString, Point

from watchkeeper.detect.border import side_of_line
from watchkeeper.detect.engine import detect
from watchkeeper.geo.zones import Zone, ZoneSet
from watchkeeper.testing import make_contacts, make_positions

T0 = datetime(2026, 7, 15, 1, 0, tzinfo=UTC)
KN_DEG_PER_S = 1852 / 3600 / 111_320


def sailing(
    mmsi: int, lat: float, lon: float, minutes: float, *, every_s: float = 30, sog: float = 10
) -> list[dict[str, object]]:
    """A vessel heading north at `sog` knots, reporting every `every_s` seconds."""
    return [
        {
            "mmsi": mmsi,
            "ts": T0 + timedelta(seconds=i * every_s),
            "lat": lat + i * every_s * sog * KN_DEG_PER_S,
            "lon": lon,
            "sog": float(sog),
            "cog": 0.0,
            "nav_status": 0,
        }
        for i in range(int(minutes * 60 / every_s))
    ]


def plots(
    contact_id: str,
    points: list[tuple[float, float]],
    *,
    every_s: float = 60,
    sensor: str = "radar",
    start: datetime = T0,
    classification: str = "small_craft",
) -> list[dict[str, object]]:
    return [
        {
            "contact_id": contact_id,
            "sensor": sensor,
            "sensor_id": f"{sensor}-1",
            "ts": start + timedelta(seconds=i * every_s),
            "lat": lat,
            "lon": lon,
            "classification": classification,
        }
        for i, (lat, lon) in enumerate(points)
    ]


def of_type(events: pl.DataFrame, kind: str) -> pl.DataFrame:
    return events.filter(pl.col("type") == kind)


# -- dark targets ----------------------------------------------------------------------


def test_a_track_with_no_ais_where_ais_is_heard_is_dark_and_one_with_ais_is_not() -> None:
    ship = sailing(247000001, 35.50, 12.60, 120)
    # The radar follows the ship (position error ~60 m) and a boat 5 km east of it.
    followed = [
        (r["lat"] + 0.0004, r["lon"] - 0.0003)  # type: ignore[operator]
        for r in ship[::2]
    ]
    boat = [(35.52 + i * 0.0005, 12.66) for i in range(60)]
    contacts = make_contacts([*plots("RAD-1-0001", followed), *plots("RAD-1-0002", boat, start=T0)])
    events = of_type(detect(make_positions(ship), contacts=contacts), "dark_target")
    assert events["contact_id"].to_list() == [["RAD-1-0002"]]
    event = events.row(0, named=True)
    assert event["start"] == T0
    assert event["detected"] == T0 + timedelta(minutes=1)  # the second unexplained plot
    assert event["priority"] == 2
    assert json.loads(event["evidence"])["explained_share"] == 0.0


def test_the_hour_under_way_counts_only_its_minutes_so_far() -> None:
    """The live node's data ends now: half an hour of steady reception is all the current
    hour can show, and it is enough. A past hour heard only half of the time is not."""
    ship = sailing(247000001, 35.50, 12.60, 25)  # 01:00 to 01:25, the data's end
    boat = [(35.52 + i * 0.0005, 12.66) for i in range(15)]
    contacts = make_contacts(plots("RAD-1-0004", boat, start=T0 + timedelta(minutes=5)))
    events = of_type(detect(make_positions(ship), contacts=contacts), "dark_target")
    assert events["contact_id"].to_list() == [["RAD-1-0004"]]

    later = sailing(247000009, 37.0, 15.0, 180)  # heard far away until 04:00
    data = make_positions(ship + later)
    assert of_type(detect(data, contacts=contacts), "dark_target").is_empty()


def test_a_dark_looking_track_beyond_ais_reception_raises_nothing() -> None:
    ship = sailing(247000001, 35.50, 12.60, 120)
    far_out = [(34.0 + i * 0.0005, 14.0) for i in range(60)]  # no vessel heard anywhere near
    contacts = make_contacts(plots("MPA-1-0003", far_out, sensor="aircraft"))
    events = detect(make_positions(ship), contacts=contacts)
    assert of_type(events, "dark_target").is_empty()


def test_a_vessel_heard_only_every_few_minutes_still_explains_the_plots_between() -> None:
    ship = sailing(247000001, 35.50, 12.60, 120, every_s=180, sog=12)
    helper = sailing(247000002, 35.55, 12.70, 120)  # keeps the cell in steady coverage
    # The radar sees the ship every minute, between its 3-minute reports.
    track = [(35.50 + s * 12 * KN_DEG_PER_S, 12.60) for s in range(0, 119 * 60, 60)]
    contacts = make_contacts(plots("RAD-1-0004", track))
    events = detect(make_positions([*ship, *helper]), contacts=contacts)
    assert of_type(events, "dark_target").is_empty()


def at_anchor(mmsi: int, lat: float, lon: float, minutes: float) -> list[dict[str, object]]:
    """A ship at anchor, reporting every 3 minutes (ITU-R M.1371)."""
    return [
        {**row, "lat": lat, "sog": 0.0, "nav_status": 1}
        for row in sailing(mmsi, lat, lon, minutes, every_s=180, sog=0)
    ]


def test_a_dark_boat_crossing_an_anchorage_is_not_explained_by_the_ships_it_passes() -> None:
    """Ten knots north through a line of anchored ships 600 m off its track: each is
    within the gate of a few of its plots, half of them in all, but no one ship keeps
    with it. A ship the radar holds at anchor among the others is explained by itself."""
    ships = [
        row for k in range(7) for row in at_anchor(247000020 + k, 35.50 + k * 0.027, 12.6066, 60)
    ]
    boat = [(35.50 + i * 10 * 60 * KN_DEG_PER_S, 12.60) for i in range(60)]
    held = [(35.5543 + 0.0004 * (-1) ** i, 12.6066) for i in range(60)]
    contacts = make_contacts([*plots("RAD-1-0005", boat), *plots("RAD-1-0006", held)])
    events = of_type(detect(make_positions(ships), contacts=contacts), "dark_target")
    assert events["contact_id"].to_list() == [["RAD-1-0005"]]
    assert json.loads(events.row(0, named=True)["evidence"])["explained_share"] < 0.2


# -- border crossings ------------------------------------------------------------------

BORDER = LineString([(11.0, 32.0), (11.0, 32.5)])  # north-south along 11 E
ZONES = ZoneSet(
    [
        Zone("border", "A-B border", "test", "drawn", BORDER),
        Zone("crossing_point", "Post", "test", "drawn", Point(11.0, 32.25)),
    ]
)


def walk(lat: float, lon0: float, lon1: float, n: int = 30) -> list[tuple[float, float]]:
    return [(lat, lon0 + (lon1 - lon0) * i / (n - 1)) for i in range(n)]


def test_sides_of_a_line_are_opposite_and_distances_in_metres() -> None:
    side, distance = side_of_line(BORDER, np.array([32.2, 32.2]), np.array([10.99, 11.01]))
    assert side[0] == -side[1]
    assert abs(distance[0] - 943) < 5  # 0.01 degree of longitude at 32.2 N


def test_crossing_away_from_the_post_is_an_event_at_the_line() -> None:
    contacts = make_contacts(
        plots(
            "GR-1-0001", walk(32.05, 10.97, 11.03), sensor="ground_radar", classification="person"
        )
    )
    events = of_type(detect(make_positions([]), zones=ZONES, contacts=contacts), "border_crossing")
    assert events["contact_id"].to_list() == [["GR-1-0001"]]
    event = events.row(0, named=True)
    assert abs(event["lon"] - 11.0) < 1e-6
    assert abs(event["lat"] - 32.05) < 1e-6
    evidence = json.loads(event["evidence"])
    assert evidence["km_from_crossing_point"] > 20
    assert event["detected"] > event["start"]


def test_crossing_at_the_post_and_walking_along_the_line_are_not_events() -> None:
    along = [(32.05 + i * 0.002, 11.0 + (0.0008 if i % 2 else -0.0008)) for i in range(60)]
    contacts = make_contacts(
        [
            *plots("GR-1-0002", walk(32.251, 10.97, 11.03), sensor="ground_radar"),
            *plots("GR-1-0003", along, sensor="ground_radar", classification="vehicle"),
        ]
    )
    events = detect(make_positions([]), zones=ZONES, contacts=contacts)
    assert of_type(events, "border_crossing").is_empty()


def test_boats_seen_by_a_coastal_radar_never_cross_a_land_border() -> None:
    contacts = make_contacts(plots("RAD-1-0009", walk(32.05, 10.97, 11.03)))  # a radar's boat
    events = detect(make_positions([]), zones=ZONES, contacts=contacts)
    assert of_type(events, "border_crossing").is_empty()


# -- zone entries ----------------------------------------------------------------------

AREA = ZoneSet(
    [Zone("area_of_interest", "Approaches", "ITCG", "drawn", shapely.box(12.5, 35.6, 12.8, 35.8))]
)


def test_entering_an_area_of_interest_is_an_event_open_while_inside() -> None:
    entering = sailing(247000003, 35.55, 12.65, 60)  # 10 kn north: crosses 35.6 N 18 min in
    inside_from_start = sailing(247000004, 35.65, 12.70, 30)
    events = of_type(
        detect(make_positions([*entering, *inside_from_start]), zones=AREA), "zone_entry"
    )
    assert events["mmsi"].to_list() == [[247000003]]
    event = events.row(0, named=True)
    assert event["end"] is None  # still inside when the data ends
    assert event["lat"] >= 35.6
    assert json.loads(event["evidence"])["zone"] == "Approaches"
    assert timedelta(minutes=18) <= event["start"] - T0 < timedelta(minutes=19)


def test_a_vessel_that_enters_and_leaves_has_an_ended_event() -> None:
    through = sailing(247000005, 35.55, 12.65, 150)  # 10 kn north: out of the box after ~80 min
    events = of_type(detect(make_positions(through), zones=AREA), "zone_entry")
    assert len(events) == 1
    event = events.row(0, named=True)
    assert event["end"] is not None
    assert event["end"] - event["start"] > timedelta(minutes=60)


def test_beyond_the_footprint_of_every_named_receiver_nothing_is_dark() -> None:
    """Receivers named in the data (tag block `s:`) each hear a region; a boat just
    outside it, in a grid cell where other vessels are heard, may carry AIS unheard."""
    heard = []
    for source, lat0, lon0 in (("rx-west", 35.50, 12.55), ("rx-east", 36.50, 13.50)):
        for k, mmsi in enumerate((247000011, 247000012, 247000013)):
            rows = sailing(mmsi + (100 if source == "rx-east" else 0), lat0, lon0 + 0.05 * k, 120)
            heard += [{**row, "source": source} for row in rows]
    # rx-west hears three ships heading north along 12.55, 12.60 and 12.65 E.
    inside = [(35.55 + i * 0.0005, 12.575) for i in range(60)]  # between them
    beyond = [(35.55 + i * 0.0005, 12.70) for i in range(60)]  # same grid cell, past the edge
    contacts = make_contacts([*plots("RAD-1-0021", inside), *plots("RAD-1-0022", beyond)])
    events = of_type(detect(make_positions(heard), contacts=contacts), "dark_target")
    assert events["contact_id"].to_list() == [["RAD-1-0021"]]


def test_an_empty_sea_inside_a_working_receivers_footprint_is_still_heard() -> None:
    """At night the sea off a receiver may carry no traffic at all: a boat there is dark
    while the receiver forwards anything that hour, and not while it is down."""
    heard = []
    for source, lat0, lon0 in (("rx-west", 35.50, 12.55), ("rx-east", 36.50, 13.50)):
        for k, mmsi in enumerate((247000011, 247000012, 247000013)):
            rows = sailing(mmsi + (100 if source == "rx-east" else 0), lat0, lon0 + 0.05 * k, 120)
            heard += [{**row, "source": source} for row in rows]
    later = [
        {**row, "ts": row["ts"] + timedelta(hours=3), "source": "rx-west"}  # type: ignore[operator]
        for row in sailing(247000014, 35.76, 12.55, 60)  # in another coverage cell
    ]
    track = [(35.55 + i * 0.0005, 12.60) for i in range(40)]  # amid where rx-west heard ships
    contacts = make_contacts(
        [
            *plots("RAD-1-0031", track, start=T0 + timedelta(hours=3)),  # rx-west working
            *plots("RAD-1-0032", track, start=T0 + timedelta(hours=5)),  # rx-west silent
        ]
    )
    events = of_type(detect(make_positions(heard + later), contacts=contacts), "dark_target")
    assert events["contact_id"].to_list() == [["RAD-1-0031"]]
