"""`/api/alerts`: the alerts, ranked distress first, how watch officers handle them, and a
live stream of them (server-sent events).

Who may do what: every signed-in role reads alerts and follows the stream (they are
the live picture, like `/api/vessels`); only watch officers (`HANDLER_ROLES`)
acknowledge, assign and close them, the role whose purpose that is. Administrators
manage the node, not the watch, so they are not handlers unless they also hold the
watch officer role.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any, Literal

import anyio
from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import StreamingResponse

from watchkeeper.accounts.principal import Principal
from watchkeeper.accounts.roles import ALL_ROLES
from watchkeeper.alerts.feed import AlertFeed
from watchkeeper.alerts.service import HANDLER_ROLES, NOTE_MAX_CHARS, Alerts
from watchkeeper.alerts.views import AlertView
from watchkeeper.api.access import allow
from watchkeeper.api.app import SettingsDep
from watchkeeper.api.change_stream import KEEPALIVE_SECONDS
from watchkeeper.api.text import Text
from watchkeeper.detect.events import EVENT_TYPES

__all__ = ["router"]

router = APIRouter(prefix="/api/alerts", tags=["alerts"])

ReaderDep = Annotated[Principal, allow(*ALL_ROLES)]
HandlerDep = Annotated[Principal, allow(*HANDLER_ROLES)]
AlertId = Annotated[int, Path(ge=1, le=2**31 - 1, description="the alert's id")]
Status = Literal["new", "acknowledged", "assigned", "closed", "retracted"]
EventType = Literal[EVENT_TYPES]  # type: ignore[valid-type]
#: A comment line sent when nothing else was, so proxies keep the connection open and
#: a client notices a dead one.


def get_alerts(request: Request) -> Alerts:
    """Dependency: the node's alerts (`app.state.alerts`, opened at startup)."""
    alerts = getattr(request.app.state, "alerts", None)
    if not isinstance(alerts, Alerts):
        raise HTTPException(status_code=503, detail="the records database is not open")
    return alerts


AlertsDep = Annotated[Alerts, Depends(get_alerts)]


class Note(BaseModel):
    at: datetime
    actor: str
    action: str
    note: str


class AlertOut(BaseModel):
    """An alert: its event's facts and what has been done about it."""

    id: int
    event_id: str
    type: str
    priority: int = Field(description="1 is the most urgent; distress is always 1")
    distress: bool
    score: float
    mmsi: list[int]
    contact_ids: list[str]
    start: datetime
    end: datetime | None = Field(description="null while the event is ongoing")
    detected: datetime
    lat: float | None
    lon: float | None
    evidence: dict[str, Any]
    zone: str | None = Field(description="the zone of the rule that raised it")
    rule: str
    status: Status
    assignee: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, view: AlertView) -> AlertOut:
        fields = asdict(view)
        fields.pop("history")
        return cls.model_validate(fields)


class AlertDetail(AlertOut):
    history: list[Note] = Field(description="every step, oldest first")

    @classmethod
    def of(cls, view: AlertView) -> AlertDetail:
        return cls.model_validate(asdict(view))


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: Text = Field(default="", max_length=NOTE_MAX_CHARS)


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: Text = Field(
        min_length=1, max_length=NOTE_MAX_CHARS, description="how it ended (required)"
    )


class AssignIn(NoteIn):
    username: Text = Field(min_length=1, max_length=64, description="a watch officer's user name")


def _sse(event: str, data: Any, event_id: str | None = None) -> bytes:
    """One server-sent event; `data` as one line of JSON."""
    head = f"id: {event_id}\n" if event_id else ""
    body = json.dumps(jsonable_encoder(data), separators=(",", ":"))
    return f"{head}event: {event}\ndata: {body}\n\n".encode()


def _alert_event(view: AlertView) -> bytes:
    return _sse("alert", AlertOut.of(view), f"{view.id}:{view.updated_at.timestamp():.3f}")


async def _stream(alerts: Alerts, poll_seconds: float, follow: bool) -> AsyncIterator[bytes]:
    """The open alerts ranked, `ready`, then each change (ranked within a batch)."""
    feed = AlertFeed(alerts)
    with alerts.notifier.subscribe() as wakeup:
        snapshot = await anyio.to_thread.run_sync(feed.snapshot)
        for view in snapshot:
            yield _alert_event(view)
        yield _sse("ready", {"open": len(snapshot)})
        if not follow:
            return
        quiet = 0.0
        while True:
            woken = await wakeup.wait(poll_seconds)
            changed = await anyio.to_thread.run_sync(feed.poll)
            for view in changed:
                yield _alert_event(view)
            quiet = 0.0 if changed or woken else quiet + poll_seconds
            if quiet >= KEEPALIVE_SECONDS:
                quiet = 0.0
                yield b": keepalive\n\n"


@router.get(
    "/stream",
    summary="Live alerts (server-sent events): the open ones ranked, then every change",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def stream(
    alerts: AlertsDep,
    settings: SettingsDep,
    reader: ReaderDep,
    follow: Annotated[
        bool, Query(description="false: send the open alerts and `ready`, then end")
    ] = True,
) -> StreamingResponse:
    """Events: `alert` (an alert as in `GET /api/alerts/{id}`, without history; the open
    ones first, distress first, then each alert raised or changed, ranked within each
    batch), `ready` once the open ones are sent, and `: keepalive` comments.

    Changes are read from the records database every `alert_poll_seconds`, and at once
    when this process raises or changes an alert, so alerts written by other processes
    (`watchkeeper alerts load`, other workers) arrive too.
    """
    return StreamingResponse(
        _stream(alerts, settings.alert_poll_seconds, follow),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.get("", response_model=list[AlertOut], summary="Alerts, distress first, then by priority")
def list_alerts(
    alerts: AlertsDep,
    reader: ReaderDep,
    status: Annotated[
        list[Status] | None,
        Query(description="repeatable; default: the open ones (new, acknowledged, assigned)"),
    ] = None,
    type: Annotated[list[EventType] | None, Query(description="event types; repeatable")] = None,  # noqa: A002
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AlertOut]:
    views = alerts.list(status=status, types=type, limit=limit)
    return [AlertOut.of(view) for view in views]


@router.get("/{alert_id}", response_model=AlertDetail, summary="One alert and its history")
def get_alert(alert_id: AlertId, alerts: AlertsDep, reader: ReaderDep) -> AlertDetail:
    return AlertDetail.of(alerts.get(alert_id))


@router.post(
    "/{alert_id}/acknowledge", response_model=AlertDetail, summary="Acknowledge a new alert"
)
def acknowledge(
    alert_id: AlertId, body: NoteIn, alerts: AlertsDep, handler: HandlerDep
) -> AlertDetail:
    view = alerts.acknowledge(handler.actor, alert_id, body.note)
    return AlertDetail.of(view)


@router.post(
    "/{alert_id}/assign",
    response_model=AlertDetail,
    summary="Assign an open alert to a watch officer",
)
def assign(
    alert_id: AlertId, body: AssignIn, alerts: AlertsDep, handler: HandlerDep
) -> AlertDetail:
    view = alerts.assign(handler.actor, alert_id, body.username, body.note)
    return AlertDetail.of(view)


@router.post("/{alert_id}/close", response_model=AlertDetail, summary="Close an open alert")
def close(alert_id: AlertId, body: CloseIn, alerts: AlertsDep, handler: HandlerDep) -> AlertDetail:
    view = alerts.close(handler.actor, alert_id, body.note)
    return AlertDetail.of(view)
