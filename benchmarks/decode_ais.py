"""Decoding speed and memory of Watchkeeper's AIS decoder, against pyais and aiscat.

Run from the repository root::

    .venv/bin/python -m benchmarks.decode_ais              # ~1.5 M + 1 M messages, 10 GB log
    .venv/bin/python -m benchmarks.decode_ais --big-gb 1   # quicker memory run
    .venv/bin/python -m benchmarks.decode_ais --scale 0.2 --big-gb 0

Inputs are built from the shared real AIS logs (``../shared/data/ais``, or
``--data`` / ``$WATCHKEEPER_AIS_DATA``) into a temporary directory:

* ``bare``: every ``!xxVDM``/``!xxVDO`` sentence of every shared log, without tag
  blocks, wrappers or trailing fields, one per line, repeated;
* ``tagged``: DMA's ``ais-sample-20131112.txt`` as recorded (``\\si:AISD*3F\\`` tag
  line, ``$PGHP`` Gatehouse line, sentence), repeated.

Each input is decoded by Watchkeeper (``iter_decode_file``: reading the file, all
three kernels and the Arrow tables), by pyais (``FileReaderStream`` and ``.decode()``
on every message, on a smaller input of the same mix because it is slow) and by
aiscat (``Decoder`` fed 1 MiB blocks, every message popped as a dict), in one
process pinned to one core with ``NUMBA_NUM_THREADS=1``. A large log is then
decoded in a child process to measure peak resident memory. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from collections.abc import Callable

# Before anything imports numba: the kernels are not parallel, but say so anyway.
os.environ.setdefault("NUMBA_NUM_THREADS", "1")

REPO: Final = Path(__file__).resolve().parents[1]
DEFAULT_DATA: Final = Path(
    os.environ.get("WATCHKEEPER_AIS_DATA", str(REPO.parent / "shared" / "data" / "ais"))
)
OUT_JSON: Final = REPO / "benchmarks" / "out" / "decode_ais.json"
TAGGED_SOURCE: Final = Path("dma-aisabnormal") / "ais-sample-20131112.txt"
#: Not logs: the index, decoded CSV and gpsd's expected outputs (which echo the sentences).
NOT_LOGS: Final = frozenset({".md", ".csv", ".chk"})

#: Messages of each input at ``--scale 1``.
BARE_MESSAGES: Final = 1_500_000
TAGGED_MESSAGES: Final = 1_000_000
PYAIS_BARE_MESSAGES: Final = 200_000
PYAIS_TAGGED_MESSAGES: Final = 100_000

#: What the decoder is meant to reach on one core.
TARGET_BARE_MSG_S: Final = 1_500_000
TARGET_VS_PYAIS: Final = 25.0
TARGET_VS_AISCAT: Final = 4.0

_MIB: Final = 1 << 20
_GB: Final = 10**9
_DISK_RESERVE: Final = 2 * _GB  # left free on the disk when writing the big log

_SENTENCE: Final = re.compile(rb"![A-Z]{2}VD[MO],[^*\s\\]*(?:\*[0-9A-Fa-f]{2})?")
_FRAGMENT: Final = re.compile(rb"![A-Z]{2}VD[MO],(\d),(\d),")


# --------------------------------------------------------------------------- inputs


@dataclass
class Input:
    """A benchmark input written to disk."""

    name: str
    path: Path
    messages: int  # logical messages written (some are invalid: not every tool decodes them)
    lines: int
    bytes: int


def log_files(data_dir: Path) -> list[Path]:
    """The shared raw AIS logs, in a stable order."""
    return sorted(
        p for p in data_dir.rglob("*") if p.is_file() and p.suffix.lower() not in NOT_LOGS
    )


def _closes_message(line: bytes) -> bool:
    """False for a fragment of a multi-sentence message that is not the last one."""
    m = _FRAGMENT.search(line)
    return m is None or m.group(1) == m.group(2)


def bare_units(data_dir: Path) -> list[bytes]:
    """Every AIS sentence of the shared logs, stripped of wrappers, grouped by message.

    A unit is the sentence lines of one logical message, so that an input cut
    anywhere between units never splits a multi-sentence message.
    """
    units: list[bytes] = []
    for path in log_files(data_dir):
        pending: list[bytes] = []
        for line in path.read_bytes().splitlines():
            for m in _SENTENCE.finditer(line):
                pending.append(m.group() + b"\n")
                if _closes_message(m.group()):
                    units.append(b"".join(pending))
                    pending = []
        if pending:  # a log ending inside a message: keep its fragments anyway
            units.append(b"".join(pending))
    return units


def tagged_units(data_dir: Path) -> list[bytes]:
    """DMA's tag-block + ``$PGHP`` + sentence layout, as recorded, grouped by message."""
    lines = (data_dir / TAGGED_SOURCE).read_bytes().splitlines(keepends=True)
    units: list[bytes] = []
    pending: list[bytes] = []
    for line in lines:
        pending.append(line if line.endswith(b"\n") else line + b"\n")
        if _SENTENCE.search(line) and _closes_message(line):
            units.append(b"".join(pending))
            pending = []
    if pending and units:
        units[-1] += b"".join(pending)
    return units


