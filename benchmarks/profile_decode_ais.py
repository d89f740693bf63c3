"""Where Watchkeeper's AIS decoding time goes, phase by phase, per message.

Run from the repository root::

    .venv/bin/python -m benchmarks.profile_decode_ais [--scale 1] [--repeat 3]

Builds the same ``bare`` and ``tagged`` inputs as :mod:`benchmarks.decode_ais`,
then decodes each with ``iter_decode_file`` (one core, ``NUMBA_NUM_THREADS=1``)
while the functions ``decode_bytes`` calls are wrapped with timers: the file read,
``_line_bounds``, ``scan_lines`` (array allocation and the ``_scan`` kernel),
``assemble`` (allocation, ``_assemble``), ``decode_payloads`` (allocation,
``_decode``), the Arrow table builders, and what is left. Nothing in ``src/`` is
changed: the wrappers replace module attributes for the duration of the run only.
The wrappers cost a few microseconds per call and there are a few dozen calls per
16 MiB chunk, so the totals stay within a percent of an unwrapped run.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from benchmarks.decode_ais import (
    BARE_MESSAGES,
    DEFAULT_DATA,
    TAGGED_MESSAGES,
    TAGGED_SOURCE,
    Input,
    bare_units,
    tagged_units,
    write_input,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

#: (module, attribute, label, parent label): what is timed, as a tree.
PHASES: Final = (
    ("watchkeeper.ais.reader", "open_input", "read file", None),
    ("watchkeeper.ais.decode", "decode_bytes", "decode_bytes", None),
    ("watchkeeper.ais.decode", "_line_bounds", "_line_bounds (np.flatnonzero)", "decode_bytes"),
    ("watchkeeper.ais.decode", "scan_lines", "scan_lines", "decode_bytes"),
    ("watchkeeper.ais.framing", "LineFields", "LineFields arrays", "scan_lines"),
    ("watchkeeper.ais.framing", "_scan", "_scan kernel", "scan_lines"),
    ("watchkeeper.ais.decode", "assemble", "assemble", "decode_bytes"),
    ("watchkeeper.ais.assemble", "Messages", "Messages arrays", "assemble"),
    ("watchkeeper.ais.assemble", "_assemble", "_assemble kernel", "assemble"),
    ("watchkeeper.ais.decode", "_safe_cut", "_safe_cut", "decode_bytes"),
    ("watchkeeper.ais.decode", "decode_payloads", "decode_payloads", "decode_bytes"),
    ("watchkeeper.ais.payload", "Fields", "Fields arrays", "decode_payloads"),
    ("watchkeeper.ais.payload", "_decode", "_decode kernel", "decode_payloads"),
    ("watchkeeper.ais.decode", "rejected_table", "rejected table", "decode_bytes"),
    (
        "watchkeeper.ais.decode",
        "MessageColumns",
        "MessageColumns (sources, channels)",
        "decode_bytes",
    ),
    ("watchkeeper.ais.decode", "positions_table", "positions table", "decode_bytes"),
    ("watchkeeper.ais.decode", "vessels_table", "vessels table", "decode_bytes"),
    ("watchkeeper.ais.decode", "stations_table", "stations table", "decode_bytes"),
    ("watchkeeper.ais.decode", "other_table", "other table", "decode_bytes"),
)

#: Helpers the table builders call (the tables' time includes theirs): shown apart.
HELPERS: Final = (
    ("watchkeeper.ais.tables", "_masked", "_masked: pa.array(values, mask=~valid)"),
    ("watchkeeper.ais.tables", "_labels", "_labels: dictionary columns"),
    ("watchkeeper.ais.tables", "_timestamps", "_timestamps: int64 -> timestamp"),
    ("watchkeeper.ais.tables", "_strings", "_strings: text columns"),
)


@dataclass
class Timers:
    seconds: dict[str, float] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)

    def add(self, label: str, dt: float) -> None:
        self.seconds[label] = self.seconds.get(label, 0.0) + dt
        self.calls[label] = self.calls.get(label, 0) + 1


class _TimedFile:
    """A binary file whose ``read`` calls are timed."""

    def __init__(self, fh: Any, timers: Timers, label: str) -> None:
        self._fh = fh
        self._timers = timers
        self._label = label

    def read(self, n: int = -1) -> bytes:
        t0 = time.perf_counter()
        data: bytes = self._fh.read(n)
        self._timers.add(self._label, time.perf_counter() - t0)
        return data

    def __getattr__(self, name: str) -> Any:  # readline, seek, ...: untimed
        return getattr(self._fh, name)

    def __enter__(self) -> _TimedFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self._fh.close()


def _timed(fn: Callable[..., Any], timers: Timers, label: str) -> Callable[..., Any]:
    if label == "read file":

        @functools.wraps(fn)
        def opener(*args: Any, **kwargs: Any) -> Any:
            return _TimedFile(fn(*args, **kwargs), timers, label)

        return opener

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            timers.add(label, time.perf_counter() - t0)

    return wrapper


@contextlib.contextmanager
def timed_phases(timers: Timers) -> Iterator[None]:
    """Wrap every function of :data:`PHASES` with a timer; restore them on exit."""
    import importlib

    saved = []
    for mod_name, attr, label, *_parent in PHASES + HELPERS:
        mod = importlib.import_module(mod_name)
        orig = getattr(mod, attr, None)
        if orig is None:  # renamed in src/: that phase shows as 0 and its parent's rest
            print(f"note: {mod_name}.{attr} not found, {label!r} not timed", file=sys.stderr)
            continue
        saved.append((mod, attr, orig))
        setattr(mod, attr, _timed(orig, timers, label))
    try:
        yield
    finally:
        for mod, attr, orig in reversed(saved):
            setattr(mod, attr, orig)


def profile(inp: Input) -> tuple[int, float, Timers]:
    """Decode ``inp`` whole with phases timed: (messages, total seconds, timers)."""
    from watchkeeper.ais.reader import iter_decode_file

    timers = Timers()
    n = 0
    with timed_phases(timers):
        t0 = time.perf_counter()
        for result, _offset in iter_decode_file(inp.path):
            n += result.messages
        total = time.perf_counter() - t0
    return n, total, timers


def report(name: str, messages: int, total: float, timers: Timers) -> list[str]:
    """Rows of phase, seconds, ns/message, share; a parent's remainder as '(rest)'."""
    children: dict[str | None, list[str]] = {}
    for _m, _a, label, parent in PHASES:
        children.setdefault(parent, []).append(label)
    rows = [
        f"{name}: {messages:,} messages in {total:.3f} s = {messages / total:,.0f} msg/s "
        f"({total / messages * 1e9:,.0f} ns/message)",
        f"  {'phase':42} {'seconds':>8} {'ns/msg':>8} {'share':>6}",
    ]

    def row(label: str, secs: float, depth: int) -> None:
        ns = secs / messages * 1e9
        rows.append(f"  {'  ' * depth + label:42} {secs:8.3f} {ns:8.0f} {secs / total:6.1%}")

    def walk(parent: str | None, depth: int, parent_secs: float) -> None:
        kids = children.get(parent, [])
        for label in kids:
            secs = timers.seconds.get(label, 0.0)
            row(label, secs, depth)
            walk(label, depth + 1, secs)
        if kids:
            rest = parent_secs - sum(timers.seconds.get(k, 0.0) for k in kids)
            row("(rest)" if parent else "(rest: StreamDecoder, loop)", rest, depth)

    walk(None, 0, total)
    rows.append("  of which, inside the table builders:")
    for _m, _a, label in HELPERS:
        row(label, timers.seconds.get(label, 0.0), 1)
    return rows


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks.profile_decode_ais")
    p.add_argument("--scale", type=float, default=1.0)
    p.add_argument("--repeat", type=int, default=3, help="runs per input; the fastest is shown")
    p.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = p.parse_args(argv)
    if not (args.data / TAGGED_SOURCE).is_file():
        sys.exit(f"shared AIS logs not found in {args.data}: pass --data DIR")
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})
    from watchkeeper.ais.decode import decode_bytes

    with tempfile.TemporaryDirectory(prefix="wk-prof-") as tmp:
        work = Path(tmp)
        inputs = [
            write_input(
                "bare", bare_units(args.data), round(BARE_MESSAGES * args.scale), work / "bare.nmea"
            ),
            write_input(
                "tagged",
                tagged_units(args.data),
                round(TAGGED_MESSAGES * args.scale),
                work / "tagged.nmea",
            ),
        ]
        decode_bytes(inputs[0].path.read_bytes()[: 1 << 18])  # load the kernels
        for inp in inputs:
            best = min((profile(inp) for _ in range(max(1, args.repeat))), key=lambda r: r[1])
            print("\n".join(report(inp.name, *best)))
            print()


if __name__ == "__main__":
    main()
