"""The picture's message catalogs (`web/static/locales/*.json`): every language says
everything, with the same placeholders, in the plural forms its language needs.

A key added to one catalog and not the others fails here, as does a key the page asks
for (`t("...")` in its scripts, `data-i18n` in its HTML) that no catalog holds.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from watchkeeper.detect.events import EVENT_TYPES
from watchkeeper.web.routes import LOCALES_DIR, STATIC_DIR

LANGUAGES = ("en", "fr", "it", "ar")
#: CLDR plural categories each language distinguishes for cardinal numbers.
PLURAL_FORMS = {
    "en": {"one", "other"},
    "fr": {"one", "many", "other"},
    "it": {"one", "many", "other"},
    "ar": {"zero", "one", "two", "few", "many", "other"},
}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_ARABIC = re.compile(r"[\u0600-\u06ff]")


def _catalog(lang: str) -> dict[str, Any]:
    catalog: dict[str, Any] = json.loads((LOCALES_DIR / f"{lang}.json").read_text("utf-8"))
    return catalog


def _texts(entry: Any) -> list[str]:
    return [entry] if isinstance(entry, str) else list(entry.values())


def _placeholders(entry: Any) -> set[str]:
    return {name for text in _texts(entry) for name in _PLACEHOLDER.findall(text)}


def test_the_shipped_catalogs_are_the_four_languages() -> None:
    assert sorted(p.stem for p in LOCALES_DIR.glob("*.json")) == sorted(LANGUAGES)


@pytest.mark.parametrize("lang", LANGUAGES[1:])
def test_every_key_is_translated(lang: str) -> None:
    english, other = _catalog("en"), _catalog(lang)
    assert sorted(set(english) - set(other)) == [], f"missing in {lang}.json"
    assert sorted(set(other) - set(english)) == [], f"in {lang}.json but not in en.json"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_messages_keep_their_placeholders_and_plural_forms(lang: str) -> None:
    english = _catalog("en")
    for key, entry in _catalog(lang).items():
        assert all(text.strip() for text in _texts(entry)), f"{lang}: {key} is empty"
        assert _placeholders(entry) == _placeholders(english[key]), f"{lang}: {key}"
        if isinstance(entry, dict):
            assert set(entry) == PLURAL_FORMS[lang], f"{lang}: plural forms of {key}"
            assert "count" in _placeholders(english[key]), key
        else:
            assert isinstance(english[key], str), f"{lang}: {key} needs plural forms"


def test_arabic_is_written_in_arabic() -> None:
    english = _catalog("en")
    same = [
        key
        for key, entry in _catalog("ar").items()
        if not any(_ARABIC.search(text) for text in _texts(entry)) and entry != english[key]
    ]
    assert same == []
    # Only identifiers, formats and acronyms may read the same as in English.
    untranslated = {k for k, v in _catalog("ar").items() if v == english[k]}
    assert all(re.fullmatch(r"[A-Za-z0-9 {}()·°–-]+", str(english[k])) for k in untranslated)


def test_every_event_type_and_alert_status_has_a_name() -> None:
    english = _catalog("en")
    for event_type in EVENT_TYPES:
        assert f"alert.type.{event_type}" in english
    for status in ("new", "acknowledged", "assigned", "closed", "retracted"):
        assert f"alert.status.{status}" in english


def test_every_key_the_page_asks_for_exists() -> None:
    english = _catalog("en")
    page = (STATIC_DIR.parent / "picture.html").read_text("utf-8")
    asked = set(re.findall(r'data-i18n="([\w.]+)"', page))
    for attrs in re.findall(r'data-i18n-attr="([^"]+)"', page):
        asked |= {pair.split(":")[1].strip() for pair in attrs.split(";")}
    for script in STATIC_DIR.glob("*.js"):
        text = script.read_text("utf-8")
        asked |= set(re.findall(r'\bt\(\s*"([\w.]+)"', text))
        asked |= set(re.findall(r'\bkey:\s*"([\w.]+)"', text))
    assert asked, "found no keys: the pattern above is out of date"
    assert sorted(asked - set(english)) == []
