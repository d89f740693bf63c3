"""What the transponders send in a time window: AIS reports as columns, at ITU-R rates.

Reporting intervals follow ITU-R M.1371-5 (annex 1, tables 1 and 2):

* class A: 3 min at anchor or moored and slower than 3 kn; 10 s at 0–14 kn
  (3⅓ s while changing course); 6 s at 14–23 kn (2 s turning); 2 s above 23 kn;
  static and voyage data (type 5) every 6 min;
* class B "CS": 30 s above 2 kn, 3 min at or below 2 kn; static data (type 24
  parts A and B) every 6 min;
* AIS-SART, MOB and EPIRB-AIS: a burst of 8 position reports every minute, and a
  safety broadcast (type 14, "SART ACTIVE" / "MOB ACTIVE") every 4 min.

A vessel "changes course" for the first minute of a leg whose course differs from
the previous leg's by more than 10°; its rate of turn is reported then. Sensor
noise (a few metres, a tenth of a knot, half a degree) is added to what is sent,
never to the plan, so the truth stays exact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt

from watchkeeper.sim.fleet import Fleet
from watchkeeper.sim.legs import Legs, grid_times

__all__ = ["Overrides", "Reports", "position_reports", "safety_reports", "static_reports"]

SECOND: Final = 1000
_TURN_MS: Final = 60 * SECOND
_TURNING_DEG: Final = 10.0
_STATIC_MS: Final = 360 * SECOND
_SAFETY_MS: Final = 240 * SECOND
_BURST: Final = 8  # AIS-SART: 8 reports per minute (IEC 61097-14)

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


@dataclass
class Overrides:
    """Behaviours that change what is sent rather than where a mover is.

    `silent`: (mover, start, end) transponder off. `shift`: (mover, start, end,
    dlat, dlon) reported position offset (a jump). `fixed`: (mover, start, end,
    lat, lon) a reported position that does not move (e.g. on land).
    """

    silent: list[tuple[int, int, int]] = field(default_factory=list)
    shift: list[tuple[int, int, int, float, float]] = field(default_factory=list)
    fixed: list[tuple[int, int, int, float, float]] = field(default_factory=list)

    def keep(self, mover: npt.NDArray[np.int32], ts: I64) -> npt.NDArray[np.bool_]:
        """False for reports sent while the mover's transponder is off."""
        keep = np.ones(mover.shape[0], np.bool_)
        for m, s, e in self.silent:
            keep &= ~((mover == m) & (ts >= s) & (ts < e))
        return keep

    def apply(self, mover: npt.NDArray[np.int32], ts: I64, lat: F64, lon: F64) -> None:
        """Replace reported positions, in place, where a spoofing behaviour is on."""
        for m, s, e, dlat, dlon in self.shift:
            on = (mover == m) & (ts >= s) & (ts < e)
            lat[on] += dlat
            lon[on] += dlon
        for m, s, e, flat, flon in self.fixed:
            on = (mover == m) & (ts >= s) & (ts < e)
            lat[on] = flat
            lon[on] = flon


@dataclass
class Reports:
    """Columns of one kind of message, one row per transmission, sorted by time."""

    mover: npt.NDArray[np.int32]
    ts: I64
    columns: dict[str, npt.NDArray[np.generic]]

    def __len__(self) -> int:
        return int(self.ts.shape[0])

    def take(self, keep: npt.NDArray[np.bool_] | I64) -> Reports:
        """The rows selected by a mask or index."""
        return Reports(
            self.mover[keep], self.ts[keep], {k: v[keep] for k, v in self.columns.items()}
        )


def _wrap(deg: F64) -> F64:
    """An angle difference in (-180, 180]."""
    return np.asarray((deg + 180.0) % 360.0 - 180.0, np.float64)


def _interval_ms(
    cls_b: npt.NDArray[np.bool_],
    sart: npt.NDArray[np.bool_],
    sog: F64,
    status: npt.NDArray[np.int8],
    turning: bool,
) -> I64:
    """ITU-R M.1371 reporting interval per leg (see the module docstring)."""
    stopped = ((status == 1) | (status == 5)) & (sog < 3.0)
    a = np.where(
        sog > 23, 2000, np.where(sog > 14, 2000 if turning else 6000, 3333 if turning else 10_000)
    )
    a = np.where(stopped, 180_000, a)
    b = np.where(sog > 2.0, 30_000, 180_000)
    out = np.where(cls_b, b, a)
    return np.asarray(np.where(sart, 60_000, out), np.int64)


