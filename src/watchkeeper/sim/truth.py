"""Ground truth: one record per behaviour the simulator injected.

The truth file is what detectors are scored against (`watchkeeper evaluate`), so a
record names everything a detector could match on: the event type (the shared
names of `scenario.BEHAVIOURS`), the vessels (`mmsi`) or sensor tracks
(`contact_ids`) involved, when it started and ended, and where it happened.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["TruthEvent", "iso_ms", "read_truth", "write_truth"]


def iso_ms(ms: int) -> str:
    """A UTC time in milliseconds as ISO 8601 with a `Z` (what the truth file holds)."""
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


@dataclass
class TruthEvent:
    """One injected behaviour. Times are UTC milliseconds; positions are (ms, lat, lon)."""

    type: str
    start: int
    end: int
    mmsi: list[int] = field(default_factory=list)
    contact_ids: list[str] = field(default_factory=list)
    positions: list[tuple[int, float, float]] = field(default_factory=list)
    distress: bool = False
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self, event_id: str) -> dict[str, Any]:
        """The record as written: ISO times, positions as objects, ids as given."""
        return {
            "event_id": event_id,
            "type": self.type,
            "start": iso_ms(self.start),
            "end": iso_ms(self.end),
            "mmsi": self.mmsi,
            "contact_ids": self.contact_ids,
            "distress": self.distress,
            "positions": [
                {"ts": iso_ms(t), "lat": round(lat, 6), "lon": round(lon, 6)}
                for t, lat, lon in self.positions
            ],
            "details": self.details,
        }


def write_truth(path: Path, events: Iterable[TruthEvent]) -> int:
    """Write events sorted by start then type, numbered in that order; returns how many."""
    ordered = sorted(events, key=lambda e: (e.start, e.type, e.mmsi, e.contact_ids))
    with path.open("w", encoding="utf-8") as f:
        for i, event in enumerate(ordered, 1):
            record = event.to_json(f"{event.type}-{i:05d}")
            f.write(json.dumps(record, ensure_ascii=False, sort_keys=False) + "\n")
    return len(ordered)


def read_truth(path: Path) -> list[dict[str, Any]]:
    """The records of a truth file, as written."""
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]
