"""A scenario's zones, for the node and for evaluation: its departure and landing
coasts, and its land border with the official crossing points.

The scenario gives points just off the beaches; the zone is the sea within
`reach_nm` of the line through them, which is where boats wait, meet and leave.
"""

from __future__ import annotations

import math

import shapely
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry

from watchkeeper.geo.zones import Zone
from watchkeeper.sim.scenario import Scenario

__all__ = ["scenario_zones"]


def _buffer_nm(points: list[tuple[float, float]], reach_nm: float) -> BaseGeometry:
    """Buffer (lat, lon) points' line by nautical miles in a local equirectangular frame."""
    lat0 = sum(p[0] for p in points) / len(points)
    scale = math.cos(math.radians(lat0))
    xy = [(lon * scale, lat) for lat, lon in points]
    shape = LineString(xy) if len(xy) > 1 else Point(xy[0])
    buffered = shape.buffer(reach_nm / 60.0)
    return shapely.transform(buffered, lambda c: c / [scale, 1.0])


def scenario_zones(scenario: Scenario, reach_nm: float = 15.0) -> list[Zone]:
    """`departure_coast` and `landing_coast` zones of `scenario`, and its `border` and
    `crossing_point` zones if it has a land border."""
    zones = []
    for kind, coasts in (
        ("departure_coast", scenario.departure_coasts),
        ("landing_coast", scenario.landing_coasts),
    ):
        for coast in coasts:
            zones.append(
                Zone(
                    kind=kind,
                    name=coast.name,
                    authority=f"scenario {scenario.name}",
                    source=f"within {reach_nm:g} nm of the scenario's beach points",
                    geometry=_buffer_nm(list(coast.points), reach_nm),
                )
            )
    if scenario.land is not None:
        land = scenario.land
        source = f"scenario {scenario.name}"
        zones.append(
            Zone(
                kind="border",
                name=f"{land.side_a}-{land.side_b} border",
                authority=source,
                source="the scenario's border line",
                geometry=LineString([(lon, lat) for lat, lon in land.border]),
            )
        )
        zones.extend(
            Zone(
                kind="crossing_point",
                name=place.name,
                authority=source,
                source="the scenario's official crossing",
                geometry=Point(place.lon, place.lat),
            )
            for place in land.crossings
        )
    return zones
