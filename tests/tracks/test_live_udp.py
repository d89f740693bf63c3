"""A node listening for UDP datagrams stores what they carry, as a TCP feed would."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from watchkeeper.api.app import create_app
from watchkeeper.errors import ConfigError
from watchkeeper.settings import load_settings
from watchkeeper.testing import bearer

SENTENCES = [
    b"!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23",
    b"!AIVDM,1,1,,A,133sVfPP00PD>hRMDH@jNOvN20S8,0*7F",
    b"!AIVDM,1,1,,B,100h00PP0@PHFV`Mg5gTH?vNPUIp,0*3B",
]


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_udp_datagrams_reach_the_archive_and_the_live_picture(tmp_path: Path) -> None:
    port = _free_udp_port()
    settings = load_settings(
        data_dir=tmp_path, udp_listen=f"127.0.0.1:{port}", live_batch_seconds=0.1
    )
    with (
        TestClient(create_app(settings)) as client,
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender,
    ):
        client.headers.update(bearer(client.app, "observer"))
        for sentence in SENTENCES:  # one sentence per datagram, no newline: as receivers send
            sender.sendto(sentence, ("127.0.0.1", port))
        deadline = time.monotonic() + 60
        vessels: list[dict[str, object]] = []
        while time.monotonic() < deadline and len(vessels) < 3:
            time.sleep(0.1)
            vessels = client.get("/api/vessels").json()
        assert sorted(v["mmsi"] for v in vessels) == [786434, 205448890, 227006760]
        assert all(v["ts"] is not None for v in vessels)  # the receive time
        assert client.app.state.archive.count("positions") == 3  # type: ignore[attr-defined]
    journal = next((tmp_path / "journal").glob("udp_*.nmea")).read_bytes()
    assert journal.count(b"\n") == 3


def test_a_udp_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        settings = load_settings(data_dir=tmp_path, udp_listen=f"127.0.0.1:{port}")
        expected = f"cannot listen for UDP on 127.0.0.1:{port}"
        with pytest.raises(ConfigError, match=expected), TestClient(create_app(settings)):
            pass
