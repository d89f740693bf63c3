"""How fast every detector runs over a simulated day, and movingpandas on the loitering task.

Run from the repository root::

    .venv/bin/python -m benchmarks.detect                        # 5,000 vessels, 24 h
    .venv/bin/python -m benchmarks.detect --vessels 500 --hours 4 --repeat 1

It simulates the `central-med` scenario (as `watchkeeper simulate --seed 7 --start
2026-07-15T00:00:00Z --zones ...` does), decodes the log once to positions
(`detect.inputs.from_logs`, timed apart), then measures, each in a child process of
its own so that its peak resident memory (`VmHWM`) is its own:

* `detect`: `watchkeeper.detect.engine.detect` with the land mask, the vessels' static
  reports and the scenario's zones, `--repeat` times (a fresh process each time);
* `detectors`: `vessel_tracks` and every function of `PER_VESSEL` and
  `ACROSS_VESSELS` on its own, best of `--repeat`, and `loitering` on the
  departure-coast subset that movingpandas gets;
* `movingpandas`: `TrajectoryCollection` of that subset, then
  `TrajectoryStopDetector.get_stop_segments` with the loitering thresholds
  (see `stop_parameters`).

The stops and loitering events found are matched to the simulator's loitering truth
(same vessel, overlapping in time give or take 15 minutes, as `watchkeeper evaluate`).
Results are printed and written to `benchmarks/out/detect.json` (git-ignored).
movingpandas is in the `bench` dependency group (`make install` installs it).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

from benchmarks._report import report

REPO: Final = Path(__file__).resolve().parents[1]
OUT_JSON: Final = REPO / "benchmarks" / "out" / "detect.json"
START: Final = "2026-07-15T00:00:00Z"
SCENARIO: Final = "central-med"
SLACK: Final = timedelta(minutes=15)  # as `watchkeeper evaluate`
KNOT_M_S: Final = 1852.0 / 3600.0

# Files of the work directory.
NMEA, TRUTH, ZONES = "day.nmea", "truth.jsonl", "zones.geojson"
CONTACTS_CSV, CONTACTS = "contacts.csv", "contacts.parquet"
POSITIONS, VESSELS, SUBSET = "positions.parquet", "vessels.parquet", "loiter_input.parquet"


# --- inputs -------------------------------------------------------------------------


def simulate(work: Path, vessels: int, hours: float, seed: int) -> dict[str, Any]:
    """Write the log, truth and zones of one run into `work`, as `watchkeeper simulate` does."""
    from watchkeeper.geo.landmask import land_mask
    from watchkeeper.geo.zones import zones_geojson
    from watchkeeper.settings import load_settings
    from watchkeeper.sim.coasts import scenario_zones
    from watchkeeper.sim.output import write_run
    from watchkeeper.sim.scenario import load_scenario
    from watchkeeper.sim.simulate import Simulation, parse_start

    t = time.perf_counter()
    sc = load_scenario(SCENARIO)
    mask = land_mask(load_settings().geo_dir)
    sim = Simulation(sc, parse_start(START), hours, vessels, seed, mask.is_land)
    summary = write_run(sim, work / NMEA, work / TRUTH, work / CONTACTS_CSV)
    (work / ZONES).write_text(json.dumps(zones_geojson(scenario_zones(sc))), encoding="utf-8")
    return {
        "simulate_s": round(time.perf_counter() - t, 1),
        "sentences": summary.sentences,
        "nmea_mb": round((work / NMEA).stat().st_size / 1e6, 1),
        "truth_events": summary.truth,
        "contacts": summary.contacts,
    }


def decode(work: Path) -> dict[str, Any]:
    """Decode the log once to positions and static reports (Parquet in `work`), and cut the
    loitering input: every placed report inside a departure-coast zone."""
    import polars as pl

    from watchkeeper.detect.inputs import from_logs
    from watchkeeper.detect.tracks import vessel_tracks
    from watchkeeper.sensors.contacts import read_contacts

    with (work / NMEA).open("rb") as log:
        head = log.read(1 << 20)
    (work / "warm.nmea").write_bytes(head[: head.rfind(b"\n") + 1])
    from_logs([work / "warm.nmea"])  # the decoder's numba kernels loaded (or compiled) first
    t = time.perf_counter()
    seen = from_logs([work / NMEA])
    decode_s = time.perf_counter() - t
    seen.positions.write_parquet(work / POSITIONS)
    seen.vessels.write_parquet(work / VESSELS)
    pl.from_arrow(read_contacts(work / CONTACTS_CSV).contacts).write_parquet(work / CONTACTS)
    zones = _zones(work)
    tracks = vessel_tracks(seen.positions)
    inside = zones.containing("departure_coast", tracks["lat"].to_numpy(), tracks["lon"].to_numpy())
    subset = tracks.filter(pl.Series(inside >= 0))
    subset.write_parquet(work / SUBSET)
    return {
        "decode_s": round(decode_s, 2),
        "positions": seen.positions.height,
        "static_reports": seen.vessels.height,
        "placed_reports": tracks.height,
        "mmsis": tracks["mmsi"].n_unique(),
        "loiter_input_reports": subset.height,
        "loiter_input_mmsis": subset["mmsi"].n_unique(),
    }


def _zones(work: Path) -> Any:
    from watchkeeper.geo.zones import ZoneSet, read_zones

    return ZoneSet(read_zones(work / ZONES))


def stop_parameters() -> tuple[float, timedelta]:
    """movingpandas' `max_diameter` (m) and `min_duration` for our loitering thresholds.

    A stop is movement that stays within `max_diameter` for `min_duration`. A vessel
    going straight at `v` covers `v * min_duration` in that time, so with
    `max_diameter = loiter_max_sog * loiter_min_duration` (2 kn x 2 h = 4 nm = 7,408 m)
    straight-line movement is a stop exactly when it is slower than 2 kn on average.
    """
    from watchkeeper.detect.thresholds import Thresholds

    t = Thresholds()
    return t.loiter_max_sog * KNOT_M_S * t.loiter_min_duration_s, timedelta(
        seconds=t.loiter_min_duration_s
    )


# --- children -----------------------------------------------------------------------


def _vm_kb(field: str) -> int:
    """`VmHWM` (peak) or `VmRSS` (now) of this process in kB, else `ru_maxrss`."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _context(work: Path) -> tuple[Any, Any, Any]:
    """Positions, vessels and the detectors' `Context` (land mask, vessels, zones, contacts)."""
    import polars as pl

    from watchkeeper.detect.context import Context
    from watchkeeper.detect.dark import contact_tracks
    from watchkeeper.detect.thresholds import Thresholds
    from watchkeeper.geo.landmask import LandMask
    from watchkeeper.geo.shore import shore_distance_if_built
    from watchkeeper.settings import load_settings

    positions = pl.read_parquet(work / POSITIONS)
    vessels = pl.read_parquet(work / VESSELS)
    land = LandMask.load(load_settings().geo_dir)
    contacts = contact_tracks(pl.read_parquet(work / CONTACTS))
    shore = shore_distance_if_built(load_settings().geo_dir)
    context = Context(Thresholds(), land, vessels, _zones(work), contacts, shore)
    return positions, vessels, context


