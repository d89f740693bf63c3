"""Append-only, hash-chained audit entries, with checkpoints that expose truncation.

Each entry's `hash` is SHA-256 over the previous entry's hash and the entry's own
fields in a canonical JSON form, so altering or deleting an entry breaks every link
after it. Deleting the newest entries leaves a consistent chain, which is why the
head (`audit_head`, updated in the appending transaction) and checkpoints (rows in
`audit_checkpoints` and lines in a file outside the database) are kept: an entry a
checkpoint names must still be there, with the same hash.

Appends are serialised by locking the head row first (PostgreSQL row lock, SQLite's
write lock), so concurrent requests never fork the chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from watchkeeper.records.database import Database, utcnow
from watchkeeper.records.models import AuditCheckpoint, AuditEntry, AuditHead

__all__ = ["GENESIS", "Actor", "AuditTrail", "Verification", "entry_hash", "entry_record"]

#: The predecessor of the first entry.
GENESIS: Final = "0" * 64
_TS_FORMAT: Final = "%Y-%m-%dT%H:%M:%S.%fZ"
_FIELDS: Final = (
    "seq",
    "ts",
    "actor",
    "agency",
    "roles",
    "action",
    "object_type",
    "object_id",
    "outcome",
    "client",
    "justification",
    "detail",
)


@dataclass(frozen=True)
class Actor:
    """Who acts: a user through the web or API, or an operator at the node's console."""

    name: str
    agency: str
    roles: tuple[str, ...] = ()
    client: str = ""


def _ts_text(moment: datetime) -> str:
    return moment.strftime(_TS_FORMAT)[:-4] + "Z"  # milliseconds, as stored


def entry_record(entry: AuditEntry) -> dict[str, Any]:
    """The entry as the JSON object that is hashed, exported and shown by the API."""
    record: dict[str, Any] = {name: getattr(entry, name) for name in _FIELDS}
    record["ts"] = _ts_text(entry.ts)
    record["detail"] = json.loads(entry.detail)
    return record


