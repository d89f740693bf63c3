"""Opening input files: plain or gzipped, with one clear error for each way it fails."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import BinaryIO, Final

from watchkeeper.errors import InputError

__all__ = ["open_input", "skip_bytes"]

_READ_BYTES: Final = 16 * 1024 * 1024


def open_input(path: Path) -> BinaryIO:
    """Open an input for reading bytes, transparently gunzipping ``.gz`` files."""
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a directory, not a file")
    try:
        if path.suffix == ".gz":
            return gzip.open(path, "rb")  # type: ignore[return-value]
        return path.open("rb")
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from exc


def skip_bytes(fh: BinaryIO, n: int) -> int:
    """Skip ``n`` bytes of ``fh``; returns the lines skipped, so line numbers stay true."""
    lines = 0
    while n > 0:
        got = fh.read(min(n, _READ_BYTES))
        if not got:
            break
        lines += got.count(b"\n")
        n -= len(got)
    return lines
