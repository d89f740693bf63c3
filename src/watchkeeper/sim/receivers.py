"""Which receivers hear each transmission, and when their clocks say they did.

A shore station hears a ship with a probability that is high close in and falls
to nothing at its range (VHF line of sight, about 40 nautical miles for a mast on
a headland), times one minus the scenario's message loss (slot collisions,
fading). Two stations in range both forward the message, which is where real
feeds get their duplicates; a few lines are also forwarded twice by the same
station. Satellite AIS hears the whole region during short, sparse passes, with a
low detection rate (collisions between the many cells in its footprint). Each
station stamps the time by its own clock, skewed by the scenario's offset.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from watchkeeper.sim.legs import NM, distance_m
from watchkeeper.sim.scenario import Scenario

__all__ = ["Receptions", "Stations", "satellite_passes"]

_DAY: Final = 86_400_000


@dataclass
class Receptions:
    """One row per line to write: which transmission, which station, its clock's time."""

    tx: npt.NDArray[np.int64]  # index of the transmission
    station: npt.NDArray[np.int32]  # index into `Stations.ids`
    arrival: npt.NDArray[np.int64]  # true time the station got it (ordering of the output)
    stamped: npt.NDArray[np.int64]  # the station clock's time (the tag block `c:`)


class Stations:
    """The scenario's shore receivers, plus the satellite when it has one."""

    def __init__(self, scenario: Scenario, start: int, end: int, rng: np.random.Generator) -> None:
        rx = scenario.receivers
        self.ids = [r.id for r in rx] + ([scenario.satellite.id] if scenario.satellite else [])
        self.lat = np.array([r.lat for r in rx], np.float64)
        self.lon = np.array([r.lon for r in rx], np.float64)
        self.range_m = np.array([r.range_nm * NM for r in rx], np.float64)
        self.skew_ms = np.array([r.clock_skew_s * 1000 for r in rx] + [0.0], np.float64).astype(
            np.int64
        )
        self.loss = scenario.message_loss
        self.duplicate = scenario.duplicate_rate
        self.satellite = scenario.satellite
        self.passes = satellite_passes(scenario, start, end, rng)

    def hear(
        self,
        ts: npt.NDArray[np.int64],
        lat: npt.NDArray[np.float64],
        lon: npt.NDArray[np.float64],
        rng: np.random.Generator,
        *,
        always: npt.NDArray[np.int32] | None = None,
    ) -> Receptions:
        """Receptions of transmissions sent at `ts` from (`lat`, `lon`), ordered by arrival.

        `always[i]` (a station index, or -1) is a station that hears transmission i
        whatever the distance: a base station's own report.
        """
        n = ts.shape[0]
        tx_parts: list[npt.NDArray[np.int64]] = []
        st_parts: list[npt.NDArray[np.int32]] = []
        for s in range(self.lat.shape[0]):
            d = distance_m(lat, lon, self.lat[s], self.lon[s])
            p = (1.0 - self.loss) * np.clip(1.0 - (d / self.range_m[s]) ** 6, 0.0, 1.0)
            heard = rng.random(n) < p
            if always is not None:
                heard |= always == s
            idx = np.flatnonzero(heard)
            tx_parts.append(idx)
            st_parts.append(np.full(idx.shape[0], s, np.int32))
        if self.satellite is not None and self.passes.size:
            k = np.searchsorted(self.passes[:, 0], ts, side="right") - 1
            in_pass = (k >= 0) & (ts < self.passes[np.maximum(k, 0), 1])
            idx = np.flatnonzero(in_pass & (rng.random(n) < self.satellite.detection))
            tx_parts.append(idx)
            st_parts.append(np.full(idx.shape[0], len(self.ids) - 1, np.int32))
        tx = np.concatenate(tx_parts) if tx_parts else np.empty(0, np.int64)
        st = np.concatenate(st_parts) if st_parts else np.empty(0, np.int32)
        # A few lines are forwarded twice by the same station.
        twice = rng.random(tx.shape[0]) < self.duplicate
        reps = np.where(twice, 2, 1)
        tx, st = np.repeat(tx, reps), np.repeat(st, reps)
        latency = rng.integers(5, 400, tx.shape[0])
        arrival = ts[tx] + latency
        order = np.lexsort((st, arrival))
        tx, st, arrival = tx[order], st[order], arrival[order]
        return Receptions(tx, st, arrival, arrival + self.skew_ms[st])


def satellite_passes(
    scenario: Scenario, start: int, end: int, rng: np.random.Generator
) -> npt.NDArray[np.int64]:
    """(start, end) of each satellite pass over the region, sorted; none without a satellite."""
    sat = scenario.satellite
    if sat is None or sat.passes_per_day <= 0:
        return np.empty((0, 2), np.int64)
    n = rng.poisson(sat.passes_per_day * (end - start) / _DAY)
    t0 = np.sort(rng.integers(start, end, max(int(n), 0)))
    return np.stack([t0, t0 + int(sat.pass_minutes * 60_000)], axis=1).astype(np.int64)
