"""Serving a run as a live TCP NMEA feed, in real time or accelerated, for exercises.

The server listens like a receiver network's feed (AIS-catcher, a coast guard's
concentrator): every client that connects gets the lines from then on, each sent
when its arrival time comes round on the exercise clock. The exercise clock runs
`speed` times faster than the wall clock from the moment the server starts.
Windows are produced ahead of time in a worker thread, so a slow window never
holds back lines that are due. A client that cannot keep up is dropped rather
than slowing the others.

The windows' sensor contacts, if `on_contacts` is given, are handed to it on the same
clock, as a sensor gateway would deliver them: those whose time has come, in batches
every `contacts_every_s` seconds. `on_contacts` returns False when it cannot take
them yet (the node is still starting); they are offered again at the next batch.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from watchkeeper.sim.simulate import Window

__all__ = ["serve_feed"]

log = logging.getLogger(__name__)

_TICK_S: Final = 0.1  # lines due are sent in batches this often
_MAX_BUFFER: Final = 8 * 1024 * 1024  # a client further behind than this is dropped
_AHEAD: Final = 3  # windows produced ahead of the clock
_CONTACTS_EVERY_S: Final = 2.0  # a gateway's batch: the node's own live batch interval


async def serve_feed(
    windows: Iterator[Window],
    sim_start: int,
    host: str,
    port: int,
    speed: float = 1.0,
    ready: Callable[[int], None] | None = None,
    on_contacts: Callable[[pa.Table], bool] | None = None,
    contacts_every_s: float = _CONTACTS_EVERY_S,
) -> None:
    """Serve the windows on HOST:PORT until they run out; `ready(port)` once listening;
    contacts to `on_contacts` (see the module docstring)."""
    clients: set[asyncio.StreamWriter] = set()

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        clients.add(writer)
        log.info("feed client connected: %s", writer.get_extra_info("peername"))
        try:
            await reader.read()  # returns at EOF: the client went away
        finally:
            clients.discard(writer)
            writer.close()

    server = await asyncio.start_server(accept, host, port)
    bound = server.sockets[0].getsockname()[1]
    if ready is not None:
        ready(bound)
    queue: asyncio.Queue[Window | None] = asyncio.Queue(maxsize=_AHEAD)
    loop = asyncio.get_running_loop()
    stop = threading.Event()

    def produce() -> None:
        for window in windows:
            if stop.is_set():
                return
            asyncio.run_coroutine_threadsafe(queue.put(window), loop).result()
        asyncio.run_coroutine_threadsafe(queue.put(None), loop).result()

    contacts = _ContactPacer(on_contacts, contacts_every_s)
    worker = threading.Thread(target=produce, name="sim-windows", daemon=True)
    worker.start()
    wall0 = time.monotonic()

    def sim_now() -> float:
        return sim_start + (time.monotonic() - wall0) * 1000.0 * speed

    try:
        async with server:
            while (window := await queue.get()) is not None:
                sent = 0
                n = window.line_arrival.shape[0]
                ends = (
                    np.append(window.line_offsets[1:], len(window.nmea))
                    if n
                    else window.line_offsets
                )
                if on_contacts is not None and window.contacts.num_rows:
                    contacts.add(window.contacts)
                while sent < n:
                    due = int(np.searchsorted(window.line_arrival, sim_now(), side="right"))
                    if due > sent:
                        chunk = window.nmea[window.line_offsets[sent] : ends[due - 1]]
                        _broadcast(clients, chunk)
                        sent = due
                    await contacts.deliver(sim_now())
                    await asyncio.sleep(_TICK_S)
                # Wait out the rest of the window even when it had no lines.
                while sim_now() < window.end:
                    await contacts.deliver(sim_now())
                    await asyncio.sleep(_TICK_S)
    finally:
        stop.set()
        for writer in list(clients):
            writer.close()


def _broadcast(clients: set[asyncio.StreamWriter], data: bytes) -> None:
    for writer in list(clients):
        transport = writer.transport
        if transport.get_write_buffer_size() > _MAX_BUFFER:
            log.warning("feed client too slow, dropped: %s", writer.get_extra_info("peername"))
            clients.discard(writer)
            writer.close()
            continue
        writer.write(data)


class _ContactPacer:
    """Contacts waiting for their time, handed on in batches (see the module docstring)."""

    def __init__(self, on_contacts: Callable[[pa.Table], bool] | None, every_s: float) -> None:
        self._on_contacts = on_contacts
        self._every_s = every_s
        self._waiting: list[pa.Table] = []
        self._last = time.monotonic()

    def add(self, table: pa.Table) -> None:
        self._waiting.append(table)

    async def deliver(self, now_ms: float) -> None:
        if self._on_contacts is None or not self._waiting:
            return
        if time.monotonic() - self._last < self._every_s:
            return
        self._last = time.monotonic()
        waiting = pa.concat_tables(self._waiting)
        millis = pc.cast(pc.cast(waiting["ts"], pa.int64()), pa.float64())
        due = pc.less_equal(millis, now_ms)
        batch = waiting.filter(due)
        if batch.num_rows == 0:
            return
        try:
            taken = await asyncio.to_thread(self._on_contacts, batch)
        except Exception:
            log.exception("demo contacts: delivery failed; offering them again")
            taken = False
        if taken:
            self._waiting = [waiting.filter(pc.invert(due))]
