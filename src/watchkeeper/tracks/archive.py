"""The node's position archive: decoded tables as day-partitioned Parquet, queried with DuckDB.

Layout under the root (a node's `data_dir/"archive"`)::

    manifest.sqlite                                   commit record (see `manifest`)
    writer.lock                                       serialises writers across processes
    <table>/day=YYYY-MM-DD/part-<batch_id>.parquet    one file per batch and day (*)
    <table>/day=unknown/part-<batch_id>.parquet       rows whose `ts` is null
    <table>/day=YYYY-MM-DD/part-_compacted-<hex>.parquet   written by `compact`

`rejected` has no time column and is partitioned by the UTC day it was ingested.
(*) A batch id that is not a plain file name (``[A-Za-z0-9][A-Za-z0-9_.-]{0,127}``)
is written as ``<id with other characters as _>~<16 hex of its sha256>``, e.g.
``file:ab12:0-100`` as ``part-file_ab12_0-100~<hash>.parquet``; the manifest maps
ids to files either way.

Why a batch is never half in and never in twice:

1. Each file is written under a temporary dot-name in its final directory, fsynced,
   renamed into place, and the directory fsynced: a killed process leaves at worst a
   temp file, never a truncated `part-*.parquet`.
2. Only then does one SQLite transaction record the batch, its files and the input's
   progress. Readers list files from the manifest, so a file without a row is never
   read, and a batch id already recorded is not written again.
3. At open, files of no recorded batch and temp files (what a crash between 1 and 2
   leaves) are deleted. Writers hold `writer.lock` (flock) while they write and commit,
   and the sweep holds it too, so a second process opening the archive cannot mistake
   another writer's in-flight files for orphans.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import uuid
import weakref
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Self

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from watchkeeper.schema import POSITIONS
from watchkeeper.tracks.latest import BBox, LatestState, check_bbox, conform_latest, latest_sql
from watchkeeper.tracks.manifest import FileEntry, Manifest
from watchkeeper.tracks.parts import (
    DAY,
    MAX_ID_CHARS,
    PART,
    SCHEMAS,
    TABLES,
    TEMP,
    UNKNOWN_DAY,
    conform,
    file_stem,
    fsync_dir,
    sort_part,
    split_by_day,
    write_durably,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

# LatestState is re-exported: the live side imports it next to Archive.
__all__ = ["SCHEMAS", "TABLES", "UNKNOWN_DAY", "Archive", "LatestState"]

_LOG: Final = logging.getLogger(__name__)

_SCAN: Final = (
    "read_parquet(${name}, hive_partitioning=true, hive_types_autocast=false, union_by_name=true)"
)
_QUERY_ATTEMPTS: Final = 3


class Archive:
    """Day-partitioned Parquet tables with idempotent, crash-safe appends.

    Thread-safe: appends and compactions are serialised (in the process by a lock,
    across processes by `writer.lock`); queries run concurrently, each on its own
    DuckDB cursor, over the files the manifest lists when the query starts. Use as a
    context manager, or call `close`.

    Parameters
    ----------
    root
        The archive directory; created if missing.

    Attributes
    ----------
    removed_orphans
        Files (relative to `root`) the sweep at open deleted: what a crash left.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).absolute()
        self.root.mkdir(parents=True, exist_ok=True)
        self._thread_lock = threading.Lock()
        self._lock_fd = os.open(self.root / "writer.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            self._manifest = Manifest(self.root / "manifest.sqlite")
        except BaseException:
            os.close(self._lock_fd)
            raise
        self._duck = duckdb.connect()
        self._duck_lock = threading.Lock()
        # Closed by `close`, or when the archive is garbage collected: an app that drops
        # its archive without closing it leaks no descriptor.
        self._release = weakref.finalize(self, _release, self._lock_fd, self._manifest, self._duck)
        with self._writing():
            self.removed_orphans: tuple[str, ...] = self._sweep()

    def close(self) -> None:
        """Release the manifest, DuckDB and the lock file (idempotent)."""
        self._release()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Archive({str(self.root)!r})"

    # -- writing ---------------------------------------------------------------

    def append(
        self,
        tables: Mapping[str, pa.Table],
        *,
        batch_id: str,
        progress: tuple[str, int] | None = None,
    ) -> bool:
        """Store one batch of tables, once.

        Parameters
        ----------
        tables
            Some of `TABLES` (e.g. `DecodeResult.tables()`), each with exactly the
            columns of its schema in `SCHEMAS` (types are cast; missing or extra
            columns raise `ValueError`, as dropping a column would lose data).
        batch_id
            Deterministic id of the batch chosen by the caller, e.g. the sha256 of the
            input file and the chunk's byte range, or feed id + sequence number; any
            non-empty string up to 1024 characters (it also names the batch's files,
            see the module docstring).
        progress
            ``(key, offset)`` recorded in the same transaction as the batch: after a
            crash, `progress(key)` is the end of the last batch committed, so ingest
            resumes there without losing or repeating rows.

        Returns
        -------
        bool
            True if the batch was stored, False if `batch_id` was already committed
            (then nothing is written; `progress` is still recorded, since the batch
            it vouches for is in the archive).
        """
        _check_batch_id(batch_id)
        unknown = sorted(set(tables) - set(SCHEMAS))
        if unknown:
            raise ValueError(f"unknown tables {unknown}; an archive stores {list(TABLES)}")
        conformed = {name: conform(name, table) for name, table in tables.items()}
        if progress is not None:
            _check_progress(progress)
        now = datetime.now(UTC)
        stamp = _rfc3339(now)
        with self._writing():
            if self._manifest.has_batch(batch_id):
                if progress is not None:
                    self._manifest.set_progress(*progress, now=stamp)
                return False
            written: list[FileEntry] = []
            try:
                filename = f"part-{file_stem(batch_id)}.parquet"
                for name, table in conformed.items():
                    for day, part in split_by_day(name, table, today=now.date().isoformat()):
                        written.append(self._write_part(name, day, filename, part))
                self._fsync_dirs(written)
                return self._manifest.commit_batch(
                    batch_id,
                    now=stamp,
                    rows={name: table.num_rows for name, table in conformed.items()},
                    files=written,
                    progress=progress,
                )
            except BaseException:
                self._discard(batch_id, written)
                raise

    def has_batch(self, batch_id: str) -> bool:
        """Whether `batch_id` is committed: lets ingest skip decoding a chunk it has."""
        return self._manifest.has_batch(batch_id)

    def progress(self, key: str) -> int:
        """The offset committed with the last batch of input `key`; 0 if none."""
        return self._manifest.progress(key)

    def compact(self, table: str, day: str) -> int:
        """Rewrite the files of one day partition as one file; return how many it replaced.

        A live feed appends a small file per micro-batch; merging them keeps queries
        from opening thousands of files. Rows are kept as they are (sorted by mmsi and
        ts). The new file is durable before the manifest swaps the file lists in one
        transaction; the old files are deleted after, and a crash in between leaves
        them as orphans for the next open's sweep. Loads the day in memory.
        Returns 0 (and writes nothing) when the partition has fewer than two files.
        """
        _check_table(table)
        if not DAY.fullmatch(day):
            raise ValueError(f"day must be YYYY-MM-DD or {UNKNOWN_DAY!r}, got {day!r}")
        with self._writing():
            entries = self._manifest.files(table, day=day)
            if len(entries) < 2:
                return 0
            parts = [conform(table, pq.ParquetFile(self.root / e.path).read()) for e in entries]
            merged = sort_part(table, pa.concat_tables(parts))
            expected = sum(e.rows for e in entries)
            if merged.num_rows != expected:
                raise ValueError(
                    f"{table}/day={day}: files hold {merged.num_rows} rows, the manifest "
                    f"says {expected}; not compacting a partition that does not add up"
                )
            name = f"part-_compacted-{uuid.uuid4().hex}.parquet"
            new = self._write_part(table, day, name, merged)
            try:
                self._fsync_dirs([new])
                self._manifest.replace_files([e.path for e in entries], new)
            except BaseException:
                (self.root / new.path).unlink(missing_ok=True)
                raise
            for e in entries:
                (self.root / e.path).unlink(missing_ok=True)
            self._fsync_dirs([new])
        _LOG.info("compacted %s/day=%s: %d files into %s", table, day, len(entries), new.path)
        return len(entries)

    # -- reading ---------------------------------------------------------------

    def count(self, table: str) -> int:
        """Rows stored in `table` (from the manifest: exact, no Parquet read)."""
        _check_table(table)
        return self._manifest.rows(table)

    def partitions(self, table: str) -> dict[str, int]:
        """Files per day partition of `table`: the days where `compact` would help."""
        _check_table(table)
        return self._manifest.file_counts(table)

    def files(
        self, table: str, *, start: datetime | None = None, end: datetime | None = None
    ) -> list[Path]:
        """The committed files of `table` whose day may hold rows in `[start, end)`.

        For readers other than DuckDB (polars `scan_parquet(..., hive_partitioning=True)`,
        Spark). A concurrent `compact` may delete a listed file; list again if so.
        """
        _check_table(table)
        first_day, last_day = _day_bounds(*_check_range(start, end))
        entries = self._manifest.files(table, first_day=first_day, last_day=last_day)
        return [self.root / e.path for e in entries]

    def latest_vessels(
        self, *, bbox: BBox | None = None, limit: int | None = None, with_times: bool = False
    ) -> pa.Table:
        """The latest fix of each vessel with its latest known particulars (`LATEST`).

        See `watchkeeper.tracks.latest` for the definition (which messages count, ties,
        nulls). `bbox` = (min_lon, min_lat, max_lon, max_lat) filters the latest fix;
        rows are ordered most recent first, and `limit` keeps the first rows.
        `with_times` adds `name_ts`, `callsign_ts`, `imo_ts`, `ship_type_ts` (used by
        `LatestState.from_archive`).
        """
        checked = None if bbox is None else check_bbox(bbox)
        if limit is not None and limit < 0:
            raise ValueError(f"limit must be >= 0, got {limit}")

        def build(src: Mapping[str, str]) -> tuple[str, dict[str, Any]]:
            return latest_sql(src["positions"], src["vessels"], bbox=checked, limit=limit)

        found = self._query({"positions": (None, None), "vessels": (None, None)}, build)
        return conform_latest(found, with_times=with_times)

    def track(
        self, mmsi: int, *, start: datetime | None = None, end: datetime | None = None
    ) -> pa.Table:
        """All positions of `mmsi` with `start <= ts < end`, ordered by ts (POSITIONS).

        Only the day partitions that can hold the range are read. Without bounds, rows
        with a null ts are included, last; with a bound they are not (their time is
        unknown, so they are in no range).
        """
        start, end = _check_range(start, end)
        where = ["mmsi = $mmsi"]
        params: dict[str, Any] = {"mmsi": int(mmsi)}
        if start is not None:
            where.append("ts >= $start")
            params["start"] = start
        if end is not None:
            where.append("ts < $end")
            params["end"] = end
        columns = ", ".join(f'"{name}"' for name in POSITIONS.names)

        def build(src: Mapping[str, str]) -> tuple[str, dict[str, Any]]:
            sql = f"SELECT {columns} FROM {src['positions']} WHERE {' AND '.join(where)} ORDER BY ts NULLS LAST"
            return sql, params

        found = self._query({"positions": _day_bounds(start, end)}, build)
        return found.select(POSITIONS.names).cast(POSITIONS)

    def has_positions(self, mmsi: int) -> bool:
        """Whether any position of `mmsi` is stored; stops at the first one found."""

        def build(src: Mapping[str, str]) -> tuple[str, dict[str, Any]]:
            sql = f"SELECT mmsi FROM {src['positions']} WHERE mmsi = $mmsi LIMIT 1"
            return sql, {"mmsi": int(mmsi)}

        found: pa.Table = self._query({"positions": (None, None)}, build)
        return bool(found.num_rows > 0)

    def query(
        self,
        needs: Mapping[str, tuple[datetime | None, datetime | None]],
        build: Callable[[Mapping[str, str]], tuple[str, dict[str, Any]]],
    ) -> pa.Table:
        """Run one DuckDB query over the committed files of some tables.

        For the package's query modules (`watchkeeper.tracks.history`): `needs` maps a
        table to the time range `[start, end)` its rows must fall in (None: open), so
        only the day partitions that can hold it are read; `build(sources)` gets each
        table as a SQL table expression (never user text) and returns the SQL and its
        bound parameters. Retried if a compaction swaps files under it.
        """
        for name in needs:
            _check_table(name)
        bounds = {name: _day_bounds(*_check_range(*span)) for name, span in needs.items()}
        return self._query(bounds, build)

    # -- internals -------------------------------------------------------------

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Hold the writer lock: this process's threads, then other processes (flock)."""
        with self._thread_lock:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def _query(
        self,
        needs: Mapping[str, tuple[str | None, str | None]],
        build: Callable[[Mapping[str, str]], tuple[str, dict[str, Any]]],
    ) -> pa.Table:
        """Run `build(sources)` over the committed files of the tables in `needs`.

        `needs` maps a table to the day bounds its files must fall in. A table with no
        files is an empty registered Arrow table, so an empty archive answers with empty
        results instead of a "no files found" error. If a file vanished under the query
        (a concurrent compaction), the listing is taken again and the query retried.
        """
        for attempt in range(1, _QUERY_ATTEMPTS + 1):
            listing = {
                table: self._manifest.files(table, first_day=first, last_day=last)
                for table, (first, last) in needs.items()
            }
            with self._duck_lock:
                cursor = self._duck.cursor()
            try:
                sources: dict[str, str] = {}
                params: dict[str, Any] = {}
                for table, entries in listing.items():
                    if entries:
                        sources[table] = _SCAN.format(name=f"{table}_files")
                        params[f"{table}_files"] = [str(self.root / e.path) for e in entries]
                    else:
                        cursor.register(f"empty_{table}", SCHEMAS[table].empty_table())
                        sources[table] = f"empty_{table}"
                sql, extra = build(sources)
                return cursor.sql(sql, params=params | extra).to_arrow_table()
            except duckdb.IOException:
                relisted = {
                    table: self._manifest.files(table, first_day=first, last_day=last)
                    for table, (first, last) in needs.items()
                }
                if attempt == _QUERY_ATTEMPTS or relisted == listing:
                    raise
                _LOG.info("archive files changed during a query; retrying")
            finally:
                cursor.close()
        raise AssertionError("unreachable")  # pragma: no cover

    def _write_part(self, table: str, day: str, filename: str, data: pa.Table) -> FileEntry:
        """Write `data` durably at `<table>/day=<day>/<filename>`."""
        final = self.root / table / f"day={day}" / filename
        write_durably(data, final)
        return FileEntry(final.relative_to(self.root).as_posix(), table, day, data.num_rows)

    def _fsync_dirs(self, entries: list[FileEntry]) -> None:
        """Make the renames into these files' directories durable."""
        for directory in sorted({(self.root / e.path).parent for e in entries}):
            fsync_dir(directory)

    def _discard(self, batch_id: str, written: list[FileEntry]) -> None:
        """After a failed append, delete its files unless the batch did commit."""
        try:
            if self._manifest.has_batch(batch_id):
                return
        except Exception:  # the manifest itself failed; the sweep at open will clean up
            return
        for entry in written:
            (self.root / entry.path).unlink(missing_ok=True)

    def _sweep(self) -> tuple[str, ...]:
        """Delete temp files and part files no manifest row names (left by a crash)."""
        live = self._manifest.all_paths()
        on_disk: set[str] = set()
        removed: list[str] = []
        for table in TABLES:
            for directory in sorted((self.root / table).glob("day=*")):
                before = len(removed)
                for path in sorted(directory.iterdir()):
                    rel = path.relative_to(self.root).as_posix()
                    if TEMP.fullmatch(path.name) or (PART.fullmatch(path.name) and rel not in live):
                        path.unlink(missing_ok=True)
                        removed.append(rel)
                    elif rel in live:
                        on_disk.add(rel)
                if len(removed) > before:
                    fsync_dir(directory)
        if removed:
            _LOG.warning("archive %s: removed %d uncommitted files", self.root, len(removed))
        missing = live - on_disk
        if missing:
            _LOG.error(
                "archive %s: %d committed files are missing (e.g. %s); queries will fail",
                self.root,
                len(missing),
                min(missing),
            )
        return tuple(removed)


def _release(lock_fd: int, manifest: Manifest, duck: duckdb.DuckDBPyConnection) -> None:
    duck.close()
    manifest.close()
    os.close(lock_fd)


def _check_table(table: str) -> None:
    if table not in SCHEMAS:
        raise ValueError(f"unknown table {table!r}; an archive stores {list(TABLES)}")


def _check_batch_id(batch_id: str) -> None:
    if not isinstance(batch_id, str) or not 0 < len(batch_id) <= MAX_ID_CHARS:
        raise ValueError(
            f"batch_id must be a non-empty string of at most {MAX_ID_CHARS} characters, "
            f"got {batch_id!r:.80}"
        )


def _check_progress(progress: tuple[str, int]) -> None:
    key, offset = progress
    if not isinstance(key, str) or not key:
        raise ValueError(f"progress key must be a non-empty string, got {key!r}")
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise ValueError(f"progress offset must be an int >= 0, got {offset!r}")


def _check_range(
    start: datetime | None, end: datetime | None
) -> tuple[datetime | None, datetime | None]:
    """Bounds in UTC; naive times are refused, as their zone would be a guess."""
    for name, value in (("start", start), ("end", end)):
        if value is not None and value.utcoffset() is None:
            raise ValueError(f"{name} must be timezone-aware (UTC), got {value.isoformat()}")
    start = None if start is None else start.astimezone(UTC)
    end = None if end is None else end.astimezone(UTC)
    if start is not None and end is not None and start > end:
        raise ValueError(f"start {_rfc3339(start)} is after end {_rfc3339(end)}")
    return start, end


def _day_bounds(start: datetime | None, end: datetime | None) -> tuple[str | None, str | None]:
    """The day partitions `[first, last]` that can hold times in `[start, end)`."""
    first = None if start is None else start.date().isoformat()
    last = None if end is None else (end - timedelta(microseconds=1)).date().isoformat()
    return first, last


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
