"""`watchkeeper alerts load` and `alerts list`, as an operator runs them after `detect -o`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from watchkeeper.cli.main import app
from watchkeeper.detect.events import events_table
from watchkeeper.records.database import Database
from watchkeeper.records.models import AuditEntry
from watchkeeper.testing import make_events

runner = CliRunner()
T0 = "2026-07-15T01:00:00Z"


@pytest.fixture(autouse=True)
def node(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str) -> str:
    for name in list(os.environ):
        if name.startswith("WATCHKEEPER_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WATCHKEEPER_DATA_DIR", str(tmp_path / "node"))
    monkeypatch.setenv("WATCHKEEPER_DATABASE_URL", database_url)
    return database_url


def _write(path: Path, rows: list[dict[str, object]]) -> Path:
    pq.write_table(events_table(make_events(rows)), path)
    return path


def test_load_twice_updates_and_list_ranks_distress_first(tmp_path: Path, node: str) -> None:
    events = _write(
        tmp_path / "events.parquet",
        [
            {"type": "ais_gap", "mmsi": [247000001], "start": T0, "score": 0.9},
            {"type": "ais_gap", "mmsi": [247000002], "start": T0, "score": 0.3},
            {"type": "drift", "mmsi": [247000004], "start": T0, "score": 0.6},
        ],
    )
    first = runner.invoke(app, ["alerts", "load", str(events)])
    assert first.exit_code == 0, first.output
    assert "3 events: 2 alerts raised, 0 updated, 0 unchanged, 0 retracted, 1 below" in first.stdout
    again = runner.invoke(app, ["alerts", "load", str(events)])
    assert "0 alerts raised, 0 updated, 2 unchanged" in again.stdout
    listed = runner.invoke(app, ["alerts", "list"], env={"COLUMNS": "200"})
    assert listed.exit_code == 0, listed.output
    lines = [line for line in listed.stdout.splitlines() if "247000" in line]
    assert ["drift" in lines[0], "ais_gap" in lines[1], len(lines)] == [True, True, 2]
    assert "1!" in lines[0]  # priority 1, distress
    db = Database(node)
    try:
        with db.transaction() as session:
            entries = session.scalars(
                select(AuditEntry).where(AuditEntry.action == "alerts.load")
            ).all()
    finally:
        db.close()
    assert [json.loads(e.detail)["raised"] for e in entries] == [2, 0]


def test_load_refuses_what_is_not_an_events_file(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["alerts", "load", str(tmp_path / "nope.parquet")])
    assert missing.exit_code == 1
    assert "no such file" in missing.stderr
    other = tmp_path / "other.parquet"
    other.write_bytes(b"not parquet")
    bad = runner.invoke(app, ["alerts", "load", str(other)])
    assert bad.exit_code == 1
    assert "not an events Parquet file" in bad.stderr
    wrong = runner.invoke(app, ["alerts", "list", "--status", "open"])
    assert wrong.exit_code == 1
    assert "--status 'open'" in wrong.stderr