def position_reports(
    legs: Legs, fleet: Fleet, overrides: Overrides, w0: int, w1: int, rng: np.random.Generator
) -> Reports:
    """Position reports of every transponder in [w0, w1), class A and B together.

    Columns: msg_type (1, 3 or 18), mmsi, lat, lon, sog, cog, heading, nav_status,
    turn_raw, second, accuracy.
    """
    movers = np.array(sorted(fleet.ships), np.int32)
    if movers.size == 0 or len(legs) == 0:
        return _empty()
    on = np.flatnonzero(np.isin(legs.mover, movers) & (legs.t0 < w1) & (legs.t1 > w0))
    mover = legs.mover[on]
    mmsi_of, cls_b_of = fleet.by_mover(int(legs.mover.max()) + 1)
    sart = (mmsi_of[mover] // 1_000_000 >= 970) & (mmsi_of[mover] // 1_000_000 <= 974)
    sog = legs.speed_kn[on]
    course = legs.course[on]
    # Course change from the previous leg of the same mover: turning for one minute.
    prev = np.maximum(on - 1, 0)
    same = (legs.mover[prev] == mover) & (on > 0)
    stay_prev = legs.speed_kn[prev] < 0.05
    change = np.where(same & ~stay_prev & (sog >= 0.05), _wrap(course - legs.course[prev]), 0.0)
    turning = np.abs(change) > _TURNING_DEG
    phase = (mover.astype(np.int64) * 7919 % 10_000) * 1  # a fixed slot offset per mover

    parts = []
    status = legs.status[on]
    cls_b = cls_b_of[mover]
    for turn_part in (True, False):
        a = np.maximum(legs.t0[on], w0)
        b = np.minimum(legs.t1[on], w1)
        turn_end = legs.t0[on] + _TURN_MS
        if turn_part:
            b = np.where(turning & ~cls_b, np.minimum(b, turn_end), a)
        else:
            a = np.where(turning & ~cls_b, np.maximum(a, turn_end), a)
        iv = _interval_ms(cls_b, sart, sog, status, turn_part)
        leg_idx, ts = _grid(on, a, b, iv, phase)
        parts.append((leg_idx, ts, np.full(ts.shape[0], turn_part)))
    leg = np.concatenate([p[0] for p in parts])
    ts = np.concatenate([p[1] for p in parts])
    is_turn = np.concatenate([p[2] for p in parts])
    # SART bursts: 8 reports a second apart at each minute mark.
    pos_in_on = np.searchsorted(on, leg)
    burst = sart[pos_in_on]
    reps = np.where(burst, _BURST, 1)
    leg, ts, is_turn, pos_in_on = (np.repeat(x, reps) for x in (leg, ts, is_turn, pos_in_on))
    ts = ts + (np.arange(ts.shape[0]) - np.repeat(np.cumsum(reps) - reps, reps)) * SECOND
    # Slot jitter: reports are not exactly on the second.
    ts = ts + rng.integers(0, 400, ts.shape[0])
    keep = (ts >= w0) & (ts < w1) & (ts < legs.t1[leg])
    leg, ts, is_turn, pos_in_on = leg[keep], ts[keep], is_turn[keep], pos_in_on[keep]
    m = legs.mover[leg]
    keep = overrides.keep(m, ts)
    leg, ts, is_turn, pos_in_on, m = leg[keep], ts[keep], is_turn[keep], pos_in_on[keep], m[keep]
    order = np.lexsort((m, ts))
    leg, ts, is_turn, pos_in_on, m = (
        leg[order],
        ts[order],
        is_turn[order],
        pos_in_on[order],
        m[order],
    )

    n = ts.shape[0]
    lat, lon = legs.locate(leg, ts)
    lat = lat + rng.normal(0, 4.0 / 111_195, n)
    lon = lon + rng.normal(0, 4.0 / 111_195, n) / np.cos(np.radians(lat))
    overrides.apply(m, ts, lat, lon)
    v = sog[pos_in_on]
    moving = v >= 0.2
    sent_sog = np.clip(
        np.where(moving, v + rng.normal(0, 0.1, n), rng.uniform(0, 0.2, n)), 0, 102.2
    )
    true_cog = course[pos_in_on]
    cog = np.where(
        moving,
        (true_cog + rng.normal(0, 0.5 + 2.0 / np.maximum(v, 0.5), n)) % 360,
        rng.uniform(0, 360, n),
    )
    hoff = legs.heading_off[leg].astype(np.float64)
    heading = np.where(moving, true_cog, rng.uniform(0, 360, n)) + hoff + rng.normal(0, 1.0, n)
    heading = np.where(np.isnan(hoff), -1, np.round(heading) % 360).astype(np.int16)
    cls_b_row = cls_b_of[m]
    rate = change[pos_in_on] / (_TURN_MS / 60_000)  # degrees per minute over the turn
    turn_raw = np.where(
        is_turn, np.clip(np.round(4.733 * np.sqrt(np.abs(rate))) * np.sign(rate), -126, 126), 0
    )
    turn_raw = np.where(cls_b_row | (heading < 0), -128, turn_raw).astype(np.int8)
    msg_type = np.where(cls_b_row, 18, np.where(m % 10 == 3, 3, 1)).astype(np.int8)
    return Reports(
        m,
        ts,
        {
            "msg_type": msg_type,
            "mmsi": mmsi_of[m],
            "lat": lat,
            "lon": lon,
            "sog": np.round(sent_sog, 1),
            "cog": np.round(cog, 1) % 360,
            "heading": heading,
            "nav_status": np.where(cls_b_row, 15, legs.status[leg]).astype(np.int8),
            "turn_raw": turn_raw,
            "second": ((ts // 1000) % 60).astype(np.int8),
            "accuracy": ~cls_b_row,
        },
    )


def static_reports(legs: Legs, fleet: Fleet, overrides: Overrides, w0: int, w1: int) -> Reports:
    """Static data every 6 min while a transponder has legs: type 5 (A) or 24 A+B (B).

    Columns: msg_type, part (24 only; -1 otherwise), mmsi, lat, lon (where it was
    sent, for reception), plus the particulars in force at that time.
    """
    movers = np.array(sorted(fleet.ships), np.int32)
    on = np.flatnonzero(np.isin(legs.mover, movers) & (legs.t0 < w1) & (legs.t1 > w0))
    if on.size == 0:
        return _empty()
    mover = legs.mover[on]
    phase = (mover.astype(np.int64) * 104_729) % _STATIC_MS
    iv = np.full(on.shape[0], _STATIC_MS, np.int64)
    leg, ts = _grid(on, np.maximum(legs.t0[on], w0), np.minimum(legs.t1[on], w1), iv, phase)
    m = legs.mover[leg]
    keep = overrides.keep(m, ts)
    leg, ts, m = leg[keep], ts[keep], m[keep]
    is_b = fleet.by_mover(int(legs.mover.max()) + 1)[1][m]
    # Class B sends part A and part B one after the other.
    reps = np.where(is_b, 2, 1)
    leg, ts, is_b = np.repeat(leg, reps), np.repeat(ts, reps), np.repeat(is_b, reps)
    m = np.repeat(m, reps)
    part = np.where(
        is_b, np.arange(ts.shape[0]) - np.repeat(np.cumsum(reps) - reps, reps), -1
    ).astype(np.int8)
    ts = ts + np.maximum(part, 0).astype(np.int64) * 2 * SECOND
    order = np.lexsort((m, ts))
    leg, ts, m, is_b, part = leg[order], ts[order], m[order], is_b[order], part[order]
    lat, lon = legs.locate(leg, ts)
    overrides.apply(m, ts, lat, lon)
    cols = _particulars(fleet, m, ts)
    cols.update(
        msg_type=np.where(is_b, 24, 5).astype(np.int8),
        part=part,
        lat=lat,
        lon=lon,
        nav_status=legs.status[leg],
    )
    return Reports(m, ts, cols)


#: Safety broadcast text by beacon kind (IEC 61097-14 and the MOB and EPIRB-AIS standards).
_BEACON_TEXT: Final = {970: b"SART ACTIVE", 972: b"MOB ACTIVE", 974: b"EPIRB ACTIVE"}


def safety_reports(legs: Legs, fleet: Fleet, overrides: Overrides, w0: int, w1: int) -> Reports:
    """Type 14 safety broadcasts of active distress beacons, every 4 min.

    Columns: msg_type, mmsi, text, lat, lon (for reception).
    """
    beacons = np.array(
        [m for m, s in fleet.ships.items() if s.mmsi // 1_000_000 in _BEACON_TEXT], np.int32
    )
    on = np.flatnonzero(np.isin(legs.mover, beacons) & (legs.t0 < w1) & (legs.t1 > w0))
    if on.size == 0:
        return _empty()
    mover = legs.mover[on]
    phase = (mover.astype(np.int64) * 7_877) % _SAFETY_MS + 500
    iv = np.full(on.shape[0], _SAFETY_MS, np.int64)
    leg, ts = _grid(on, np.maximum(legs.t0[on], w0), np.minimum(legs.t1[on], w1), iv, phase)
    m = legs.mover[leg]
    keep = overrides.keep(m, ts)
    leg, ts, m = leg[keep], ts[keep], m[keep]
    order = np.lexsort((m, ts))
    leg, ts, m = leg[order], ts[order], m[order]
    lat, lon = legs.locate(leg, ts)
    mmsi = fleet.by_mover(int(legs.mover.max()) + 1)[0][m]
    kinds = np.array(sorted(_BEACON_TEXT))
    texts = np.array([_BEACON_TEXT[k] for k in kinds], "S20")
    text = texts[np.searchsorted(kinds, mmsi // 1_000_000)]
    return Reports(
        m,
        ts,
        {
            "msg_type": np.full(ts.shape[0], 14, np.int8),
            "mmsi": mmsi,
            "text": text,
            "lat": lat,
            "lon": lon,
        },
    )


def _particulars(
    fleet: Fleet, mover: npt.NDArray[np.int32], ts: I64
) -> dict[str, npt.NDArray[np.generic]]:
    """Identity columns per report, honouring renames in force at each report's time."""
    n = mover.shape[0]
    name = np.empty(n, "S20")
    callsign = np.empty(n, "S7")
    dest = np.empty(n, "S20")
    mmsi = np.zeros(n, np.int64)
    imo = np.zeros(n, np.int64)
    ship_type = np.zeros(n, np.int16)
    dims = np.zeros((n, 4), np.int16)
    draught = np.zeros(n, np.float32)
    for m in np.unique(mover):
        s = fleet.ships[int(m)]
        rows = np.flatnonzero(mover == m)
        mmsi[rows] = s.mmsi
        name[rows] = s.name.encode("ascii", "replace")
        callsign[rows] = s.callsign.encode("ascii", "replace")
        dest[rows] = s.destination.encode("ascii", "replace")
        imo[rows] = s.imo
        ship_type[rows] = s.ship_type
        to_bow = round(s.length_m * 0.8)
        dims[rows] = (
            to_bow,
            round(s.length_m) - to_bow,
            round(s.beam_m / 2),
            round(s.beam_m) - round(s.beam_m / 2),
        )
        draught[rows] = s.draught_m
        for t_from, new_name, new_call, new_imo in sorted(s.renames):
            later = rows[ts[rows] >= t_from]
            name[later] = new_name.encode("ascii", "replace")
            callsign[later] = new_call.encode("ascii", "replace")
            imo[later] = new_imo
    return {
        "mmsi": mmsi,
        "name": name,
        "callsign": callsign,
        "destination": dest,
        "imo": imo,
        "ship_type": ship_type,
        "to_bow": dims[:, 0],
        "to_stern": dims[:, 1],
        "to_port": dims[:, 2],
        "to_starboard": dims[:, 3],
        "draught": draught,
    }


def _grid(legs: I64, a: I64, b: I64, interval: I64, phase: I64) -> tuple[I64, I64]:
    """Times `phase + k * interval` in [a, b) for each leg: (leg per time, time)."""
    which, ts = grid_times(a, b, interval, phase)
    return legs[which], ts


def _empty() -> Reports:
    return Reports(np.empty(0, np.int32), np.empty(0, np.int64), {})
