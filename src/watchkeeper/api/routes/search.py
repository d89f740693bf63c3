"""`/api/search`: find a vessel by MMSI, IMO number, name or call sign (`watchkeeper.picture.search`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import polars as pl
from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from watchkeeper.accounts.principal import Principal
from watchkeeper.accounts.roles import ALL_ROLES
from watchkeeper.api.access import AccountsDep, allow
from watchkeeper.api.routes.vessels import ArchiveDep, LatestDep
from watchkeeper.api.text import Text
from watchkeeper.picture.search import VesselDirectory

__all__ = ["SearchHit", "router"]

router = APIRouter(prefix="/api/search", tags=["vessels"])


class SearchHit(BaseModel):
    """A vessel found, by its best-matching value, with its current particulars."""

    mmsi: int
    score: float = Field(description="0-100; 100: the MMSI or IMO number itself")
    matched: Literal["mmsi", "imo", "name", "callsign"]
    value: str = Field(description="the value that matched (maybe a former name)")
    current: bool = Field(description="whether that value is the vessel's current one")
    name: str | None
    callsign: str | None
    imo: int | None
    ship_type: int | None
    last_seen: datetime | None


def _directory(request: Request, archive: ArchiveDep, latest: LatestDep) -> VesselDirectory:
    directory = getattr(request.app.state, "vessel_directory", None)
    if not isinstance(directory, VesselDirectory) or directory.archive is not archive:
        directory = VesselDirectory(archive, latest)
        request.app.state.vessel_directory = directory
    return directory


@router.get(
    "",
    response_model=list[SearchHit],
    summary="Find vessels by MMSI (whole or its start), IMO number, name or call sign",
)
def search(
    request: Request,
    archive: ArchiveDep,
    latest: LatestDep,
    accounts: AccountsDep,
    reader: Annotated[Principal, allow(*ALL_ROLES)],
    q: Annotated[
        Text,
        Query(
            min_length=1,
            max_length=100,
            description="what to look for; case, spacing and punctuation do not matter "
            "('msc  aurora' finds MSC AURORA), nor small misspellings",
            examples=["MSC AURORA", "247000001", "IMO 9074729"],
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[SearchHit]:
    """Best match first, then the most recently heard; each vessel once. Searches are
    written to the audit trail (`vessel.search`, with the query)."""
    found = _directory(request, archive, latest).search(q, limit=limit)
    with accounts.db.transaction() as session:
        accounts.audit.record(
            session,
            reader.actor,
            "vessel.search",
            object_type="vessel",
            detail={"q": q, "returned": found.height},
        )
    return [SearchHit.model_validate(row) for row in found.with_columns(pl.col("score")).to_dicts()]
