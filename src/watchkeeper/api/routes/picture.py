"""`/api/picture`, `/api/picture/span` and `/api/tracks`: the picture as it stood at a moment,
the period the archive covers, and the tracks of a period, for the replay slider (`watchkeeper.picture.replay`, `watchkeeper.tracks.history`).

Bodies are written by polars from Arrow tables (vessels, tracks), not row by row. Tracks
come as GeoJSON (one LineString per vessel, its times beside), as columnar JSON (one array
per column), or as an Arrow IPC stream.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Annotated, Final, Literal

import polars as pl
import pyarrow as pa
from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from watchkeeper.accounts.roles import ALL_ROLES
from watchkeeper.alerts.service import OPEN_STATUSES, Alerts
from watchkeeper.api.access import allow
from watchkeeper.api.app import SettingsDep
from watchkeeper.api.routes.alerts import AlertOut, Status
from watchkeeper.api.routes.vessels import (
    GEOJSON,
    ArchiveDep,
    BBoxDep,
    Vessel,
    invalid_query,
    ndjson_items,
    parse_time,
    with_text_ts,
)
from watchkeeper.picture.replay import picture_at
from watchkeeper.sensors.latest import CONTACT_PICTURE, contact_rows
from watchkeeper.tracks.history import TracksTooLarge, time_span, tracks_between
from watchkeeper.tracks.picture import PICTURE, picture_rows

__all__ = ["parse_duration", "router"]

router = APIRouter(prefix="/api", tags=["replay"])

ARROW_STREAM: Final = "application/vnd.apache.arrow.stream"
_DURATION: Final = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd]?)")
_UNIT_SECONDS: Final = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION_DOC: Final = "seconds, or a number with s, m, h or d (e.g. 900, 15m, 2h)"
_MAX_SPAN: Final = timedelta(days=31)


def parse_duration(param: str, text: str | None, default: timedelta) -> timedelta:
    """`900`, `15m`, `2h`, `1d` as a positive timedelta (at most a year), or a 422."""
    if text is None:
        return default
    match = _DURATION.fullmatch(text.strip().lower())
    value = float(match[1]) * _UNIT_SECONDS[match[2]] if match else 0.0
    if not 0 < value <= 366 * 86400:
        raise invalid_query(
            param, f"{param} must be a positive duration up to a year: {_DURATION_DOC}", text
        )
    return timedelta(seconds=value)


def _required_time(param: str, text: str) -> datetime:
    moment = parse_time(param, text)
    assert moment is not None
    return moment


class PictureVessel(Vessel):
    age_s: float = Field(description="how old the fix was at `at`, seconds")


class PictureContact(BaseModel):
    """A sensor contact's last sighting at `at` (`CONTACTS` columns, `ts` RFC 3339)."""

    contact_id: str
    sensor: str | None
    sensor_id: str | None
    ts: datetime
    lat: float
    lon: float
    speed_kn: float | None
    course: float | None
    length_m: float | None
    classification: str | None
    confidence: float | None


class PictureOut(BaseModel):
    """The picture at `at`: vessels by their latest fix then, sensor contacts by their last
    sighting then, alerts with their status then."""

    at: datetime
    stale_s: float
    vessels: list[PictureVessel] = Field(description="most recently heard first")
    contacts: list[PictureContact] = Field(
        description="each contact's last sighting within `contacts_window_minutes` before "
        "`at`, most recently seen first"
    )
    alerts: list[AlertOut] = Field(
        description="raised by `at` (event's detected time), ranked, `status` as it was at `at`"
    )


class SpanOut(BaseModel):
    """The period a replay can move over: the archive's first and last position report."""

    start: datetime | None = Field(description="the first placed position report; null: none")
    end: datetime | None = Field(description="the last placed position report; null: none")


