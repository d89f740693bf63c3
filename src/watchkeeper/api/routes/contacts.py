"""`/api/contacts`: sensor contacts in (a gateway's CSV batches) and out (the live map's stream).

Thin over `watchkeeper.sensors` and the live node: `POST /api/contacts` reads the body
(at most `contacts_max_bytes`), parses it as a contacts CSV and hands it to
`LiveNode.ingest_contacts`, which stores it in the archive before this answers; each
upload is written to the audit trail (`contacts.ingest`). `GET /api/contacts/stream`
sends the latest contacts as server-sent events, as `/api/picture/stream` does vessels:
every contact once, then only those that changed and the ids that left.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Final

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse

from watchkeeper.accounts.principal import Principal
from watchkeeper.accounts.roles import ALL_ROLES, Role
from watchkeeper.api.access import AccountsDep, allow
from watchkeeper.api.app import SettingsDep
from watchkeeper.api.change_stream import change_stream
from watchkeeper.errors import InputError
from watchkeeper.node import LiveNode
from watchkeeper.schema import CONTACTS
from watchkeeper.sensors.latest import CONTACT_PICTURE, contact_feed

__all__ = ["INGEST_ROLES", "router"]

router = APIRouter(prefix="/api/contacts", tags=["contacts"])

#: Who may deliver contacts: the role that keeps the live picture (a sensor gateway gets
#: an API token of a watch officer account, limited to that role).
INGEST_ROLES: Final = frozenset({Role.WATCH_OFFICER})
#: Rejected rows listed in an answer; the count covers them all, the archive keeps them all.
MAX_LISTED_REJECTED: Final = 1000
_CSV_DOC: Final = (
    "A CSV with a header naming the columns "
    + ", ".join(f"`{name}`" for name in CONTACTS.names)
    + " (`contact_id`, `ts`, `lat`, `lon` required; the others may be missing or empty). "
    "`ts` ISO 8601 (no offset: UTC); lat/lon WGS 84 degrees; speed_kn knots; course "
    "degrees true; length_m metres; confidence 0-1; sensor one of radar, patrol, aircraft, "
    "satellite, ground_radar, camera."
)


class RejectedRow(BaseModel):
    line: int = Field(description="1-based line of the body (the header is line 1)")
    raw: str = Field(description="the line as sent (bytes that are not UTF-8 replaced)")
    reason: str


class ContactsReceipt(BaseModel):
    """What became of one upload."""

    batch_id: str = Field(description="the archive batch: `contacts:` and the body's SHA-256")
    accepted: int = Field(description="sightings stored")
    rejected: int = Field(description="rows refused, each kept in the archive with its reason")
    duplicate: bool = Field(
        description="true: this very body was stored before; nothing was added this time"
    )
    rejected_rows: list[RejectedRow] = Field(
        description=f"the refused rows, by line (the first {MAX_LISTED_REJECTED})"
    )


def _live_node(request: Request) -> LiveNode:
    node = getattr(request.app.state, "node", None)
    if not isinstance(node, LiveNode):
        raise HTTPException(status_code=503, detail="this node is not running its live part")
    return node


async def _read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 past `limit` bytes (declared or counted)."""
    too_large = HTTPException(
        status_code=413,
        detail=f"contacts body too large: the limit is {limit:,} bytes "
        "(setting contacts_max_bytes); send smaller batches",
    )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


@router.post(
    "",
    response_model=ContactsReceipt,
    summary="Deliver sensor contacts (CSV): stored, drawn and passed to the detectors",
    description=(
        f"{_CSV_DOC} Usable rows are stored in the archive before the answer, drawn on "
        "the live picture and passed to live detection; each refused row is kept with "
        "its reason and listed in the answer. Sending the same body again stores "
        "nothing twice (`duplicate`). A body that is not a contacts CSV at all (no "
        "header, no `ts` column) is refused whole with 422; one over "
        "`contacts_max_bytes` with 413."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
    responses={
        413: {"description": "the body is larger than `contacts_max_bytes`"},
        422: {"description": "the body is not a contacts CSV"},
        503: {"description": "the node is not running its live part"},
    },
)
async def post_contacts(
    request: Request,
    settings: SettingsDep,
    accounts: AccountsDep,
    principal: Annotated[Principal, allow(*INGEST_ROLES)],
) -> ContactsReceipt:
    node = _live_node(request)
    body = await _read_body(request, min(settings.contacts_max_bytes, settings.max_body_bytes))
    try:
        receipt = await run_in_threadpool(node.ingest_contacts_csv, body, source="api/contacts")
    except InputError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    batch_id = receipt.batch_id

    def audit() -> None:
        with accounts.db.transaction() as session:
            accounts.audit.record(
                session,
                principal.actor,
                "contacts.ingest",
                object_type="contacts",
                object_id=batch_id,
                detail={
                    "accepted": receipt.accepted,
                    "rejected": receipt.rejected.num_rows,
                    "duplicate": not receipt.stored,
                    "bytes": len(body),
                },
            )

    await run_in_threadpool(audit)
    listed = receipt.rejected.slice(0, MAX_LISTED_REJECTED).to_pylist()
    return ContactsReceipt(
        batch_id=batch_id,
        accepted=receipt.accepted,
        rejected=receipt.rejected.num_rows,
        duplicate=not receipt.stored,
        rejected_rows=[
            RejectedRow(
                line=row["line"],
                raw=row["raw"].decode("utf-8", errors="replace"),
                reason=row["reason"],
            )
            for row in listed
        ],
    )


@router.get(
    "/stream",
    dependencies=[allow(*ALL_ROLES)],
    summary="Live sensor contacts (server-sent events): every contact, then only what changed",
    description=(
        'Events: `snapshot` once (`{"seq": 0, "now": ms, "contacts": [...]}`), then '
        "`changes` each `picture_interval_seconds` in which something changed "
        '(`{"seq": n, "now": ms, "upsert": [...], "remove": [contact_id, ...]}`), and '
        "`: keepalive` comments when quiet. A contact is an object with "
        + ", ".join(f"`{c}`" for c in CONTACT_PICTURE)
        + " (its last sighting within `contacts_window_minutes`; ts ms since the Unix "
        "epoch UTC; stale once not seen for `contacts_stale_minutes`)."
    ),
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/event-stream": {}}},
        503: {"description": "the node is not running its live part"},
    },
)
async def stream(
    request: Request,
    settings: SettingsDep,
    follow: Annotated[bool, Query(description="false: send the snapshot, then end")] = True,
) -> StreamingResponse:
    """Every contact once, then what changed each tick (see the description)."""
    state = _live_node(request).contacts
    if state is None:
        raise HTTPException(status_code=503, detail="the node is not running its live part")
    feed = contact_feed(state, stale_after=timedelta(minutes=settings.contacts_stale_minutes))
    return change_stream(
        feed, "contacts", interval=settings.picture_interval_seconds, follow=follow
    )
