"""`/api/vessels`: the latest picture as JSON, and one vessel's track as GeoJSON.

Thin over `watchkeeper.tracks`: the archive comes from `app.state.archive` (set by the
app factory), and when the live node keeps a `LatestState` in `app.state.latest` the
picture is answered from memory instead of scanning Parquet. Bodies are serialised by
polars from the Arrow tables, not built row by row in Python, so a picture of tens of
thousands of vessels stays cheap. Times are RFC 3339 UTC with milliseconds.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Annotated, Any, Final, Literal

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from starlette.responses import Response

from watchkeeper.accounts.principal import Principal
from watchkeeper.accounts.roles import ALL_ROLES
from watchkeeper.alerts.service import Alerts
from watchkeeper.api.access import AccountsDep, allow
from watchkeeper.api.routes.alerts import AlertOut
from watchkeeper.picture.dossier import build_dossier
from watchkeeper.tracks import Archive, BBox, LatestState, check_bbox

__all__ = [
    "GEOJSON",
    "MAX_MMSI",
    "ArchiveDep",
    "BBoxDep",
    "LatestDep",
    "Vessel",
    "feature_collection",
    "get_archive",
    "get_latest_state",
    "invalid_query",
    "ndjson_items",
    "point_collection",
    "parse_bbox",
    "parse_time",
    "router",
    "with_text_ts",
]

router = APIRouter(prefix="/api/vessels", tags=["vessels"])

#: MMSIs are 30-bit fields in AIS messages.
MAX_MMSI: Final = (1 << 30) - 1
GEOJSON: Final = "application/geo+json"

_RFC3339: Final = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})"
)
_TS_FORMAT: Final = "%Y-%m-%dT%H:%M:%SZ"  # %S of a ms timestamp prints seconds.mmm
_VESSEL_COLUMNS: Final = (
    "mmsi",
    "ts",
    "lat",
    "lon",
    "sog",
    "cog",
    "heading",
    "nav_status",
    "name",
    "callsign",
    "imo",
    "ship_type",
)


class Vessel(BaseModel):
    """One vessel of the latest picture: its latest fix and latest known particulars."""

    mmsi: int
    ts: str | None = Field(description="time of the fix, RFC 3339 UTC; null if unknown")
    lat: float = Field(description="WGS 84 degrees")
    lon: float = Field(description="WGS 84 degrees")
    sog: float | None = Field(description="speed over ground, knots")
    cog: float | None = Field(description="course over ground, degrees true")
    heading: int | None = Field(description="degrees true")
    nav_status: int | None = Field(description="ITU-R M.1371 navigational status")
    name: str | None
    callsign: str | None
    imo: int | None
    ship_type: int | None = Field(description="ITU-R M.1371 ship and cargo type")


def get_archive(request: Request) -> Archive:
    """Dependency: the node's archive, `app.state.archive`."""
    archive = getattr(request.app.state, "archive", None)
    if not isinstance(archive, Archive):
        raise HTTPException(status_code=503, detail="the position archive is not configured")
    return archive


def get_latest_state(request: Request) -> LatestState | None:
    """Dependency: the live picture, `app.state.latest`, if the node keeps one."""
    state = getattr(request.app.state, "latest", None)
    return state if isinstance(state, LatestState) else None


ArchiveDep = Annotated[Archive, Depends(get_archive)]
LatestDep = Annotated[LatestState | None, Depends(get_latest_state)]


def invalid_query(param: str, message: str, value: str) -> RequestValidationError:
    """A 422 in FastAPI's own error shape, so every validation answer looks the same."""
    error = {"type": "value_error", "loc": ("query", param), "msg": message, "input": value}
    return RequestValidationError([error])


