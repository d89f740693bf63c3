"""How fast the node's land mask answers, against global-land-mask on the same points.

Run from the repository root::

    .venv/bin/python -m benchmarks.land_mask                  # 1 M points, Strait of Sicily
    .venv/bin/python -m benchmarks.land_mask --points 200000 --area region

It loads the land file `make install` built (the `geo_dir` setting), draws random
points over an area (`sicily`: 35-38.5° N, 10-16° E, the coasts of Sicily, Malta,
Tunisia and the Pelagie islands, where most points need more than a tile lookup;
`region`: the whole built region), and times one `LandMask.is_land` call and one
`global_land_mask.globe.is_land` call on them, after a small warm-up call each.
It prints load and import times, points per second, the ratio, and how often the
two agree. Results are written to `benchmarks/out/land_mask.json` (git-ignored).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any, Final

import numpy as np

from benchmarks._report import report

REPO: Final = Path(__file__).resolve().parents[1]
OUT_JSON: Final = REPO / "benchmarks" / "out" / "land_mask.json"

#: (south, north, west, east) of each area points are drawn from.
AREAS: Final = {
    "sicily": (35.0, 38.5, 10.0, 16.0),
    "region": (0.0, 50.0, -30.0, 45.0),
}


def run(points: int, area: str, seed: int) -> dict[str, Any]:
    """Time both masks on the same points; returns the measurements."""
    from watchkeeper.geo.landmask import LandMask
    from watchkeeper.settings import load_settings

    t = time.perf_counter()
    mask = LandMask.load(load_settings().geo_dir)
    load_s = time.perf_counter() - t
    t = time.perf_counter()
    from global_land_mask import globe

    import_s = time.perf_counter() - t

    south, north, west, east = AREAS[area]
    rng = np.random.default_rng(seed)
    lat = rng.uniform(south, north, points)
    lon = rng.uniform(west, east, points)
    mask.is_land(lat[:1000], lon[:1000])
    globe.is_land(lat[:1000], lon[:1000])

    t = time.perf_counter()
    ours = mask.is_land(lat, lon)
    ours_s = time.perf_counter() - t
    t = time.perf_counter()
    theirs = globe.is_land(lat, lon)
    theirs_s = time.perf_counter() - t
    return {
        "area": area,
        "points": points,
        "land_file": mask.provenance.resolution + " " + "/".join(f"{v:g}" for v in mask.region),
        "load_s": round(load_s, 3),
        "global_land_mask_import_s": round(import_s, 2),
        "is_land_s": round(ours_s, 4),
        "global_land_mask_s": round(theirs_s, 4),
        "is_land_points_per_s": round(points / ours_s),
        "global_land_mask_points_per_s": round(points / theirs_s),
        "ratio_ours_over_theirs": round(theirs_s / ours_s, 2),
        "land_fraction": round(float(ours.mean()), 4),
        "agreement": round(float((ours == theirs).mean()), 5),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--area", choices=sorted(AREAS), default="sicily")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    result = run(args.points, args.area, args.seed)
    report(result, OUT_JSON, width=30)


if __name__ == "__main__":
    main()
