"""Schemathesis explores every operation of the OpenAPI schema against a real server: no 5xx.

The node runs under uvicorn on a loopback port, signed in as an administrator who is
also a watch officer (so the fuzzed requests reach the routes' logic, not just the
access check), once per records database backend.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from watchkeeper.api.app import create_app
from watchkeeper.settings import Settings
from watchkeeper.testing import issue_token, make_events, serve_in_thread

ROLES = ("administrator", "watch_officer")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live_node(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    new_database: Callable[[str, Path], str],
) -> Iterator[dict[str, Any]]:
    directory = tmp_path_factory.mktemp("node")
    node = Settings(
        data_dir=directory,
        database_url=new_database(request.param, directory),
        cookie_secure=False,
        max_body_bytes=256 * 1024,
    )
    app = create_app(node)
    with serve_in_thread(app) as url:
        holder = {"url": url, "app": app}
        holder["token"] = issue_token(app.state.accounts, *ROLES)
        # A few alerts, so that fuzzed ids (small ones come often) reach the handling logic.
        app.state.alerts.ingest(
            make_events(
                [
                    {"type": t, "mmsi": [247000000 + i], "start": "2026-07-15T01:00:00Z"}
                    for i, t in enumerate(("drift", "ais_gap", "encounter"))
                ]
            )
        )
        yield holder


def test_no_operation_answers_with_a_server_error(live_node: dict[str, Any]) -> None:
    schema = schemathesis.openapi.from_url(
        live_node["url"] + "/openapi.json",
        headers={"Authorization": f"Bearer {live_node['token']}"},
    )
    failures: list[str] = []
    # The live streams never end while their client listens (follow=true), so a fuzzed
    # call would hang; tests/api/test_alerts.py and tests/web/ drive them instead.
    streams = {"/api/alerts/stream", "/api/picture/stream", "/api/contacts/stream"}
    operations = [
        operation
        for operation in (result.ok() for result in schema.get_all_operations())
        if operation.path not in streams
    ]
    assert len(operations) >= 15

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def explore(case: Any) -> None:
            response = case.call(headers={"Authorization": f"Bearer {live_node['token']}"})
            if response.status_code == 401 and "revoked" in response.text:
                # The fuzzer revoked our own token (DELETE /api/tokens/{id}): take a new one.
                live_node["token"] = issue_token(live_node["app"].state.accounts, *ROLES)
            if response.status_code >= 500 or "Traceback" in response.text:
                failures.append(
                    f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:200]}"
                )

        explore()
    assert failures == []
