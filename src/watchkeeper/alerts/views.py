"""Alerts as the service hands them out: plain frozen values, detached from the database."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from watchkeeper.records.models import Alert, AlertNote

__all__ = ["AlertView", "NoteView"]


@dataclass(frozen=True)
class NoteView:
    """One step of an alert's history."""

    at: datetime
    actor: str
    action: str
    note: str

    @classmethod
    def of(cls, row: AlertNote) -> NoteView:
        return cls(at=row.at, actor=row.actor, action=row.action, note=row.note)


def _evidence(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {"text": text}
    return value if isinstance(value, dict) else {"value": value}


@dataclass(frozen=True)
class AlertView:
    """An alert with its event's facts, what was done about it, and (when asked) its history."""

    id: int
    event_id: str
    type: str
    priority: int
    distress: bool
    score: float
    mmsi: tuple[int, ...]
    contact_ids: tuple[str, ...]
    start: datetime
    end: datetime | None
    detected: datetime
    lat: float | None
    lon: float | None
    evidence: dict[str, Any]
    zone: str | None
    rule: str
    status: str
    assignee: str | None
    created_at: datetime
    updated_at: datetime
    history: tuple[NoteView, ...] = ()

    @classmethod
    def of(cls, row: Alert, history: tuple[NoteView, ...] = ()) -> AlertView:
        return cls(
            id=row.id,
            event_id=row.event_id,
            type=row.type,
            priority=row.priority,
            distress=row.distress,
            score=row.score,
            mmsi=tuple(row.mmsi),
            contact_ids=tuple(row.contact_ids),
            start=row.start,
            end=row.end,
            detected=row.detected,
            lat=row.lat,
            lon=row.lon,
            evidence=_evidence(row.evidence),
            zone=row.zone,
            rule=row.rule,
            status=row.status,
            assignee=row.assignee.username if row.assignee is not None else None,
            created_at=row.created_at,
            updated_at=row.updated_at,
            history=history,
        )
