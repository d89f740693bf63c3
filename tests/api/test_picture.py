"""The operational picture's API: dossier, search, replay (picture and tracks), zones and
ports, drawn areas and alert rules, each through a running app on both records backends."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from fastapi.testclient import TestClient

from watchkeeper.api.app import create_app
from watchkeeper.geo.ports import SHARED_PORTS_FILE
from watchkeeper.settings import Settings
from watchkeeper.testing import bearer, make_events, make_positions, make_vessels
from watchkeeper.tracks import Archive

AURORA, FERRY, SART = 247000001, 636000002, 970012345
T0 = "2026-07-15T10:00:00Z"
#: A box off Kelibia, Cap Bon.
BOX = {
    "type": "Polygon",
    "coordinates": [[[11.0, 36.8], [11.4, 36.8], [11.4, 37.1], [11.0, 37.1], [11.0, 36.8]]],
}
SHARED_PORTS = Path(__file__).resolve().parents[2].parent / SHARED_PORTS_FILE


def _track(
    mmsi: int, start: str, lats: list[float], lons: list[float], minutes: int = 10
) -> list[dict[str, Any]]:
    t0 = datetime.fromisoformat(start)
    return [
        {"mmsi": mmsi, "ts": t0 + timedelta(minutes=minutes * i), "lat": lat, "lon": lon}
        | {"sog": 10.0, "cog": 90.0, "heading": 90, "nav_status": 0}
        for i, (lat, lon) in enumerate(zip(lats, lons, strict=True))
    ]


def _seed(root: Path) -> None:
    """AURORA renamed at 11:00 and sailing east for 3 h; a ferry; an AIS-SART at 12:00."""
    positions = [
        *_track(AURORA, T0, [36.9] * 19, [10.5 + 0.05 * i for i in range(19)]),
        *_track(FERRY, T0, [37.5, 37.6], [12.0, 12.1], minutes=60),
        *_track(SART, "2026-07-15T12:00:00Z", [36.95] * 3, [11.9, 11.9, 11.9], minutes=1),
    ]
    vessels = [
        {"mmsi": AURORA, "ts": "2026-07-15T09:00:00Z", "name": "MSC AURORA", "callsign": "IABC"}
        | {"imo": 9074729, "ship_type": 70},
        {"mmsi": AURORA, "ts": "2026-07-15T11:00:00Z", "name": "AURORA II", "callsign": "IABC"}
        | {"imo": 9074729, "ship_type": 70},
        {"mmsi": FERRY, "ts": "2026-07-15T09:30:00Z", "name": "TANIT", "imo": 1234567},
    ]
    with Archive(root) as archive:
        archive.append(
            {"positions": make_positions(positions), "vessels": make_vessels(vessels)},
            batch_id="seed",
        )


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    # Detection on (so the node has a detector), but its own runs an hour apart: tests
    # run it when they want to.
    return Settings(
        data_dir=tmp_path / "node",
        database_url=database_url,
        detection_interval_seconds=3600,
        ports_file=tmp_path / "no-ports.csv",
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    _seed(settings.archive_dir)
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        yield client


def _audit(client: TestClient, action: str) -> list[dict[str, Any]]:
    admin = bearer(client.app, "administrator")
    entries: list[dict[str, Any]] = client.get(
        "/api/audit", params={"action": action}, headers=admin
    ).json()
    return entries


def _run_detection(client: TestClient, positions: list[dict[str, Any]] | None = None) -> None:
    """One live detection run, as the node's thread does it."""
    node = client.app.state.node
    detector = node.detector
    node._refresh_zones(detector)
    if positions:
        detector.add(make_positions(positions))
    changes = detector.run()
    client.app.state.alerts.apply(changes)


# -- dossier ---------------------------------------------------------------------------


