"""Score events against ground truth: precision, recall, F1 and time to alert, per type.

A truth record and an event match when they have the same type, share a vessel (MMSI)
or a sensor track, and overlap in time (with `slack` either side, as a detector may
need a little data before or after to be sure). Truth the sensors could not see
(`details.observable` false) is left out. Time to alert is, for each matched truth
record, the earliest `detected` of its events minus the behaviour's start.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import polars as pl

__all__ = ["Score", "evaluate"]


@dataclass(frozen=True)
class Score:
    type: str
    truth: int
    events: int
    matched_truth: int
    matched_events: int
    median_alert_s: float | None

    @property
    def precision(self) -> float | None:
        return self.matched_events / self.events if self.events else None

    @property
    def recall(self) -> float | None:
        return self.matched_truth / self.truth if self.truth else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None:
            return None
        return 2 * p * r / (p + r) if p + r else 0.0


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def evaluate(
    truth: Iterable[Mapping[str, Any]],
    events: pl.DataFrame,
    *,
    slack: timedelta = timedelta(minutes=15),
) -> list[Score]:
    """One `Score` per type found in the truth or the events, in event-type order."""
    records = [t for t in truth if t.get("details", {}).get("observable", True)]
    rows = events.select("type", "mmsi", "contact_id", "start", "end", "detected").to_dicts()
    types = sorted({t["type"] for t in records} | {e["type"] for e in rows})
    scores = []
    for kind in types:
        wanted = [t for t in records if t["type"] == kind]
        found = [e for e in rows if e["type"] == kind]
        matched_events: set[int] = set()
        delays: list[float] = []
        for record in wanted:
            start, end = _time(record["start"]), _time(record["end"])
            vessels, tracks = set(record.get("mmsi") or []), set(record.get("contact_ids") or [])
            hits = [
                i
                for i, event in enumerate(found)
                if (vessels & set(event["mmsi"] or []) or tracks & set(event["contact_id"] or []))
                and event["start"] <= end + slack
                and (event["end"] or event["start"]) >= start - slack
            ]
            if hits:
                matched_events.update(hits)
                first = min(found[i]["detected"] or found[i]["start"] for i in hits)
                delays.append((first - start).total_seconds())
        scores.append(
            Score(
                type=kind,
                truth=len(wanted),
                events=len(found),
                matched_truth=len(delays),
                matched_events=len(matched_events),
                median_alert_s=statistics.median(delays) if delays else None,
            )
        )
    return scores
