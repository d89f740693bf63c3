"""The drawn areas and API-defined alert rules of a node, in its records database.

An area is an `area_of_interest` zone with a name no other zone of the node has (nor a
zone kind's), so a rule naming it means it alone. A rule is an `AlertRule` (types, a
zone name or kind, a minimum score, a priority) whose name no other rule has. Neither
changes once made; deleting keeps the row (`deleted_at`), since alerts name the rule
and zone that raised them. An area that a rule names cannot be deleted before the rule.

Every change is written to the audit trail in the transaction that makes it.

Readers (`zone_set`, `rules`) go to the database each time, so a change made by any
process (another web worker, the command line) takes effect at the next detection run
or alert ingest; the parsed geometries are kept per area, as areas never change.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

import shapely
from pydantic import ValidationError
from sqlalchemy import select

from watchkeeper.accounts.errors import AccountError, Conflict, NotFound
from watchkeeper.alerts.rules import DISTRESS_RULE, AlertRule
from watchkeeper.audit.trail import Actor, AuditTrail
from watchkeeper.geo.zones import ZONE_KINDS, Zone, ZoneSet, check_area_geometry
from watchkeeper.records.database import Database, utcnow
from watchkeeper.records.models import AlertRuleRow, Area

__all__ = ["AREA_KIND", "AreaView", "Areas", "RuleView"]

#: The kind of every drawn area.
AREA_KIND: Final = "area_of_interest"


@dataclass(frozen=True)
class AreaView:
    """A drawn area as handed out: its record and its geometry (GeoJSON)."""

    id: int
    kind: str
    name: str
    authority: str
    geometry: dict[str, Any]
    created_by: str
    created_at: datetime

    @classmethod
    def of(cls, row: Area) -> AreaView:
        return cls(
            id=row.id,
            kind=row.kind,
            name=row.name,
            authority=row.authority,
            geometry=json.loads(row.geometry),
            created_by=row.created_by,
            created_at=row.created_at,
        )


@dataclass(frozen=True)
class RuleView:
    """A rule defined through the API, with who made it and when."""

    id: int
    rule: AlertRule
    created_by: str
    created_at: datetime

    @classmethod
    def of(cls, row: AlertRuleRow) -> RuleView:
        rule = AlertRule(
            name=row.name,
            types=tuple(row.types),
            zone=row.zone,
            min_score=row.min_score,
            priority=row.priority,
        )
        return cls(id=row.id, rule=rule, created_by=row.created_by, created_at=row.created_at)


@dataclass
class Areas:
    """Drawn areas and API rules over the node's zone files and settings' rules.

    `base` holds the zones of the files (imported first, computed defaults after);
    drawn areas come between the two in `zone_set`, so an imported zone is still found
    first where both cover a point. `settings_rules` are only read, to keep rule names
    unique across both sources.
    """

    db: Database
    audit: AuditTrail
    base: ZoneSet = field(default_factory=lambda: ZoneSet([]))
    settings_rules: Sequence[AlertRule] = ()
    _zones: dict[int, Zone] = field(default_factory=dict, init=False, repr=False)
    _zone_set: tuple[tuple[int, ...], ZoneSet] | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    # -- areas -------------------------------------------------------------------------

    def list_areas(self) -> list[AreaView]:
        """The drawn areas in force, oldest first."""
        with self.db.transaction() as session:
            rows = session.scalars(select(Area).where(Area.deleted_at.is_(None)).order_by(Area.id))
            return [AreaView.of(row) for row in rows]

    def add_area(
        self, actor: Actor, *, name: str, geometry: dict[str, Any], authority: str = ""
    ) -> AreaView:
        """Keep a drawn area; `GeometryError` (with where) for a geometry that is no area,
        `Conflict` for a name another zone of the node has."""
        name = name.strip()
        if not name:
            raise AccountError("an area needs a name")
        shape = check_area_geometry(geometry)
        if name in ZONE_KINDS:
            raise Conflict(f"{name!r} is a zone kind; rules would take it for every zone of it")
        if any(zone.name == name for zone in self.base.zones):
            raise Conflict(f"a zone of the node's zone files is already named {name!r}")
        stored = json.dumps(shapely.geometry.mapping(shape))
        with self.db.transaction() as session:
            taken = session.scalars(
                select(Area.id).where(Area.name == name, Area.deleted_at.is_(None))
            ).first()
            if taken is not None:
                raise Conflict(f"area {taken} is already named {name!r}")
            row = Area(
                kind=AREA_KIND,
                name=name,
                authority=authority.strip() or actor.agency,
                geometry=stored,
                created_by=actor.name[:100],
                created_at=utcnow(),
            )
            session.add(row)
            session.flush()
            minx, miny, maxx, maxy = shape.bounds
            self.audit.record(
                session,
                actor,
                "area.create",
                object_type="area",
                object_id=row.id,
                detail={
                    "name": name,
                    "kind": AREA_KIND,
                    "bounds": [round(v, 6) for v in (minx, miny, maxx, maxy)],
                    "positions": int(shapely.get_num_coordinates(shape)),
                },
            )
            return AreaView.of(row)

    def delete_area(self, actor: Actor, area_id: int) -> None:
        """Withdraw a drawn area; `Conflict` while a rule in force names it."""
        with self.db.transaction() as session:
            row = session.get(Area, area_id)
            if row is None or row.deleted_at is not None:
                raise NotFound(f"no area {area_id}")
            users = session.scalars(
                select(AlertRuleRow.name).where(
                    AlertRuleRow.zone == row.name, AlertRuleRow.deleted_at.is_(None)
                )
            ).all()
            if users:
                raise Conflict(
                    f"area {area_id} ({row.name}) is the zone of the alert rule(s) "
                    f"{', '.join(users)}: delete them first"
                )
            row.deleted_at, row.deleted_by = utcnow(), actor.name[:100]
            self.audit.record(
                session,
                actor,
                "area.delete",
                object_type="area",
                object_id=area_id,
                detail={"name": row.name},
            )

    def drawn_zones(self) -> list[Zone]:
        """The drawn areas in force as zones (`origin` `drawn`), oldest first."""
        with self.db.transaction() as session:
            rows = session.execute(
                select(Area.id, Area.kind, Area.name, Area.authority, Area.created_by)
                .where(Area.deleted_at.is_(None))
                .order_by(Area.id)
            ).all()
            missing = [row.id for row in rows if row.id not in self._zones]
            geometries = dict(
                session.execute(select(Area.id, Area.geometry).where(Area.id.in_(missing))).all()
                if missing
                else []
            )
        for row in rows:
            if row.id in geometries:
                geometry = shapely.geometry.shape(json.loads(geometries[row.id]))
                shapely.prepare(geometry)
                self._zones[row.id] = Zone(
                    kind=row.kind,
                    name=row.name,
                    authority=row.authority,
                    source=f"drawn by {row.created_by}",
                    geometry=geometry,
                    origin="drawn",
                    id=row.id,
                )
        return [self._zones[row.id] for row in rows]

    def zone_set(self) -> ZoneSet:
        """Every zone of the node: imported, then drawn, then the computed defaults.

        Rebuilt only when the drawn areas in force changed since the last call.
        """
        drawn = self.drawn_zones()
        key = tuple(zone.id or 0 for zone in drawn)
        with self._lock:
            if self._zone_set is None or self._zone_set[0] != key:
                imported = [z for z in self.base.zones if z.origin != "default"]
                defaults = [z for z in self.base.zones if z.origin == "default"]
                self._zone_set = (key, ZoneSet([*imported, *drawn, *defaults]))
            return self._zone_set[1]

    # -- rules -------------------------------------------------------------------------

    def list_rules(self) -> list[RuleView]:
        """The API-defined rules in force, in the order they are tried."""
        with self.db.transaction() as session:
            rows = session.scalars(
                select(AlertRuleRow)
                .where(AlertRuleRow.deleted_at.is_(None))
                .order_by(AlertRuleRow.id)
            )
            return [RuleView.of(row) for row in rows]

    def rules(self) -> tuple[AlertRule, ...]:
        """The API-defined rules in force, to try before the settings' `alert_rules`."""
        return tuple(view.rule for view in self.list_rules())

    def add_rule(
        self,
        actor: Actor,
        *,
        name: str,
        types: Iterable[str] = (),
        zone: str | None = None,
        min_score: float = 0.5,
        priority: int | None = None,
    ) -> RuleView:
        """Keep a rule; `AccountError` for an unknown event type or zone, `Conflict` for a
        name another rule has."""
        try:
            rule = AlertRule(
                name=name.strip(),
                types=tuple(dict.fromkeys(types)),
                zone=zone.strip() if zone is not None else None,
                min_score=min_score,
                priority=priority,
            )
        except ValidationError as exc:
            problems = "; ".join(str(e.get("msg", "invalid")) for e in exc.errors())
            raise AccountError(f"not a rule: {problems}") from None
        if rule.name == DISTRESS_RULE or any(r.name == rule.name for r in self.settings_rules):
            raise Conflict(f"the node's settings already have a rule named {rule.name!r}")
        if rule.zone is not None and not any(
            rule.zone in (z.name, z.kind) for z in self.zone_set().zones
        ):
            raise AccountError(f"no zone is named or of kind {rule.zone!r}")
        with self.db.transaction() as session:
            taken = session.scalars(
                select(AlertRuleRow.id).where(
                    AlertRuleRow.name == rule.name, AlertRuleRow.deleted_at.is_(None)
                )
            ).first()
            if taken is not None:
                raise Conflict(f"alert rule {taken} is already named {rule.name!r}")
            row = AlertRuleRow(
                name=rule.name,
                types=list(rule.types),
                zone=rule.zone,
                min_score=rule.min_score,
                priority=rule.priority,
                created_by=actor.name[:100],
                created_at=utcnow(),
            )
            session.add(row)
            session.flush()
            self.audit.record(
                session,
                actor,
                "alert_rule.create",
                object_type="alert_rule",
                object_id=row.id,
                detail=rule.model_dump(mode="json"),
            )
            return RuleView.of(row)

    def delete_rule(self, actor: Actor, rule_id: int) -> None:
        """Withdraw a rule; alerts it raised keep its name."""
        with self.db.transaction() as session:
            row = session.get(AlertRuleRow, rule_id)
            if row is None or row.deleted_at is not None:
                raise NotFound(f"no alert rule {rule_id}")
            row.deleted_at, row.deleted_by = utcnow(), actor.name[:100]
            self.audit.record(
                session,
                actor,
                "alert_rule.delete",
                object_type="alert_rule",
                object_id=rule_id,
                detail={"name": row.name},
            )
