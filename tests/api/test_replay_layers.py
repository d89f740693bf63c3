"""The replay slider's span and the incident heatmap's points, through a running app."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from watchkeeper.api.app import create_app
from watchkeeper.geo.incidents import SHARED_INCIDENTS_FILE
from watchkeeper.settings import Settings
from watchkeeper.testing import bearer, make_positions
from watchkeeper.tracks import Archive

SHARED_INCIDENTS = Path(__file__).resolve().parents[2].parent / SHARED_INCIDENTS_FILE


def _settings(tmp_path: Path, **extra: object) -> Settings:
    return Settings(
        data_dir=tmp_path / "node",
        detection_interval_seconds=3600,
        ports_file=tmp_path / "no-ports.csv",
        **extra,  # type: ignore[arg-type]
    )


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(_settings(tmp_path)), base_url="https://testserver") as client:
        yield client


def test_span_of_an_empty_archive_is_null(client: TestClient) -> None:
    response = client.get("/api/picture/span", headers=bearer(client.app, "observer"))
    assert response.json() == {"start": None, "end": None}


def test_span_runs_from_the_first_to_the_last_placed_report_across_days(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    t0 = datetime(2026, 7, 14, 22, 30, tzinfo=UTC)
    rows = [
        {"mmsi": 247000001, "ts": t0 + timedelta(hours=h), "lat": 36.9, "lon": 11.0}
        for h in range(5)  # two day partitions: 22:30 on the 14th to 02:30 on the 15th
    ]
    with Archive(settings.archive_dir) as archive:
        archive.append({"positions": make_positions(rows)}, batch_id="seed")
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        span = client.get("/api/picture/span", headers=bearer(client.app, "observer")).json()
    assert span == {"start": "2026-07-14T22:30:00Z", "end": "2026-07-15T02:30:00Z"}


def test_incidents_without_a_file_are_an_empty_collection_saying_why(tmp_path: Path) -> None:
    settings = _settings(tmp_path, incidents_file=tmp_path / "absent.csv")
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        response = client.get("/api/incidents", headers=bearer(client.app, "observer"))
    assert response.json() == {"type": "FeatureCollection", "features": []}
    assert "does not exist" in response.headers["x-incidents-note"]


def test_incidents_of_the_iom_file_as_points_in_a_box(tmp_path: Path) -> None:
    if not SHARED_INCIDENTS.is_file():
        pytest.skip(f"{SHARED_INCIDENTS} is absent (../shared/data is not beside this checkout)")
    settings = _settings(tmp_path, incidents_file=SHARED_INCIDENTS)
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        headers = bearer(client.app, "observer")
        every = client.get("/api/incidents", headers=headers)
        # Off Lampedusa and the Libyan coast: the Central Mediterranean crossing.
        box = client.get("/api/incidents", params={"bbox": "11,32,16,36"}, headers=headers)
    assert every.headers["content-type"].startswith("application/geo+json")
    assert len(every.json()["features"]) > 6000
    features = box.json()["features"]
    assert len(features) > 100
    lon, lat = features[0]["geometry"]["coordinates"]
    assert 11 <= lon <= 16
    assert 32 <= lat <= 36
    assert set(features[0]["properties"]) == {"id", "date", "dead_missing", "route"}


def test_picture_in_columns_is_the_live_streams_vessel_as_at_the_moment(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    t0 = datetime(2026, 7, 15, 10, 0, tzinfo=UTC)
    rows = [
        {"mmsi": 247000001, "ts": t0, "lat": 36.9, "lon": 11.0, "sog": 10.0, "cog": 91.6},
        {"mmsi": 970012345, "ts": t0 - timedelta(minutes=30), "lat": 36.95, "lon": 11.9}
        | {"sog": 0.1, "cog": 10.0},
    ]
    with Archive(settings.archive_dir) as archive:
        archive.append({"positions": make_positions(rows)}, batch_id="seed")
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        response = client.get(
            "/api/picture",
            params={"at": "2026-07-15T10:05:00Z", "format": "columnar"},
            headers=bearer(client.app, "observer"),
        )
    assert response.status_code == 200, response.text
    columns = response.json()["vessels"]
    assert set(columns) == {"mmsi", "lon", "lat", "course", "sog", "ts", "name", "class", "stale"}
    by_mmsi = {m: i for i, m in enumerate(columns["mmsi"])}
    ship, sart = by_mmsi[247000001], by_mmsi[970012345]
    assert (columns["lon"][ship], columns["course"][ship], columns["ts"][ship]) == (
        11.0,
        92,
        int(t0.timestamp() * 1000),
    )
    # The beacon is still (no course), a SAR mark, and not heard for 35 min: stale then.
    assert (columns["course"][sart], columns["class"][sart], columns["stale"][sart]) == (
        None,
        "sar",
        True,
    )
    assert columns["stale"][ship] is False