def test_dossier_has_identity_history_latest_state_track_and_alerts(client: TestClient) -> None:
    client.app.state.alerts.ingest(
        make_events([{"type": "ais_gap", "mmsi": [AURORA], "start": "2026-07-15T11:00:00Z"}])
    )
    watch = bearer(client.app, "observer")
    response = client.get(f"/api/vessels/{AURORA}/dossier", params={"hours": 1}, headers=watch)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["mid"], body["flag"], body["mmsi_valid"]) == (247, "IT", True)
    assert body["identity"] == {
        "name": "AURORA II",
        "callsign": "IABC",
        "imo": 9074729,
        "imo_valid": True,
        "ship_type": 70,
    }
    names = [
        (h["value"], h["first_seen"]) for h in body["identity_history"] if h["field"] == "name"
    ]
    assert names == [("AURORA II", "2026-07-15T11:00:00Z"), ("MSC AURORA", "2026-07-15T09:00:00Z")]
    [imo] = [h for h in body["identity_history"] if h["field"] == "imo"]
    assert (imo["value"], imo["imo_valid"], imo["reports"]) == ("9074729", True, 2)
    assert body["latest"]["ts"] == "2026-07-15T13:00:00Z"
    assert body["latest"]["lon"] == pytest.approx(11.4)
    # The last hour before the latest fix: 7 fixes, 10 minutes apart, as one LineString.
    [line] = body["track"]["features"]
    assert line["geometry"]["type"] == "LineString"
    assert len(line["geometry"]["coordinates"]) == 7
    assert line["geometry"]["coordinates"][-1] == [pytest.approx(11.4), 36.9]
    assert body["track_start"] == "2026-07-15T12:00:00Z"
    assert [(a["type"], a["mmsi"]) for a in body["alerts"]] == [("ais_gap", [AURORA])]
    points = client.get(
        f"/api/vessels/{AURORA}/dossier", params={"hours": 1, "track": "points"}, headers=watch
    ).json()["track"]["features"]
    assert {f["geometry"]["type"] for f in points} == {"Point"}
    assert len(points) == 7
    entries = _audit(client, "vessel.dossier")
    assert [(e["object_id"], e["outcome"]) for e in entries] == [(str(AURORA), "ok")] * 2


def test_dossier_shows_the_live_detectors_events(client: TestClient) -> None:
    _run_detection(client)  # primes nothing new: the archive's window is in July
    _run_detection(client, _track(SART, "2026-07-15T12:00:00Z", [36.95] * 3, [11.9] * 3, 1))
    body = client.get(f"/api/vessels/{SART}/dossier", headers=bearer(client.app, "observer")).json()
    assert (body["mid"], body["flag"], body["mmsi_valid"]) == (None, None, True)
    assert [e["type"] for e in body["events"]] == ["distress_beacon"]
    assert body["events"][0]["distress"] is True
    assert [a["type"] for a in body["alerts"]] == ["distress_beacon"]


def test_dossier_of_an_unknown_vessel_is_404_and_audited(client: TestClient) -> None:
    headers = bearer(client.app, "analyst")
    assert client.get("/api/vessels/211000000/dossier", headers=headers).status_code == 404
    assert client.get(f"/api/vessels/{AURORA}/dossier?hours=0", headers=headers).status_code == 422
    assert client.get(f"/api/vessels/{AURORA}/dossier?track=x", headers=headers).status_code == 422
    [entry] = _audit(client, "vessel.dossier")
    assert entry["outcome"] == "not_found"


# -- search ----------------------------------------------------------------------------


def test_search_by_name_call_sign_imo_and_mmsi_tolerates_spacing_and_case(
    client: TestClient,
) -> None:
    headers = bearer(client.app, "observer")

    def first(q: str) -> dict[str, Any]:
        response = client.get("/api/search", params={"q": q}, headers=headers)
        assert response.status_code == 200, response.text
        return dict(response.json()[0])

    hit = first("aurora  ii")
    assert (hit["mmsi"], hit["matched"], hit["current"], hit["score"]) == (
        AURORA,
        "name",
        True,
        98.0,
    )
    assert (hit["name"], hit["imo"]) == ("AURORA II", 9074729)
    former = first("M.S.C. aurora")  # a former name finds the vessel, and says so
    assert (former["mmsi"], former["value"], former["current"]) == (AURORA, "MSC AURORA", False)
    assert first("IMO 9074729")["mmsi"] == AURORA
    assert first("iabc")["matched"] == "callsign"
    assert first(str(AURORA))["score"] == 100.0
    assert first("63600")["mmsi"] == FERRY  # the start of an MMSI
    assert first("TANTI")["mmsi"] == FERRY  # a misspelling
    assert client.get("/api/search", params={"q": "zzzzqqq"}, headers=headers).json() == []
    assert client.get("/api/search", params={"q": ""}, headers=headers).status_code == 422
    many = client.get("/api/search", params={"q": "6", "limit": 1}, headers=headers).json()
    assert len(many) <= 1
    entries = _audit(client, "vessel.search")
    assert entries[-1]["detail"]["q"] == "aurora  ii"


