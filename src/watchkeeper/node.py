"""The live part of a running node: feeds into journals, journals into the archive,
micro-batches into the detectors; sensor contacts into the same archive, state and
detectors.

Each configured feed (TCP client or UDP listener) gets a journal under
``data_dir/journal`` and a follower thread that decodes the journal into the
archive in micro-batches, keeps the latest state of every vessel current and hands
each batch to the streaming detector. A detection thread runs the detectors every
``detection_interval_seconds`` and passes what changed to ``on_events``.

Sensor contacts arrive as batches through `ingest_contacts` (called by
`POST /api/contacts`, by the drop directory `contacts_dir` watched here, and by the
demo): each is stored in the archive first, then kept in the latest-contacts state the
picture draws, then handed to the streaming detector (dark targets, border crossings).
"""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl

from watchkeeper.ais.decode import DecodeResult
from watchkeeper.ais.live import Journal, open_udp_listener, parse_endpoint, run_tcp_feed
from watchkeeper.detect.inputs import read_archive
from watchkeeper.detect.stream import Changes, StreamingDetector
from watchkeeper.errors import ConfigError
from watchkeeper.geo.landmask import land_mask_if_built
from watchkeeper.geo.shore import shore_distance_if_built
from watchkeeper.geo.zones import ZoneSet
from watchkeeper.schema import CONTACTS
from watchkeeper.sensors.contacts import ContactFile, parse_contacts
from watchkeeper.sensors.dropdir import ContactDropDir
from watchkeeper.sensors.ingest import ContactReceipt, batch_id_of, store_contacts
from watchkeeper.sensors.latest import ContactState
from watchkeeper.settings import Settings
from watchkeeper.tracks.archive import Archive
from watchkeeper.tracks.ingest import follow_journal
from watchkeeper.tracks.latest import LatestState

__all__ = ["LiveNode", "check_feeds", "journal_path"]

log = logging.getLogger(__name__)


def journal_path(settings: Settings, feed: str) -> Path:
    """Where the journal of feed ``tcp:HOST:PORT`` or ``udp:HOST:PORT`` lives."""
    return settings.data_dir / "journal" / (re.sub(r"[^A-Za-z0-9.-]+", "_", feed) + ".nmea")


def check_feeds(settings: Settings) -> None:
    """Fail early, with one clear line, on a feed address that is malformed or a UDP
    port that cannot be bound (a TCP feed that is down is retried, not an error)."""
    for feed in settings.tcp_feeds:
        parse_endpoint(feed)
    if settings.udp_listen:
        host, port = parse_endpoint(settings.udp_listen)
        try:
            with socket.socket(
                socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM
            ) as probe:
                probe.bind((host, port))
        except OSError as exc:
            reason = (exc.strerror or str(exc)).lower()
            raise ConfigError(f"cannot listen for UDP on {host}:{port}: {reason}") from None


