"""Delete records past their retention period, and say in the audit trail what went.

Each record type has a period in days (`retention_days`; 0 keeps it forever). What is
deleted is named in the trail by type and id, never by content. Old audit entries
go too, but the chain stays verifiable: before they are deleted the head of what
remains is checkpointed where the deletion stops, and the trail records how far it
went, so `audit verify` can tell a retention run from a tampered start.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import ColumnElement, delete, func, or_, select
from sqlalchemy.orm import Session

from watchkeeper.accounts.context import Accounts
from watchkeeper.audit.trail import Actor
from watchkeeper.records.database import utcnow
from watchkeeper.records.models import (
    ApiToken,
    AuditCheckpoint,
    AuditEntry,
    LoginFailure,
    WebSession,
)

__all__ = ["IDS_PER_ENTRY", "apply_retention"]

#: Ids named per audit entry, so one run over many records writes entries of bounded size.
IDS_PER_ENTRY: Final = 1000


def _expired_sessions(cutoff: datetime) -> ColumnElement[bool]:
    return or_(WebSession.ended_at < cutoff, WebSession.expires_at < cutoff)


def _dead_tokens(cutoff: datetime) -> ColumnElement[bool]:
    return or_(ApiToken.revoked_at < cutoff, ApiToken.expires_at < cutoff)


# Record type -> (its id column, the rows past their time given the cutoff).
_KINDS: Final[dict[str, tuple[Any, Callable[[datetime], ColumnElement[bool]]]]] = {
    "sessions": (WebSession.id, _expired_sessions),
    "tokens": (ApiToken.id, _dead_tokens),
    "login_failures": (LoginFailure.key, lambda cutoff: LoginFailure.last_at < cutoff),
}


def _record_ids(
    accounts: Accounts, session: Session, actor: Actor, kind: str, ids: Sequence[Any]
) -> None:
    for start in range(0, len(ids), IDS_PER_ENTRY):
        chunk = [str(i) for i in ids[start : start + IDS_PER_ENTRY]]
        accounts.audit.record(
            session,
            actor,
            "retention.delete",
            object_type=kind,
            detail={"type": kind, "ids": chunk},
        )


def _prune_audit(accounts: Accounts, actor: Actor, cutoff: datetime) -> int:
    with accounts.db.transaction() as session:
        query = select(func.max(AuditEntry.seq), func.count()).where(AuditEntry.ts < cutoff)
        row = session.execute(query).one()
        up_to, count = row[0], row[1]
        if not up_to:
            return 0
        last = session.get(AuditEntry, up_to)
        if last is not None and session.get(AuditCheckpoint, up_to) is None:
            session.add(AuditCheckpoint(seq=up_to, hash=last.hash, ts=utcnow()))
        session.execute(delete(AuditEntry).where(AuditEntry.seq <= up_to))
        accounts.audit.record(
            session,
            actor,
            "retention.delete",
            object_type="audit",
            detail={"type": "audit", "up_to": up_to, "count": count},
        )
    return int(count)


def apply_retention(
    accounts: Accounts, actor: Actor, days: Mapping[str, int], *, now: datetime | None = None
) -> dict[str, int]:
    """Delete every record older than its type's period; returns the count per type."""
    moment = now or utcnow()
    deleted: dict[str, int] = {}
    for kind, (id_column, past) in _KINDS.items():
        if not days.get(kind):
            continue
        cutoff = moment - timedelta(days=days[kind])
        with accounts.db.transaction() as session:
            ids = list(session.scalars(select(id_column).where(past(cutoff)).order_by(id_column)))
            if ids:
                session.execute(delete(id_column.class_).where(id_column.in_(ids)))
                _record_ids(accounts, session, actor, kind, ids)
        deleted[kind] = len(ids)
    if days.get("audit"):
        deleted["audit"] = _prune_audit(accounts, actor, moment - timedelta(days=days["audit"]))
    return deleted
