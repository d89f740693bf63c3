"""Scenario files: the seas, ports, sensors and behaviours of one exercise, as data.

A training officer writes a scenario in TOML (format: docs/scenarios.md) without
touching code; the built-in ones live in `watchkeeper/sim/scenarios/`. Every place
is a name with coordinates, and every count or share has a default, so a small
scenario stays small. Loading validates everything the simulator relies on (shares
that add up, ports that exist, coordinates on the Earth) and reports a mistake as
one `ConfigError` line naming the file and the key.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from watchkeeper.errors import ConfigError

__all__ = [
    "BEHAVIOURS",
    "ROLES",
    "SENSORS",
    "Scenario",
    "builtin_scenarios",
    "load_scenario",
]

#: Vessel roles of the background traffic.
ROLES: Final = ("cargo", "tanker", "ferry", "fishing", "patrol", "pleasure")

#: The injected behaviours; these names are the event types the detectors share.
BEHAVIOURS: Final = (
    "ais_gap",
    "encounter",
    "loitering",
    "departure",
    "identity_spoofing",
    "position_spoofing",
    "drift",
    "distress_beacon",
    "dark_target",
    "border_crossing",
)

#: Sensors that report contacts (the contacts file's `sensor` column).
SENSORS: Final = ("radar", "patrol", "aircraft", "satellite", "ground_radar", "camera")

Lat = Annotated[float, Field(ge=-90, le=90)]
Lon = Annotated[float, Field(ge=-180, le=180)]
Share = Annotated[float, Field(ge=0, le=1)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Place(_Model):
    """A named point: a port's harbour entrance, a beach, a gateway at the edge of the map."""

    name: str
    lat: Lat
    lon: Lon


class Port(Place):
    """A port or gateway. Give the harbour entrance (on water), not the town centre."""

    key: str = Field(pattern=r"^[A-Za-z0-9_-]+$")
    country: str = Field(default="", description="ISO 3166 alpha-2; empty for a gateway")
    gateway: bool = False  # an edge of the map where through traffic enters or leaves


class Lane(_Model):
    """A sea lane that cargo ships and tankers sail between two ports or gateways."""

    between: tuple[str, str]
    weight: float = Field(default=1.0, gt=0)


class FerryLine(_Model):
    """A scheduled line: departures from the first port at these UTC times, return trips after."""

    between: tuple[str, str]
    departures: list[str] = Field(min_length=1)  # "HH:MM" UTC from the first port
    speed_kn: float = Field(default=20.0, gt=0, le=40)
    operator: str = ""
    flag: str = ""


class Area(_Model):
    """A circle on the sea: a fishing ground or a patrol area."""

    name: str
    lat: Lat
    lon: Lon
    radius_nm: float = Field(gt=0, le=200)
    ports: list[str] = Field(min_length=1)  # home ports or bases
    weight: float = Field(default=1.0, gt=0)
    flags: list[str] = Field(default_factory=list)  # flags of the boats; default: the ports'


class Receiver(_Model):
    """A shore AIS receiver; its `id` is the NMEA tag block source (`s:`)."""

    id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,15}$")
    name: str = ""
    lat: Lat
    lon: Lon
    range_nm: float = Field(default=40.0, gt=0, le=300)
    clock_skew_s: float = Field(default=0.0, ge=-3600, le=3600)


class Satellite(_Model):
    """Sparse satellite AIS: short passes over the region, each hearing a fraction of messages."""

    id: str = "sat"
    passes_per_day: float = Field(default=8.0, ge=0)
    pass_minutes: float = Field(default=10.0, gt=0)
    detection: Share = 0.25


class Sensor(_Model):
    """A non-AIS sensor: it reports contacts of every boat or person it sees, AIS or not."""

    id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,20}$")
    kind: Literal["radar", "patrol", "aircraft", "satellite", "ground_radar", "camera"]
    lat: Lat
    lon: Lon
    range_nm: float = Field(gt=0, le=1000)
    interval_s: float = Field(default=60.0, gt=0)  # time between two plots of one target
    error_m: float = Field(default=50.0, ge=0)  # position error (1 sigma)
    detection: Share = 0.9
    min_length_m: float = Field(default=0.0, ge=0)  # smaller targets are not seen
    active: list[tuple[str, str]] = Field(
        default_factory=list
    )  # UTC "HH:MM" windows; empty = always


class Coast(_Model):
    """A departure or landing coast: points just off its beaches."""

    name: str
    points: list[tuple[Lat, Lon]] = Field(min_length=1)


