"""`/api/incidents`: IOM Missing Migrants incidents as GeoJSON points, for the picture's
heatmap (`watchkeeper.geo.incidents`).

The node reads the file named by the `incidents_file` setting once and keeps it; with
none, the collection is empty and the header `X-Incidents-Note` says why, so the page
draws no heatmap rather than failing.
"""

from __future__ import annotations

import polars as pl
from fastapi import APIRouter, Request
from starlette.responses import Response

from watchkeeper.accounts.roles import ALL_ROLES
from watchkeeper.api.access import allow
from watchkeeper.api.routes.vessels import GEOJSON, BBoxDep, ndjson_items
from watchkeeper.geo.incidents import Incidents, load_incidents
from watchkeeper.settings import Settings

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["zones"])


def _incidents(request: Request) -> Incidents:
    incidents = getattr(request.app.state, "incidents", None)
    if not isinstance(incidents, Incidents):
        settings: Settings = request.app.state.settings
        incidents = load_incidents(settings.incidents_file)
        request.app.state.incidents = incidents
    return incidents


@router.get(
    "/incidents",
    response_class=Response,
    dependencies=[allow(*ALL_ROLES)],
    summary="IOM Missing Migrants incidents as GeoJSON points",
    responses={
        200: {
            "content": {GEOJSON: {}},
            "description": "RFC 7946 FeatureCollection of Points, properties id, date "
            "(YYYY-MM-DD), dead_missing (IOM's minimum estimate) and route; empty when the "
            "node has no incidents file",
        }
    },
)
def list_incidents(request: Request, bbox: BBoxDep) -> Response:
    """The node's `incidents_file` (IOM Missing Migrants Project; cite it as such), read
    once; none configured or found: an empty collection (`X-Incidents-Note` says why)."""
    incidents = _incidents(request)
    table = incidents.table
    if bbox is not None and table.height:
        min_lon, min_lat, max_lon, max_lat = bbox
        east, west = pl.col("lon") >= min_lon, pl.col("lon") <= max_lon
        table = table.filter(
            pl.col("lat").is_between(min_lat, max_lat),
            (east & west) if min_lon <= max_lon else (east | west),
        )
    features = ""
    if table.height:
        features = ndjson_items(
            table.select(
                pl.lit("Feature").alias("type"),
                pl.struct(
                    pl.lit("Point").alias("type"), pl.concat_list("lon", "lat").alias("coordinates")
                ).alias("geometry"),
                pl.struct(
                    "id", pl.col("date").dt.strftime("%Y-%m-%d"), "dead_missing", "route"
                ).alias("properties"),
            )
        )
    note = incidents.note.encode("ascii", "replace").decode()[:300]
    return Response(
        content='{"type":"FeatureCollection","features":[' + features + "]}",
        media_type=GEOJSON,
        headers={"X-Incidents-Note": note},
    )
