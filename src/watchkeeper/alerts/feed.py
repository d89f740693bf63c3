"""What one live alert stream sends: the open alerts ranked, then every change once.

A stream reads changes from the database by the alerts' `updated_at`, not from
memory, so it sees alerts written by any process (`watchkeeper alerts load`, another
web worker, the detectors' thread); `notify.Notifier` only tells it to look sooner.

A writer stamps `updated_at` before it commits, so a change may become visible after
a poll that already looked past its stamp. Each poll therefore reads again from
`LOOKBACK` before the previous one and drops what it already sent (same alert, same
`updated_at`): a change is missed only if its transaction took longer than that.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from watchkeeper.alerts.service import Alerts
from watchkeeper.alerts.views import AlertView
from watchkeeper.records.database import utcnow

__all__ = ["LOOKBACK", "SNAPSHOT_LIMIT", "AlertFeed"]

LOOKBACK: Final = timedelta(seconds=60)
#: Most open alerts sent when a stream opens (the most urgent, by rank).
SNAPSHOT_LIMIT: Final = 1000


class AlertFeed:
    """The state of one stream: where it has read to and what it has sent.

    Blocking (database reads): call from a thread when on an event loop.
    """

    def __init__(self, alerts: Alerts, *, lookback: timedelta = LOOKBACK) -> None:
        self._alerts = alerts
        self._lookback = lookback
        self._cursor: datetime | None = None
        self._sent: dict[int, datetime] = {}

    def snapshot(self, limit: int = SNAPSHOT_LIMIT) -> list[AlertView]:
        """The open alerts, most urgent first; later polls send changes from here on."""
        self._cursor = utcnow()  # before reading: a change committed meanwhile is re-read
        views = self._alerts.list(limit=limit)
        self._remember(views)
        return views

    def poll(self) -> list[AlertView]:
        """Alerts changed since the last look and not yet sent as they are now, ranked."""
        if self._cursor is None:
            return self.snapshot()
        since = self._cursor - self._lookback
        self._cursor = utcnow()
        fresh = [
            view
            for view in self._alerts.changed_since(since)
            if self._sent.get(view.id) != view.updated_at
        ]
        self._remember(fresh)
        # What was changed before `since` cannot come back without a newer `updated_at`.
        self._sent = {k: v for k, v in self._sent.items() if v >= since}
        return fresh

    def _remember(self, views: list[AlertView]) -> None:
        for view in views:
            self._sent[view.id] = view.updated_at
