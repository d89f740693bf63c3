"""A demo feed inside the node: a scenario played live on a local port the node reads.

`watchkeeper serve --demo central-med` (what `make run` does) plans the scenario
from now, serves it as a TCP NMEA feed on a free loopback port in a background
thread, and adds that port to the node's TCP feeds, so a new user sees ships
move within seconds of starting the node, through the same ingest path as a real
receiver network. The scenario's sensor contacts (radars, the patrol aircraft, the
satellite) are played on the same clock to `on_contacts` as the CSV a sensor gateway
would POST; `watchkeeper serve` hands them to the node's contact ingest in-process
(`LiveNode.ingest_contacts_csv`, what `POST /api/contacts` calls).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

import pyarrow as pa
import pyarrow.csv as pacsv

from watchkeeper.errors import ConfigError
from watchkeeper.settings import Settings
from watchkeeper.sim.output import contacts_for_csv
from watchkeeper.sim.scenario import load_scenario
from watchkeeper.sim.serve import serve_feed
from watchkeeper.sim.simulate import Simulation

__all__ = ["contacts_csv", "start_demo_feed"]


def contacts_csv(table: pa.Table) -> bytes:
    """Contacts (`CONTACTS`) as the CSV a gateway sends (`watchkeeper simulate --contacts`)."""
    sink = pa.BufferOutputStream()
    pacsv.write_csv(contacts_for_csv(table), sink)
    return bytes(sink.getvalue().to_pybytes())


def start_demo_feed(
    settings: Settings,
    scenario: str,
    *,
    vessels: int | None = None,
    speed: float = 1.0,
    hours: float = 24.0,
    seed: int = 1,
    on_contacts: Callable[[bytes], bool] | None = None,
) -> str:
    """Start playing `scenario` from now on a loopback port; returns its HOST:PORT.

    `on_contacts(csv)` gets the scenario's sensor contacts as they come due, as a
    contacts CSV; it returns False when it cannot take them yet (offered again later).
    """
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
            asyncio.run(
                serve_feed(
                    sim.windows(),
                    sim.start,
                    "127.0.0.1",
                    0,
                    speed,
                    on_ready,
                    on_contacts=None
                    if on_contacts is None
                    else lambda table: on_contacts(contacts_csv(table)),
                )
            )
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