class Traffic(_Model):
    """Shares of the background fleet by role, and of class B transponders within each role."""

    cargo: Share = 0.30
    tanker: Share = 0.15
    fishing: Share = 0.35
    patrol: Share = 0.05
    pleasure: Share = 0.15
    class_b: dict[str, Share] = Field(
        default_factory=lambda: {"fishing": 0.5, "pleasure": 0.9, "patrol": 0.0}
    )
    flags: dict[str, float] = Field(default_factory=dict)  # ISO alpha-2 weights, merchant ships

    @model_validator(mode="after")
    def _shares(self) -> Traffic:
        total = self.cargo + self.tanker + self.fishing + self.patrol + self.pleasure
        if total <= 0:
            raise ValueError("traffic shares must not all be zero")
        unknown = set(self.class_b) - set(ROLES)
        if unknown:
            raise ValueError(f"class_b names unknown roles {sorted(unknown)}; roles: {ROLES}")
        return self


class Land(_Model):
    """A land border: its line, the official crossing points and the traffic across them."""

    border: list[tuple[Lat, Lon]] = Field(min_length=2)
    crossings: list[Place] = Field(min_length=1)
    side_a: str  # country on the left of the border line as drawn (ISO alpha-2)
    side_b: str
    vehicles_per_hour: float = Field(default=20.0, ge=0)  # at each official crossing
    pedestrians_per_hour: float = Field(default=10.0, ge=0)
    patrols: int = Field(default=4, ge=0)


class Scenario(_Model):
    """One exercise area: where things are and how much of each happens per day."""

    name: str
    title: str = ""
    description: str = ""
    region: tuple[Lon, Lon, Lat, Lat]  # west, east, south, north
    start: str = "2026-07-15T00:00:00Z"
    hours: float = Field(default=24.0, gt=0)
    vessels: int = Field(default=500, ge=0)
    ports: list[Port] = Field(default_factory=list)
    lanes: list[Lane] = Field(default_factory=list)
    ferries: list[FerryLine] = Field(default_factory=list)
    fishing_grounds: list[Area] = Field(default_factory=list)
    patrol_areas: list[Area] = Field(default_factory=list)
    receivers: list[Receiver] = Field(default_factory=list)
    satellite: Satellite | None = None
    sensors: list[Sensor] = Field(default_factory=list)
    departure_coasts: list[Coast] = Field(default_factory=list)
    landing_coasts: list[Coast] = Field(default_factory=list)
    traffic: Traffic = Field(default_factory=Traffic)
    land: Land | None = None
    #: Behaviours injected per 24 hours (scaled to the run's length, at least one
    #: of each named here when the run is shorter).
    behaviours: dict[str, int] = Field(default_factory=dict)
    message_loss: Share = 0.03  # messages lost even within a receiver's range
    duplicate_rate: Share = 0.005  # lines a receiver forwards twice

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        west, east, south, north = self.region
        if not (west < east and south < north):
            raise ValueError("region must be [west, east, south, north] with west < east")
        keys = [p.key for p in self.ports]
        if len(set(keys)) != len(keys):
            raise ValueError("port keys must be unique")
        known = set(keys)
        named = [k for lane in self.lanes for k in lane.between]
        named += [k for line in self.ferries for k in line.between]
        named += [k for a in self.fishing_grounds + self.patrol_areas for k in a.ports]
        missing = sorted(set(named) - known)
        if missing:
            raise ValueError(f"unknown port keys {missing}; define them under [[ports]]")
        unknown = sorted(set(self.behaviours) - set(BEHAVIOURS))
        if unknown:
            raise ValueError(f"unknown behaviours {unknown}; known: {', '.join(BEHAVIOURS)}")
        if self.behaviours.get("border_crossing") and self.land is None:
            raise ValueError("border_crossing needs a [land] section")
        sea = ("encounter", "loitering", "departure", "drift", "distress_beacon")
        if self.vessels and any(self.behaviours.get(b) for b in sea) and not self.ports:
            raise ValueError("sea behaviours need at least one port")
        return self

    def port(self, key: str) -> Port:
        """The port with this key (keys are checked when the scenario is loaded)."""
        return next(p for p in self.ports if p.key == key)


_BUILTIN: Final = "watchkeeper.sim.scenarios"


def builtin_scenarios() -> list[str]:
    """Names of the scenarios that ship with Watchkeeper."""
    files = resources.files(_BUILTIN).iterdir()
    return sorted(f.name.removesuffix(".toml") for f in files if f.name.endswith(".toml"))


def load_scenario(name_or_path: str | Path) -> Scenario:
    """A built-in scenario by name, or a scenario file by path; `ConfigError` if wrong."""
    text, where = _read(name_or_path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: not valid TOML: {exc}") from None
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"]) or "(top level)"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise ConfigError(f"{where}: {loc}: {first['msg']}{more}") from None


def _read(name_or_path: str | Path) -> tuple[str, str]:
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        try:
            return path.read_text(encoding="utf-8"), str(path)
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read scenario: {exc}") from None
    name = str(name_or_path)
    if name in builtin_scenarios():
        return resources.files(_BUILTIN).joinpath(f"{name}.toml").read_text("utf-8"), name
    raise ConfigError(
        f"unknown scenario {name!r}: give a .toml file or one of {', '.join(builtin_scenarios())}"
    )
