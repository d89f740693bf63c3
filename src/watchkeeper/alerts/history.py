"""Alerts looked at through time and by vessel: what stood at a moment, and a vessel's own.

`alerts_at` answers a replay: the alerts raised by a moment, each with the status it
had then, read from its history (the last step taken at or before the moment).
"Raised by" counts from the event's `detected` time, the moment the evidence sufficed
in the data's own time, so alerts raised from an archive loaded later replay where
they happened; a step of the history not yet taken at that moment does not count, so
such an alert replays as `new`.

`alerts_of_vessel` lists one vessel's alerts, ranked as every list is.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Final

from sqlalchemy import String, case, cast, func, select

from watchkeeper.alerts.service import OPEN_STATUSES, Alerts, ranking
from watchkeeper.alerts.views import AlertView
from watchkeeper.records.models import ALERT_STATUSES, Alert, AlertNote

__all__ = ["STEP_STATUS", "alerts_at", "alerts_of_vessel"]

#: The status an alert has after each step of its history.
STEP_STATUS: Final[dict[str, str]] = {
    "raised": "new",
    "restored": "new",
    "acknowledged": "acknowledged",
    "assigned": "assigned",
    "closed": "closed",
    "retracted": "retracted",
}


def alerts_at(
    alerts: Alerts,
    at: datetime,
    *,
    status: tuple[str, ...] = OPEN_STATUSES,
    limit: int = 1000,
) -> list[AlertView]:
    """The alerts raised by `at` whose status then was one of `status`, ranked.

    Each view's `status` is its status at `at` (its `assignee` and `updated_at` are
    today's); `history` is left empty.
    """
    if at.utcoffset() is None:
        raise ValueError(f"at must be timezone-aware (UTC), got {at.isoformat()}")
    unknown = sorted(set(status) - set(ALERT_STATUSES))
    if unknown:
        raise ValueError(f"unknown status {', '.join(unknown)} (statuses: {ALERT_STATUSES})")
    last_step = (
        select(AlertNote.alert_id, func.max(AlertNote.id).label("note_id"))
        .where(AlertNote.at <= at, AlertNote.action.in_(list(STEP_STATUS)))
        .group_by(AlertNote.alert_id)
        .subquery()
    )
    step = AlertNote.__table__.alias("step")
    status_then = case(
        *((step.c.action == action, value) for action, value in STEP_STATUS.items()),
        else_="new",
    )
    query = (
        select(Alert, status_then.label("status_then"))
        .outerjoin(last_step, last_step.c.alert_id == Alert.id)
        .outerjoin(step, step.c.id == last_step.c.note_id)
        .where(Alert.detected <= at, status_then.in_(list(status)))
        .order_by(*ranking())
        .limit(limit)
    )
    with alerts.db.transaction() as session:
        return [replace(AlertView.of(alert), status=then) for alert, then in session.execute(query)]


def alerts_of_vessel(alerts: Alerts, mmsi: int, *, limit: int = 100) -> list[AlertView]:
    """Every alert involving `mmsi` (any status), ranked; at most `limit`."""
    # MMSIs are kept as a JSON list: the text match narrows portably on both backends,
    # the exact test on the decoded list decides.
    query = (
        select(Alert).where(cast(Alert.mmsi, String).like(f"%{int(mmsi)}%")).order_by(*ranking())
    )
    found: list[AlertView] = []
    with alerts.db.transaction() as session:
        for alert in session.scalars(query.execution_options(yield_per=500)):
            if int(mmsi) in alert.mmsi:
                found.append(AlertView.of(alert))
                if len(found) >= limit:
                    break
    return found
