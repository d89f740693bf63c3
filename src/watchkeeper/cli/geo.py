"""`watchkeeper geo build|derive|basemap`: derive the node's geography from GSHHG (build needs
GMT), and the picture's vector basemap from it."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from watchkeeper.errors import ConfigError
from watchkeeper.geo.basemap import BASEMAP_FILE, MAX_ZOOM, build_basemap
from watchkeeper.geo.coastline import (
    DEFAULT_REGION,
    Region,
    Resolution,
    build_land,
    check_region,
    read_provenance,
)
from watchkeeper.geo.maritime import build_maritime_zones
from watchkeeper.geo.shore import SHORE_FILE, build_shore
from watchkeeper.settings import load_settings

__all__ = ["app", "basemap", "build", "derive"]

app = typer.Typer(help="Geography derived from real coastlines (GSHHG).", no_args_is_help=True)

_DEFAULT_REGION_TEXT = "/".join(f"{v:g}" for v in DEFAULT_REGION)


def _parse_region(text: str) -> Region:
    """`W/E/S/N` in degrees, e.g. `-30/45/0/50`, as a checked region."""
    try:
        west, east, south, north = (float(v) for v in text.split("/"))
    except ValueError:
        raise ConfigError(
            f"--region {text!r}: expected W/E/S/N in degrees, e.g. {_DEFAULT_REGION_TEXT}"
        ) from None
    return check_region((west, east, south, north))


@app.command()
def build(
    resolution: Annotated[
        Resolution,
        typer.Option(help="GSHHG resolution: f(ull), h(igh), i(ntermediate), l(ow), c(rude)."),
    ] = "f",
    region: Annotated[
        str,
        typer.Option(
            help="W/E/S/N in degrees (write --region=-180/180/-90/90 for the world).",
        ),
    ] = _DEFAULT_REGION_TEXT,
) -> None:
    """Build the land polygons (land.parquet), then what derives from them (see `derive`)."""
    box = _parse_region(region)
    settings = load_settings()
    began = time.perf_counter()
    path = build_land(settings.geo_dir, resolution=resolution, region=box)
    seconds = time.perf_counter() - began
    info = read_provenance(path)
    typer.echo(
        f"land of {'/'.join(f'{v:g}' for v in info.region)} from GSHHG {info.gshhg_version} "
        f"at resolution {info.resolution}: {info.polygons:,} polygons, {info.vertices:,} "
        f"vertices in {info.tiles:,} 1° tiles; {path.stat().st_size / 1e6:.1f} MB "
        f"written to {path} in {seconds:.1f} s"
    )
    derive()


@app.command()
def derive() -> None:
    """Compute the default 12/24 nm zones and the distance-to-shore grid from land.parquet."""
    geo_dir = load_settings().geo_dir
    zones = build_maritime_zones(geo_dir)
    typer.echo(
        f"default zones ({', '.join(z.kind for z in zones.zones)}): {zones.vertices:,} "
        f"vertices, {zones.path.stat().st_size / 1e6:.1f} MB written to {zones.path} "
        f"in {zones.seconds:.1f} s"
    )
    began = time.perf_counter()
    shore = build_shore(geo_dir)
    typer.echo(
        f"distance to shore ({SHORE_FILE}): {shore.stat().st_size / 1e6:.1f} MB written to "
        f"{shore} in {time.perf_counter() - began:.1f} s"
    )


@app.command()
def basemap(
    max_zoom: Annotated[
        int, typer.Option(min=0, max=14, help="Deepest zoom cut into tiles (the map over-zooms).")
    ] = MAX_ZOOM,
) -> None:
    """Build the picture's vector basemap (land and default zones, PMTiles) into web_dir."""
    settings = load_settings()
    began = time.perf_counter()
    path = build_basemap(settings.geo_dir, settings.web_dir / BASEMAP_FILE, max_zoom=max_zoom)
    typer.echo(
        f"basemap (land, zones; zooms 0-{max_zoom}): {path.stat().st_size / 1e6:.1f} MB "
        f"written to {path} in {time.perf_counter() - began:.1f} s"
    )
