"""Sensor contacts through the API: a gateway POSTs a CSV batch, the node stores what it can
use, refuses the rest with reasons, and the picture shows the contacts live and in replay."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from watchkeeper.api.app import create_app
from watchkeeper.settings import Settings
from watchkeeper.testing import bearer

HEADER = "contact_id,sensor,sensor_id,ts,lat,lon,speed_kn,course,length_m,classification,confidence"
CSV = {"Content-Type": "text/csv"}


def _at(minutes_ago: float) -> str:
    moment = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _body(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


@pytest.fixture
def client(node_settings: Settings) -> Iterator[TestClient]:
    settings = node_settings.model_copy(update={"contacts_max_bytes": 2048})
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        yield client


@pytest.fixture
def gateway(client: TestClient) -> dict[str, str]:
    """A sensor gateway's headers: a watch officer's token, sending CSV."""
    return bearer(client.app, "watch_officer") | CSV


def _snapshot(client: TestClient, headers: dict[str, str]) -> list[dict[str, object]]:
    response = client.get("/api/contacts/stream", params={"follow": "false"}, headers=headers)
    assert response.status_code == 200
    event, data = response.text.strip().split("\n")[1:3]
    assert event == "event: snapshot"
    contacts: list[dict[str, object]] = json.loads(data.removeprefix("data: "))["contacts"]
    return contacts


def test_good_rows_are_stored_and_bad_ones_refused_with_their_reasons(
    client: TestClient, gateway: dict[str, str]
) -> None:
    body = _body(
        f"RAD-LMP-0001,radar,RAD-LMP,{_at(3)},35.40,12.60,8.5,190,9,small_craft,0.8",
        f"MPA-1-0007,aircraft,MPA-1,{_at(2)},35.10,12.90,,,,unknown,0.3",
        f"RAD-LMP-0002,radar,RAD-LMP,{_at(2)},95.0,12.60,,,,,",
        "RAD-LMP-0003,radar,RAD-LMP,yesterday,35.0,12.6,,,,,",
    )
    response = client.post("/api/contacts", content=body, headers=gateway)
    assert response.status_code == 200, response.text
    receipt = response.json()
    assert (receipt["accepted"], receipt["rejected"], receipt["duplicate"]) == (2, 2, False)
    assert receipt["batch_id"].startswith("contacts:")
    assert receipt["rejected_rows"] == [
        {
            "line": 4,
            "raw": f"RAD-LMP-0002,radar,RAD-LMP,{body.decode().splitlines()[3].split(',')[3]},95.0,12.60,,,,,",
            "reason": "lat outside [-90, 90]",
        },
        {
            "line": 5,
            "raw": "RAD-LMP-0003,radar,RAD-LMP,yesterday,35.0,12.6,,,,,",
            "reason": "ts is not an ISO 8601 time",
        },
    ]
    archive = client.app.state.archive
    assert archive.count("contacts") == 2
    assert archive.count("rejected") == 2  # kept, as the AIS ingest keeps its bad lines
    # The live picture has them at once, by sensor.
    shown = {c["contact_id"]: c for c in _snapshot(client, gateway)}
    assert {k: shown[k]["sensor"] for k in shown} == {
        "RAD-LMP-0001": "radar",
        "MPA-1-0007": "aircraft",
    }
    assert shown["RAD-LMP-0001"]["speed_kn"] == 8.5
    assert shown["RAD-LMP-0001"]["course"] == 190
    assert shown["MPA-1-0007"]["stale"] is False


def test_the_same_body_sent_twice_is_stored_once(
    client: TestClient, gateway: dict[str, str]
) -> None:
    body = _body(f"RAD-1-0001,radar,RAD-1,{_at(1)},35.4,12.6,5,10,8,small_craft,0.7")
    first = client.post("/api/contacts", content=body, headers=gateway).json()
    again = client.post("/api/contacts", content=body, headers=gateway).json()
    assert (first["duplicate"], again["duplicate"]) == (False, True)
    assert again["batch_id"] == first["batch_id"]
    assert client.app.state.archive.count("contacts") == 1


def test_the_latest_sighting_of_a_contact_is_the_one_shown(
    client: TestClient, gateway: dict[str, str]
) -> None:
    client.post(
        "/api/contacts",
        content=_body(
            f"RAD-1-0001,radar,RAD-1,{_at(4)},35.40,12.60,5,10,8,small_craft,0.7",
            f"RAD-1-0001,radar,RAD-1,{_at(1)},35.42,12.61,5,10,8,small_craft,0.7",
        ),
        headers=gateway,
    )
    # A late plot of an earlier time does not move the contact back.
    client.post(
        "/api/contacts",
        content=_body(f"RAD-1-0001,radar,RAD-1,{_at(3)},35.41,12.60,5,10,8,small_craft,0.7"),
        headers=gateway,
    )
    [shown] = _snapshot(client, gateway)
    assert (shown["lat"], shown["lon"]) == (35.42, 12.61)


def test_a_body_that_is_not_a_contacts_csv_is_refused_whole(
    client: TestClient, gateway: dict[str, str]
) -> None:
    response = client.post("/api/contacts", content=b"mmsi,lat,lon\n1,2,3\n", headers=gateway)
    assert response.status_code == 422
    assert "no column contact_id, ts" in response.json()["detail"]
    assert client.post("/api/contacts", content=b"", headers=gateway).status_code == 422
    assert client.app.state.archive.count("contacts") == 0


def test_a_body_over_contacts_max_bytes_is_413_and_nothing_is_stored(
    client: TestClient, gateway: dict[str, str]
) -> None:
    row = f"RAD-1-0001,radar,RAD-1,{_at(1)},35.4,12.6,5,10,8,small_craft,0.7"
    body = _body(*[row] * 40)
    assert len(body) > 2048
    response = client.post("/api/contacts", content=body, headers=gateway)
    assert response.status_code == 413
    assert response.json()["detail"] == (
        "contacts body too large: the limit is 2,048 bytes (setting contacts_max_bytes); "
        "send smaller batches"
    )

    # Without a declared length (a chunked upload), counted as it arrives.
    def chunks() -> Iterator[bytes]:
        yield body[:1000]
        yield body[1000:]

    assert client.post("/api/contacts", content=chunks(), headers=gateway).status_code == 413
    assert client.app.state.archive.count("contacts") == 0


def test_only_the_role_that_keeps_the_picture_may_deliver_and_every_upload_is_audited(
    client: TestClient,
) -> None:
    body = _body(f"RAD-1-0001,radar,RAD-1,{_at(1)},35.4,12.6,5,10,8,small_craft,0.7")
    assert client.post("/api/contacts", content=body, headers=CSV).status_code == 401
    observer = bearer(client.app, "observer") | CSV
    assert client.post("/api/contacts", content=body, headers=observer).status_code == 403
    analyst = bearer(client.app, "analyst") | CSV
    assert client.post("/api/contacts", content=body, headers=analyst).status_code == 403
    watch = bearer(client.app, "watch_officer") | CSV
    batch = client.post("/api/contacts", content=body, headers=watch).json()["batch_id"]
    admin = bearer(client.app, "administrator")
    [entry] = client.get("/api/audit", params={"action": "contacts.ingest"}, headers=admin).json()
    assert entry["object_id"] == batch
    assert entry["outcome"] == "ok"
    assert entry["detail"] == {"accepted": 1, "rejected": 0, "duplicate": False, "bytes": len(body)}


def test_replay_shows_the_contacts_as_they_stood_at_t(
    client: TestClient, gateway: dict[str, str]
) -> None:
    client.post(
        "/api/contacts",
        content=_body(
            f"RAD-1-0001,radar,RAD-1,{_at(20)},35.40,12.60,5,10,8,small_craft,0.7",
            f"RAD-1-0001,radar,RAD-1,{_at(10)},35.45,12.60,5,10,8,small_craft,0.7",
            f"CAM-2-0001,camera,CAM-2,{_at(2)},33.10,11.20,,,,person,0.9",
        ),
        headers=gateway,
    )
    viewer = bearer(client.app, "observer")
    at = (datetime.now(UTC) - timedelta(minutes=15)).isoformat()
    body = client.get("/api/picture", params={"at": at}, headers=viewer).json()
    [contact] = body["contacts"]
    assert (contact["contact_id"], contact["lat"]) == ("RAD-1-0001", 35.40)
    assert contact["sensor"] == "radar"
    now = datetime.now(UTC).isoformat()
    columnar = client.get(
        "/api/picture", params={"at": now, "format": "columnar"}, headers=viewer
    ).json()["contacts"]
    assert columnar["contact_id"] == ["CAM-2-0001", "RAD-1-0001"]  # most recent first
    assert columnar["sensor"] == ["camera", "radar"]
    assert columnar["lat"] == [33.1, 35.45]
    assert columnar["stale"] == [False, True]  # not seen for 10 min > contacts_stale_minutes
