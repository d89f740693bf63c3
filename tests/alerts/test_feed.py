"""The stream's feed: each change sent once, late commits caught, wake-ups across threads."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import timedelta

from sqlalchemy import update

from watchkeeper.alerts.feed import AlertFeed
from watchkeeper.alerts.notify import Notifier
from watchkeeper.alerts.service import Alerts
from watchkeeper.records.database import utcnow
from watchkeeper.records.models import Alert
from watchkeeper.testing import make_events

T0 = "2026-07-15T01:00:00Z"


def test_poll_sends_each_change_once_and_nothing_when_nothing_changed(alerts: Alerts) -> None:
    alerts.ingest(make_events([{"type": "ais_gap", "mmsi": [1], "start": T0}]))
    feed = AlertFeed(alerts)
    assert [v.mmsi for v in feed.snapshot()] == [(1,)]
    assert feed.poll() == []  # the snapshot's alert is not sent again
    alerts.ingest(make_events([{"type": "ais_gap", "mmsi": [2], "start": T0}]))
    assert [v.mmsi for v in feed.poll()] == [(2,)]
    assert feed.poll() == []
    alerts.ingest(make_events([{"type": "ais_gap", "mmsi": [2], "start": T0, "score": 0.99}]))
    assert [(v.mmsi, round(v.score, 2)) for v in feed.poll()] == [((2,), 0.99)]


def test_a_change_stamped_before_the_last_poll_but_committed_after_is_sent(
    alerts: Alerts,
) -> None:
    feed = AlertFeed(alerts)
    feed.snapshot()
    alerts.ingest(make_events([{"type": "ais_gap", "mmsi": [1], "start": T0}]))
    # As if the writer stamped it 30 s ago and its transaction committed only now.
    with alerts.db.transaction() as session:
        session.execute(update(Alert).values(updated_at=utcnow() - timedelta(seconds=30)))
    assert [v.mmsi for v in feed.poll()] == [(1,)]
    late = AlertFeed(alerts, lookback=timedelta(seconds=5))
    late.snapshot()
    with alerts.db.transaction() as session:
        session.execute(
            update(Alert).values(score=0.1, updated_at=utcnow() - timedelta(seconds=30))
        )
    assert late.poll() == []  # beyond the lookback: the documented limit


def test_notify_from_another_thread_wakes_a_waiting_stream_at_once() -> None:
    notifier = Notifier()

    async def wait() -> tuple[bool, float]:
        with notifier.subscribe() as subscription:
            threading.Timer(0.05, notifier.notify).start()
            began = time.monotonic()
            woken = await subscription.wait(30)
            return woken, time.monotonic() - began

    woken, waited = asyncio.run(wait())
    assert woken
    assert waited < 5


def test_a_notification_while_busy_is_kept_for_the_next_wait() -> None:
    notifier = Notifier()

    async def run() -> bool:
        with notifier.subscribe() as subscription:
            notifier.notify()  # arrives before anyone waits
            await asyncio.sleep(0)
            return await subscription.wait(0.5)

    assert asyncio.run(run())
