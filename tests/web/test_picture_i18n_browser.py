"""The picture's dossier, search, alert handling and languages, in a real browser.

Same set-up as `test_picture_browser.py` (whose fixtures and waits this module reuses:
a real node fed by the simulator, Debian's chromium, the real login form), and the
same rules: assert on the DOM and on what the map rendered, never on pixels; waits are
bounded only so that a broken page fails instead of hanging.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

from test_picture_browser import (  # type: ignore[import-not-found]
    Node,
    Page,
    _wait,
    _wait_page,
    node,
    page,
)

from watchkeeper.testing import make_events
from watchkeeper.web.routes import LOCALES_DIR
from watchkeeper.web.style import VESSEL_LAYER

__all__ = ["node", "page"]  # fixtures, used by name


def _named_vessels(node: Node) -> dict[int, str]:
    """MMSI to name of the vessels whose name the node has heard."""
    return {v["mmsi"]: v["name"] for v in node.app.state.latest.snapshot().to_pylist() if v["name"]}


def _with_a_track(node: Node, mmsi: int) -> bool:
    """Whether the archive already holds two fixes of `mmsi`: a line the dossier can draw.

    The dossier reads the track once, when it opens; a vessel heard once since the node
    started has none, however long the test then waits.
    """
    return bool(node.app.state.archive.track(mmsi).num_rows >= 2)


def _audit(node: Node, action: str) -> list[tuple[str, str, str | None]]:
    accounts = node.app.state.accounts
    with accounts.db.transaction() as session:
        return [
            (entry.actor, entry.object_id, entry.justification)
            for entry in accounts.audit.entries(session)
            if entry.action == action
        ]


# A vessel drawn alone (nothing else within 14 px), inside the canvas and clear of the
# controls in its corners, among `candidates`: its MMSI and page coordinates.
_ALONE = """(candidates) => {
  const map = window.__map, layer = "VESSEL_LAYER";
  if (!window.__picture.idle || map.isMoving()) return null;
  const canvas = map.getCanvas().getBoundingClientRect();
  const drawn = map.queryRenderedFeatures({layers: [layer]});
  const points = drawn.map((f) => [f.properties.mmsi, map.project(f.geometry.coordinates)]);
  for (const [mmsi, p] of points) {
    if (!candidates.includes(mmsi)) continue;
    if (p.x < 80 || p.y < 80 || p.x > canvas.width - 80 || p.y > canvas.height - 80) continue;
    const near = points.filter(([m, q]) => m !== mmsi && Math.hypot(q.x - p.x, q.y - p.y) < 14);
    const x = canvas.left + p.x, y = canvas.top + p.y;
    // Not under a panel or popup laid over the map.
    if (document.elementFromPoint(x, y) !== map.getCanvas()) continue;
    if (near.length === 0) return {mmsi, x, y};
  }
  return null;
}""".replace("VESSEL_LAYER", VESSEL_LAYER)


_DOSSIER_STATE = "document.querySelector('#dossier').dataset.state ?? 'closed'"


def test_clicking_a_vessel_opens_its_dossier(page: Page, node: Node) -> None:
    clicked: list[int] = []

    def click_one_drawn_alone() -> bool:
        """Click a named vessel drawn on its own; whether its dossier opened.

        Live vessels keep moving and redrawing between the look and the click, so on a
        loaded machine a click can land beside its vessel: look again and click again,
        as an officer would.
        """
        named = [m for m in _named_vessels(node) if _with_a_track(node, m)]
        spot = page.evaluate(_ALONE, named)
        if not spot:
            return False
        page.mouse.click(spot["x"], spot["y"])
        clicked.append(spot["mmsi"])
        missed = time.monotonic() + 10  # nothing loading by then: the click missed
        while (state := page.evaluate(_DOSSIER_STATE)) in ("loading", "closed"):
            if state == "closed" and time.monotonic() > missed:
                return False
            time.sleep(0.1)
        assert state == "open", f"the dossier of {spot['mmsi']} is {state}"
        return True

    _wait(click_one_drawn_alone, "a named vessel drawn on its own, and its dossier")
    mmsi = clicked[-1]
    assert page.get_attribute("#dossier", "data-mmsi") == str(mmsi)
    assert page.is_visible("#dossier")
    assert page.text_content("#dossier-mmsi") == str(mmsi)
    assert page.get_attribute("#dossier-mmsi", "dir") == "ltr"
    _wait(lambda: page.text_content("#dossier-name") != "", "the name")
    assert (page.text_content("#dossier-name") or "").strip() == _named_vessels(node)[mmsi]
    names = page.eval_on_selector_all(
        "#dossier .history li[data-field='name'] bdi", "els => els.map((e) => e.textContent)"
    )
    assert _named_vessels(node)[mmsi] in names
    # Its recent track is drawn on the map, under the vessels (zoomed in: a slow boat's
    # last hours may be shorter than a pixel at the picture's first zoom).
    page.evaluate(
        f"window.__map.jumpTo({{center: window.__picture.feed.positions.get({mmsi}), zoom: 13}})"
    )
    drawn = _wait_page(
        page,
        # Not "idle": on a loaded machine the live vessels keep the map busy for minutes;
        # the rendered features are those of the last frame drawn, which is enough here.
        """window.__map.queryRenderedFeatures({layers: ['dossier-track']})
            .map((f) => f.properties.mmsi)""",
        "the recent track drawn",
    )
    assert set(drawn) == {mmsi}
    layers = page.evaluate("window.__map.getStyle().layers.map((l) => l.id)")
    assert layers.index("dossier-track") < layers.index(VESSEL_LAYER)
    assert _audit(node, "vessel.dossier")[-1][:2] == ("amira", str(mmsi))

    # Escape closes it and takes the track off the map.
    page.keyboard.press("Escape")
    _wait_page(page, "document.querySelector('#dossier').hidden", "the dossier closed")
    _wait_page(
        page,
        "window.__map.queryRenderedFeatures({layers: ['dossier-track']}).length === 0",
        "the track gone",
    )


def _choose_from_search(page: Page, text: str, mmsi: int, *, keyboard: bool) -> None:
    page.fill("#search-input", text)
    # Results of the text typed (those of an earlier search stay in the hidden list).
    hit = f"#search-results:not([hidden]) li[data-mmsi='{mmsi}']"
    _wait_page(page, f'!!document.querySelector("{hit}")', f"{mmsi} found by {text!r}")
    if keyboard:
        index = int(page.get_attribute(hit, "data-index") or 0)
        page.focus("#search-input")
        for _ in range(index + 1):
            page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
    else:
        page.click(hit)
    _wait_page(
        page,
        f"""(() => {{
          const d = document.querySelector('#dossier');
          return d.dataset.state === 'open' && d.dataset.mmsi === '{mmsi}';
        }})()""",
        f"the dossier of {mmsi}",
    )


def test_search_by_name_and_by_mmsi_flies_to_the_vessel(page: Page, node: Node) -> None:
    named = _named_vessels(node)
    mmsi, name = sorted(named.items())[len(named) // 2]
    _choose_from_search(page, name.lower(), mmsi, keyboard=False)
    assert (page.text_content("#dossier-name") or "").strip() == name
    # The map flew to it: the vessel is drawn near the middle of the view.
    _wait_page(
        page,
        f"""(() => {{
          const map = window.__map;
          if (map.isMoving() || !window.__picture.idle) return false;
          const where = window.__picture.feed.positions.get({mmsi});
          const c = map.getCenter();
          return Math.abs(c.lng - where[0]) < 0.05 && Math.abs(c.lat - where[1]) < 0.05;
        }})()""",
        "the map centred on the vessel",
    )
    page.keyboard.press("Escape")
    _choose_from_search(page, str(mmsi), mmsi, keyboard=True)
    assert page.text_content("#dossier-mmsi") == str(mmsi)
    searches = [actor for actor, _, _ in _audit(node, "vessel.search")]
    assert searches.count("amira") >= 2  # each search is audited


def test_a_watch_officer_acknowledges_a_distress_alert(page: Page, node: Node) -> None:
    alerts = node.app.state.alerts
    vessel = node.app.state.latest.snapshot().to_pylist()[0]
    alerts.ingest(
        make_events(
            [
                {
                    "type": "ais_gap",
                    "mmsi": [vessel["mmsi"]],
                    "start": "2026-07-15T02:00:00Z",
                    "score": 0.9,
                    "lat": vessel["lat"],
                    "lon": vessel["lon"],
                },
                {
                    "type": "distress_beacon",
                    "mmsi": [970054321],
                    "start": "2026-07-15T01:00:00Z",
                    "score": 1.0,
                    "lat": vessel["lat"] + 0.02,
                    "lon": vessel["lon"] + 0.02,
                },
            ]
        )
    )
    [distress] = [a for a in alerts.list() if a.distress and 970054321 in a.mmsi]
    item = f'#alerts li[data-alert-id="{distress.id}"]'
    _wait_page(page, f"!!document.querySelector('{item}')", "the distress alert listed")
    assert page.get_attribute(item, "data-status") == "new"
    page.click(item)
    panel = "#alert-actions"
    _wait_page(
        page,
        f"!document.querySelector('{panel}').hidden"
        f" && document.querySelector('{panel}').dataset.alertId === '{distress.id}'",
        "the handling panel for it",
    )
    page.fill("#alert-note", "MRCC informed")
    page.click(f"{panel} button[data-action=acknowledge]")
    _wait_page(
        page,
        f"document.querySelector('{item}')?.dataset.status === 'acknowledged'",
        "the new state",
    )
    assert page.get_attribute(panel, "data-status") == "acknowledged"
    assert page.is_disabled(f"{panel} button[data-action=acknowledge]")
    # Still first in the list, drawn on top: distress stays first whatever its state.
    first = page.eval_on_selector("#alerts li", "li => li.dataset.alertId")
    assert first == str(distress.id)
    # The node and its audit trail agree with the page.
    view = alerts.get(distress.id)
    assert view.status == "acknowledged"
    assert [(h.actor, h.action, h.note) for h in view.history][-1] == (
        "amira",
        "acknowledged",
        "MRCC informed",
    )
    assert ("amira", str(distress.id), "MRCC informed") in _audit(node, "alert.acknowledge")

    # Closing without a note is refused on the page, before asking the node.
    page.click(f"{panel} button[data-action=close]")
    assert page.text_content("#alert-actions-message") != ""
    assert alerts.get(distress.id).status == "acknowledged"


def test_arabic_lays_the_page_out_right_to_left_but_identifiers_left_to_right(
    page: Page, node: Node
) -> None:
    vessel = node.app.state.latest.snapshot().to_pylist()[0]
    node.app.state.alerts.ingest(
        make_events(
            [
                {
                    "type": "loitering",
                    "mmsi": [vessel["mmsi"]],
                    "start": "2026-07-15T03:00:00Z",
                    "score": 0.7,
                    "lat": vessel["lat"],
                    "lon": vessel["lon"],
                }
            ]
        )
    )
    _wait_page(page, "document.querySelectorAll('#alerts li').length > 0", "an alert listed")
    html = "document.documentElement"
    assert page.evaluate(f"[{html}.lang, {html}.dir]") == ["en", "ltr"]
    assert page.text_content("#alerts-title [data-i18n]") == "Alerts"

    page.select_option("#language", "ar")
    _wait_page(page, f"{html}.dir === 'rtl'", "the page right to left")
    assert page.evaluate(f"{html}.lang") == "ar"
    assert page.text_content("#alerts-title [data-i18n]") == "التنبيهات"
    assert page.text_content("button#logout") == "تسجيل الخروج"
    _wait(lambda: "آخر تحديث" in (page.text_content("#status") or ""), "the status in Arabic")
    # Identifiers stay left to right inside the Arabic page, and so does the map.
    mmsi = page.locator("#alerts li .meta.ltr").first
    assert mmsi.get_attribute("dir") == "ltr"
    assert "MMSI" in (mmsi.text_content() or "")
    assert mmsi.evaluate("e => getComputedStyle(e).direction") == "ltr"
    assert page.evaluate("getComputedStyle(document.getElementById('map')).direction") == "ltr"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    # The alerts now sit on the left of the map, mirrored by the logical properties.
    aside_x = page.evaluate("document.querySelector('aside').getBoundingClientRect().x")
    map_x = page.evaluate("document.getElementById('map').getBoundingClientRect().x")
    assert aside_x < map_x
    assert page.text_content("#alerts li .type") != ""
    assert not any(
        key in (page.text_content("#alerts") or "") for key in ("alert.type.", "alert.status.")
    )

    # Remembered for this user: a reload stays in Arabic.
    page.reload()
    _wait_page(page, "window.__picture?.ready", "the picture again")
    _wait_page(page, f"{html}.dir === 'rtl' && {html}.lang === 'ar'", "Arabic remembered")

    page.select_option("#language", "en")
    _wait_page(page, f"{html}.dir === 'ltr' && {html}.lang === 'en'", "back to English")
    assert page.text_content("#alerts-title [data-i18n]") == "Alerts"


def _catalog(lang: str) -> dict[str, Any]:
    catalog: dict[str, Any] = json.loads((LOCALES_DIR / f"{lang}.json").read_text("utf-8"))
    return catalog


_ARABIC = re.compile(r"[\u0600-\u06ff]")

# The words of the replay bar, the layer switcher and the areas panel, in one evaluation.
_TOOL_WORDS = """(() => {
  const text = (selector) => document.querySelector(selector)?.textContent.trim() ?? null;
  const all = (selector) => [...document.querySelectorAll(selector)].map((e) => e.textContent.trim());
  return {
    mode: text("#replay .replay-mode"),
    play: text("#replay-play"),
    live: text("#replay-live"),
    speed: document.getElementById("replay-speed").getAttribute("aria-label"),
    slider: document.getElementById("replay-slider").getAttribute("aria-label"),
    layersTitle: text("#layer-switcher legend"),
    layers: all("#layer-switcher label"),
    areasTitle: text("#areas h2"),
    draw: text("#draw-area"),
    fields: all("#area-form > label > span"),
    typesTitle: text("#area-form fieldset.types legend"),
    types: all("#area-form fieldset.types label"),
    save: text("#area-form button[type=submit]"),
    cancel: text("#area-form button[type=button]"),
    none: text("#area-list li.none"),
  };
})()"""


def test_arabic_translates_replay_layers_and_areas_with_times_left_to_right(page: Page) -> None:
    en, ar = _catalog("en"), _catalog("ar")
    _wait_page(
        page,
        "window.__picture.layers?.ready && window.__picture.areas?.types?.length > 0"
        " && !!document.querySelector('#area-list li')",
        "the layer switcher and the areas panel",
    )
    words = page.evaluate(_TOOL_WORDS)
    assert (words["play"], words["draw"], words["layersTitle"]) == (
        en["replay.play"],
        en["areas.draw"],
        en["layers.title"],
    )

    html = "document.documentElement"
    page.select_option("#language", "ar")
    _wait_page(page, f"{html}.dir === 'rtl'", "the page right to left")
    words = page.evaluate(_TOOL_WORDS)
    assert words["mode"] == ar["replay.live"]
    assert words["play"] == ar["replay.play"]
    assert words["live"] == ar["replay.backToLive"]
    assert words["speed"] == ar["replay.speed"]
    assert words["slider"] == ar["replay.slider"]
    assert words["layersTitle"] == ar["layers.title"]
    assert {ar["layers.zones"], ar["layers.ports"], ar["layers.tracks"]} <= set(words["layers"])
    assert words["areasTitle"] == ar["areas.title"]
    assert words["draw"] == ar["areas.draw"]
    assert words["fields"] == [ar["areas.name"], ar["areas.minScore"], ar["areas.priority"]]
    assert words["typesTitle"] == ar["areas.types"]
    assert ar["alert.type.zone_entry"] in words["types"]
    assert (words["save"], words["cancel"]) == (ar["areas.save"], ar["areas.cancel"])
    assert words["none"] == ar["areas.none"]
    for name, value in words.items():
        for text in value if isinstance(value, list) else [value]:
            assert _ARABIC.search(text or ""), f"{name}: {text!r} is not in Arabic"

    # Replay a past moment in Arabic: the status line counts the vessels with the right
    # plural form; the time, UTC with the local time beside, stays left to right.
    _wait_page(page, "!document.getElementById('replay-slider').disabled", "the archive's span")
    page.evaluate(
        """(() => {
          const s = document.getElementById("replay-slider");
          s.value = String((Number(s.min) + Number(s.max)) / 2);
          s.dispatchEvent(new Event("input", {bubbles: true}));
        })()"""
    )
    _wait_page(page, "window.__picture.replay.state.loaded !== null", "the replayed picture")
    assert page.text_content("#replay .replay-mode") == ar["replay.replay"]
    assert page.get_attribute("#replay-time", "dir") == "ltr"
    assert page.evaluate("getComputedStyle(document.getElementById('replay-time')).direction") == (
        "ltr"
    )
    shown = page.text_content("#replay-time") or ""
    assert re.match(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC \(.+\)$", shown), shown
    assert page.eval_on_selector_all("#replay-time bdi", "els => els.map((e) => e.dir)") == [
        "ltr",
        "ltr",
    ]
    count = page.evaluate("window.__picture.feed.positions.size")
    form = page.evaluate(f"new Intl.PluralRules('ar').select({count})")
    status = page.text_content("#status") or ""
    before_count = ar["replay.status"][form].split("{")[0]
    assert status.startswith(before_count), (status, form)
    assert page.eval_on_selector("#status time bdi", "e => e.dir") == "ltr"
    page.click("#replay-play")
    assert page.text_content("#replay-play") == ar["replay.pause"]
    page.click("#replay-play")
    assert page.text_content("#replay-play") == ar["replay.play"]

    # A switch re-translates what is on show, the replay's status line included.
    page.select_option("#language", "fr")
    _wait_page(page, f"{html}.dir === 'ltr' && {html}.lang === 'fr'", "French")
    fr = _catalog("fr")
    assert page.text_content("#replay .replay-mode") == fr["replay.replay"]
    assert page.text_content("#draw-area") == fr["areas.draw"]
    assert page.text_content("#layer-switcher legend") == fr["layers.title"]
    form = page.evaluate(f"new Intl.PluralRules('fr').select({count})")
    assert (page.text_content("#status") or "").startswith(fr["replay.status"][form].split("{")[0])

    page.click("#replay-live")
    _wait_page(page, "window.__picture.replay.state.mode === 'live'", "back to live")
    assert page.text_content("#replay .replay-mode") == fr["replay.live"]
    page.select_option("#language", "en")
    _wait_page(page, f"{html}.lang === 'en'", "back to English")
