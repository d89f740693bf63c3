"""Replay, drawn areas and extra layers in a real browser (Debian's chromium, Playwright),
against a real node whose archive holds a known past hour and whose live feed plays the
central-med scenario. Assertions are on what the map rendered and on the page's DOM.

The browser, sign-in and waits are those of `test_picture_browser.py`; the node here is
its own, seeded before it starts with one vessel sailing east two hours ago.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import test_picture_browser as picture_browser
from test_picture_browser import CONSOLE, PASSWORD, VESSELS_FIRST, Node, _wait, _wait_page

from watchkeeper.accounts.roles import Role
from watchkeeper.accounts.users import add_user, init_node
from watchkeeper.api.app import create_app
from watchkeeper.geo.incidents import SHARED_INCIDENTS_FILE
from watchkeeper.settings import Settings
from watchkeeper.sim.demo import start_demo_feed
from watchkeeper.testing import make_events, make_positions, make_vessels, serve_in_thread
from watchkeeper.tracks import Archive
from watchkeeper.web.style import TOP_LAYER, VESSEL_LAYER

from playwright.sync_api import Page  # isort: skip

# The same chromium and sign-in (fixtures found by name); `node` below is this module's.
page = picture_browser.page

KNOWN = 247999001
#: The seeded hour: KNOWN sails east 0.01° a minute from 12.0°E, 35.8°N, two hours ago.
NOW = datetime.now(UTC).replace(second=0, microsecond=0)
SEED_START = NOW - timedelta(hours=2)
SHARED_INCIDENTS = Path(__file__).resolve().parents[2].parent / SHARED_INCIDENTS_FILE


def _seed(root: Path) -> None:
    rows = [
        {"mmsi": KNOWN, "ts": SEED_START + timedelta(minutes=i), "lat": 35.8}
        | {"lon": 12.0 + 0.01 * i, "sog": 12.0, "cog": 90.0, "heading": 90, "nav_status": 0}
        for i in range(61)
    ]
    vessels = [{"mmsi": KNOWN, "ts": SEED_START, "name": "REPLAY TEST", "ship_type": 70}]
    with Archive(root) as archive:
        archive.append(
            {"positions": make_positions(rows), "vessels": make_vessels(vessels)}, batch_id="seed"
        )


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("node"),
        detection_interval_seconds=0,
        picture_interval_seconds=0.5,
        live_batch_seconds=0.5,
    )
    _seed(settings.archive_dir)
    feed = start_demo_feed(settings, "central-med", vessels=60, hours=0.5)
    app = create_app(settings.model_copy(update={"tcp_feeds": [feed]}))
    with serve_in_thread(app) as url:
        init_node(app.state.accounts, CONSOLE, code="TEST", name="Test agency", country="TN")
        add_user(
            app.state.accounts, CONSOLE, "amira", frozenset({Role.WATCH_OFFICER}), password=PASSWORD
        )
        # An alert raised in the seeded hour, on KNOWN: the replay must list it.
        app.state.alerts.ingest(
            make_events(
                [
                    {
                        "type": "ais_gap",
                        "mmsi": [KNOWN],
                        "start": SEED_START + timedelta(minutes=10),
                        "score": 0.9,
                        "lat": 35.8,
                        "lon": 12.1,
                    }
                ]
            )
        )
        _wait(lambda: len(app.state.latest) >= VESSELS_FIRST, "the simulated feed")
        yield Node(url, app)


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _seek(page: Page, at_ms: int) -> None:
    """Move the slider as a user does: set its value and send the input event."""
    page.evaluate(
        f"""(() => {{
          const s = document.getElementById("replay-slider");
          s.value = "{at_ms}";
          s.dispatchEvent(new Event("input", {{bubbles: true}}));
        }})()"""
    )


def _api(page: Page, path: str) -> Any:
    response = page.request.get(page.url.rstrip("/") + path)
    assert response.ok, response.text()
    return response.json()


def test_replay_an_hour_then_play_then_back_to_live(page: Page, node: Node) -> None:
    _wait_page(page, "!document.getElementById('replay-slider').disabled", "the archive's span")
    span = page.evaluate("window.__picture.replay.state.span")
    assert span[0] == _ms(SEED_START)
    at = SEED_START + timedelta(minutes=30)
    _seek(page, _ms(at))
    _wait_page(page, f"window.__picture.replay.state.loaded === {_ms(at)}", "the replayed picture")
    assert page.text_content("#replay-time").startswith(at.strftime("%Y-%m-%d %H:%M:%S"))

    # The vessel drawn where /api/picture?at=T says it was.
    iso = at.isoformat().replace("+00:00", "Z")
    expected = _api(page, f"/api/picture?at={iso}")
    [row] = [v for v in expected["vessels"] if v["mmsi"] == KNOWN]
    assert row["lon"] == pytest.approx(12.3)
    page.evaluate(f"window.__map.jumpTo({{center: [{row['lon']}, {row['lat']}], zoom: 9}})")
    drawn = _wait_page(
        page,
        f"""(() => {{
          if (!window.__picture.idle || window.__map.isMoving()) return null;
          const f = window.__map.queryRenderedFeatures({{layers: ["{VESSEL_LAYER}"]}})
            .find((f) => f.properties.mmsi === {KNOWN});
          return f ? {{coords: f.geometry.coordinates, mmsi: f.properties.mmsi}} : null;
        }})()""",
        f"MMSI {KNOWN} drawn at its replayed position",
    )
    # Rendered geometry is quantised to the tile grid (~1e-4° at zoom 9); the data exact.
    assert drawn["coords"] == pytest.approx([row["lon"], row["lat"]], abs=1e-3)
    held = page.evaluate(f"window.__picture.feed.positions.get({KNOWN})")
    assert held == pytest.approx([row["lon"], row["lat"]], abs=1e-5)
    # Only the vessels of that moment: the live ones started minutes ago.
    positions = page.evaluate("[...window.__picture.feed.positions.keys()]")
    assert sorted(positions) == sorted(v["mmsi"] for v in expected["vessels"])
    # Its track of the hour before T, and the alerts as they stood (list and map).
    track = _wait_page(
        page,
        f"""window.__map.queryRenderedFeatures({{layers: ["tracks"]}})
            .filter((f) => f.properties.mmsi === {KNOWN}).length""",
        "the replayed track drawn",
    )
    assert track >= 1
    listed = page.eval_on_selector_all("#alerts li", "items => items.map((li) => li.textContent)")
    assert [a["mmsi"] for a in expected["alerts"]] == [[KNOWN]]
    assert len(listed) == 1
    assert str(KNOWN) in listed[0]

    # The live stream must not overwrite the replayed picture meanwhile.
    seq = page.evaluate("window.__picture.feed.seq")
    page.wait_for_timeout(1500)
    assert page.evaluate("window.__picture.feed.seq") == seq
    assert page.evaluate(f"window.__picture.feed.positions.has({KNOWN})")

    # Play at 600x: T moves on (10 simulated minutes a second), and is drawn.
    page.select_option("#replay-speed", "600")
    page.click("#replay-play")
    _wait_page(
        page,
        f"window.__picture.replay.state.loaded > {_ms(at) + 120_000}",
        "T advanced by play at 600x",
    )
    assert page.text_content("#replay-play") == "Pause"
    page.click("#replay-play")
    assert page.evaluate("window.__picture.replay.state.playing") is False

    # Back to live: the stream's fresh snapshot replaces the replayed picture.
    page.click("#replay-live")
    _wait_page(
        page,
        f"window.__picture.replay.state.mode === 'live' && window.__picture.feed.seq > {seq}",
        "the live stream back",
    )
    _wait_page(page, f"window.__picture.feed.positions.size >= {VESSELS_FIRST}", "live vessels")
    assert page.evaluate("document.getElementById('replay-live').disabled") is True


def _click_map(page: Page, points: list[tuple[float, float]], *, double_last: bool) -> None:
    box = page.locator("#map canvas").bounding_box()
    assert box is not None
    for i, (fx, fy) in enumerate(points):
        x, y = box["x"] + fx * box["width"], box["y"] + fy * box["height"]
        if double_last and i == len(points) - 1:
            page.mouse.dblclick(x, y)
        else:
            page.mouse.click(x, y)
        page.wait_for_timeout(350)  # not a double-click


def test_draw_an_area_save_it_attach_a_rule_then_delete_it(page: Page, node: Node) -> None:
    _wait_page(page, "window.__picture.areas?.types?.length > 0", "the areas panel")
    page.evaluate("window.__map.jumpTo({center: [12.5, 35.5], zoom: 8})")

    # A bow tie crosses itself: the API's 422 is shown next to the form.
    page.click("#draw-area")
    _click_map(page, [(0.3, 0.3), (0.6, 0.6), (0.6, 0.3), (0.3, 0.6)], double_last=False)
    page.keyboard.press("Enter")
    page.fill("#area-form input[name=name]", "Bow tie")
    page.click("#area-form button[type=submit]")
    errors = _wait_page(page, "document.getElementById('area-errors').textContent", "the 422")
    assert "geometry" in errors
    page.keyboard.press("Escape")
    page.click("#area-form button[type=button]")  # cancel

    page.click("#draw-area")
    _click_map(page, [(0.3, 0.3), (0.6, 0.3), (0.6, 0.6), (0.3, 0.6)], double_last=True)
    _wait_page(page, "!document.getElementById('area-form').hidden", "the area's form")
    page.fill("#area-form input[name=name]", "Lampedusa watch")
    page.check("#area-form input[value=zone_entry]")
    page.check("#area-form input[value=loitering]")
    page.fill("#area-form input[name=min_score]", "0.7")
    page.select_option("#area-form select[name=priority]", "2")
    page.click("#area-form button[type=submit]")
    _wait_page(
        page,
        "[...document.querySelectorAll('#area-list li strong')].some((s) => s.textContent === 'Lampedusa watch')",
        "the area listed",
    )
    rules = _api(page, "/api/alert-rules")
    [rule] = [r for r in rules if r["zone"] == "Lampedusa watch"]
    assert (sorted(rule["types"]), rule["min_score"], rule["priority"]) == (
        ["loitering", "zone_entry"],
        0.7,
        2,
    )
    [area] = [
        f
        for f in _api(page, "/api/zones?origin=drawn")["features"]
        if f["properties"]["name"] == "Lampedusa watch"
    ]
    ring = area["geometry"]["coordinates"][0]
    assert len(ring) == 5
    _wait_page(
        page,
        """window.__map.queryRenderedFeatures({layers: ["imported-zones-fill"]})
            .some((f) => f.properties.name === "Lampedusa watch")""",
        "the drawn area rendered as a zone",
    )

    page.click(f'#area-list li[data-area-id="{area["id"]}"] button')
    _wait_page(
        page,
        "![...document.querySelectorAll('#area-list li strong')].some((s) => s.textContent === 'Lampedusa watch')",
        "the area gone from the list",
    )
    assert not [r for r in _api(page, "/api/alert-rules") if r["zone"] == "Lampedusa watch"]


def test_ports_and_layer_switcher(page: Page, node: Node) -> None:
    _wait_page(page, "window.__picture.layers?.ready", "the extra layers")
    ids = page.evaluate("window.__map.getStyle().layers.map((l) => l.id)")
    assert ids.index("ports") < ids.index(VESSEL_LAYER)
    assert ids.index("tracks") < ids.index(VESSEL_LAYER)
    assert ids.index("draw-line") < ids.index(VESSEL_LAYER)
    assert ids[-1] == TOP_LAYER  # distress stays on top of every added layer
    page.uncheck("#layer-switcher input[name=zones]")
    assert page.evaluate("window.__map.getLayoutProperty('imported-zones-fill', 'visibility')") == (
        "none"
    )
    page.check("#layer-switcher input[name=zones]")
    assert page.evaluate("window.__map.getLayoutProperty('default-zones-line', 'visibility')") == (
        "visible"
    )


def test_heatmap_of_iom_incidents_when_the_file_is_there(page: Page, node: Node) -> None:
    if not SHARED_INCIDENTS.is_file():
        pytest.skip(f"{SHARED_INCIDENTS} is absent (../shared/data is not beside this checkout)")
    _wait_page(page, "window.__picture.layers?.ready", "the extra layers")
    assert page.evaluate("window.__picture.layers.incidents") > 6000
    assert page.evaluate("window.__map.getLayer('incidents-heat')?.type") == "heatmap"
    page.check("#layer-switcher input[name=incidents]")
    page.evaluate("window.__map.jumpTo({center: [13.0, 34.5], zoom: 6})")
    _wait_page(
        page,
        """window.__map.querySourceFeatures("incidents").length > 0
           && window.__map.getLayoutProperty("incidents-heat", "visibility") === "visible" """,
        "incidents drawn as a heatmap",
    )


def test_no_heatmap_when_the_node_has_no_incidents(page: Page, node: Node) -> None:
    empty = json.dumps({"type": "FeatureCollection", "features": []})
    page.route(
        "**/api/incidents",
        lambda route: route.fulfill(status=200, content_type="application/geo+json", body=empty),
    )
    page.reload()
    _wait_page(page, "window.__picture?.layers?.ready", "the extra layers")
    assert page.evaluate("window.__map.getLayer('incidents-heat')") is None
    assert page.locator("#layer-switcher input[name=incidents]").count() == 0
