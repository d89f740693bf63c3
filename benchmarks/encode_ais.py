"""AIS encoding speed: Watchkeeper's encoder against pyais' `encode_dict`, in one run.

Run from the repository root::

    .venv/bin/python -m benchmarks.encode_ais            # 2 M position reports
    .venv/bin/python -m benchmarks.encode_ais --n 200000

Both encode the same random class A position reports into `!AIVDM` sentences
(ours also writes an NMEA 4.0 tag block with receiver and time on every line);
pyais encodes a sample (it is slow) and its rate is scaled per sentence. The
ratio is printed. No file is written.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

os.environ.setdefault("NUMBA_NUM_THREADS", "1")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2_000_000)
    parser.add_argument("--pyais-n", type=int, default=20_000)
    args = parser.parse_args(argv)
    import pyais

    from watchkeeper.ais.encode import encode_payloads, frame_sentences

    rng = np.random.default_rng(1)
    n = args.n
    cols = {
        "msg_type": np.ones(n, np.int64),
        "mmsi": rng.integers(200_000_000, 800_000_000, n),
        "lat": rng.uniform(30, 40, n),
        "lon": rng.uniform(5, 20, n),
        "sog": rng.uniform(0, 20, n).round(1),
        "cog": rng.uniform(0, 360, n).round(1),
        "heading": rng.integers(0, 360, n),
        "nav_status": np.zeros(n, np.int64),
        "second": rng.integers(0, 60, n),
    }
    ts = 1_784_073_600_000 + np.arange(n, dtype=np.int64) * 10
    encode_payloads({k: v[:10] for k, v in cols.items()})  # compile outside the timing
    t = time.perf_counter()
    p = encode_payloads(cols)
    out = frame_sentences(
        p, np.arange(n), ts, np.zeros(n, np.int32), ["rx"], np.full(n, 65, np.uint8)
    )
    ours = n / (time.perf_counter() - t)
    m = args.pyais_n
    rows = [
        {
            "type": 1,
            "mmsi": int(cols["mmsi"][i]),
            "lat": float(cols["lat"][i]),
            "lon": float(cols["lon"][i]),
            "speed": float(cols["sog"][i]),
            "course": float(cols["cog"][i]),
            "heading": int(cols["heading"][i]),
            "status": 0,
            "second": int(cols["second"][i]),
        }
        for i in range(m)
    ]
    t = time.perf_counter()
    for row in rows:
        pyais.encode_dict(row, talker_id="AI")
    theirs = m / (time.perf_counter() - t)
    print(f"watchkeeper: {ours:12,.0f} sentences/s ({len(out.data) / 1e6:,.0f} MB with tag blocks)")
    print(f"pyais:       {theirs:12,.0f} sentences/s (encode_dict, no tag blocks)")
    print(f"ratio:       {ours / theirs:12,.1f}x")


if __name__ == "__main__":
    main()
