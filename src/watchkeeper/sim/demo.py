"""A demo feed inside the node: a scenario played live on a local port the node reads.

`watchkeeper serve --demo central-med` (what `make run` does) plans the scenario
from now, serves it as a TCP NMEA feed on a free loopback port in a background
thread, and adds that port to the node's TCP feeds, so a new user sees ships
move within seconds of starting the node, through the same ingest path as a real
receiver network.
"""

from __future__ import annotations

import asyncio
import threading
import time

from watchkeeper.errors import ConfigError
from watchkeeper.settings import Settings
from watchkeeper.sim.scenario import load_scenario
from watchkeeper.sim.serve import serve_feed
from watchkeeper.sim.simulate import Simulation

__all__ = ["start_demo_feed"]


def start_demo_feed(
    settings: Settings,
    scenario: str,
    *,
    vessels: int | None = None,
    speed: float = 1.0,
    hours: float = 24.0,
    seed: int = 1,
) -> str:
    """Start playing `scenario` from now on a loopback port; returns its HOST:PORT."""
    from watchkeeper.geo.landmask import land_mask

    sc = load_scenario(scenario)
    now = int(time.time() * 1000)
    sim = Simulation(
        sc,
        now - now % 1000,
        hours,
        sc.vessels if vessels is None else vessels,
        seed,
        land_mask(settings.geo_dir).is_land,
        early=True,  # a distress beacon, a drift, a gap ... within the first ten minutes
    )
    bound: list[int] = []
    ready = threading.Event()
    failed: list[BaseException] = []

    def on_ready(port: int) -> None:
        bound.append(port)
        ready.set()

    def run() -> None:
        try:
            asyncio.run(serve_feed(sim.windows(), sim.start, "127.0.0.1", 0, speed, on_ready))
        except BaseException as exc:  # reported to the caller while it waits
            failed.append(exc)
            ready.set()

    threading.Thread(target=run, name="demo-feed", daemon=True).start()
    ready.wait(30)
    if failed or not bound:
        raise ConfigError(
            f"demo scenario {scenario}: the feed did not start: {failed[0] if failed else 'timeout'}"
        )
    return f"127.0.0.1:{bound[0]}"
