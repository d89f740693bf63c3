"""What the simulator writes: NMEA that decodes to what it meant, contacts, truth, bytes by seed.

The oracle for every sentence is pyais (independent of our decoder); our decoder
must read the same values and reject nothing.
"""

from __future__ import annotations

import asyncio
import csv
import json
import socket
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pyais
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from watchkeeper.ais.decode import decode_bytes
from watchkeeper.api.app import create_app
from watchkeeper.cli.main import app
from watchkeeper.detect.inputs import from_logs
from watchkeeper.sensors.contacts import read_contacts
from watchkeeper.settings import load_settings
from watchkeeper.sim.output import write_run
from watchkeeper.sim.scenario import load_scenario
from watchkeeper.sim.serve import serve_feed
from watchkeeper.sim.simulate import SEEN_BY_SENSORS, Simulation, parse_start
from watchkeeper.sim.transmit import position_reports
from watchkeeper.sim.water import IsLand
from watchkeeper.testing import bearer


@pytest.fixture(scope="module")
def small_run(is_land: IsLand) -> Simulation:
    return Simulation(
        load_scenario("central-med"), parse_start("2026-07-15T20:00:00Z"), 1.0, 40, 3, is_land
    )


@pytest.fixture(scope="module")
def written(small_run: Simulation, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("sim")
    paths = {"nmea": out / "t.nmea", "truth": out / "t.jsonl", "contacts": out / "c.csv"}
    write_run(small_run, paths["nmea"], paths["truth"], paths["contacts"])
    return paths


def test_every_line_decodes_with_our_decoder_and_nothing_is_rejected(
    written: dict[str, Path],
) -> None:
    result = decode_bytes(written["nmea"].read_bytes(), final=True)
    assert sum(v for k, v in result.counts.items() if k.startswith("rejected")) == 0
    assert result.positions.num_rows > 1000
    assert {1, 4, 5, 18, 24} <= set(result.message_types)
    assert set(result.positions.column("ts_source").to_pylist()) == {"tag_block"}
    sources = set(result.positions.column("source").to_pylist())
    assert sources <= {r.id for r in load_scenario("central-med").receivers} | {"sat-ais"}


def test_pyais_decodes_every_sentence_to_the_same_positions(written: dict[str, Path]) -> None:
    ours = decode_bytes(written["nmea"].read_bytes(), final=True).positions.to_pydict()
    # pyais reads the NMEA without tag blocks; multi-part messages are joined by its stream.
    lines = [ln.split(b"\\")[-1] for ln in written["nmea"].read_bytes().splitlines()]
    theirs = []
    for msg in pyais.stream.IterMessages(lines):
        d = msg.decode().asdict()
        if d["msg_type"] in (1, 2, 3, 18):
            theirs.append(
                (d["mmsi"], round(d["lat"], 4), round(d["lon"], 4), d["speed"], d["course"])
            )
    mine = [
        (m, round(la, 4), round(lo, 4), round(s, 1), round(c, 1))
        for m, la, lo, s, c in zip(
            ours["mmsi"], ours["lat"], ours["lon"], ours["sog"], ours["cog"], strict=True
        )
    ]
    assert len(theirs) == len(mine)
    assert theirs == mine


def test_sent_positions_are_the_planned_ones(
    small_run: Simulation, written: dict[str, Path]
) -> None:
    planned = position_reports(
        small_run.legs,
        small_run.fleet,
        small_run.overrides,
        small_run.start,
        small_run.end,
        np.random.default_rng(0),
    )
    decoded = decode_bytes(written["nmea"].read_bytes(), final=True).positions
    heard = set(decoded.column("mmsi").to_pylist())
    # Every heard ship was planned, and nearly every planned ship in range was heard.
    assert heard <= set(planned.columns["mmsi"].tolist())
    lat = np.asarray(decoded.column("lat"))
    lon = np.asarray(decoded.column("lon"))
    assert np.isfinite(lat).all()
    assert np.isfinite(lon).all()
    west, east, south, north = small_run.scenario.region
    inside = (lon > west - 5) & (lon < east + 5) & (lat > south - 5) & (lat < north + 8)
    assert inside.all()


def test_contacts_file_has_the_documented_columns(written: dict[str, Path]) -> None:
    with written["contacts"].open() as f:
        rows = list(csv.DictReader(f))
    assert rows, "sensors saw nothing"
    assert list(rows[0]) == [
        "contact_id",
        "sensor",
        "sensor_id",
        "ts",
        "lat",
        "lon",
        "speed_kn",
        "course",
        "length_m",
        "classification",
        "confidence",
    ]
    assert {r["sensor"] for r in rows} <= {
        "radar",
        "patrol",
        "aircraft",
        "satellite",
        "ground_radar",
        "camera",
    }
    assert rows[0]["ts"].endswith("Z")


def test_truth_lines_name_type_who_when_where(written: dict[str, Path]) -> None:
    events = [json.loads(line) for line in written["truth"].read_text().splitlines()]
    assert events
    for e in events:
        assert {
            "event_id",
            "type",
            "start",
            "end",
            "mmsi",
            "contact_ids",
            "positions",
            "distress",
        } <= set(e)
        assert e["start"] <= e["end"]
        assert e["mmsi"] or e["contact_ids"] or e["type"] == "departure"
        assert e["positions"]


def test_the_same_seed_gives_the_same_bytes(tmp_path: Path, is_land: IsLand) -> None:
    def once(seed: int, name: str) -> bytes:
        sim = Simulation(
            load_scenario("central-med"),
            parse_start("2026-07-15T06:00:00Z"),
            0.3,
            25,
            seed,
            is_land,
        )
        write_run(
            sim, tmp_path / f"{name}.nmea", tmp_path / f"{name}.jsonl", tmp_path / f"{name}.csv"
        )
        return b"".join(
            (tmp_path / f"{name}{ext}").read_bytes() for ext in (".nmea", ".jsonl", ".csv")
        )

    assert once(5, "a") == once(5, "b")
    assert once(5, "a") != once(6, "c")


def test_simulate_command_writes_the_three_files(tmp_path: Path) -> None:
    out = tmp_path / "traffic.nmea"
    result = CliRunner().invoke(
        app,
        [
            "simulate",
            "--scenario",
            "atlantic-west-africa",
            "--start",
            "2026-10-15T00:00:00Z",
            "--hours",
            "0.25",
            "--vessels",
            "30",
            "--seed",
            "2",
            "-o",
            str(out),
            "--truth",
            str(tmp_path / "truth.jsonl"),
            "--contacts",
            str(tmp_path / "contacts.csv"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 0
    assert "sentences" in result.output
    assert not list(tmp_path.glob("*.part"))


def test_simulate_command_errors_are_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["simulate", "--scenario", "atlantis", "-o", str(tmp_path / "x")]
    )
    assert result.exit_code == 1
    assert "unknown scenario 'atlantis'" in result.output
    result = CliRunner().invoke(
        app, ["simulate", "--start", "yesterday", "-o", str(tmp_path / "x")]
    )
    assert result.exit_code == 1
    assert "ISO 8601" in result.output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_live_feed_reaches_a_node_as_moving_ships(tmp_path: Path, is_land: IsLand) -> None:
    """The simulator served at 60x over TCP; a node reading it shows the ships."""
    now = int(time.time() * 1000)
    sim = Simulation(load_scenario("central-med"), now - now % 1000, 0.5, 30, 4, is_land)
    port = _free_port()
    ready = threading.Event()
    thread = threading.Thread(
        target=lambda: asyncio.run(
            serve_feed(sim.windows(), sim.start, "127.0.0.1", port, 60.0, lambda _p: ready.set())
        ),
        daemon=True,
    )
    thread.start()
    assert ready.wait(30)
    settings = load_settings(
        data_dir=tmp_path, tcp_feeds=[f"127.0.0.1:{port}"], live_batch_seconds=0.2
    )
    with TestClient(create_app(settings)) as client:
        client.headers.update(bearer(client.app, "watch_officer"))
        deadline = time.monotonic() + 90
        first: dict[int, tuple[float, float]] = {}
        moved = 0
        while time.monotonic() < deadline and moved < 3:
            time.sleep(0.5)
            for v in client.get("/api/vessels", params={"limit": 1000}).json():
                pos = (v["lat"], v["lon"])
                if v["mmsi"] not in first:
                    first[v["mmsi"]] = pos
                elif pos != first[v["mmsi"]]:
                    moved += 1
        assert len(first) >= 5
        assert moved >= 3


def test_receivers_duplicate_skew_and_lose_like_real_networks(
    small_run: Simulation, written: dict[str, Path]
) -> None:
    lines = written["nmea"].read_bytes().splitlines()
    payloads = [ln.split(b"\\")[-1].split(b",")[5] for ln in lines if b",1,1," in ln]
    counts = np.unique(np.array(payloads), return_counts=True)[1]
    assert (counts >= 2).mean() > 0.05  # heard by two stations, or forwarded twice
    # Zarzis' clock runs 35 s fast: its tag-block times lead the others' for the same message.
    by_payload: dict[bytes, dict[str, int]] = {}
    for ln in lines:
        if b",1,1," not in ln:
            continue
        tag = dict(f.split(b":", 1) for f in ln[1:].split(b"*")[0].split(b","))
        by_payload.setdefault(ln.split(b"\\")[-1], {})[tag[b"s"].decode()] = int(tag[b"c"])
    leads = [
        t["tn-zarzis"] - t[other]
        for t in by_payload.values()
        if "tn-zarzis" in t
        for other in t
        if other not in ("tn-zarzis", "sat-ais")
    ]
    if leads:  # only when Zarzis shared a message with a neighbour in this hour
        assert 33 <= float(np.median(leads)) <= 37
    planned = position_reports(
        small_run.legs,
        small_run.fleet,
        small_run.overrides,
        small_run.start,
        small_run.end,
        np.random.default_rng(0),
    )
    assert len(payloads) < 2 * len(planned)  # loss and coverage gaps: not everything is heard


def test_simulate_live_serves_nmea_over_tcp() -> None:
    import subprocess
    import sys

    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "watchkeeper.cli.main",
            "simulate",
            "--live",
            f"127.0.0.1:{port}",
            "--speed",
            "60",
            "--vessels",
            "20",
            "--hours",
            "0.5",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        data = b""
        while time.monotonic() < deadline and data.count(b"\n") < 20:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
                    conn.settimeout(5)
                    while data.count(b"\n") < 20:
                        chunk = conn.recv(65536)
                        if not chunk:
                            break
                        data += chunk
            except OSError:
                time.sleep(0.5)
        assert data.count(b"\n") >= 20
        result = decode_bytes(data[: data.rindex(b"\n") + 1], final=True)
        assert result.positions.num_rows + result.stations.num_rows > 0
    finally:
        proc.terminate()
        proc.wait(10)


def test_a_behaviour_is_observable_when_its_vessel_was_heard_or_seen_while_it_lasted(
    written: dict[str, Path],
) -> None:
    """Truth nobody heard or saw is left out of scores; heard means a report came in, and
    a sensor's sighting counts only for what sensors can reveal (not a spoofed report)."""
    seen = from_logs([written["nmea"]])
    placed = seen.positions.select("mmsi", "ts")
    heard = pl.concat([placed, seen.vessels.select("mmsi", "ts")], how="vertical")
    plots = pl.from_arrow(read_contacts(written["contacts"]).contacts)
    slack = timedelta(minutes=2)
    checked = 0
    for e in map(json.loads, written["truth"].read_text().splitlines()):
        details = e["details"]
        if "movers" in details and len(details["movers"]) == len(e["mmsi"]):
            start, end = datetime.fromisoformat(e["start"]), datetime.fromisoformat(e["end"])
            # Two parties: each was heard or plotted while it lasted (its tracks end in
            # its mover's number), or the meeting is not observable.
            inside = (
                (start + slack, end - slack)
                if not details["observable"]
                else (
                    start - slack,
                    end + slack,
                )
            )
            seen_each = [
                heard.filter((pl.col("mmsi") == m) & pl.col("ts").is_between(*inside)).height
                + plots.filter(
                    pl.col("contact_id").str.ends_with(f"-{mover:05d}")
                    & pl.col("ts").is_between(*inside)
                ).height
                > 0
                for mover, m in zip(details["movers"], e["mmsi"], strict=True)
            ]
            assert all(seen_each) if details["observable"] else not all(seen_each), e
            checked += 1
            continue
        if e["type"] == "ais_gap" or "genuine_mover" in details or "movers" in details:
            continue  # silence by design; a shared MMSI; two parties without AIS each
        start, end = datetime.fromisoformat(e["start"]), datetime.fromisoformat(e["end"])
        reports = placed if e["type"] == "position_spoofing" else heard  # the lie is a position
        near = reports.filter(
            pl.col("mmsi").is_in(e["mmsi"]) & pl.col("ts").is_between(start - slack, end + slack)
        )
        sighted = plots.filter(
            pl.col("contact_id").is_in(e["contact_ids"])
            & pl.col("ts").is_between(start - slack, end + slack)
        )
        by_sensors = e["type"] in SEEN_BY_SENSORS
        if details.get("observable", True):
            assert near.height or (by_sensors and sighted.height), e
        else:
            inner = near.filter(pl.col("ts").is_between(start + slack, end - slack))
            assert inner.is_empty(), e
            if by_sensors:
                assert sighted.filter(
                    pl.col("ts").is_between(start + slack, end - slack)
                ).is_empty(), e
        checked += 1
    assert checked
