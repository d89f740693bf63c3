"""A scenario's departure and landing coasts as zones, for the node and for evaluation.

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

__all__ = ["coast_zones"]


def _buffer_nm(points: list[tuple[float, float]], reach_nm: float) -> BaseGeometry:
    """Buffer (lat, lon) points' line by nautical miles in a local equirectangular frame."""
    lat0 = sum(p[0] for p in points) / len(points)
    scale = math.cos(math.radians(lat0))
    xy = [(lon * scale, lat) for lat, lon in points]
    shape = LineString(xy) if len(xy) > 1 else Point(xy[0])
    buffered = shape.buffer(reach_nm / 60.0)
    return shapely.transform(buffered, lambda c: c / [scale, 1.0])


def coast_zones(scenario: Scenario, reach_nm: float = 15.0) -> list[Zone]:
    """`departure_coast` and `landing_coast` zones of `scenario`."""
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
    return zones
