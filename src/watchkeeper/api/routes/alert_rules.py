"""`/api/alert-rules`: which events become alerts, as the settings say and as users add.

Rules defined here are kept in the records database (`watchkeeper.areas`) and tried
before the settings' `alert_rules`, from the next alert ingest on; those of the
settings are listed too (without an id: they change in the settings only).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from watchkeeper.accounts.principal import Principal
from watchkeeper.accounts.roles import ALL_ROLES
from watchkeeper.alerts.rules import DEFAULT_MIN_SCORE, AlertRule
from watchkeeper.alerts.service import Alerts
from watchkeeper.api.access import allow
from watchkeeper.api.routes.alerts import EventType
from watchkeeper.api.routes.zones import AREA_ROLES
from watchkeeper.api.text import Text
from watchkeeper.areas import Areas, RuleView

__all__ = ["router"]

router = APIRouter(prefix="/api/alert-rules", tags=["alerts"])


class RuleIn(BaseModel):
    """A rule: events of these types, inside this zone, scoring at least this, alert."""

    model_config = ConfigDict(extra="forbid")

    name: Text = Field(min_length=1, max_length=100, description="unique among the rules")
    types: list[EventType] = Field(default=[], max_length=20, description="empty: every type")
    zone: Text | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="a zone's name (e.g. a drawn area's) or a zone kind; none: anywhere",
    )
    min_score: float = Field(default=DEFAULT_MIN_SCORE, ge=0.0, le=1.0)
    priority: int | None = Field(
        default=None,
        ge=1,
        le=4,
        description="make its alerts this urgent at least (1 is the most); never less urgent",
    )


class RuleOut(BaseModel):
    id: int | None = Field(description="null for the settings' rules")
    origin: Literal["database", "settings"]
    name: str
    types: list[str]
    zone: str | None
    min_score: float
    priority: int | None
    created_by: str | None
    created_at: datetime | None

    @classmethod
    def of(cls, rule: AlertRule, view: RuleView | None = None) -> RuleOut:
        return cls(
            id=view.id if view else None,
            origin="database" if view else "settings",
            name=rule.name,
            types=list(rule.types),
            zone=rule.zone,
            min_score=rule.min_score,
            priority=rule.priority,
            created_by=view.created_by if view else None,
            created_at=view.created_at if view else None,
        )


def _alerts(request: Request) -> Alerts:
    alerts = getattr(request.app.state, "alerts", None)
    if not isinstance(alerts, Alerts) or alerts.areas is None:
        raise HTTPException(status_code=503, detail="the records database is not open")
    return alerts


def _areas(request: Request) -> Areas:
    areas = _alerts(request).areas
    assert areas is not None
    return areas


@router.get(
    "",
    response_model=list[RuleOut],
    dependencies=[allow(*ALL_ROLES)],
    summary="The alert rules, in the order they are tried",
)
def list_rules(request: Request) -> list[RuleOut]:
    """Those defined here first, then the settings' (`alert_rules`). Distress events
    alert whatever the rules say."""
    alerts = _alerts(request)
    views = _areas(request).list_rules()
    return [RuleOut.of(v.rule, v) for v in views] + [RuleOut.of(r) for r in alerts.rules]


@router.post(
    "",
    response_model=RuleOut,
    status_code=201,
    summary="Add an alert rule",
    responses={
        400: {"description": "the zone named does not exist"},
        409: {"description": "another rule has this name"},
    },
)
def add_rule(
    request: Request, body: RuleIn, author: Annotated[Principal, allow(*AREA_ROLES)]
) -> RuleOut:
    """In force from the next alert ingest (the next live detection run). Audited
    (`alert_rule.create`)."""
    view = _areas(request).add_rule(
        author.actor,
        name=body.name,
        types=body.types,
        zone=body.zone,
        min_score=body.min_score,
        priority=body.priority,
    )
    return RuleOut.of(view.rule, view)


@router.delete(
    "/{rule_id}",
    status_code=204,
    response_class=Response,
    summary="Delete an alert rule defined here",
    responses={404: {"description": "no rule defined here has this id"}},
)
def delete_rule(
    request: Request,
    rule_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    author: Annotated[Principal, allow(*AREA_ROLES)],
) -> Response:
    """Alerts it raised keep its name. Audited (`alert_rule.delete`)."""
    _areas(request).delete_rule(author.actor, rule_id)
    return Response(status_code=204)
