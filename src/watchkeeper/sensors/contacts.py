"""Sensor contact files: CSV with the `CONTACTS` columns, one sighting per row.

Radars, aircraft, satellites, patrols, ground radars and cameras export sightings as
CSV; the simulator writes the same (`watchkeeper simulate --contacts`). A row that
cannot be used (a field that is not a number, a time that is not ISO 8601, a position
off the globe, a missing track id, the wrong number of fields) is rejected with its
line and the reason, never dropped in silence. Times without an offset are taken as
UTC, the convention of every sensor export seen so far.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv

from watchkeeper.errors import InputError
from watchkeeper.schema import CONTACTS, REJECTED

__all__ = ["ContactFile", "parse_contacts", "read_contacts"]

_REQUIRED: Final = ("contact_id", "ts", "lat", "lon")
_NUMBERS: Final = ("lat", "lon", "speed_kn", "course", "length_m", "confidence")
_RANGES: Final = {
    "lat": (-90.0, 90.0),
    "lon": (-180.0, 180.0),
    "speed_kn": (0.0, 200.0),
    "course": (0.0, 360.0),
    "length_m": (0.0, 600.0),
    "confidence": (0.0, 1.0),
}
_POLARS_CONTACTS: Final = pl.from_arrow(CONTACTS.empty_table()).schema  # type: ignore[union-attr]


@dataclass(frozen=True)
class ContactFile:
    """The usable sightings of one file (`CONTACTS`) and its rejected rows (`REJECTED`)."""

    contacts: pa.Table
    rejected: pa.Table


def _problems() -> pl.Expr:
    """Why each row is unusable (null: it is fine), the first problem found."""
    checks: list[tuple[pl.Expr, str]] = [
        (pl.col(f"_in_{name}").is_null(), f"no {name}") for name in _REQUIRED
    ]
    checks.append(
        (pl.col("ts").is_null() & pl.col("_in_ts").is_not_null(), "ts is not an ISO 8601 time")
    )
    for name in _NUMBERS:
        low, high = _RANGES[name]
        checks.append(
            (
                pl.col(name).is_null() & pl.col(f"_in_{name}").is_not_null(),
                f"{name} is not a number",
            )
        )
        checks.append((~pl.col(name).is_between(low, high), f"{name} outside [{low:g}, {high:g}]"))
    reason: pl.Expr = pl.lit(None, dtype=pl.String)
    for failed, text in reversed(checks):
        reason = pl.when(failed.fill_null(False)).then(pl.lit(text)).otherwise(reason)
    return reason


def _timestamps(text: pl.Expr) -> pl.Expr:
    """ISO 8601 times with `Z`, an offset or none (UTC), to millisecond UTC times."""
    cleaned = (
        text.str.strip_chars()
        .str.replace(r"^(\d{4}-\d{2}-\d{2})[ t]", "${1}T")
        .str.replace(r"[zZ]$", "+00:00")
    )
    with_offset = cleaned.str.to_datetime(
        "%Y-%m-%dT%H:%M:%S%.f%:z", strict=False, time_unit="ms", time_zone="UTC"
    )
    naive = cleaned.str.to_datetime(
        "%Y-%m-%dT%H:%M:%S%.f", strict=False, time_unit="ms"
    ).dt.replace_time_zone("UTC")
    return pl.coalesce(with_offset, naive)


def read_contacts(path: Path) -> ContactFile:
    """The sightings of a contacts CSV, and every row it could not use with the reason."""
    return _read(path, str(path))


def parse_contacts(data: bytes, *, name: str) -> ContactFile:
    """`read_contacts` on a CSV held in memory (a request body); `name` stands for the
    file in error messages and in the `file` column of the rejected rows."""
    return _read(pa.BufferReader(data), name)


def _read(source: Path | pa.BufferReader, path: str) -> ContactFile:
    bad_rows: list[tuple[int, bytes, str]] = []

    def keep_bad_row(row: pacsv.InvalidRow) -> str:
        reason = f"{row.actual_columns} fields where the header has {row.expected_columns}"
        bad_rows.append((int(row.number or 0), (row.text or "").encode(), reason))
        return "skip"

    try:
        table = pacsv.read_csv(
            source,
            read_options=pacsv.ReadOptions(use_threads=False),  # so bad rows have line numbers
            parse_options=pacsv.ParseOptions(invalid_row_handler=keep_bad_row),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in CONTACTS.names},
                strings_can_be_null=True,
            ),
        )
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except pa.ArrowInvalid as exc:
        raise InputError(f"{path}: not a contacts CSV ({exc})") from None
    missing = [name for name in _REQUIRED if name not in table.column_names]
    if missing:
        raise InputError(
            f"{path}: no column {', '.join(missing)} (a contacts CSV has {', '.join(CONTACTS.names)})"
        )
    raw = pl.DataFrame(pl.from_arrow(table))
    for name in CONTACTS.names:
        if name not in raw.columns:
            raw = raw.with_columns(pl.lit(None, dtype=pl.String).alias(name))
    raw = raw.select(CONTACTS.names).with_row_index("_row")
    blank = {name: pl.col(name).str.strip_chars().replace("", None) for name in CONTACTS.names}
    parsed = raw.with_columns(
        **{f"_in_{name}": expr for name, expr in blank.items()},
    ).with_columns(
        pl.col("_in_ts").pipe(_timestamps).alias("ts"),
        *(pl.col(f"_in_{name}").cast(pl.Float64, strict=False).alias(name) for name in _NUMBERS),
        pl.col("_in_contact_id").alias("contact_id"),
    )
    parsed = parsed.with_columns(_problems().alias("_reason"))
    good = parsed.filter(pl.col("_reason").is_null()).select(CONTACTS.names)
    contacts = good.cast(_POLARS_CONTACTS).to_arrow().cast(CONTACTS)  # type: ignore[arg-type]
    bad = parsed.filter(pl.col("_reason").is_not_null())
    skipped = sorted(row for row, _, _ in bad_rows)
    rejected_rows = [
        (path, _line_of(index, skipped), _as_csv(row), reason)
        for index, row, reason in zip(
            bad["_row"].to_list(),
            raw.join(bad.select("_row"), on="_row").select(CONTACTS.names).iter_rows(),
            bad["_reason"].to_list(),
            strict=True,
        )
    ]
    rejected_rows += [(path, line, text, reason) for line, text, reason in bad_rows]
    rejected_rows.sort(key=lambda r: r[1])
    rejected = pa.table(
        {
            "file": pa.array([r[0] for r in rejected_rows], pa.string()),
            "line": pa.array([r[1] for r in rejected_rows], pa.int64()),
            "raw": pa.array([r[2] for r in rejected_rows], pa.binary()),
            "reason": pa.array([r[3] for r in rejected_rows], pa.string()),
        }
    ).cast(REJECTED)
    return ContactFile(contacts, rejected)


def _line_of(index: int, skipped: list[int]) -> int:
    """The file line of the `index`-th row read, past the header and the `skipped` lines."""
    line = index + 2
    for number in skipped:
        if number <= line:
            line += 1
    return line


def _as_csv(values: tuple[str | None, ...]) -> bytes:
    return ",".join("" if v is None else v for v in values).encode()
