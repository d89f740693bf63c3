"""A `ChangeFeed` as server-sent events: the picture's live streams (vessels, contacts).

`snapshot` once (`{"seq": 0, "now": ms, "<name>": [...]}`), then `changes` each
interval in which something changed (`{"seq": n, "now": ms, "upsert": [...],
"remove": [key, ...]}`), and a `: keepalive` comment when quiet, so proxies keep the
connection open. The feed is polled in a worker thread: it reads shared live state.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Final

import anyio
import polars as pl
from starlette.responses import StreamingResponse

from watchkeeper.picture.changes import ChangeFeed

__all__ = ["KEEPALIVE_SECONDS", "change_stream"]

#: A comment line sent when nothing else was, so proxies keep the connection open.
KEEPALIVE_SECONDS: Final = 15.0


def _event(event: str, seq: int, body: str) -> bytes:
    return f"id: {seq}\nevent: {event}\ndata: {body}\n\n".encode()


def _rows(frame: pl.DataFrame) -> str:
    return frame.write_json() if frame.height else "[]"


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


async def _events(
    feed: ChangeFeed, name: str, *, interval: float, follow: bool
) -> AsyncIterator[bytes]:
    now = datetime.now(UTC)
    rows = await anyio.to_thread.run_sync(feed.snapshot, now)
    yield _event("snapshot", 0, f'{{"seq":0,"now":{_millis(now)},"{name}":{_rows(rows)}}}')
    if not follow:
        return
    seq, quiet = 0, 0.0
    while True:
        await anyio.sleep(interval)
        now = datetime.now(UTC)
        changes = await anyio.to_thread.run_sync(feed.poll, now)
        if not changes:
            quiet += interval
            if quiet >= KEEPALIVE_SECONDS:
                quiet = 0.0
                yield b": keepalive\n\n"
            continue
        seq, quiet = seq + 1, 0.0
        yield _event(
            "changes",
            seq,
            f'{{"seq":{seq},"now":{_millis(now)},"upsert":{_rows(changes.upsert)},'
            f'"remove":{json.dumps(changes.remove)}}}',
        )


def change_stream(
    feed: ChangeFeed, name: str, *, interval: float, follow: bool
) -> StreamingResponse:
    """The response streaming `feed` (its snapshot's rows under `name`); `follow` false:
    the snapshot alone."""
    return StreamingResponse(
        _events(feed, name, interval=interval, follow=follow),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
