"""Shared fixtures of the simulator tests: the node's land mask and one planned run.

Planning a scenario costs seconds (sea routes, water checks), so the tests that
only read a plan share one, built once per session.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pytest

from watchkeeper.settings import load_settings
from watchkeeper.sim.scenario import load_scenario
from watchkeeper.sim.simulate import Simulation, parse_start

IsLand = Callable[[npt.NDArray[np.float64], npt.NDArray[np.float64]], npt.NDArray[np.bool_]]


@pytest.fixture(scope="session")
def is_land() -> IsLand:
    """The node's own land mask (GSHHG, built by `make install`)."""
    from watchkeeper.geo.landmask import land_mask

    return land_mask(load_settings().geo_dir).is_land


@pytest.fixture(scope="session")
def med_run(is_land: IsLand) -> Simulation:
    """Six hours of the central-med scenario with 120 ships and every behaviour."""
    scenario = load_scenario("central-med")
    return Simulation(scenario, parse_start("2026-07-15T18:00:00Z"), 6.0, 120, 11, is_land)
