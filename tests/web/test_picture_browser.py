"""The picture in a real browser: Debian's chromium driven by Playwright, against a real
node fed by the simulator, asserting on what the map rendered (its rendered features),
never on pixels.

`make test` installs chromium from Debian (`DEB_TEST_PACKAGES`); no browser is ever
downloaded. Without it these tests are skipped, saying why, except in CI (`CI` set),
where that would hide a broken set-up, so they fail. WebGL runs on SwiftShader.

Waits poll the page with `page.evaluate` (CDP, which the page's Content-Security-Policy
does not apply to) rather than `wait_for_function`, which the policy's lack of
'unsafe-eval' refuses. Each wait has a generous bound only so that a broken page fails
instead of hanging; nothing here measures speed (`benchmarks/` does).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any, NamedTuple

import pytest

from watchkeeper.accounts.roles import Role
from watchkeeper.accounts.users import add_user, init_node
from watchkeeper.api.app import create_app
from watchkeeper.audit.trail import Actor
from watchkeeper.settings import Settings
from watchkeeper.sim.demo import start_demo_feed
from watchkeeper.testing import CHROMIUM, make_events, serve_in_thread
from watchkeeper.web.style import TOP_LAYER, VESSEL_LAYER

PASSWORD = "harbour-pilot-Sfax-42"
CONSOLE = Actor("console:test", "TEST", ("console",), "local")
#: Only a safeguard against a hang: a wait that takes this long means the page is broken.
PATIENCE_S = 180.0
#: Vessels the node has before the page opens, so the first frame holds a real picture.
VESSELS_FIRST = 20

if not CHROMIUM.is_file():
    reason = f"{CHROMIUM} not found: `make test` installs Debian's chromium (DEB_TEST_PACKAGES)"
    if os.environ.get("CI"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason, allow_module_level=True)

from playwright.sync_api import Browser, Page  # noqa: E402


class Node(NamedTuple):
    url: str
    app: Any


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    """A real node (uvicorn, lifespan, live feed) with the central-med scenario playing."""
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("node"),
        detection_interval_seconds=0,  # alerts are raised by the tests, at known places
        picture_interval_seconds=0.5,
        live_batch_seconds=0.5,
    )
    feed = start_demo_feed(settings, "central-med", vessels=80, hours=0.5)
    app = create_app(settings.model_copy(update={"tcp_feeds": [feed]}))
    with serve_in_thread(app) as url:
        init_node(app.state.accounts, CONSOLE, code="TEST", name="Test agency", country="TN")
        add_user(
            app.state.accounts, CONSOLE, "amira", frozenset({Role.WATCH_OFFICER}), password=PASSWORD
        )
        _wait(lambda: len(app.state.latest) >= VESSELS_FIRST, "the simulated feed")
        # Plain HTTP on loopback: chromium keeps the Secure session cookie there.
        yield Node(url, app)


@pytest.fixture
def page(browser: Browser, node: Node) -> Iterator[Page]:
    """A fresh browser context signed in through the real login form."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{node.url}/")
    assert page.url == f"{node.url}/login?next=/"  # sent to sign in first
    page.fill("input[name=username]", "amira")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{node.url}/")  # and back to the picture
    _wait_page(page, "window.__picture?.ready && window.__picture.vessels > 0", "first vessels")
    yield page
    assert errors == [], errors
    context.close()


def _wait(condition: Any, what: str) -> None:
    deadline = time.monotonic() + PATIENCE_S
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting for {what} after {PATIENCE_S:.0f} s")
        time.sleep(0.1)


def _wait_page(page: Page, expression: str, what: str) -> Any:
    """Evaluate `expression` in the page until it is truthy; returns its value."""
    found: list[Any] = []

    def holds() -> bool:
        value = page.evaluate(expression)
        found[:] = [value]
        return bool(value)

    _wait(holds, what)
    return found[0]


# In one evaluation, at an idle map (everything it was given is drawn): the MMSIs the
# page holds whose position is inside the view, and the MMSIs drawn by the vessel layer.
_DRAWN_AND_IN_VIEW = f"""(() => {{
  const p = window.__picture, map = window.__map;
  if (!p.idle || map.isMoving()) return null;
  const bounds = map.getBounds();
  const inView = [...p.feed.positions.entries()]
    .filter(([, where]) => bounds.contains(where)).map(([mmsi]) => mmsi);
  const drawn = [...new Set(map.queryRenderedFeatures({{layers: ["{VESSEL_LAYER}"]}})
    .map((f) => f.properties.mmsi))];
  return {{inView, drawn}};
}})()"""


