"""The land border: vehicles and people at and between the official crossing points.

Traffic at an official crossing arrives along the road from 5–10 km inside one
country, waits at the post (vehicles 15–90 min, people on foot 10–40 min) and goes
on 5–10 km into the other. Patrol vehicles drive along the border a few
kilometres inside their own side. An injected `border_crossing` is a group on foot
or a smugglers' pick-up crossing the line at least 5 km from any official
crossing, mostly at night, from 3–8 km on one side to 3–8 km on the other.
"""

from __future__ import annotations

from typing import Final, NamedTuple

import numpy as np

from watchkeeper.sim.legs import KNOT_MS, LegBuilder, bearing_deg, distance_m, step
from watchkeeper.sim.movers import Movers
from watchkeeper.sim.scenario import Land, Scenario
from watchkeeper.sim.truth import TruthEvent
from watchkeeper.sim.water import IsLand

__all__ = ["border_point", "plan_land", "side_of"]

HOUR: Final = 3_600_000
MINUTE: Final = 60_000
_KMH: Final = 1000 / 3600 / KNOT_MS  # knots per km/h
_FOOT_KN: Final = 4.5 * _KMH
_VEHICLE_KN: Final = 40 * _KMH
_OFFROAD_KN: Final = 25 * _KMH


def _line(land: Land) -> tuple[np.ndarray, np.ndarray]:
    pts = np.array(land.border, np.float64)
    return pts[:, 0], pts[:, 1]


def border_point(land: Land, fraction: float) -> tuple[float, float, float]:
    """The point `fraction` of the way along the border, and the border's bearing there."""
    lat, lon = _line(land)
    d = np.concatenate([[0.0], np.cumsum(distance_m(lat[:-1], lon[:-1], lat[1:], lon[1:]))])
    at = fraction * d[-1]
    i = int(np.clip(np.searchsorted(d, at, side="right") - 1, 0, len(d) - 2))
    f = (at - d[i]) / max(d[i + 1] - d[i], 1e-9)
    b = float(bearing_deg(lat[i], lon[i], lat[i + 1], lon[i + 1]))
    return float(lat[i] + f * (lat[i + 1] - lat[i])), float(lon[i] + f * (lon[i + 1] - lon[i])), b


