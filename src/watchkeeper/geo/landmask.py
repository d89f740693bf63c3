"""A land mask from GSHHG, built at install time and answered with one array lookup.

`build_land_mask` asks GMT (`grdlandmask`, Debian packages `gmt` and
`gmt-gshhg-full`) to classify every cell of a grid over the region as land or
water from GSHHG's full-resolution shorelines (lakes count as water, islands in
lakes as land) and stores the grid bit-packed. `LandMask.is_land` then answers
millions of points per second with array indexing, which is what the simulator
(keeping ships on water, people on land) and the detectors (positions on land)
need on their hot paths.

The default grid is 15 arc-seconds (about 460 m north-south, 380 m east-west at
35° N) over 30° W–45° E, 0–50° N: the partners' seas and borders (Mediterranean,
the Atlantic coast to Senegal, the Canaries). A point is judged by the cell it
falls in, so answers within about half a cell of a shoreline can go either way;
islets smaller than a cell may be missed. Outside the grid nothing is land.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt

from watchkeeper.errors import ConfigError

__all__ = ["DEFAULT_CELL_S", "DEFAULT_REGION", "LandMask", "build_land_mask", "land_mask"]

FILE_NAME: Final = "land-mask.npz"
DEFAULT_REGION: Final = (-30.0, 45.0, 0.0, 50.0)  # west, east, south, north
DEFAULT_CELL_S: Final = 15  # arc-seconds
_PACKAGES: Final = "gmt gmt-gshhg-full"


@dataclass(frozen=True)
class LandMask:
    """A bit-packed land/water grid, rows from north to south, cells of `cell` degrees."""

    bits: npt.NDArray[np.uint8]  # (rows, ceil(cols / 8)), np.packbits of the land flags
    west: float
    north: float
    cell: float
    rows: int
    cols: int
    source: str

    @classmethod
    def load(cls, geo_dir: Path) -> LandMask:
        """Read the mask `watchkeeper geo build` wrote in `geo_dir`."""
        path = geo_dir / FILE_NAME
        try:
            with np.load(path) as f:
                meta = json.loads(bytes(f["meta"]).decode())
                return cls(
                    f["bits"],
                    meta["west"],
                    meta["north"],
                    meta["cell"],
                    meta["rows"],
                    meta["cols"],
                    meta["source"],
                )
        except FileNotFoundError:
            raise ConfigError(
                f"no land mask in {geo_dir}: run `watchkeeper geo build` (make install does)"
            ) from None
        except (OSError, ValueError, KeyError) as exc:
            raise ConfigError(
                f"{path}: unreadable land mask ({exc}): rebuild with `watchkeeper geo build`"
            ) from None

    @property
    def region(self) -> tuple[float, float, float, float]:
        """(west, east, south, north) the mask covers."""
        return (
            self.west,
            self.west + self.cols * self.cell,
            self.north - self.rows * self.cell,
            self.north,
        )

    def is_land(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> npt.NDArray[np.bool_]:
        """True where a point falls in a land cell; False at sea and outside the grid."""
        la = np.asarray(lat, np.float64)
        lo = np.asarray(lon, np.float64)
        row = np.floor((self.north - la) / self.cell)
        col = np.floor((lo - self.west) / self.cell)
        inside = (row >= 0) & (row < self.rows) & (col >= 0) & (col < self.cols)
        r = np.where(inside, row, 0).astype(np.int64)
        c = np.where(inside, col, 0).astype(np.int64)
        byte = self.bits[r, c >> 3]
        land = (byte >> (7 - (c & 7))) & 1
        return np.asarray(inside & (land == 1), np.bool_)


@cache
def land_mask(geo_dir: Path) -> LandMask:
    """The mask of `geo_dir`, loaded once per process."""
    return LandMask.load(geo_dir)


def build_land_mask(
    geo_dir: Path,
    region: tuple[float, float, float, float] = DEFAULT_REGION,
    cell_s: int = DEFAULT_CELL_S,
    resolution: str = "f",
) -> Path:
    """Classify the region's cells with GMT from GSHHG and write the mask; returns its path."""
    gmt = shutil.which("gmt")
    if gmt is None:
        raise ConfigError(f"GMT is not installed: install the Debian packages {_PACKAGES}")
    west, east, south, north = region
    if not (west < east and south < north):
        raise ConfigError(f"region {region}: expected west < east and south < north")
    geo_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="wk-geo-") as tmp:
        grid = Path(tmp) / "land.nc"
        raw = Path(tmp) / "land.u8"
        _gmt(
            gmt,
            "grdlandmask",
            f"-R{west}/{east}/{south}/{north}",
            f"-I{cell_s}s",
            f"-D{resolution}",
            "-N0/1/0/1/0",
            "-r",
            f"-G{grid}",
            cwd=Path(tmp),
        )
        with raw.open("wb") as out:
            _gmt(gmt, "grd2xyz", str(grid), "-ZTLc", cwd=Path(tmp), stdout=out)
        cell = cell_s / 3600.0
        cols = round((east - west) / cell)
        rows = round((north - south) / cell)
        flags = np.fromfile(raw, np.uint8)
        if flags.size != rows * cols:
            raise ConfigError(f"GMT wrote {flags.size} cells, expected {rows} x {cols}")
        bits = np.packbits(flags.reshape(rows, cols).astype(bool), axis=1)
    version = subprocess.run(
        [gmt, "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    meta = {
        "west": west,
        "north": north,
        "cell": cell,
        "rows": rows,
        "cols": cols,
        "source": f"GSHHG via GMT {version} grdlandmask -D{resolution}, {cell_s} arc-seconds",
    }
    final = geo_dir / FILE_NAME
    part = geo_dir / (FILE_NAME + ".part.npz")
    np.savez_compressed(part, bits=bits, meta=np.frombuffer(json.dumps(meta).encode(), np.uint8))
    part.replace(final)
    land_mask.cache_clear()
    return final


def _gmt(gmt: str, *args: str, cwd: Path, stdout: object = None) -> None:
    """Run one GMT module in `cwd` (GMT leaves a `gmt.history` file where it runs)."""
    result = subprocess.run(  # type: ignore[call-overload]
        [gmt, *args], stdout=stdout or subprocess.PIPE, stderr=subprocess.PIPE, check=False, cwd=cwd
    )
    if result.returncode != 0:
        message = result.stderr.decode(errors="replace").strip().splitlines()
        raise ConfigError(
            f"gmt {args[0]} failed: {message[-1] if message else result.returncode}"
            f" (are the Debian packages {_PACKAGES} installed?)"
        )
