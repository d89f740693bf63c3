"""`watchkeeper zones ...`: the node's zones (GeoJSON), imported by an administrator."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated

import typer

from watchkeeper.cli.console import console_actor, open_accounts
from watchkeeper.errors import InputError
from watchkeeper.geo.ports import load_ports
from watchkeeper.geo.zones import DEFAULT_ZONES_FILE, ZoneSet, read_zones, zones_geojson
from watchkeeper.settings import load_settings

__all__ = ["app"]

app = typer.Typer(
    help="Zones: territorial seas, SAR regions, departure coasts, areas of interest, borders.",
    no_args_is_help=True,
)


@app.command("import")
def import_zones(
    path: Annotated[
        Path,
        typer.Argument(
            help="GeoJSON FeatureCollection; each feature has kind, name, authority, source."
        ),
    ],
    name: Annotated[
        str | None, typer.Option(help="Name of the zone set (default: the file's name).")
    ] = None,
) -> None:
    """Check a zone file and add it to the node (replacing a set of the same name)."""
    zones = read_zones(path)
    set_name = name or path.stem
    if not re.fullmatch(r"[A-Za-z0-9._-]{1,64}", set_name):
        raise InputError(f"zone set name {set_name!r}: 1-64 letters, digits, '.', '_' or '-'")
    settings = load_settings()
    settings.zones_dir.mkdir(parents=True, exist_ok=True)
    target = settings.zones_dir / f"{set_name}.geojson"
    target.write_text(json.dumps(zones_geojson(zones)), encoding="utf-8")
    with open_accounts() as accounts, accounts.db.transaction() as session:
        accounts.audit.record(
            session,
            console_actor(accounts),
            "zones.import",
            object_type="zone_set",
            object_id=set_name,
            detail={
                "zones": len(zones),
                "kinds": sorted({z.kind for z in zones}),
                "from": str(path),
            },
        )
    typer.echo(f"imported {len(zones)} zones as {set_name}")


@app.command("list")
def list_zones() -> None:
    """List the node's zones by kind (imported and computed defaults), then its ports."""
    settings = load_settings()
    zones = ZoneSet.load(settings.zones_dir, geo_dir=settings.geo_dir).zones
    for zone in sorted(zones, key=lambda z: (z.kind, z.name)):
        typer.echo(
            f"{zone.kind:<18} {zone.name}  ({zone.authority or 'no authority'}; {zone.source or 'no source'})"
        )
    if not zones:
        typer.echo("no zones: import some with `watchkeeper zones import FILE.geojson`")
    if not (settings.geo_dir / DEFAULT_ZONES_FILE).is_file():
        typer.echo("no default zones: `watchkeeper geo derive` computes them (make install does)")
    typer.echo(f"{'port':<18} {load_ports(settings.ports_file).note}")
