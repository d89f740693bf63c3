"""Live AIS sources: a TCP client for an NMEA feed and a UDP listener.

Neither decodes anything. Each writes the lines it receives, prefixed with the
time it received them, to the feed's journal (an append-only file, fsynced per
read) and nothing else; `watchkeeper.tracks.ingest.follow_journal` decodes the
journal into the archive. A line is *acknowledged* once it is in the journal: a
node killed at any moment loses no acknowledged line, because the archive's
committed offset into the journal says where to resume.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from pathlib import Path

from tenacity import AsyncRetrying, retry_if_exception_type, wait_exponential_jitter

from watchkeeper.ais.decode import MAX_CARRIED_LINE
from watchkeeper.ais.framing import MAX_LINE
from watchkeeper.errors import ConfigError

__all__ = ["Journal", "open_udp_listener", "parse_endpoint", "run_tcp_feed"]

log = logging.getLogger(__name__)


def parse_endpoint(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[v6addr]:PORT`` too) as a pair; a clear error otherwise."""
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"{text!r} is not HOST:PORT (e.g. 127.0.0.1:10110)")
    return host.strip("[]"), int(port)


class Journal:
    """Append-only journal of one feed: ``<unix ms> <line as received>`` per line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        # A crash mid-write can leave a partial last line: end it, so that the next
        # line is not glued to it (the partial one is then rejected, not lost).
        size = os.fstat(self._fd).st_size
        if size:
            with path.open("rb") as fh:
                fh.seek(size - 1)
                if fh.read(1) != b"\n":
                    os.write(self._fd, b"\n")
        self._partial = b""

    def write(self, data: bytes, *, received_ms: int | None = None) -> int:
        """Journal the complete lines of ``data`` (a partial last line waits for the
        next call); returns the number of lines written, durable when this returns."""
        data = self._partial + data
        cut = data.rfind(b"\n") + 1
        self._partial = data[cut:]
        written = self._write_lines(data[:cut], received_ms)
        if len(self._partial) > MAX_CARRIED_LINE:  # a feed that sends no line ends
            self.end_line()
        return written

    def _write_lines(self, data: bytes, received_ms: int | None) -> int:
        stamp = b"%d " % (received_ms if received_ms is not None else time.time_ns() // 1_000_000)
        lines = [ln for ln in data.splitlines() if ln.strip()]
        if not lines:
            return 0
        os.write(self._fd, b"".join(stamp + ln.rstrip(b"\r") + b"\n" for ln in lines))
        os.fsync(self._fd)
        return len(lines)

    def end_line(self) -> None:
        """Journal a partial line as it is (a dropped connection, a line with no end),
        so that it is not glued to what comes next; the decoder rejects it."""
        partial, self._partial = self._partial[: 2 * MAX_LINE], b""
        if partial:
            self.write(partial + b"\n")

    def close(self) -> None:
        self.end_line()
        os.close(self._fd)


async def _connect(
    host: str, port: int, max_backoff_s: float
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    async for attempt in AsyncRetrying(
        retry=retry_if_exception_type(OSError),
        wait=wait_exponential_jitter(initial=1, max=max_backoff_s),
        before_sleep=lambda rs: log.warning(
            "feed %s:%d: %s; retrying", host, port, rs.outcome.exception() if rs.outcome else ""
        ),
    ):
        with attempt:
            return await asyncio.open_connection(host, port)
    raise AssertionError("unreachable: AsyncRetrying retries forever")  # pragma: no cover


async def run_tcp_feed(
    host: str, port: int, journal: Journal, *, max_backoff_s: float = 30.0
) -> None:
    """Read an NMEA feed over TCP into ``journal`` until cancelled, reconnecting.

    Connection attempts back off exponentially with jitter (1 s, 2 s, ... up to
    ``max_backoff_s``); the backoff starts afresh after a connection that worked.
    """
    while True:
        reader, writer = await _connect(host, port, max_backoff_s)
        log.info("feed %s:%d: connected", host, port)
        try:
            while data := await reader.read(65536):
                journal.write(data)
            log.warning("feed %s:%d: closed by the other end", host, port)
        except OSError as exc:
            log.warning("feed %s:%d: %s", host, port, exc)
        finally:
            writer.close()
            journal.end_line()
        await asyncio.sleep(1.0)  # a feed that drops at once is not hammered


class _UdpProtocol(asyncio.DatagramProtocol):
    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        # One datagram holds whole sentences; end it so it cannot merge with the next.
        self.journal.write(data if data.endswith(b"\n") else data + b"\n")


async def open_udp_listener(host: str, port: int, journal: Journal) -> asyncio.BaseTransport:
    """Listen for NMEA datagrams on ``host:port``, journalling them; close the transport
    to stop. A port that cannot be bound is a ``ConfigError`` here, at start-up."""
    loop = asyncio.get_running_loop()
    try:
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _UdpProtocol(journal), local_addr=(host, port)
        )
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
        raise ConfigError(f"cannot listen for UDP on {host}:{port}: {reason}") from None
    return transport
