"""The land border: people and vehicles stay on land, and injected crossings avoid the posts."""

from __future__ import annotations

import numpy as np
import pytest

from watchkeeper.sim.land import side_of
from watchkeeper.sim.legs import distance_m
from watchkeeper.sim.scenario import load_scenario
from watchkeeper.sim.simulate import Simulation, parse_start
from watchkeeper.sim.water import IsLand


@pytest.fixture(scope="module")
def land_run(is_land: IsLand) -> Simulation:
    scenario = load_scenario("tunisia-libya-land")
    return Simulation(scenario, parse_start("2026-07-15T18:00:00Z"), 12.0, 0, 5, is_land)


def test_every_mover_stays_on_land(land_run: Simulation, is_land: IsLand) -> None:
    legs = land_run.legs
    assert len(legs) > 100
    # Sample every leg at 20 points.
    f = np.linspace(0, 1, 20)
    lat = (legs.lat0[:, None] + f * (legs.lat1 - legs.lat0)[:, None]).ravel()
    lon = (legs.lon0[:, None] + f * (legs.lon1 - legs.lon0)[:, None]).ravel()
    assert is_land(lat, lon).all()


def test_contacts_are_on_land_within_range_of_land_sensors(
    land_run: Simulation, is_land: IsLand
) -> None:
    sensors = {s.id: s for s in land_run.scenario.sensors}
    tables = [w.contacts for w in land_run.windows()]
    rows = sum(t.num_rows for t in tables)
    assert rows > 100
    for t in tables:
        if not t.num_rows:
            continue
        lat = np.asarray(t.column("lat"))
        lon = np.asarray(t.column("lon"))
        assert is_land(lat, lon).mean() > 0.99  # a 50 m error can put a plot off a bank
        for sid, la, lo in zip(t.column("sensor_id").to_pylist(), lat, lon, strict=True):
            s = sensors[sid]
            assert distance_m(la, lo, s.lat, s.lon) < s.range_nm * 1852 + 5 * s.error_m + 10
    kinds = {k for t in tables for k in t.column("sensor").to_pylist()}
    assert kinds <= {"ground_radar", "camera", "patrol"}


def test_border_crossings_cross_the_line_away_from_official_posts(land_run: Simulation) -> None:
    land = land_run.scenario.land
    assert land is not None
    events = [e for e in land_run.truth if e.type == "border_crossing"]
    assert len(events) == round(8 * 12 / 24)
    posts = np.array([(c.lat, c.lon) for c in land.crossings])
    for e in events:
        (_, lat0, lon0), (_, lat_x, lon_x), (_, lat1, lon1) = e.positions
        assert distance_m(posts[:, 0], posts[:, 1], lat_x, lon_x).min() >= 5_000
        sides = side_of(land, np.array([lat0, lat1]), np.array([lon0, lon1]))
        assert sides[0] == -sides[1]
        assert e.details["mode"] in ("foot", "vehicle")


def test_official_traffic_passes_through_a_crossing_point(land_run: Simulation) -> None:
    land = land_run.scenario.land
    assert land is not None
    legs = land_run.legs
    posts = np.array([(c.lat, c.lon) for c in land.crossings])
    stays = legs.speed_kn < 0.01
    near = np.min([distance_m(legs.lat0[stays], legs.lon0[stays], a, b) for a, b in posts], axis=0)
    # Vehicles and people wait at the posts: many stays within 200 m of one.
    assert (near < 200).sum() > 20
