"""Distance to land for detectors, with the node's distance to shore or without it."""

from __future__ import annotations

import numpy as np
import pytest

from watchkeeper.detect.context import Context
from watchkeeper.detect.shore import land_distance_m
from watchkeeper.geo.landmask import land_mask
from watchkeeper.geo.shore import shore_distance_if_built
from watchkeeper.settings import load_settings

# Off Zarzis, heading out to sea: a few hundred metres, a few kilometres, some 20 km.
LAT = np.array([33.53, 33.60, 33.75])
LON = np.array([11.13, 11.25, 11.45])


def test_a_boat_heading_out_is_further_from_land_with_or_without_the_shore_distance() -> None:
    geo = load_settings().geo_dir
    land = land_mask(geo)
    if not land.covers(LAT, LON).all():
        pytest.skip("the node's land mask does not cover Tunisia")
    estimated = land_distance_m(Context(land=land), LAT, LON)
    assert (np.diff(estimated) > 0).all(), estimated
    shore = shore_distance_if_built(geo)
    if shore is None:
        pytest.skip("the node's distance to shore is not built")
    exact = land_distance_m(Context(land=land, shore=shore), LAT, LON)
    assert (np.diff(exact) > 0).all(), exact
    # The estimate is the rung at or above the exact distance (land in between is found
    # on the mask's 16 bearings at half and full distance, so never closer than it is).
    assert (estimated >= exact * 0.9).all(), (estimated, exact)


def test_far_from_any_land_the_distance_is_unbounded_without_the_shore_distance() -> None:
    land = land_mask(load_settings().geo_dir)
    lat, lon = np.array([35.0]), np.array([18.0])  # the Ionian Sea, 150 km from land
    if not land.covers(lat, lon).all():
        pytest.skip("the node's land mask does not cover the Ionian Sea")
    assert np.isinf(land_distance_m(Context(land=land), lat, lon)).all()
