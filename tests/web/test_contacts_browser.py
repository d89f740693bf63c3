"""Sensor contacts on the picture, in a real browser (Debian's chromium, Playwright): what
a gateway POSTs appears on the map by sensor, with its own symbol, faded when stale,
below the alerts, live as more arrive, and a click tells what the sensor reported.

Asserts on the map's source data and rendered features, never on pixels. The browser,
the waits and the chromium check are those of tests/web/test_picture_browser.py (see it
for why waits poll the page); the node here takes contacts from a gateway, not a feed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import httpx
import pytest
from test_picture_browser import (  # type: ignore[import-not-found]
    CONSOLE,
    PASSWORD,
    Browser,
    Page,
    _wait,
    _wait_page,
)

from watchkeeper.accounts.roles import Role
from watchkeeper.accounts.users import add_user, init_node
from watchkeeper.api.app import create_app
from watchkeeper.sensors.latest import SENSORS
from watchkeeper.settings import Settings
from watchkeeper.testing import issue_token, serve_in_thread
from watchkeeper.web.style import CONTACT_LAYER, TOP_LAYER, VESSEL_LAYER

HEADER = "contact_id,sensor,sensor_id,ts,lat,lon,speed_kn,course,length_m,classification,confidence"
#: One contact per kind of sensor, in the default view (Sicily Channel), seen a minute ago.
PLACES = {
    "radar": (35.50, 12.60),
    "patrol": (36.00, 11.20),
    "aircraft": (34.60, 13.40),
    "satellite": (35.20, 14.30),
    "ground_radar": (33.20, 11.40),
    "camera": (33.00, 10.90),
}


class Node(NamedTuple):
    url: str
    app: Any
    gateway: dict[str, str]


def _csv(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def _ago(minutes: float) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _post(node: Node, body: bytes) -> dict[str, Any]:
    response = httpx.post(f"{node.url}/api/contacts", content=body, headers=node.gateway)
    assert response.status_code == 200, response.text
    receipt: dict[str, Any] = response.json()
    return receipt


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    """A real node (uvicorn, lifespan) and a sensor gateway's credentials."""
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("node"),
        detection_interval_seconds=0,
        picture_interval_seconds=0.5,
    )
    app = create_app(settings)
    with serve_in_thread(app) as url:
        init_node(app.state.accounts, CONSOLE, code="TEST", name="Test agency", country="TN")
        add_user(
            app.state.accounts, CONSOLE, "amira", frozenset({Role.WATCH_OFFICER}), password=PASSWORD
        )
        gateway = {
            "Authorization": f"Bearer {issue_token(app.state.accounts, 'watch_officer')}",
            "Content-Type": "text/csv",
        }
        yield Node(url, app, gateway)