def _events(frame: Any) -> list[dict[str, Any]]:
    """(mmsi, start, end) of each event, times as ISO text."""
    return [
        {"mmsi": list(m or []), "start": s.isoformat(), "end": (e or s).isoformat()}
        for m, s, e in frame.select("mmsi", "start", "end").iter_rows()
    ]


def child_detect(work: Path) -> dict[str, Any]:
    """The whole engine once, as `watchkeeper detect` runs it."""
    from watchkeeper.detect.engine import detect

    t = time.perf_counter()
    positions, vessels, ctx = _context(work)
    load_s = time.perf_counter() - t
    ready_kb = _vm_kb("VmHWM")
    t = time.perf_counter()
    events = detect(
        positions,
        ctx.thresholds,
        land=ctx.land,
        vessels=vessels,
        zones=ctx.zones,
        contacts=ctx.contacts,
        shore=ctx.shore,
    )
    detect_s = time.perf_counter() - t
    counts = dict(events.group_by("type").len().sort("type").iter_rows())
    return {
        "load_s": load_s,
        "detect_s": detect_s,
        "hwm_ready_kb": ready_kb,
        "hwm_kb": _vm_kb("VmHWM"),
        "events": counts,
    }


def child_detectors(work: Path, repeat: int) -> dict[str, Any]:
    """`vessel_tracks` and each detector alone (best of `repeat`), and `loitering` on the subset."""
    import polars as pl

    from watchkeeper.detect.context import Context
    from watchkeeper.detect.engine import ACROSS_VESSELS, PER_CONTACT, PER_VESSEL
    from watchkeeper.detect.loitering import loitering
    from watchkeeper.detect.tracks import vessel_tracks

    positions, _, ctx = _context(work)
    subset = pl.read_parquet(work / SUBSET)
    seconds: dict[str, float] = {}
    found: dict[str, Any] = {}

    def timed(name: str, call: Any) -> Any:
        best, out = float("inf"), None
        for _ in range(repeat):
            t = time.perf_counter()
            out = call()
            best = min(best, time.perf_counter() - t)
        seconds[name] = best
        return out

    tracks = timed("vessel_tracks", lambda: vessel_tracks(positions))

    def fresh() -> Context:
        """Each run pays for the tables it shares with other detectors (no cache)."""
        return Context(ctx.thresholds, ctx.land, ctx.vessels, ctx.zones, ctx.contacts, ctx.shore)

    for name, fn in {**PER_VESSEL, **PER_CONTACT, **ACROSS_VESSELS}.items():
        found[name] = timed(name, lambda fn=fn: fn(tracks, fresh()))
    on_subset = timed("loitering_on_subset", lambda: loitering(subset, fresh()))
    return {
        "seconds": seconds,
        "events": {name: frame.height for name, frame in found.items()},
        "loitering": _events(found["loitering"]),
        "loitering_on_subset": _events(on_subset),
        "hwm_kb": _vm_kb("VmHWM"),
    }


