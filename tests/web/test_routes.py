"""The picture's page and assets over HTTP: behind the login, ranges for the basemap,
a style that needs nothing from outside the node, and the live vessel stream."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from watchkeeper.accounts.roles import Role
from watchkeeper.accounts.users import add_user
from watchkeeper.api.app import create_app
from watchkeeper.audit.trail import Actor
from watchkeeper.settings import Settings
from watchkeeper.testing import issue_token, make_positions, make_vessels
from watchkeeper.web.style import DOTS_BELOW_ZOOM, DOTS_LAYER, TOP_LAYER, VESSEL_LAYER

PASSWORD = "harbour-pilot-Sfax-42"
CONSOLE = Actor("console:test", "TEST", ("console",), "local")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """A node of its own on SQLite, without live detection (not what these tests are about)."""
    return Settings(data_dir=tmp_path / "node", detection_interval_seconds=0)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        accounts = client.app.state.accounts
        issue_token(accounts, "administrator")  # initialises the node
        add_user(accounts, CONSOLE, "amira", frozenset({Role.WATCH_OFFICER}), password=PASSWORD)
        yield client


def _sign_in(client: TestClient) -> None:
    response = client.post("/api/auth/login", json={"username": "amira", "password": PASSWORD})
    assert response.status_code == 200, response.text


def test_the_page_sends_a_stranger_to_the_login_form_and_back(client: TestClient) -> None:
    first = client.get("/", follow_redirects=False)
    assert first.status_code == 303
    assert first.headers["location"] == "/login?next=/"
    form = client.get(first.headers["location"])
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert csrf is not None
    assert 'name="next" value="/"' in form.text
    signed_in = client.post(
        "/login",
        data={"username": "amira", "password": PASSWORD, "csrf_token": csrf[1], "next": "/"},
        follow_redirects=False,
    )
    assert (signed_in.status_code, signed_in.headers["location"]) == (303, "/")
    page = client.get("/")
    assert page.status_code == 200
    assert 'id="map"' in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    # Every script and style sheet the page names is the node's own.
    for url in re.findall(r'(?:src|href)="([^"]+)"', page.text):
        assert url.startswith(("/web/", "data:")), url


def test_assets_are_behind_the_login(client: TestClient) -> None:
    for path in ("/web/static/picture.js", "/web/style.json", "/web/basemap.pmtiles"):
        assert client.get(path).status_code == 401, path
    _sign_in(client)
    script = client.get("/web/static/picture.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    vendor = client.get("/web/vendor/maplibre-gl.mjs")
    assert vendor.headers["content-type"].startswith("text/javascript")  # modules need it


@pytest.mark.parametrize("name", ["..%2Fstyle.py", ".installed", "%2Fetc%2Fpasswd", "a b.js"])
def test_only_plain_file_names_are_served(client: TestClient, name: str) -> None:
    _sign_in(client)
    assert client.get(f"/web/static/{name}").status_code == 404
    assert client.get(f"/web/vendor/{name}").status_code == 404


def test_the_basemap_answers_range_requests(client: TestClient) -> None:
    _sign_in(client)
    response = client.get("/web/basemap.pmtiles", headers={"Range": "bytes=0-6"})
    assert response.status_code == 206
    assert response.content == b"PMTiles"
    assert response.headers["content-range"].startswith("bytes 0-6/")


def test_missing_install_output_says_what_to_run(settings: Settings, tmp_path: Path) -> None:
    bare = settings.model_copy(update={"web_dir": tmp_path / "not-built"})
    with TestClient(create_app(bare), base_url="https://testserver") as client:
        headers = {"Authorization": f"Bearer {issue_token(client.app.state.accounts, 'observer')}"}
        vendor = client.get("/web/vendor/maplibre-gl.mjs", headers=headers)
        assert vendor.status_code == 404
        assert "make install" in vendor.json()["detail"]
        basemap = client.get("/web/basemap.pmtiles", headers=headers)
        assert "watchkeeper geo basemap" in basemap.json()["detail"]


def test_the_style_needs_nothing_from_outside_and_draws_distress_last(client: TestClient) -> None:
    _sign_in(client)
    style = client.get("/web/style.json").json()
    assert style["version"] == 8
    assert "glyphs" not in style
    assert "sprite" not in style
    assert style["sources"]["basemap"]["url"] == "pmtiles://https://testserver/web/basemap.pmtiles"
    assert style["sources"]["imported-zones"]["data"] == "https://testserver/web/zones.geojson"
    ids = [layer["id"] for layer in style["layers"]]
    assert ids[-1] == TOP_LAYER
    assert ids.index(VESSEL_LAYER) < ids.index("alerts") < ids.index(TOP_LAYER)
    # A dense fleet's dots sit under the icons and end where the icons start; the page
    # turns them on (static/vessels.js).
    dots = style["layers"][ids.index(DOTS_LAYER)]
    assert ids.index(DOTS_LAYER) < ids.index(VESSEL_LAYER)
    assert (dots["source"], dots["maxzoom"]) == ("vessels", DOTS_BELOW_ZOOM)
    assert dots["layout"]["visibility"] == "none"
    assert all(layer.get("source", "basemap") in style["sources"] for layer in style["layers"])
    assert not any("text-field" in layer.get("layout", {}) for layer in style["layers"])


def test_imported_zones_are_served(client: TestClient, settings: Settings) -> None:
    _sign_in(client)
    assert client.get("/web/zones.geojson").json() == {"type": "FeatureCollection", "features": []}
    settings.zones_dir.mkdir(parents=True)
    square = [[[11.0, 36.0], [12.0, 36.0], [12.0, 37.0], [11.0, 37.0], [11.0, 36.0]]]
    feature = {
        "type": "Feature",
        "properties": {"kind": "area_of_interest", "name": "Box"},
        "geometry": {"type": "Polygon", "coordinates": square},
    }
    (settings.zones_dir / "box.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": [feature]})
    )
    zones = client.get("/web/zones.geojson")
    assert zones.headers["content-type"] == "application/geo+json"
    [served] = zones.json()["features"]
    assert served["properties"]["name"] == "Box"


def test_the_picture_stream_starts_with_every_vessel(client: TestClient) -> None:
    client.app.state.latest.update(
        make_positions(
            [{"mmsi": 247000001, "ts": "2026-07-15T12:00:00Z", "lat": 36.8, "lon": 11.1}]
        ),
        vessels=make_vessels(
            [{"mmsi": 247000001, "ts": "2026-07-15T12:00:00Z", "name": "AMIRA", "ship_type": 80}]
        ),
    )
    _sign_in(client)
    response = client.get("/api/picture/stream", params={"follow": "false"})
    assert response.headers["content-type"].startswith("text/event-stream")
    event, data = re.match(r"id: 0\nevent: (\w+)\ndata: (.*)\n\n$", response.text).groups()  # type: ignore[union-attr]
    assert event == "snapshot"
    body = json.loads(data)
    assert body["seq"] == 0
    [vessel] = body["vessels"]
    assert (vessel["mmsi"], vessel["name"], vessel["class"]) == (247000001, "AMIRA", "tanker")


def test_the_message_catalogs_are_served_behind_the_login(client: TestClient) -> None:
    assert client.get("/web/locales/ar.json").status_code == 401
    _sign_in(client)
    arabic = client.get("/web/locales/ar.json")
    assert arabic.status_code == 200
    assert arabic.headers["content-type"].startswith("application/json")
    assert arabic.json()["alerts.title"] == "التنبيهات"
    assert client.get("/web/locales/xx.json").status_code == 404
    assert client.get("/web/locales/..%2Fpicture.js").status_code == 404
