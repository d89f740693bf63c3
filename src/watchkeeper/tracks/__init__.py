"""Tracks: the node's position archive and the latest picture built from it.

`Archive` stores decoded tables (`watchkeeper.schema`) as day-partitioned Parquet with
idempotent, crash-safe appends and answers queries with DuckDB; `LatestState` keeps
the latest picture in memory for a live node.
"""

from watchkeeper.tracks.archive import SCHEMAS, TABLES, UNKNOWN_DAY, Archive
from watchkeeper.tracks.latest import LATEST, POSITION_TYPES, BBox, LatestState, check_bbox

__all__ = [
    "LATEST",
    "POSITION_TYPES",
    "SCHEMAS",
    "TABLES",
    "UNKNOWN_DAY",
    "Archive",
    "BBox",
    "LatestState",
    "check_bbox",
]
