"""`watchkeeper geo build`: derive the node's geography from GSHHG (needs GMT)."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from watchkeeper.errors import ConfigError
from watchkeeper.geo.landmask import DEFAULT_CELL_S, DEFAULT_REGION, LandMask, build_land_mask
from watchkeeper.settings import load_settings

__all__ = ["app"]

app = typer.Typer(help="Geography derived from real coastlines (GSHHG).", no_args_is_help=True)


@app.command()
def build(
    region: Annotated[str, typer.Option(help="W/E/S/N in degrees.")] = "/".join(
        f"{v:g}" for v in DEFAULT_REGION
    ),
    cell: Annotated[
        int, typer.Option(min=1, max=300, help="Cell size in arc-seconds.")
    ] = DEFAULT_CELL_S,
    resolution: Annotated[str, typer.Option(help="GSHHG resolution: f, h, i, l or c.")] = "f",
) -> None:
    """Build the land mask into the `geo_dir` setting's folder."""
    try:
        w, e, s, n = (float(v) for v in region.split("/"))
    except ValueError:
        raise ConfigError(f"--region {region!r}: expected W/E/S/N, e.g. -30/45/0/50") from None
    if resolution not in ("f", "h", "i", "l", "c"):
        raise ConfigError(f"--resolution {resolution!r}: one of f, h, i, l, c")
    settings = load_settings()
    began = time.perf_counter()
    path = build_land_mask(settings.geo_dir, (w, e, s, n), cell, resolution)
    mask = LandMask.load(settings.geo_dir)
    typer.echo(
        f"land mask {mask.rows} x {mask.cols} cells ({mask.source}) written to {path} "
        f"({path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - began:.0f} s"
    )
