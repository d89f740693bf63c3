"""The audit trail is a hash chain: any alteration, deletion or truncation is found."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from watchkeeper.accounts.context import Accounts
from watchkeeper.audit.trail import Actor, AuditTrail, entry_hash, entry_record
from watchkeeper.records.database import Database
from watchkeeper.records.migrate import upgrade
from watchkeeper.records.models import AuditCheckpoint, AuditEntry, AuditHead

ANALYST = Actor("amira", "TN-GN", ("analyst",), "10.1.2.3")


@pytest.fixture
def accounts(database_url: str, tmp_path: Path) -> Accounts:
    db = Database(database_url)
    upgrade(db)
    trail = AuditTrail(checkpoint_every=5, checkpoint_file=tmp_path / "checkpoints.jsonl")
    yield Accounts(db=db, audit=trail)
    db.close()


def _write(accounts: Accounts, n: int) -> None:
    with accounts.db.transaction() as session:
        for i in range(n):
            accounts.audit.record(
                session,
                ANALYST,
                "record.read",
                object_type="person",
                object_id=f"P-{i}",
                justification="case 2026/114: boat departure from Sfax",
                detail={"fields": ["name", "phone"]},
            )


def _problems(accounts: Accounts) -> list[str]:
    return accounts.audit.verify(accounts.db).problems


def test_an_untouched_trail_verifies(accounts: Accounts) -> None:
    _write(accounts, 12)
    result = accounts.audit.verify(accounts.db)
    assert result.ok, result.problems
    assert (result.entries, result.first, result.last) == (12, 1, 12)


def test_entries_keep_who_what_when_where_why(accounts: Accounts) -> None:
    _write(accounts, 1)
    with accounts.db.transaction() as session:
        entry = session.scalars(select(AuditEntry)).one()
        record = entry_record(entry)
    assert record["actor"] == "amira"
    assert record["agency"] == "TN-GN"
    assert record["roles"] == "analyst"
    assert record["client"] == "10.1.2.3"
    assert (record["action"], record["object_type"], record["object_id"]) == (
        "record.read",
        "person",
        "P-0",
    )
    assert record["justification"].startswith("case 2026/114")
    assert record["ts"].endswith("Z")
    assert entry.prev_hash == "0" * 64
    assert entry.hash == entry_hash(entry.prev_hash, record)


def test_an_altered_entry_is_caught(accounts: Accounts) -> None:
    _write(accounts, 8)
    with accounts.db.transaction() as session:
        session.execute(update(AuditEntry).where(AuditEntry.seq == 4).values(actor="someone-else"))
    assert any("entry 4: altered" in p for p in _problems(accounts))


def test_an_entry_rewritten_with_a_fresh_hash_breaks_the_next_link(accounts: Accounts) -> None:
    _write(accounts, 8)
    with accounts.db.transaction() as session:
        entry = session.get(AuditEntry, 4)
        entry.outcome = "denied"
        entry.hash = entry_hash(entry.prev_hash, entry_record(entry))
    problems = _problems(accounts)
    assert any("entry 5: does not follow" in p for p in problems)


def test_a_deleted_entry_is_caught(accounts: Accounts) -> None:
    _write(accounts, 8)
    with accounts.db.transaction() as session:
        session.execute(delete(AuditEntry).where(AuditEntry.seq == 3))
    problems = _problems(accounts)
    assert any("entries 3-3 are missing" in p for p in problems)


def test_a_truncated_trail_is_caught_by_its_head(accounts: Accounts) -> None:
    _write(accounts, 8)
    with accounts.db.transaction() as session:
        session.execute(delete(AuditEntry).where(AuditEntry.seq > 6))
    assert any("entries were removed from its end" in p for p in _problems(accounts))


def test_truncation_with_a_forged_head_is_caught_by_the_checkpoint_file(accounts: Accounts) -> None:
    _write(accounts, 8)
    accounts.audit.checkpoint(accounts.db)  # the head (8) goes to the file outside the database
    with accounts.db.transaction() as session:
        session.execute(delete(AuditEntry).where(AuditEntry.seq > 6))
        session.execute(delete(AuditCheckpoint))
        last = session.get(AuditEntry, 6)
        session.execute(update(AuditHead).values(seq=6, hash=last.hash))
    problems = _problems(accounts)
    assert problems == ["entry 8, checkpointed in the file, is missing"]


def test_checkpoints_are_taken_every_n_entries_in_the_appending_transaction(
    accounts: Accounts,
) -> None:
    _write(accounts, 11)
    with accounts.db.transaction() as session:
        assert [
            c.seq for c in session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.seq))
        ] == [5, 10]


def test_a_rolled_back_change_leaves_no_entry(accounts: Accounts) -> None:
    def failing_change() -> None:
        with accounts.db.transaction() as session:
            accounts.audit.record(session, ANALYST, "user.add", object_id="x")
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        failing_change()
    assert accounts.audit.verify(accounts.db).entries == 0
    _write(accounts, 1)
    assert accounts.audit.verify(accounts.db).ok


def test_concurrent_writers_never_fork_the_chain(accounts: Accounts) -> None:
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            for _ in range(10):
                _write(accounts, 1)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    result = accounts.audit.verify(accounts.db)
    assert result.ok, result.problems
    assert result.entries == 60


def test_checkpoint_file_lines_are_json(accounts: Accounts) -> None:
    _write(accounts, 3)
    seq, digest = accounts.audit.checkpoint(accounts.db)
    lines = accounts.audit.checkpoint_file.read_text().splitlines()
    assert json.loads(lines[-1])["seq"] == seq == 3
    assert json.loads(lines[-1])["hash"] == digest
