"""Injected behaviours: the events detectors must find, each with its ground truth.

Every injector adds movers and legs (a boat that departs, drifts or meets a
mother ship), or changes what a transponder sends (`transmit.Overrides`: silence,
jumps, positions on land), and returns the `TruthEvent` that says exactly what
happened. The shapes follow the definitions detectors use in practice:

* `encounter`: Global Fishing Watch — two vessels within 500 m, median speed
  under 2 kn, for 2 h or more, at least 10 km from a port; the small-craft variant
  lies alongside a mother ship for under an hour.
* `loitering`: under 2 kn for hours off a departure coast, at night.
* `drift`: DMA AisAbnormal — SOG 1–5 kn with |COG − heading| ≥ 45° for at least
  10 min and 500 m; small boats without a heading drift with a wandering course.
* `distress_beacon`: AIS-SART (970), MOB (972) and EPIRB-AIS (974) identities,
  nav status 14, bursts of reports and "SART ACTIVE" safety broadcasts.
* `ais_gap`: a transponder silent for hours while inside shore coverage.
* `identity_spoofing`: a second ship on an MMSI in use, invalid MMSIs, changing names.
* `position_spoofing`: jumps no vessel can sail, and reported positions on land.
* `departure`: small craft leaving a beach at night for a landing coast, with or
  without AIS; the boats of `drift` and `encounter` leave a beach too, and their
  outbound legs are recorded as departures as well;
  `dark_target`: boats with no AIS that sensors see.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt

from watchkeeper.sim.fleet import Fleet, Ship, ship_for_role
from watchkeeper.sim.legs import (
    NM,
    LegBuilder,
    Legs,
    bearing_deg,
    distance_m,
    offset,
    split_at,
    step,
)
from watchkeeper.sim.movers import Movers
from watchkeeper.sim.receivers import Stations
from watchkeeper.sim.scenario import Scenario
from watchkeeper.sim.traffic import (
    FISHING,
    HOUR,
    MINUTE,
    MOORED,
    NOT_UNDER_COMMAND,
    SART_ACTIVE,
    UNDER_WAY,
)
from watchkeeper.sim.transmit import Overrides
from watchkeeper.sim.truth import TruthEvent
from watchkeeper.sim.water import (
    CHECK_M,
    IsLand,
    NoRoute,
    SeaRouter,
    at_the_shore,
    legs_on_water,
    nearest_water,
    open_water,
)

__all__ = ["SEA_BEHAVIOURS", "Injector"]

log = logging.getLogger(__name__)

_DAY: Final = 24 * HOUR
_STRAIGHT_NM: Final = 40.0  # how far a crossing runs straight out from its beach
_MIN_STRAIGHT_NM: Final = 5.0  # ... when it can run at least this far

#: Behaviours injected at sea, in the order they are planned (border crossings are land's).
SEA_BEHAVIOURS: Final = (
    "departure",
    "drift",
    "distress_beacon",
    "encounter",
    "loitering",
    "dark_target",
    "ais_gap",
    "identity_spoofing",
    "position_spoofing",
)

#: Invalid MMSIs seen in real feeds: defaults, too few digits, unallocated MIDs, an aid
#: to navigation's series (99) on a boat. (987654321, once here, is valid: 98 + MID 765 is
#: a craft associated with a Surinamese parent ship, ITU-R M.585.)
_BAD_MMSI: Final = (123456789, 1, 111111111, 999999999, 100000123, 800012345, 9999999)


@dataclass
class Injector:
    """Plans the scenario's behaviours on top of the background traffic."""

    scenario: Scenario
    builder: LegBuilder
    movers: Movers
    fleet: Fleet
    overrides: Overrides
    router: SeaRouter
    is_land: IsLand
    stations: Stations
    rng: np.random.Generator
    start: int
    end: int
    truth: list[TruthEvent] = field(default_factory=list)
    #: Movers with no AIS whose sightings become `dark_target` truth (and fill `contact_ids`).
    dark: list[int] = field(default_factory=list)
    #: Start the first behaviour of each kind within minutes (the demo node).
    early: bool = False
    _soon: bool = False

    def count(self, kind: str) -> int:
        """How many of a behaviour this run gets: the per-day rate scaled, at least one if asked."""
        per_day = self.scenario.behaviours.get(kind, 0)
        if per_day <= 0:
            return 0
        return max(1, round(per_day * (self.end - self.start) / _DAY))

    def plan(self) -> list[TruthEvent]:
        """Inject every behaviour the scenario asks for; returns the truth so far."""
        if not self.scenario.ports:
            return self.truth
        for kind in SEA_BEHAVIOURS:
            for i in range(self.count(kind)):
                self._soon = self.early and i == 0
                self._attempt(kind)
        self._soon = False
        return self.truth

    def _attempt(self, kind: str, tries: int = 10) -> None:
        """Inject one behaviour, drawing new places when one has no way over water.

        A failed draw is rolled back entirely (movers, legs, overrides, truth), so
        nothing half-planned sails or transmits.
        """
        for _ in range(tries):
            marks = (
                self.builder.mark(),
                len(self.movers),
                len(self.truth),
                len(self.dark),
                len(self.overrides.silent),
                len(self.overrides.shift),
                len(self.overrides.fixed),
            )
            try:
                getattr(self, f"_{kind}")()
                return
            except NoRoute:
                self.builder.rollback(marks[0])
                self.movers.truncate(marks[1])
                for m in [m for m in self.fleet.ships if m >= marks[1]]:
                    del self.fleet.ships[m]
                del self.truth[marks[2] :], self.dark[marks[3] :]
                del self.overrides.silent[marks[4] :], self.overrides.shift[marks[5] :]
                del self.overrides.fixed[marks[6] :]
        log.warning("could not place a %s after %d tries: no route over water", kind, tries)

    # -- shared pieces ---------------------------------------------------------------

    def _when(self, duration: int, night: bool = False) -> int:
        """A start time leaving room for `duration` before the end; at night if asked.

        In an early run (a demo) the first behaviour of each kind starts within
        minutes, night or not, so that something happens while a new user watches.
        """
        if self._soon:
            return self.start + int(self.rng.integers(MINUTE, 10 * MINUTE))
        latest = max(self.start + 1, self.end - duration - 10 * MINUTE)
        for _ in range(50):
            t = int(
                self.rng.integers(
                    self.start + 10 * MINUTE, max(latest, self.start + 10 * MINUTE + 1)
                )
            )
            if not night or _is_night(t, self._lon()):
                return t
        return int(self.rng.integers(self.start, latest))

    def _lon(self) -> float:
        west, east, _, _ = self.scenario.region
        return (west + east) / 2

    def _water(self, lat: float, lon: float) -> tuple[float, float]:
        la, lo = nearest_water(self.is_land, np.array([lat]), np.array([lon]), 15_000.0)
        return float(la[0]), float(lo[0])

    def _coast_point(self, departure: bool = True) -> tuple[str, float, float]:
        coasts = self.scenario.departure_coasts if departure else self.scenario.landing_coasts
        if not coasts:
            p = self.scenario.ports[int(self.rng.integers(len(self.scenario.ports)))]
            return p.name, p.lat, p.lon
        coast = coasts[int(self.rng.integers(len(coasts)))]
        lat, lon = coast.points[int(self.rng.integers(len(coast.points)))]
        la, lo = at_the_shore(self.is_land, np.array([lat]), np.array([lon]), 15_000.0)
        if np.isnan(la[0]):  # no shore near the point: the nearest water will do
            return (coast.name, *self._water(lat, lon))
        return coast.name, float(la[0]), float(lo[0])

    def _small_boat(
        self, ais: bool, flag: str = "", cls: str = "B", role: str = "small_craft"
    ) -> tuple[int, Ship | None]:
        length = float(self.rng.uniform(6, 14))
        mover = self.movers.add(length, "small_craft", ais=ais)
        if not ais:
            self.dark.append(mover)
            return mover, None
        country = flag or self._country()
        ship = ship_for_role(self.rng, self.fleet, role, country, cls)
        ship.length_m = length
        self.fleet.ships[mover] = ship
        return mover, ship

    def _country(self) -> str:
        countries = sorted({p.country for p in self.scenario.ports if p.country})
        return str(self.rng.choice(countries)) if countries else "PA"

    def _sea_point_off(
        self, lat: float, lon: float, min_nm: float, max_nm: float
    ) -> tuple[float, float]:
        """A water point `min_nm`–`max_nm` from (lat, lon), away from ports."""
        ports = np.array([(p.lat, p.lon) for p in self.scenario.ports])
        for _ in range(200):
            plat, plon = step(
                lat, lon, self.rng.uniform(0, 360), self.rng.uniform(min_nm, max_nm) * NM
            )
            if self.is_land(np.array([plat]), np.array([plon]))[0]:
                continue
            if distance_m(ports[:, 0], ports[:, 1], plat, plon).min() > 12_000:
                return plat, plon
        return self._water(lat, lon)

    def _crossing(
        self, lat0: float, lon0: float, lat1: float, lon1: float
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """A small boat's way from a beach to a far coast: straight out toward it for as
        long as the water allows (up to `_STRAIGHT_NM`), then the sea route. Crossings
        head for the open sea; the sea-lane network would keep them a few hundred metres
        off the coast for hours."""
        course = float(bearing_deg(lat0, lon0, lat1, lon1))
        far = min(_STRAIGHT_NM * NM, 0.8 * float(distance_m(lat0, lon0, lat1, lon1)))
        run = np.arange(1, int(far // 1000) + 1) * 1000.0
        if run.size:
            lat, lon = offset(np.full(run.size, lat0), np.full(run.size, lon0), course, run)
            ok = legs_on_water(
                self.is_land,
                np.concatenate([[lat0], lat[:-1]]),
                np.concatenate([[lon0], lon[:-1]]),
                lat,
                lon,
                CHECK_M,
            ) & open_water(self.is_land, lat, lon)
            clear = int(np.argmin(ok)) if not ok.all() else ok.size  # steps clear of land
            if clear * 1000.0 >= _MIN_STRAIGHT_NM * NM:
                rlat, rlon = self.router.route(
                    float(lat[clear - 1]), float(lon[clear - 1]), lat1, lon1
                )
                return (
                    np.concatenate([[lat0], lat[: clear - 1], rlat]),
                    np.concatenate([[lon0], lon[: clear - 1], rlon]),
                )
        rlat, rlon = self.router.route(lat0, lon0, lat1, lon1)
        return np.asarray(rlat, np.float64), np.asarray(rlon, np.float64)

    def _voyage(
        self,
        mover: int,
        lat0: float,
        lon0: float,
        lat1: float,
        lon1: float,
        t: int,
        speed: float,
        **kw: object,
    ) -> int:
        lat, lon = self.router.route(lat0, lon0, lat1, lon1)
        return self.builder.path(mover, lat, lon, t, speed, **kw)  # type: ignore[arg-type]

    def _walk(
        self,
        lat0: float,
        lon0: float,
        steps: int,
        bearing: float,
        spread: float,
        knots: tuple[float, float],
    ) -> tuple[list[float], list[float]]:
        """Ten-minute steps drifting along `bearing` (± `spread`°) at `knots`, never onto land."""
        lat, lon = [lat0], [lon0]
        for _ in range(steps):
            metres = self.rng.uniform(*knots) * NM / 6
            nlat, nlon = step(lat[-1], lon[-1], bearing + self.rng.normal(0, spread), metres)
            if not self._step_on_water(lat[-1], lon[-1], nlat, nlon):
                nlat, nlon = lat[-1], lon[-1]
            lat.append(nlat)
            lon.append(nlon)
        return lat, lon

    def _step_on_water(self, lat0: float, lon0: float, lat1: float, lon1: float) -> bool:
        """The whole step on water, checked finely (a report may fall anywhere along it),
        ending in open water (GPS noise must not put it ashore)."""
        la0, lo0, la1, lo1 = (np.array([v]) for v in (lat0, lon0, lat1, lon1))
        return bool(
            legs_on_water(self.is_land, la0, lo0, la1, lo1, CHECK_M / 4)[0]
            and open_water(self.is_land, la1, lo1)[0]
        )

    def _legs(self) -> Legs:
        return self.builder.build()

    def _mmsi(self, mover: int) -> list[int]:
        ship = self.fleet.ships.get(mover)
        return [ship.mmsi] if ship else []

    # -- behaviours --------------------------------------------------------------------

    def _departure(self) -> None:
        """Small craft leaving a beach at night for a landing coast; 40 % carry class B AIS."""
        coast, lat0, lon0 = self._coast_point(departure=True)
        target, lat1, lon1 = self._coast_point(departure=False)
        ais = self.rng.random() < 0.4
        mover, _ = self._small_boat(ais)
        speed = float(self.rng.uniform(5, 8))
        t0 = self._when(4 * HOUR, night=True)
        t1 = self.builder.path(mover, *self._crossing(lat0, lon0, lat1, lon1), t0, speed)
        self.truth.append(
            TruthEvent(
                "departure",
                t0,
                min(t1, self.end),
                self._mmsi(mover),
                positions=[(t0, lat0, lon0), (t1, lat1, lon1)],
                details={
                    "mover": mover,
                    "from": coast,
                    "to": target,
                    "ais": ais,
                    "speed_kn": round(speed, 1),
                },
            )
        )

    def _left_coast(
        self,
        mover: int,
        coast: str,
        t0: int,
        t1: int,
        start: tuple[float, float],
        end: tuple[float, float],
    ) -> None:
        """A boat of another behaviour that leaves a departure beach is a departure too
        (if it leaves during the run: one that left before could not be seen leaving)."""
        if not self.start <= t0 < self.end:
            return
        self.truth.append(
            TruthEvent(
                "departure",
                t0,
                min(t1, self.end),
                self._mmsi(mover),
                positions=[(t0, start[0], start[1]), (t1, end[0], end[1])],
                details={"mover": mover, "from": coast, "ais": bool(self._mmsi(mover))},
            )
        )

    def _drift(self) -> None:
        """Engine failure on the way: drifting downwind, heading not held. Distress."""
        coast, lat0, lon0 = self._coast_point(departure=True)
        _, lat1, lon1 = self._coast_point(departure=False)
        with_heading = self.rng.random() < 0.5
        mover, ship = self._small_boat(
            True,
            cls="A" if with_heading else "B",
            role="fishing" if with_heading else "small_craft",
        )
        speed = float(self.rng.uniform(5, 7))
        t_leave = self._when(8 * HOUR)
        lat, lon = self._crossing(lat0, lon0, lat1, lon1)
        # Sail 1-4 hours (at most half the way), then the engine stops.
        total = float(distance_m(lat[:-1], lon[:-1], lat[1:], lon[1:]).sum())
        (lat, lon), _ = split_at(lat, lon, min(self.rng.uniform(1, 4) * speed * NM, 0.5 * total))
        k = len(lat) - 1
        t_fail = self.builder.path(mover, lat, lon, t_leave, speed)
        self._left_coast(mover, coast, t_leave, t_fail, (lat[0], lon[0]), (lat[k], lon[k]))
        duration = int(min(self.rng.uniform(2, 6) * HOUR, self.end - t_fail))
        if duration < 20 * MINUTE:
            duration = 20 * MINUTE
        drift_dir = float(self.rng.uniform(0, 360))
        steps = max(duration // (10 * MINUTE), 2)
        dlat = [lat[k]]
        dlon = [lon[k]]
        times = [t_fail]
        heading_offs = []
        for i in range(steps):
            v = self.rng.uniform(1.2, 2.8) * 1852 / 3600 * 600  # metres in 10 min
            b = drift_dir + self.rng.normal(0, 12 if with_heading else 35)
            nlat, nlon = step(dlat[-1], dlon[-1], b, v)
            if not self._step_on_water(dlat[-1], dlon[-1], nlat, nlon):
                drift_dir = (drift_dir + 120) % 360  # pushed off a shore: the wind backs
                nlat, nlon = dlat[-1], dlon[-1]
            dlat.append(float(nlat))
            dlon.append(float(nlon))
            times.append(t_fail + (i + 1) * 10 * MINUTE)
            heading_offs.append(
                float(self.rng.uniform(60, 150) * self.rng.choice([-1, 1]))
                if with_heading
                else np.nan
            )
        status = NOT_UNDER_COMMAND if with_heading else UNDER_WAY
        self.builder.timed(mover, dlat, dlon, times, status, np.array(heading_offs, np.float32))
        t_end = times[-1]
        # Found: a patrol takes it in tow to the landing coast it was making for.
        towed = self._voyage(mover, dlat[-1], dlon[-1], lat1, lon1, t_end, 5.0)
        self.builder.stay(mover, lat1, lon1, towed, towed + HOUR, MOORED)
        self.truth.append(
            TruthEvent(
                "drift",
                t_fail,
                min(t_end, self.end),
                self._mmsi(mover),
                distress=True,
                positions=[(t_fail, dlat[0], dlon[0]), (t_end, dlat[-1], dlon[-1])],
                details={
                    "mover": mover,
                    "from": coast,
                    "heading": with_heading,
                    "people": int(self.rng.integers(15, 80)),
                },
            )
        )
        del ship

    def _distress_beacon(self) -> None:
        """An AIS-SART, MOB or EPIRB-AIS switched on at sea, drifting slowly. Distress."""
        kind, prefix = [("AIS-SART", 970), ("MOB", 972), ("EPIRB-AIS", 974)][
            int(self.rng.integers(3))
        ]
        _, clat, clon = self._coast_point(departure=True)
        lat0, lon0 = self._sea_point_off(clat, clon, 15, 60)
        mover = self.movers.add(0.5, "beacon")
        mmsi = prefix * 1_000_000 + int(self.rng.integers(1000, 999_999))
        self.fleet.reserve(mmsi)
        self.fleet.ships[mover] = Ship(
            mmsi=mmsi,
            cls="A",
            role="beacon",
            flag="",
            name=f"{kind} {mmsi % 1000000}"[:20],
            callsign="",
            imo=0,
            ship_type=0,
            length_m=0.5,
            beam_m=0.5,
            draught_m=0.0,
        )
        t0 = self._when(2 * HOUR)
        duration = int(min(self.rng.uniform(1, 4) * HOUR, self.end - t0))
        steps = max(duration // (10 * MINUTE), 1)
        lat, lon = self._walk(lat0, lon0, steps, float(self.rng.uniform(0, 360)), 20.0, (0.3, 1.2))
        times = t0 + np.arange(steps + 1) * 10 * MINUTE
        self.builder.timed(mover, lat, lon, times, SART_ACTIVE, np.float32(np.nan))
        self.truth.append(
            TruthEvent(
                "distress_beacon",
                t0,
                int(times[-1]),
                [mmsi],
                distress=True,
                positions=[(t0, lat[0], lon[0]), (int(times[-1]), lat[-1], lon[-1])],
                details={"mover": mover, "beacon": kind},
            )
        )

    def _encounter(self) -> None:
        """A mother ship and a small craft side by side, slow, away from ports."""
        short = self.rng.random() < 0.35  # small craft alongside a mother ship, under an hour
        coast, clat, clon = self._coast_point(departure=True)
        mlat, mlon = self._sea_point_off(clat, clon, 20, 60)
        meet = int((self.rng.uniform(0.5, 0.9) if short else self.rng.uniform(2.3, 4.0)) * HOUR)
        t_meet = self._when(meet + 4 * HOUR)
        mother, mship = self._small_boat(True, cls="A", role="fishing")
        assert mship is not None  # asked for one with AIS
        mship.length_m = float(self.rng.uniform(25, 45))
        self.movers.length_m[mother] = mship.length_m
        self.movers.classification[mother] = "fishing"
        craft, _ = self._small_boat(True, cls="B")
        port = self.scenario.ports[int(self.rng.integers(len(self.scenario.ports)))]
        plat, plon = port.lat, port.lon
        # Both come from afar and time their arrival; mother from a port, craft from the coast.
        for mover, (olat, olon), speed in ((mother, (plat, plon), 9.0), (craft, (clat, clon), 7.0)):
            way = self._crossing if mover == craft else self.router.route
            rlat, rlon = way(olat, olon, mlat, mlon)
            d = distance_m(rlat[:-1], rlon[:-1], rlat[1:], rlon[1:]).sum()
            t_go = t_meet - int(d / (speed * 1852 / 3600) * 1000)
            self.builder.path(mover, rlat, rlon, t_go, speed)
            if mover == craft:
                self._left_coast(craft, coast, t_go, t_meet, (clat, clon), (mlat, mlon))
        # Together: drift slowly side by side (craft ~60 m off the mother's beam).
        steps = max(meet // (10 * MINUTE), 2)
        b = float(self.rng.uniform(0, 360))
        lat, lon = self._walk(mlat, mlon, steps, b, 25.0, (0.3, 1.2))
        times = t_meet + np.arange(steps + 1) * 10 * MINUTE
        self.builder.timed(mother, lat, lon, times, FISHING)
        clat2, clon2 = offset(np.array(lat), np.array(lon), b + 90, 60.0)
        self.builder.timed(craft, clat2, clon2, times)
        t_part = int(times[-1])
        # Then they part: mother back to port, craft toward a landing coast.
        self._voyage(mother, lat[-1], lon[-1], plat, plon, t_part, 9.0)
        _, llat, llon = self._coast_point(departure=False)
        self._voyage(craft, float(clat2[-1]), float(clon2[-1]), llat, llon, t_part, 6.0)
        self.truth.append(
            TruthEvent(
                "encounter",
                t_meet,
                t_part,
                self._mmsi(mother) + self._mmsi(craft),
                positions=[(t_meet, lat[0], lon[0]), (t_part, lat[-1], lon[-1])],
                details={
                    "variant": "small_craft_alongside" if short else "vessel_encounter",
                    "mover": mother,
                    "movers": [mother, craft],
                },
            )
        )

    def _loitering(self) -> None:
        """Slow for hours off a departure coast at night, then back."""
        coast, clat, clon = self._coast_point(departure=True)
        lat0, lon0 = self._sea_point_off(clat, clon, 3, 10)
        mover, _ = self._small_boat(
            True, cls="B" if self.rng.random() < 0.6 else "A", role="fishing"
        )
        hours = float(self.rng.uniform(3, 6))
        t0 = self._when(int((hours + 2) * HOUR), night=True)
        t_in = self._voyage(mover, clat, clon, lat0, lon0, t0 - 40 * MINUTE, 6.0)
        t0 = max(t0, t_in)
        steps = int(hours * 6)
        lat, lon = self._walk(lat0, lon0, steps, 0.0, 180.0, (0.15, 1.35))
        times = t0 + np.arange(steps + 1) * 10 * MINUTE
        self.builder.timed(mover, lat, lon, times, UNDER_WAY)
        t1 = int(times[-1])
        self._voyage(mover, lat[-1], lon[-1], clat, clon, t1, 6.0)
        self.truth.append(
            TruthEvent(
                "loitering",
                t0,
                t1,
                self._mmsi(mover),
                positions=[(t0, lat0, lon0), (t1, lat[-1], lon[-1])],
                details={"mover": mover, "coast": coast},
            )
        )

    def _dark_target(self) -> None:
        """A boat with no AIS crossing sensor coverage (a fast smuggling boat or a dark fisher)."""
        sensors = [
            s
            for s in self.scenario.sensors
            if s.kind in ("radar", "patrol", "aircraft", "satellite")
        ]
        if not sensors:
            return
        s = sensors[int(self.rng.integers(len(sensors)))]
        lat0, lon0 = self._sea_point_off(
            s.lat, s.lon, 0.2 * min(s.range_nm, 30), 0.8 * min(s.range_nm, 30)
        )
        lat1, lon1 = self._sea_point_off(
            s.lat, s.lon, 0.2 * min(s.range_nm, 30), 0.8 * min(s.range_nm, 30)
        )
        mover, _ = self._small_boat(False)
        t0 = self._when(3 * HOUR)
        t1 = self._voyage(mover, lat0, lon0, lat1, lon1, t0, float(self.rng.uniform(6, 25)))
        self.builder.stay(mover, lat1, lon1, t1, t1 + HOUR, UNDER_WAY)

    def _ais_gap(self) -> None:
        """A ship under way switches its transponder off for hours while in coverage."""
        legs = self._legs()
        movers = np.array(
            [m for m, s in self.fleet.ships.items() if s.role in ("cargo", "tanker", "fishing")],
            np.int32,
        )
        if movers.size == 0:
            return
        for _ in range(40):
            m = movers[int(self.rng.integers(movers.size))]
            dur = int(self.rng.uniform(1, 4) * HOUR)
            t0 = self._when(dur)
            ts = np.array([t0, t0 + dur // 2, t0 + dur], np.int64)
            leg = legs.find(np.full(3, m, np.int32), ts)
            if (leg < 0).any() or (legs.speed_kn[leg] < 3).any():
                continue
            lat, lon = legs.locate(leg, ts)
            if not self._covered(lat, lon).all():
                continue
            if any(sm == m for sm, _, _ in self.overrides.silent):
                continue
            self.overrides.silent.append((int(m), t0, t0 + dur))
            self.truth.append(
                TruthEvent(
                    "ais_gap",
                    t0,
                    t0 + dur,
                    self._mmsi(int(m)),
                    positions=[
                        (t0, float(lat[0]), float(lon[0])),
                        (t0 + dur, float(lat[2]), float(lon[2])),
                    ],
                    details={"mover": int(m)},
                )
            )
            return

    def _covered(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        st = self.stations
        if st.lat.size == 0:
            return np.zeros(lat.shape[0], np.bool_)
        d = distance_m(lat[:, None], lon[:, None], st.lat[None, :], st.lon[None, :])
        return np.asarray((d < 0.6 * st.range_m[None, :]).any(axis=1), np.bool_)

    def _identity_spoofing(self) -> None:
        """A second ship on an MMSI in use, an invalid MMSI, or a ship changing names."""
        variant = ("shared_mmsi", "invalid_mmsi", "name_changes")[int(self.rng.integers(3))]
        t0 = self._when(5 * HOUR)
        t1 = min(t0 + int(self.rng.uniform(3, 5) * HOUR), self.end)
        victims = [m for m, s in self.fleet.ships.items() if s.role in ("cargo", "tanker")]
        if variant != "invalid_mmsi" and not victims:
            variant = "invalid_mmsi"
        if variant == "shared_mmsi":
            victim = victims[int(self.rng.integers(len(victims)))]
            vship = self.fleet.ships[victim]
            legs = self._legs()
            leg = legs.find(np.array([victim], np.int32), np.array([t0], np.int64))
            vlat, vlon = (
                legs.locate(leg, np.array([t0]))
                if leg[0] >= 0
                else (np.array([0.0]), np.array([0.0]))
            )
            # The clone sails a lane far from the real ship (≥ 100 km): impossible to be both.
            for _ in range(30):
                _, clat, clon = self._coast_point(departure=bool(self.rng.random() < 0.5))
                lat0, lon0 = self._sea_point_off(clat, clon, 10, 40)
                if distance_m(vlat[0], vlon[0], lat0, lon0) > 150_000 or leg[0] < 0:
                    break
            lat1, lon1 = self._sea_point_off(lat0, lon0, 20, 40)
            mover = self.movers.add(vship.length_m, vship.role)
            clone = Ship(**{**vship.__dict__, "renames": []})
            self.fleet.ships[mover] = clone
            end = self._voyage(mover, lat0, lon0, lat1, lon1, t0, 11.0)
            t1 = min(end, self.end)
            self.truth.append(
                TruthEvent(
                    "identity_spoofing",
                    t0,
                    t1,
                    [vship.mmsi],
                    positions=[(t0, lat0, lon0), (t1, lat1, lon1)],
                    details={"variant": variant, "mover": mover, "genuine_mover": victim},
                )
            )
        elif variant == "invalid_mmsi":
            _, clat, clon = self._coast_point(departure=True)
            lat0, lon0 = self._sea_point_off(clat, clon, 5, 30)
            lat1, lon1 = self._sea_point_off(lat0, lon0, 15, 40)
            mover, ship = self._small_boat(True, cls="B", role="fishing")
            assert ship is not None
            ship.mmsi = int(self.rng.choice(_BAD_MMSI))
            self.fleet.reserve(ship.mmsi)
            end = self._voyage(mover, lat0, lon0, lat1, lon1, t0, 7.0)
            self.builder.stay(mover, lat1, lon1, end, end + HOUR, UNDER_WAY)
            t1 = min(end + HOUR, self.end)
            self.truth.append(
                TruthEvent(
                    "identity_spoofing",
                    t0,
                    t1,
                    [ship.mmsi],
                    positions=[(t0, lat0, lon0), (t1, lat1, lon1)],
                    details={"variant": variant, "mover": mover},
                )
            )
        else:
            victim = victims[int(self.rng.integers(len(victims)))]
            ship = self.fleet.ships[victim]
            changes = int(self.rng.integers(2, 4))
            times = np.sort(self.rng.integers(t0, t1, changes))
            for t in times:
                new = ship_for_role(self.rng, Fleet(), ship.role, ship.flag, "A")
                ship.renames.append((int(t), new.name, new.callsign, new.imo))
            legs = self._legs()
            self.truth.append(
                TruthEvent(
                    "identity_spoofing",
                    int(times[0]),
                    t1,
                    [ship.mmsi],
                    positions=_positions(legs, victim, [int(times[0]), t1]),
                    details={
                        "variant": variant,
                        "mover": victim,
                        "names": [r[1] for r in ship.renames],
                    },
                )
            )

    def _position_spoofing(self) -> None:
        """Reported positions that jump tens of miles, or sit on land, for a while."""
        legs = self._legs()
        movers = [
            m for m, s in self.fleet.ships.items() if s.role in ("cargo", "tanker") and s.cls == "A"
        ]
        if not movers:
            return
        # Draw ships and times until one is sailing throughout (not between voyages).
        for _ in range(50):
            m = movers[int(self.rng.integers(len(movers)))]
            dur = int(self.rng.uniform(0.4, 1.5) * HOUR)
            t0 = self._when(dur)
            pos = _positions(legs, m, [t0, t0 + dur])
            if len(pos) == 2:
                break
        else:
            return
        if self.rng.random() < 0.5:
            jump_nm = float(self.rng.uniform(30, 100))
            lat, lon = step(pos[0][1], pos[0][2], self.rng.uniform(0, 360), jump_nm * NM)
            dlat, dlon = lat - pos[0][1], lon - pos[0][2]
            self.overrides.shift.append((m, t0, t0 + dur, dlat, dlon))
            variant, extra = "jump", {"jump_nm": round(jump_nm, 1)}
            where = [
                (t0, pos[0][1] + dlat, pos[0][2] + dlon),
                (t0 + dur, pos[1][1] + dlat, pos[1][2] + dlon),
            ]
        else:
            lat, lon = self._land_point()
            self.overrides.fixed.append((m, t0, t0 + dur, lat, lon))
            variant, extra = "on_land", {}
            where = [(t0, lat, lon), (t0 + dur, lat, lon)]
        self.truth.append(
            TruthEvent(
                "position_spoofing",
                t0,
                t0 + dur,
                self._mmsi(m),
                positions=where,
                details={"variant": variant, "mover": m, **extra},
            )
        )

    def _land_point(self) -> tuple[float, float]:
        """A point inland (5–30 km from a port), e.g. an airport a spoofer copies."""
        for _ in range(200):
            p = self.scenario.ports[int(self.rng.integers(len(self.scenario.ports)))]
            lat, lon = offset(
                p.lat, p.lon, self.rng.uniform(0, 360), self.rng.uniform(5, 30) * 1000
            )
            if self.is_land(np.array([lat]), np.array([lon]))[0]:
                return float(lat), float(lon)
        west, east, south, north = self.scenario.region
        return (south + north) / 2, (west + east) / 2


def _positions(legs: Legs, mover: int, times: list[int]) -> list[tuple[int, float, float]]:
    ts = np.array(times, np.int64)
    leg = legs.find(np.full(ts.shape[0], mover, np.int32), ts)
    ok = leg >= 0
    lat, lon = legs.locate(leg[ok], ts[ok])
    return [(int(t), float(a), float(b)) for t, a, b in zip(ts[ok], lat, lon, strict=True)]


def _is_night(ms: int, lon: float) -> bool:
    """Between about 19:00 and 05:00 local solar time (good enough for summer and winter)."""
    local_h = (ms / HOUR + lon / 15.0) % 24
    return bool(local_h >= 19 or local_h < 5)
