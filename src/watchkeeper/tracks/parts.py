"""How a batch becomes part files: schema checks, day split, durable writes, names.

The archive's file-level rules, apart from its bookkeeping (`manifest`) and queries
(`archive`): every file is written to a temporary dot-name in its final directory,
fsynced and renamed, and the directories are fsynced, so a crash never leaves a
truncated `part-*.parquet` visible under its real name.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from datetime import date, timedelta
from types import MappingProxyType
from typing import TYPE_CHECKING, Final

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from watchkeeper.schema import CONTACTS, OTHER_MESSAGES, POSITIONS, REJECTED, STATIONS, VESSELS

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

__all__ = [
    "DAY",
    "MAX_ID_CHARS",
    "PART",
    "SCHEMAS",
    "TABLES",
    "TEMP",
    "UNKNOWN_DAY",
    "conform",
    "file_stem",
    "fsync_dir",
    "split_by_day",
    "sort_part",
    "write_durably",
]

#: The tables an archive stores, and their schemas (`DecodeResult.tables()` keys).
SCHEMAS: Final[Mapping[str, pa.Schema]] = MappingProxyType(
    {
        "positions": POSITIONS,
        "vessels": VESSELS,
        "stations": STATIONS,
        "other": OTHER_MESSAGES,
        "rejected": REJECTED,
        # Sensor contacts (radar, patrol, aircraft, ...): not AIS, but sightings with a
        # time and a place, kept beside the positions the same way.
        "contacts": CONTACTS,
    }
)
TABLES: Final = tuple(SCHEMAS)

#: The partition of rows with a null `ts`.
UNKNOWN_DAY: Final = "unknown"

# A batch id of this form is its file name as is: one path component, no ':' (Hadoop
# and Spark paths reject it), not starting with '_' (compacted files) or '.' (temp files).
_PLAIN_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
_UNSAFE_CHAR: Final = re.compile(r"[^A-Za-z0-9_.-]")
MAX_ID_CHARS: Final = 1024
DAY: Final = re.compile(r"\d{4}-\d{2}-\d{2}|unknown")
PART: Final = re.compile(r"part-.+\.parquet")
TEMP: Final = re.compile(r"\.part-.+\.parquet\.tmp-[0-9a-f]{32}")
# Rows sorted by (mmsi, ts) in row groups of this size let DuckDB skip most of a file
# for one vessel's track using the row-group min/max statistics.
_ROW_GROUP_ROWS: Final = 128 * 1024
_DAY_MS: Final = 86_400_000
_EPOCH: Final = date(1970, 1, 1)
_FIRST_DAY: Final = (date.min - _EPOCH).days
_LAST_DAY: Final = (date.max - _EPOCH).days
_SORT: Final = [("mmsi", "ascending", "at_end"), ("ts", "ascending", "at_end")]
_REJECTED_SORT: Final = [("file", "ascending", "at_end"), ("line", "ascending", "at_end")]
# Contacts have no MMSI: by the sensor's track id, so one target's sightings are together.
_CONTACTS_SORT: Final = [("contact_id", "ascending", "at_end"), ("ts", "ascending", "at_end")]


def file_stem(batch_id: str) -> str:
    """The id itself if it is a plain file name, else a readable and unique stand-in.

    The stand-in contains `~`, which no plain id does, and a 64-bit hash of the id, so
    two ids map to one file only on a hash collision.
    """
    if _PLAIN_ID.fullmatch(batch_id):
        return batch_id
    readable = _UNSAFE_CHAR.sub("_", batch_id[:96])
    return f"{readable}~{hashlib.sha256(batch_id.encode()).hexdigest()[:16]}"


def conform(name: str, table: pa.Table) -> pa.Table:
    """`table` with exactly the columns of table `name`'s schema, in order, cast.

    Missing or extra columns raise `ValueError` rather than being filled or dropped:
    dropping a column the decoder added would lose data silently.
    """
    schema = SCHEMAS[name]
    have, want = set(table.column_names), set(schema.names)
    if have != want:
        raise ValueError(
            f"{name}: columns do not match the {name} schema: "
            f"missing {sorted(want - have)}, unexpected {sorted(have - want)}"
        )
    try:
        return table.select(schema.names).cast(schema)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
        raise ValueError(f"{name}: cannot cast to the {name} schema: {exc}") from exc


def sort_part(name: str, table: pa.Table) -> pa.Table:
    """Rows by (mmsi, ts) (rejected: by file, line; contacts: by contact_id, ts), so row
    groups prune by vessel (or contact)."""
    keys = {"rejected": _REJECTED_SORT, "contacts": _CONTACTS_SORT}.get(name, _SORT)
    return table.sort_by(keys)


def split_by_day(name: str, table: pa.Table, *, today: str) -> list[tuple[str, pa.Table]]:
    """Split a table by UTC day of `ts` (rejected: all in `today`), each part sorted."""
    if table.num_rows == 0:
        return []
    if name == "rejected":
        return [(today, sort_part(name, table))]
    # Day numbers since 1970 by float floor division (exact: ms times fit in 53 bits,
    # and floor, unlike integer division, is right before 1970); strftime costs 50x.
    millis = pc.cast(pc.cast(table.column("ts"), pa.int64()), pa.float64())
    day_numbers = pc.cast(pc.floor(pc.divide(millis, float(_DAY_MS))), pa.int64())
    encoded = pc.dictionary_encode(day_numbers.combine_chunks(), null_encoding="encode")
    indices_of: dict[str, list[int]] = {}
    for index, number in enumerate(encoded.dictionary.to_pylist()):  # per day, not per row
        # Times outside years 1-9999 (a garbled clock) have no ISO day: unknown too.
        known = number is not None and _FIRST_DAY <= number <= _LAST_DAY
        day = (_EPOCH + timedelta(days=number)).isoformat() if known else UNKNOWN_DAY
        indices_of.setdefault(day, []).append(index)
    return [
        (day, sort_part(name, table.filter(pc.is_in(encoded.indices, pa.array(indices)))))
        for day, indices in indices_of.items()
    ]


def fsync_dir(directory: Path) -> None:
    """Make the entries (renames, new files) of `directory` durable."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _makedirs_durable(directory: Path) -> None:
    """Create `directory` and fsync the parent of each level created, so it survives."""
    created: list[Path] = []
    probe = directory
    while not probe.exists():
        created.append(probe)
        probe = probe.parent
    directory.mkdir(parents=True, exist_ok=True)
    for level in reversed(created):
        fsync_dir(level.parent)


def write_durably(data: pa.Table, final: Path) -> None:
    """Write `data` as Parquet at `final` via a fsynced temp file and a rename.

    The directory itself is not fsynced here: callers writing several files fsync
    each directory once (`fsync_dir`) before recording the files as committed.
    """
    _makedirs_durable(final.parent)
    temp = final.with_name(f".{final.name}.tmp-{uuid.uuid4().hex}")
    try:
        with temp.open("wb") as fh:
            pq.write_table(data, fh, compression="zstd", row_group_size=_ROW_GROUP_ROWS)
            fh.flush()
            os.fsync(fh.fileno())
        temp.replace(final)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