def child_movingpandas(work: Path, processes: int, sample: int | None) -> dict[str, Any]:
    """movingpandas' stop detector on the loitering input (or `sample` of its vessels)."""
    with warnings.catch_warnings():  # "Missing optional dependencies" (Stone Soup)
        warnings.simplefilter("ignore")
        import movingpandas as mpd
    import numpy as np
    import pandas as pd

    frame = pd.read_parquet(work / SUBSET, columns=["mmsi", "ts", "lat", "lon"])
    reports = len(frame)
    if sample is not None and frame["mmsi"].nunique() > sample:
        # The loitering vessels of the truth, so that recovery is measured on all of
        # them, then vessels drawn at random up to `sample`.
        vessels = frame["mmsi"].unique()
        wanted = {m for t in loitering_truth(work) for m in t["mmsi"]}
        truth_vessels = [m for m in vessels if m in wanted]
        others = np.array([m for m in vessels if m not in wanted])
        rng = np.random.default_rng(7)
        drawn = rng.choice(others, max(sample - len(truth_vessels), 0), replace=False)
        frame = frame[frame["mmsi"].isin([*truth_vessels, *drawn.tolist()])]
    frame["ts"] = frame["ts"].dt.tz_localize(None)  # naive UTC, movingpandas' convention
    max_diameter, min_duration = stop_parameters()
    ready_kb = _vm_kb("VmHWM")
    t = time.perf_counter()
    collection = mpd.TrajectoryCollection(
        frame, traj_id_col="mmsi", t="ts", x="lon", y="lat", crs="EPSG:4326"
    )
    construct_s = time.perf_counter() - t
    t = time.perf_counter()
    detector = mpd.TrajectoryStopDetector(collection, n_processes=processes)
    stops = detector.get_stop_segments(max_diameter=max_diameter, min_duration=min_duration)
    detect_s = time.perf_counter() - t
    found = [
        {
            "mmsi": [int(str(traj.id).split("_")[0])],  # segment ids are "<mmsi>_<start>"
            "start": traj.get_start_time().replace(tzinfo=UTC).isoformat(),
            "end": traj.get_end_time().replace(tzinfo=UTC).isoformat(),
        }
        for traj in stops.trajectories
    ]
    return {
        "version": mpd.__version__,
        "processes": processes,
        "reports": len(frame),
        "reports_all": reports,
        "trajectories": len(collection.trajectories),
        "construct_s": construct_s,
        "detect_s": detect_s,
        "max_diameter_m": max_diameter,
        "min_duration_s": min_duration.total_seconds(),
        "stops": found,
        "hwm_ready_kb": ready_kb,
        "hwm_kb": _vm_kb("VmHWM"),
    }


def _child(kind: str, work: Path, *extra: str) -> dict[str, Any]:
    """Run `--child kind` in a fresh Python and return what it wrote."""
    out = work / f"{kind}-{time.monotonic_ns()}.json"
    cmd = [sys.executable, "-m", "benchmarks.detect", "--child", kind, "--work", str(work)]
    subprocess.run([*cmd, "--child-out", str(out), *extra], cwd=REPO, check=True)
    figures: dict[str, Any] = json.loads(out.read_text())
    out.unlink()
    return figures


