"""Truth no receiver heard and no sensor saw while it lasted is left out of the scores."""

from __future__ import annotations

import numpy as np

from watchkeeper.sim.simulate import observed, parse_start

HOUR = 3_600_000
T0 = parse_start("2026-07-15T00:00:00Z")
UNHEARD = np.empty(0, np.int64)


def minutes(mover: int, *hours: float) -> np.ndarray:
    return np.array([(mover << 32) | int((T0 + h * HOUR) // 60_000) for h in hours], np.int64)


def test_a_boat_a_satellite_plotted_at_two_passes_was_not_seen_between_them() -> None:
    """Seen means plotted, not inside a track's span: a satellite's track of a boat runs
    from the first pass that saw it to the last, and the boat was out of every sensor's
    sight in between (seed 13: a three-hour meeting nothing heard or saw was scored)."""
    plots = minutes(820, 5, 17)
    assert not observed(820, T0 + 9 * HOUR, T0 + 12 * HOUR, UNHEARD, plots)
    assert observed(820, T0 + 4 * HOUR, T0 + 6 * HOUR, UNHEARD, plots)


def test_a_report_heard_during_a_behaviour_makes_it_observable_and_a_plot_only_if_sensors_can_tell() -> (
    None
):
    heard = minutes(815, 2.5)
    assert observed(815, T0 + 2 * HOUR, T0 + 3 * HOUR, heard)
    assert not observed(815, T0 + 2 * HOUR, T0 + 3 * HOUR, UNHEARD)  # no sensor can show it
    assert not observed(816, T0 + 2 * HOUR, T0 + 3 * HOUR, heard)  # another boat was heard