def side_of(land: Land, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """+1 for points on side A (left of the line as drawn), -1 for side B, by the nearest segment."""
    blat, blon = _line(land)
    la = np.asarray(lat, np.float64)[:, None]
    lo = np.asarray(lon, np.float64)[:, None]
    ax, ay, bx, by = blon[:-1], blat[:-1], blon[1:], blat[1:]
    dx, dy = bx - ax, by - ay
    t = np.clip(((lo - ax) * dx + (la - ay) * dy) / (dx * dx + dy * dy), 0, 1)
    px, py = ax + t * dx, ay + t * dy
    near = np.argmin((lo - px) ** 2 + (la - py) ** 2, axis=1)
    rows = np.arange(la.shape[0])
    cross = dx[near] * (la[:, 0] - ay[near]) - dy[near] * (lo[:, 0] - ax[near])
    del rows
    return np.where(cross > 0, 1, -1)


def _inland(
    is_land: IsLand, lat: float, lon: float, bearing: float, km: float
) -> tuple[float, float] | None:
    p = step(lat, lon, bearing, km * 1000)
    if is_land(np.array([p[0]]), np.array([p[1]]))[0]:
        return p
    return None


def plan_land(
    scenario: Scenario,
    builder: LegBuilder,
    movers: Movers,
    start: int,
    end: int,
    rng: np.random.Generator,
    is_land: IsLand,
) -> list[TruthEvent]:
    """Add the border's traffic, patrols and injected crossings; returns the crossings' truth."""
    land = scenario.land
    if land is None:
        return []
    border = _Border(land, builder, movers, start, end, rng, is_land)
    _official(border)
    _patrols(border)
    per_day = scenario.behaviours.get("border_crossing", 0)
    count = max(1, round(per_day * (end - start) / (24 * HOUR))) if per_day else 0
    truth: list[TruthEvent] = []
    for _ in range(count * 10):
        if len(truth) == count:
            break
        event = _crossing(border)
        if event is not None:
            truth.append(event)
    return truth


class _Border(NamedTuple):
    """What every part of the border plan works with."""

    land: Land
    builder: LegBuilder
    movers: Movers
    start: int
    end: int
    rng: np.random.Generator
    is_land: IsLand


def _normal(land: Land, lat: float, lon: float) -> float:
    """Bearing pointing into side A at the border point nearest (lat, lon)."""
    blat, blon = _line(land)
    d = distance_m(blat, blon, lat, lon)
    i = min(int(np.argmin(d)), len(blat) - 2)
    return float(bearing_deg(blat[i], blon[i], blat[i + 1], blon[i + 1]) - 90.0) % 360


def _official(border: _Border) -> None:
    land, builder, movers, start, end, rng, is_land = border
    hours = (end - start + HOUR) / HOUR
    for post in land.crossings:
        into_a = _normal(land, post.lat, post.lon)
        for kind, rate in (
            ("vehicle", land.vehicles_per_hour),
            ("person", land.pedestrians_per_hour),
        ):
            n = int(rng.poisson(rate * hours))
            for t_arrive in np.sort(rng.integers(start - HOUR, end, n)):
                towards_b = rng.random() < 0.5
                far = _inland(
                    is_land,
                    post.lat,
                    post.lon,
                    into_a if towards_b else into_a + 180,
                    rng.uniform(5, 10),
                )
                beyond = _inland(
                    is_land,
                    post.lat,
                    post.lon,
                    into_a + 180 if towards_b else into_a,
                    rng.uniform(5, 10),
                )
                if far is None or beyond is None:
                    continue
                speed = _VEHICLE_KN if kind == "vehicle" else _FOOT_KN
                mover = movers.add(
                    float(rng.uniform(4, 6)) if kind == "vehicle" else 1.7,
                    kind,
                    on_land=True,
                    ais=False,
                )
                gate = step(post.lat, post.lon, rng.uniform(0, 360), rng.uniform(0, 150))
                d_in = float(distance_m(far[0], far[1], gate[0], gate[1]))
                t0 = int(t_arrive) - int(d_in / (speed * KNOT_MS) * 1000)
                wait = int(
                    rng.uniform(15, 90) * MINUTE
                    if kind == "vehicle"
                    else rng.uniform(10, 40) * MINUTE
                )
                t_in = builder.path(mover, [far[0], gate[0]], [far[1], gate[1]], t0, speed)
                builder.stay(mover, gate[0], gate[1], t_in, t_in + wait, 0)
                builder.path(mover, [gate[0], beyond[0]], [gate[1], beyond[1]], t_in + wait, speed)


def _patrols(border: _Border) -> None:
    land, builder, movers, start, end, rng, is_land = border
    blat, blon = _line(land)
    length_m = float(distance_m(blat[:-1], blon[:-1], blat[1:], blon[1:]).sum())
    for _ in range(land.patrols):
        mover = movers.add(5.0, "vehicle", on_land=True, ais=False)
        side = 1 if rng.random() < 0.5 else -1
        t = start - int(rng.uniform(0, 2) * HOUR)
        while t < end:
            f0, f1 = rng.uniform(0, 1, 2)
            pts = []
            # A point every 2 km: straight chords between fewer would cut across the
            # line where it bends, and a patrol stays on its own side.
            for f in np.linspace(f0, f1, max(2, int(abs(f1 - f0) * length_m / 2_000))):
                lat, lon, b = border_point(land, float(f))
                p = _inland(is_land, lat, lon, b - 90 * side, float(rng.uniform(2, 4)))
                if p is not None:
                    pts.append(p)
            if len(pts) >= 2:
                t = builder.path(mover, [p[0] for p in pts], [p[1] for p in pts], t, _OFFROAD_KN)
            pause = int(rng.uniform(0.5, 2) * HOUR)
            if pts:
                builder.stay(mover, pts[-1][0], pts[-1][1], t, t + pause, 0)
            t += pause


def _crossing(border: _Border) -> TruthEvent | None:
    land, builder, movers, start, end, rng, is_land = border
    lat, lon, b = border_point(land, float(rng.uniform(0.02, 0.98)))
    posts = np.array([(c.lat, c.lon) for c in land.crossings])
    if distance_m(posts[:, 0], posts[:, 1], lat, lon).min() < 5_000:
        return None
    if not is_land(np.array([lat]), np.array([lon]))[0]:
        return None
    a_to_b = rng.random() < 0.5
    into_from = b - 90 if not a_to_b else b + 90  # start on the side we come from
    src = _inland(is_land, lat, lon, into_from, float(rng.uniform(3, 8)))
    dst = _inland(is_land, lat, lon, into_from + 180, float(rng.uniform(3, 8)))
    if src is None or dst is None:
        return None
    vehicle = rng.random() < 0.35
    speed = _OFFROAD_KN if vehicle else _FOOT_KN
    people = int(rng.integers(1, 4)) if vehicle else int(rng.integers(3, 16))
    mover = movers.add(
        5.0 if vehicle else 1.7 * min(people, 4),
        "vehicle" if vehicle else "person",
        on_land=True,
        ais=False,
    )
    duration = int(
        (distance_m(src[0], src[1], lat, lon) + distance_m(lat, lon, dst[0], dst[1]))
        / (speed * KNOT_MS)
        * 1000
    )
    for _ in range(50):
        t0 = int(rng.integers(start, max(start + 1, end - duration)))
        local_h = (t0 / HOUR + lon / 15) % 24
        if local_h >= 20 or local_h < 4 or rng.random() < 0.15:
            break
    t_cross = builder.path(mover, [src[0], lat], [src[1], lon], t0, speed)
    t1 = builder.path(mover, [lat, dst[0]], [lon, dst[1]], t_cross, speed)
    countries = (land.side_a, land.side_b) if a_to_b else (land.side_b, land.side_a)
    return TruthEvent(
        "border_crossing",
        t0,
        min(t1, end),
        positions=[(t0, src[0], src[1]), (t_cross, lat, lon), (t1, dst[0], dst[1])],
        details={
            "mover": mover,
            "mode": "vehicle" if vehicle else "foot",
            "people": people,
            "direction": f"{countries[0]}->{countries[1]}",
            "crossing_lat": round(lat, 5),
            "crossing_lon": round(lon, 5),
        },
    )
