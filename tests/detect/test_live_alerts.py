"""A live feed to an alert: an AIS-SART heard by a running node is a distress alert within
seconds, through journal, archive, streaming detection and the alerts service."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

from fastapi.testclient import TestClient
from pyais import encode_dict

from watchkeeper.api.app import create_app
from watchkeeper.settings import load_settings
from watchkeeper.testing import bearer

SART = 970123456


def sart_sentences(n: int) -> list[bytes]:
    """An AIS-SART (ITU-R M.585 series 970) drifting east, nav status 14 (SART active)."""
    return [
        sentence.encode() + b"\r\n"
        for i in range(n)
        for sentence in encode_dict(
            {
                "msg_type": 1,
                "mmsi": SART,
                "lat": 35.3,
                "lon": 12.2 + i * 0.0001,
                "status": 14,
                "speed": 0.5,
                "course": 90,
            },
            talker_id="AI",
        )
    ]


def serve(listener: socket.socket, lines: list[bytes], stop: threading.Event) -> None:
    conn, _ = listener.accept()
    with conn:
        for line in lines:
            if stop.is_set():
                return
            conn.sendall(line)
            time.sleep(0.1)
        stop.wait(30)


def test_a_sart_on_a_live_feed_becomes_a_distress_alert(tmp_path: Path) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    stop = threading.Event()
    feeder = threading.Thread(target=serve, args=(listener, sart_sentences(20), stop), daemon=True)
    feeder.start()
    settings = load_settings(
        data_dir=tmp_path,
        tcp_feeds=[f"127.0.0.1:{port}"],
        live_batch_seconds=0.2,
        detection_interval_seconds=0.5,
    )
    try:
        with TestClient(create_app(settings)) as client:
            client.headers.update(bearer(client.app, "watch_officer"))
            alerts: list[dict] = []
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not alerts:
                time.sleep(0.5)
                alerts = client.get("/api/alerts").json()
            assert alerts, "no alert within a minute"
            first = alerts[0]
            assert first["type"] == "distress_beacon"
            assert first["distress"] is True
            assert first["mmsi"] == [SART]
            assert first["status"] == "new"
            # Later runs update the same alert as reports keep coming: never a second one.
            time.sleep(2)
            again = client.get("/api/alerts").json()
            assert [a["event_id"] for a in again] == [first["event_id"]]
    finally:
        stop.set()
        listener.close()
