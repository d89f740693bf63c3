"""Default zones: 12 nm territorial sea and 12-24 nm contiguous zone, from GSHHG.

These read the zones `make install` computed into the default `geo_dir`, and check them
against exact distances to the land (`conftest.exact_shore_distance_m`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyproj import Geod

from watchkeeper.geo.maritime import METRES_PER_NM
from watchkeeper.geo.zones import (
    DEFAULT_ZONES_FILE,
    Zone,
    ZoneSet,
    read_default_zones,
    read_zones,
    zones_geojson,
)

ExactDistance = Callable[[float, float], float]
GEOD = Geod(ellps="WGS84")
#: Lampedusa's harbour (Porto di Lampedusa), and a point on its south coast.
LAMPEDUSA_HARBOUR = (35.4985, 12.6080)
LAMPEDUSA_SOUTH_COAST = (35.4950, 12.6000)
#: Tolerance of the limits: land simplified by 100 m, limits by 50 m, arcs of 16 chords
#: a quarter circle (see watchkeeper.geo.maritime); measured worst is under this.
LIMIT_TOLERANCE_M = 200.0


def _off(start: tuple[float, float], azimuth_deg: float, nm: float) -> tuple[float, float]:
    lon, lat, _ = GEOD.fwd(start[1], start[0], azimuth_deg, nm * METRES_PER_NM)
    return float(lat), float(lon)


@pytest.fixture(scope="module")
def defaults(geo_dir: Path) -> ZoneSet:
    return ZoneSet(read_default_zones(geo_dir))


def _in(zones: ZoneSet, kind: str, point: tuple[float, float]) -> bool:
    return bool(zones.containing(kind, [point[0]], [point[1]])[0] >= 0)


def test_the_default_file_reads_back_as_two_computed_zones(geo_dir: Path) -> None:
    zones = read_zones(geo_dir / DEFAULT_ZONES_FILE)
    assert [z.kind for z in zones] == ["territorial_sea", "contiguous_zone"]
    for zone in zones:
        assert zone.authority == "computed"
        assert zone.source.startswith("GSHHG 2.3.7 (f) shoreline buffered")
        assert "approximate" in zone.source
        assert zone.geometry.is_valid
    assert (geo_dir / DEFAULT_ZONES_FILE).stat().st_size < 5_000_000


def test_lampedusa_harbour_is_in_the_territorial_sea(defaults: ZoneSet) -> None:
    assert _in(defaults, "territorial_sea", LAMPEDUSA_HARBOUR)
    assert not _in(defaults, "contiguous_zone", LAMPEDUSA_HARBOUR)


def test_20_nm_off_lampedusa_is_contiguous_zone_not_territorial_sea(
    defaults: ZoneSet, exact_shore_distance_m: ExactDistance
) -> None:
    point = _off(LAMPEDUSA_SOUTH_COAST, 180.0, 20.0)
    assert 13 * METRES_PER_NM < exact_shore_distance_m(*point) < 23 * METRES_PER_NM
    assert _in(defaults, "contiguous_zone", point)
    assert not _in(defaults, "territorial_sea", point)


def test_5_nm_off_lampedusa_is_territorial_sea_only(defaults: ZoneSet) -> None:
    point = _off(LAMPEDUSA_SOUTH_COAST, 180.0, 5.0)
    assert _in(defaults, "territorial_sea", point)
    assert not _in(defaults, "contiguous_zone", point)


def test_30_nm_from_any_coast_is_in_neither(
    defaults: ZoneSet, exact_shore_distance_m: ExactDistance
) -> None:
    point = (35.05, 13.60)  # between Lampedusa, Linosa, Malta and Libya
    assert exact_shore_distance_m(*point) > 28 * METRES_PER_NM
    assert not _in(defaults, "territorial_sea", point)
    assert not _in(defaults, "contiguous_zone", point)


@pytest.mark.parametrize(
    ("island", "point"),
    [
        # 10 nm west of Lampione (GSHHG's islet) is 23 nm from Lampedusa: Lampione's own sea.
        ("Lampione", (35.5592, 12.3345 - 10 * METRES_PER_NM / (111_320.0 * 0.8137))),
        ("Linosa", (35.865 + 10 * METRES_PER_NM / 110_950.0, 12.865)),
        ("Gozo", (36.045 + 12 * METRES_PER_NM / 110_950.0, 14.25)),
    ],
)
def test_islands_have_their_own_territorial_sea(
    defaults: ZoneSet,
    exact_shore_distance_m: ExactDistance,
    island: str,
    point: tuple[float, float],
) -> None:
    assert exact_shore_distance_m(*point) < 11.5 * METRES_PER_NM, island
    assert _in(defaults, "territorial_sea", point), island


def test_limits_lie_12_and_24_nm_from_the_shore(
    defaults: ZoneSet, exact_shore_distance_m: ExactDistance
) -> None:
    """Vertices of both limits in the central Mediterranean, against exact distances."""
    rng = np.random.default_rng(12)
    area = shapely.box(10.5, 33.5, 15.5, 37.5)  # away from the region's edges
    limits = {"territorial_sea": [12.0], "contiguous_zone": [12.0, 24.0]}  # a band: two edges
    for kind, nms in limits.items():
        edges = shapely.boundary(defaults.of_kind(kind)[0].geometry)
        xy = shapely.get_coordinates(shapely.intersection(edges, area))
        xy = xy[rng.choice(len(xy), size=min(60, len(xy)), replace=False)]
        errors = [
            min(abs(exact_shore_distance_m(lat, lon) - nm * METRES_PER_NM) for nm in nms)
            for lon, lat in xy
        ]
        worst = float(np.max(errors))
        print(f"{kind}: worst {worst:.0f} m, median {np.median(errors):.0f} m over {len(xy)}")
        assert worst < LIMIT_TOLERANCE_M, (kind, worst)


def test_zone_set_load_puts_imported_zones_before_the_defaults(
    tmp_path: Path, geo_dir: Path
) -> None:
    imported = tmp_path / "zones"
    imported.mkdir()
    mine = Zone(
        kind="territorial_sea",
        name="Italy (imported)",
        authority="IT",
        source="test",
        geometry=shapely.box(12.0, 35.0, 13.0, 36.0),
    )
    (imported / "it.geojson").write_text(json.dumps(zones_geojson([mine])))
    zones = ZoneSet.load(imported, geo_dir=geo_dir)
    assert [z.name for z in zones.of_kind("territorial_sea")] == [
        "Italy (imported)",
        "Territorial sea (12 nm, computed)",
    ]
    assert zones.containing("territorial_sea", [35.5], [12.6]).tolist() == [0]
    assert len(ZoneSet.load(imported).zones) == 1  # without geo_dir: imported only
    assert ZoneSet.load(imported, geo_dir=tmp_path).zones[0].name == "Italy (imported)"
