"""Every detector threshold is in docs/detection.md, with its default, and explains itself."""

from __future__ import annotations

import re
from pathlib import Path

from watchkeeper.detect.thresholds import Thresholds

DOC = Path(__file__).resolve().parents[2] / "docs" / "detection.md"


def test_every_threshold_is_documented_with_its_default() -> None:
    rows = dict(
        re.findall(r"^\| `([a-z_]+)` \| `([^`]*)` \|", DOC.read_text("utf-8"), flags=re.MULTILINE)
    )
    for name, field in Thresholds.model_fields.items():
        assert name in rows, f"docs/detection.md has no row for {name}"
        assert rows[name] == str(field.default), (
            f"{name}: documented {rows[name]}, default {field.default}"
        )
    assert set(rows) <= set(Thresholds.model_fields) | {
        "event_id",
        "type",
        "mmsi",
        "start",
        "detected",
        "lat",
        "score",
        "priority",
        "distress",
        "evidence",
    }


def test_every_threshold_says_why() -> None:
    for name, field in Thresholds.model_fields.items():
        assert field.description, name
        assert len(field.description) > 40, name