@pytest.fixture
def page(browser: Browser, node: Node) -> Iterator[Page]:
    """The picture, signed in through the login form, once its contact stream has spoken."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{node.url}/")
    page.fill("input[name=username]", "amira")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{node.url}/")
    _wait_page(page, "window.__picture?.ready && window.__picture.contacts?.seq >= 0", "contacts")
    yield page
    assert errors == [], errors
    context.close()


# At an idle map: each rendered contact's id, sensor, staleness, and whether its icon exists.
_RENDERED = f"""(() => {{
  const map = window.__map;
  if (!window.__picture.idle || map.isMoving()) return null;
  return map.queryRenderedFeatures({{layers: ["{CONTACT_LAYER}"]}}).map((f) => ({{
    id: f.properties.contact_id,
    sensor: f.properties.sensor,
    stale: f.properties.stale,
    icon: map.hasImage("contact-" + f.properties.sensor),
  }}));
}})()"""


def _rendered(page: Page, expected: set[str]) -> dict[str, dict[str, Any]]:
    """The rendered contacts, once they are exactly the `expected` ids."""

    def drawn() -> dict[str, dict[str, Any]] | None:
        found = page.evaluate(_RENDERED)
        if found is None:
            return None
        by_id = {f["id"]: f for f in found}
        return by_id if set(by_id) == expected else None

    found: list[dict[str, dict[str, Any]]] = []

    def settled() -> bool:
        found[:] = [result] if (result := drawn()) is not None else []
        return bool(found)

    _wait(settled, f"the contacts drawn to be {sorted(expected)}")
    return found[0]


def test_contacts_appear_by_sensor_below_the_alerts_and_fade_when_stale(
    node: Node, page: Page
) -> None:
    rows = [
        f"{sensor.upper()}-1-0001,{sensor},{sensor.upper()}-1,{_ago(1)},{lat},{lon},"
        f"6.5,45,9,small_craft,0.8"
        for sensor, (lat, lon) in PLACES.items()
    ]
    rows.append(f"RADAR-1-0002,radar,RADAR-1,{_ago(12)},35.80,12.10,3,200,7,unknown,0.3")
    assert _post(node, _csv(*rows))["accepted"] == 7
    ids = {f"{sensor.upper()}-1-0001" for sensor in SENSORS} | {"RADAR-1-0002"}
    drawn = _rendered(page, ids)
    # Every kind of sensor is drawn, each with the symbol made for it.
    assert {drawn[f"{s.upper()}-1-0001"]["sensor"] for s in SENSORS} == set(SENSORS)
    assert all(f["icon"] for f in drawn.values())
    # Not seen for 12 minutes (over contacts_stale_minutes): drawn faded.
    assert drawn["RADAR-1-0002"]["stale"] is True
    assert drawn["RADAR-1-0001"]["stale"] is False
    faded = page.evaluate(f'window.__map.getPaintProperty("{CONTACT_LAYER}", "icon-opacity")')
    assert faded[0] == "case"
    assert faded[2] < faded[3]  # the stale opacity is below the fresh one
    # Below the vessels and the alerts; distress stays on top.
    layers = page.evaluate("window.__map.getStyle().layers.map((l) => l.id)")
    assert layers.index(CONTACT_LAYER) < layers.index(VESSEL_LAYER) < layers.index("alerts")
    assert layers[-1] == TOP_LAYER
    # The layer switcher has the contacts and a legend line per sensor, in words.
    legend = page.eval_on_selector_all(
        "#contact-legend li", "(items) => items.map((i) => [i.dataset.sensor, i.textContent])"
    )
    assert [sensor for sensor, _ in legend] == list(SENSORS)
    assert dict(legend)["ground_radar"] == "ground radar"


def test_a_contact_posted_while_the_page_is_open_appears_live_and_tells_its_story(
    node: Node, page: Page
) -> None:
    before = set(page.evaluate("[...window.__picture.contacts.ids]"))
    seq = page.evaluate("window.__picture.contacts.seq")
    _post(node, _csv(f"MPA-9-0077,aircraft,MPA-9,{_ago(0.5)},35.00,12.00,14.2,275,11,fishing,0.9"))
    _wait_page(page, f"window.__picture.contacts.seq > {seq}", "a change on the contact stream")
    _rendered(page, before | {"MPA-9-0077"})
    data = page.evaluate(
        """window.__map.querySourceFeatures("contacts")
             .filter((f) => f.properties.contact_id === "MPA-9-0077")
             .map((f) => f.properties)[0]"""
    )
    assert (data["sensor"], data["speed_kn"], data["course"]) == ("aircraft", 14.2, 275)
    # A click on it (close up): its sensor, track, speed and course, classification.
    page.evaluate("window.__map.jumpTo({center: [12.0, 35.0], zoom: 10})")
    _wait_page(page, "window.__picture.idle && !window.__map.isMoving()", "the map to settle")
    point = page.evaluate(
        """(() => {
          const p = window.__map.project([12.0, 35.0]);
          const box = window.__map.getContainer().getBoundingClientRect();
          return {x: box.left + p.x, y: box.top + p.y};  // page coordinates
        })()"""
    )
    page.mouse.click(point["x"], point["y"])
    page.wait_for_selector(".contact-popup")
    text = page.inner_text(".contact-popup")
    for expected in ("aircraft", "MPA-9-0077", "MPA-9", "14.2 kn", "275°", "fishing vessel (90%)"):
        assert expected in text, text
    # The open popup follows the page into another language.
    page.evaluate("window.__picture.setLanguage('fr')")
    _wait_page(
        page,
        "document.querySelector('.contact-popup')?.innerText.includes('aéronef')",
        "the popup in French",
    )
    assert "navire de pêche" in page.inner_text(".contact-popup")
