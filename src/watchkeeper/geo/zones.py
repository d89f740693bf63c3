"""Zones: named areas (and the border line) the detectors and the picture refer to.

A zone file is a GeoJSON FeatureCollection (RFC 7946, WGS 84, [lon, lat]); each feature
has a `kind`, a `name`, the `authority` that defines it and the `source` of its
geometry. An administrator imports files (`watchkeeper zones import`); the node keeps
them in `zones_dir`, one file per import, and reads them all. The node also computes
default zones itself (12 nm territorial sea, 12-24 nm contiguous zone from GSHHG:
`watchkeeper.geo.maritime`) into `geo_dir/default-zones.geojson`; `ZoneSet.load` adds
them after the imported ones, so where both cover a point an imported zone is found first.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

from watchkeeper.errors import InputError

__all__ = [
    "AREA_KINDS",
    "DEFAULT_ZONES_FILE",
    "MAX_AREA_POSITIONS",
    "ZONE_KINDS",
    "GeometryError",
    "Zone",
    "ZoneSet",
    "check_area_geometry",
    "read_default_zones",
    "read_zones",
    "zones_geojson",
]

#: The computed default zones, in `geo_dir` beside `land.parquet`.
DEFAULT_ZONES_FILE: Final = "default-zones.geojson"

#: What a zone may be. Areas are polygons; a border is a line; a crossing point a point.
AREA_KINDS: Final = (
    "territorial_sea",
    "contiguous_zone",
    "sar_region",
    "departure_coast",
    "landing_coast",
    "area_of_interest",
)
ZONE_KINDS: Final = (*AREA_KINDS, "border", "crossing_point")
_GEOMETRIES: Final = {
    **dict.fromkeys(AREA_KINDS, ("Polygon", "MultiPolygon")),
    "border": ("LineString", "MultiLineString"),
    "crossing_point": ("Point", "MultiPoint"),
}


#: Most positions an area drawn through the API may have (a map-drawn polygon has tens).
MAX_AREA_POSITIONS: Final = 10_000


@dataclass(frozen=True)
class Zone:
    """A named area, line or point; `origin` says where it came from: `imported` (a zone
    file), `default` (computed by the node) or `drawn` (by a user, with its record `id`)."""

    kind: str
    name: str
    authority: str
    source: str
    geometry: BaseGeometry
    origin: str = "imported"
    id: int | None = None


class GeometryError(InputError):
    """A GeoJSON geometry that cannot be an area; `path` locates the fault inside it,
    e.g. `("coordinates", 0, 3, 1)` for the latitude of a ring's fourth position."""

    def __init__(self, message: str, path: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.path = path


def _position(value: Any, path: tuple[str | int, ...]) -> tuple[float, float]:
    if not isinstance(value, list | tuple) or not 2 <= len(value) <= 3:
        raise GeometryError("a position is [lon, lat] (or [lon, lat, alt])", path)
    for axis, (low, high) in enumerate(((-180.0, 180.0), (-90.0, 90.0))):
        number = value[axis]
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise GeometryError("a coordinate must be a number", (*path, axis))
        if not low <= float(number) <= high:  # NaN fails too
            what = ("longitude", "latitude")[axis]
            raise GeometryError(f"{what} {number} is outside [{low:g}, {high:g}]", (*path, axis))
    return float(value[0]), float(value[1])


def _ring(value: Any, path: tuple[str | int, ...]) -> list[tuple[float, float]]:
    if not isinstance(value, list | tuple):
        raise GeometryError("a ring is a list of positions", path)
    if len(value) < 4:
        raise GeometryError(
            f"a ring needs at least 4 positions (3 corners and the first again), got {len(value)}",
            path,
        )
    ring = [_position(p, (*path, i)) for i, p in enumerate(value)]
    if ring[0] != ring[-1]:
        raise GeometryError(
            f"the ring is not closed: its last position {list(ring[-1])} must repeat "
            f"its first {list(ring[0])}",
            (*path, len(value) - 1),
        )
    return ring


def _polygon(value: Any, path: tuple[str | int, ...]) -> list[list[tuple[float, float]]]:
    if not isinstance(value, list | tuple) or not value:
        raise GeometryError("a polygon is a non-empty list of rings (outer ring first)", path)
    return [_ring(r, (*path, i)) for i, r in enumerate(value)]


def check_area_geometry(geometry: Any) -> BaseGeometry:
    """A GeoJSON Polygon or MultiPolygon (RFC 7946, [lon, lat]) as a valid shapely area.

    Refuses, with a `GeometryError` whose `path` points at the fault: another type,
    positions out of range or not numbers, rings of fewer than four positions or not
    closed, more than `MAX_AREA_POSITIONS` positions, and polygons that are not valid
    (a ring crossing itself or another; the message gives where). Ring orientation is
    not checked (RFC 7946 asks parsers to accept either).
    """
    if not isinstance(geometry, dict):
        raise GeometryError("a geometry is a GeoJSON object")
    kind = geometry.get("type")
    if kind not in ("Polygon", "MultiPolygon"):
        raise GeometryError(f"an area is a Polygon or MultiPolygon, not {kind!r}", ("type",))
    coordinates = geometry.get("coordinates")
    if kind == "Polygon":
        polygons = [_polygon(coordinates, ("coordinates",))]
    else:
        if not isinstance(coordinates, list | tuple) or not coordinates:
            raise GeometryError("a MultiPolygon is a non-empty list of polygons", ("coordinates",))
        polygons = [_polygon(p, ("coordinates", i)) for i, p in enumerate(coordinates)]
    count = sum(len(ring) for polygon in polygons for ring in polygon)
    if count > MAX_AREA_POSITIONS:
        raise GeometryError(
            f"{count} positions; an area has at most {MAX_AREA_POSITIONS}", ("coordinates",)
        )
    shapes = [shapely.Polygon(polygon[0], polygon[1:]) for polygon in polygons]
    shape = shapes[0] if kind == "Polygon" else shapely.MultiPolygon(shapes)
    if not shape.is_valid:
        reason = shapely.is_valid_reason(shape)
        where = re.search(r"\[([-0-9.e]+) ([-0-9.e]+)\]", reason)
        at = f" near lon {float(where[1]):.5f}, lat {float(where[2]):.5f}" if where else ""
        label = reason.split("[")[0].strip().lower() or "invalid"
        raise GeometryError(f"the polygon is not valid: {label}{at}", ("coordinates",))
    if shape.area == 0:
        raise GeometryError("the polygon has no area", ("coordinates",))
    return shape


def _feature(path: Path | str, index: int, feature: Any) -> Zone:
    where = f"{path}: feature {index}"
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise InputError(f"{where}: not a GeoJSON Feature")
    props = feature.get("properties") or {}
    kind = props.get("kind")
    if kind not in ZONE_KINDS:
        raise InputError(f"{where}: kind {kind!r} is not one of {', '.join(ZONE_KINDS)}")
    name = props.get("name")
    if not isinstance(name, str) or not name.strip():
        raise InputError(f"{where}: needs a name")
    try:
        geometry = shapely.geometry.shape(feature.get("geometry") or {})
    except (ValueError, TypeError, AttributeError, KeyError, shapely.errors.GEOSException) as exc:
        raise InputError(f"{where} ({name}): invalid geometry ({exc})") from None
    if geometry.geom_type not in _GEOMETRIES[kind]:
        expected = " or ".join(_GEOMETRIES[kind])
        raise InputError(f"{where} ({name}): a {kind} is a {expected}, not a {geometry.geom_type}")
    if geometry.is_empty:
        raise InputError(f"{where} ({name}): empty geometry")
    minx, miny, maxx, maxy = geometry.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise InputError(f"{where} ({name}): coordinates outside [lon, lat] WGS 84 bounds")
    if geometry.geom_type in ("Polygon", "MultiPolygon") and not geometry.is_valid:
        geometry = shapely.make_valid(geometry)
    return Zone(
        kind=kind,
        name=name.strip(),
        authority=str(props.get("authority", "")),
        source=str(props.get("source", "")),
        geometry=geometry,
    )


def read_zones(path: Path) -> list[Zone]:
    """The zones of one GeoJSON file; `InputError` naming the feature at the first fault."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise InputError(f"{path}: not a GeoJSON FeatureCollection")
    features = data.get("features")
    if not isinstance(features, list):
        raise InputError(f"{path}: its features are not a list")
    return [_feature(path, i, feature) for i, feature in enumerate(features)]


def read_default_zones(geo_dir: Path) -> list[Zone]:
    """The computed default zones in `geo_dir` (`DEFAULT_ZONES_FILE`), none if not built."""
    path = geo_dir / DEFAULT_ZONES_FILE
    return [replace(z, origin="default") for z in read_zones(path)] if path.is_file() else []


def zones_geojson(zones: Iterable[Zone]) -> dict[str, Any]:
    """A FeatureCollection of zones (what `read_zones` reads back)."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {
                    "kind": z.kind,
                    "name": z.name,
                    "authority": z.authority,
                    "source": z.source,
                },
                "geometry": shapely.geometry.mapping(z.geometry),
            }
            for z in zones
        ],
    }


