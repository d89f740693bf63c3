"""The live part of a running node: feeds into journals, journals into the archive.

Each configured feed (TCP client or UDP listener) gets a journal under
``data_dir/journal`` and a follower thread that decodes the journal into the
archive in micro-batches and keeps the latest state of every vessel current.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from watchkeeper.ais.live import Journal, parse_endpoint, run_tcp_feed, run_udp_listener
from watchkeeper.settings import Settings
from watchkeeper.tracks.archive import Archive
from watchkeeper.tracks.ingest import follow_journal
from watchkeeper.tracks.latest import LatestState

__all__ = ["LiveNode", "journal_path"]

log = logging.getLogger(__name__)


def journal_path(settings: Settings, feed: str) -> Path:
    """Where the journal of feed ``tcp:HOST:PORT`` or ``udp:HOST:PORT`` lives."""
    return settings.data_dir / "journal" / (re.sub(r"[^A-Za-z0-9.-]+", "_", feed) + ".nmea")


@dataclass
class LiveNode:
    """Starts and stops the node's live feeds; see the module docstring."""

    settings: Settings
    archive: Archive
    latest: LatestState
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _threads: list[threading.Thread] = field(default_factory=list)
    _journals: list[Journal] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    @property
    def feeds(self) -> list[str]:
        feeds = [f"tcp:{f}" for f in self.settings.tcp_feeds]
        if self.settings.udp_listen:
            feeds.append(f"udp:{self.settings.udp_listen}")
        return feeds

    async def start(self) -> None:
        for feed in self.feeds:
            kind, endpoint = feed.split(":", 1)
            host, port = parse_endpoint(endpoint)
            path = journal_path(self.settings, feed)
            journal = Journal(path)
            self._journals.append(journal)
            runner = run_tcp_feed if kind == "tcp" else run_udp_listener
            self._tasks.append(asyncio.create_task(runner(host, port, journal), name=feed))
            thread = threading.Thread(
                target=follow_journal,
                name=f"follow {feed}",
                kwargs={
                    "archive": self.archive,
                    "journal": path,
                    "key": f"journal:{path.stem}",
                    "latest": self.latest,
                    "batch_seconds": self.settings.live_batch_seconds,
                    "batch_messages": self.settings.live_batch_messages,
                    "window": self.settings.fragment_window_lines,
                    "stop": self._stop,
                },
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)
            log.info("feed %s: journal %s", feed, path)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._stop.set()
        for thread in self._threads:
            await asyncio.to_thread(thread.join)
        for journal in self._journals:
            journal.close()
