"""Distance to shore: fast (grid + k-d trees) against exact (shapely in a local aeqd).

Errors stated in watchkeeper.geo.shore and docs/detection.md are the bounds asserted
here, on seeded random points at sea around the central Mediterranean.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from watchkeeper.geo.shore import EXACT_BELOW_M, ShoreDistance, distance_to_shore_m, shore_distance

ExactDistance = Callable[[float, float], float]
#: Stated accuracy: within 100 m where the exact trees answer (< EXACT_BELOW_M), and
#: within 500 m (95 % within 150 m) where the grid answers.
NEAR_TOLERANCE_M = 100.0
GRID_TOLERANCE_M = 500.0
GRID_P95_M = 150.0


@pytest.fixture(scope="module")
def shore(geo_dir: Path) -> ShoreDistance:
    return shore_distance(geo_dir)


@pytest.fixture(scope="module")
def sample(shore: ShoreDistance, exact_shore_distance_m: ExactDistance) -> np.ndarray:
    """(fast, exact) metres for 300 random points at sea within 150 km of the shore."""
    rng = np.random.default_rng(64)
    lat, lon = rng.uniform(33.0, 38.0, 900), rng.uniform(10.0, 16.0, 900)
    fast = shore.distance_to_shore_m(lat, lon)
    keep = np.flatnonzero((fast > 0) & (fast < 150_000))[:300]
    exact = np.array([exact_shore_distance_m(lat[i], lon[i]) for i in keep])
    return np.column_stack([fast[keep], exact])


def test_near_the_shore_the_distance_is_exact_within_100_m(sample: np.ndarray) -> None:
    near = sample[sample[:, 1] < EXACT_BELOW_M - 2_000]
    assert len(near) >= 20
    assert np.max(np.abs(near[:, 0] - near[:, 1])) < NEAR_TOLERANCE_M


def test_farther_out_the_grid_is_within_its_stated_error(sample: np.ndarray) -> None:
    error = np.abs(sample[:, 0] - sample[:, 1])
    print(
        f"distance to shore vs exact, {len(error)} points: median {np.median(error):.0f} m, "
        f"p95 {np.percentile(error, 95):.0f} m, max {error.max():.0f} m"
    )
    assert error.max() < GRID_TOLERANCE_M
    assert np.percentile(error, 95) < GRID_P95_M


def test_land_is_zero_unknown_is_nan_and_shapes_are_kept(shore: ShoreDistance) -> None:
    lat = np.array([[35.51, 37.2], [60.0, np.nan]])  # Lampedusa, Strait of Sicily; outside; NaN
    lon = np.array([[12.60, 11.5], [10.0, 12.0]])
    metres = shore.distance_to_shore_m(lat, lon)
    assert metres.shape == (2, 2)
    assert metres[0, 0] == 0.0
    assert 10_000 < metres[0, 1] < 100_000
    assert np.isnan(metres[1]).all()


def test_module_function_matches_the_object(geo_dir: Path, shore: ShoreDistance) -> None:
    lat, lon = np.array([35.2, 36.0]), np.array([12.6, 13.0])
    assert np.allclose(
        distance_to_shore_m(lat, lon, geo_dir=geo_dir), shore.distance_to_shore_m(lat, lon)
    )


def test_a_million_points_in_a_few_seconds(shore: ShoreDistance) -> None:
    """Millions a second on the 2-core node; asserted loosely (CI machines vary)."""
    rng = np.random.default_rng(1)
    lat, lon = rng.uniform(33.0, 38.0, 1_000_000), rng.uniform(10.0, 16.0, 1_000_000)
    began = time.perf_counter()
    shore.distance_to_shore_m(lat, lon)
    seconds = time.perf_counter() - began
    print(f"distance to shore: {1 / seconds:.1f} M points/s")
    assert seconds < 5.0


def test_the_cache_is_rebuilt_when_missing(tmp_path: Path, geo_dir: Path) -> None:
    """A geo_dir with a land file but no shore.npz derives it on load (small region)."""
    from typer.testing import CliRunner

    from watchkeeper.cli.main import app
    from watchkeeper.geo.shore import SHORE_FILE

    runner = CliRunner()
    result = runner.invoke(
        app, ["geo", "build", "--region", "12/13/35/36"], env={"WATCHKEEPER_GEO_DIR": str(tmp_path)}
    )
    assert result.exit_code == 0, result.output
    (tmp_path / SHORE_FILE).unlink()
    small = ShoreDistance.load(tmp_path)
    assert (tmp_path / SHORE_FILE).is_file()
    assert 0 < small.distance_to_shore_m(35.2, 12.6) < 50_000
