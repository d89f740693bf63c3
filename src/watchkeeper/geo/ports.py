"""Ports from the World Port Index (NGA Pub. 150): where vessels are expected to stop.

Detectors discount behaviour near a port (encounters, loitering, gaps at berth), so
the node needs every port's position and a fast "how far is the nearest port".

The index is read at run time from a file the node is pointed at (the `ports_file`
setting), never copied into the repository: NGA's CSV export, UTF-8 with a byte-order
mark, 109 columns of which the node keeps `World Port Index Number`, `Main Port Name`,
`UN/LOCODE` (written `TN TUN`; kept as `TNTUN`; null for ~460 ports, and for the
few where it is not five letters or digits), `Country Code`
(a country *name*) and the last two, `Latitude` and `Longitude`. A row that cannot be a
port (no name, a position that is not a number or out of range) is rejected with a
reason naming its line, and the others are kept. Without a file the node has no ports
and says so (`Ports.note`); it never stops for it.

The WPI lists commercial ports only: small harbours boats leave from (Zuwara,
Sabratha, Chebba) are not in it; administrators add them as zones.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl
from scipy.spatial import cKDTree

from watchkeeper.errors import InputError
from watchkeeper.geo.shared import find_reference_file
from watchkeeper.geo.sphere import chord_to_m, m_to_chord, unit_vectors

__all__ = [
    "PORT_COLUMNS",
    "SHARED_PORTS_FILE",
    "Ports",
    "find_ports_file",
    "load_ports",
    "read_ports",
]

#: Where the shared World Port Index sits beside a checkout (`../shared/data/...`).
SHARED_PORTS_FILE: Final = Path("shared/data/geo/ports/nga-wpi/UpdatedPub150.csv")
_COLUMNS: Final = {
    "wpi_number": "World Port Index Number",
    "name": "Main Port Name",
    "unlocode": "UN/LOCODE",
    "country": "Country Code",
    "lat": "Latitude",
    "lon": "Longitude",
}
#: Columns of the ports table, in order.
PORT_COLUMNS: Final = tuple(_COLUMNS)
_SCHEMA: Final = {
    "wpi_number": pl.Int64,
    "name": pl.String,
    "unlocode": pl.String,
    "country": pl.String,
    "lat": pl.Float64,
    "lon": pl.Float64,
}


@dataclass(frozen=True)
class Ports:
    """The ports a node knows, with a k-d tree for nearest-port questions.

    `table` has `PORT_COLUMNS` (positions in degrees); `rejected` lists the rows left
    out, each naming its line and why; `note` says where the ports came from, or why
    there are none.
    """

    table: pl.DataFrame
    rejected: list[str] = field(default_factory=list)
    note: str = ""
    _tree: cKDTree | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Index the ports' unit vectors (nearest by great circle, `watchkeeper.geo.sphere`)."""
        tree = None
        if self.table.height:
            tree = cKDTree(unit_vectors(self.table["lat"].to_numpy(), self.table["lon"].to_numpy()))
        object.__setattr__(self, "_tree", tree)

    def __len__(self) -> int:
        """Number of ports."""
        return self.table.height

    def nearest_port(
        self, lat: npt.ArrayLike, lon: npt.ArrayLike
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
        """Great-circle metres to the nearest port and its row in `table`, for each point.

        Vectorised (`lat`, `lon` in degrees broadcast together). Without ports, or for
        NaN positions, the distance is inf and the row -1.
        """
        la, lo = np.broadcast_arrays(np.asarray(lat, np.float64), np.asarray(lon, np.float64))
        distance = np.full(la.shape, np.inf)
        row = np.full(la.shape, -1, np.int64)
        ok = np.isfinite(la) & np.isfinite(lo)
        if self._tree is None or not ok.any():
            return distance, row
        chord, index = self._tree.query(unit_vectors(la[ok], lo[ok]), workers=-1)
        distance[ok] = chord_to_m(chord)
        row[ok] = index
        return distance, row

    def distance_to_port_m(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Great-circle metres to the nearest port (inf without ports); see `nearest_port`."""
        return self.nearest_port(lat, lon)[0]

    def ports_near(self, lat: float, lon: float, radius_m: float) -> pl.DataFrame:
        """The ports within `radius_m` of one point, nearest first, with `distance_m`."""
        empty = self.table.clear().with_columns(distance_m=pl.lit(None, pl.Float64))
        if self._tree is None or not (math.isfinite(lat) and math.isfinite(lon)):
            return empty
        centre = unit_vectors([lat], [lon])[0]
        rows = self._tree.query_ball_point(centre, float(m_to_chord(radius_m)))
        if not rows:
            return empty
        picked = self.table[sorted(rows)]
        chord = np.linalg.norm(
            unit_vectors(picked["lat"].to_numpy(), picked["lon"].to_numpy()) - centre, axis=1
        )
        return picked.with_columns(distance_m=pl.Series(chord_to_m(chord))).sort("distance_m")


def read_ports(path: Path) -> Ports:
    """The ports of a World Port Index CSV, with the rows rejected and why.

    Raises
    ------
    InputError
        When the file cannot be read, or lacks a column the node needs.
    """
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                raise InputError(f"{path}: empty file, not a World Port Index CSV")
            missing = [c for c in _COLUMNS.values() if c not in header]
            if missing:
                raise InputError(
                    f"{path}: not a World Port Index CSV (no column {', '.join(missing)})"
                )
            at = {key: header.index(column) for key, column in _COLUMNS.items()}
            rows: list[tuple[int | None, str, str | None, str, float, float]] = []
            rejected: list[str] = []
            for line, record in enumerate(reader, start=2):
                port, why = _port(record, at, len(header))
                if port is None:
                    rejected.append(f"{path}: line {line}: {why}")
                else:
                    rows.append(port)
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{path}: not a UTF-8 CSV ({exc})") from None
    table = pl.DataFrame(rows, schema=_SCHEMA, orient="row")
    note = f"{table.height} ports from {path}" + (
        f" ({len(rejected)} rows rejected)" if rejected else ""
    )
    return Ports(table, rejected, note)


def find_ports_file(configured: Path | None, *, start: Path | None = None) -> Path | None:
    """The World Port Index file to read: `configured`, else the shared one beside a checkout.

    Unset, it is looked for as `../shared/data/geo/ports/nga-wpi/UpdatedPub150.csv`
    from the working directory (`start`) and from the checkout this code runs from.
    """
    return find_reference_file(configured, SHARED_PORTS_FILE, start=start)


def load_ports(configured: Path | None, *, start: Path | None = None) -> Ports:
    """The node's ports, or none with a note saying why: never an error.

    A missing or unreadable file leaves the node without ports (detectors then treat
    no position as near a port), which is worse than having them but no reason to stop.
    """
    empty = pl.DataFrame(schema=_SCHEMA)
    path = find_ports_file(configured, start=start)
    if path is None:
        return Ports(
            empty,
            note=(
                "no ports: no World Port Index found (set WATCHKEEPER_PORTS_FILE to "
                f"UpdatedPub150.csv, or put it at ../{SHARED_PORTS_FILE})"
            ),
        )
    if not path.is_file():
        return Ports(empty, note=f"no ports: {path} (WATCHKEEPER_PORTS_FILE) does not exist")
    try:
        return read_ports(path)
    except InputError as exc:
        return Ports(empty, note=f"no ports: {exc}")


def _port(
    record: list[str], at: dict[str, int], width: int
) -> tuple[tuple[int | None, str, str | None, str, float, float] | None, str]:
    """One row as a port, or None and why not."""
    if len(record) != width:
        return None, f"{len(record)} fields, the header has {width}"
    name = record[at["name"]].strip()
    if not name:
        return None, "no port name"
    try:
        lat = float(record[at["lat"]])
        lon = float(record[at["lon"]])
    except ValueError:
        return None, (
            f"{name}: position {record[at['lat']]!r}, {record[at['lon']]!r} is not two numbers"
        )
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        return None, f"{name}: position {lat}, {lon} is outside -90..90, -180..180"
    number_text = record[at["wpi_number"]].strip()
    try:
        number = int(float(number_text)) if number_text else None
    except ValueError:
        return None, f"{name}: World Port Index Number {number_text!r} is not a number"
    locode = record[at["unlocode"]].replace(" ", "").upper() or None
    if locode is not None and (len(locode) != 5 or not locode.isalnum()):
        locode = None  # a few rows have a country code alone ('LB'): the port still counts
    return (number, name, locode, record[at["country"]].strip(), lat, lon), ""