@router.get(
    "/picture/span",
    response_model=SpanOut,
    dependencies=[allow(*ALL_ROLES)],
    summary="Replay: the period the archive covers",
)
def picture_span(archive: ArchiveDep) -> SpanOut:
    """The times of the archive's first and last position report, both null when it has
    none. A live node's `end` moves on; ask again to follow it. Reads only the first and
    last day partitions."""
    found = time_span(archive)
    return SpanOut(start=found[0], end=found[1]) if found else SpanOut(start=None, end=None)


@router.get(
    "/picture",
    response_model=PictureOut,
    dependencies=[allow(*ALL_ROLES)],
    summary="Replay: vessels, sensor contacts and alerts as they stood at a moment",
)
def picture(
    request: Request,
    archive: ArchiveDep,
    bbox: BBoxDep,
    settings: SettingsDep,
    at: Annotated[str, Query(description="the moment; RFC 3339 with an offset")],
    stale: Annotated[
        str | None,
        Query(
            description=f"leave out vessels not heard for this long before `at`; {_DURATION_DOC}; default 1h"
        ),
    ] = None,
    status: Annotated[
        list[Status] | None,
        Query(description="alerts with this status at `at` (repeatable); default the open ones"),
    ] = None,
    limit: Annotated[int | None, Query(ge=1, le=1_000_000, description="most vessels")] = None,
    format: Annotated[  # noqa: A002 - the parameter's name in the URL
        Literal["json", "columnar"],
        Query(
            description="`json`: `vessels` as objects; `columnar`: `vessels` as one array "
            "per column of the live stream's vessel (mmsi, lon, lat, course, sog, ts in ms, "
            "name, class, stale as at `at`), which the map draws without reshaping, and "
            "`contacts` likewise with the live contact stream's columns ("
            + ", ".join(CONTACT_PICTURE)
            + ")"
        ),
    ] = "json",
) -> Response:
    """Each vessel's last fix at or before `at` within `stale`, with its particulars as
    broadcast by then; each sensor contact's last sighting at or before `at` within
    `contacts_window_minutes`; alerts raised by `at`, with the status their history gave them at
    `at` (a step of the history taken later does not count). With `bbox`, vessels whose
    fix lies inside it, contacts inside it, and alerts inside it (or, without a position, naming such a vessel)."""
    moment = _required_time("at", at)
    window = parse_duration("stale", stale, timedelta(hours=1))
    alerts = getattr(request.app.state, "alerts", None)
    found = picture_at(
        archive,
        alerts if isinstance(alerts, Alerts) else None,
        moment,
        stale=window,
        bbox=bbox,
        statuses=tuple(status) if status else OPEN_STATUSES,
        vessel_limit=limit,
        contacts_window=timedelta(minutes=settings.contacts_window_minutes),
    )
    if format == "columnar":
        stale_after = timedelta(minutes=settings.picture_stale_minutes)
        rows = picture_rows(found.vessels, now=moment, stale_after=stale_after)
        vessels = rows.select(pl.col(list(PICTURE)).implode()).write_ndjson().strip()
        sightings = contact_rows(
            found.contacts,
            now=moment,
            stale_after=timedelta(minutes=settings.contacts_stale_minutes),
            window=timedelta(minutes=settings.contacts_window_minutes),
        )
        contacts = sightings.select(pl.col(list(CONTACT_PICTURE)).implode()).write_ndjson().strip()
    else:
        vessels = pl.DataFrame(with_text_ts(found.vessels)).write_json()
        contacts = pl.DataFrame(with_text_ts(found.contacts)).write_json()
    head = PictureOut(at=moment, stale_s=window.total_seconds(), vessels=[], contacts=[], alerts=[])
    alerts_json = ",".join(AlertOut.of(view).model_dump_json() for view in found.alerts)
    body = head.model_dump_json(exclude={"vessels", "contacts", "alerts"})[:-1]
    return Response(
        content=f'{body},"vessels":{vessels},"contacts":{contacts},"alerts":[{alerts_json}]}}',
        media_type="application/json",
    )