def entry_hash(prev_hash: str, record: Mapping[str, Any]) -> str:
    """SHA-256 of the predecessor's hash and the entry's canonical JSON (hash excluded)."""
    canonical = json.dumps(
        {name: record[name] for name in _FIELDS},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(f"{prev_hash}\n{canonical}".encode()).hexdigest()


@dataclass
class Verification:
    """What `AuditTrail.verify` found: the entries checked and every problem, by place."""

    entries: int = 0
    first: int | None = None
    last: int | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class AuditTrail:
    """Writes and checks the trail of one records database.

    `checkpoint_every`: entries between checkpoints written inside the appending
    transaction. `checkpoint_file`: JSON lines of checkpoints kept outside the database
    (written by `checkpoint()`), so that rewriting the database alone is not enough to
    hide a truncation.
    """

    checkpoint_every: int = 1000
    checkpoint_file: Path | None = None

    def record(
        self,
        session: Session,
        actor: Actor,
        action: str,
        *,
        object_type: str = "",
        object_id: str | int = "",
        outcome: str = "ok",
        justification: str = "",
        detail: Mapping[str, Any] | None = None,
    ) -> AuditEntry:
        """Append one entry in `session`'s transaction (it is kept only if that commits)."""
        session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq))
        head = session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one()
        session.refresh(head)
        entry = AuditEntry(
            seq=head.seq + 1,
            ts=utcnow(),
            actor=actor.name[:100],
            agency=actor.agency[:32],
            roles=",".join(actor.roles)[:200],
            action=action,
            object_type=object_type,
            object_id=str(object_id)[:200],
            outcome=outcome,
            client=actor.client[:64],
            justification=justification,
            detail=json.dumps(dict(detail or {}), sort_keys=True, ensure_ascii=False, default=str),
            prev_hash=head.hash,
        )
        entry.hash = entry_hash(head.hash, entry_record(entry))
        session.add(entry)
        head.seq, head.hash = entry.seq, entry.hash
        if entry.seq % self.checkpoint_every == 0:
            session.add(AuditCheckpoint(seq=entry.seq, hash=entry.hash, ts=entry.ts))
        session.flush()
        return entry

    def checkpoint(self, db: Database) -> tuple[int, str]:
        """Record the head now, in the database and in the checkpoint file; returns it."""
        with db.transaction() as session:
            head = session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one()
            seq, digest = head.seq, head.hash
            if seq and session.get(AuditCheckpoint, seq) is None:
                session.add(AuditCheckpoint(seq=seq, hash=digest, ts=utcnow()))
        if self.checkpoint_file is not None and seq:
            self.checkpoint_file.parent.mkdir(parents=True, exist_ok=True)
            with self.checkpoint_file.open("a", encoding="utf-8") as out:
                line = {"seq": seq, "hash": digest, "ts": _ts_text(utcnow())}
                out.write(json.dumps(line) + "\n")
        return seq, digest

    def entries(self, session: Session, *, since: datetime | None = None) -> Iterator[AuditEntry]:
        """Entries in chain order, from `since` (inclusive), read in batches."""
        query = select(AuditEntry).order_by(AuditEntry.seq)
        if since is not None:
            query = query.where(AuditEntry.ts >= since)
        yield from session.scalars(query.execution_options(yield_per=2000))

    def _file_checkpoints(self, problems: list[str]) -> dict[int, str]:
        if self.checkpoint_file is None or not self.checkpoint_file.exists():
            return {}
        found: dict[int, str] = {}
        for number, line in enumerate(self.checkpoint_file.read_text("utf-8").splitlines(), 1):
            try:
                item = json.loads(line)
                found[int(item["seq"])] = str(item["hash"])
            except (ValueError, KeyError, TypeError):
                problems.append(f"{self.checkpoint_file}:{number}: unreadable checkpoint line")
        return found

    def verify(self, db: Database) -> Verification:
        """Recompute the chain and hold it against the head and every checkpoint."""
        result = Verification()
        problems = result.problems
        hashes: dict[int, str] = {}
        pruned_to = 0
        with db.transaction() as session:
            prev_seq, prev_hash = None, GENESIS
            for entry in self.entries(session):
                record = entry_record(entry)
                if prev_seq is None:
                    # After a retention run the trail starts later: its first link is
                    # then held against the checkpoint taken where the deletion stopped.
                    result.first = entry.seq
                    prev_hash = entry.prev_hash if entry.seq > 1 else GENESIS
                    hashes[entry.seq - 1] = entry.prev_hash
                elif entry.seq != prev_seq + 1:
                    problems.append(f"entries {prev_seq + 1}-{entry.seq - 1} are missing")
                if entry.prev_hash != prev_hash:
                    problems.append(f"entry {entry.seq}: does not follow from the entry before it")
                if entry_hash(entry.prev_hash, record) != entry.hash:
                    problems.append(
                        f"entry {entry.seq}: altered (its hash does not match its content)"
                    )
                if entry.action == "retention.delete" and record["detail"].get("type") == "audit":
                    pruned_to = max(pruned_to, int(record["detail"].get("up_to", 0)))
                hashes[entry.seq] = entry.hash
                prev_seq, prev_hash = entry.seq, entry.hash
                result.entries += 1
            result.last = prev_seq
            head = session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one()
            if (head.seq, head.hash) != (prev_seq or 0, prev_hash if prev_seq else GENESIS):
                problems.append(
                    f"the head names entry {head.seq} but the trail ends at {prev_seq or 0}: "
                    "entries were removed from its end"
                )
            stored = {c.seq: c.hash for c in session.scalars(select(AuditCheckpoint))}
        checkpoints = {"database": stored, "file": self._file_checkpoints(problems)}
        first = result.first or 1
        if first > 1 and first - 1 != pruned_to:
            problems.append(
                f"the trail starts at entry {first}, but no retention run deleted entries before it"
            )
        for where, known in checkpoints.items():
            for seq, digest in sorted(known.items()):
                if seq < first - 1:
                    continue
                if seq not in hashes:
                    problems.append(f"entry {seq}, checkpointed in the {where}, is missing")
                elif hashes[seq] != digest:
                    problems.append(f"entry {seq} differs from its checkpoint in the {where}")
        return result
