"""A process killed with SIGKILL mid-ingest or mid-feed loses and duplicates nothing
it had acknowledged: the restarted run resumes from the archive's committed offset."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from watchkeeper.ais.decode import decode_bytes
from watchkeeper.ais.reader import decode_file

# Real sentences (pyais' and gpsd's samples), with a tag block or $PGHP wrapper so that
# every message has a time, one multi-sentence type 5 and one corrupt checksum.
_SENTENCES = [
    b"\\s:r01,c:1700000000*00\\!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23",
    b"$PGHP,1,2023,11,14,22,13,21,0,219,,2190048,1,09*17",
    b"!AIVDM,1,1,,A,133sVfPP00PD>hRMDH@jNOvN20S8,0*7F",
    b"\\c:1700000002*00\\!AIVDM,2,1,1,A,55?MbV02;H;s<HtKR20EHE:0@T4@Dn2222222216L961O5Gf0NSQEp6ClRp8,0*1C",
    b"!AIVDM,2,2,1,A,88888888880,2*25",
    b"$GPGGA,184353.07,1929.045,S,02410.506,E,1,04,2.6,100.00,M,-33.9,M,,0000*6D",
    b"\\c:1700000003*00\\!AIVDM,1,1,,B,100h00PP0@PHFV`Mg5gTH?vNPUIp,0*3C",
    b"\\c:1700000004*00\\!AIVDM,1,1,,B,13eaJF0P00Qd388Eew6aagvH85Ip,0*45",
]


def _log(n_repeats: int) -> bytes:
    return b"\n".join(_SENTENCES * n_repeats) + b"\n"


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WATCHKEEPER_")}
    env.update({"WATCHKEEPER_DATA_DIR": str(data_dir), **extra})
    return env


def _watchkeeper() -> list[str]:
    return [sys.executable, "-m", "watchkeeper.cli.main"]


def _committed_batches(data_dir: Path) -> int:
    manifest = data_dir / "archive" / "manifest.sqlite"
    if not manifest.exists():
        return 0
    try:
        with sqlite3.connect(manifest, timeout=1) as db:
            return int(db.execute("select count(*) from batches").fetchone()[0])
    except sqlite3.Error:
        return 0


def _wait_for(cond: object, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():  # type: ignore[operator]
            return
        time.sleep(0.05)
    pytest.fail("condition not reached in time (the machine may be very slow)")


def _archived(data_dir: Path, table: str) -> pa.Table:
    files = sorted((data_dir / "archive" / table).rglob("*.parquet"))
    tables = [pq.read_table(f, partitioning=None) for f in files]
    tables = [t.drop_columns([c for c in t.column_names if c == "day"]) for t in tables]
    return pa.concat_tables(tables) if tables else pa.table({})


def _key(t: pa.Table) -> list[tuple[object, ...]]:
    cols = ["mmsi", "ts", "lat", "lon", "sog", "msg_type"]
    return sorted(zip(*(t.column(c).to_pylist() for c in cols), strict=True), key=repr)


def test_ingest_killed_mid_file_resumes_without_loss_or_duplicates(tmp_path: Path) -> None:
    log = tmp_path / "big.nmea"
    log.write_bytes(_log(40_000))  # 320,000 lines
    data_dir = tmp_path / "node"
    env = _env(data_dir, WATCHKEEPER_DECODE_CHUNK_BYTES=str(64 * 1024))
    proc = subprocess.Popen(
        [*_watchkeeper(), "ingest", str(log)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _wait_for(lambda: _committed_batches(data_dir) >= 3 or proc.poll() is not None)
    assert proc.poll() is None, "ingest finished before it could be killed: make the input bigger"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = _committed_batches(data_dir)
    assert partial >= 3

    done = subprocess.run(
        [*_watchkeeper(), "ingest", str(log)], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "resumed at byte" in done.stderr

    expected = decode_file(log)
    got = _archived(data_dir, "positions")
    assert got.num_rows == expected.positions.num_rows
    assert _key(got) == _key(expected.positions)
    assert _archived(data_dir, "vessels").num_rows == expected.vessels.num_rows
    rejected = _archived(data_dir, "rejected")
    assert sorted(rejected.column("line").to_pylist()) == sorted(
        expected.rejected.column("line").to_pylist()
    )

    again = subprocess.run(
        [*_watchkeeper(), "ingest", str(log)], env=env, capture_output=True, text=True, check=False
    )
    assert again.returncode == 0
    assert "already in the archive" in again.stderr
    assert _archived(data_dir, "positions").num_rows == expected.positions.num_rows


class _ReplayServer:
    """A real TCP server that replays a log to each client, a few lines at a time."""

    def __init__(self, data: bytes, *, lines_per_burst: int = 50, pause_s: float = 0.01) -> None:
        self.lines = data.splitlines(keepends=True)
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.sent = 0
        self.connections = 0
        self.burst = lines_per_burst
        self.pause = pause_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self._stop.is_set() and self.sent < len(self.lines):
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.connections += 1
            with conn:
                try:
                    while not self._stop.is_set() and self.sent < len(self.lines):
                        chunk = self.lines[self.sent : self.sent + self.burst]
                        conn.sendall(b"".join(chunk))
                        self.sent += len(chunk)
                        time.sleep(self.pause)
                except OSError:
                    continue

    @property
    def done(self) -> bool:
        return self.sent >= len(self.lines)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.fixture
def replay_server() -> Iterator[_ReplayServer]:
    server = _ReplayServer(_log(5_000))
    yield server
    server.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(data_dir: Path, feed_port: int) -> subprocess.Popen[bytes]:
    env = _env(
        data_dir,
        WATCHKEEPER_TCP_FEEDS=f"127.0.0.1:{feed_port}",
        WATCHKEEPER_LIVE_BATCH_SECONDS="0.2",
    )
    return subprocess.Popen(
        [*_watchkeeper(), "serve", "--port", str(_free_port())],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_live_node_killed_mid_feed_resumes_from_its_journal(
    tmp_path: Path, replay_server: _ReplayServer
) -> None:
    data_dir = tmp_path / "node"
    node = _serve(data_dir, replay_server.port)
    try:
        _wait_for(lambda: _committed_batches(data_dir) >= 3)
        node.send_signal(signal.SIGKILL)
        node.wait()
        node = _serve(data_dir, replay_server.port)
        _wait_for(lambda: replay_server.done)
        journal = next((data_dir / "journal").glob("*.nmea"))

        def caught_up() -> bool:
            expected = decode_bytes(journal.read_bytes(), receive_prefix=True)
            return _archived(data_dir, "positions").num_rows == expected.positions.num_rows

        _wait_for(caught_up)
    finally:
        node.send_signal(signal.SIGTERM)
        node.wait(timeout=60)
    assert replay_server.connections >= 2  # the restarted node reconnected
    expected = decode_bytes(journal.read_bytes(), receive_prefix=True)
    got = _archived(data_dir, "positions")
    assert _key(got) == _key(expected.positions)
    assert expected.positions.num_rows > 10_000
    assert pc.all(pc.is_valid(got.column("ts"))).as_py()
