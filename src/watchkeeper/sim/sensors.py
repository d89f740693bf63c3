"""Sensor contacts: what radars, aircraft, satellites, patrols, ground radars and cameras see.

Every sensor looks on its own time grid (one plot per target every `interval_s`
while it is active) at every mover within its range, AIS or not: that is how a
dark target shows up. The model, kept simple and stated:

* detection: the sensor's `detection` probability, scaled down for small targets
  (`min(1, (length / 10 m) ** 0.5)`: a 2.5 m person is seen half as often as a
  10 m boat) and falling off over the last fifth of the range;
* position error: Gaussian with the sensor's `error_m` (1 sigma) per axis;
* speed and course: the true ones with noise (0.5 kn, 5°), none from satellite
  imagery and cameras (single frames);
* length: the true one with 20 % noise; none from cameras;
* classification: the mover's class with confidence 0.6–0.95, or `unknown`
  (confidence 0.2–0.5) for one plot in five;
* radars, aircraft and satellites see movers at sea, ground radars and cameras
  movers on land, and patrols (on foot, in a car or a boat) whatever is near them.

`contact_id` is `<sensor id>-<mover number>`: stable across windows, the same
track for one target, and unrelated to any AIS identity.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from watchkeeper import schema
from watchkeeper.sim.legs import NM, Legs, distance_m, offset
from watchkeeper.sim.movers import Movers
from watchkeeper.sim.scenario import Sensor

__all__ = ["active_mask", "observe"]

_LAND_SENSORS: Final = ("ground_radar", "camera")
_SNAPSHOT: Final = ("satellite", "camera")  # single frames: no speed or course
_DAY_MS: Final = 86_400_000


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def active_mask(sensor: Sensor, ts: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """True at the times the sensor is active (UTC windows, which may wrap midnight)."""
    if not sensor.active:
        return np.ones(ts.shape[0], np.bool_)
    minute = (ts % _DAY_MS) // 60_000
    on = np.zeros(ts.shape[0], np.bool_)
    for a, b in sensor.active:
        s, e = _minutes(a), _minutes(b)
        on |= ((minute >= s) & (minute < e)) if s <= e else ((minute >= s) | (minute < e))
    return on


def observe(
    legs: Legs,
    movers: Movers,
    sensors: Sequence[Sensor],
    w0: int,
    w1: int,
    rng: np.random.Generator,
) -> tuple[pa.Table, dict[int, set[str]], npt.NDArray[np.int64]]:
    """Contacts of every sensor in [w0, w1) (CONTACTS schema, by time), who each sensor
    saw, and when: one `mover << 32 | minute` per plot (a track's ids say who was seen,
    not when: a satellite's id for a boat spans every pass that saw it)."""
    length, classification, on_land, _ = movers.arrays()
    live = np.flatnonzero((legs.t0 < w1) & (legs.t1 > w0))
    candidates = np.unique(legs.mover[live])
    tables: list[pa.Table] = []
    seen: dict[int, set[str]] = {}
    sighted: list[npt.NDArray[np.int64]] = []
    for sensor in sensors:
        iv = int(sensor.interval_s * 1000)
        times = np.arange(-(-w0 // iv) * iv, w1, iv, dtype=np.int64)
        times = times[active_mask(sensor, times)]
        if sensor.kind == "patrol":
            who = candidates
        else:
            who = candidates[on_land[candidates] == (sensor.kind in _LAND_SENSORS)]
        who = who[length[who] >= sensor.min_length_m]
        if times.size == 0 or who.size == 0:
            continue
        m = np.repeat(who, times.size).astype(np.int32)
        ts = np.tile(times, who.size)
        leg = legs.find(m, ts)
        ok = leg >= 0
        m, ts, leg = m[ok], ts[ok], leg[ok]
        lat, lon = legs.locate(leg, ts)
        d = distance_m(lat, lon, sensor.lat, sensor.lon)
        rng_m = sensor.range_nm * NM
        near = d < rng_m
        m, ts, leg, lat, lon, d = m[near], ts[near], leg[near], lat[near], lon[near], d[near]
        size = np.minimum(1.0, np.sqrt(np.maximum(length[m], 0.3) / 10.0))
        edge = np.clip((rng_m - d) / (0.2 * rng_m), 0.0, 1.0)
        hit = rng.random(m.shape[0]) < sensor.detection * size * edge
        m, ts, leg, lat, lon = m[hit], ts[hit], leg[hit], lat[hit], lon[hit]
        n = m.shape[0]
        if n == 0:
            continue
        err = rng.normal(0.0, sensor.error_m, (2, n))
        lat, lon = offset(lat, lon, 0.0, err[0])
        lat, lon = offset(lat, lon, 90.0, err[1])
        snapshot = sensor.kind in _SNAPSHOT
        speed = np.maximum(legs.speed_kn[leg] + rng.normal(0, 0.5, n), 0.0)
        course = (legs.course[leg] + rng.normal(0, 5.0, n)) % 360
        unknown = rng.random(n) < 0.2
        ids = np.char.add(f"{sensor.id}-", np.char.zfill(m.astype(str), 5))
        for mover in np.unique(m):
            seen.setdefault(int(mover), set()).add(f"{sensor.id}-{int(mover):05d}")
        sighted.append((m.astype(np.int64) << 32) | (ts // 60_000))
        tables.append(
            pa.table(
                {
                    "contact_id": pa.array(ids.tolist(), pa.string()),
                    "sensor": pa.array([sensor.kind] * n, pa.string()),
                    "sensor_id": pa.array([sensor.id] * n, pa.string()),
                    "ts": pa.array(ts, pa.timestamp("ms", tz="UTC")),
                    "lat": pa.array(lat, pa.float64()),
                    "lon": pa.array(lon, pa.float64()),
                    "speed_kn": pa.array(
                        np.round(speed, 1), pa.float32(), mask=np.full(n, snapshot)
                    ),
                    "course": pa.array(
                        np.round(course, 1), pa.float32(), mask=np.full(n, snapshot)
                    ),
                    "length_m": pa.array(
                        np.round(length[m] * rng.normal(1.0, 0.2, n).clip(0.5, 1.5), 1),
                        pa.float32(),
                        mask=np.full(n, sensor.kind == "camera"),
                    ),
                    "classification": pa.array(
                        np.where(unknown, "unknown", classification[m]).tolist(), pa.string()
                    ),
                    "confidence": pa.array(
                        np.round(
                            np.where(unknown, rng.uniform(0.2, 0.5, n), rng.uniform(0.6, 0.95, n)),
                            2,
                        ),
                        pa.float32(),
                    ),
                }
            )
        )
    if not tables:
        return schema.CONTACTS.empty_table(), seen, np.empty(0, np.int64)
    table = pa.concat_tables(tables).combine_chunks().cast(schema.CONTACTS)
    order = pc.sort_indices(table, [("ts", "ascending"), ("contact_id", "ascending")])
    return table.take(order), seen, np.concatenate(sighted)
