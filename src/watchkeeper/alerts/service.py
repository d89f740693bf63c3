"""The alerts of a node: raised from events, ranked, and handled by watch officers on record.

`ingest` turns detector events into alerts by the node's rules (`rules.py`); the same
event seen again (same `event_id`) updates its alert, never adds one, and an event
that later data disproves is retracted, its alert kept with status `retracted`.
Watch officers acknowledge, assign and close alerts; each of those changes is
written to the audit trail in the same transaction as the change, and to the
alert's own history, which is what the alert's page shows.

Every list is ranked the same way: distress first, then priority (1 first), then
score, then the newest start, so that nothing can push a boat in distress down.

    new ──acknowledge──> acknowledged ──assign──> assigned ──close──> closed
     └─────────────assign──────────────┘    └───────close─────────────┘
    any status ──retract (by the detectors)──> retracted ──seen again──> new
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

import polars as pl
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt

from watchkeeper.accounts.errors import AccountError, Conflict, NotFound
from watchkeeper.accounts.roles import Role
from watchkeeper.alerts.matching import check_rules, match_rules
from watchkeeper.alerts.notify import Notifier
from watchkeeper.alerts.rules import DEFAULT_RULES, AlertRule
from watchkeeper.alerts.views import AlertView, NoteView
from watchkeeper.audit.trail import Actor, AuditTrail
from watchkeeper.detect.events import EVENT_COLUMNS
from watchkeeper.errors import InputError
from watchkeeper.geo.zones import ZoneSet
from watchkeeper.records.database import Database, utcnow
from watchkeeper.records.models import Alert, AlertNote, User

if TYPE_CHECKING:
    from watchkeeper.accounts.context import Accounts
    from watchkeeper.areas.store import Areas
    from watchkeeper.detect.stream import Changes
    from watchkeeper.settings import Settings

__all__ = [
    "HANDLER_ROLES",
    "NOTE_MAX_CHARS",
    "OPEN_STATUSES",
    "SYSTEM_ACTOR",
    "Alerts",
    "IngestCounts",
    "ranking",
]

#: Alerts still waiting for someone: what the stream and the default list show.
OPEN_STATUSES: Final = ("new", "acknowledged", "assigned")
#: Roles whose holders handle alerts: acknowledge, take an assignment, close.
HANDLER_ROLES: Final = frozenset({Role.WATCH_OFFICER})
#: Longest note kept with an action (a radio log entry, not a report).
NOTE_MAX_CHARS: Final = 2000
#: Who the history names for what the detectors did (raise, update, retract).
SYSTEM_ACTOR: Final = "system"
_CHUNK: Final = 500
_WRITE_ATTEMPTS: Final = 3  # a batch lost to another writer's new alert is written again
#: Fields an ongoing event changes as more data arrives.
_UPDATED: Final = ("end", "score", "lat", "lon", "evidence")


@dataclass(frozen=True)
class IngestCounts:
    """What one `ingest` did: alerts raised, updated, seen unchanged, retracted, and
    events that no rule admitted (no alert)."""

    raised: int = 0
    updated: int = 0
    unchanged: int = 0
    retracted: int = 0
    ignored: int = 0


def _check_note(note: str, *, required: bool = False) -> str:
    text = note.strip()
    if len(text) > NOTE_MAX_CHARS:
        raise AccountError(f"a note is at most {NOTE_MAX_CHARS} characters")
    if required and not text:
        raise AccountError("closing an alert needs a note saying how it ended")
    return text


def _event_fields(row: dict[str, Any]) -> dict[str, Any]:
    """An event row as the Alert columns it sets (JSON lists, rounded score)."""
    return {
        "type": row["type"],
        "priority": int(row["priority"]),
        "distress": bool(row["distress"]),
        "score": round(float(row["score"] or 0.0), 4),
        "mmsi": [int(m) for m in row["mmsi"] or []],
        "contact_ids": [str(c) for c in row["contact_id"] or []],
        "start": row["start"],
        "end": row["end"],
        "detected": row["detected"] or row["start"],
        "lat": row["lat"],
        "lon": row["lon"],
        "evidence": row["evidence"] or "{}",
    }


def ranking() -> tuple[Any, ...]:
    return (
        Alert.distress.desc(),
        Alert.priority.asc(),
        Alert.score.desc(),
        Alert.start.desc(),
        Alert.id.desc(),
    )


@dataclass(frozen=True)
class Alerts:
    """The records database, its audit trail, the alert rules and the zones they name.

    With `areas`, the rules and areas users defined through the API count too: their
    rules are tried before `rules` (the settings'), and zones are looked up among the
    drawn areas as well as `zones`; both are read afresh at each `ingest`.
    """

    db: Database
    audit: AuditTrail
    rules: tuple[AlertRule, ...] = DEFAULT_RULES
    zones: ZoneSet = field(default_factory=lambda: ZoneSet([]))
    notifier: Notifier = field(default_factory=Notifier, compare=False)
    areas: Areas | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        check_rules(self.rules, self.zones)

    @classmethod
    def from_settings(
        cls, settings: Settings, accounts: Accounts, *, zones: ZoneSet | None = None
    ) -> Alerts:
        """The node's alerts: its rules (`alert_rules`) over its zones (`zones`, else read
        from the zone files and defaults), with the areas and rules of its database.

        Raises `ConfigError` when a settings rule names a zone that no zone file defines.
        """
        from watchkeeper.areas.store import Areas  # noqa: PLC0415 - see the package docstring

        zones = (
            zones
            if zones is not None
            else ZoneSet.load(settings.zones_dir, geo_dir=settings.geo_dir)
        )
        rules = tuple(settings.alert_rules)
        areas = Areas(accounts.db, accounts.audit, base=zones, settings_rules=rules)
        return cls(db=accounts.db, audit=accounts.audit, rules=rules, zones=zones, areas=areas)

    def in_force(self) -> tuple[tuple[AlertRule, ...], ZoneSet]:
        """The rules tried now, in order, and the zones they are matched in."""
        if self.areas is None:
            return self.rules, self.zones
        return (*self.areas.rules(), *self.rules), self.areas.zone_set()

    # -- from the detectors ------------------------------------------------------

    def ingest(self, events: pl.DataFrame) -> IngestCounts:
        """Raise or update the alerts of `events` (the `EVENTS` table of the detectors).

        An event whose alert exists updates its `end`, `score`, position and evidence
        (whatever the rules now say: an alert once raised follows its event); a
        retracted alert seen again is new again. Other events become alerts when a
        rule admits them. Rows with a true `retracted` column retract their alerts.
        """
        missing = [name for name in EVENT_COLUMNS if name not in events.columns]
        if missing:
            raise InputError(f"not an events table: no column {', '.join(missing)}")
        retracted = 0
        if "retracted" in events.columns:
            gone = events.filter(pl.col("retracted").fill_null(False))
            events = events.filter(~pl.col("retracted").fill_null(False))
            retracted = self.retract(gone["event_id"].to_list())
        events = events.unique("event_id", keep="last", maintain_order=True)
        rules, zones = self.in_force()
        admitted = match_rules(events, rules, zones).select(
            "event_id", "rule", "zone", "rule_priority"
        )
        matched = {row[0]: row[1:] for row in admitted.iter_rows()}
        # Two processes (the live node and `alerts load`, or two workers) may both see an
        # event as new and insert its alert; the slower one's insert then breaks the
        # unique event id. Its whole batch is written again, and finds the alert there.
        for attempt in Retrying(
            retry=retry_if_exception_type(IntegrityError),
            stop=stop_after_attempt(_WRITE_ATTEMPTS),
            reraise=True,
        ):
            with attempt:
                counts = self._write(events, matched)
        if counts["raised"] or counts["updated"]:
            self.notifier.notify()
        return IngestCounts(retracted=retracted, **counts)

    def _write(self, events: pl.DataFrame, matched: dict[str, tuple[Any, ...]]) -> dict[str, int]:
        """Raise or update the alerts of `events` in one transaction; counts by outcome."""
        counts = {"raised": 0, "updated": 0, "unchanged": 0, "ignored": 0}
        with self.db.transaction() as session:
            now = utcnow()
            existing = self._by_event_id(session, events["event_id"].to_list())
            for row in events.iter_rows(named=True):
                fields = _event_fields(row)
                alert = existing.get(row["event_id"])
                if alert is not None:
                    counts[self._update(session, alert, fields, now)] += 1
                elif row["event_id"] in matched:
                    rule, zone, rule_priority = matched[row["event_id"]]
                    if rule_priority is not None:  # a rule makes an alert more urgent, never less
                        fields["priority"] = min(fields["priority"], int(rule_priority))
                    self._raise(session, row["event_id"], fields, rule, zone, now)
                    counts["raised"] += 1
                else:
                    counts["ignored"] += 1
        return counts

    def apply(self, changes: Changes) -> IngestCounts:
        """What one run of live detection changed: new and updated events raise or
        update alerts, retracted ones retract theirs."""
        counts = self.ingest(pl.concat([changes.new, changes.updated]))
        self.retract(changes.retracted["event_id"].to_list())
        return counts

    def retract(self, event_ids: Iterable[str]) -> int:
        """Mark the alerts of events that later data disproved; returns how many changed.

        The rows stay, with their history: a watch officer who acted on one must still
        find it. Ids without an alert are ignored.
        """
        ids = list(dict.fromkeys(event_ids))
        changed = 0
        with self.db.transaction() as session:
            now = utcnow()
            for alert in self._by_event_id(session, ids).values():
                if alert.status == "retracted":
                    continue
                alert.status, alert.updated_at = "retracted", now
                session.add(
                    AlertNote(alert_id=alert.id, at=now, actor=SYSTEM_ACTOR, action="retracted")
                )
                changed += 1
        if changed:
            self.notifier.notify()
        return changed

    @staticmethod
    def _by_event_id(session: Session, event_ids: Sequence[str]) -> dict[str, Alert]:
        found: dict[str, Alert] = {}
        for i in range(0, len(event_ids), _CHUNK):
            chunk = event_ids[i : i + _CHUNK]
            found.update(
                (a.event_id, a)
                for a in session.scalars(select(Alert).where(Alert.event_id.in_(chunk)))
            )
        return found

    @staticmethod
    def _raise(
        session: Session,
        event_id: str,
        fields: dict[str, Any],
        rule: str,
        zone: str | None,
        now: datetime,
    ) -> None:
        alert = Alert(
            event_id=event_id,
            **fields,
            zone=zone,
            rule=rule,
            status="new",
            created_at=now,
            updated_at=now,
        )
        session.add(alert)
        session.flush()
        note = f"rule {rule}" + (f" in zone {zone}" if zone else "")
        session.add(
            AlertNote(alert_id=alert.id, at=now, actor=SYSTEM_ACTOR, action="raised", note=note)
        )

    @staticmethod
    def _update(session: Session, alert: Alert, fields: dict[str, Any], now: datetime) -> str:
        changed = False
        for name in _UPDATED:
            if getattr(alert, name) != fields[name]:
                setattr(alert, name, fields[name])
                changed = True
        if alert.status == "retracted":
            alert.status = "new"
            session.add(AlertNote(alert_id=alert.id, at=now, actor=SYSTEM_ACTOR, action="restored"))
            changed = True
        if not changed:
            return "unchanged"
        alert.updated_at = now
        return "updated"

    # -- for watch officers ------------------------------------------------------

    def list(
        self,
        *,
        status: Iterable[str] | None = None,
        types: Iterable[str] | None = None,
        limit: int = 100,
    ) -> list[AlertView]:
        """Alerts ranked, distress first; `status` None means the open ones."""
        wanted = list(status) if status is not None else list(OPEN_STATUSES)
        query = select(Alert).where(Alert.status.in_(wanted)).order_by(*ranking()).limit(limit)
        kinds = list(types or [])
        if kinds:
            query = query.where(Alert.type.in_(kinds))
        with self.db.transaction() as session:
            return [AlertView.of(alert) for alert in session.scalars(query)]

    def changed_since(
        self, since: datetime, *, limit: int = 10_000
    ) -> builtins.list[AlertView]:  # `list` here is the method above
        """Alerts whose row changed at or after `since`, ranked (what a live stream sends)."""
        query = select(Alert).where(Alert.updated_at >= since).order_by(*ranking()).limit(limit)
        with self.db.transaction() as session:
            return [AlertView.of(alert) for alert in session.scalars(query)]

    def get(self, alert_id: int) -> AlertView:
        """One alert with its history, oldest step first."""
        with self.db.transaction() as session:
            return self._view(session, self._find(session, alert_id))

    def acknowledge(self, actor: Actor, alert_id: int, note: str = "") -> AlertView:
        """Say that someone is looking at a new alert."""
        text = _check_note(note)
        with self.db.transaction() as session:
            alert = self._find(session, alert_id)
            if alert.status != "new":
                raise Conflict(
                    f"alert {alert_id} is {alert.status}: only a new alert is acknowledged"
                )
            view = self._change(session, actor, alert, "acknowledged", text)
        self.notifier.notify()
        return view

    def assign(self, actor: Actor, alert_id: int, username: str, note: str = "") -> AlertView:
        """Hand an open alert to a watch officer (who may be the actor)."""
        text = _check_note(note)
        with self.db.transaction() as session:
            alert = self._find(session, alert_id)
            self._require_open(alert, "assigned")
            user = session.scalars(
                select(User).where(User.username == username.strip().lower())
            ).one_or_none()
            if user is None:
                raise NotFound(f"no user {username[:64]!r}")
            if user.disabled:
                raise AccountError(f"{user.username!r} is disabled")
            if not {row.role for row in user.role_rows} & HANDLER_ROLES:
                needed = ", ".join(sorted(HANDLER_ROLES))
                raise AccountError(f"{user.username!r} cannot handle alerts (needs: {needed})")
            if alert.status == "assigned" and alert.assignee_id == user.id:
                raise Conflict(f"alert {alert_id} is already assigned to {user.username!r}")
            alert.assignee_id = user.id
            alert.assignee = user
            view = self._change(session, actor, alert, "assigned", text, assignee=user.username)
        self.notifier.notify()
        return view

    def close(self, actor: Actor, alert_id: int, note: str) -> AlertView:
        """End an open alert; the note, required, says how (rescued, false alarm, ...)."""
        text = _check_note(note, required=True)
        with self.db.transaction() as session:
            alert = self._find(session, alert_id)
            self._require_open(alert, "closed")
            view = self._change(session, actor, alert, "closed", text)
        self.notifier.notify()
        return view

    # -- helpers -----------------------------------------------------------------

    @staticmethod
    def _find(session: Session, alert_id: int) -> Alert:
        alert = session.get(Alert, alert_id)
        if alert is None:
            raise NotFound(f"no alert {alert_id}")
        return alert

    @staticmethod
    def _require_open(alert: Alert, wanted: str) -> None:
        if alert.status not in OPEN_STATUSES:
            raise Conflict(f"alert {alert.id} is {alert.status}: it cannot be {wanted}")

    @staticmethod
    def _view(session: Session, alert: Alert) -> AlertView:
        notes = session.scalars(
            select(AlertNote).where(AlertNote.alert_id == alert.id).order_by(AlertNote.id)
        )
        return AlertView.of(alert, tuple(NoteView.of(n) for n in notes))

    def _change(
        self,
        session: Session,
        actor: Actor,
        alert: Alert,
        status: str,
        note: str,
        *,
        assignee: str | None = None,
    ) -> AlertView:
        """Set the status, add the history step and the audit entry, in one transaction."""
        before, now = alert.status, utcnow()
        alert.status, alert.updated_at = status, now
        action = {"acknowledged": "acknowledge", "assigned": "assign", "closed": "close"}[status]
        session.add(
            AlertNote(alert_id=alert.id, at=now, actor=actor.name[:100], action=status, note=note)
        )
        detail: dict[str, Any] = {"event_id": alert.event_id, "before": before, "after": status}
        if assignee is not None:
            detail["assignee"] = assignee
        self.audit.record(
            session,
            actor,
            f"alert.{action}",
            object_type="alert",
            object_id=alert.id,
            justification=note,
            detail=detail,
        )
        session.flush()
        return self._view(session, alert)