def parse_bbox(
    bbox: Annotated[
        str | None,
        Query(
            description="min_lon,min_lat,max_lon,max_lat in WGS 84 degrees (RFC 7946 order); "
            "min_lon > max_lon crosses the antimeridian",
            examples=["9.5,35.5,12.5,38.0"],
        ),
    ] = None,
) -> BBox | None:
    """Dependency: the `bbox` query parameter, checked."""
    if bbox is None:
        return None
    parts = bbox.split(",")
    try:
        if len(parts) != 4:
            raise ValueError(f"got {len(parts)} value(s)")
        numbers = (float(parts[0]), float(parts[1]), float(parts[2]), float(parts[3]))
    except ValueError:
        raise invalid_query(
            "bbox",
            "bbox must be four comma-separated numbers: min_lon,min_lat,max_lon,max_lat",
            bbox,
        ) from None
    try:
        return check_bbox(numbers)
    except ValueError as exc:
        raise invalid_query("bbox", str(exc), bbox) from None


BBoxDep = Annotated[BBox | None, Depends(parse_bbox)]


def parse_time(param: str, text: str | None) -> datetime | None:
    if text is None:
        return None
    if not _RFC3339.fullmatch(text):
        hint = ""
        if re.search(r":\d{2} \d{2}:\d{2}$", text):
            hint = " (a '+' in a URL means a space: write the offset as %2B)"
        raise invalid_query(
            param,
            f"{param} must be an RFC 3339 time with an offset, e.g. 2024-05-01T00:00:00Z{hint}",
            text,
        )
    try:
        return datetime.fromisoformat(text.upper().replace(" ", "T")).astimezone(UTC)
    except ValueError as exc:
        raise invalid_query(param, f"{param} is not a valid time: {exc}", text) from None


_TIME_DOC: Final = "RFC 3339 time with an offset, e.g. 2024-05-01T00:00:00Z"


@router.get(
    "",
    response_model=list[Vessel],
    dependencies=[allow(*ALL_ROLES)],
    summary="Latest picture: each vessel's latest position and particulars",
)
def list_vessels(
    archive: ArchiveDep,
    latest: LatestDep,
    bbox: BBoxDep,
    limit: Annotated[
        int | None, Query(ge=1, le=1_000_000, description="most recently seen first")
    ] = None,
) -> Response:
    """Vessels by their latest fix, most recently seen first, optionally within `bbox`."""
    if latest is not None:
        table = latest.snapshot(bbox, limit=limit)
    else:
        table = archive.latest_vessels(bbox=bbox, limit=limit)
    frame = pl.DataFrame(with_text_ts(table).select(list(_VESSEL_COLUMNS)))
    return Response(content=frame.write_json(), media_type="application/json")


@router.get(
    "/{mmsi}/track",
    response_class=Response,
    dependencies=[allow(*ALL_ROLES)],
    summary="One vessel's track as GeoJSON",
    responses={
        200: {
            "content": {GEOJSON: {}},
            "description": "RFC 7946 FeatureCollection: a LineString of the track "
            "(when it has two positions or more), then one Point per position with "
            "properties ts, sog, cog, heading, nav_status",
        },
        404: {"description": "no position of this MMSI is stored"},
    },
)
def vessel_track(
    archive: ArchiveDep,
    mmsi: Annotated[int, Path(ge=0, le=MAX_MMSI, description="the vessel's MMSI")],
    start: Annotated[
        str | None, Query(description=f"from this time, inclusive; {_TIME_DOC}")
    ] = None,
    end: Annotated[str | None, Query(description=f"to this time, exclusive; {_TIME_DOC}")] = None,
) -> Response:
    """Positions of `mmsi` in `[start, end)` in time order; positions without a time or
    coordinates are left out, as they cannot be placed on a track."""
    start_ts, end_ts = parse_time("start", start), parse_time("end", end)
    if start_ts is not None and end_ts is not None and start_ts > end_ts:
        raise invalid_query("start", f"start {start} is after end {end}", start or "")
    table = archive.track(mmsi, start=start_ts, end=end_ts)
    if table.num_rows == 0 and (
        (start_ts is None and end_ts is None) or not archive.has_positions(mmsi)
    ):
        raise HTTPException(status_code=404, detail=f"no positions stored for MMSI {mmsi}")
    return Response(content=feature_collection(mmsi, table), media_type=GEOJSON)


