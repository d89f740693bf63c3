"""The archive's commit record: which batches are in, which files hold them, ingest progress.

A Parquet file in the archive counts only once a row of this manifest names it. The
archive writes a batch's files first, makes them durable, then records the batch, its
files and the input's progress in one SQLite transaction; a crash before that
transaction leaves files no row names, which the next open deletes. So the manifest,
not the directory listing, is the truth, and readers query the files it lists.

Tables (SQLite, WAL, `synchronous=FULL` so a commit survives power loss too):

- `batches`: one row per committed batch: `batch_id`, `committed_at` (RFC 3339 UTC),
  `rows` (JSON, rows per table) and `files` (JSON, the files the batch wrote). Kept
  after compaction replaces those files, so a re-sent batch is still recognised.
- `files`: the live files: relative path, table, day partition, rows, and the batch
  that wrote it (null for a file written by compaction).
- `progress`: per input key, the byte offset or sequence number committed so far.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from pathlib import Path

__all__ = ["FileEntry", "Manifest"]

_SCHEMA_VERSION: Final = 1

_DDL: Final = """
CREATE TABLE IF NOT EXISTS batches (
    batch_id TEXT PRIMARY KEY,
    committed_at TEXT NOT NULL,
    rows TEXT NOT NULL,
    files TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,
    tbl TEXT NOT NULL,
    day TEXT NOT NULL,
    rows INTEGER NOT NULL,
    batch_id TEXT
);
CREATE INDEX IF NOT EXISTS files_by_table_day ON files (tbl, day);
CREATE TABLE IF NOT EXISTS progress (
    key TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);
"""


@dataclass(frozen=True, slots=True)
class FileEntry:
    """One live Parquet file: `path` relative to the archive root, POSIX separators."""

    path: str
    table: str
    day: str
    rows: int


class Manifest:
    """The SQLite commit record of one archive; every method is one short transaction.

    One connection, shared by the archive's threads under a lock: the statements are
    small, and one connection keeps the WAL reader snapshot rules simple.
    """

    def __init__(self, path: Path) -> None:
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            path, isolation_level=None, check_same_thread=False, timeout=60.0
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        with self._lock:
            # Statement by statement, not executescript(), which would commit early:
            # two processes opening a new archive must not both create it.
            self._db.execute("BEGIN IMMEDIATE")
            for statement in filter(None, (s.strip() for s in _DDL.split(";"))):
                self._db.execute(statement)
            (version,) = self._db.execute("PRAGMA user_version").fetchone()
            if version > _SCHEMA_VERSION:
                self._db.execute("ROLLBACK")
                raise ValueError(
                    f"{path}: manifest version {version} is newer than this program "
                    f"understands ({_SCHEMA_VERSION}); upgrade watchkeeper"
                )
            self._db.execute(f"PRAGMA user_version={_SCHEMA_VERSION}")
            self._db.execute("COMMIT")

    def close(self) -> None:
        """Close the connection; the WAL is checkpointed by SQLite on the last close."""
        with self._lock:
            self._db.close()

    def has_batch(self, batch_id: str) -> bool:
        """Whether `batch_id` was committed (even if compaction has since merged its files)."""
        with self._lock:
            row = self._db.execute(
                "SELECT 1 FROM batches WHERE batch_id = ?", (batch_id,)
            ).fetchone()
        return row is not None

    def progress(self, key: str) -> int:
        """The committed offset or sequence number of input `key`; 0 when never set."""
        with self._lock:
            row = self._db.execute("SELECT position FROM progress WHERE key = ?", (key,)).fetchone()
        return 0 if row is None else int(row[0])

    def set_progress(self, key: str, position: int, *, now: str) -> None:
        """Record progress alone (for a batch already committed)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._upsert_progress(key, position, now)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def commit_batch(
        self,
        batch_id: str,
        *,
        now: str,
        rows: dict[str, int],
        files: Sequence[FileEntry],
        progress: tuple[str, int] | None,
    ) -> bool:
        """Record a batch, its files and progress in one transaction.

        Returns False (and records only the progress) if the batch is already there:
        the caller holds the archive's writer lock, so this only happens when a batch
        is committed twice in a race the lock did not cover, and it must stay harmless.
        """
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                inserted = self._db.execute(
                    "INSERT INTO batches (batch_id, committed_at, rows, files) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT (batch_id) DO NOTHING",
                    (
                        batch_id,
                        now,
                        json.dumps(rows, sort_keys=True),
                        json.dumps([f.path for f in files]),
                    ),
                ).rowcount
                if inserted:
                    self._db.executemany(
                        "INSERT INTO files (path, tbl, day, rows, batch_id) VALUES (?, ?, ?, ?, ?)",
                        [(f.path, f.table, f.day, f.rows, batch_id) for f in files],
                    )
                if progress is not None:
                    self._upsert_progress(progress[0], progress[1], now)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        return bool(inserted)

    def replace_files(self, old: Iterable[str], new: FileEntry) -> None:
        """Swap files for one (compaction) in one transaction, so readers see either set."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany("DELETE FROM files WHERE path = ?", [(p,) for p in old])
                self._db.execute(
                    "INSERT INTO files (path, tbl, day, rows, batch_id) VALUES (?, ?, ?, ?, NULL)",
                    (new.path, new.table, new.day, new.rows),
                )
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def files(
        self,
        table: str,
        *,
        day: str | None = None,
        first_day: str | None = None,
        last_day: str | None = None,
    ) -> list[FileEntry]:
        """The live files of `table`: of one `day`, of days in `[first_day, last_day]`, or all.

        Bounds compare as strings: ISO dates sort by date, and any bound excludes the
        `unknown` partition (rows with no time cannot be in a time range).
        """
        sql = "SELECT path, tbl, day, rows FROM files WHERE tbl = ?"
        params: list[str] = [table]
        if day is not None:
            sql += " AND day = ?"
            params.append(day)
        if first_day is not None or last_day is not None:
            sql += " AND day != 'unknown'"
        if first_day is not None:
            sql += " AND day >= ?"
            params.append(first_day)
        if last_day is not None:
            sql += " AND day <= ?"
            params.append(last_day)
        with self._lock:
            found = self._db.execute(sql + " ORDER BY day, path", params).fetchall()
        return [FileEntry(path, tbl, day, int(rows)) for path, tbl, day, rows in found]

    def all_paths(self) -> set[str]:
        """Every live file, for the orphan sweep at open."""
        with self._lock:
            return {path for (path,) in self._db.execute("SELECT path FROM files")}

    def rows(self, table: str) -> int:
        """Rows of `table` over its live files: exact, and needs no Parquet read."""
        with self._lock:
            (total,) = self._db.execute(
                "SELECT coalesce(sum(rows), 0) FROM files WHERE tbl = ?", (table,)
            ).fetchone()
        return int(total)

    def file_counts(self, table: str) -> dict[str, int]:
        """Live files per day partition of `table`: where compaction would help."""
        with self._lock:
            found = self._db.execute(
                "SELECT day, count(*) FROM files WHERE tbl = ? GROUP BY day ORDER BY day",
                (table,),
            ).fetchall()
        return {day: int(n) for day, n in found}

    def _upsert_progress(self, key: str, position: int, now: str) -> None:
        self._db.execute(
            "INSERT INTO progress (key, position, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET position = excluded.position, "
            "updated_at = excluded.updated_at",
            (key, position, now),
        )