@dataclass
class LiveNode:
    """Starts and stops the node's live feeds; see the module docstring."""

    settings: Settings
    archive: Archive
    latest: LatestState
    on_events: Callable[[Changes], None] | None = None
    #: The node's zones as they stand now (zone files and drawn areas), asked before each
    #: detection run so a newly drawn area counts from the next run; None: the zone files.
    zones: Callable[[], ZoneSet] | None = None
    detector: StreamingDetector | None = None
    #: Each sensor contact's last sighting (the picture's contacts); made at `start`
    #: from the archive when not given.
    contacts: ContactState | None = None
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _threads: list[threading.Thread] = field(default_factory=list)
    _journals: list[Journal] = field(default_factory=list)
    _transports: list[asyncio.BaseTransport] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    @property
    def feeds(self) -> list[str]:
        feeds = [f"tcp:{f}" for f in self.settings.tcp_feeds]
        if self.settings.udp_listen:
            feeds.append(f"udp:{self.settings.udp_listen}")
        return feeds

    async def start(self) -> None:
        if self.contacts is None:
            self.contacts = ContactState.from_archive(
                self.archive, window=timedelta(minutes=self.settings.contacts_window_minutes)
            )
        if self.settings.detection_interval_seconds > 0:
            self.detector = StreamingDetector(
                self.settings.detection,
                zones=None
                if self.zones is not None  # asked in the detection thread, before each run
                else ZoneSet.load(self.settings.zones_dir, geo_dir=self.settings.geo_dir),
                horizon=timedelta(hours=self.settings.detection_horizon_hours),
            )
            thread = threading.Thread(target=self._detect, name="detect", daemon=True)
            thread.start()
            self._threads.append(thread)
        for feed in self.feeds:
            kind, endpoint = feed.split(":", 1)
            host, port = parse_endpoint(endpoint)
            path = journal_path(self.settings, feed)
            journal = Journal(path)
            self._journals.append(journal)
            if kind == "tcp":
                self._tasks.append(
                    asyncio.create_task(run_tcp_feed(host, port, journal), name=feed)
                )
            else:
                self._transports.append(await open_udp_listener(host, port, journal))
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
                    "on_batch": self._to_detector,
                },
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)
            log.info("feed %s: journal %s", feed, path)
        if self.settings.contacts_dir is not None:
            drop = ContactDropDir(self.settings.contacts_dir, self._ingest_dropped)
            thread = threading.Thread(
                target=drop.run, args=(self._stop,), name="contacts_dir", daemon=True
            )
            thread.start()
            self._threads.append(thread)
            log.info("contacts: watching %s", self.settings.contacts_dir)

    def ingest_contacts(self, found: ContactFile, *, batch_id: str) -> ContactReceipt:
        """Store one batch of sensor contacts, then show and detect on it.

        Durable before it returns (the archive is written and synced first); a batch
        stored before (same `batch_id`) is not stored, shown or detected again. Safe to
        call from any thread; raises what the archive raises, with nothing stored.
        """
        receipt = store_contacts(self.archive, found, batch_id=batch_id)
        if receipt.stored and found.contacts.num_rows:
            if self.contacts is not None:
                self.contacts.update(found.contacts)
            if self.detector is not None:
                self.detector.add(contacts=found.contacts)
        return receipt

    def ingest_contacts_csv(self, data: bytes, *, source: str) -> ContactReceipt:
        """`ingest_contacts` of a contacts CSV held in memory (a request body, a demo batch).

        The batch id is the digest of `data` (`batch_id_of`); rejected rows name their
        origin `<source>/<digest>`. Raises `InputError` when `data` is not a contacts CSV
        at all (nothing is stored then).
        """
        batch_id = batch_id_of(data)
        found = parse_contacts(data, name=f"{source}/{batch_id.removeprefix('contacts:')}")
        return self.ingest_contacts(found, batch_id=batch_id)

    def _ingest_dropped(self, found: ContactFile, batch_id: str) -> None:
        self.ingest_contacts(found, batch_id=batch_id)

    async def stop(self) -> None:
        for transport in self._transports:
            transport.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._stop.set()
        for thread in self._threads:
            await asyncio.to_thread(thread.join)
        for journal in self._journals:
            journal.close()

    def _prime(self, detector: StreamingDetector) -> None:
        """Give the detector the land, the shore and the archive's last horizon, so a
        restarted node keeps its context. Done in the detection thread: the node serves
        meanwhile, and batches arriving now are added as usual (a batch read here too is
        the same reports twice, which detection drops as copies)."""
        detector.land = land_mask_if_built(self.settings.geo_dir)
        detector.shore = shore_distance_if_built(self.settings.geo_dir)
        start = datetime.now(UTC) - detector.horizon
        recent = read_archive(self.archive, start=start)
        detector.add(
            recent.positions, vessels=recent.vessels, contacts=_recent_contacts(self.archive, start)
        )

    def _refresh_zones(self, detector: StreamingDetector) -> None:
        """Give the detector the zones as they stand now; keep the last ones if that fails."""
        if self.zones is None:
            return
        try:
            detector.zones = self.zones()
        except Exception:
            log.exception("live detection: cannot read the zones; keeping the last ones")

    def _to_detector(self, batch: DecodeResult) -> None:
        if self.detector is not None:
            self.detector.add(batch.positions, vessels=batch.vessels)

    def _detect(self) -> None:
        """Run the detectors every interval until the node stops; a failed run is logged
        and the next one tries again (the data stays in the window)."""
        assert self.detector is not None
        self._prime(self.detector)
        while not self._stop.wait(self.settings.detection_interval_seconds):
            self._refresh_zones(self.detector)
            try:
                changes = self.detector.run()
            except Exception:
                log.exception("live detection failed; trying again at the next interval")
                continue
            if changes and self.on_events is not None:
                try:
                    self.on_events(changes)
                except Exception:
                    log.exception("live detection: cannot pass on its events")


def _recent_contacts(archive: Archive, start: datetime) -> pl.DataFrame:
    """The archived sensor contacts seen since `start` (`CONTACTS` columns)."""
    files = archive.files("contacts", start=start)
    if not files:
        return pl.DataFrame(pl.from_arrow(CONTACTS.empty_table()))
    frame = pl.scan_parquet(files).select(CONTACTS.names).collect()
    return frame.filter(pl.col("ts") >= start)