def test_signed_in_officer_sees_the_simulated_vessels_drawn(page: Page, node: Node) -> None:
    # A vessel the node knew before the page opened, the nearest the picture's middle.
    state = node.app.state.latest.snapshot().to_pylist()
    lat = sorted(v["lat"] for v in state)[len(state) // 2]
    lon = sorted(v["lon"] for v in state)[len(state) // 2]
    known = min(state, key=lambda v: (v["lat"] - lat) ** 2 + (v["lon"] - lon) ** 2)["mmsi"]

    def settled() -> Any:
        seen = page.evaluate(_DRAWN_AND_IN_VIEW)
        return seen if seen and set(seen["inView"]) <= set(seen["drawn"]) else None

    _wait(settled, "every vessel in view to be drawn")
    seen = settled() or page.evaluate(_DRAWN_AND_IN_VIEW)
    assert len(seen["drawn"]) >= VESSELS_FIRST // 2
    assert set(seen["drawn"]) <= {v["mmsi"] for v in node.app.state.latest.snapshot().to_pylist()}
    _wait_page(
        page,
        f"""window.__map.queryRenderedFeatures({{layers: ["{VESSEL_LAYER}"]}})
            .some((f) => f.properties.mmsi === {known})""",
        f"MMSI {known} drawn",
    )
    drawn = page.evaluate(
        f"""window.__map.queryRenderedFeatures({{layers: ["{VESSEL_LAYER}"]}})
            .find((f) => f.properties.mmsi === {known}).properties"""
    )
    assert drawn["class"] in {"cargo", "tanker", "passenger", "fishing", "pleasure", "sar", "other"}
    assert "vessels" in page.text_content("#status")


def test_distress_comes_first_in_the_list_and_on_the_top_layer(page: Page, node: Node) -> None:
    alerts = node.app.state.alerts
    vessels = node.app.state.latest.snapshot().to_pylist()
    first, second = vessels[0], vessels[1]
    start = "2026-07-15T01:00:00Z"
    alerts.ingest(
        make_events(
            [
                {
                    "type": "encounter",
                    "mmsi": [first["mmsi"], second["mmsi"]],
                    "start": start,
                    "score": 1.0,
                    "lat": first["lat"],
                    "lon": first["lon"],
                },
                {
                    "type": "ais_gap",
                    "mmsi": [second["mmsi"]],
                    "start": start,
                    "score": 0.9,
                    "lat": second["lat"],
                    "lon": second["lon"],
                },
            ]
        )
    )
    _wait_page(page, "document.querySelectorAll('#alerts li').length === 2", "two alerts listed")
    # The distress beacon arrives last, near the encounter, and goes straight to the top.
    alerts.ingest(
        make_events(
            [
                {
                    "type": "distress_beacon",
                    "mmsi": [970012345],
                    "start": start,
                    "score": 1.0,
                    "lat": first["lat"] + 0.01,
                    "lon": first["lon"] + 0.01,
                }
            ]
        )
    )
    [distress] = [a for a in alerts.list() if a.distress]
    _wait_page(page, "document.querySelectorAll('#alerts li').length === 3", "three alerts listed")
    listed = page.eval_on_selector_all(
        "#alerts li", "items => items.map((li) => [Number(li.dataset.alertId), li.className])"
    )
    assert listed[0][0] == distress.id
    assert "distress" in listed[0][1]
    assert all("distress" not in cls for _, cls in listed[1:])

    # Click it in the list: the map flies there, and it is drawn on the top layer.
    page.click(f'#alerts li[data-alert-id="{distress.id}"]')
    _wait_page(
        page,
        f"""(() => {{
          const map = window.__map;
          if (map.isMoving() || !window.__picture.idle) return false;
          const c = map.getCenter();
          return Math.abs(c.lat - {distress.lat}) < 1e-3 && Math.abs(c.lng - {distress.lon}) < 1e-3;
        }})()""",
        "the map centred on the distress alert",
    )
    layers = page.evaluate("window.__map.getStyle().layers.map((l) => l.id)")
    assert layers[-1] == TOP_LAYER
    on_top = _wait_page(
        page,
        f"""window.__map.queryRenderedFeatures({{layers: ["{TOP_LAYER}"]}})
            .map((f) => f.properties.id)""",
        "the distress alert drawn",
    )
    assert set(on_top) == {distress.id}
    below = page.evaluate(
        "window.__map.queryRenderedFeatures({layers: ['alerts']}).map((f) => f.properties.id)"
    )
    assert distress.id not in below
    assert "selected" in (
        page.get_attribute(f'#alerts li[data-alert-id="{distress.id}"]', "class") or ""
    )
