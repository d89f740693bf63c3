"""Which events become alerts: rules by type, zone and score, and distress always.

A watch officer cannot read every event the detectors raise; rules say which deserve
their attention. A rule admits an event of one of its `types` (every type when none
is named), at or above `min_score`, and, when it names a `zone`, only if the event's
position lies in a zone of that name or kind (`watchkeeper.geo.zones`). Rules are
tried in order and the first that admits an event names the alert (`rule`, `zone`).

Distress events (`distress_beacon`, `drift`) always become alerts, whatever the rules
say: a node must never be configured into missing people in the water. When no rule
admits one, its rule is `distress`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl
import shapely
from pydantic import BaseModel, ConfigDict, Field, field_validator

from watchkeeper.detect.events import EVENT_TYPES
from watchkeeper.errors import ConfigError
from watchkeeper.geo.zones import Zone, ZoneSet

__all__ = [
    "DEFAULT_MIN_SCORE",
    "DEFAULT_RULES",
    "DISTRESS_RULE",
    "AlertRule",
    "check_rules",
    "match_rules",
]

#: The lowest score any detector gives an event it reports (0.5: a gap heard around
#: poorly, loitering by day). Detectors already apply their own thresholds, so by
#: default every event they report alerts; raise it to cut the noise of a busy area.
DEFAULT_MIN_SCORE: Final = 0.5
#: The rule name of a distress event that no configured rule admitted.
DISTRESS_RULE: Final = "distress"


class AlertRule(BaseModel):
    """One rule: event types, an optional zone the event must lie in, a minimum score."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=100, description="shown on the alerts it raises")
    types: tuple[str, ...] = Field(
        default=(), description="event types the rule applies to; empty: every type"
    )
    zone: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="a zone name or kind (e.g. `departure_coast`) the event's position must lie in",
    )
    min_score: float = Field(default=DEFAULT_MIN_SCORE, ge=0.0, le=1.0)

    @field_validator("types", mode="after")
    @classmethod
    def _known_types(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - set(EVENT_TYPES))
        if unknown:
            raise ValueError(
                f"unknown event type {', '.join(unknown)} (types: {', '.join(EVENT_TYPES)})"
            )
        return value


#: Every event at or above `DEFAULT_MIN_SCORE`, anywhere (distress always, regardless).
DEFAULT_RULES: Final = (AlertRule(name="default"),)


def _zones_for(zones: ZoneSet, key: str) -> list[Zone]:
    return [zone for zone in zones.zones if key in (zone.name, zone.kind)]


def check_rules(rules: Sequence[AlertRule], zones: ZoneSet) -> None:
    """Refuse rules whose zone no zone file defines: such a rule would silently never fire."""
    missing = sorted({r.zone for r in rules if r.zone and not _zones_for(zones, r.zone)})
    if missing:
        raise ConfigError(
            f"alert_rules (WATCHKEEPER_ALERT_RULES): no zone is named or of kind "
            f"{', '.join(map(repr, missing))}; import it first (`watchkeeper zones import`)"
        )


def _containing(
    zones: list[Zone], lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64]
) -> npt.NDArray[np.object_]:
    """For each point, the name of the first of `zones` containing it, or None."""
    names = np.full(lat.shape, None, dtype=object)
    for zone in zones:
        todo = names == None  # noqa: E711 - elementwise on an object array
        if not todo.any():
            break
        inside = shapely.contains_xy(zone.geometry, lon[todo], lat[todo])
        names[np.flatnonzero(todo)[inside]] = zone.name
    return names


def match_rules(
    events: pl.DataFrame, rules: Sequence[AlertRule], zones: ZoneSet | None = None
) -> pl.DataFrame:
    """The events that become alerts, with the `rule` that admitted each and its `zone`.

    `events` has at least `type`, `score`, `distress`, `lat` and `lon`. Events no rule
    admits are dropped, except distress, kept with rule `distress`. Loops over rules
    and zones, never over events.
    """
    n = events.height
    zone_set = zones if zones is not None else ZoneSet([])
    lat = events["lat"].cast(pl.Float64).fill_null(np.nan).to_numpy()
    lon = events["lon"].cast(pl.Float64).fill_null(np.nan).to_numpy()
    kinds = events["type"].to_numpy()
    scores = events["score"].cast(pl.Float64).fill_null(-1.0).to_numpy()
    rule_of = np.full(n, None, dtype=object)
    zone_of = np.full(n, None, dtype=object)
    for rule in rules:
        todo = rule_of == None  # noqa: E711
        if rule.types:
            todo &= np.isin(kinds, rule.types)
        todo &= scores >= rule.min_score
        if rule.zone is not None and todo.any():
            where = np.full(n, None, dtype=object)
            where[todo] = _containing(_zones_for(zone_set, rule.zone), lat[todo], lon[todo])
            todo &= where != None  # noqa: E711
            zone_of[todo] = where[todo]
        rule_of[todo] = rule.name
    distress = events["distress"].fill_null(False).to_numpy()
    rule_of[(rule_of == None) & distress] = DISTRESS_RULE  # noqa: E711
    matched = events.with_columns(
        pl.Series("rule", rule_of.tolist(), dtype=pl.String),
        pl.Series("zone", zone_of.tolist(), dtype=pl.String),
    )
    return matched.filter(pl.col("rule").is_not_null())