def write_input(name: str, units: list[bytes], messages: int, path: Path) -> Input:
    """Write ``messages`` units: the whole corpus repeated, then an even sample of it."""
    if not units:
        raise ValueError(f"{name}: no AIS sentences found")
    corpus = b"".join(units)
    reps, rest = divmod(max(messages, 1), len(units))
    tail = [units[k * len(units) // rest] for k in range(rest)] if rest else []
    tail_bytes = b"".join(tail)
    with path.open("wb") as fh:
        for _ in range(reps):
            fh.write(corpus)
        fh.write(tail_bytes)
    return Input(
        name=name,
        path=path,
        messages=reps * len(units) + rest,
        lines=reps * corpus.count(b"\n") + tail_bytes.count(b"\n"),
        bytes=reps * len(corpus) + len(tail_bytes),
    )


def build_inputs(data_dir: Path, out_dir: Path, scale: float) -> dict[str, Input]:
    """The four inputs: bare and tagged, full size and the smaller ones pyais decodes."""
    bare = bare_units(data_dir)
    tagged = tagged_units(data_dir)
    sizes = {
        "bare": (bare, BARE_MESSAGES),
        "tagged": (tagged, TAGGED_MESSAGES),
        "bare-pyais": (bare, PYAIS_BARE_MESSAGES),
        "tagged-pyais": (tagged, PYAIS_TAGGED_MESSAGES),
    }
    return {
        name: write_input(name, units, max(1, round(n * scale)), out_dir / f"{name}.nmea")
        for name, (units, n) in sizes.items()
    }


# --------------------------------------------------------------------------- decoders


@dataclass
class Run:
    """One timed decode of one input by one tool."""

    input: str
    tool: str
    messages: int
    seconds: float
    errors: int = 0  # messages the tool yielded but could not decode

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds > 0 else 0.0


def warm_up(inp: Input) -> float:
    """Load (or compile, ~30 s the first time) the numba kernels; returns the seconds."""
    from watchkeeper.ais.decode import decode_bytes

    t0 = time.perf_counter()
    with inp.path.open("rb") as fh:
        decode_bytes(fh.read(256 * 1024))
    return time.perf_counter() - t0


def decode_ours(path: Path) -> tuple[int, int]:
    """Watchkeeper, whole file as an ingest reads it: (messages decoded, 0)."""
    from watchkeeper.ais.reader import iter_decode_file

    n = 0
    for result, _offset in iter_decode_file(path):
        n += result.messages
    return n, 0


def decode_pyais(path: Path) -> tuple[int, int]:
    """pyais as its docs show: a FileReaderStream, ``.decode()`` on each message."""
    from pyais.stream import FileReaderStream

    n = errors = 0
    with FileReaderStream(str(path)) as stream:
        for msg in stream:
            try:
                msg.decode()
            except Exception:  # pyais raises several types for bad payloads
                errors += 1
            else:
                n += 1
    return n, errors


def decode_aiscat(path: Path, chunk: int = _MIB, fmt: str = "dictionary") -> tuple[int, int]:
    """aiscat's fastest whole-file route: one Decoder fed 1 MiB blocks, messages popped.

    ``Decoder`` fed 1 MiB is faster than ``aiscat.from_file`` (64 KiB blocks, a generator)
    and than 64 KiB or 16 MiB blocks. ``"dictionary"`` (the default) gives a dict of
    every decoded field; ``"json"`` the same fields serialised to bytes (not parsed
    here), which skips building the dict. (``"binary"`` and ``"nmea"`` are faster still
    but carry no decoded fields, so they are not decoding.)
    """
    from aiscat import Decoder

    dec = Decoder(format=fmt)
    n = 0
    with path.open("rb") as fh:
        while data := fh.read(chunk):
            dec.feed(data)
            while dec.next() is not None:
                n += 1
    return n, 0


def decode_aiscat_json(path: Path) -> tuple[int, int]:
    return decode_aiscat(path, fmt="json")


TOOLS: Final[dict[str, Callable[[Path], tuple[int, int]]]] = {
    "watchkeeper": decode_ours,
    "pyais": decode_pyais,
    "aiscat": decode_aiscat,
    "aiscat-json": decode_aiscat_json,
}


def time_decode(tool: str, inp: Input) -> Run:
    """One timed decode of ``inp`` by ``tool``."""
    t0 = time.perf_counter()
    n, errors = TOOLS[tool](inp.path)
    return Run(inp.name, tool, n, time.perf_counter() - t0, errors)


def timed_rounds(
    plan: list[tuple[str, str]], inputs: dict[str, Input], rounds: int, *, verbose: bool = False
) -> list[Run]:
    """Run the whole ``plan`` ``rounds`` times; keep each (input, tool)'s fastest run.

    Rounds rather than repeats in a row: a burst of load from elsewhere on the
    machine then slows one run of every tool, not every run of one tool.
    """
    best: dict[tuple[str, str], Run] = {}
    for k in range(max(1, rounds)):
        if verbose:
            print(f"round {k + 1}/{max(1, rounds)}", flush=True)
        for name, tool in plan:
            run = time_decode(tool, inputs[name])
            if verbose:
                print(
                    f"  {name:13} {tool:12} {run.messages:>10,} msgs {run.seconds:7.2f} s "
                    f"{run.rate:>12,.0f} msg/s",
                    flush=True,
                )
            if (name, tool) not in best or run.seconds < best[(name, tool)].seconds:
                best[(name, tool)] = run
    return [best[key] for key in plan]


# --------------------------------------------------------------------------- big file


def build_big(src: Path, dest: Path, size: int) -> int:
    """Append copies of ``src`` to ``dest`` until ``size`` bytes, streaming; returns bytes."""
    written = 0
    with dest.open("wb") as out:
        while written < size:
            with src.open("rb") as fh:
                while chunk := fh.read(16 * _MIB):
                    if written + len(chunk) > size:
                        chunk = chunk[: chunk.rfind(b"\n", 0, size - written) + 1]
                    out.write(chunk)
                    written += len(chunk)
                    if written >= size or not chunk:
                        return written
    return written


def fit_on_disk(directory: Path, size: int) -> tuple[int, str | None]:
    """``size`` shrunk to what the disk holds with a reserve left; a note if shrunk."""
    free = shutil.disk_usage(directory).free
    room = max(0, free - _DISK_RESERVE)
    if size <= room:
        return size, None
    note = (
        f"only {free / _GB:.1f} GB free in {directory}: big log shrunk from "
        f"{size / _GB:.1f} GB to {room / _GB:.1f} GB (keeping {_DISK_RESERVE / _GB:.0f} GB free)"
    )
    return room, note


def _vm_hwm_kb() -> int:
    """Peak resident memory of this process in kB (Linux ``VmHWM``), else ``ru_maxrss``.

    ``ru_maxrss`` is not used first: Linux carries the parent's resident size at
    fork over to the child, so a child of a large parent reports at least that.
    """
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _child_decode(path: Path, out: Path) -> None:
    """In the child: decode ``path`` whole with iter_decode_file, write figures to ``out``."""
    from watchkeeper.ais.decode import decode_bytes

    with path.open("rb") as fh:
        decode_bytes(fh.read(64 * 1024))  # load the kernels before measuring
    hwm_ready_kb = _vm_hwm_kb()
    t0 = time.perf_counter()
    n, _ = decode_ours(path)
    seconds = time.perf_counter() - t0
    figures = {"messages": n, "seconds": seconds, "hwm_ready_kb": hwm_ready_kb}
    out.write_text(json.dumps({**figures, "hwm_kb": _vm_hwm_kb()}))


def measure_big(path: Path, work: Path) -> dict[str, Any]:
    """Decode ``path`` in a child process: its peak RSS (VmHWM, and psutil polling)."""
    import psutil

    out = work / "child.json"
    env = {**os.environ, "NUMBA_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "benchmarks.decode_ais", "--child-decode", str(path)]
    cmd += ["--child-out", str(out)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, env=env)
    polled = 0
    ps = psutil.Process(proc.pid)
    while proc.poll() is None:
        with contextlib.suppress(psutil.Error):
            polled = max(polled, ps.memory_info().rss)
        time.sleep(0.05)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"decoding the big log failed (exit {proc.returncode})")
    child = json.loads(out.read_text())
    size = path.stat().st_size
    return {
        "bytes": size,
        "messages": child["messages"],
        "decode_seconds": child["seconds"],
        "wall_seconds": wall,
        "messages_per_s": child["messages"] / child["seconds"],
        "mb_per_s": size / 1e6 / child["seconds"],
        "peak_rss_mb": child["hwm_kb"] * 1024 / 1e6,
        "peak_rss_polled_mb": polled / 1e6,
        "rss_before_decode_mb": child["hwm_ready_kb"] * 1024 / 1e6,
    }


# --------------------------------------------------------------------------- report


def machine() -> dict[str, Any]:
    from importlib.metadata import version

    cpu = platform.processor()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = 0
    with contextlib.suppress(ImportError):
        import psutil

        mem = psutil.virtual_memory().total
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem / 2**30, 1),
        "python": platform.python_version(),
        "os": platform.platform(),
        "versions": {
            pkg: version(pkg) for pkg in ("numpy", "numba", "pyarrow", "pyais", "aiscat", "psutil")
        },
    }


