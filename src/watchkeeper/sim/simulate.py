"""One simulation run: plan the day, then produce it window by window.

`Simulation` plans every mover once (background traffic, injected behaviours, the
land border) and then yields ten-minute windows of output: NMEA lines as the
receivers forwarded them, in arrival order, and the sensor contacts of the window.
A file writer and the live TCP server consume the same windows, so an exercise
served live is the same traffic as the file. Each window has its own random
stream derived from the seed, so the same seed gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from watchkeeper import schema
from watchkeeper.ais.encode import Payloads, encode_payloads, frame_sentences
from watchkeeper.errors import ConfigError
from watchkeeper.sim.behaviours import Injector
from watchkeeper.sim.fleet import MIDS, Fleet
from watchkeeper.sim.legs import LegBuilder, Legs
from watchkeeper.sim.movers import Movers
from watchkeeper.sim.receivers import Stations
from watchkeeper.sim.scenario import Scenario
from watchkeeper.sim.sensors import observe
from watchkeeper.sim.traffic import HOUR, MINUTE, TrafficPlanner
from watchkeeper.sim.transmit import (
    Overrides,
    Reports,
    position_reports,
    safety_reports,
    static_reports,
)
from watchkeeper.sim.truth import TruthEvent
from watchkeeper.sim.water import IsLand, SeaRouter, nearest_water

__all__ = ["WINDOW_MS", "Simulation", "Window", "observed", "parse_start"]

WINDOW_MS: Final = 10 * MINUTE
#: Behaviours a sensor's sightings alone can reveal (a boat seen meeting another, leaving
#: a beach, crossing a border, or seen at all while dark). The others (spoofing, distress,
#: drift, loitering) live in what a vessel transmits: seen only by radar, a ship whose
#: spoofed reports nobody heard gave no detector anything to go on.
SEEN_BY_SENSORS: Final = frozenset({"encounter", "departure", "dark_target", "border_crossing"})
_BASE_STATION_MS: Final = 10_000  # ITU-R M.1371: base stations report every 10 s


def observed(
    mover: int,
    start: int,
    end: int,
    heard: npt.NDArray[np.int64],
    sighted: npt.NDArray[np.int64] | None = None,
) -> bool:
    """Whether a receiver heard `mover` (`heard`: sorted `mover << 32 | minute` of its
    reports) or a sensor plotted it (`sighted`, the same of sensor plots, given when
    sensors can reveal the behaviour) between `start` and `end` (ms). A plot, not a
    track: a satellite's track of a boat runs from its first pass to its last, and the
    boat may have been out of every receiver's and sensor's reach in between."""
    # Minutes wholly inside the behaviour: a report in the minute it began may have
    # been the last one before it (the true position, before the spoofing).
    first, last = -(-start // 60_000), (end + 1) // 60_000 - 1
    lo, hi = (mover << 32) | first, (mover << 32) | last
    return any(
        np.searchsorted(keys, hi, side="right") > np.searchsorted(keys, lo)
        for keys in (heard, sighted)
        if keys is not None
    )


def parse_start(text: str) -> int:
    """An ISO 8601 UTC time (`2026-07-15T00:00:00Z`) as milliseconds; ConfigError if not."""
    try:
        t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(
            f"start {text!r}: expected an ISO 8601 time such as 2026-07-15T00:00:00Z"
        ) from None
    if t.tzinfo is None:
        raise ConfigError(f"start {text!r}: give the time zone (Z for UTC)")
    return int(t.timestamp() * 1000)


@dataclass
class Window:
    """What one window produced: NMEA bytes with each line's arrival time, and contacts."""

    start: int
    end: int
    nmea: bytes
    line_arrival: npt.NDArray[np.int64]  # true arrival time of each line (for live pacing)
    line_offsets: npt.NDArray[np.int64]  # byte offset where each line starts
    contacts: pa.Table
    sentences: int = 0
    transmissions: int = 0


