"""How fast the picture draws a large live fleet in a real browser, against a full reload.

Run from the repository root::

    .venv/bin/python -m benchmarks.picture                          # 20,000 vessels, 20 updates
    .venv/bin/python -m benchmarks.picture --vessels 2000 --updates 5   # a quick look

It starts a real node (uvicorn, `watchkeeper.testing.serve_in_thread`) whose live state
(`LatestState`) holds a synthetic fleet of `--vessels` ships, every one of which reports
a new position every `--interval` seconds (`--reporting` lowers the share), and opens the
picture in Debian's headless chromium with the launch flags of the browser tests
(WebGL on SwiftShader), signed in through the login form. For each variant in turn, in
a fresh page, after `--warmup` updates, over `--updates` updates it measures:

- `frame`: from a vessel message arriving at the page (its EventSource handler begins)
  to the first frame the map drew after the `vessels` source was next fully loaded
  (the change indexed by the worker, every tile in view cut again) since the page handed
  the change over; `idle`: to the map's next `idle` event;
- `handler`: main-thread time in the page's message handler (JSON parse, updateData);
- responsiveness: main-thread long tasks (> 50 ms) per second, and how late a callback
  scheduled every 50 ms ran (p95, max);
- memory: the page's JS heap (CDP `Performance.getMetrics` `JSHeapUsedSize`) and the
  resident memory of all chromium processes (psutil);
- the WebGL renderer (`WEBGL_debug_renderer_info`).

Variants: `diff` is the picture as shipped (static/vessels.js: `updateData` with only
what changed, held back and merged while the map is busy, features with only the drawn
properties); `naive` handles each vessel message with a full `setData` of every vessel,
each feature carrying its whole row, what a map without diffs does. The node, the
messages and the style (dots below zoom 7 for a dense fleet) are the same; only the
page's use of MapLibre differs. Results are printed side by side, with the ratio naive /
diff of the frame delay measured in the same run, and written to
`benchmarks/out/picture.json` (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import numpy as np
import pyarrow as pa

from benchmarks._report import report
from watchkeeper.testing import CHROMIUM, CHROMIUM_ARGS

REPO: Final = Path(__file__).resolve().parents[1]
OUT_JSON: Final = REPO / "benchmarks" / "out" / "picture.json"
PAGE_JS: Final = Path(__file__).with_name("picture_page.js")
USER, PASSWORD = "bench", "harbour-pilot-Sfax-42"
#: Where the fleet sails: the central Mediterranean (lon, lat).
BOX: Final = (10.0, 32.5, 20.0, 38.0)
#: Ship types drawn from, one per class of `watchkeeper.ais.shiptypes`.
SHIP_TYPES: Final = np.array([70, 80, 60, 30, 37, 51, 90], dtype=np.int16)
VIEWPORT: Final = {"width": 1280, "height": 800}

#: The variants: the picture as shipped, and the naive peer (see the module docstring).
VARIANTS: Final = ("naive", "diff")


class Fleet:
    """A synthetic fleet moving in straight lines, columnar: one numpy array per field."""

    def __init__(self, vessels: int, *, reporting: float, seed: int = 7) -> None:
        rng = np.random.default_rng(seed)
        self.rng, self.reporting = rng, reporting
        self.mmsi = (247_000_000 + np.arange(vessels)).astype(np.int32)
        self.lon = rng.uniform(BOX[0], BOX[2], vessels)
        self.lat = rng.uniform(BOX[1], BOX[3], vessels)
        self.sog = rng.uniform(2.0, 20.0, vessels).astype(np.float32)
        self.sog[rng.random(vessels) < 0.1] = 0.0  # a tenth at anchor, drawn still
        self.cog = rng.uniform(0.0, 360.0, vessels).astype(np.float32)
        self.ship_type = rng.choice(SHIP_TYPES, vessels)

    def particulars(self, now: datetime) -> pa.Table:
        n = len(self.mmsi)
        return pa.table(
            {
                "mmsi": self.mmsi,
                "ts": pa.array([now] * n, pa.timestamp("ms", tz="UTC")),
                "name": [f"BENCH {i}" for i in range(n)],
                "callsign": pa.nulls(n, pa.string()),
                "imo": pa.nulls(n, pa.int32()),
                "ship_type": self.ship_type,
            }
        )

    def step(self, seconds: float, now: datetime, *, everyone: bool = False) -> pa.Table:
        """Move every vessel `seconds` along its course; the positions of those reporting."""
        metres = self.sog * 1852.0 / 3600.0 * seconds
        rad = np.radians(self.cog)
        self.lat = self.lat + metres * np.cos(rad) / 111_120.0
        self.lon = self.lon + metres * np.sin(rad) / (111_120.0 * np.cos(np.radians(self.lat)))
        out = (self.lon < BOX[0]) | (self.lon > BOX[2]) | (self.lat < BOX[1]) | (self.lat > BOX[3])
        self.cog[out] = (self.cog[out] + 180.0) % 360.0  # turn back at the edges
        self.cog += self.rng.normal(0.0, 2.0, len(self.cog)).astype(np.float32)
        self.cog %= 360.0
        report = self.rng.random(len(self.mmsi)) < (1.0 if everyone else self.reporting)
        n = int(report.sum())
        return pa.table(
            {
                "mmsi": self.mmsi[report],
                "msg_type": np.ones(n, np.int8),
                "ts": pa.array([now] * n, pa.timestamp("ms", tz="UTC")),
                "lat": self.lat[report],
                "lon": self.lon[report],
                "sog": self.sog[report],
                "cog": self.cog[report],
                "heading": np.round(self.cog[report]).astype(np.int16),
                "nav_status": np.zeros(n, np.int8),
            }
        )


@contextmanager
def _moving(fleet: Fleet, latest: Any, interval: float) -> Iterator[list[float]]:
    """Feed `latest` from `fleet` every `interval` seconds in a thread; yields update costs."""
    stop, costs = threading.Event(), []

    def run() -> None:
        while not stop.wait(interval):
            t = time.perf_counter()
            latest.update(fleet.step(interval, datetime.now(UTC)))
            costs.append(time.perf_counter() - t)

    thread = threading.Thread(target=run, name="bench-fleet", daemon=True)
    thread.start()
    try:
        yield costs
    finally:
        stop.set()
        thread.join()


@contextmanager
def start_node(fleet: Fleet, tmp: Path, *, stream_interval: float) -> Iterator[tuple[str, Any]]:
    """A real node on a free port whose live state holds `fleet`; yields (URL, LatestState)."""
    from watchkeeper.accounts.roles import Role
    from watchkeeper.accounts.users import add_user, init_node
    from watchkeeper.api.app import create_app
    from watchkeeper.audit.trail import Actor
    from watchkeeper.settings import Settings
    from watchkeeper.testing import serve_in_thread
    from watchkeeper.tracks.latest import LatestState

    settings = Settings(
        data_dir=tmp / "node",
        detection_interval_seconds=0,
        picture_interval_seconds=stream_interval,
    )
    now = datetime.now(UTC)
    latest = LatestState()
    latest.update(fleet.step(0.0, now, everyone=True), vessels=fleet.particulars(now))
    app = create_app(settings)
    app.state.latest = latest
    with serve_in_thread(app) as url:
        console = Actor("console:bench", "BENCH", ("console",), "local")
        init_node(app.state.accounts, console, code="BENCH", name="Benchmark", country="TN")
        add_user(
            app.state.accounts, console, USER, frozenset({Role.WATCH_OFFICER}), password=PASSWORD
        )
        yield url, latest


def _chromium_rss_mb() -> float:
    import psutil

    total = 0
    for child in psutil.Process().children(recursive=True):
        try:
            if "chrom" in child.name():
                total += child.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total / 2**20


def _wait(page: Any, expression: str, what: str, patience: float = 300.0) -> Any:
    deadline = time.monotonic() + patience
    while True:
        value = page.evaluate(expression)
        if value:
            return value
        if time.monotonic() > deadline:
            raise RuntimeError(f"still waiting for {what} after {patience:.0f} s")
        time.sleep(0.1)


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _ms(value: float | None, digits: int = 0) -> float | None:
    return None if value is None else round(value, digits or None)


def _first_after(times: list[float], t: float) -> float | None:
    return next((x for x in times if x > t), None)


def summarise(data: dict[str, Any], seconds: float) -> dict[str, Any]:
    """Per-update delays and responsiveness from what `picture_page.js` recorded."""
    changes = [m for m in data["messages"] if m["type"] == "changes"]
    frames, idles, handlers, contents = [], [], [], []
    for m in changes:
        handlers.append(m["handled"] - m["arrived"])
        # The message reaches the map with the first hand-over after it arrived (the page
        # may hold changes back while the map draws earlier ones); the first frame after
        # the source was next fully loaded shows it.
        sent = _first_after(data["sent"], m["arrived"])
        if sent is None:
            continue
        content = _first_after(data["contents"], sent)
        if content is not None:
            contents.append(content - m["arrived"])
        loaded = _first_after(data["loaded"], sent)
        frame = None if loaded is None else _first_after(data["renders"], loaded)
        idle = _first_after(data["idles"], sent)
        if frame is not None:
            frames.append(frame - m["arrived"])
        if idle is not None:
            idles.append(idle - m["arrived"])
    long_ms = [d for _, d in data["longtasks"]]
    late = [d for _, d in data["lateness"]]
    return {
        "updates": len(changes),
        "drawn": len(frames),
        "message_kb": round(statistics.mean(m["bytes"] for m in changes) / 1024) if changes else 0,
        "frame_p50_ms": _ms(_pct(frames, 0.5)),
        "frame_p95_ms": _ms(_pct(frames, 0.95)),
        "idle_p50_ms": _ms(_pct(idles, 0.5)),
        "idle_p95_ms": _ms(_pct(idles, 0.95)),
        "indexed_p50_ms": _ms(_pct(contents, 0.5)),
        "handler_p50_ms": _ms(_pct(handlers, 0.5), 1),
        "long_tasks_ms_per_s": round(sum(long_ms) / seconds),
        "long_task_max_ms": round(max(long_ms, default=0.0)),
        "probe_late_p95_ms": _ms(_pct(late, 0.95)),
        "probe_late_max_ms": round(max(late, default=0.0)),
    }


def run_variant(
    browser: Any,
    url: str,
    name: str,
    *,
    vessels: int,
    warmup: int,
    updates: int,
) -> dict[str, Any]:
    """Open the picture in a fresh page, let `warmup` updates pass, measure `updates`."""
    context = browser.new_context(viewport=VIEWPORT)
    options = {"naive": name == "naive"}
    context.add_init_script(PAGE_JS.read_text().replace("__BENCH__", json.dumps(options)))
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{url}/")
    page.fill("input[name=username]", USER)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")
    print(f"{name}: signed in", file=sys.stderr, flush=True)
    _wait(page, f"window.__picture?.vessels >= {vessels}", "the whole fleet")
    renderer = page.evaluate(
        """(() => {
          const gl = window.__map.painter.context.gl;
          const info = gl.getExtension("WEBGL_debug_renderer_info");
          return info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER);
        })()"""
    )
    changes = "window.__bench.messages.filter((m) => m.type === 'changes').length"
    _wait(page, f"{changes} >= {warmup}", "warm-up updates")
    page.evaluate("window.__bench.reset()")
    started = time.monotonic()
    _wait(page, f"{changes} >= {updates}", f"{updates} updates")
    # Let the last update reach the screen before reading what was recorded (a page that
    # never catches up is not waited for: its undrawn updates show in `drawn`).
    last_drawn = """(() => {
      const b = window.__bench, arrived = b.messages.at(-1).arrived;
      const sent = b.sent.find((t) => t > arrived);
      const loaded = sent === undefined ? undefined : b.loaded.find((t) => t > sent);
      return loaded !== undefined && b.renders.some((t) => t > loaded);
    })()"""
    try:
        _wait(page, last_drawn, "the last update drawn", patience=30.0)
    except RuntimeError as error:
        print(f"{name}: {error}", file=sys.stderr)
    seconds = time.monotonic() - started
    data = page.evaluate(
        "(() => { const b = window.__bench; return {messages: b.messages, sent: b.sent,"
        " loaded: b.loaded, contents: b.contents,"
        " renders: b.renders, idles: b.idles, longtasks: b.longtasks, lateness: b.lateness}; })()"
    )
    cdp = context.new_cdp_session(page)
    cdp.send("Performance.enable")
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    result = {
        "variant": name,
        **summarise(data, seconds),
        "js_heap_mb": round(metrics["JSHeapUsedSize"] / 2**20),
        "chromium_rss_mb": round(_chromium_rss_mb()),
        "zoom": round(page.evaluate("window.__map.getZoom()"), 2),
        "renderer": renderer,
        "page_errors": errors,
    }
    context.close()
    return result


def run(
    *, vessels: int, interval: float, reporting: float, updates: int, warmup: int
) -> dict[str, Any]:
    """Both variants on one node and one browser; the summary `main` prints and keeps."""
    if not CHROMIUM.is_file():
        raise SystemExit(f"{CHROMIUM} not found: `make test-debs` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    fleet = Fleet(vessels, reporting=reporting)
    results: list[dict[str, Any]] = []
    with (
        tempfile.TemporaryDirectory(prefix="wk-bench-picture-") as tmp,
        # The stream polls 4x per update, so each update reaches the page in one message.
        start_node(fleet, Path(tmp), stream_interval=interval / 4) as (url, latest),
        _moving(fleet, latest, interval) as fleet_costs,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS)
        )
        for name in VARIANTS:
            result = run_variant(
                browser, url, name, vessels=vessels, warmup=warmup, updates=updates
            )
            print(json.dumps(result), file=sys.stderr, flush=True)
            results.append(result)
        chromium = browser.version
        browser.close()
    naive, diff = results
    ratio = (
        round(naive["frame_p50_ms"] / diff["frame_p50_ms"], 1)
        if naive["frame_p50_ms"] and diff["frame_p50_ms"]
        else None
    )
    summary: dict[str, Any] = {
        "vessels": vessels,
        "interval_s": interval,
        "reporting": reporting,
        "updates": updates,
        "chromium": chromium,
        "renderer": diff["renderer"],
        "node_update_ms_p50": _ms(_pct([1000 * c for c in fleet_costs], 0.5), 1),
        "frame_p50_naive_over_diff": ratio,
    }
    for r in results:
        summary[r["variant"]] = (
            f"drawn {r['drawn']}/{r['updates']} · frame p50 {r['frame_p50_ms']} p95 "
            f"{r['frame_p95_ms']} ms · idle p50 {r['idle_p50_ms']} ms · indexed p50 "
            f"{r['indexed_p50_ms']} ms · handler {r['handler_p50_ms']} ms · long tasks "
            f"{r['long_tasks_ms_per_s']} ms/s (max {r['long_task_max_ms']}) · probe late p95 "
            f"{r['probe_late_p95_ms']} ms · heap {r['js_heap_mb']} MB · chromium "
            f"{r['chromium_rss_mb']} MB"
        )
    summary["results"] = results
    return summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vessels", type=int, default=20_000)
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between updates")
    parser.add_argument(
        "--reporting", type=float, default=1.0, help="share of the fleet reporting each update"
    )
    parser.add_argument("--updates", type=int, default=20, help="updates measured per variant")
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args(argv)
    summary = run(
        vessels=args.vessels,
        interval=args.interval,
        reporting=args.reporting,
        updates=args.updates,
        warmup=args.warmup,
    )
    report(summary, OUT_JSON, width=26)


if __name__ == "__main__":
    main()
