"""`/api/picture/stream`: the live picture's vessels as server-sent events, sent as diffs.

Thin over `watchkeeper.tracks.picture`: each stream keeps a `PictureFeed` over the
node's `LatestState` (`app.state.latest`), sends every vessel once, then every
`picture_interval_seconds` only the vessels whose drawn state changed and the MMSIs that
left. Bodies are written by polars from the frames, not row by row in Python, so a
picture of 20,000 vessels costs ~20 ms a tick on the node. A client that falls behind
gets a larger diff at its next tick, never a backlog: each diff is against what that
stream last sent. `EventSource` reconnects by itself and gets a fresh snapshot.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Annotated, Final

import anyio
import polars as pl
from fastapi import APIRouter, HTTPException, Query, Request
from starlette.responses import StreamingResponse

from watchkeeper.accounts.roles import ALL_ROLES
from watchkeeper.api.access import allow
from watchkeeper.api.app import SettingsDep
from watchkeeper.api.routes.vessels import get_latest_state
from watchkeeper.tracks import LatestState
from watchkeeper.tracks.picture import PICTURE, PictureFeed

__all__ = ["router"]

router = APIRouter(prefix="/api/picture", tags=["picture"])

#: A comment line sent when nothing else was, so proxies keep the connection open.
_KEEPALIVE_SECONDS: Final = 15.0
_ROW_DOC: Final = (
    "a vessel is an object with "
    + ", ".join(f"`{c}`" for c in PICTURE)
    + " (lon/lat WGS 84 degrees, course degrees true or null when still, sog knots, "
    "ts milliseconds since the Unix epoch UTC, class one of cargo, tanker, passenger, "
    "fishing, pleasure, sar, other)"
)


def _event(event: str, seq: int, body: str) -> bytes:
    return f"id: {seq}\nevent: {event}\ndata: {body}\n\n".encode()


def _rows(frame: pl.DataFrame) -> str:
    return frame.write_json() if frame.height else "[]"


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


async def _stream(
    latest: LatestState, *, interval: float, stale_after: timedelta, follow: bool
) -> AsyncIterator[bytes]:
    feed = PictureFeed(latest, stale_after=stale_after)
    now = datetime.now(UTC)
    vessels = await anyio.to_thread.run_sync(feed.snapshot, now)
    yield _event("snapshot", 0, f'{{"seq":0,"now":{_millis(now)},"vessels":{_rows(vessels)}}}')
    if not follow:
        return
    seq, quiet = 0, 0.0
    while True:
        await anyio.sleep(interval)
        now = datetime.now(UTC)
        changes = await anyio.to_thread.run_sync(feed.poll, now)
        if not changes:
            quiet += interval
            if quiet >= _KEEPALIVE_SECONDS:
                quiet = 0.0
                yield b": keepalive\n\n"
            continue
        seq, quiet = seq + 1, 0.0
        removed = ",".join(str(mmsi) for mmsi in changes.remove)
        yield _event(
            "changes",
            seq,
            f'{{"seq":{seq},"now":{_millis(now)},"upsert":{_rows(changes.upsert)},'
            f'"remove":[{removed}]}}',
        )


@router.get(
    "/stream",
    dependencies=[allow(*ALL_ROLES)],
    summary="Live vessels (server-sent events): every vessel, then only what changed",
    description=(
        'Events: `snapshot` once (`{"seq": 0, "now": ms, "vessels": [...]}`), then '
        "`changes` each `picture_interval_seconds` in which something changed "
        '(`{"seq": n, "now": ms, "upsert": [...], "remove": [mmsi, ...]}`: vessels '
        "new or changed, replacing what was sent for their MMSI, and MMSIs to drop), and "
        f"`: keepalive` comments when quiet. In both, {_ROW_DOC}."
    ),
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/event-stream": {}}},
        503: {"description": "the node keeps no live picture"},
    },
)
async def stream(
    request: Request,
    settings: SettingsDep,
    follow: Annotated[bool, Query(description="false: send the snapshot, then end")] = True,
) -> StreamingResponse:
    """Every vessel once, then what changed each tick (see the description)."""
    latest = get_latest_state(request)
    if latest is None:
        raise HTTPException(status_code=503, detail="this node keeps no live picture")
    return StreamingResponse(
        _stream(
            latest,
            interval=settings.picture_interval_seconds,
            stale_after=timedelta(minutes=settings.picture_stale_minutes),
            follow=follow,
        ),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
