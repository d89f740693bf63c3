"""How fast the simulator makes a day of traffic, and how much memory it needs.

Run from the repository root::

    .venv/bin/python -m benchmarks.simulate                       # 5,000 ships, 24 h
    .venv/bin/python -m benchmarks.simulate --vessels 500 --hours 2

It plans the `central-med` scenario (or `--scenario`) with every behaviour, then
writes the NMEA log, the contacts and the truth to a temporary directory, and
prints the time of each phase, sentences per second, the file sizes and the
peak resident memory. The output is also decoded back with Watchkeeper's own
decoder as a check (every line must decode; nothing rejected). Results are
written to `benchmarks/out/simulate.json` (git-ignored).
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path
from typing import Any, Final

from benchmarks._report import report

REPO: Final = Path(__file__).resolve().parents[1]
OUT_JSON: Final = REPO / "benchmarks" / "out" / "simulate.json"


def run(
    scenario: str, vessels: int, hours: float, seed: int, tmp: Path, check: bool = True
) -> dict[str, Any]:
    """Plan and write one run; returns the measurements."""
    from watchkeeper.ais.reader import decode_file
    from watchkeeper.geo.landmask import land_mask
    from watchkeeper.settings import load_settings
    from watchkeeper.sim.output import write_run
    from watchkeeper.sim.scenario import load_scenario
    from watchkeeper.sim.simulate import Simulation, parse_start

    sc = load_scenario(scenario)
    t = time.perf_counter()
    mask = land_mask(load_settings().geo_dir)
    t_mask = time.perf_counter() - t
    t = time.perf_counter()
    sim = Simulation(sc, parse_start(sc.start), hours, vessels, seed, mask.is_land)
    t_plan = time.perf_counter() - t
    nmea, truth, contacts = tmp / "traffic.nmea", tmp / "truth.jsonl", tmp / "contacts.csv"
    t = time.perf_counter()
    summary = write_run(sim, nmea, truth, contacts)
    t_write = time.perf_counter() - t
    result: dict[str, Any] = {
        "scenario": scenario,
        "vessels": vessels,
        "hours": hours,
        "movers": len(sim.movers),
        "legs": len(sim.legs),
        "sentences": summary.sentences,
        "transmissions": summary.transmissions,
        "contacts": summary.contacts,
        "truth_events": summary.truth,
        "nmea_mb": round(nmea.stat().st_size / 1e6, 1),
        "contacts_mb": round(contacts.stat().st_size / 1e6, 1),
        "land_mask_s": round(t_mask, 2),
        "plan_s": round(t_plan, 2),
        "produce_s": round(t_write, 2),
        "sentences_per_s": round(summary.sentences / t_write),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    if check:
        t = time.perf_counter()
        decoded = decode_file(nmea)
        result["decode_check_s"] = round(time.perf_counter() - t, 2)
        rejected = sum(v for k, v in decoded.counts.items() if k.startswith("rejected"))
        result["decoded_messages"] = int(sum(decoded.message_types.values()))
        result["rejected_lines"] = int(rejected)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="central-med")
    parser.add_argument("--vessels", type=int, default=5000)
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-check", action="store_true", help="skip decoding the output back")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="wk-sim-") as tmp:
        result = run(
            args.scenario, args.vessels, args.hours, args.seed, Path(tmp), not args.no_check
        )
    report(result, OUT_JSON, width=18)


if __name__ == "__main__":
    main()
