"""Contacts reach the running node: a POSTed radar track with no AIS near it, where AIS is
heard, becomes a dark-target alert through the streaming detector; files dropped into
`contacts_dir` are ingested once and moved aside."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from watchkeeper.api.app import create_app
from watchkeeper.settings import load_settings
from watchkeeper.testing import bearer, make_positions
from watchkeeper.tracks import Archive

HEADER = "contact_id,sensor,sensor_id,ts,lat,lon,speed_kn,course,length_m,classification,confidence"
KN_DEG_PER_S = 1852 / 3600 / 111_320
#: Long enough for a slow machine, only so a broken node fails instead of hanging.
PATIENCE_S = 300


def _ship(start: datetime, minutes: int) -> list[dict[str, Any]]:
    """A ship heard on AIS every 30 s, heading north at 10 kn off Lampedusa."""
    return [
        {
            "mmsi": 247000001,
            "ts": start + timedelta(seconds=30 * i),
            "lat": 35.50 + 30 * i * 10 * KN_DEG_PER_S,
            "lon": 12.60,
            "sog": 10.0,
            "cog": 0.0,
            "nav_status": 0,
        }
        for i in range(minutes * 2)
    ]


def _radar_track(start: datetime, minutes: int) -> bytes:
    """A boat 5 km east of the ship, plotted every minute by the Lampedusa radar."""
    rows = [
        f"RAD-LMP-0042,radar,RAD-LMP,"
        f"{(start + timedelta(minutes=i)).strftime('%Y-%m-%dT%H:%M:%SZ')},"
        f"{35.52 + i * 0.0005:.5f},12.66,4.0,0,7,small_craft,0.8"
        for i in range(minutes)
    ]
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def _wait_for(check: Any) -> Any:
    deadline = time.monotonic() + PATIENCE_S
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError("the node never got there")


def test_a_posted_track_with_no_ais_where_ais_is_heard_is_a_live_dark_target(
    tmp_path: Path,
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    # The archive already holds the last 90 minutes of AIS (the node restarted, say): the
    # detector is primed with it, so the sea around the ship is known to be covered.
    with Archive(tmp_path / "archive") as archive:
        archive.append(
            {"positions": make_positions(_ship(now - timedelta(minutes=90), 90))},
            batch_id="ais-before",
        )
    settings = load_settings(data_dir=tmp_path, detection_interval_seconds=0.5)
    with TestClient(create_app(settings)) as client:
        gateway = bearer(client.app, "watch_officer") | {"Content-Type": "text/csv"}
        body = _radar_track(now - timedelta(minutes=30), 30)
        receipt = client.post("/api/contacts", content=body, headers=gateway).json()
        assert (receipt["accepted"], receipt["rejected"]) == (30, 0)
        # In the latest state at once: one contact, at its last plot.
        [latest] = client.app.state.node.contacts.snapshot().to_pylist()
        assert latest["contact_id"] == "RAD-LMP-0042"
        assert latest["lat"] == 35.52 + 29 * 0.0005

        def dark_alerts() -> list[dict[str, Any]]:
            alerts = client.get("/api/alerts", params={"type": "dark_target"}).json()
            return alerts if isinstance(alerts, list) else []

        client.headers.update(bearer(client.app, "observer"))
        [alert] = _wait_for(dark_alerts)
        assert alert["contact_ids"] == ["RAD-LMP-0042"]
        assert alert["mmsi"] == []


def test_a_dropped_file_is_ingested_once_and_a_file_that_is_no_contacts_csv_is_set_aside(
    tmp_path: Path,
) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    settings = load_settings(data_dir=tmp_path / "node", contacts_dir=drop)
    with TestClient(create_app(settings)) as client:
        now = datetime.now(UTC)
        good = (
            _radar_track(now - timedelta(minutes=5), 5)
            + b"RAD-LMP-0043,radar,RAD-LMP,soon,1,2,,,,,\n"
        )
        (drop / "radar.csv.part").write_bytes(good)  # written under a temporary name ...
        (drop / "radar.csv.part").rename(drop / "radar.csv")  # ... then renamed into place
        (drop / "notes.csv").write_text("hello\nworld\n")
        _wait_for(lambda: (drop / "done" / "radar.csv").exists())
        _wait_for(lambda: (drop / "rejected" / "notes.csv").exists())
        reason = (drop / "rejected" / "notes.csv.reason").read_text()
        assert "no column contact_id" in reason
        assert sorted(p.name for p in drop.iterdir()) == ["done", "rejected"]
        archive = client.app.state.archive
        assert archive.count("contacts") == 5
        assert archive.count("rejected") == 1  # the row "soon", with its reason
        [latest] = client.app.state.node.contacts.snapshot().to_pylist()
        assert latest["contact_id"] == "RAD-LMP-0042"
        # The same file dropped again (a gateway that resends) stores nothing twice.
        (drop / "again.csv").write_bytes(good)
        _wait_for(lambda: (drop / "done" / "again.csv").exists())
        assert archive.count("contacts") == 5
