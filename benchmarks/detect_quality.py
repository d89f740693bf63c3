"""How well the detectors find what the simulator injected: precision, recall, F1 and
median time to alert per event type, over several simulated days.

    .venv/bin/python -m benchmarks.detect_quality                       # 3 days, ~5 min
    .venv/bin/python -m benchmarks.detect_quality --seeds 7 --vessels 300 --hours 12

Each seed is one `watchkeeper simulate` run (central-med and the Tunisia-Libya land
border), decoded, run through every detector with the scenario's zones, the sensor
contacts, the land mask and the distance to shore, and scored with `evaluate` (a truth
record and an event match on type, a shared vessel or sensor track, and time overlap
within 15 minutes). Counts are summed over the seeds before the ratios are taken.
Results are printed and written to `benchmarks/out/detect_quality.json`.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any, Final

from benchmarks._report import report

SCENARIOS: Final = ("central-med", "tunisia-libya-land")
START: Final = "2026-07-15T00:00:00Z"
OUT: Final = Path(__file__).parent / "out" / "detect_quality.json"


def one_day(scenario: str, seed: int, vessels: int, hours: float, work: Path) -> dict[str, Any]:
    """Simulate, detect and score one run; per type: truth, events, matches, delays."""
    import polars as pl

    from watchkeeper.detect.engine import detect
    from watchkeeper.detect.evaluate import evaluate
    from watchkeeper.detect.inputs import from_logs
    from watchkeeper.geo.landmask import land_mask
    from watchkeeper.geo.shore import shore_distance_if_built
    from watchkeeper.geo.zones import ZoneSet
    from watchkeeper.sensors.contacts import read_contacts
    from watchkeeper.settings import load_settings
    from watchkeeper.sim.coasts import scenario_zones
    from watchkeeper.sim.output import write_run
    from watchkeeper.sim.scenario import load_scenario
    from watchkeeper.sim.simulate import Simulation, parse_start
    from watchkeeper.sim.truth import read_truth

    geo = load_settings().geo_dir
    mask = land_mask(geo)
    spec = load_scenario(scenario)
    sim = Simulation(spec, parse_start(START), hours, vessels, seed, mask.is_land)
    nmea, truth, contacts = work / "day.nmea", work / "truth.jsonl", work / "contacts.csv"
    write_run(sim, nmea, truth, contacts)
    seen = from_logs([nmea])
    plots = pl.from_arrow(read_contacts(contacts).contacts)
    t = time.perf_counter()
    events = detect(
        seen.positions,
        land=mask,
        vessels=seen.vessels,
        zones=ZoneSet(scenario_zones(spec)),
        contacts=plots,
        shore=shore_distance_if_built(geo),
    )
    detect_s = time.perf_counter() - t
    scores = evaluate(read_truth(truth), events)
    return {
        "detect_s": round(detect_s, 1),
        "positions": seen.positions.height,
        "types": {
            s.type: {
                "truth": s.truth,
                "events": s.events,
                "matched_truth": s.matched_truth,
                "matched_events": s.matched_events,
                "median_alert_s": s.median_alert_s,
            }
            for s in scores
        },
    }


def summarise(days: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Counts summed over the days; precision, recall, F1; the median of the days' medians."""
    total: dict[str, dict[str, Any]] = {}
    for day in days:
        for kind, s in day["types"].items():
            t = total.setdefault(
                kind,
                {"truth": 0, "events": 0, "matched_truth": 0, "matched_events": 0, "alerts": []},
            )
            for key in ("truth", "events", "matched_truth", "matched_events"):
                t[key] += s[key]
            if s["median_alert_s"] is not None:
                t["alerts"].append(s["median_alert_s"])
    for t in total.values():
        p = t["matched_events"] / t["events"] if t["events"] else None
        r = t["matched_truth"] / t["truth"] if t["truth"] else None
        t["precision"], t["recall"] = p, r
        t["f1"] = 2 * p * r / (p + r) if p is not None and r is not None and p + r else None
        alerts = t.pop("alerts")
        t["median_alert_min"] = statistics.median(alerts) / 60 if alerts else None
    return dict(sorted(total.items()))


def _fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def table(summary: dict[str, dict[str, Any]]) -> str:
    rows = [("type", "truth", "events", "precision", "recall", "F1", "median alert (min)")]
    for kind, t in summary.items():
        rows.append(
            (
                kind,
                str(t["truth"]),
                str(t["events"]),
                _fmt(t["precision"]),
                _fmt(t["recall"]),
                _fmt(t["f1"]),
                _fmt(t["median_alert_min"], 1),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[7, 11, 23])
    parser.add_argument("--vessels", type=int, default=800)
    parser.add_argument("--hours", type=float, default=24.0)
    args = parser.parse_args(argv)
    days = []
    for scenario in SCENARIOS:
        for seed in args.seeds:
            with tempfile.TemporaryDirectory(prefix="wk-quality-") as tmp:
                day = one_day(scenario, seed, args.vessels, args.hours, Path(tmp))
            day.update(scenario=scenario, seed=seed)
            print(
                f"{scenario} seed {seed}: {day['positions']:,} positions, detect {day['detect_s']} s"
            )
            days.append(day)
    summary = summarise(days)
    print(table(summary))
    report(
        {
            "seeds": " ".join(map(str, args.seeds)),
            "vessels": args.vessels,
            "hours": args.hours,
            "detect_s": [d["detect_s"] for d in days],
            "f1": {kind: t["f1"] and round(t["f1"], 2) for kind, t in summary.items()},
            "summary": summary,
        },
        OUT,
    )


if __name__ == "__main__":
    main()
