"""`/api/zones` and `/api/ports`: the node's zones and ports for the map, and areas of
interest users draw (`watchkeeper.areas`).

Zones are the node's zone files (imported), its computed defaults and the drawn areas,
each feature with `kind`, `name`, `authority`, `source` and `origin`; drawn areas also
have an `id`, the one `DELETE /api/zones/{zone_id}` takes. Drawing and deleting areas is
for the roles that keep or study the picture (`AREA_ROLES`); it is audited.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Final, Literal

import polars as pl
import shapely
from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from watchkeeper.accounts.principal import Principal
from watchkeeper.accounts.roles import ALL_ROLES, Role
from watchkeeper.api.access import allow
from watchkeeper.api.routes.vessels import GEOJSON, BBoxDep, point_collection
from watchkeeper.api.state import loaded_once
from watchkeeper.api.text import Text
from watchkeeper.areas import Areas
from watchkeeper.geo.ports import Ports, load_ports
from watchkeeper.geo.zones import ZONE_KINDS, GeometryError, Zone

__all__ = ["AREA_ROLES", "router"]

router = APIRouter(prefix="/api", tags=["zones"])

#: Who may draw and delete areas of interest and define alert rules.
AREA_ROLES: Final = frozenset({Role.ADMINISTRATOR, Role.WATCH_OFFICER, Role.ANALYST})
ZoneKind = Literal[ZONE_KINDS]  # type: ignore[valid-type]

# Ranges (lon -180..180, lat -90..90), closure and validity are checked by the domain
# (`check_area_geometry`), whose errors point into the geometry just as these do.
Position = Annotated[
    list[Annotated[float, Field(allow_inf_nan=False)]],
    Field(min_length=2, max_length=3, description="[lon, lat] (or [lon, lat, alt]), WGS 84"),
]
Ring = Annotated[list[Position], Field(min_length=4, max_length=10_000)]


class PolygonIn(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: Literal["Polygon"]
    coordinates: Annotated[list[Ring], Field(min_length=1, max_length=100)] = Field(
        description="outer ring first, then holes; each ring closed (last position = first)"
    )


class MultiPolygonIn(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: Literal["MultiPolygon"]
    coordinates: Annotated[
        list[Annotated[list[Ring], Field(min_length=1, max_length=100)]],
        Field(min_length=1, max_length=100),
    ]


class AreaIn(BaseModel):
    """An area of interest drawn on the map."""

    model_config = ConfigDict(extra="forbid")

    name: Text = Field(
        min_length=1,
        max_length=200,
        description="unique among the node's zones; alert rules name the area by it",
    )
    authority: Text = Field(default="", max_length=200, description="default: your agency")
    geometry: PolygonIn | MultiPolygonIn = Field(
        discriminator="type",
        description="GeoJSON (RFC 7946) Polygon or MultiPolygon, [lon, lat] in WGS 84",
    )


class AreaFeature(BaseModel):
    """A drawn area as a GeoJSON Feature."""

    type: Literal["Feature"]
    id: int
    geometry: dict[str, Any]
    properties: dict[str, Any]


def _areas(request: Request) -> Areas:
    areas = getattr(request.app.state, "areas", None)
    if not isinstance(areas, Areas):
        raise HTTPException(status_code=503, detail="the records database is not open")
    return areas


def _properties(zone: Zone) -> dict[str, Any]:
    props: dict[str, Any] = {
        "kind": zone.kind,
        "name": zone.name,
        "authority": zone.authority,
        "source": zone.source,
        "origin": zone.origin,
    }
    if zone.id is not None:
        props["id"] = zone.id
    return props


def _feature(zone: Zone) -> str:
    head = {"type": "Feature", **({"id": zone.id} if zone.id is not None else {})}
    return (
        json.dumps(head)[:-1]
        + f',"properties":{json.dumps(_properties(zone))},"geometry":{shapely.to_geojson(zone.geometry)}}}'
    )


def _file_features(request: Request, areas: Areas) -> list[tuple[Zone, str]]:
    """The zone files' features as text, written once per app (they do not change)."""
    cached = getattr(request.app.state, "zone_features", None)
    if cached is None or cached[0] is not areas.base:
        cached = (areas.base, [(zone, _feature(zone)) for zone in areas.base.zones])
        request.app.state.zone_features = cached
    features: list[tuple[Zone, str]] = cached[1]
    return features


