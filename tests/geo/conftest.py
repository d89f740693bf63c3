"""Exact reference distances the fast geography is checked against.

`exact_shore_distance_m` measures, for one point, the distance to GSHHG's land polygons
(from `land.parquet`) in an azimuthal-equidistant projection centred on the point:
PROJ's ellipsoidal `aeqd` keeps distances from its centre exact (geodesics), and
shapely measures to the polygons' edges, not to their vertices. Slow (milliseconds a
point), which is the point: it is what the fast functions approximate.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import shapely

from watchkeeper.geo.aeqd import LocalProjection
from watchkeeper.geo.coastline import LAND_FILE
from watchkeeper.settings import Settings

ExactDistance = Callable[[float, float], float]


@pytest.fixture(scope="session")
def geo_dir() -> Path:
    """The node's default `geo_dir` (built by `make install`), as the node runs with it."""
    return Settings().geo_dir


@pytest.fixture(scope="session")
def exact_shore_distance_m(geo_dir: Path) -> ExactDistance:
    """A function (lat, lon) -> exact metres to the nearest land polygon (0 on land)."""
    table = pq.read_table(geo_dir / LAND_FILE, columns=["geometry"])
    pieces = shapely.from_wkb(table["geometry"].to_numpy(zero_copy_only=False))
    tree = shapely.STRtree(pieces)

    def exact(lat: float, lon: float) -> float:
        reach_deg = 0.5
        while True:  # grow the search box until the nearest land is surely inside it
            box = shapely.box(
                lon - reach_deg / math.cos(math.radians(lat)),
                lat - reach_deg,
                lon + reach_deg / math.cos(math.radians(lat)),
                lat + reach_deg,
            )
            near = tree.query(box)
            if near.size:
                projected = LocalProjection(lat, lon).forward(pieces[near])
                metres = float(np.min(shapely.distance(shapely.Point(0.0, 0.0), projected)))
                if metres < reach_deg * 110_000.0 * 0.95:
                    return metres
            reach_deg *= 2

    return exact
