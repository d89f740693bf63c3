"""A node's settings: one typed class read from the environment and an optional TOML file.

Precedence, highest first: keyword arguments (the CLI's `--host`/`--port`), environment
variables `WATCHKEEPER_<FIELD>`, then `watchkeeper.toml` (in the working directory, or the
file named by `WATCHKEEPER_CONFIG`), then the defaults below. Keeping every knob in this
one class lets `docs/settings.md` be checked against it (`tests/test_settings_docs.py`).

`load_settings` turns every way a setting can be wrong (bad value, unknown TOML key,
unparsable file) into a `ConfigError` with a one-line message, so the CLI never has to
show a traceback for a mistake the operator can fix.
"""

from __future__ import annotations

import json
import os
import sys
import tomllib
from pathlib import Path
from typing import Annotated, Any, Final

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)
from pydantic_settings.exceptions import SettingsError

from watchkeeper.alerts.rules import DEFAULT_MIN_SCORE, DEFAULT_RULES, AlertRule
from watchkeeper.detect.thresholds import Thresholds
from watchkeeper.errors import ConfigError

__all__ = [
    "CONFIG_ENV",
    "DEFAULT_CONFIG_FILE",
    "ENV_PREFIX",
    "Settings",
    "config_file",
    "get_settings",
    "load_settings",
]

ENV_PREFIX: Final = "WATCHKEEPER_"
CONFIG_ENV: Final = "WATCHKEEPER_CONFIG"
DEFAULT_CONFIG_FILE: Final = Path("watchkeeper.toml")

_MIB: Final = 1024 * 1024

#: Retention of each record type, in days (0: forever). Audit entries are kept ten
#: years, the longest limitation period among the partners for misuse of personal data;
#: session and login records a year, enough to investigate an intrusion.
DEFAULT_RETENTION_DAYS: Final[dict[str, int]] = {
    "audit": 3650,
    "sessions": 365,
    "login_failures": 365,
    "tokens": 365,
}


def config_file() -> Path | None:
    """Return the TOML file to read, or None when there is none.

    An explicit `WATCHKEEPER_CONFIG` that names no file is an error: the operator asked
    for that file and silently falling back to defaults would hide the typo.
    """
    explicit = os.environ.get(CONFIG_ENV)
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise ConfigError(f"{CONFIG_ENV}={explicit}: no such file")
        return path
    return DEFAULT_CONFIG_FILE if DEFAULT_CONFIG_FILE.is_file() else None


def _check_host_port(value: str) -> str:
    """Validate a `HOST:PORT` address (IPv6 hosts in brackets) and return it unchanged."""
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ValueError(f"expected HOST:PORT with a port in 1-65535, got {value!r}")
    return value