class ZoneSet:
    """All zones of a node, answering which zone of a kind contains many points at once."""

    def __init__(self, zones: Iterable[Zone]) -> None:
        """Keep `zones` in order; their geometries are prepared for fast point tests."""
        self.zones = list(zones)
        for zone in self.zones:
            shapely.prepare(zone.geometry)

    @classmethod
    def load(cls, directory: Path, *, geo_dir: Path | None = None) -> ZoneSet:
        """Every `*.geojson` in `directory` (none if it does not exist), then the defaults.

        With `geo_dir`, the computed default zones there (`DEFAULT_ZONES_FILE`, written
        by `watchkeeper geo build`) follow the imported ones, if that file exists.
        """
        files = sorted(directory.glob("*.geojson")) if directory.is_dir() else []
        imported = [zone for path in files for zone in read_zones(path)]
        return cls([*imported, *(read_default_zones(geo_dir) if geo_dir else [])])

    def of_kind(self, kind: str) -> list[Zone]:
        return [z for z in self.zones if z.kind == kind]

    def containing(
        self, kind: str, lat: npt.ArrayLike, lon: npt.ArrayLike
    ) -> npt.NDArray[np.int32]:
        """For each point, the index (in `of_kind(kind)`) of a zone containing it, or -1."""
        lat_a = np.asarray(lat, dtype=np.float64)
        lon_a = np.asarray(lon, dtype=np.float64)
        found = np.full(lat_a.shape, -1, dtype=np.int32)
        for i, zone in enumerate(self.of_kind(kind)):
            # Its bounding box first: a comparison a point, where the polygon test is a
            # walk round its edges (most of a day's reports lie far from any zone).
            west, south, east, north = zone.geometry.bounds
            todo = np.flatnonzero(
                (found < 0)
                & (lon_a >= west)
                & (lon_a <= east)
                & (lat_a >= south)
                & (lat_a <= north)
            )
            inside = shapely.contains_xy(zone.geometry, lon_a[todo], lat_a[todo])
            found[todo[inside]] = i
        return found
