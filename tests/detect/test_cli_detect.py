"""`watchkeeper detect` and `evaluate` on a simulated run: distress found, scored, on time."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from watchkeeper.cli.main import app

runner = CliRunner()


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Six hours of the central-med scenario with its truth."""
    out = tmp_path_factory.mktemp("sim")
    paths = {
        "nmea": out / "traffic.nmea",
        "truth": out / "truth.jsonl",
        "events": out / "events.parquet",
    }
    result = runner.invoke(
        app,
        [
            "simulate",
            "--scenario",
            "central-med",
            "--start",
            "2026-07-15T00:00:00Z",
            "--hours",
            "6",
            "--vessels",
            "150",
            "--seed",
            "3",
            "-o",
            str(paths["nmea"]),
            "--truth",
            str(paths["truth"]),
        ],
    )
    assert result.exit_code == 0, result.output
    return paths


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("WATCHKEEPER_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_detect_writes_ranked_events_and_evaluate_scores_distress(run: dict[str, Path]) -> None:
    result = runner.invoke(app, ["detect", str(run["nmea"]), "-o", str(run["events"])])
    assert result.exit_code == 0, result.output
    assert "distress_beacon" in result.stderr
    events = pl.read_parquet(run["events"])
    assert events["distress"].to_list() == sorted(events["distress"].to_list(), reverse=True)
    scored = runner.invoke(
        app, ["evaluate", "--truth", str(run["truth"]), "--events", str(run["events"])]
    )
    assert scored.exit_code == 0, scored.output
    lines = scored.stdout.splitlines()
    assert lines[0].split()[:3] == ["type", "truth", "events"]
    [beacon] = [line.split() for line in lines if line.startswith("distress_beacon ")]
    assert beacon[4] == "1.00"  # recall
    assert float(beacon[6]) <= 10  # median minutes to alert


def test_detect_on_a_time_window_only_reads_that_window(
    run: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "late.parquet"
    args = ["detect", str(run["nmea"]), "--start", "2026-07-15T05:00:00Z", "-o", str(out)]
    assert runner.invoke(app, args).exit_code == 0
    events = pl.read_parquet(out)
    assert events.filter(pl.col("start") < pl.datetime(2026, 7, 15, 5, time_zone="UTC")).is_empty()


def test_detect_mistakes_are_one_line_errors(tmp_path: Path) -> None:
    result = runner.invoke(app, ["detect", str(tmp_path / "missing.nmea")])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"watchkeeper: error: {tmp_path / 'missing.nmea'}: no such file"
    result = runner.invoke(app, ["detect", "--start", "yesterday"])
    assert "not an ISO 8601 time" in result.stderr


def test_detect_without_input_reads_the_archive(
    run: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WATCHKEEPER_DATA_DIR", str(tmp_path / "node"))
    assert runner.invoke(app, ["ingest", str(run["nmea"])]).exit_code == 0
    from_archive = tmp_path / "archive.parquet"
    assert runner.invoke(app, ["detect", "-o", str(from_archive)]).exit_code == 0
    from_log = tmp_path / "log.parquet"
    assert runner.invoke(app, ["detect", str(run["nmea"]), "-o", str(from_log)]).exit_code == 0
    assert sorted(pl.read_parquet(from_archive)["event_id"]) == sorted(
        pl.read_parquet(from_log)["event_id"]
    )