def with_text_ts(table: pa.Table) -> pa.Table:
    """Replace `ts` by its RFC 3339 text (vectorised; polars would print it otherwise)."""
    index = table.schema.get_field_index("ts")
    return table.set_column(index, "ts", pc.strftime(table.column("ts"), format=_TS_FORMAT))


def feature_collection(
    mmsi: int, track: pa.Table, *, line: bool = True, points: bool = True
) -> str:
    """The RFC 7946 FeatureCollection text of a track, coordinates [lon, lat]: a
    LineString (with `line`, when there are two positions or more), then one Point per
    position (with `points`)."""
    placed = pc.and_(
        pc.and_(pc.is_valid(track.column("ts")), pc.is_valid(track.column("lat"))),
        pc.is_valid(track.column("lon")),
    )
    columns = ["ts", "lat", "lon", "sog", "cog", "heading", "nav_status"]
    frame = pl.DataFrame(with_text_ts(track.filter(placed).select(columns)))
    lon_lat = pl.concat_list("lon", "lat")
    features: list[str] = []
    if line and frame.height >= 2:
        drawn = frame.select(
            pl.lit("Feature").alias("type"),
            pl.struct(
                pl.lit("LineString").alias("type"), lon_lat.implode().alias("coordinates")
            ).alias("geometry"),
            pl.struct(
                pl.lit(mmsi).alias("mmsi"),
                pl.col("ts").first().alias("start"),
                pl.col("ts").last().alias("end"),
                pl.len().alias("positions"),
            ).alias("properties"),
        )
        features.append(ndjson_items(drawn))
    if points and frame.height:
        dots = frame.select(
            pl.lit("Feature").alias("type"),
            pl.struct(pl.lit("Point").alias("type"), lon_lat.alias("coordinates")).alias(
                "geometry"
            ),
            pl.struct("ts", "sog", "cog", "heading", "nav_status").alias("properties"),
        )
        features.append(ndjson_items(dots))
    return '{"type":"FeatureCollection","features":[' + ",".join(features) + "]}"


def ndjson_items(frame: pl.DataFrame) -> str:
    """Rows of `frame` as JSON objects separated by commas (one C-level replace)."""
    return frame.write_ndjson().rstrip("\n").replace("\n", ",")


def point_collection(
    table: pl.DataFrame, properties: pl.Expr, bbox: BBox | None, *, note_header: str, note: str
) -> Response:
    """The rows of `table` (`lat`, `lon`) inside `bbox` (which may cross the
    antimeridian) as a GeoJSON FeatureCollection of Points with `properties` (a struct
    expression), and a header with `note`, which says why the collection may be empty."""
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
                properties.alias("properties"),
            )
        )
    return Response(
        content='{"type":"FeatureCollection","features":[' + features + "]}",
        media_type=GEOJSON,
        headers={note_header: note.encode("ascii", "replace").decode()[:300]},
    )


# -- GET /api/vessels/{mmsi}/dossier ----------------------------------------------------


class HistoryEntry(BaseModel):
    """One value a vessel broadcast for one of its particulars."""

    field: Literal["name", "callsign", "imo", "ship_type"]
    value: str
    first_seen: datetime | None
    last_seen: datetime | None
    reports: int = Field(description="static reports that carried it")
    imo_valid: bool | None = Field(description="IMO numbers only: whether the check digit holds")


class Identity(BaseModel):
    name: str | None
    callsign: str | None
    imo: int | None
    imo_valid: bool | None = Field(description="whether the IMO number's check digit holds")
    ship_type: int | None = Field(description="ITU-R M.1371 ship and cargo type")


class LatestFix(BaseModel):
    ts: datetime | None
    lat: float
    lon: float
    sog: float | None
    cog: float | None
    heading: int | None
    nav_status: int | None


