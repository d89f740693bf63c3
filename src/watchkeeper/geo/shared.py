"""Reference files a node may read from the project's shared data folder.

A node is told where its reference files are (settings); unset, a development
checkout finds the shared data folder that sits beside it (`../shared/data/...`),
the way the project's tests do, so a node started from a checkout has ports and
incidents without any configuration. Nothing from that folder is copied in.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["find_reference_file"]

_CHECKOUT = Path(__file__).resolve().parents[3]  # src/watchkeeper/geo/shared.py -> checkout


def find_reference_file(
    configured: Path | None, shared: Path, *, start: Path | None = None
) -> Path | None:
    """`configured`, else `shared` (a path under the shared folder's parent) beside the
    working directory (`start`) or beside the checkout this code runs from; else None."""
    if configured is not None:
        return configured
    for base in (start or Path.cwd(), _CHECKOUT):
        candidate = base.resolve().parent / shared
        if candidate.is_file():
            return candidate
    return None
