"""`/api/alerts`: ranked lists, handling on record, clear refusals, and the live stream."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from watchkeeper.alerts.service import Alerts
from watchkeeper.api.app import create_app
from watchkeeper.settings import Settings
from watchkeeper.testing import bearer, issue_token, make_events, serve_in_thread

T0 = "2026-07-15T01:00:00Z"
GAP = {"type": "ais_gap", "mmsi": [247000001], "start": T0, "score": 0.9}
ENCOUNTER = {"type": "encounter", "mmsi": [247000002, 247000003], "start": T0, "score": 1.0}
DRIFT = {"type": "drift", "mmsi": [247000004], "start": T0, "score": 0.6}
BEACON = {"type": "distress_beacon", "mmsi": [970012345], "start": T0, "score": 1.0}


@pytest.fixture
def client(node_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(node_settings), base_url="https://testserver") as client:
        yield client


def _alerts(app: Any) -> Alerts:
    alerts: Alerts = app.state.alerts
    return alerts


def _watch(client: TestClient, username: str = "amira") -> dict[str, str]:
    token = issue_token(client.app.state.accounts, "watch_officer", username=username)
    return {"Authorization": f"Bearer {token}"}


def test_list_is_ranked_distress_first_and_filters(client: TestClient) -> None:
    _alerts(client.app).ingest(make_events([GAP, ENCOUNTER]))
    _alerts(client.app).ingest(make_events([DRIFT]))  # last, and the lowest score
    observer = bearer(client.app, "observer")
    body = client.get("/api/alerts", headers=observer).json()
    assert [a["type"] for a in body] == ["drift", "encounter", "ais_gap"]
    assert body[0]["distress"] is True
    assert body[0]["priority"] == 1
    assert body[0]["mmsi"] == [247000004]
    assert body[0]["status"] == "new"
    assert body[0]["end"] is None
    only = client.get("/api/alerts", params={"type": "ais_gap"}, headers=observer).json()
    assert [a["type"] for a in only] == ["ais_gap"]
    assert len(client.get("/api/alerts", params={"limit": 1}, headers=observer).json()) == 1
    assert client.get("/api/alerts", params={"limit": 0}, headers=observer).status_code == 422
    bad = client.get("/api/alerts", params={"type": "piracy"}, headers=observer)
    assert bad.status_code == 422


def test_handling_through_the_api_is_in_the_history_and_the_audit_trail(
    client: TestClient,
) -> None:
    _alerts(client.app).ingest(make_events([GAP]))
    amira = _watch(client)
    _watch(client, "karim")
    [alert] = client.get("/api/alerts", headers=amira).json()
    path = f"/api/alerts/{alert['id']}"
    acked = client.post(f"{path}/acknowledge", json={"note": "on screen"}, headers=amira)
    assert acked.status_code == 200, acked.text
    assert acked.json()["status"] == "acknowledged"
    assigned = client.post(f"{path}/assign", json={"username": "karim"}, headers=amira).json()
    assert (assigned["status"], assigned["assignee"]) == ("assigned", "karim")
    closed = client.post(f"{path}/close", json={"note": "back on AIS"}, headers=amira).json()
    assert closed["status"] == "closed"
    assert [(h["actor"], h["action"]) for h in closed["history"]] == [
        ("system", "raised"),
        ("amira", "acknowledged"),
        ("amira", "assigned"),
        ("amira", "closed"),
    ]
    again = client.post(f"{path}/close", json={"note": "again"}, headers=amira)
    assert again.status_code == 409
    assert "is closed" in again.json()["detail"]
    assert client.get("/api/alerts", headers=amira).json() == []  # closed is not open
    shown = client.get("/api/alerts", params={"status": "closed"}, headers=amira).json()
    assert [a["id"] for a in shown] == [alert["id"]]
    admin = bearer(client.app, "administrator")
    entries = client.get("/api/audit", params={"action": "alert.close"}, headers=admin).json()
    [entry] = entries
    assert (entry["actor"], entry["object_id"], entry["justification"]) == (
        "amira",
        str(alert["id"]),
        "back on AIS",
    )
    assert entry["detail"]["before"] == "assigned"


def test_refusals_name_the_problem(client: TestClient) -> None:
    _alerts(client.app).ingest(make_events([GAP]))
    amira = _watch(client)
    [alert] = client.get("/api/alerts", headers=amira).json()
    path = f"/api/alerts/{alert['id']}"
    assert client.get("/api/alerts/424242", headers=amira).status_code == 404
    control = client.post(f"{path}/acknowledge", json={"note": "a\x00b"}, headers=amira)
    assert control.status_code == 422
    assert client.post(f"{path}/close", json={}, headers=amira).status_code == 422
    blank = client.post(f"{path}/close", json={"note": "  "}, headers=amira)
    assert (blank.status_code, blank.json()["detail"]) == (
        400,
        "closing an alert needs a note saying how it ended",
    )
    nobody = client.post(f"{path}/assign", json={"username": "nobody"}, headers=amira)
    assert nobody.status_code == 404
    observer = bearer(client.app, "observer")
    refused = client.post(f"{path}/acknowledge", json={}, headers=observer)
    assert refused.status_code == 403
    assert client.get(path, headers=amira).json()["status"] == "new"


# -- the live stream, against a real server ---------------------------------------


@pytest.fixture
def live(node_settings: Settings) -> Iterator[dict[str, Any]]:
    settings = node_settings.model_copy(update={"alert_poll_seconds": 0.2})
    app = create_app(settings)
    with serve_in_thread(app) as url:
        yield {"url": url, "app": app}


def _events(lines: Iterator[str]) -> Iterator[tuple[str, Any]]:
    """(event, data) of a server-sent event stream; comments are skipped."""
    kind, data = "message", ""
    for line in lines:
        if line == "":
            if data:
                yield kind, json.loads(data)
            kind, data = "message", ""
        elif line.startswith("event: "):
            kind = line[len("event: ") :]
        elif line.startswith("data: "):
            data += line[len("data: ") :]


def _take(events: Iterator[tuple[str, Any]], n: int) -> list[tuple[str, Any]]:
    return [next(events) for _ in range(n)]


def test_stream_sends_open_alerts_distress_first_then_changes_as_they_happen(
    live: dict[str, Any],
) -> None:
    app: FastAPI = live["app"]
    alerts = _alerts(app)
    alerts.ingest(make_events([GAP, ENCOUNTER]))
    alerts.ingest(make_events([DRIFT]))
    headers = bearer(app, "observer")
    with (
        httpx.Client(base_url=live["url"], timeout=10) as http,
        http.stream("GET", "/api/alerts/stream", headers=headers) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = _events(response.iter_lines())
        first = _take(events, 4)
        assert [(k, d.get("type")) for k, d in first] == [
            ("alert", "drift"),
            ("alert", "encounter"),
            ("alert", "ais_gap"),
            ("ready", None),
        ]
        assert first[3][1] == {"open": 3}

        # Raised in this process, distress last in the batch: it comes first.
        alerts.ingest(make_events([{**GAP, "mmsi": [247000009]}, BEACON]))
        batch = _take(events, 2)
        assert [(k, d["type"]) for k, d in batch] == [
            ("alert", "distress_beacon"),
            ("alert", "ais_gap"),
        ]
        # An update of an open alert is sent again, with its new end.
        alerts.ingest(make_events([{**GAP, "end": "2026-07-15T03:00:00Z"}]))
        kind, updated = next(events)
        assert (kind, updated["id"], updated["end"]) == (
            "alert",
            first[2][1]["id"],
            "2026-07-15T03:00:00Z",
        )
        # Written by another process (its own Alerts, no shared notifier): found by polling.
        other = Alerts(db=alerts.db, audit=alerts.audit)
        other.retract([updated["event_id"]])
        kind, retracted = next(events)
        assert (kind, retracted["id"], retracted["status"]) == ("alert", updated["id"], "retracted")


def test_stream_without_follow_ends_after_the_open_alerts(live: dict[str, Any]) -> None:
    app: FastAPI = live["app"]
    _alerts(app).ingest(make_events([GAP, BEACON]))
    response = httpx.get(
        live["url"] + "/api/alerts/stream",
        params={"follow": "false"},
        headers=bearer(app, "analyst"),
        timeout=10,
    )
    kinds = [(k, d.get("type")) for k, d in _events(iter(response.text.split("\n")))]
    assert kinds == [("alert", "distress_beacon"), ("alert", "ais_gap"), ("ready", None)]
    unauthenticated = httpx.get(live["url"] + "/api/alerts/stream", timeout=10)
    assert unauthenticated.status_code == 401