def ratios(runs: list[Run]) -> dict[str, dict[str, float]]:
    """Watchkeeper's msg/s over each peer's, per input (``bare``, ``tagged``)."""
    rate = {(r.input.removesuffix("-pyais"), r.tool): r.rate for r in runs}
    out: dict[str, dict[str, float]] = {}
    for inp in ("bare", "tagged"):
        ours = rate.get((inp, "watchkeeper"))
        if not ours:
            continue
        out[inp] = {
            f"vs_{tool}": ours / rate[(inp, tool)]
            for tool in ("pyais", "aiscat", "aiscat-json")
            if rate.get((inp, tool))
        }
    return out


def table(runs: list[Run]) -> str:
    r = ratios(runs)
    rows = [("input", "tool", "messages", "seconds", "msg/s", "ours/this")]
    for run in runs:
        base = run.input.removesuffix("-pyais")
        ratio = r.get(base, {}).get(f"vs_{run.tool}")
        rows.append(
            (
                run.input,
                run.tool,
                f"{run.messages:,}",
                f"{run.seconds:.2f}",
                f"{run.rate:,.0f}",
                f"{ratio:.1f}x" if ratio else "",
            )
        )
    widths = [max(len(row[k]) for row in rows) for k in range(len(rows[0]))]
    lines = []
    for i, row in enumerate(rows):
        cells = [
            c.ljust(w) if k < 2 else c.rjust(w)
            for k, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def targets(runs: list[Run]) -> dict[str, Any]:
    r = ratios(runs).get("bare", {})
    bare = next((x.rate for x in runs if x.input == "bare" and x.tool == "watchkeeper"), 0.0)
    return {
        "bare_msg_s": {"target": TARGET_BARE_MSG_S, "measured": bare},
        "vs_pyais": {"target": TARGET_VS_PYAIS, "measured": r.get("vs_pyais", 0.0)},
        "vs_aiscat": {"target": TARGET_VS_AISCAT, "measured": r.get("vs_aiscat", 0.0)},
    }


def count_check(runs: list[Run], inputs: dict[str, Input]) -> list[str]:
    """Messages each tool decoded from the same input, against the messages written."""
    by_input: dict[str, list[Run]] = {}
    for run in runs:
        by_input.setdefault(run.input, []).append(run)
    lines = []
    for name, group in by_input.items():
        counts = ", ".join(
            f"{r.tool} {r.messages:,}" + (f" (+{r.errors:,} decode errors)" if r.errors else "")
            for r in group
        )
        lines.append(f"{name}: written {inputs[name].messages:,}; {counts}")
    return lines


# --------------------------------------------------------------------------- main


def _pin_one_core() -> int | None:
    """Pin this process (and the child it starts) to the idlest core it may use."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    allowed = sorted(os.sched_getaffinity(0))
    try:
        import psutil

        busy = psutil.cpu_percent(interval=0.5, percpu=True)
        cpu = min(allowed, key=lambda c: busy[c] if c < len(busy) else 100.0)
    except ImportError:
        cpu = allowed[-1]
    os.sched_setaffinity(0, {cpu})
    return cpu


def run(args: argparse.Namespace) -> dict[str, Any]:
    data_dir: Path = args.data
    if not (data_dir / TAGGED_SOURCE).is_file():
        sys.exit(
            f"shared AIS logs not found in {data_dir} (expected {TAGGED_SOURCE} there): "
            "pass --data DIR or set WATCHKEEPER_AIS_DATA"
        )
    cpu = None if args.no_pin else _pin_one_core()
    print(f"pinned to CPU {cpu}" if cpu is not None else "not pinned to a core")
    report: dict[str, Any] = {
        "command": "python -m benchmarks.decode_ais " + " ".join(sys.argv[1:]),
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": machine(),
        "pinned_cpu": cpu,
        "numba_num_threads": os.environ.get("NUMBA_NUM_THREADS"),
        "load_average_before": os.getloadavg(),
    }
    if report["load_average_before"][0] > 0.5:
        print(
            f"warning: load average {report['load_average_before'][0]:.1f}: other processes "
            "are running, timings will be slower and noisier"
        )
    with tempfile.TemporaryDirectory(prefix="wk-bench-", dir=args.tmp) as tmp:
        work = Path(tmp)
        t0 = time.perf_counter()
        inputs = build_inputs(data_dir, work, args.scale)
        print(f"built inputs in {time.perf_counter() - t0:.1f} s in {work}:")
        for inp in inputs.values():
            print(
                f"  {inp.name:13} {inp.messages:>10,} messages {inp.lines:>10,} lines "
                f"{inp.bytes / 1e6:8.1f} MB"
            )
        report["inputs"] = {k: {**asdict(v), "path": v.path.name} for k, v in inputs.items()}
        report["warm_up_seconds"] = warm_up(inputs["bare"])
        print(f"numba kernels loaded in {report['warm_up_seconds']:.1f} s")

        plan = [
            ("bare", "watchkeeper"),
            ("bare", "aiscat"),
            ("bare", "aiscat-json"),
            ("bare-pyais", "watchkeeper"),  # the input pyais decodes: counts comparable
            ("bare-pyais", "pyais"),
            ("tagged", "watchkeeper"),
            ("tagged", "aiscat"),
            ("tagged", "aiscat-json"),
            ("tagged-pyais", "watchkeeper"),
            ("tagged-pyais", "pyais"),
        ]
        runs = timed_rounds(plan, inputs, args.repeat, verbose=True)
        # The pyais-sized run of ours only checks counts; the ratio uses the full-size one.
        speed = [r for r in runs if not (r.tool == "watchkeeper" and r.input.endswith("-pyais"))]
        print()
        print(table(speed))
        print()
        print("message counts (same input, each tool):")
        for line in count_check(runs, inputs):
            print("  " + line)
        report["runs"] = [{**asdict(r), "messages_per_s": r.rate} for r in runs]
        report["ratios"] = ratios(speed)
        report["targets"] = targets(speed)
        print()
        for key, t in report["targets"].items():
            ok = t["measured"] >= t["target"]
            print(
                f"target {key} (bare, one core): {t['measured']:,.1f} "
                f"(target {t['target']:,}) {'met' if ok else 'NOT MET'}"
            )

        if args.big_gb > 0:
            size, note = fit_on_disk(work, int(args.big_gb * _GB))
            report["big_note"] = note
            if note:
                print("note: " + note)
            if size >= 10 * _MIB:
                big = work / "big.nmea"
                t0 = time.perf_counter()
                written = build_big(inputs["bare"].path, big, size)
                print(
                    f"\nwrote a {written / _GB:.2f} GB log in {time.perf_counter() - t0:.1f} s; "
                    "decoding it in a child process ...",
                    flush=True,
                )
                try:
                    mem = measure_big(big, work)
                finally:
                    big.unlink(missing_ok=True)
                report["big"] = mem
                print(
                    f"big log: {mem['bytes'] / _GB:.2f} GB, {mem['messages']:,} messages in "
                    f"{mem['decode_seconds']:.1f} s = {mem['messages_per_s']:,.0f} msg/s "
                    f"({mem['mb_per_s']:.0f} MB/s); peak RSS {mem['peak_rss_mb']:,.0f} MB "
                    f"(polled {mem['peak_rss_polled_mb']:,.0f} MB, "
                    f"{mem['rss_before_decode_mb']:,.0f} MB before decoding)"
                )
    return report


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.decode_ais",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="multiply the input sizes (1: 1.5 M bare and 1 M tagged messages)",
    )
    p.add_argument(
        "--big-gb",
        type=float,
        default=10.0,
        help="size of the log decoded for memory, GB (0: skip)",
    )
    p.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="rounds of timed runs (every tool, every input); the fastest counts",
    )
    p.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared AIS logs")
    p.add_argument(
        "--tmp", type=Path, default=None, help="where to build inputs (default: $TMPDIR)"
    )
    p.add_argument("--out", type=Path, default=OUT_JSON, help="JSON results file")
    p.add_argument("--no-pin", action="store_true", help="do not pin the process to one core")
    p.add_argument("--child-decode", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.child_decode:
        _child_decode(args.child_decode, args.child_out)
        return
    report = run(args)
    report["load_average_after"] = os.getloadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nresults written to {args.out}")


if __name__ == "__main__":
    main()