class EventOut(BaseModel):
    """An event the live detector holds (its recent window), as `watchkeeper detect` writes it."""

    event_id: str
    type: str
    mmsi: list[int]
    contact_ids: list[str]
    start: datetime
    end: datetime | None
    detected: datetime | None
    lat: float | None
    lon: float | None
    score: float
    priority: int
    distress: bool
    evidence: dict[str, Any]


class DossierOut(BaseModel):
    """What the node knows of one vessel."""

    mmsi: int
    mid: int | None = Field(description="Maritime Identification Digits of the MMSI")
    flag: str | None = Field(
        description="ISO 3166-1 alpha-2 code of the country the MID is allocated to "
        "(the flag the MMSI claims)"
    )
    mmsi_valid: bool = Field(description="whether a vessel may use this MMSI (ITU-R M.585)")
    identity: Identity = Field(description="the latest particulars")
    identity_history: list[HistoryEntry] = Field(
        description="each distinct value per particular, newest first within one"
    )
    latest: LatestFix | None
    track: dict[str, Any] = Field(
        description="RFC 7946 FeatureCollection of the recent track (see `track`)"
    )
    track_start: datetime | None = Field(description="the recent track starts here")
    events: list[EventOut]
    alerts: list[AlertOut]


def _evidence(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {"text": text}
    return value if isinstance(value, dict) else {"value": value}


@router.get(
    "/{mmsi}/dossier",
    response_model=DossierOut,
    summary="One vessel's dossier: identity and its history, latest state, recent track, "
    "events and alerts",
    responses={404: {"description": "the node knows nothing of this MMSI"}},
)
def vessel_dossier(
    request: Request,
    archive: ArchiveDep,
    latest: LatestDep,
    accounts: AccountsDep,
    reader: Annotated[Principal, allow(*ALL_ROLES)],
    mmsi: Annotated[int, Path(ge=0, le=MAX_MMSI, description="the vessel's MMSI")],
    hours: Annotated[
        float,
        Query(gt=0, le=168, description="length of the recent track, ending at the latest fix"),
    ] = 6.0,
    track: Annotated[
        Literal["line", "points", "both"],
        Query(description="the recent track as a LineString, one Point per position, or both"),
    ] = "line",
) -> DossierOut:
    """Reading a dossier is written to the audit trail (`vessel.dossier`)."""
    detector = getattr(getattr(request.app.state, "node", None), "detector", None)
    alerts = getattr(request.app.state, "alerts", None)
    found = build_dossier(
        mmsi,
        archive=archive,
        latest=latest,
        alerts=alerts if isinstance(alerts, Alerts) else None,
        events=detector.events if detector is not None else None,
        hours=hours,
    )
    with accounts.db.transaction() as session:
        accounts.audit.record(
            session,
            reader.actor,
            "vessel.dossier",
            object_type="vessel",
            object_id=mmsi,
            outcome="ok" if found is not None else "not_found",
        )
    if found is None:
        raise HTTPException(status_code=404, detail=f"nothing is known of MMSI {mmsi}")
    geojson = feature_collection(
        mmsi, found.track, line=track in ("line", "both"), points=track in ("points", "both")
    )
    return DossierOut(
        mmsi=found.mmsi,
        mid=found.mid,
        flag=found.flag,
        mmsi_valid=found.mmsi_valid,
        identity=Identity.model_validate(found.identity),
        identity_history=[HistoryEntry.model_validate(r) for r in found.history.to_dicts()],
        latest=LatestFix.model_validate(found.latest) if found.latest is not None else None,
        track=json.loads(geojson),
        track_start=found.track_start,
        events=[
            EventOut.model_validate(
                row
                | {"contact_ids": row["contact_id"] or [], "mmsi": row["mmsi"] or []}
                | {"evidence": _evidence(row["evidence"])}
            )
            for row in found.events.to_dicts()
        ],
        alerts=[AlertOut.of(view) for view in found.alerts],
    )