@dataclass
class Simulation:
    """A planned run of a scenario; iterate `windows()` to produce it."""

    scenario: Scenario
    start: int
    hours: float
    vessels: int
    seed: int
    is_land: IsLand
    early: bool = False  # the first behaviour of each kind within minutes (demo)
    legs: Legs = field(init=False)
    movers: Movers = field(init=False)
    fleet: Fleet = field(init=False)
    truth: list[TruthEvent] = field(init=False)
    stations: Stations = field(init=False)
    overrides: Overrides = field(init=False)
    dark: list[int] = field(init=False)

    def __post_init__(self) -> None:
        self.end = self.start + int(self.hours * HOUR)
        self.scenario = _on_water(self.scenario, self.is_land)
        rng = np.random.default_rng([self.seed, 0])
        builder = LegBuilder()
        self.movers = Movers()
        self.fleet = Fleet()
        self.overrides = Overrides()
        router = SeaRouter(self.is_land)
        self.stations = Stations(self.scenario, self.start, self.end, rng)
        if self.vessels:
            TrafficPlanner(
                self.scenario,
                builder,
                self.movers,
                self.fleet,
                router,
                self.is_land,
                rng,
                self.start,
                self.end,
            ).plan(self.vessels)
        injector = Injector(
            self.scenario,
            builder,
            self.movers,
            self.fleet,
            self.overrides,
            router,
            self.is_land,
            self.stations,
            rng,
            self.start,
            self.end,
            early=self.early,
        )
        self.truth = injector.plan() if self.vessels else []
        self.dark = injector.dark
        if self.scenario.land is not None:
            from watchkeeper.sim.land import plan_land

            self.truth += plan_land(
                self.scenario, builder, self.movers, self.start, self.end, rng, self.is_land
            )
        # A behaviour planned to begin after the run (a boat still sailing when its
        # engine would fail) did not happen in it; one still going is cut at the end.
        self.truth = [e for e in self.truth if e.start < self.end]
        for event in self.truth:
            event.end = min(event.end, self.end)
        self.legs = builder.build()
        self._sightings: dict[int, set[str]] = {}
        self._seen: dict[str, tuple[int, int, float, float, float, float]] = {}
        self._heard: list[npt.NDArray[np.int64]] = []  # mover << 32 | minute, per window
        self._heard_at: list[npt.NDArray[np.int64]] = []  # the same, position reports only
        self._sighted: list[npt.NDArray[np.int64]] = []  # mover << 32 | minute, per plot

    def windows(self) -> Iterator[Window]:
        """The run's output, ten minutes at a time, in order."""
        w = self.start
        i = 0
        while w < self.end:
            w1 = min(w + WINDOW_MS, self.end)
            yield self._window(w, w1, np.random.default_rng([self.seed, 1, i]))
            w = w1
            i += 1

    def finished_truth(self) -> list[TruthEvent]:
        """The truth, completed with what the sensors saw (call after the last window)."""
        events = list(self.truth)
        heard, heard_at, sighted = (
            np.unique(np.concatenate(parts)) if parts else np.empty(0, np.int64)
            for parts in (self._heard, self._heard_at, self._sighted)
        )
        for event in events:
            mover = event.details.get("mover")
            if isinstance(mover, int) and not event.contact_ids:
                event.contact_ids = sorted(self._sightings.get(mover, set()))
            # A behaviour no receiver heard and no sensor saw while it lasted happened,
            # but no detector could know it (a dark boat out of sight, a ship whose
            # spoofed positions went unheard); a gap is silence by definition.
            movers = event.details.get("movers") or ([mover] if isinstance(mover, int) else [])
            # Spoofed positions are seen in position reports, not in a name broadcast.
            reports = heard_at if event.type == "position_spoofing" else heard
            plots = sighted if event.type in SEEN_BY_SENSORS else None
            event.details["observable"] = bool(event.mmsi or event.contact_ids) and (
                event.type == "ais_gap"
                or all(observed(int(m), event.start, event.end, reports, plots) for m in movers)
            )
        for mover in self.dark:
            ids = sorted(self._sightings.get(mover, set()))
            if not ids:
                continue  # never seen by any sensor: nothing a detector could find
            spans = [self._seen[c] for c in ids]
            first = min(spans, key=lambda s: s[0])
            last = max(spans, key=lambda s: s[1])
            events.append(
                TruthEvent(
                    "dark_target",
                    first[0],
                    last[1],
                    contact_ids=ids,
                    positions=[(first[0], first[2], first[3]), (last[1], last[4], last[5])],
                    details={"mover": mover, "length_m": round(self.movers.length_m[mover], 1)},
                )
            )
        return events

    def _window(self, w0: int, w1: int, rng: np.random.Generator) -> Window:
        kinds = [
            position_reports(self.legs, self.fleet, self.overrides, w0, w1, rng),
            static_reports(self.legs, self.fleet, self.overrides, w0, w1),
            safety_reports(self.legs, self.fleet, self.overrides, w0, w1),
        ]
        payloads: list[Payloads] = []
        ts_parts, lat_parts, lon_parts, always = [], [], [], []
        movers, placed = [], []  # who sent each report; whether it was a position report
        for reports in kinds:
            if len(reports):
                payloads.append(encode_payloads(reports.columns))
                ts_parts.append(reports.ts)
                lat_parts.append(reports.columns["lat"])
                lon_parts.append(reports.columns["lon"])
                always.append(np.full(len(reports), -1, np.int32))
                movers.append(reports.mover)
                placed.append(np.full(len(reports), reports is kinds[0]))
        base = self._base_stations(w0, w1)
        if len(base):
            payloads.append(encode_payloads(base.columns))
            ts_parts.append(base.ts)
            lat_parts.append(base.columns["lat"])
            lon_parts.append(base.columns["lon"])
            always.append(base.mover)
        contacts = self._contacts(w0, w1, rng)
        if not payloads:
            return Window(w0, w1, b"", np.empty(0, np.int64), np.empty(0, np.int64), contacts)
        allp = Payloads.concat(payloads)
        ts = np.concatenate(ts_parts)
        lat = np.concatenate(lat_parts).astype(np.float64)
        lon = np.concatenate(lon_parts).astype(np.float64)
        rx = self.stations.hear(ts, lat, lon, rng, always=np.concatenate(always))
        if movers:  # base stations' own reports come last and are not movers
            mover = np.concatenate(movers).astype(np.int64)
            tx = rx.tx[rx.tx < mover.shape[0]]
            minute = (mover[tx] << 32) | (ts[tx] // 60_000)
            self._heard.append(np.unique(minute))
            self._heard_at.append(np.unique(minute[np.concatenate(placed)[tx]]))
        channel = np.where(rng.random(rx.tx.shape[0]) < 0.5, ord("A"), ord("B")).astype(np.uint8)
        out = frame_sentences(allp, rx.tx, rx.stamped, rx.station, self.stations.ids, channel)
        arrival = np.repeat(
            rx.arrival, np.diff(np.append(out.first_line, out.line_starts.shape[0]))
        )
        return Window(
            w0,
            w1,
            out.data,
            arrival,
            out.line_starts,
            contacts,
            sentences=int(out.line_starts.shape[0]),
            transmissions=int(ts.shape[0]),
        )

    def _base_stations(self, w0: int, w1: int) -> Reports:
        """Type 4 reports of the shore stations, every 10 s; each station hears its own."""
        rx = self.scenario.receivers
        if not rx:
            return Reports(np.empty(0, np.int32), np.empty(0, np.int64), {})
        n_st = len(rx)
        phase = (np.arange(n_st, dtype=np.int64) * 1_373) % _BASE_STATION_MS
        k0 = -((phase - w0) // _BASE_STATION_MS)
        k1 = -((phase - w1) // _BASE_STATION_MS)
        n = np.maximum(k1 - k0, 0)
        st = np.repeat(np.arange(n_st, dtype=np.int32), n)
        k = np.repeat(k0, n) + (np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n))
        ts = phase[st] + k * _BASE_STATION_MS
        order = np.lexsort((st, ts))
        st, ts = st[order], ts[order]
        mid = np.array([_station_mid(r.id) for r in rx], np.int64)
        lat = np.array([r.lat for r in rx])[st]
        lon = np.array([r.lon for r in rx])[st]
        return Reports(
            st,
            ts,
            {
                "msg_type": np.full(ts.shape[0], 4, np.int8),
                "mmsi": mid[st] * 10_000 + st + 1,
                "station_time": ts - ts % 1000,
                "lat": lat,
                "lon": lon,
                "epfd": np.full(ts.shape[0], 7, np.int8),  # surveyed
                "accuracy": np.ones(ts.shape[0], np.bool_),
            },
        )

    def _contacts(self, w0: int, w1: int, rng: np.random.Generator) -> pa.Table:
        if not self.scenario.sensors or not len(self.legs):
            return schema.CONTACTS.empty_table()
        table, seen, sighted = observe(self.legs, self.movers, self.scenario.sensors, w0, w1, rng)
        for mover, ids in seen.items():
            self._sightings.setdefault(mover, set()).update(ids)
        self._sighted.append(sighted)
        if table.num_rows:
            _track_spans(table, self._seen)
        return table


def _track_spans(
    table: pa.Table, spans: dict[str, tuple[int, int, float, float, float, float]]
) -> None:
    """Keep, per contact id, its first and last sighting (time and position)."""
    import polars as pl

    df = pl.from_arrow(table.select(["contact_id", "ts", "lat", "lon"]))
    assert isinstance(df, pl.DataFrame)
    agg = (
        df.with_columns(pl.col("ts").dt.epoch("ms"))
        .sort("ts")
        .group_by("contact_id")
        .agg(
            pl.col("ts").first().alias("t0"),
            pl.col("ts").last().alias("t1"),
            pl.col("lat").first().alias("lat0"),
            pl.col("lon").first().alias("lon0"),
            pl.col("lat").last().alias("lat1"),
            pl.col("lon").last().alias("lon1"),
        )
    )
    for cid, t0, t1, lat0, lon0, lat1, lon1 in agg.iter_rows():
        if cid in spans:
            prev = spans[cid]
            spans[cid] = (prev[0], t1, prev[2], prev[3], lat1, lon1)
        else:
            spans[cid] = (t0, t1, lat0, lon0, lat1, lon1)


def _station_mid(station_id: str) -> int:
    """The MID of a station from its id's country prefix (`tn-sfax`: Tunisia), else 0.

    A coast station's MMSI is 00 + MID + four digits (ITU-R M.585).
    """
    country = station_id.split("-", 1)[0].upper()
    return MIDS.get(country, (0,))[0]


def _on_water(scenario: Scenario, is_land: IsLand) -> Scenario:
    """The scenario with ports and coast points moved to the nearest water (within 10 km)."""
    if not scenario.ports:
        return scenario
    lat = np.array([p.lat for p in scenario.ports])
    lon = np.array([p.lon for p in scenario.ports])
    wl, wo = nearest_water(is_land, lat, lon)
    bad = [p.key for p, ok in zip(scenario.ports, np.isfinite(wl), strict=True) if not ok]
    if bad:
        raise ConfigError(f"scenario {scenario.name}: ports {bad} are more than 10 km from water")
    ports = [
        p.model_copy(update={"lat": float(a), "lon": float(b)})
        for p, a, b in zip(scenario.ports, wl, wo, strict=True)
    ]
    return scenario.model_copy(update={"ports": ports})
