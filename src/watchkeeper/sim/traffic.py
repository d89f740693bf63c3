"""Background traffic: what ships do on an ordinary day, as waypoints with times.

Each role has its own pattern, drawn from what the sea looks like in real AIS:
merchant ships sail sea lanes between ports and gateways (mid-voyage when the run
starts) and lie at anchor or alongside between voyages; ferries keep their
timetables; fishing boats leave their home port, work a ground slowly with many
turns, and come back; patrol vessels sweep an area and stop now and then;
pleasure craft make daytime trips. Every leg is checked against the land mask.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt

from watchkeeper.sim.fleet import Fleet, Ship, ship_for_role
from watchkeeper.sim.legs import KNOT_MS, NM, LegBuilder, distance_m, offset, split_at
from watchkeeper.sim.movers import Movers
from watchkeeper.sim.scenario import Area, Port, Scenario
from watchkeeper.sim.water import (
    CHECK_M,
    IsLand,
    NoRoute,
    SeaRouter,
    legs_on_water,
    nearest_water,
    open_water,
)

__all__ = ["TrafficPlanner", "moored"]

HOUR: Final = 3_600_000
MINUTE: Final = 60_000

#: ITU-R M.1371 navigational status codes the plan uses.
UNDER_WAY: Final = 0
AT_ANCHOR: Final = 1
NOT_UNDER_COMMAND: Final = 2
MOORED: Final = 5
FISHING: Final = 7
SART_ACTIVE: Final = 14
NOT_DEFINED: Final = 15

_SPEED_KN: Final = {
    "cargo": (11.0, 17.0),
    "tanker": (10.0, 14.5),
    "fishing": (7.0, 10.0),  # transit to and from the ground
    "patrol": (12.0, 22.0),
    "pleasure": (5.0, 16.0),
}


def moored(rng: np.random.Generator) -> int:
    """Alongside (5) or, for a fifth of the waiting ships, at anchor off the port (1)."""
    return AT_ANCHOR if rng.random() < 0.2 else MOORED


@dataclass
class TrafficPlanner:
    """Plans the background fleet of a scenario into a `LegBuilder`."""

    scenario: Scenario
    builder: LegBuilder
    movers: Movers
    fleet: Fleet
    router: SeaRouter
    is_land: IsLand
    rng: np.random.Generator
    start: int
    end: int
    _centres: dict[tuple[float, float], tuple[float, float]] = field(default_factory=dict)

    def plan(self, vessels: int) -> None:
        """Add `vessels` ships (ferries first, from the timetables; the rest by role shares)."""
        n_ferries = self._ferries()
        roles = ("cargo", "tanker", "fishing", "patrol", "pleasure")
        t = self.scenario.traffic
        shares = np.array([getattr(t, r) for r in roles])
        # Roles without the places they need are left out rather than failing.
        usable = np.array(
            [
                bool(self.scenario.lanes),
                bool(self.scenario.lanes),
                bool(self.scenario.fishing_grounds),
                bool(self.scenario.patrol_areas),
                bool(self.scenario.ports),
            ]
        )
        shares = np.where(usable, shares, 0.0)
        remaining = max(vessels - n_ferries, 0)
        if remaining == 0 or shares.sum() == 0:
            return
        counts = self.rng.multinomial(remaining, shares / shares.sum())
        for role, count in zip(roles, counts, strict=True):
            for _ in range(int(count)):
                getattr(self, f"_{role}")(role)

    # -- helpers ------------------------------------------------------------------

    def _ship(
        self, role: str, flags: list[str] | None = None, destination: str = ""
    ) -> tuple[int, Ship]:
        cls = "B" if self.rng.random() < self.scenario.traffic.class_b.get(role, 0.0) else "A"
        flag = self._flag(role, flags)
        ship = ship_for_role(self.rng, self.fleet, role, flag, cls, destination)
        mover = self.movers.add(ship.length_m, role)
        self.fleet.ships[mover] = ship
        return mover, ship

    def _flag(self, role: str, flags: list[str] | None) -> str:
        if flags:
            return str(self.rng.choice(flags))
        weights = self.scenario.traffic.flags
        if role in ("cargo", "tanker") and weights:
            keys = sorted(weights)
            p = np.array([weights[k] for k in keys], np.float64)
            return str(self.rng.choice(keys, p=p / p.sum()))
        countries = sorted({p.country for p in self.scenario.ports if p.country})
        return str(self.rng.choice(countries)) if countries else "PA"

    def _speed(self, role: str) -> float:
        lo, hi = _SPEED_KN[role]
        return float(self.rng.uniform(lo, hi))

    def _route(self, a: Port, b: Port) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        return self.router.route(a.lat, a.lon, b.lat, b.lon)

    def _voyages(
        self, mover: int, a: Port, b: Port, speed: float, t: int, first_fraction: float
    ) -> None:
        """Sail a→b→a… from `t` until the end, starting `first_fraction` into the first voyage."""
        leg = 0
        berth: tuple[float, float] | None = None
        while t < self.end:
            lat, lon = self._route(a, b) if leg % 2 == 0 else self._route(b, a)
            if leg == 0 and first_fraction > 0:
                total = float(distance_m(lat[:-1], lon[:-1], lat[1:], lon[1:]).sum())
                _, (lat, lon) = split_at(lat, lon, first_fraction * total)
            here = b if leg % 2 == 0 else a
            here_from = a if leg % 2 == 0 else b
            if berth is not None:
                t = self._cast_off(mover, berth, here_from, (lat[0], lon[0]), t)
            stay = int(self.rng.uniform(4, 30) * HOUR)
            if here.gateway:  # the edge of the map: the ship sails on and is gone
                t = self.builder.path(mover, lat, lon, t, speed)
                berth = None
            else:
                berth = self._berth(here)
                t = self.builder.arrive(mover, lat, lon, t, speed, berth)
                self.builder.stay(mover, *berth, t, t + stay, moored(self.rng))
            t += stay
            leg += 1

    def _cast_off(
        self,
        mover: int,
        berth: tuple[float, float],
        port: Port,
        start: tuple[float, float],
        t: int,
    ) -> int:
        """Creep at 2 kn from the berth by the harbour entrance to where the route
        starts (straight on, if that crosses no land); returns the time it is there."""
        lat = np.array([berth[0], port.lat, start[0]])
        lon = np.array([berth[1], port.lon, start[1]])
        if not legs_on_water(self.is_land, lat[:-1], lon[:-1], lat[1:], lon[1:], 50.0).all():
            return t
        return self.builder.path(mover, lat, lon, t, 2.0)

    def _berth(self, port: Port) -> tuple[float, float]:
        """A spot within ~1 km of the harbour entrance, on water and reached from it by
        water (ships creep between the two)."""
        for _ in range(10):
            lat, lon = offset(
                port.lat, port.lon, self.rng.uniform(0, 360), self.rng.uniform(50, 1000)
            )
            la, lo = np.atleast_1d(lat), np.atleast_1d(lon)
            if (
                open_water(self.is_land, la, lo)[0]
                and legs_on_water(
                    self.is_land, np.array([port.lat]), np.array([port.lon]), la, lo, 50.0
                )[0]
            ):
                return float(lat), float(lon)
        return port.lat, port.lon

    # -- roles --------------------------------------------------------------------

    def _cargo(self, role: str) -> None:
        lanes = self.scenario.lanes
        w = np.array([lane.weight for lane in lanes])
        lane = lanes[int(self.rng.choice(len(lanes), p=w / w.sum()))]
        a, b = (self.scenario.port(k) for k in lane.between)
        if self.rng.random() < 0.5:
            a, b = b, a
        mover, _ = self._ship(role, destination=b.key.upper())
        fraction = float(self.rng.uniform(0, 1))
        self._voyages(mover, a, b, self._speed(role), self.start, fraction)

    _tanker = _cargo

    def _ferries(self) -> int:
        """Ships that keep each line's timetable; returns how many.

        A departure whose round trip (two crossings and 1.5–3 h alongside at the
        far end) takes longer than a day needs several ships, taking the days in turn.
        """
        n = 0
        day_ms = 24 * HOUR
        day0 = self.start - self.start % day_ms - 2 * day_ms  # ships already at sea at the start
        days = int((self.end - day0) // day_ms) + 1
        for line in self.scenario.ferries:
            a, b = (self.scenario.port(k) for k in line.between)
            there = self._route(a, b)
            back = self._route(b, a)
            crossing = distance_m(there[0][:-1], there[1][:-1], there[0][1:], there[1][1:]).sum()
            crossing_ms = crossing / (line.speed_kn * KNOT_MS) * 1000
            ships = int((2 * crossing_ms + 3.5 * HOUR) // day_ms) + 1
            flags = [line.flag] if line.flag else [a.country or b.country or "PA"]
            for dep in line.departures:
                hh, mm = (int(x) for x in dep.split(":"))
                for k in range(ships):
                    mover, ship = self._ship("ferry", flags, destination=b.key.upper())
                    ship.cls = "A"
                    if line.operator:
                        ship.name = f"{line.operator} {ship.name.split()[0]}"[:20]
                    t_moored = day0
                    for day in range(k, days, ships):
                        depart = day0 + day * day_ms + (hh * 60 + mm) * MINUTE
                        if depart > self.end:
                            break
                        self.builder.stay(mover, a.lat, a.lon, t_moored, depart, MOORED)
                        arrive = self.builder.arrive(mover, *there, depart, line.speed_kn)
                        leave = arrive + int(self.rng.uniform(1.5, 3) * HOUR)
                        self.builder.stay(mover, b.lat, b.lon, arrive, leave, MOORED)
                        t_moored = self.builder.arrive(mover, *back, leave, line.speed_kn)
                    self.builder.stay(
                        mover, a.lat, a.lon, t_moored, max(t_moored, self.end), MOORED
                    )
                    n += 1
        return n

    def _fishing(self, role: str) -> None:
        area = self._area(self.scenario.fishing_grounds)
        home = self.scenario.port(str(self.rng.choice(area.ports)))
        mover, _ = self._ship(role, area.flags or [home.country or "PA"])
        t = self.start - int(self.rng.uniform(0, 20) * HOUR)  # some are already out
        while t < self.end:
            hours = float(self.rng.uniform(4, 14))
            berth = self._berth(home)
            t = self._trip(
                mover, role, home, area, t, hours, (2.5, 4.5), FISHING, (0.6, 2.5), berth
            )
            rest = int(self.rng.uniform(6, 16) * HOUR)
            self.builder.stay(mover, *berth, t, t + rest, MOORED)
            t += rest

    def _patrol(self, role: str) -> None:
        area = self._area(self.scenario.patrol_areas)
        base = self.scenario.port(str(self.rng.choice(area.ports)))
        mover, _ = self._ship(role, area.flags or [base.country or "PA"])
        t = self.start - int(self.rng.uniform(0, 12) * HOUR)
        while t < self.end:
            hours = float(self.rng.uniform(4, 10))
            berth = self._berth(base)
            t = self._trip(
                mover, role, base, area, t, hours, (8.0, 18.0), UNDER_WAY, (4.0, 12.0), berth
            )
            rest = int(self.rng.uniform(4, 12) * HOUR)
            self.builder.stay(mover, *berth, t, t + rest, MOORED)
            t += rest

    def _pleasure(self, role: str) -> None:
        ports = [p for p in self.scenario.ports if not p.gateway]
        home = ports[int(self.rng.integers(len(ports)))]
        mover, _ = self._ship(role, [home.country or "PA"])
        area = Area(name="day trip", lat=home.lat, lon=home.lon, radius_nm=12, ports=[home.key])
        day = self.start - self.start % (24 * HOUR)
        t_free = self.start
        berth = self._berth(home)  # a marina berth of its own
        while day < self.end:
            leave = day + int(self.rng.uniform(8, 12) * HOUR)
            if self.rng.random() < 0.6 and leave > t_free:
                self.builder.stay(mover, *berth, t_free, leave, MOORED)
                hours = float(self.rng.uniform(1, 4))
                t_free = self._trip(
                    mover, role, home, area, leave, hours, (0.0, 6.0), UNDER_WAY, (0.5, 3.0), berth
                )
            day += 24 * HOUR
        if t_free < self.end:
            self.builder.stay(mover, *berth, t_free, self.end, MOORED)

    def _trip(
        self,
        mover: int,
        role: str,
        port: Port,
        area: Area,
        t: int,
        hours: float,
        speed: tuple[float, float],
        status: int,
        step_nm: tuple[float, float],
        berth: tuple[float, float],
    ) -> int:
        """From the `berth` out to a spot of the area, work there for `hours`, and home to
        the same berth; returns the time it is alongside again.

        The way home is the sea route from where work ended; when that end lies in
        a pocket the router cannot leave, the boat retraces its own wake instead,
        which is water by construction.
        """
        spot, (out_lat, out_lon) = self._reachable(port, area)
        t = self._cast_off(mover, berth, port, (out_lat[0], out_lon[0]), t)
        t = self.builder.path(mover, out_lat, out_lon, t, self._speed(role))
        t, wlat, wlon = self._work(
            mover, spot, area, t, hours=hours, speed=speed, status=status, step_nm=step_nm
        )
        try:
            lat, lon = self._via(port, area, (float(wlat[-1]), float(wlon[-1])), outward=False)
        except NoRoute:
            lat = np.concatenate([wlat[::-1], out_lat[::-1][1:]])
            lon = np.concatenate([wlon[::-1], out_lon[::-1][1:]])
        return self.builder.arrive(mover, lat, lon, t, self._speed(role), berth)

    # -- motion inside an area -------------------------------------------------------

    def _via(
        self, port: Port, area: Area, spot: tuple[float, float], *, outward: bool
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Port to a spot in the area (or back) through the area's centre.

        The port-to-centre route is the same for every boat of the area, so it is
        computed once; centre to spot is usually open water (one straight check).
        """
        centre = self._centre(area)
        if outward:
            a = self.router.route(port.lat, port.lon, *centre)
            b = self.router.route(*centre, *spot)
        else:
            a = self.router.route(*spot, *centre)
            b = self.router.route(*centre, port.lat, port.lon)
        return np.concatenate([a[0], b[0][1:]]), np.concatenate([a[1], b[1][1:]])

    def _reachable(
        self, port: Port, area: Area
    ) -> tuple[tuple[float, float], tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]]:
        """A random spot in the area that can be reached by sea from the port, and the way there.

        Spots in a closed basin (a lagoon behind a canal narrower than the land
        mask resolves) have no route: draw another.
        """
        for _ in range(20):
            spot = self._point_in(area)
            try:
                return spot, self._via(port, area, spot, outward=True)
            except NoRoute:
                continue
        raise NoRoute(f"no spot of {area.name!r} can be reached by sea from {port.name}")

    def _centre(self, area: Area) -> tuple[float, float]:
        """The area's centre, or the nearest open water to it (computed once per area)."""
        key = (area.lat, area.lon)
        if key not in self._centres:
            lat, lon = nearest_water(
                self.is_land, np.array([area.lat]), np.array([area.lon]), 30_000.0
            )
            self._centres[key] = (float(lat[0]), float(lon[0]))
        return self._centres[key]

    def _area(self, areas: list[Area]) -> Area:
        w = np.array([a.weight for a in areas])
        return areas[int(self.rng.choice(len(areas), p=w / w.sum()))]

    def _point_in(self, area: Area) -> tuple[float, float]:
        """A random water point within the area (uniform over the disc)."""
        for _ in range(50):
            r = area.radius_nm * NM * np.sqrt(self.rng.random())
            lat, lon = offset(area.lat, area.lon, self.rng.uniform(0, 360), r)
            if not self.is_land(np.atleast_1d(lat), np.atleast_1d(lon))[0]:
                return float(lat), float(lon)
        return area.lat, area.lon

    def _work(
        self,
        mover: int,
        spot: tuple[float, float],
        area: Area,
        t: int,
        *,
        hours: float,
        speed: tuple[float, float],
        status: int,
        step_nm: tuple[float, float] = (0.6, 2.5),
    ) -> tuple[int, npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Wander inside the area with persistent, water-checked turns for about `hours`:
        (end time, waypoints).

        Leg speeds are drawn from `speed` but no slower than the mean the planned hours
        need (capped at the range's top): a slow draw on a long leg would otherwise
        stretch a two-hour trip into ten hours of idling at 0.3 kn, which no skipper does.
        """
        n = max(int(hours * 3), 2)
        lat = np.empty(n + 1)
        lon = np.empty(n + 1)
        lat[0], lon[0] = spot
        course = float(self.rng.uniform(0, 360))
        for i in range(n):
            # Eight candidate headings around the current one: keep the first on water and in the area.
            tries = (course + self.rng.normal(0, 50) + np.arange(8) * 45.0) % 360
            dist = self.rng.uniform(*step_nm) * NM
            clat, clon = offset(np.full(8, lat[i]), np.full(8, lon[i]), tries, np.full(8, dist))
            inside = _within(clat, clon, area)
            ok = inside & legs_on_water(
                self.is_land, np.full(8, lat[i]), np.full(8, lon[i]), clat, clon, CHECK_M
            )
            j = int(np.argmax(ok)) if ok.any() else -1
            if j < 0:
                lat[i + 1], lon[i + 1] = lat[i], lon[i]
            else:
                lat[i + 1], lon[i + 1], course = clat[j], clon[j], tries[j]
        d = distance_m(lat[:-1], lon[:-1], lat[1:], lon[1:])
        needed_kn = min(float(d.sum()) / (hours * 3600.0) / KNOT_MS, speed[1])
        v = np.maximum(self.rng.uniform(*speed, size=n), max(needed_kn, 0.3))
        dt = np.maximum(d / (v * KNOT_MS), 60.0) * 1000
        times = t + np.concatenate([[0], np.cumsum(dt)]).astype(np.int64)
        self.builder.timed(mover, lat, lon, times, status)
        return int(times[-1]), lat, lon


def _within(
    lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64], area: Area
) -> npt.NDArray[np.bool_]:
    return distance_m(lat, lon, area.lat, area.lon) <= area.radius_nm * NM
