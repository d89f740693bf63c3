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
from watchkeeper.api.routes.vessels import GEOJSON, BBoxDep, point_collection
from watchkeeper.api.state import loaded_once
from watchkeeper.geo.incidents import Incidents, load_incidents

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["zones"])


def _incidents(request: Request) -> Incidents:
    return loaded_once(request, "incidents", lambda s: load_incidents(s.incidents_file))


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
    properties = pl.struct("id", pl.col("date").dt.strftime("%Y-%m-%d"), "dead_missing", "route")
    return point_collection(
        incidents.table, properties, bbox, note_header="X-Incidents-Note", note=incidents.note
    )
