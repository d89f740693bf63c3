"""The planned run: ships stay on water, report at ITU-R rates, and behaviours are real.

These read the plan and the reports it produces (before encoding), so a failure
points at the motion model, not at NMEA.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from watchkeeper.sim.legs import distance_m
from watchkeeper.sim.simulate import Simulation
from watchkeeper.sim.transmit import position_reports, static_reports
from watchkeeper.sim.water import IsLand, legs_on_water


def _reports(run: Simulation):  # type: ignore[no-untyped-def]
    return position_reports(
        run.legs, run.fleet, run.overrides, run.start, run.end, np.random.default_rng(0)
    )


def test_every_ship_leg_stays_on_water(med_run: Simulation, is_land: IsLand) -> None:
    legs = med_run.legs
    sea = ~np.asarray(med_run.movers.on_land)[legs.mover]
    ok = legs_on_water(
        is_land, legs.lat0[sea], legs.lon0[sea], legs.lat1[sea], legs.lon1[sea], 50.0
    )
    assert ok.all(), f"{(~ok).sum()} of {ok.size} legs cross land"


def test_reported_positions_are_on_water_except_spoofed_ones(
    med_run: Simulation, is_land: IsLand
) -> None:
    rep = _reports(med_run)
    lat, lon = rep.columns["lat"], rep.columns["lon"]
    spoofed = np.zeros(len(rep), bool)
    for m, s, e, *_ in med_run.overrides.fixed + med_run.overrides.shift:
        spoofed |= (rep.mover == m) & (rep.ts >= s) & (rep.ts < e)
    land = is_land(lat, lon) & ~spoofed
    assert land.sum() == 0, (
        f"{land.sum()} reports on land at {list(zip(lat[land][:5], lon[land][:5], strict=False))}"
    )


def test_reporting_intervals_follow_itu_r_m1371(med_run: Simulation) -> None:
    rep = _reports(med_run)
    c = rep.columns
    gaps: dict[str, list[float]] = {"A_moving": [], "A_moored": [], "B_moving": [], "B_slow": []}
    for m in np.unique(rep.mover):
        rows = np.flatnonzero(rep.mover == m)
        if len(rows) < 3 or c["mmsi"][rows[0]] // 1_000_000 >= 970:
            continue
        dt = np.diff(rep.ts[rows]) / 1000
        sog = c["sog"][rows[1:]]
        if c["msg_type"][rows[0]] == 18:
            gaps["B_moving"] += list(dt[sog > 3])
            gaps["B_slow"] += list(dt[sog < 1.5])
        else:
            status = c["nav_status"][rows[1:]]
            gaps["A_moving"] += list(dt[(sog > 3) & (sog < 13.5) & (status != 5)])
            gaps["A_moored"] += list(dt[(status == 5) & (sog < 1)])
    assert np.median(gaps["A_moving"]) == pytest.approx(10, abs=0.5)
    assert np.median(gaps["A_moored"]) == pytest.approx(180, abs=1)
    assert np.median(gaps["B_moving"]) == pytest.approx(30, abs=0.5)
    assert np.median(gaps["B_slow"]) == pytest.approx(180, abs=1)
    # Turning: class A reports every 3 1/3 s for the first minute of a course change.
    assert min(gaps["A_moving"]) < 4


def test_class_a_sends_type_5_and_class_b_sends_both_parts_of_24(med_run: Simulation) -> None:
    st = static_reports(med_run.legs, med_run.fleet, med_run.overrides, med_run.start, med_run.end)
    kinds = Counter(zip(st.columns["msg_type"].tolist(), st.columns["part"].tolist(), strict=True))
    assert kinds[(5, -1)] > 0
    assert kinds[(24, 0)] == kinds[(24, 1)] > 0


def test_truth_has_each_sea_behaviour_of_the_scenario(med_run: Simulation) -> None:
    types = Counter(e.type for e in med_run.truth)
    for kind in (
        "ais_gap",
        "encounter",
        "loitering",
        "departure",
        "identity_spoofing",
        "position_spoofing",
        "drift",
        "distress_beacon",
    ):
        assert types[kind] >= 1, kind
    assert all(e.distress == (e.type in ("drift", "distress_beacon")) for e in med_run.truth)
    assert all(med_run.start <= e.start < e.end for e in med_run.truth)


def test_an_ais_gap_is_silence_inside_coverage_between_reports(med_run: Simulation) -> None:
    rep = _reports(med_run)
    for e in (e for e in med_run.truth if e.type == "ais_gap"):
        mine = np.flatnonzero(rep.columns["mmsi"] == e.mmsi[0])
        ts = rep.ts[mine]
        assert not ((ts >= e.start) & (ts < e.end)).any()
        assert (ts < e.start).any() or e.start - med_run.start < 600_000
        assert (ts >= e.end).any() or med_run.end - e.end < 600_000


def test_a_drift_is_slow_with_heading_off_course(med_run: Simulation) -> None:
    rep = _reports(med_run)
    c = rep.columns
    for e in (e for e in med_run.truth if e.type == "drift"):
        rows = np.flatnonzero((c["mmsi"] == e.mmsi[0]) & (rep.ts >= e.start) & (rep.ts < e.end))
        assert rows.size > 5
        assert 1.0 <= np.median(c["sog"][rows]) <= 3.0
        heading = c["heading"][rows]
        if e.details["heading"]:
            off = np.abs((heading - c["cog"][rows] + 180) % 360 - 180)
            assert np.median(off) >= 45
        else:
            assert (heading == -1).all()


def test_an_encounter_keeps_the_pair_close_and_slow(med_run: Simulation) -> None:
    rep = _reports(med_run)
    c = rep.columns
    for e in (e for e in med_run.truth if e.type == "encounter"):
        a, b = e.mmsi
        ra = np.flatnonzero((c["mmsi"] == a) & (rep.ts >= e.start) & (rep.ts < e.end))
        rb = np.flatnonzero((c["mmsi"] == b) & (rep.ts >= e.start) & (rep.ts < e.end))
        # Compare each of b's reports with a's nearest in time.
        j = np.clip(np.searchsorted(rep.ts[ra], rep.ts[rb]), 0, ra.size - 1)
        d = distance_m(c["lat"][rb], c["lon"][rb], c["lat"][ra][j], c["lon"][ra][j])
        assert np.median(d) < 500
        assert np.median(c["sog"][ra]) < 2
        assert np.median(c["sog"][rb]) < 2


def test_distress_beacons_use_their_mmsi_series_and_status_14(med_run: Simulation) -> None:
    rep = _reports(med_run)
    c = rep.columns
    for e in (e for e in med_run.truth if e.type == "distress_beacon"):
        assert e.mmsi[0] // 1_000_000 in (970, 972, 974)
        rows = np.flatnonzero(c["mmsi"] == e.mmsi[0])
        assert (c["nav_status"][rows] == 14).all()
        assert (c["heading"][rows] == -1).all()
        # A burst of 8 reports each minute.
        per_minute = Counter((rep.ts[rows] // 60_000).tolist())
        assert max(per_minute.values()) == 8


def test_identity_spoofing_variants_show_in_what_is_sent(med_run: Simulation) -> None:
    rep = _reports(med_run)
    c = rep.columns
    for e in (e for e in med_run.truth if e.type == "identity_spoofing"):
        rows = np.flatnonzero((c["mmsi"] == e.mmsi[0]) & (rep.ts >= e.start) & (rep.ts < e.end))
        if e.details["variant"] == "shared_mmsi":
            assert len(np.unique(rep.mover[rows])) == 2
        elif e.details["variant"] == "invalid_mmsi":
            mmsi = e.mmsi[0]
            assert not (200_000_000 <= mmsi < 800_000_000) or mmsi // 1_000_000 in (100, 800)


def test_same_seed_same_plan_other_seed_other_plan(is_land: IsLand, med_run: Simulation) -> None:
    again = Simulation(
        med_run.scenario, med_run.start, med_run.hours, med_run.vessels, med_run.seed, is_land
    )
    assert np.array_equal(again.legs.lat0, med_run.legs.lat0)
    other = Simulation(
        med_run.scenario, med_run.start, med_run.hours, med_run.vessels, med_run.seed + 1, is_land
    )
    # Ferries keep their timetables whatever the seed; the rest of the traffic differs.
    assert not np.array_equal(other.legs.lat0, med_run.legs.lat0)


def test_no_mover_is_in_two_places_at_once(med_run: Simulation) -> None:
    legs = med_run.legs
    same = legs.mover[1:] == legs.mover[:-1]
    overlap = (legs.t1[:-1] - legs.t0[1:])[same]
    assert overlap.max() <= 1000, f"{(overlap > 1000).sum()} overlapping legs"


def test_an_early_run_starts_every_behaviour_within_minutes(
    is_land: IsLand, med_run: Simulation
) -> None:
    demo = Simulation(med_run.scenario, med_run.start, 3.0, 60, 2, is_land, early=True)
    firsts: dict[str, int] = {}
    for e in demo.truth:
        firsts[e.type] = min(firsts.get(e.type, e.start), e.start)
    assert firsts["distress_beacon"] - demo.start <= 10 * 60_000
    assert firsts["ais_gap"] - demo.start <= 10 * 60_000
