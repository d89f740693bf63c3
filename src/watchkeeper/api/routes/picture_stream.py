"""`/api/picture/stream`: the live picture's vessels as server-sent events, sent as diffs.

Thin over `watchkeeper.tracks.picture`: each stream keeps a `picture_feed` over the
node's `LatestState` (`app.state.latest`), sends every vessel once, then every
`picture_interval_seconds` only the vessels whose drawn state changed and the MMSIs that
left. Bodies are written by polars from the frames, not row by row in Python, so a
picture of 20,000 vessels costs ~20 ms a tick on the node. A client that falls behind
gets a larger diff at its next tick, never a backlog: each diff is against what that
stream last sent. `EventSource` reconnects by itself and gets a fresh snapshot.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Final

from fastapi import APIRouter, HTTPException, Query, Request
from starlette.responses import StreamingResponse

from watchkeeper.accounts.roles import ALL_ROLES
from watchkeeper.api.access import allow
from watchkeeper.api.app import SettingsDep
from watchkeeper.api.change_stream import change_stream
from watchkeeper.api.routes.vessels import get_latest_state
from watchkeeper.tracks.picture import PICTURE, picture_feed

__all__ = ["router"]

router = APIRouter(prefix="/api/picture", tags=["picture"])

_ROW_DOC: Final = (
    "a vessel is an object with "
    + ", ".join(f"`{c}`" for c in PICTURE)
    + " (lon/lat WGS 84 degrees, course degrees true or null when still, sog knots, "
    "ts milliseconds since the Unix epoch UTC, class one of cargo, tanker, passenger, "
    "fishing, pleasure, sar, other)"
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
    feed = picture_feed(latest, stale_after=timedelta(minutes=settings.picture_stale_minutes))
    return change_stream(feed, "vessels", interval=settings.picture_interval_seconds, follow=follow)
