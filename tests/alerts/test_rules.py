"""Rules: which events become alerts, by type, zone and score; distress whatever the rules."""

from __future__ import annotations

import pytest
import shapely
from pydantic import ValidationError

from watchkeeper.alerts.matching import check_rules, match_rules
from watchkeeper.alerts.rules import DEFAULT_RULES, AlertRule
from watchkeeper.errors import ConfigError
from watchkeeper.geo.zones import Zone, ZoneSet
from watchkeeper.testing import make_events

# A departure coast off Sabratha (lon 12.0-12.6, lat 32.8-33.2) and an area of interest.
ZONES = ZoneSet(
    [
        Zone("departure_coast", "Sabratha", "TN-GN", "test", shapely.box(12.0, 32.8, 12.6, 33.2)),
        Zone("area_of_interest", "Kerkennah", "TN-GN", "test", shapely.box(11.0, 34.5, 11.5, 35.0)),
    ]
)
IN_SABRATHA = {"lat": 33.0, "lon": 12.3}
IN_KERKENNAH = {"lat": 34.7, "lon": 11.2}
AT_SEA = {"lat": 36.0, "lon": 14.0}
T = "2026-07-15T02:00:00Z"


def _rules(*rules: AlertRule) -> tuple[AlertRule, ...]:
    return rules


def test_default_rules_alert_every_event_at_or_above_half_and_nothing_below() -> None:
    events = make_events(
        [
            {"type": "ais_gap", "mmsi": [1], "start": T, "score": 0.5, **AT_SEA},
            {"type": "ais_gap", "mmsi": [2], "start": T, "score": 0.49, **AT_SEA},
        ]
    )
    matched = match_rules(events, DEFAULT_RULES, ZONES)
    assert matched["mmsi"].to_list() == [[1]]
    assert matched["rule"].to_list() == ["default"]
    assert matched["zone"].to_list() == [None]


def test_distress_alerts_even_when_no_rule_admits_it() -> None:
    strict = _rules(AlertRule(name="only-encounters", types=("encounter",), min_score=0.99))
    events = make_events(
        [
            {"type": "drift", "mmsi": [1], "start": T, "score": 0.1, **AT_SEA},
            {"type": "loitering", "mmsi": [2], "start": T, "score": 0.9, **AT_SEA},
        ]
    )
    matched = match_rules(events, strict, ZONES)
    assert matched.select("type", "rule").rows() == [("drift", "distress")]


def test_zone_rule_admits_only_events_inside_a_zone_of_that_kind_and_names_it() -> None:
    coast = _rules(AlertRule(name="coast", types=("loitering",), zone="departure_coast"))
    events = make_events(
        [
            {"type": "loitering", "mmsi": [1], "start": T, **IN_SABRATHA},
            {"type": "loitering", "mmsi": [2], "start": T, **AT_SEA},
            {"type": "loitering", "mmsi": [3], "start": T, **IN_KERKENNAH},  # another kind
            {"type": "encounter", "mmsi": [4, 5], "start": T, **IN_SABRATHA},  # another type
            {"type": "loitering", "mmsi": [6], "start": T, "lat": None, "lon": None},
        ]
    )
    matched = match_rules(events, coast, ZONES)
    assert matched.select("mmsi", "rule", "zone").rows() == [([1], "coast", "Sabratha")]


def test_zone_by_name_and_first_matching_rule_wins() -> None:
    rules = _rules(
        AlertRule(name="kerkennah-any", zone="Kerkennah", min_score=0.9),
        AlertRule(name="anywhere", min_score=0.7),
    )
    events = make_events(
        [
            {"type": "encounter", "mmsi": [1, 2], "start": T, "score": 0.95, **IN_KERKENNAH},
            {"type": "encounter", "mmsi": [3, 4], "start": T, "score": 0.8, **IN_KERKENNAH},
            {"type": "encounter", "mmsi": [5, 6], "start": T, "score": 0.95, **AT_SEA},
            {"type": "encounter", "mmsi": [7, 8], "start": T, "score": 0.6, **IN_KERKENNAH},
        ]
    )
    matched = match_rules(events, rules, ZONES)
    assert matched.select("mmsi", "rule", "zone").rows() == [
        ([1, 2], "kerkennah-any", "Kerkennah"),
        ([3, 4], "anywhere", None),
        ([5, 6], "anywhere", None),
    ]


def test_a_rule_naming_an_unknown_zone_is_refused() -> None:
    with pytest.raises(ConfigError, match="'Zarzis'"):
        check_rules([AlertRule(name="x", zone="Zarzis")], ZONES)
    with pytest.raises(ConfigError, match="'landing_coast'"):  # a kind no zone has
        check_rules([AlertRule(name="x", zone="landing_coast")], ZONES)
    check_rules([AlertRule(name="x", zone="departure_coast")], ZONES)  # no error


def test_a_rule_with_an_unknown_type_or_score_out_of_range_is_refused() -> None:
    with pytest.raises(ValidationError, match="unknown event type loiter"):
        AlertRule(name="x", types=("loiter",))
    with pytest.raises(ValidationError):
        AlertRule(name="x", min_score=1.5)