def movingpandas_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("movingpandas") is not None


# --- scoring and report -------------------------------------------------------------


def recovered(truth: list[dict[str, Any]], found: list[dict[str, Any]]) -> tuple[int, int]:
    """(truth records matched, found events matched): same vessel, overlap within `SLACK`."""
    hit_events: set[int] = set()
    hit_truth = 0
    spans = [
        (set(f["mmsi"]), datetime.fromisoformat(f["start"]), datetime.fromisoformat(f["end"]))
        for f in found
    ]
    for record in truth:
        start = datetime.fromisoformat(record["start"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(record["end"].replace("Z", "+00:00"))
        vessels = set(record["mmsi"])
        hits = [
            i
            for i, (mmsi, s, e) in enumerate(spans)
            if mmsi & vessels and s <= end + SLACK and e >= start - SLACK
        ]
        hit_events.update(hits)
        hit_truth += bool(hits)
    return hit_truth, len(hit_events)


def loitering_truth(work: Path) -> list[dict[str, Any]]:
    from watchkeeper.sim.truth import read_truth

    return [
        t
        for t in read_truth(work / TRUTH)
        if t["type"] == "loitering" and t.get("details", {}).get("observable", True)
    ]


def _progress(figures: dict[str, Any]) -> None:
    """What is measured so far, on stderr (the report comes at the end)."""
    print(json.dumps(figures, default=str), file=sys.stderr, flush=True)


def run(
    work: Path,
    *,
    vessels: int,
    hours: float,
    seed: int = 7,
    repeat: int = 3,
    processes: int = 1,
    sample: int | None = None,
    peer: bool = True,
    reuse: bool = False,
) -> dict[str, Any]:
    """Build the inputs in `work` (kept there when `reuse` finds them) and measure."""
    result: dict[str, Any] = {
        "command": "python -m benchmarks.detect " + " ".join(sys.argv[1:]),
        "when_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "scenario": SCENARIO,
        "vessels": vessels,
        "hours": hours,
        "seed": seed,
    }
    if not (reuse and all((work / f).is_file() for f in (NMEA, TRUTH, ZONES))):
        result.update(simulate(work, vessels, hours, seed))
    result.update(decode(work))

    _progress(result)
    runs = [_child("detect", work) for _ in range(repeat)]
    best = min(runs, key=lambda r: r["detect_s"])
    result.update(
        detect_s=round(best["detect_s"], 2),
        detect_s_runs=[round(r["detect_s"], 2) for r in runs],
        load_inputs_s=round(best["load_s"], 2),
        peak_rss_mb=round(max(r["hwm_kb"] for r in runs) / 1024),
        rss_before_detect_mb=round(best["hwm_ready_kb"] / 1024),
        events=best["events"],
    )
    _progress(result)
    parts = _child("detectors", work, "--repeat", str(repeat))
    result["detector_s"] = {k: round(v, 3) for k, v in parts["seconds"].items()}
    result["detector_events"] = parts["events"]

    truth = loitering_truth(work)
    ours = parts["seconds"]["loitering"]
    ours_subset = parts["seconds"]["loitering_on_subset"]
    loiter: dict[str, Any] = {"truth_records": len(truth)}
    for name, found in (
        ("ours", parts["loitering"]),
        ("ours_subset", parts["loitering_on_subset"]),
    ):
        hit, matched = recovered(truth, found)
        loiter[name] = {
            "events": len(found),
            "truth_recovered": hit,
            "events_matching_truth": matched,
        }
    loiter["ours"]["seconds"] = round(ours, 3)
    loiter["ours_subset"]["seconds"] = round(ours_subset, 3)
    _progress({"detector_s": result["detector_s"], "loitering": loiter})
    if peer and movingpandas_installed():
        extra = ["--processes", str(processes)] + (
            [] if sample is None else ["--sample", str(sample)]
        )
        mp = _child("movingpandas", work, *extra)
        hit, matched = recovered(truth, mp["stops"])
        scale = mp["reports_all"] / max(mp["reports"], 1)  # > 1 only for a sample
        theirs = (mp["construct_s"] + mp["detect_s"]) * scale
        loiter["movingpandas"] = {
            "version": mp["version"],
            "processes": mp["processes"],
            "reports": mp["reports"],
            "trajectories": mp["trajectories"],
            "max_diameter_m": round(mp["max_diameter_m"]),
            "min_duration_s": mp["min_duration_s"],
            "construct_s": round(mp["construct_s"], 2),
            "detect_s": round(mp["detect_s"], 2),
            "stops": len(mp["stops"]),
            "truth_recovered": hit,
            "stops_matching_truth": matched,
            "peak_rss_mb": round(mp["hwm_kb"] / 1024),
            "sampled": scale > 1,
            "extrapolated_s": round(theirs, 2) if scale > 1 else None,
        }
        loiter["ratio_theirs_over_ours"] = round(theirs / ours, 1)
        loiter["ratio_same_input"] = round(theirs / ours_subset, 1)
        # Ours again, charged with preparing every vessel's track of the day as well
        # (`vessel_tracks`, which the movingpandas side does in its construction).
        tracks = parts["seconds"]["vessel_tracks"]
        loiter["ratio_with_vessel_tracks"] = round(theirs / (tracks + ours), 1)
    elif not peer:
        loiter["movingpandas"] = "not run: --no-peer"
    else:
        loiter["movingpandas"] = "not run: `make install` (dependency group `bench`) installs it"
    result["loitering"] = loiter
    with contextlib.suppress(AttributeError):
        result["affinity_cpus"] = len(os.sched_getaffinity(0))
    return result


def table(result: dict[str, Any]) -> str:
    """The figures a reader wants first, as aligned text."""
    rows = [
        ("decode (not in detect)", f"{result['decode_s']:.2f} s"),
        ("detect, all detectors", f"{result['detect_s']:.2f} s (runs {result['detect_s_runs']})"),
        ("peak RSS of detect", f"{result['peak_rss_mb']:,} MB"),
    ]
    rows += [(f"  {k}", f"{v:.3f} s") for k, v in result["detector_s"].items()]
    loiter = result["loitering"]
    rows.append(("loitering truth", str(loiter["truth_records"])))
    for name in ("ours", "ours_subset"):
        o = loiter[name]
        rows.append(
            (
                f"  {name}",
                f"{o['seconds']:.3f} s, {o['events']} events, "
                f"{o['truth_recovered']} truth recovered",
            )
        )
    mp = loiter["movingpandas"]
    if isinstance(mp, dict):
        label = " (sample, extrapolated)" if mp["sampled"] else ""
        rows.append(
            (
                f"  movingpandas {mp['version']}{label}",
                f"{mp['construct_s']:.2f} s build + {mp['detect_s']:.2f} s stops, "
                f"{mp['stops']} stops, {mp['truth_recovered']} truth recovered",
            )
        )
        rows.append(("  ratio theirs / ours", f"{loiter['ratio_theirs_over_ours']}x"))
        rows.append(("  ratio, same input", f"{loiter['ratio_same_input']}x"))
        rows.append(("  ratio, ours + vessel_tracks", f"{loiter['ratio_with_vessel_tracks']}x"))
    else:
        rows.append(("  movingpandas", mp))
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vessels", type=int, default=5000)
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="detect runs (fresh processes)")
    parser.add_argument("--tmp", type=Path, help="work directory (default: a temporary one)")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the simulated log found in --tmp"
    )
    parser.add_argument("--processes", type=int, default=1, help="movingpandas n_processes")
    parser.add_argument("--sample", type=int, help="movingpandas on this many vessels only")
    parser.add_argument("--no-peer", action="store_true", help="skip movingpandas")
    parser.add_argument("--child", choices=["detect", "detectors", "movingpandas"])
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        if args.child == "detect":
            figures = child_detect(args.work)
        elif args.child == "detectors":
            figures = child_detectors(args.work, args.repeat)
        else:
            figures = child_movingpandas(args.work, args.processes, args.sample)
        args.child_out.write_text(json.dumps(figures))
        return
    options = {
        "vessels": args.vessels,
        "hours": args.hours,
        "seed": args.seed,
        "repeat": args.repeat,
        "processes": args.processes,
        "sample": args.sample,
        "peer": not args.no_peer,
        "reuse": args.reuse,
    }
    if args.tmp is not None:
        args.tmp.mkdir(parents=True, exist_ok=True)
        result = run(args.tmp, **options)
    else:
        with tempfile.TemporaryDirectory(prefix="wk-detect-") as tmp:
            result = run(Path(tmp), **options)
    print(table(result))
    report(result, OUT_JSON, width=22)


if __name__ == "__main__":
    main()
