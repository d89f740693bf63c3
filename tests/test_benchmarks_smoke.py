"""The decoding benchmark still runs: its input builders, timers and report, at a tiny scale.

No timing is asserted (that is what ``python -m benchmarks.decode_ais`` is for); only
that every step works and that Watchkeeper and pyais decode the same number of
messages from the same tiny inputs.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]


def _import(name: str) -> ModuleType:
    """A module of ``benchmarks/`` (a folder at the repository root, not an installed package)."""
    if importlib.util.find_spec("benchmarks") is None:
        sys.path.insert(0, str(REPO))
    return importlib.import_module(name)


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    mod = _import("benchmarks.decode_ais")
    if not (mod.DEFAULT_DATA / mod.TAGGED_SOURCE).is_file():
        pytest.skip(f"shared AIS logs not found in {mod.DEFAULT_DATA}")
    return mod


@pytest.fixture(scope="module")
def tiny(bench: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    # 0.002 of the full size: 3,000 bare and 2,000 tagged messages, 400 and 200 for pyais.
    return bench.build_inputs(bench.DEFAULT_DATA, tmp_path_factory.mktemp("bench"), 0.002)


def test_inputs_are_built_as_described(bench: ModuleType, tiny: dict[str, Any]) -> None:
    bare = tiny["bare"]
    tagged = tiny["tagged"]
    assert bare.messages == 3000
    assert tagged.messages == 2000
    lines = bare.path.read_bytes().splitlines()
    assert len(lines) == bare.lines
    assert all(bench._SENTENCE.fullmatch(line) for line in lines)  # bare: nothing else
    text = tagged.path.read_bytes()
    assert text.startswith(b"\\si:AISD*3F\\")
    assert text.count(b"$PGHP,") >= 1900
    assert len(text) == tagged.bytes


def test_decoders_run_and_agree_on_message_counts(bench: ModuleType, tiny: dict[str, Any]) -> None:
    bench.warm_up(tiny["bare"])
    plan = [
        (name, tool)
        for name in ("bare", "tagged", "bare-pyais", "tagged-pyais")
        for tool in ("watchkeeper", "pyais", "aiscat", "aiscat-json")
    ]
    runs = bench.timed_rounds(plan, tiny, 1)
    count = {(r.input, r.tool): r.messages for r in runs}
    for name in ("bare", "tagged", "bare-pyais", "tagged-pyais"):
        assert count[(name, "watchkeeper")] == count[(name, "pyais")], name
        # aiscat also yields what both others reject (empty payloads): a few more at most.
        extra = count[(name, "aiscat")] - count[(name, "watchkeeper")]
        assert 0 <= extra <= 0.01 * count[(name, "watchkeeper")] + 1, name
    assert count[("tagged", "watchkeeper")] == 2000

    # The report is built from these runs without error.
    assert "ours/this" in bench.table(runs)
    assert set(bench.ratios(runs)) == {"bare", "tagged"}
    assert set(bench.targets(runs)) == {"bare_msg_s", "vs_pyais", "vs_aiscat"}
    assert len(bench.count_check(runs, tiny)) == 4
    json.dumps([{**vars(r), "messages_per_s": r.rate} for r in runs])


def test_big_log_builder_and_child_decode(
    bench: ModuleType, tiny: dict[str, Any], tmp_path: Path
) -> None:
    src = tiny["bare"]
    big = tmp_path / "big.nmea"
    written = bench.build_big(src.path, big, 2 * src.bytes + 1000)
    data = big.read_bytes()
    assert written == len(data) <= 2 * src.bytes + 1000
    assert data.endswith(b"\n")
    assert data.startswith(src.path.read_bytes())
    size, note = bench.fit_on_disk(tmp_path, 1000)
    assert (size, note) == (1000, None)
    size, note = bench.fit_on_disk(tmp_path, 10**15)
    assert size < 10**15
    assert "shrunk" in note

    # What the child process does, in this process.
    out = tmp_path / "child.json"
    bench._child_decode(big, out)
    figures = json.loads(out.read_text())
    assert figures["messages"] > 0
    assert figures["hwm_kb"] >= figures["hwm_ready_kb"] > 0


def test_phase_profile_runs_and_restores(tiny: dict[str, Any]) -> None:
    prof = _import("benchmarks.profile_decode_ais")
    from watchkeeper.ais import decode

    before = decode.decode_bytes
    messages, total, timers = prof.profile(tiny["tagged"])
    assert decode.decode_bytes is before  # the timers are gone again
    assert messages == 2000
    timed = {label for *_, label, _parent in prof.PHASES}
    assert timed <= set(timers.seconds)  # every phase was found and called
    assert 0 < timers.seconds["_scan kernel"] < timers.seconds["decode_bytes"] <= total
    assert len(prof.report("tagged", messages, total, timers)) > len(prof.PHASES)


# --- benchmarks/detect.py: 30 vessels for 2 hours, every child process run once ---------


@pytest.fixture(scope="module")
def detect_bench() -> ModuleType:
    return _import("benchmarks.detect")


@pytest.fixture(scope="module")
def tiny_day(detect_bench: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("detect")
    return detect_bench.run(work, vessels=30, hours=2, repeat=1)  # type: ignore[no-any-return]


def test_detect_benchmark_runs_on_a_tiny_day(
    detect_bench: ModuleType, tiny_day: dict[str, Any]
) -> None:
    result = tiny_day
    assert result["positions"] > 0
    assert result["loiter_input_reports"] <= result["placed_reports"] <= result["positions"]
    assert len(result["detect_s_runs"]) == 1
    assert result["peak_rss_mb"] >= result["rss_before_detect_mb"] > 0
    assert set(result["detector_s"]) >= {"vessel_tracks", "loitering", "encounter"}
    assert sum(result["events"].values()) > 0
    assert "loitering" in detect_bench.table(result)
    json.dumps(result)


def test_movingpandas_runs_on_the_same_loitering_input(
    detect_bench: ModuleType, tiny_day: dict[str, Any]
) -> None:
    if not detect_bench.movingpandas_installed():
        pytest.skip("movingpandas not installed (dependency group `bench`)")
    loiter = tiny_day["loitering"]
    peer = loiter["movingpandas"]
    assert peer["reports"] == tiny_day["loiter_input_reports"]
    assert peer["max_diameter_m"] == 7408  # 2 kn for 2 h
    assert loiter["ratio_theirs_over_ours"] > 0
    assert "ratio" in detect_bench.table(tiny_day)


def test_truth_matching_is_by_vessel_and_overlap(detect_bench: ModuleType) -> None:
    truth = [{"mmsi": [1], "start": "2026-07-15T01:00:00Z", "end": "2026-07-15T04:00:00Z"}]
    found = [
        {"mmsi": [1], "start": "2026-07-15T04:10:00+00:00", "end": "2026-07-15T05:00:00+00:00"},
        {"mmsi": [2], "start": "2026-07-15T02:00:00+00:00", "end": "2026-07-15T03:00:00+00:00"},
        {"mmsi": [1], "start": "2026-07-15T05:00:00+00:00", "end": "2026-07-15T06:00:00+00:00"},
    ]
    assert detect_bench.recovered(truth, found) == (1, 1)


def test_detection_quality_is_scored_per_type_over_days(tmp_path: Path) -> None:
    quality = _import("benchmarks.detect_quality")
    day = quality.one_day("tunisia-libya-land", 3, 0, 6, tmp_path)
    assert day["positions"] == 0  # the land scenario has no vessels, only sensor contacts
    crossings = day["types"]["border_crossing"]
    assert crossings["truth"] >= 1
    summary = quality.summarise([day, day])
    assert summary["border_crossing"]["truth"] == 2 * crossings["truth"]
    assert 0 <= summary["border_crossing"]["f1"] <= 1
    assert "border_crossing" in quality.table(summary)


# --- benchmarks/picture.py: 300 vessels, two updates per variant, in headless chromium ---


def test_picture_benchmark_reports_both_variants_on_a_tiny_fleet() -> None:
    picture = _import("benchmarks.picture")
    if not picture.CHROMIUM.is_file():
        pytest.skip(f"{picture.CHROMIUM} not found (`make test-debs`)")
    summary = picture.run(vessels=300, interval=1.0, reporting=1.0, updates=2, warmup=1)
    assert summary["vessels"] == 300
    assert "SwiftShader" in summary["renderer"]
    assert set(summary) >= {"naive", "diff", "frame_p50_naive_over_diff", "node_update_ms_p50"}
    fields = {
        "frame_p50_ms",
        "frame_p95_ms",
        "handler_p50_ms",
        "long_tasks_ms_per_s",
        "probe_late_p95_ms",
        "js_heap_mb",
        "chromium_rss_mb",
        "renderer",
    }
    for result, variant in zip(summary["results"], picture.VARIANTS, strict=True):
        assert result["variant"] == variant
        assert set(result) >= fields
        assert result["updates"] >= 2
        assert result["page_errors"] == []
    json.dumps(summary)
