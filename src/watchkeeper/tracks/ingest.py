"""Ingest: inputs and live-feed journals into the node's archive, exactly once.

Each decoded chunk is appended as one archive batch whose id is derived from the
input and the byte range it covers, committed together with the offset reached.
So a rerun adds nothing, and a run killed at any point resumes from the last
committed offset: nothing committed is lost or stored twice.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from watchkeeper.ais.decode import DecodeResult, StreamDecoder
from watchkeeper.ais.inputs import open_input
from watchkeeper.ais.reader import DEFAULT_CHUNK_BYTES, iter_decode_file
from watchkeeper.errors import InputError
from watchkeeper.tracks.archive import Archive
from watchkeeper.tracks.latest import LatestState

__all__ = ["IngestReport", "file_key", "follow_journal", "ingest_file"]

_LOG = logging.getLogger(__name__)

_KEY_BYTES = 1 << 20


@dataclass
class IngestReport:
    """What one ingest of one input did."""

    path: Path
    key: str
    resumed_from: int = 0  # byte offset the run started at (0: from the start)
    offset: int = 0  # byte offset reached
    batches: int = 0  # batches newly committed
    decoded: DecodeResult = field(default_factory=DecodeResult.empty)  # counts of what was read
    rows: dict[str, int] = field(default_factory=dict)  # rows newly stored per table

    @property
    def already_done(self) -> bool:
        return self.batches == 0 and self.resumed_from > 0


def file_key(path: Path) -> str:
    """Identity of an input: a hash of its first MiB (uncompressed).

    A log that grows keeps its key, so ingesting it again picks up only what was
    appended; a different log gets a different key even under the same name.
    """
    try:
        with open_input(path) as fh:
            head = fh.read(_KEY_BYTES)
    except (OSError, EOFError) as exc:  # gzip.BadGzipFile is an OSError
        raise InputError(f"{path}: cannot be read ({exc})") from exc
    return "file:" + hashlib.sha256(head).hexdigest()[:32]


def ingest_file(
    archive: Archive,
    path: Path,
    *,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    window: int = 256,
    on_progress: Callable[[int], None] | None = None,
) -> IngestReport:
    """Append one input to the archive, resuming where an earlier run stopped."""
    key = file_key(path)
    start = archive.progress(key)
    report = IngestReport(path=path, key=key, resumed_from=start, offset=start)
    counts: list[DecodeResult] = []
    for result, offset in iter_decode_file(
        path, chunk_bytes=chunk_bytes, window=window, start_offset=start, on_progress=on_progress
    ):
        if result.lines == 0:
            continue
        if archive.append(
            result.tables(), batch_id=f"{key}:{report.offset}-{offset}", progress=(key, offset)
        ):
            report.batches += 1
            for name, table in result.tables().items():
                report.rows[name] = report.rows.get(name, 0) + table.num_rows
        counts.append(result.counts_only())
        report.offset = offset
    report.decoded = DecodeResult.concat(counts)
    return report


def follow_journal(
    archive: Archive,
    journal: Path,
    *,
    key: str,
    latest: LatestState | None = None,
    batch_seconds: float = 2.0,
    batch_messages: int = 10_000,
    window: int = 256,
    poll_seconds: float = 0.2,
    stop: threading.Event,
    on_batch: Callable[[DecodeResult], None] | None = None,
) -> None:
    """Decode a live feed's journal into the archive in micro-batches until ``stop``.

    Runs in a thread. Every ``batch_seconds`` (or ``batch_messages``) what was
    decoded is committed with the journal offset it reached; on restart this
    resumes from the committed offset, so each journalled line is stored once.
    ``on_batch`` sees each committed batch (the live detectors take it from there).
    """
    offset = archive.progress(key)
    decoder = StreamDecoder(
        file=str(journal), window=window, default_source=journal.stem, receive_prefix=True
    )
    while not journal.exists() and not stop.wait(poll_seconds):
        pass
    if stop.is_set():
        return
    with journal.open("rb") as fh:
        decoder.next_line += fh.read(offset).count(b"\n") if offset else 0
        pending: list[DecodeResult] = []
        committed = offset
        last_commit = time.monotonic()
        while True:
            data = fh.read(DEFAULT_CHUNK_BYTES)
            if data:
                r = decoder.feed(data)
                if r.lines:
                    pending.append(r)
            due = time.monotonic() - last_commit >= batch_seconds
            big = sum(p.messages for p in pending) >= batch_messages
            stopping = stop.is_set()
            if pending and (due or big or stopping):
                batch = DecodeResult.concat(pending)
                reached = offset + decoder.consumed_bytes
                try:
                    archive.append(
                        batch.tables(),
                        batch_id=f"{key}:{committed}-{reached}",
                        progress=(key, reached),
                    )
                except Exception:  # disk full, a locked manifest: keep the batch, retry later
                    _LOG.exception("journal %s: cannot commit to the archive; retrying", journal)
                    if stopping:
                        return  # the journal keeps the lines; the next start commits them
                    stop.wait(max(batch_seconds, 1.0))
                    continue
                if latest is not None:
                    latest.update(batch.positions, vessels=batch.vessels)
                if on_batch is not None:
                    on_batch(batch)
                committed = reached
                pending = []
                last_commit = time.monotonic()
            if stopping:
                return
            if not data:
                stop.wait(poll_seconds)