@router.get(
    "/zones",
    response_class=Response,
    dependencies=[allow(*ALL_ROLES)],
    summary="The node's zones as GeoJSON: imported, drawn and computed defaults",
    responses={
        200: {
            "content": {GEOJSON: {}},
            "description": "RFC 7946 FeatureCollection; properties kind, name, authority, "
            "source, origin (`imported`, `drawn`, `default`) and, for drawn areas, id",
        }
    },
)
def list_zones(
    request: Request,
    kind: Annotated[
        list[ZoneKind] | None, Query(description="only these kinds; repeatable")
    ] = None,
    origin: Annotated[
        list[Literal["imported", "drawn", "default"]] | None,
        Query(description="only from these origins; repeatable"),
    ] = None,
) -> Response:
    """In the order rules look zones up: imported, then drawn, then the defaults."""
    areas = _areas(request)
    files = _file_features(request, areas)
    drawn = [(zone, _feature(zone)) for zone in areas.drawn_zones()]
    imported = [f for f in files if f[0].origin != "default"]
    defaults = [f for f in files if f[0].origin == "default"]
    chosen = [
        text
        for zone, text in (*imported, *drawn, *defaults)
        if (not kind or zone.kind in kind) and (not origin or zone.origin in origin)
    ]
    body = '{"type":"FeatureCollection","features":[' + ",".join(chosen) + "]}"
    return Response(content=body, media_type=GEOJSON)


@router.post(
    "/zones",
    response_model=AreaFeature,
    status_code=201,
    summary="Draw an area of interest",
    responses={
        409: {"description": "another zone of the node has this name"},
        422: {"description": "not a valid area; `detail[].loc` points into the geometry"},
    },
)
def draw_area(
    request: Request, body: AreaIn, author: Annotated[Principal, allow(*AREA_ROLES)]
) -> AreaFeature:
    """From the next detection run, vessels entering it raise `zone_entry` events, and
    alert rules may name it as their zone. Audited (`area.create`)."""
    geometry = body.geometry.model_dump(include={"type", "coordinates"})
    try:
        view = _areas(request).add_area(
            author.actor, name=body.name, geometry=geometry, authority=body.authority
        )
    except GeometryError as exc:
        error = {
            "type": "value_error",
            "loc": ("body", "geometry", *exc.path),
            "msg": str(exc),
            "input": None,
        }
        raise RequestValidationError([error]) from None
    return AreaFeature(
        type="Feature",
        id=view.id,
        geometry=view.geometry,
        properties={
            "kind": view.kind,
            "name": view.name,
            "authority": view.authority,
            "source": f"drawn by {view.created_by}",
            "origin": "drawn",
            "id": view.id,
            "created_at": view.created_at.isoformat().replace("+00:00", "Z"),
        },
    )


@router.delete(
    "/zones/{zone_id}",
    status_code=204,
    response_class=Response,
    summary="Delete a drawn area of interest",
    responses={
        404: {"description": "no drawn area has this id"},
        409: {"description": "an alert rule names it"},
    },
)
def delete_area(
    request: Request,
    zone_id: Annotated[int, Path(ge=1, le=2**31 - 1, description="the drawn area's id")],
    author: Annotated[Principal, allow(*AREA_ROLES)],
) -> Response:
    """Only drawn areas can be deleted here (zone files are the administrator's, on the
    command line). Audited (`area.delete`)."""
    _areas(request).delete_area(author.actor, zone_id)
    return Response(status_code=204)


def _ports(request: Request) -> Ports:
    return loaded_once(request, "ports", lambda s: load_ports(s.ports_file))


@router.get(
    "/ports",
    response_class=Response,
    dependencies=[allow(*ALL_ROLES)],
    summary="The World Port Index ports the node knows, as GeoJSON",
    responses={
        200: {
            "content": {GEOJSON: {}},
            "description": "RFC 7946 FeatureCollection of Points, properties wpi_number, "
            "name, unlocode, country; empty when the node has no port file",
        }
    },
)
def list_ports(request: Request, bbox: BBoxDep) -> Response:
    """The node's `ports_file` (NGA's World Port Index), read once; none configured or
    found: an empty collection (the header `X-Ports-Note` says why)."""
    ports = _ports(request)
    properties = pl.struct("wpi_number", "name", "unlocode", "country")
    return point_collection(
        ports.table, properties, bbox, note_header="X-Ports-Note", note=ports.note
    )