class Settings(BaseSettings):
    """Everything a node can be told, with the reason for each default.

    Build it with `load_settings()` rather than `Settings()`, to get `ConfigError`
    instead of pydantic's exceptions.
    """

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        extra="forbid",
        validate_default=True,
        frozen=True,
    )

    data_dir: Path = Field(
        default=Path("./watchkeeper-data"),
        description=(
            "Root of everything the node writes (position archive, state); one place "
            "to back up, move or wipe."
        ),
    )
    host: str = Field(
        default="127.0.0.1",
        min_length=1,
        description="Address the web API listens on; loopback by default so nothing is exposed by accident.",
    )
    port: int = Field(
        default=8000,
        ge=1,
        le=65535,
        description="TCP port the web API listens on.",
    )
    tcp_feeds: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description=(
            "NMEA feeds to connect to, as HOST:PORT; comma-separated or a JSON list "
            "in the environment. Empty: no TCP input."
        ),
    )
    udp_listen: str | None = Field(
        default=None,
        description="HOST:PORT to receive NMEA datagrams on (receivers often push UDP). Unset: no UDP input.",
    )
    decode_chunk_bytes: int = Field(
        default=16 * _MIB,
        ge=64 * 1024,
        description=(
            "Bytes of NMEA read and decoded as one batch; bounds memory per batch while "
            "keeping batches large enough for columnar decoding to pay off."
        ),
    )
    fragment_window_lines: int = Field(
        default=256,
        ge=1,
        description=(
            "An incomplete multi-sentence message expires (and is quarantined) when this "
            "many lines pass without its next fragment; bounds the state carried across chunks."
        ),
    )
    live_batch_seconds: float = Field(
        default=2.0,
        gt=0,
        description=(
            "A live feed's batch is flushed to the archive and detectors after this many "
            "seconds, so the picture lags by at most this much."
        ),
    )
    detection_interval_seconds: float = Field(
        default=60.0,
        ge=0,
        description=(
            "The live node runs its detectors over the recent data this often (0: no live "
            "detection). Each run covers `detection_horizon_hours` and takes seconds on a "
            "busy coast, so a minute keeps alerts fresh without running hot."
        ),
    )
    detection_horizon_hours: float = Field(
        default=24.0,
        gt=0,
        description=(
            "How much recent data live detection keeps and looks at: the longest look-back "
            "of any detector (name changes are counted over a day)."
        ),
    )
    live_batch_messages: int = Field(
        default=10_000,
        ge=1,
        description=(
            "A live feed's batch is flushed early once it holds this many messages, "
            "bounding memory under bursts."
        ),
    )

    geo_dir: Path = Field(
        # The environment the node runs from (`make install` builds into the venv), so
        # each checkout or installation has the geography matching its own code.
        default=Path(sys.prefix) / "share" / "watchkeeper" / "geo",
        description=(
            "Where geography derived at install time lives (GSHHG land polygons, "
            "`land.parquet`); `watchkeeper geo build` writes it, `make install` runs that."
        ),
    )
    web_dir: Path = Field(
        # Like geo_dir: built by `make install` into the environment the node runs from.
        default=Path(sys.prefix) / "share" / "watchkeeper" / "web",
        description=(
            "Where the picture's assets built at install time live: `vendor/` (MapLibre GL "
            "and PMTiles from the npm registry) and `basemap.pmtiles` (land and default "
            "zones, `watchkeeper geo basemap`); `make install` writes both."
        ),
    )
    picture_interval_seconds: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description=(
            "A live picture stream (`GET /api/picture/stream`) sends the vessels that "
            "changed this often; the map lags the node by at most this plus a live batch."
        ),
    )
    picture_stale_minutes: float = Field(
        default=10.0,
        gt=0,
        description=(
            "A vessel not heard for this long is drawn faded in the picture (class A "
            "ships report every 3 min at anchor, class B every 3 min when slow)."
        ),
    )
    contacts_window_minutes: float = Field(
        default=30.0,
        gt=0,
        description=(
            "A sensor contact not seen again for this long leaves the picture (live and "
            "replay): a radar or aircraft track that ended is not a target still there."
        ),
    )
    contacts_stale_minutes: float = Field(
        default=5.0,
        gt=0,
        description=(
            "A sensor contact not seen again for this long is drawn faded (coastal radars "
            "plot every few seconds, patrol aircraft every minute or two)."
        ),
    )
    contacts_max_bytes: int = Field(
        default=4 * _MIB,
        ge=1024,
        description=(
            "Largest contacts CSV one `POST /api/contacts` may carry (413 beyond); gateways "
            "send small batches often, so one upload never holds the archive for long. "
            "Also capped by `max_body_bytes`."
        ),
    )
    contacts_dir: Path | None = Field(
        default=None,
        description=(
            "A drop directory for sensor contacts: CSV files written into it (`*.csv`, "
            "complete once unchanged over two polls) are ingested once and moved to "
            "`done/`, or to `rejected/` with a `.reason` file. Unset: none."
        ),
    )
    ports_file: Path | None = Field(
        default=None,
        description=(
            "World Port Index CSV (NGA Pub. 150, `UpdatedPub150.csv`) the node reads its "
            "ports from, at run time. Unset: `../shared/data/geo/ports/nga-wpi/UpdatedPub150.csv` "
            "beside the working directory or the checkout, if there; no file: no ports."
        ),
    )
    incidents_file: Path | None = Field(
        default=None,
        description=(
            "IOM Missing Migrants Project CSV the picture's incident heatmap reads at run "
            "time (`GET /api/incidents`). Unset: `../shared/data/migration/iom-mmp/"
            "giocopp-missing-migrants-count/iom_europe.csv` beside the working directory or "
            "the checkout, if there; no file: no heatmap."
        ),
    )

    database_url: str | None = Field(
        default=None,
        description=(
            "SQLAlchemy URL of the records database (accounts, audit trail, intelligence), "
            "e.g. `postgresql+psycopg://user@host/watchkeeper`. Unset: SQLite at "
            "`data_dir/records.sqlite3`, enough for one agency's node."
        ),
    )
    password_min_length: int = Field(
        default=12,
        ge=8,
        description="Shortest password accepted (NIST SP 800-63B asks for at least 8; 12 resists offline guessing).",
    )
    password_min_score: int = Field(
        default=3,
        ge=0,
        le=4,
        description=(
            "Lowest zxcvbn strength score (0-4) a new password must reach; 3 means "
            "'safely unguessable' against an offline attack on a slow hash."
        ),
    )
    login_max_failures: int = Field(
        default=5,
        ge=1,
        description="Consecutive failed logins on one user name that lock it for `login_lockout_minutes`.",
    )
    login_address_max_failures: int = Field(
        default=20,
        ge=1,
        description=(
            "Failed logins from one client address (any user names) that lock the address "
            "for `login_lockout_minutes`; stops guessing spread over many names."
        ),
    )
    login_lockout_minutes: float = Field(
        default=15.0,
        gt=0,
        description="How long a locked user name or address is refused, even with the right password.",
    )
    session_idle_minutes: float = Field(
        default=60.0,
        gt=0,
        description="A web session unused for this long ends; a watch officer's screen refreshes it.",
    )
    session_max_hours: float = Field(
        default=14.0,
        gt=0,
        description="A web session ends this long after login whatever its use (one watch plus handover).",
    )
    cookie_secure: bool = Field(
        default=True,
        description=(
            "Mark session cookies `Secure` (sent over HTTPS only; browsers also accept them "
            "from http://localhost). Turn off only behind a TLS-terminating proxy that speaks plain HTTP to a remote node."
        ),
    )
    token_max_days: int = Field(
        default=365,
        ge=1,
        description="Longest life an API token may be given; every token expires.",
    )
    max_body_bytes: int = Field(
        default=10 * _MIB,
        ge=1024,
        description="Largest request body accepted; a larger one is refused with 413 before it is read.",
    )
    audit_checkpoint_every: int = Field(
        default=1000,
        ge=1,
        description=(
            "Audit entries between two checkpoints of the hash chain's head (in the database "
            "and in `data_dir/audit-checkpoints.jsonl`), which expose a truncated trail."
        ),
    )
    detection: Thresholds = Field(
        default_factory=Thresholds,
        description=(
            "Thresholds of the detectors, each with its source (docs/detection.md): a "
            "`[detection]` table in watchkeeper.toml, or a JSON object in the environment; "
            "thresholds not named keep their default."
        ),
    )
    alert_rules: list[AlertRule] = Field(
        default_factory=lambda: list(DEFAULT_RULES),
        description=(
            "Which events become alerts, tried in order: each rule has a `name`, event "
            "`types` (empty: all), an optional `zone` (a zone name or kind the event must lie "
            f"in) and a `min_score` (default {DEFAULT_MIN_SCORE}). Distress events always "
            "alert, whatever the rules. `[[alert_rules]]` tables in watchkeeper.toml, or a "
            "JSON list in the environment."
        ),
    )
    alert_poll_seconds: float = Field(
        default=2.0,
        gt=0,
        le=60,
        description=(
            "A live alert stream (`GET /api/alerts/stream`) reads the database for changes "
            "at least this often, so alerts raised by other processes reach it within this "
            "delay (those of the web process itself at once)."
        ),
    )
    retention_days: dict[str, int] = Field(
        default_factory=lambda: dict(DEFAULT_RETENTION_DAYS),
        description=(
            "Days each record type is kept before `watchkeeper retention apply` deletes it: "
            + ", ".join(f"`{k}` ({v})" for k, v in DEFAULT_RETENTION_DAYS.items())
            + ". Set a type to 0 to keep it forever. JSON object in the environment."
        ),
    )

    @field_validator(
        "data_dir",
        "geo_dir",
        "web_dir",
        "ports_file",
        "incidents_file",
        "contacts_dir",
        mode="after",
    )
    @classmethod
    def _expand_user(cls, value: Path | None) -> Path | None:
        return None if value is None else value.expanduser()

    @field_validator("tcp_feeds", mode="before")
    @classmethod
    def _split_feeds(cls, value: Any) -> Any:
        """Accept `a:1,b:2` as well as `["a:1", "b:2"]` from the environment."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                try:
                    return json.loads(text)
                except json.JSONDecodeError as exc:
                    raise ValueError(f"not a JSON list ({exc.msg}), got {text!r}") from None
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @field_validator("retention_days", mode="after")
    @classmethod
    def _check_retention(cls, value: dict[str, int]) -> dict[str, int]:
        unknown = sorted(set(value) - set(DEFAULT_RETENTION_DAYS))
        if unknown:
            known = ", ".join(DEFAULT_RETENTION_DAYS)
            raise ValueError(f"unknown record type {', '.join(unknown)} (known: {known})")
        negative = sorted(k for k, v in value.items() if v < 0)
        if negative:
            raise ValueError(f"days must be 0 (forever) or more, not for {', '.join(negative)}")
        return {**DEFAULT_RETENTION_DAYS, **value}

    @field_validator("tcp_feeds", mode="after")
    @classmethod
    def _check_feeds(cls, value: list[str]) -> list[str]:
        return [_check_host_port(feed) for feed in value]

    @field_validator("udp_listen", mode="after")
    @classmethod
    def _check_udp(cls, value: str | None) -> str | None:
        return None if value is None else _check_host_port(value)

    @property
    def archive_dir(self) -> Path:
        """Where the day-partitioned Parquet position archive lives."""
        return self.data_dir / "archive"

    @property
    def records_url(self) -> str:
        """The records database's URL: `database_url`, or SQLite in the data directory."""
        return self.database_url or f"sqlite:///{self.data_dir / 'records.sqlite3'}"

    @property
    def zones_dir(self) -> Path:
        """Where imported zone files (GeoJSON) live; `watchkeeper zones import` writes them."""
        return self.data_dir / "zones"

    @property
    def state_dir(self) -> Path:
        """Where live state (open fragments, feed offsets, detector carry-over) lives."""
        return self.data_dir / "state"

    def create_dirs(self) -> None:
        """Create the data, archive and state directories if missing.

        Raises `ConfigError` when they cannot be created, naming the directory.
        """
        for path in (self.data_dir, self.archive_dir, self.state_dir):
            try:
                path.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                reason = exc.strerror or str(exc)
                raise ConfigError(f"cannot create {path} ({ENV_PREFIX}DATA_DIR): {reason}") from exc

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments, then environment, then the TOML file; no dotenv, no secrets dir."""
        toml = TomlConfigSettingsSource(settings_cls, toml_file=config_file())
        return init_settings, env_settings, toml


def _describe(error: Any) -> str:
    """One error of a `ValidationError` as `NAME (WATCHKEEPER_NAME): message, got 'value'`."""
    loc = [str(part) for part in error.get("loc", ())]
    field = loc[0] if loc else "?"
    where = f"{field} ({ENV_PREFIX}{field.upper()})" if field in Settings.model_fields else field
    if len(loc) > 1:
        where += "[" + "][".join(loc[1:]) + "]"
    if error.get("type") == "extra_forbidden":
        return f"{where}: unknown setting"
    if error.get("type") == "value_error":  # our validators' messages already show the value
        return f"{where}: {error.get('ctx', {}).get('error', error.get('msg'))}"
    message = str(error.get("msg", "invalid value"))
    got = repr(error.get("input"))
    if len(got) > 60:
        got = got[:57] + "..."
    return f"{where}: {message}, got {got}"


def load_settings(**overrides: Any) -> Settings:
    """Read the settings, with `overrides` (e.g. CLI options) taking precedence.

    Raises
    ------
    ConfigError
        With a one-line message naming the setting and its environment variable.
    """
    source = config_file()
    in_file = f" (environment and {source})" if source else ""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        details = "; ".join(_describe(error) for error in exc.errors())
        raise ConfigError(f"invalid setting{in_file}: {details}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"cannot parse {source}: {exc}") from None
    except (SettingsError, json.JSONDecodeError) as exc:
        raise ConfigError(f"invalid setting{in_file}: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {source}: {exc.strerror or exc}") from None


def get_settings() -> Settings:
    """Read the settings from the environment and TOML file; see `load_settings`.

    Not cached: each call re-reads, so tests and tools that change the environment see
    the change. A running app keeps its instance in `app.state.settings`.
    """
    return load_settings()
