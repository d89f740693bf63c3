"""Missing-migrant incidents from IOM's Missing Migrants Project, as points for a heatmap.

The node reads them at run time from a CSV it is pointed at (the `incidents_file`
setting), never from a copy in the repository; without a file it has no incidents and
says why (`Incidents.note`), and the picture simply has no heatmap.

IOM's exports changed their columns over the years; the reader knows three layouts, by
their real headers (`../shared/data/migration/SOURCES.md`):

- a curated extract (`iom_europe.csv`): `Main ID`, `incident_date_clean` (ISO date),
  `No. dead/missing`, `Route`, `Latitude`, `Longitude`;
- IOM's current download: `Main ID`, `Incident Date` (`"Thu, 01/01/2026 - 12:00"`,
  US month/day), `Number Dead` plus `Minimum Estimated Number of Missing`,
  `Migration route`, `Coordinates` (`"lat, lon"` in one cell);
- IOM's pre-2021 download: `Web ID`, `Reported Date` (`29-Oct-19`), `Total Dead and Missing`,
  `Migration Route`, `Location Coordinates` (`"lat, lon"`).

Missing values are `NA` or empty. Rows without a usable position are rejected and
counted, never silently dropped. The figures are IOM's minimum estimates; positions are
often approximate ("off the coast of..."), some rounded to whole degrees.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

import polars as pl

from watchkeeper.errors import InputError

__all__ = [
    "INCIDENT_COLUMNS",
    "SHARED_INCIDENTS_FILE",
    "Incidents",
    "find_incidents_file",
    "load_incidents",
    "read_incidents",
]

#: Where the shared IOM extract sits beside a checkout (`../shared/data/...`).
SHARED_INCIDENTS_FILE: Final = Path(
    "shared/data/migration/iom-mmp/giocopp-missing-migrants-count/iom_europe.csv"
)
#: Columns of the incidents table, in order.
INCIDENT_COLUMNS: Final = ("id", "date", "dead_missing", "route", "lat", "lon")
_SCHEMA: Final = {
    "id": pl.String,
    "date": pl.Date,
    "dead_missing": pl.Int64,
    "route": pl.String,
    "lat": pl.Float64,
    "lon": pl.Float64,
}
_NULLS: Final = ["NA", "", "N/A"]


@dataclass(frozen=True)
class Incidents:
    """Incidents (`INCIDENT_COLUMNS`), how many rows were rejected, and where they came from."""

    table: pl.DataFrame
    rejected: int = 0
    note: str = ""


def _number(column: str) -> pl.Expr:
    return pl.col(column).str.strip_chars().cast(pl.Float64, strict=False).cast(pl.Int64)


def _split_coordinates(column: str) -> tuple[pl.Expr, pl.Expr]:
    parts = pl.col(column).str.split(",")
    lat = parts.list.get(0, null_on_oob=True).str.strip_chars().cast(pl.Float64, strict=False)
    lon = parts.list.get(1, null_on_oob=True).str.strip_chars().cast(pl.Float64, strict=False)
    return lat, lon


def _layout(header: list[str], path: Path) -> list[pl.Expr]:
    """Expressions giving `INCIDENT_COLUMNS` from a frame of text columns, by layout."""
    have = set(header)
    if {"Main ID", "Latitude", "Longitude", "No. dead/missing"} <= have:
        lat = pl.col("Latitude").str.strip_chars().cast(pl.Float64, strict=False)
        lon = pl.col("Longitude").str.strip_chars().cast(pl.Float64, strict=False)
        date = pl.col("incident_date_clean" if "incident_date_clean" in have else "Incident date")
        return [
            pl.col("Main ID").alias("id"),
            date.str.to_date("%Y-%m-%d", strict=False).alias("date"),
            _number("No. dead/missing").alias("dead_missing"),
            pl.col("Route").alias("route") if "Route" in have else pl.lit(None, pl.String),
            lat.alias("lat"),
            lon.alias("lon"),
        ]
    if {"Main ID", "Coordinates", "Incident Date"} <= have:
        lat, lon = _split_coordinates("Coordinates")
        dead = _number("Number Dead").fill_null(0) + _number(
            "Minimum Estimated Number of Missing"
        ).fill_null(0)
        return [
            pl.col("Main ID").alias("id"),
            pl.col("Incident Date")
            .str.extract(r"(\d{2}/\d{2}/\d{4})")
            .str.to_date("%m/%d/%Y", strict=False)
            .alias("date"),
            dead.alias("dead_missing"),
            pl.col("Migration route").alias("route"),
            lat.alias("lat"),
            lon.alias("lon"),
        ]
    if {"Web ID", "Location Coordinates", "Reported Date"} <= have:
        lat, lon = _split_coordinates("Location Coordinates")
        return [
            pl.col("Web ID").alias("id"),
            pl.col("Reported Date").str.to_date("%d-%b-%y", strict=False).alias("date"),
            _number("Total Dead and Missing").alias("dead_missing"),
            pl.col("Migration Route").alias("route"),
            lat.alias("lat"),
            lon.alias("lon"),
        ]
    raise InputError(
        f"{path}: not an IOM Missing Migrants CSV (no Latitude/Longitude, Coordinates "
        "or Location Coordinates column)"
    )


def read_incidents(path: Path) -> Incidents:
    """The incidents of an IOM Missing Migrants CSV; rows without a position are rejected.

    Raises
    ------
    InputError
        When the file cannot be read or is not one of the known layouts.
    """
    try:
        raw = pl.read_csv(path, infer_schema=False, null_values=_NULLS, encoding="utf8-lossy")
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise InputError(f"{path}: cannot read as CSV ({exc})") from None
    frame = raw.select(_layout(raw.columns, path)).cast(_SCHEMA)  # type: ignore[arg-type]
    placed = (
        pl.col("lat").is_between(-90.0, 90.0)
        & pl.col("lon").is_between(-180.0, 180.0)
        & pl.col("lat").is_not_null()
        & pl.col("lon").is_not_null()
    )
    table = frame.filter(placed)
    rejected = frame.height - table.height
    note = f"{table.height} incidents from {path}, IOM Missing Migrants Project" + (
        f" ({rejected} rows without a position left out)" if rejected else ""
    )
    return Incidents(table, rejected, note)


def find_incidents_file(configured: Path | None, *, start: Path | None = None) -> Path | None:
    """The file to read: `configured`, else the shared IOM extract beside a checkout.

    Unset, it is looked for as `../shared/data/migration/iom-mmp/.../iom_europe.csv`
    from the working directory (`start`) and from the checkout this code runs from.
    """
    if configured is not None:
        return configured
    here = Path(__file__).resolve().parents[3]  # src/watchkeeper/geo/incidents.py -> checkout
    for base in (start or Path.cwd(), here):
        candidate = base.resolve().parent / SHARED_INCIDENTS_FILE
        if candidate.is_file():
            return candidate
    return None


def load_incidents(configured: Path | None, *, start: Path | None = None) -> Incidents:
    """The node's incidents, or none with a note saying why: never an error."""
    empty = pl.DataFrame(schema=_SCHEMA)
    path = find_incidents_file(configured, start=start)
    if path is None:
        return Incidents(
            empty,
            note=(
                "no incidents: no IOM Missing Migrants file found (set "
                f"WATCHKEEPER_INCIDENTS_FILE, or put it at ../{SHARED_INCIDENTS_FILE})"
            ),
        )
    if not path.is_file():
        return Incidents(
            empty, note=f"no incidents: {path} (WATCHKEEPER_INCIDENTS_FILE) does not exist"
        )
    try:
        return read_incidents(path)
    except InputError as exc:
        return Incidents(empty, note=f"no incidents: {exc}")