def test_search_finds_real_vessels_however_typed(settings: Settings, dma_archive: Archive) -> None:
    app = create_app(settings)
    app.state.archive = dma_archive
    with TestClient(app, base_url="https://testserver") as client:
        headers = bearer(client.app, "observer")
        for q in ("adler  princess", "Adler-Princess", "ADLR PRINCES"):
            [hit, *_] = client.get("/api/search", params={"q": q}, headers=headers).json()
            assert (hit["mmsi"], hit["name"]) == (211162610, "ADLER PRINCESS"), q


# -- replay ----------------------------------------------------------------------------


def test_picture_at_a_moment_has_the_vessels_and_alerts_as_they_stood(
    client: TestClient,
) -> None:
    alerts = client.app.state.alerts
    now = datetime.now(UTC)
    raised = now - timedelta(hours=2)
    alerts.ingest(
        make_events(
            [
                {"type": "encounter", "mmsi": [AURORA, FERRY], "start": raised, "lat": 36.9}
                | {"lon": 10.6},
                {"type": "loitering", "mmsi": [FERRY], "start": raised, "lat": 37.5, "lon": 12.0},
            ]
        )
    )
    watch = bearer(client.app, "watch_officer")
    encounter, loitering = client.get("/api/alerts", headers=watch).json()
    client.post(f"/api/alerts/{encounter['id']}/acknowledge", json={}, headers=watch)
    client.post(f"/api/alerts/{loitering['id']}/close", json={"note": "fishing"}, headers=watch)
    headers = bearer(client.app, "observer")

    def picture(**params: Any) -> dict[str, Any]:
        response = client.get("/api/picture", params=params, headers=headers)
        assert response.status_code == 200, response.text
        return dict(response.json())

    before = picture(at=(now - timedelta(hours=1)).isoformat())
    assert before["vessels"] == []  # the archive's vessels were heard in July
    assert [(a["type"], a["status"]) for a in before["alerts"]] == [
        ("encounter", "new"),  # handled later: open then
        ("loitering", "new"),
    ]
    after = picture(at=(now + timedelta(minutes=1)).isoformat())
    assert [(a["type"], a["status"]) for a in after["alerts"]] == [("encounter", "acknowledged")]
    closed = picture(at=(now + timedelta(minutes=1)).isoformat(), status=["closed"])
    assert [(a["type"], a["status"]) for a in closed["alerts"]] == [("loitering", "closed")]
    assert picture(at=(raised - timedelta(minutes=1)).isoformat())["alerts"] == []

    july = picture(at="2026-07-15T11:05:00Z", stale="30m")
    assert [(v["mmsi"], v["name"], v["age_s"]) for v in july["vessels"]] == [
        (AURORA, "AURORA II", 300.0),
        (FERRY, "TANIT", 300.0),
    ]
    assert july["vessels"][0]["ts"] == "2026-07-15T11:00:00.000Z"
    at_ten = picture(at="2026-07-15T10:05:00Z", stale="15m")
    assert {v["mmsi"]: v["name"] for v in at_ten["vessels"]} == {
        AURORA: "MSC AURORA",  # renamed only at 11:00
        FERRY: "TANIT",
    }
    assert at_ten["stale_s"] == 900.0
    boxed = picture(at="2026-07-15T10:05:00Z", bbox="11.9,37.4,12.2,37.7")
    assert [v["mmsi"] for v in boxed["vessels"]] == [FERRY]
    for bad in ({"at": "yesterday"}, {"at": T0, "stale": "-1h"}, {"at": T0, "stale": "2w"}):
        assert client.get("/api/picture", params=bad, headers=headers).status_code == 422


