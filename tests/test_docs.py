"""Reference pages stay complete: every rejection reason and line category is documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from watchkeeper.ais.reasons import CATEGORIES, REASON_TEXT, REASONS

DOC = Path(__file__).resolve().parents[1] / "docs" / "ais.md"


@pytest.mark.parametrize("reason", [r for r in REASONS if r])
def test_every_rejection_reason_is_documented(reason: str) -> None:
    assert f"| `{reason}` |" in DOC.read_text()


@pytest.mark.parametrize("reason", [r for r in REASONS if r])
def test_every_rejection_reason_has_a_description(reason: str) -> None:
    assert REASON_TEXT[reason]


@pytest.mark.parametrize("category", [c for c in CATEGORIES if not c.startswith("rejected:")])
def test_every_line_category_is_documented(category: str) -> None:
    assert f"| `{category}` |" in DOC.read_text()
