"""Every setting is documented, and the docs name no setting that does not exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from watchkeeper.settings import ENV_PREFIX, Settings

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "docs" / "settings.md", ROOT / "README.md"]


def _documented(path: Path) -> set[str]:
    """Environment variables that open a row of the document's tables."""
    text = path.read_text(encoding="utf-8")
    return set(re.findall(rf"^\|\s*`({ENV_PREFIX}[A-Z0-9_]+)`", text, flags=re.MULTILINE))


def _expected() -> set[str]:
    return {ENV_PREFIX + name.upper() for name in Settings.model_fields}


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_every_setting_is_documented(path: Path) -> None:
    missing = _expected() - _documented(path)
    assert not missing, f"{path.name} has no table row for {sorted(missing)}"


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_no_documented_setting_is_stale(path: Path) -> None:
    stale = _documented(path) - _expected() - {f"{ENV_PREFIX}CONFIG"}
    assert not stale, f"{path.name} documents settings that do not exist: {sorted(stale)}"


def test_every_setting_explains_itself() -> None:
    for name, field in Settings.model_fields.items():
        assert field.description, f"Settings.{name} has no description"
