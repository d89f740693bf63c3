"""Rules applied to events: which become alerts, under which rule and zone.

Loops over rules and zones, never over events: a batch of thousands of events costs a
few vectorised point-in-polygon tests per rule.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import polars as pl
import shapely

from watchkeeper.alerts.rules import DISTRESS_RULE, AlertRule
from watchkeeper.errors import ConfigError
from watchkeeper.geo.zones import Zone, ZoneSet

__all__ = ["check_rules", "match_rules"]


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
    """The events that become alerts, with the `rule` that admitted each, its `zone` and
    the rule's `rule_priority` (null when the rule sets none).

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
    priority_of = np.full(n, None, dtype=object)
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
        priority_of[todo] = rule.priority
    distress = events["distress"].fill_null(False).to_numpy()
    rule_of[(rule_of == None) & distress] = DISTRESS_RULE  # noqa: E711
    matched = events.with_columns(
        pl.Series("rule", rule_of.tolist(), dtype=pl.String),
        pl.Series("zone", zone_of.tolist(), dtype=pl.String),
        pl.Series("rule_priority", priority_of.tolist(), dtype=pl.Int8),
    )
    return matched.filter(pl.col("rule").is_not_null())
