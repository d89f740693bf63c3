"""`/api/audit`: the audit trail and its verification, for administrators (itself audited)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, BaseModel
from sqlalchemy import select

from watchkeeper.accounts.principal import Principal
from watchkeeper.accounts.roles import Role
from watchkeeper.api.access import AccountsDep, allow
from watchkeeper.api.text import Text
from watchkeeper.audit.trail import entry_record
from watchkeeper.records.models import AuditEntry

__all__ = ["router"]

router = APIRouter(prefix="/api/audit", tags=["audit"])

AdminDep = Annotated[Principal, allow(Role.ADMINISTRATOR)]


class Entry(BaseModel):
    seq: int
    ts: str
    actor: str
    agency: str
    roles: str
    action: str
    object_type: str
    object_id: str
    outcome: str
    client: str
    justification: str
    detail: dict[str, Any]


class VerificationResult(BaseModel):
    ok: bool
    entries: int
    first: int | None
    last: int | None
    problems: list[str]


@router.get("", response_model=list[Entry], summary="Audit entries, newest first")
def entries(
    accounts: AccountsDep,
    admin: AdminDep,
    since: Annotated[
        AwareDatetime | None,
        Query(description="from this time, inclusive (RFC 3339 with an offset)"),
    ] = None,
    actor: Annotated[Text | None, Query(max_length=100)] = None,
    action: Annotated[Text | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 200,
) -> list[Entry]:
    query = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)
    if since is not None:
        query = query.where(AuditEntry.ts >= since)
    if actor is not None:
        query = query.where(AuditEntry.actor == actor)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    with accounts.db.transaction() as session:
        found = [Entry(**entry_record(entry)) for entry in session.scalars(query)]
        accounts.audit.record(
            session,
            admin.actor,
            "audit.read",
            object_type="audit",
            detail={
                "since": since.isoformat() if since else None,
                "actor": actor,
                "action": action,
                "returned": len(found),
            },
        )
    return found


@router.get(
    "/verify", response_model=VerificationResult, summary="Check the hash chain and checkpoints"
)
def verify(accounts: AccountsDep, admin: AdminDep) -> VerificationResult:
    result = accounts.audit.verify(accounts.db)
    return VerificationResult(
        ok=result.ok,
        entries=result.entries,
        first=result.first,
        last=result.last,
        problems=result.problems,
    )
