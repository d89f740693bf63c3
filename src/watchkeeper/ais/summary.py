"""What happened to every line of an input, in words a watch officer can check.

The summary's line counts add up to the lines read: each line is decoded AIS, a
non-AIS line (other NMEA, an archive wrapper, a comment, a blank), or rejected
for one reason.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from watchkeeper.ais.decode import DecodeResult
from watchkeeper.ais.reasons import CATEGORIES, REASON_TEXT

__all__ = ["Summary", "summarize"]

_LABELS = {
    "ais": "AIS sentences decoded",
    "other_nmea": "other NMEA sentences (not AIS)",
    "wrapper": "archive wrappers (tag block or $PGHP lines)",
    "comment": "comments and headers",
    "blank": "blank lines",
}


@dataclass(frozen=True)
class Summary:
    """Lines by category, messages by type, and rows written per table."""

    lines: int
    line_counts: list[tuple[str, str, int]]  # (category, description, lines)
    message_types: dict[int, int]
    rows: dict[str, int]

    @property
    def adds_up(self) -> bool:
        return sum(n for _, _, n in self.line_counts) == self.lines


def summarize(result: DecodeResult, *, rows: dict[str, int] | None = None) -> Summary:
    """Summarise a decode (``rows`` overrides the table sizes, e.g. after de-duplication)."""
    counts: Counter[str] = result.counts
    line_counts = []
    for cat in CATEGORIES:
        if counts.get(cat):
            if cat.startswith("rejected:"):
                reason = cat.split(":", 1)[1]
                desc = f"rejected: {reason} ({REASON_TEXT.get(reason, reason)})"
            else:
                desc = _LABELS[cat]
            line_counts.append((cat, desc, counts[cat]))
    for cat in sorted(set(counts) - set(CATEGORIES)):  # reasons added by other readers
        line_counts.append((cat, cat.replace(":", ": ", 1), counts[cat]))
    tables = rows if rows is not None else {k: v.num_rows for k, v in result.tables().items()}
    return Summary(
        lines=result.lines,
        line_counts=line_counts,
        message_types=dict(sorted(result.message_types.items())),
        rows=tables,
    )
