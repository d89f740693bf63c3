"""The application factory: health check, OpenAPI, error answers, startup side effects."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

from watchkeeper import __version__
from watchkeeper.api.app import SettingsDep, create_app
from watchkeeper.settings import Settings
from watchkeeper.testing import bearer

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from fastapi import FastAPI


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "node")


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_healthz(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": __version__}


def test_openapi_schema_needs_a_signed_in_user(client: TestClient) -> None:
    assert client.get("/openapi.json").status_code == 401
    spec = client.get("/openapi.json", headers=bearer(client.app, "observer")).json()
    assert spec["info"] == {
        "title": "Watchkeeper",
        "version": __version__,
        "description": spec["info"]["description"],
    }
    assert "/healthz" in spec["paths"]
    assert "/openapi.json" not in spec["paths"]


def test_no_docs_page_that_would_load_scripts_from_a_cdn(client: TestClient) -> None:
    assert client.get("/docs").status_code == 404


def test_unknown_route_is_404_json(client: TestClient) -> None:
    response = client.get("/no/such/route")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_settings_are_on_app_state(app: FastAPI, settings: Settings) -> None:
    assert app.state.settings is settings


def test_data_dir_is_created_at_startup_not_at_build(app: FastAPI, settings: Settings) -> None:
    assert not settings.data_dir.exists()
    with TestClient(app):
        assert settings.archive_dir.is_dir()
        assert settings.state_dir.is_dir()


def test_unexpected_error_is_json_500_without_trace(app: FastAPI) -> None:
    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert response.json() == {"detail": "internal error"}
    assert "secret" not in response.text


def test_invalid_request_is_422_with_a_readable_message(app: FastAPI) -> None:
    @app.get("/echo")
    def echo(limit: int) -> dict[str, int]:
        return {"limit": limit}

    with TestClient(app) as client:
        response = client.get("/echo", params={"limit": "many"})
    assert response.status_code == 422
    body = response.json()
    assert body["message"].startswith("invalid request: query.limit: ")
    assert body["detail"][0]["loc"] == ["query", "limit"]


def test_routes_get_the_app_settings(app: FastAPI, settings: Settings) -> None:
    @app.get("/data-dir")
    def data_dir(current: SettingsDep) -> dict[str, str]:
        return {"data_dir": str(current.data_dir)}

    with TestClient(app) as client:
        assert client.get("/data-dir").json() == {"data_dir": str(settings.data_dir)}
