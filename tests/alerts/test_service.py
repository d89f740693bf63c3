"""Alerts from events: one per event, updated not duplicated, retracted not deleted, ranked
distress first, and every action of a watch officer in the history and the audit trail."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence

import polars as pl
import pytest
import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from watchkeeper.accounts.context import Accounts
from watchkeeper.accounts.errors import AccountError, Conflict, NotFound
from watchkeeper.alerts.rules import AlertRule
from watchkeeper.alerts.service import Alerts
from watchkeeper.audit.trail import Actor
from watchkeeper.errors import InputError
from watchkeeper.geo.zones import Zone, ZoneSet
from watchkeeper.records.models import Alert, AlertNote, AuditEntry
from watchkeeper.testing import make_events, utc

T0 = "2026-07-15T01:00:00Z"
GAP = {"type": "ais_gap", "mmsi": [247000001], "start": T0, "lat": 36.0, "lon": 11.0}


def _count(accounts: Accounts, model: type) -> int:
    with accounts.db.transaction() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def _audit(accounts: Accounts, action: str) -> list[AuditEntry]:
    with accounts.db.transaction() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_an_ongoing_event_seen_again_updates_its_alert_and_adds_none(
    alerts: Alerts, accounts: Accounts
) -> None:
    first = alerts.ingest(make_events([{**GAP, "end": None, "score": 0.6}]))
    assert (first.raised, first.updated) == (1, 0)
    [raised] = alerts.list()
    assert raised.end is None
    later = {
        **GAP,
        "end": "2026-07-15T03:00:00Z",
        "score": 0.9,
        "lat": 36.5,
        "evidence": json.dumps({"silent_s": 7200}),
    }
    second = alerts.ingest(make_events([later]))
    assert (second.raised, second.updated) == (0, 1)
    assert _count(accounts, Alert) == 1
    [updated] = alerts.list()
    assert updated.id == raised.id
    assert updated.end == utc("2026-07-15T03:00:00Z")
    assert updated.score == pytest.approx(0.9)
    assert updated.lat == 36.5
    assert updated.evidence == {"silent_s": 7200}
    assert updated.updated_at >= raised.updated_at
    third = alerts.ingest(make_events([later]))
    assert (third.raised, third.updated, third.unchanged) == (0, 0, 1)
    assert alerts.get(raised.id).updated_at == updated.updated_at  # streams resend nothing


def test_an_event_twice_in_one_batch_is_one_alert_with_the_last_row(alerts: Alerts) -> None:
    counts = alerts.ingest(make_events([{**GAP, "score": 0.6}, {**GAP, "score": 0.95}]))
    assert counts.raised == 1
    [alert] = alerts.list()
    assert alert.score == pytest.approx(0.95)


def test_retract_keeps_the_row_with_its_history_and_a_new_sighting_restores_it(
    alerts: Alerts, accounts: Accounts, amira: Actor
) -> None:
    alerts.ingest(make_events([GAP]))
    [alert] = alerts.list()
    alerts.acknowledge(amira, alert.id, "looking")
    assert alerts.retract([alert.event_id, "drift:1:0"]) == 1
    assert alerts.retract([alert.event_id]) == 0  # already retracted
    assert alerts.list() == []  # not open any more ...
    kept = alerts.get(alert.id)  # ... but kept, with what was done
    assert kept.status == "retracted"
    assert [n.action for n in kept.history] == ["raised", "acknowledged", "retracted"]
    assert _count(accounts, Alert) == 1
    alerts.ingest(make_events([GAP]))
    assert alerts.get(alert.id).status == "new"
    assert alerts.get(alert.id).history[-1].action == "restored"


def test_a_retracted_column_retracts_and_never_raises(alerts: Alerts) -> None:
    gone = {**GAP, "mmsi": [247000002]}
    alerts.ingest(make_events([gone]))
    events = make_events([GAP, gone]).with_columns(pl.Series("retracted", [False, True]))
    counts = alerts.ingest(events)
    assert (counts.raised, counts.retracted) == (1, 1)
    assert [a.mmsi for a in alerts.list()] == [(247000001,)]
    never = make_events([{**GAP, "mmsi": [247000003]}]).with_columns(retracted=pl.lit(True))
    assert alerts.ingest(never).raised == 0
    assert len(alerts.list(status=["retracted"])) == 1


def test_distress_is_first_even_ingested_last_and_with_the_lowest_score(alerts: Alerts) -> None:
    alerts.ingest(
        make_events(
            [
                {"type": "encounter", "mmsi": [1, 2], "start": T0, "score": 1.0},
                {"type": "zone_entry", "mmsi": [3], "start": "2026-07-15T05:00:00Z"},
                {"type": "ais_gap", "mmsi": [4], "start": T0, "score": 0.9},
                {"type": "ais_gap", "mmsi": [5], "start": T0, "score": 0.7},
            ]
        )
    )
    alerts.ingest(make_events([{"type": "drift", "mmsi": [6], "start": T0, "score": 0.2}]))
    ranked = [(a.type, a.mmsi) for a in alerts.list()]
    assert ranked == [
        ("drift", (6,)),
        ("encounter", (1, 2)),
        ("ais_gap", (4,)),
        ("ais_gap", (5,)),
        ("zone_entry", (3,)),
    ]
    assert [a.type for a in alerts.list(types=["ais_gap"], limit=1)] == ["ais_gap"]
    assert alerts.list(types=["ais_gap"], limit=1)[0].mmsi == (4,)


def test_events_below_every_rule_are_ignored(accounts: Accounts) -> None:
    strict = Alerts(accounts.db, accounts.audit, rules=(AlertRule(name="high", min_score=0.9),))
    counts = strict.ingest(make_events([{**GAP, "score": 0.8}]))
    assert (counts.raised, counts.ignored) == (0, 1)
    assert strict.list() == []


def test_a_zone_rule_names_the_zone_on_the_alert(accounts: Accounts) -> None:
    zones = ZoneSet(
        [Zone("departure_coast", "Sabratha", "", "", shapely.box(10.5, 35.5, 11.5, 36.5))]
    )
    rules = (AlertRule(name="coast", types=("ais_gap",), zone="departure_coast"),)
    alerts = Alerts(accounts.db, accounts.audit, rules=rules, zones=zones)
    counts = alerts.ingest(make_events([GAP, {**GAP, "mmsi": [9], "lat": 40.0}]))
    assert (counts.raised, counts.ignored) == (1, 1)
    [alert] = alerts.list()
    assert (alert.rule, alert.zone, alert.mmsi) == ("coast", "Sabratha", (247000001,))


def test_a_table_that_is_not_events_is_refused(alerts: Alerts) -> None:
    with pytest.raises(InputError, match="no column event_id"):
        alerts.ingest(pl.DataFrame({"x": [1]}))


def test_acknowledge_assign_close_are_in_the_history_and_the_audit_trail(
    alerts: Alerts, accounts: Accounts, amira: Actor
) -> None:
    alerts.ingest(make_events([GAP]))
    [alert] = alerts.list()
    alerts.acknowledge(amira, alert.id, "on screen")
    alerts.assign(amira, alert.id, "Karim", "patrol boat 12 is near")
    closed = alerts.close(amira, alert.id, "vessel back on AIS, fishing")
    assert closed.status == "closed"
    assert closed.assignee == "karim"
    assert [(n.actor, n.action, n.note) for n in closed.history] == [
        ("system", "raised", "rule default"),
        ("amira", "acknowledged", "on screen"),
        ("amira", "assigned", "patrol boat 12 is near"),
        ("amira", "closed", "vessel back on AIS, fishing"),
    ]
    for action, before, after in [
        ("alert.acknowledge", "new", "acknowledged"),
        ("alert.assign", "acknowledged", "assigned"),
        ("alert.close", "assigned", "closed"),
    ]:
        [entry] = _audit(accounts, action)
        detail = json.loads(entry.detail)
        assert (entry.actor, entry.client, entry.object_type, entry.object_id) == (
            "amira",
            "10.0.0.7",
            "alert",
            str(alert.id),
        )
        assert (detail["event_id"], detail["before"], detail["after"]) == (
            alert.event_id,
            before,
            after,
        )
    assert json.loads(_audit(accounts, "alert.assign")[0].detail)["assignee"] == "karim"
    assert _audit(accounts, "alert.close")[0].justification == "vessel back on AIS, fishing"
    assert accounts.audit.verify(accounts.db).ok


def test_refused_actions_change_nothing_and_leave_no_audit_entry(
    alerts: Alerts, accounts: Accounts, amira: Actor
) -> None:
    alerts.ingest(make_events([GAP]))
    [alert] = alerts.list()
    with pytest.raises(NotFound):
        alerts.acknowledge(amira, alert.id + 1000)
    with pytest.raises(AccountError, match="needs a note"):
        alerts.close(amira, alert.id, "   ")
    with pytest.raises(NotFound, match="no user 'nobody'"):
        alerts.assign(amira, alert.id, "nobody")
    with pytest.raises(AccountError, match="cannot handle alerts"):
        alerts.assign(amira, alert.id, "olfa")  # an observer
    alerts.assign(amira, alert.id, "karim")
    with pytest.raises(Conflict, match="already assigned to 'karim'"):
        alerts.assign(amira, alert.id, "karim")
    with pytest.raises(Conflict, match="only a new alert"):
        alerts.acknowledge(amira, alert.id)
    alerts.close(amira, alert.id, "done")
    with pytest.raises(Conflict, match="is closed"):
        alerts.close(amira, alert.id, "again")
    with pytest.raises(Conflict, match="is closed"):
        alerts.assign(amira, alert.id, "amira")
    assert [n.action for n in alerts.get(alert.id).history] == ["raised", "assigned", "closed"]
    assert len(_audit(accounts, "alert.close")) == 1
    assert len(_audit(accounts, "alert.assign")) == 1
    assert _count(accounts, AlertNote) == 3


def test_a_closed_alert_still_follows_its_event_but_stays_closed(
    alerts: Alerts, amira: Actor
) -> None:
    alerts.ingest(make_events([GAP]))
    [alert] = alerts.list()
    alerts.close(amira, alert.id, "false alarm")
    alerts.ingest(make_events([{**GAP, "end": "2026-07-15T02:00:00Z"}]))
    after = alerts.get(alert.id)
    assert (after.status, after.end) == ("closed", utc("2026-07-15T02:00:00Z"))


def test_two_writers_raising_the_same_new_alert_make_one_alert(
    accounts: Accounts, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The live node and `alerts load` both see an event as new and insert its alert; the
    one that loses the race writes its batch again and finds the alert there."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite queues writers at BEGIN IMMEDIATE: the race cannot happen there")
    both_looked = threading.Barrier(2, timeout=30)
    looked: set[int] = set()
    lookup = Alerts._by_event_id

    def look_then_wait(session: Session, event_ids: Sequence[str]) -> dict[str, Alert]:
        found = lookup(session, event_ids)
        if threading.get_ident() not in looked:  # only the first look of each writer
            looked.add(threading.get_ident())
            both_looked.wait()
        return found

    monkeypatch.setattr(Alerts, "_by_event_id", staticmethod(look_then_wait))
    events = make_events([GAP])
    results: list[object] = []

    def write() -> None:
        try:
            results.append(Alerts(db=accounts.db, audit=accounts.audit).ingest(events))
        except Exception as exc:  # noqa: BLE001 - the assertion below shows it
            results.append(exc)

    writers = [threading.Thread(target=write) for _ in range(2)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    assert not [r for r in results if isinstance(r, Exception)], results
    assert _count(accounts, Alert) == 1
    assert sorted(r.raised for r in results) == [0, 1]  # type: ignore[union-attr]