@router.get(
    "/tracks",
    response_class=Response,
    dependencies=[allow(*ALL_ROLES)],
    summary="Replay: every vessel's track over a period",
    responses={
        200: {
            "content": {
                GEOJSON: {},
                "application/json": {},
                ARROW_STREAM: {},
            },
            "description": "`geojson`: a FeatureCollection with one Feature per vessel, a "
            "LineString (a Point when heard once) with properties mmsi, start, end, positions "
            "and `ts_ms` (each vertex's time, ms since 1970); `columnar`: one JSON array per "
            "column (mmsi, ts_ms, lat, lon, sog, cog, heading, nav_status), by vessel then "
            "time; `arrow`: the same columns as an Arrow IPC stream.",
        },
    },
)
def tracks(
    archive: ArchiveDep,
    bbox: BBoxDep,
    start: Annotated[str, Query(description="from this time, inclusive; RFC 3339 with an offset")],
    end: Annotated[str, Query(description="to this time, exclusive; at most 31 days after start")],
    resolution: Annotated[
        str | None,
        Query(
            description=f"keep one fix per vessel per interval; {_DURATION_DOC}; default every fix"
        ),
    ] = None,
    format: Annotated[  # noqa: A002 - the parameter's name in the URL
        Literal["geojson", "columnar", "arrow"], Query(description="the body's form")
    ] = "geojson",
    max_positions: Annotated[
        int, Query(ge=1, le=5_000_000, description="refuse (422) a period holding more")
    ] = 1_000_000,
) -> Response:
    """With `bbox`, the whole tracks of the vessels heard inside it during the period."""
    first, last = _required_time("start", start), _required_time("end", end)
    if first > last:
        raise invalid_query("start", f"start {start} is after end {end}", start)
    if last - first > _MAX_SPAN:
        raise invalid_query("end", "the period is longer than 31 days; ask for less", end)
    step = None if resolution is None else parse_duration("resolution", resolution, timedelta(0))
    try:
        table = tracks_between(
            archive, first, last, bbox=bbox, resolution=step, max_positions=max_positions
        )
    except TracksTooLarge as exc:
        raise invalid_query("max_positions", str(exc), str(max_positions)) from None
    if format == "arrow":
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        return Response(content=sink.getvalue().to_pybytes(), media_type=ARROW_STREAM)
    frame = pl.DataFrame(table).with_columns(pl.col("ts").dt.epoch("ms").alias("ts_ms")).drop("ts")
    if format == "columnar":
        columns = ["mmsi", "ts_ms", "lat", "lon", "sog", "cog", "heading", "nav_status"]
        body = frame.select(pl.col(columns).implode()).write_ndjson().strip()
        return Response(content=body, media_type="application/json")
    return Response(content=_lines(frame), media_type=GEOJSON)


def _lines(frame: pl.DataFrame) -> str:
    """One Feature per vessel: its LineString (a Point when heard once) and vertex times;
    the vessels with a line first, then those heard once, each by MMSI."""
    per_vessel = frame.group_by("mmsi", maintain_order=True).agg(
        pl.concat_list("lon", "lat").alias("coordinates"), pl.col("ts_ms")
    )
    n = pl.col("ts_ms").list.len()
    text_time = "%Y-%m-%dT%H:%M:%S%.3fZ"
    properties = pl.struct(
        "mmsi",
        pl.from_epoch(pl.col("ts_ms").list.first(), time_unit="ms")
        .dt.strftime(text_time)
        .alias("start"),
        pl.from_epoch(pl.col("ts_ms").list.last(), time_unit="ms")
        .dt.strftime(text_time)
        .alias("end"),
        n.alias("positions"),
        "ts_ms",
    ).alias("properties")
    parts = []
    for kind, rows, coordinates in (
        ("LineString", per_vessel.filter(n >= 2), pl.col("coordinates")),
        ("Point", per_vessel.filter(n == 1), pl.col("coordinates").list.first()),
    ):
        if rows.height:
            features = rows.select(
                pl.lit("Feature").alias("type"),
                pl.struct(pl.lit(kind).alias("type"), coordinates.alias("coordinates")).alias(
                    "geometry"
                ),
                properties,
            )
            parts.append(ndjson_items(features))
    return '{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}"