def test_tracks_of_a_period_as_geojson_columns_and_arrow(client: TestClient) -> None:
    headers = bearer(client.app, "observer")
    period = {"start": T0, "end": "2026-07-15T11:00:00Z"}
    response = client.get("/api/tracks", params=period, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/geo+json"
    features = {f["properties"]["mmsi"]: f for f in response.json()["features"]}
    assert set(features) == {AURORA, FERRY}
    aurora = features[AURORA]
    assert aurora["geometry"]["type"] == "LineString"
    assert len(aurora["geometry"]["coordinates"]) == aurora["properties"]["positions"] == 6
    assert aurora["properties"]["start"] == "2026-07-15T10:00:00.000Z"
    assert aurora["properties"]["ts_ms"][1] - aurora["properties"]["ts_ms"][0] == 600_000
    ferry = features[FERRY]  # heard once in the period: a Point
    assert ferry["geometry"] == {"type": "Point", "coordinates": [12.0, 37.5]}

    columns = client.get("/api/tracks", params=period | {"format": "columnar"}, headers=headers)
    body = columns.json()
    assert body["mmsi"] == [AURORA] * 6 + [FERRY]
    assert len(body["lat"]) == len(body["ts_ms"]) == 7

    arrow = client.get("/api/tracks", params=period | {"format": "arrow"}, headers=headers)
    table = pa.ipc.open_stream(io.BytesIO(arrow.content)).read_all()
    assert table.num_rows == 7
    assert table.column("mmsi").to_pylist() == body["mmsi"]

    thinned = client.get(
        "/api/tracks", params=period | {"resolution": "30m", "format": "columnar"}, headers=headers
    ).json()
    assert thinned["mmsi"] == [AURORA, AURORA, FERRY]
    boxed = client.get(
        "/api/tracks", params=period | {"bbox": "11.9,37.4,12.2,37.7"}, headers=headers
    )
    assert [f["properties"]["mmsi"] for f in boxed.json()["features"]] == [FERRY]
    too_many = client.get("/api/tracks", params=period | {"max_positions": 3}, headers=headers)
    assert too_many.status_code == 422
    assert "more than 3 positions" in too_many.json()["message"]
    long = {"start": T0, "end": "2026-09-15T00:00:00Z"}
    assert client.get("/api/tracks", params=long, headers=headers).status_code == 422
    backwards = {"start": "2026-07-15T11:00:00Z", "end": T0}
    assert client.get("/api/tracks", params=backwards, headers=headers).status_code == 422
    empty = client.get("/api/tracks", params={"start": T0, "end": T0}, headers=headers).json()
    assert empty == {"type": "FeatureCollection", "features": []}


# -- zones, ports, areas and rules --------------------------------------------------------


def test_drawn_areas_are_zones_of_the_map_until_deleted(client: TestClient) -> None:
    watch = bearer(client.app, "watch_officer")
    drawn = client.post("/api/zones", json={"name": "Kelibia", "geometry": BOX}, headers=watch)
    assert drawn.status_code == 201, drawn.text
    feature = drawn.json()
    assert feature["properties"]["kind"] == "area_of_interest"
    assert feature["properties"]["origin"] == "drawn"
    observer = bearer(client.app, "observer")
    zones = client.get("/api/zones", headers=observer)
    assert zones.headers["content-type"] == "application/geo+json"
    found = [f for f in zones.json()["features"] if f["properties"]["origin"] == "drawn"]
    assert [(f["id"], f["properties"]["name"]) for f in found] == [(feature["id"], "Kelibia")]
    assert found[0]["geometry"]["type"] == "Polygon"
    only = client.get("/api/zones", params={"kind": "area_of_interest"}, headers=observer).json()
    assert [f["properties"]["name"] for f in only["features"]] == ["Kelibia"]
    again = client.post("/api/zones", json={"name": "Kelibia", "geometry": BOX}, headers=watch)
    assert again.status_code == 409
    gone = client.delete(f"/api/zones/{feature['id']}", headers=watch)
    assert gone.status_code == 204
    assert client.delete(f"/api/zones/{feature['id']}", headers=watch).status_code == 404
    assert client.get("/api/zones", params={"origin": "drawn"}, headers=observer).json() == {
        "type": "FeatureCollection",
        "features": [],
    }
    assert [e["action"] for e in _audit(client, "area.create") + _audit(client, "area.delete")] == [
        "area.create",
        "area.delete",
    ]


@pytest.mark.parametrize(
    ("geometry", "loc", "message"),
    [
        (
            {
                "type": "Polygon",
                "coordinates": [[[11, 36.8], [11.4, 36.8], [11.4, 37.1], [11, 37.1]]],
            },
            ["body", "geometry", "coordinates", 0, 3],
            "the ring is not closed",
        ),
        (
            {
                "type": "Polygon",
                "coordinates": [[[11, 36.8], [11.4, 37.1], [11.4, 36.8], [11, 37.1], [11, 36.8]]],
            },
            ["body", "geometry", "coordinates"],
            "self-intersection near lon 11.20000, lat 36.95000",
        ),
        (
            {
                "type": "Polygon",
                "coordinates": [[[11, 36.8], [11.4, 36.8], [11.4, 97], [11, 36.8]]],
            },
            ["body", "geometry", "coordinates", 0, 2, 1],
            "latitude 97.0 is outside [-90, 90]",
        ),
        (
            {"type": "Polygon", "coordinates": [[[11, 36.8], [11.4, 36.8], [11, 36.8]]]},
            ["body", "geometry", "Polygon", "coordinates", 0],
            "at least 4 items",
        ),
    ],
)
def test_a_drawn_area_that_is_no_polygon_is_422_saying_where(
    client: TestClient, geometry: dict[str, Any], loc: list[Any], message: str
) -> None:
    response = client.post(
        "/api/zones",
        json={"name": "bad", "geometry": geometry},
        headers=bearer(client.app, "analyst"),
    )
    assert response.status_code == 422
    body = response.json()
    assert body["detail"][0]["loc"] == loc
    assert message in body["detail"][0]["msg"]
    assert message in body["message"]


def test_alert_rules_of_settings_and_database_and_a_zone_entry_alert_end_to_end(
    client: TestClient,
) -> None:
    analyst = bearer(client.app, "analyst")
    area = client.post("/api/zones", json={"name": "Kelibia", "geometry": BOX}, headers=analyst)
    rule = client.post(
        "/api/alert-rules",
        json={"name": "Kelibia entries", "types": ["zone_entry"], "zone": "Kelibia", "priority": 2},
        headers=analyst,
    )
    assert rule.status_code == 201, rule.text
    rules = client.get("/api/alert-rules", headers=bearer(client.app, "observer")).json()
    assert [(r["name"], r["origin"], r["priority"]) for r in rules] == [
        ("Kelibia entries", "database", 2),
        ("default", "settings", None),
    ]
    refused = client.delete(f"/api/zones/{area.json()['id']}", headers=analyst)
    assert refused.status_code == 409
    assert "Kelibia entries" in refused.json()["detail"]
    bad = client.post("/api/alert-rules", json={"name": "x", "types": ["piracy"]}, headers=analyst)
    assert bad.status_code == 422
    unknown = client.post("/api/alert-rules", json={"name": "y", "zone": "Nabeul"}, headers=analyst)
    assert unknown.status_code == 400

    # The live node: a vessel sails into the drawn area; the next run raises the alert.
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
    _run_detection(
        client,
        _track(214000001, now.isoformat(), [36.9] * 6, [10.8, 10.85, 10.9, 10.95, 11.05, 11.1], 2),
    )
    [alert] = [
        a for a in client.get("/api/alerts", headers=analyst).json() if a["type"] == "zone_entry"
    ]
    assert (alert["mmsi"], alert["rule"], alert["zone"], alert["priority"]) == (
        [214000001],
        "Kelibia entries",
        "Kelibia",
        2,
    )
    assert (
        client.delete(f"/api/alert-rules/{rule.json()['id']}", headers=analyst).status_code == 204
    )
    assert (
        client.delete(f"/api/alert-rules/{rule.json()['id']}", headers=analyst).status_code == 404
    )
    assert client.delete(f"/api/zones/{area.json()['id']}", headers=analyst).status_code == 204
    actions = [e["action"] for e in _audit(client, "alert_rule.create")]
    assert actions == ["alert_rule.create"]


def test_ports_without_a_file_are_an_empty_collection_saying_why(client: TestClient) -> None:
    response = client.get("/api/ports", headers=bearer(client.app, "observer"))
    assert response.json() == {"type": "FeatureCollection", "features": []}
    assert "does not exist" in response.headers["x-ports-note"]


def test_ports_of_the_world_port_index(tmp_path: Path, database_url: str) -> None:
    if not SHARED_PORTS.is_file():
        pytest.skip(f"{SHARED_PORTS} is absent (../shared/data is not beside this checkout)")
    settings = Settings(
        data_dir=tmp_path / "node",
        database_url=database_url,
        detection_interval_seconds=0,
        ports_file=SHARED_PORTS,
    )
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        headers = bearer(client.app, "observer")
        every = client.get("/api/ports", headers=headers).json()["features"]
        assert len(every) > 3000
        tunis = client.get("/api/ports", params={"bbox": "10.0,36.6,10.5,37.0"}, headers=headers)
        names = {f["properties"]["name"] for f in tunis.json()["features"]}
        assert any("Goulette" in name or "Tunis" in name for name in names), names
        feature = tunis.json()["features"][0]
        assert feature["geometry"]["type"] == "Point"
        lon, lat = feature["geometry"]["coordinates"]
        assert 10.0 <= lon <= 10.5
        assert 36.6 <= lat <= 37.0
        assert json.dumps(feature["properties"])
