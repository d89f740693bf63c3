"""Wake the live alert streams of this process as soon as an alert changes.

The streams read what changed from the database (`feed.AlertFeed`), which is what
makes them see alerts written by any process: `watchkeeper alerts load`, another
worker of the web app. Polling alone would delay an alert by up to a poll interval;
an ingest in this process calls `notify()` so its streams look at once. Ingests run
in threads (the CLI, a detector thread, FastAPI's thread pool) while streams wait on
event loops, hence `call_soon_threadsafe`.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["Notifier", "Subscription"]


class Subscription:
    """One stream's wake-up flag: set by `Notifier.notify`, cleared by `wait`.

    A notification that arrives while the stream is busy (reading the database,
    sending) stays set, so it is never lost between two waits.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.event = asyncio.Event()

    async def wait(self, timeout: float) -> bool:
        """Wait until notified or `timeout` seconds pass; True when notified."""
        try:
            await asyncio.wait_for(self.event.wait(), timeout)
        except TimeoutError:
            return False
        self.event.clear()
        return True


class Notifier:
    """Subscriptions of the streams of one process, woken from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscriptions: set[Subscription] = set()

    @contextmanager
    def subscribe(self) -> Iterator[Subscription]:
        """A subscription for the running event loop, dropped on leaving the block."""
        subscription = Subscription(asyncio.get_running_loop())
        with self._lock:
            self._subscriptions.add(subscription)
        try:
            yield subscription
        finally:
            with self._lock:
                self._subscriptions.discard(subscription)

    def notify(self) -> None:
        """Wake every subscribed stream (safe from any thread; a closed loop is skipped)."""
        with self._lock:
            subscriptions = list(self._subscriptions)
        for subscription in subscriptions:
            with contextlib.suppress(RuntimeError):  # its loop has closed
                subscription.loop.call_soon_threadsafe(subscription.event.set)
