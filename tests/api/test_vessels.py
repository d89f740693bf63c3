"""`/api/vessels`: JSON shape of the latest picture, GeoJSON tracks, 404 and 422 answers."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from watchkeeper.accounts.principal import Principal
from watchkeeper.accounts.roles import Role
from watchkeeper.api.access import authenticate
from watchkeeper.api.routes.vessels import router
from watchkeeper.testing import make_positions, make_vessels, utc
from watchkeeper.tracks import Archive, LatestState

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

RFC3339_UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")
VESSEL_KEYS = [
    "mmsi",
    "ts",
    "lat",
    "lon",
    "sog",
    "cog",
    "heading",
    "nav_status",
    "name",
    "callsign",
    "imo",
    "ship_type",
]


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    with Archive(tmp_path / "archive") as archive:
        archive.append(
            {
                "positions": make_positions(
                    [  # Tunis Gulf: lat 36.9, lon 10.3, so swapped axes are visible
                        {"mmsi": 247000001, "ts": "2024-05-01T10:00:00Z", "lat": 36.8, "lon": 10.2},
                        {
                            "mmsi": 247000001,
                            "ts": "2024-05-01T10:00:10.250Z",
                            "lat": 36.9,
                            "lon": 10.3,
                            "sog": 12.5,
                            "cog": 45.0,
                            "heading": 44,
                            "nav_status": 0,
                        },
                        {"mmsi": 247000001, "ts": "2024-05-02T09:00:00Z", "lat": 37.0, "lon": 10.4},
                        {"mmsi": 247000001, "ts": None, "lat": 1.0, "lon": 1.0},
                        {"mmsi": 636000002, "ts": "2024-05-01T11:00:00Z", "lat": 43.0, "lon": 5.0},
                    ]
                ),
                "vessels": make_vessels(
                    [
                        {
                            "mmsi": 247000001,
                            "ts": "2024-05-01T09:00:00Z",
                            "name": "SANTA LUCIA",
                            "callsign": "IABC",
                            "imo": 9123456,
                            "ship_type": 70,
                        }
                    ]
                ),
            },
            batch_id="seed",
        )
        yield archive


OBSERVER = Principal(1, "observer", "TEST", frozenset({Role.OBSERVER}), via="token")


@pytest.fixture
def app(archive: Archive) -> FastAPI:
    app = FastAPI()
    app.state.archive = archive
    app.include_router(router)
    # Who may call these routes is tested in test_access.py; here, an observer calls.
    app.dependency_overrides[authenticate] = lambda: OBSERVER
    return app


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


def detail_message(response: Any) -> str:
    """The one validation message of a 422 (FastAPI's error list shape)."""
    [error] = response.json()["detail"]
    return str(error["msg"])


# -- GET /api/vessels -------------------------------------------------------------------


def test_vessels_lists_latest_fix_with_particulars(client: TestClient) -> None:
    response = client.get("/api/vessels")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert [list(v) for v in body] == [VESSEL_KEYS, VESSEL_KEYS]
    assert [v["mmsi"] for v in body] == [247000001, 636000002]  # most recently seen first
    assert body[0] == {
        "mmsi": 247000001,
        "ts": "2024-05-02T09:00:00.000Z",
        "lat": 37.0,
        "lon": 10.4,
        "sog": None,
        "cog": None,
        "heading": None,
        "nav_status": None,
        "name": "SANTA LUCIA",
        "callsign": "IABC",
        "imo": 9123456,
        "ship_type": 70,
    }
    assert body[1]["name"] is None
    assert all(RFC3339_UTC.fullmatch(v["ts"]) for v in body)


def test_vessels_bbox_and_limit(client: TestClient) -> None:
    tunis = client.get("/api/vessels", params={"bbox": "9.5,36.0,11.0,38.0"})
    assert [v["mmsi"] for v in tunis.json()] == [247000001]
    assert client.get("/api/vessels", params={"bbox": "0,0,1,1"}).json() == []
    assert [v["mmsi"] for v in client.get("/api/vessels?limit=1").json()] == [247000001]


@pytest.mark.parametrize(
    ("bbox", "message"),
    [
        ("1,2,3", "bbox must be four comma-separated numbers: min_lon,min_lat,max_lon,max_lat"),
        ("a,b,c,d", "bbox must be four comma-separated numbers: min_lon,min_lat,max_lon,max_lat"),
        ("0,-91,1,1", "bbox latitudes must be within [-90, 90], got -91.0, 1.0"),
        ("0,0,181,1", "bbox longitudes must be within [-180, 180], got 0.0, 181.0"),
        ("0,2,1,1", "bbox min_lat 2.0 is greater than max_lat 1.0"),
        ("0,nan,1,1", "bbox values must be finite numbers"),
    ],
)
def test_vessels_bad_bbox_is_422_saying_why(client: TestClient, bbox: str, message: str) -> None:
    response = client.get("/api/vessels", params={"bbox": bbox})
    assert response.status_code == 422
    assert detail_message(response) == message
    assert response.json()["detail"][0]["loc"] == ["query", "bbox"]


def test_vessels_limit_below_one_is_422(client: TestClient) -> None:
    assert client.get("/api/vessels?limit=0").status_code == 422


def test_vessels_come_from_the_live_state_when_the_node_keeps_one(
    app: FastAPI, client: TestClient
) -> None:
    state = LatestState()
    state.update(
        make_positions([{"mmsi": 1, "ts": "2024-06-01T00:00:00Z", "lat": 1.0, "lon": 2.0}])
    )
    app.state.latest = state
    assert [v["mmsi"] for v in client.get("/api/vessels").json()] == [1]


def test_no_archive_configured_is_503(tmp_path: Path) -> None:
    bare = FastAPI()
    bare.include_router(router)
    bare.dependency_overrides[authenticate] = lambda: OBSERVER
    with TestClient(bare) as client:
        response = client.get("/api/vessels")
    assert response.status_code == 503
    assert response.json() == {"detail": "the position archive is not configured"}


# -- GET /api/vessels/{mmsi}/track ------------------------------------------------------


def test_track_is_a_geojson_feature_collection_lon_lat_in_time_order(client: TestClient) -> None:
    response = client.get("/api/vessels/247000001/track")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    body = response.json()
    assert body["type"] == "FeatureCollection"
    line, *points = body["features"]
    assert line["type"] == "Feature"
    assert line["geometry"] == {
        "type": "LineString",
        "coordinates": [[10.2, 36.8], [10.3, 36.9], [10.4, 37.0]],  # [lon, lat]; no null-ts fix
    }
    assert line["properties"] == {
        "mmsi": 247000001,
        "start": "2024-05-01T10:00:00.000Z",
        "end": "2024-05-02T09:00:00.000Z",
        "positions": 3,
    }
    assert [p["geometry"] for p in points] == [
        {"type": "Point", "coordinates": c} for c in line["geometry"]["coordinates"]
    ]
    assert points[1]["type"] == "Feature"
    assert points[1]["properties"] == {
        "ts": "2024-05-01T10:00:10.250Z",
        "sog": 12.5,
        "cog": 45.0,
        "heading": 44,
        "nav_status": 0,
    }
    for feature in body["features"]:  # RFC 7946 positions: lon in [-180, 180], lat in [-90, 90]
        coords = feature["geometry"]["coordinates"]
        for lon, lat in coords if feature["geometry"]["type"] == "LineString" else [coords]:
            assert -180 <= lon <= 180
            assert -90 <= lat <= 90


def test_track_range_is_start_inclusive_end_exclusive(client: TestClient) -> None:
    params = {"start": "2024-05-01T10:00:10.250Z", "end": "2024-05-02T09:00:00Z"}
    body = client.get("/api/vessels/247000001/track", params=params).json()
    # One position: no LineString (RFC 7946 needs two), one Point.
    assert [f["geometry"]["type"] for f in body["features"]] == ["Point"]
    assert body["features"][0]["properties"]["ts"] == "2024-05-01T10:00:10.250Z"
    offset = {"start": "2024-05-02T10:00:00+02:00"}  # = 08:00Z, before the 09:00Z fix
    body = client.get("/api/vessels/247000001/track", params=offset).json()
    assert [f["properties"].get("ts") for f in body["features"]] == ["2024-05-02T09:00:00.000Z"]


def test_track_of_a_known_vessel_with_nothing_in_range_is_empty_not_404(
    client: TestClient,
) -> None:
    response = client.get("/api/vessels/247000001/track", params={"start": "2030-01-01T00:00:00Z"})
    assert response.status_code == 200
    assert response.json() == {"type": "FeatureCollection", "features": []}


def test_track_of_an_unknown_mmsi_is_404_saying_so(client: TestClient) -> None:
    for params in ({}, {"start": "2024-05-01T00:00:00Z"}):
        response = client.get("/api/vessels/123456789/track", params=params)
        assert response.status_code == 404
        assert response.json() == {"detail": "no positions stored for MMSI 123456789"}


@pytest.mark.parametrize(
    ("params", "where", "message"),
    [
        (
            {"start": "2024-05-02T00:00:00Z", "end": "2024-05-01T00:00:00Z"},
            "start",
            "start 2024-05-02T00:00:00Z is after end 2024-05-01T00:00:00Z",
        ),
        (
            {"end": "2024-05-01T00:00:00"},
            "end",
            "end must be an RFC 3339 time with an offset, e.g. 2024-05-01T00:00:00Z",
        ),
        (
            {"start": "yesterday"},
            "start",
            "start must be an RFC 3339 time with an offset, e.g. 2024-05-01T00:00:00Z",
        ),
        (
            {"start": "2024-05-01T00:00:00 02:00"},  # what an unencoded '+' arrives as
            "start",
            "start must be an RFC 3339 time with an offset, e.g. 2024-05-01T00:00:00Z "
            "(a '+' in a URL means a space: write the offset as %2B)",
        ),
    ],
)
def test_track_bad_times_are_422_saying_why(
    client: TestClient, params: dict[str, str], where: str, message: str
) -> None:
    response = client.get("/api/vessels/247000001/track", params=params)
    assert response.status_code == 422
    assert detail_message(response) == message
    assert response.json()["detail"][0]["loc"] == ["query", where]


def test_track_impossible_date_is_422(client: TestClient) -> None:
    response = client.get("/api/vessels/247000001/track", params={"start": "2024-02-30T00:00:00Z"})
    assert response.status_code == 422
    assert detail_message(response).startswith("start is not a valid time")


def test_track_mmsi_out_of_range_is_422(client: TestClient) -> None:
    assert client.get("/api/vessels/-1/track").status_code == 422
    assert client.get(f"/api/vessels/{1 << 30}/track").status_code == 422


def test_track_points_match_the_archive(client: TestClient, archive: Archive) -> None:
    start = utc("2024-05-01T00:00:00Z")
    expected = archive.track(247000001, start=start).column("lat").to_pylist()
    body = client.get(
        "/api/vessels/247000001/track", params={"start": "2024-05-01T00:00:00Z"}
    ).json()
    points = [f for f in body["features"] if f["geometry"]["type"] == "Point"]
    assert [p["geometry"]["coordinates"][1] for p in points] == expected


def test_routes_are_documented_in_openapi(app: FastAPI) -> None:
    paths = app.openapi()["paths"]
    assert set(paths) == {
        "/api/vessels",
        "/api/vessels/{mmsi}/track",
        "/api/vessels/{mmsi}/dossier",
    }
    params = {p["name"] for p in paths["/api/vessels"]["get"]["parameters"]}
    assert params == {"bbox", "limit"}
    track = paths["/api/vessels/{mmsi}/track"]["get"]
    assert "application/geo+json" in track["responses"]["200"]["content"]
