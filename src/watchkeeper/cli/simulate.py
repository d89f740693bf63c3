"""`watchkeeper simulate`: traffic, sensor contacts and ground truth from a scenario."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from watchkeeper.ais.live import parse_endpoint
from watchkeeper.errors import ConfigError, InputError
from watchkeeper.settings import load_settings
from watchkeeper.sim.scenario import builtin_scenarios, load_scenario
from watchkeeper.sim.simulate import Simulation, parse_start

__all__ = ["simulate"]


def simulate(
    scenario: Annotated[
        str,
        typer.Option(help=f"Built-in scenario ({', '.join(builtin_scenarios())}) or a .toml file."),
    ] = "central-med",
    start: Annotated[
        str | None,
        typer.Option(
            help="UTC start, e.g. 2026-07-15T00:00:00Z (default: the scenario's; live: now)."
        ),
    ] = None,
    hours: Annotated[
        float | None, typer.Option(min=0.01, help="Length of the run (default: the scenario's).")
    ] = None,
    vessels: Annotated[
        int | None,
        typer.Option(min=0, help="Ships in the background traffic (default: the scenario's)."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same bytes.")] = 1,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="NMEA log to write.")
    ] = None,
    truth: Annotated[Path | None, typer.Option(help="Ground-truth JSON lines to write.")] = None,
    contacts: Annotated[Path | None, typer.Option(help="Sensor contacts CSV to write.")] = None,
    zones: Annotated[
        Path | None,
        typer.Option(
            help="GeoJSON of the scenario's zones to write: departure and landing coasts, land border and crossings (for the node or `detect --zones`)."
        ),
    ] = None,
    live: Annotated[
        str | None, typer.Option(help="Serve the run as a TCP NMEA feed on HOST:PORT instead.")
    ] = None,
    speed: Annotated[
        float, typer.Option(min=0.01, help="Live: exercise seconds per wall-clock second.")
    ] = 1.0,
) -> None:
    """Simulate a scenario: AIS NMEA as shore receivers forward it, sensor contacts, and the truth.

    Writes files with -o/--truth/--contacts, or serves a live feed with --live.
    Scenarios are TOML files (docs/scenarios.md).
    """
    console = Console(stderr=True)
    sc = load_scenario(scenario)
    if output is None and live is None:
        raise ConfigError("give -o FILE to write the traffic, or --live HOST:PORT to serve it")
    if live is not None and start is None:
        now = int(time.time() * 1000)
        t0 = now - now % 60_000
    else:
        t0 = parse_start(start or sc.start)
    settings = load_settings()
    from watchkeeper.geo.landmask import land_mask

    mask = land_mask(settings.geo_dir)
    began = time.perf_counter()
    sim = Simulation(
        sc, t0, hours or sc.hours, sc.vessels if vessels is None else vessels, seed, mask.is_land
    )
    console.print(
        f"planned {len(sim.movers):,} movers ({len(sim.fleet.ships):,} with AIS), "
        f"{len(sim.truth):,} behaviours in {time.perf_counter() - began:.1f} s"
    )
    if live is not None:
        host, port = parse_endpoint(live)
        from watchkeeper.sim.serve import serve_feed

        def ready(bound: int) -> None:
            console.print(f"serving {sc.name} on {host}:{bound} at {speed:g}x (Ctrl-C stops)")

        try:
            asyncio.run(serve_feed(sim.windows(), t0, host, port, speed, ready))
        except OSError as exc:
            raise ConfigError(f"--live {live}: cannot listen: {exc.strerror}") from None
        except KeyboardInterrupt:
            pass
        return
    assert output is not None
    from watchkeeper.sim.output import write_run

    summary = write_run(sim, output, truth, contacts)
    if zones is not None:
        from watchkeeper.geo.zones import zones_geojson
        from watchkeeper.sim.coasts import scenario_zones

        try:
            zones.write_text(json.dumps(zones_geojson(scenario_zones(sc))), encoding="utf-8")
        except OSError as exc:
            raise InputError(f"{zones}: cannot write ({exc.strerror or exc})") from None
    seconds = time.perf_counter() - began
    console.print(
        f"wrote {summary.sentences:,} sentences ({summary.transmissions:,} transmissions, "
        f"{summary.nmea_bytes / 1e6:,.1f} MB) to {output}"
        + (f", {summary.contacts:,} contacts to {contacts}" if contacts else "")
        + (f", {summary.truth:,} truth events to {truth}" if truth else "")
        + f" in {seconds:.1f} s ({summary.sentences / max(seconds, 1e-9):,.0f} sentences/s)"
    )
