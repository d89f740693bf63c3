"""Drawn areas and API alert rules: kept, refused with where, audited, and in force at once
for alert rules and for the detectors' zone entries."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import shapely
from sqlalchemy import select

from watchkeeper.accounts.context import Accounts
from watchkeeper.accounts.errors import AccountError, Conflict, NotFound
from watchkeeper.accounts.users import init_node
from watchkeeper.alerts.rules import AlertRule
from watchkeeper.alerts.service import Alerts
from watchkeeper.areas import Areas
from watchkeeper.audit.trail import Actor, AuditTrail
from watchkeeper.detect.engine import detect
from watchkeeper.geo.zones import GeometryError, Zone, ZoneSet
from watchkeeper.records.database import Database
from watchkeeper.records.migrate import upgrade
from watchkeeper.records.models import AuditEntry
from watchkeeper.testing import make_events, make_positions

CONSOLE = Actor("console:test", "TN-GN", ("console",), "local")
AMIRA = Actor("amira", "TN-GN", ("watch_officer",), "10.0.0.7")
#: A box off Kelibia, Cap Bon.
BOX = {
    "type": "Polygon",
    "coordinates": [[[11.0, 36.8], [11.4, 36.8], [11.4, 37.1], [11.0, 37.1], [11.0, 36.8]]],
}
#: An imported departure coast, and a computed default zone, as the node's files give them.
COAST = Zone("departure_coast", "Cap Bon", "TN-GN", "test", shapely.box(10.5, 36.5, 11.0, 37.2))
SEA = Zone(
    "territorial_sea", "TN 12 nm", "", "GSHHG", shapely.box(9.0, 35.0, 12.0, 38.0), "default"
)


@pytest.fixture
def accounts(database_url: str, tmp_path: Path) -> Iterator[Accounts]:
    db = Database(database_url)
    upgrade(db)
    accounts = Accounts(db=db, audit=AuditTrail(checkpoint_file=tmp_path / "cp.jsonl"))
    init_node(accounts, CONSOLE, code="TN-GN", name="Garde nationale", country="TN")
    yield accounts
    db.close()


@pytest.fixture
def areas(accounts: Accounts) -> Areas:
    return Areas(
        accounts.db,
        accounts.audit,
        base=ZoneSet([COAST, SEA]),
        settings_rules=(AlertRule(name="default"),),
    )


def audit_actions(accounts: Accounts) -> list[tuple[str, str, dict[str, Any]]]:
    with accounts.db.transaction() as session:
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
        return [(e.actor, e.action, json.loads(e.detail)) for e in entries if "." in e.action]


def test_a_drawn_area_is_kept_audited_and_placed_between_imported_and_default_zones(
    areas: Areas, accounts: Accounts
) -> None:
    view = areas.add_area(AMIRA, name="  Kelibia approaches ", geometry=BOX)
    assert (view.name, view.kind, view.authority, view.created_by) == (
        "Kelibia approaches",
        "area_of_interest",
        "TN-GN",
        "amira",
    )
    assert shapely.geometry.shape(view.geometry).equals(shapely.geometry.shape(BOX))
    assert [a.id for a in areas.list_areas()] == [view.id]
    zones = areas.zone_set().zones
    assert [(z.name, z.origin) for z in zones] == [
        ("Cap Bon", "imported"),
        ("Kelibia approaches", "drawn"),
        ("TN 12 nm", "default"),
    ]
    assert zones[1].id == view.id
    assert zones[1].source == "drawn by amira"
    assert areas.zone_set() is areas.zone_set()  # not rebuilt while nothing changed
    [(actor, action, detail)] = [a for a in audit_actions(accounts) if a[1].startswith("area")]
    assert (actor, action, detail["name"], detail["positions"]) == (
        "amira",
        "area.create",
        "Kelibia approaches",
        5,
    )


@pytest.mark.parametrize(
    ("geometry", "message", "path"),
    [
        ({"type": "Point", "coordinates": [11, 37]}, "Polygon or MultiPolygon", ("type",)),
        (
            {
                "type": "Polygon",
                "coordinates": [[[11, 36.8], [11.4, 36.8], [11.4, 37.1], [11, 36.8]][:3]],
            },
            "at least 4 positions",
            ("coordinates", 0),
        ),
        (
            {
                "type": "Polygon",
                "coordinates": [[[11, 36.8], [11.4, 36.8], [11.4, 37.1], [11, 37.1]]],
            },
            "not closed",
            ("coordinates", 0, 3),
        ),
        (
            {
                "type": "Polygon",
                "coordinates": [[[11, 36.8], [11.4, 36.8], [11.4, 97], [11, 36.8]]],
            },
            "latitude 97 is outside",
            ("coordinates", 0, 2, 1),
        ),
        (
            {
                "type": "Polygon",
                "coordinates": [[[11, 36.8], [11.4, 37.1], [11.4, 36.8], [11, 37.1], [11, 36.8]]],
            },
            "self-intersection near lon 11.20000, lat 36.95000",
            ("coordinates",),
        ),
        (
            {"type": "MultiPolygon", "coordinates": [BOX["coordinates"], [[[11, 36.8], ["x", 1]]]]},
            "a ring needs at least 4",
            ("coordinates", 1, 0),
        ),
    ],
)
def test_a_geometry_that_is_no_area_is_refused_saying_where(
    areas: Areas, geometry: dict[str, Any], message: str, path: tuple[Any, ...]
) -> None:
    with pytest.raises(GeometryError, match=message) as caught:
        areas.add_area(AMIRA, name="bad", geometry=geometry)
    assert caught.value.path == path
    assert areas.list_areas() == []


def test_area_names_are_unique_across_the_nodes_zones(areas: Areas) -> None:
    with pytest.raises(Conflict, match="zone kind"):
        areas.add_area(AMIRA, name="departure_coast", geometry=BOX)
    with pytest.raises(Conflict, match="zone files"):
        areas.add_area(AMIRA, name="Cap Bon", geometry=BOX)
    first = areas.add_area(AMIRA, name="Kelibia", geometry=BOX)
    with pytest.raises(Conflict, match=f"area {first.id} is already named"):
        areas.add_area(AMIRA, name="Kelibia", geometry=BOX)
    areas.delete_area(AMIRA, first.id)
    assert areas.add_area(AMIRA, name="Kelibia", geometry=BOX).id != first.id


def test_a_rule_is_kept_and_an_area_it_names_cannot_go_before_it(
    areas: Areas, accounts: Accounts
) -> None:
    area = areas.add_area(AMIRA, name="Kelibia", geometry=BOX)
    with pytest.raises(AccountError, match="no zone is named or of kind 'Nabeul'"):
        areas.add_rule(AMIRA, name="watch Nabeul", zone="Nabeul")
    with pytest.raises(AccountError, match="unknown event type piracy"):
        areas.add_rule(AMIRA, name="pirates", types=["piracy"])
    with pytest.raises(Conflict, match="settings already have a rule named 'default'"):
        areas.add_rule(AMIRA, name="default")
    rule = areas.add_rule(
        AMIRA, name="Kelibia entries", types=["zone_entry"], zone="Kelibia", priority=2
    )
    assert rule.rule == AlertRule(
        name="Kelibia entries", types=("zone_entry",), zone="Kelibia", priority=2
    )
    assert areas.rules() == (rule.rule,)
    with pytest.raises(Conflict, match="delete them first"):
        areas.delete_area(AMIRA, area.id)
    areas.delete_rule(AMIRA, rule.id)
    areas.delete_area(AMIRA, area.id)
    with pytest.raises(NotFound):
        areas.delete_area(AMIRA, area.id)
    with pytest.raises(NotFound):
        areas.delete_rule(AMIRA, rule.id)
    assert areas.rules() == ()
    assert [z.name for z in areas.zone_set().zones] == ["Cap Bon", "TN 12 nm"]
    assert [a[1] for a in audit_actions(accounts) if a[0] == "amira"] == [
        "area.create",
        "alert_rule.create",
        "alert_rule.delete",
        "area.delete",
    ]


def test_alerts_follow_the_rules_and_areas_drawn_since_they_started(
    areas: Areas, accounts: Accounts
) -> None:
    alerts = Alerts(
        db=accounts.db,
        audit=accounts.audit,
        rules=(AlertRule(name="strict", min_score=0.95),),
        zones=areas.base,
        areas=areas,
    )
    inside = {"type": "zone_entry", "mmsi": [247000001], "start": "2026-07-15T01:00:00Z"}
    inside |= {"lat": 36.9, "lon": 11.2, "score": 0.5}
    outside = inside | {"mmsi": [247000002], "lat": 35.0, "lon": 15.0}
    assert alerts.ingest(make_events([inside, outside])).raised == 0
    areas.add_area(AMIRA, name="Kelibia", geometry=BOX)
    areas.add_rule(AMIRA, name="Kelibia entries", types=["zone_entry"], zone="Kelibia", priority=2)
    counts = alerts.ingest(make_events([inside, outside]))
    assert (counts.raised, counts.ignored) == (1, 1)
    [alert] = alerts.list()
    assert (alert.mmsi, alert.rule, alert.zone, alert.priority) == (
        (247000001,),
        "Kelibia entries",
        "Kelibia",
        2,  # zone_entry is 4 by itself; the rule makes it more urgent
    )


def test_a_rule_never_lowers_a_distress_alert(areas: Areas, accounts: Accounts) -> None:
    areas.add_rule(AMIRA, name="everything low", priority=4, min_score=0.0)
    alerts = Alerts(db=accounts.db, audit=accounts.audit, zones=areas.base, areas=areas)
    alerts.ingest(make_events([{"type": "drift", "mmsi": [1], "start": "2026-07-15T01:00:00Z"}]))
    [alert] = alerts.list()
    assert (alert.rule, alert.priority) == ("everything low", 1)


def test_detectors_see_a_drawn_area(areas: Areas) -> None:
    areas.add_area(AMIRA, name="Kelibia", geometry=BOX)
    positions = make_positions(
        [
            {"mmsi": 247000001, "ts": f"2026-07-15T01:{m:02d}:00Z", "lat": 36.9, "lon": lon}
            | {"sog": 10.0, "cog": 90.0}
            for m, lon in enumerate([10.85, 10.9, 10.95, 11.05, 11.1])
        ]
    )
    found = detect(positions, zones=areas.zone_set())
    entries = found.filter(found["type"] == "zone_entry")
    assert entries["mmsi"].to_list() == [[247000001]]
    assert json.loads(entries["evidence"][0])["zone"] == "Kelibia"
