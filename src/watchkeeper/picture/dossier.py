"""A vessel's dossier: who it says it is and has said it was, where it is, where it has
been lately, and what the detectors and the watch made of it.

- Identity: the latest name, call sign, IMO number and ship type, the flag its MMSI's
  MID allocates (ITU-R M.585: the flag the MMSI claims, not a registry's answer), and
  whether the MMSI is one a vessel may use and the IMO number's check digit holds.
- Identity history: each distinct value of each particular with first and last seen
  (`watchkeeper.tracks.history.identity_history`), IMO numbers with their validity.
- Latest state: the live picture's row when the node keeps one, else the archive's.
- Recent track: the positions of the `hours` before its latest fix (not before now: an
  archive replayed later still has a recent track), from the archive.
- Events: those the live detector holds for it (its recent window); alerts: every
  alert naming it, from the records database, ranked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
import pyarrow as pa

from watchkeeper.ais.identifiers import country_of, mid_of, valid_imo, valid_vessel_mmsi
from watchkeeper.alerts.history import alerts_of_vessel
from watchkeeper.detect.events import empty_events, rank
from watchkeeper.schema import POSITIONS
from watchkeeper.tracks.history import identity_history

if TYPE_CHECKING:
    from watchkeeper.alerts.service import Alerts
    from watchkeeper.alerts.views import AlertView
    from watchkeeper.tracks import Archive, LatestState

__all__ = ["Dossier", "build_dossier"]


@dataclass(frozen=True)
class Dossier:
    """What the node knows of one vessel; see the module docstring."""

    mmsi: int
    mid: int | None
    flag: str | None
    mmsi_valid: bool
    identity: dict[str, Any]
    history: pl.DataFrame
    latest: dict[str, Any] | None
    track: pa.Table
    track_start: datetime | None
    events: pl.DataFrame
    alerts: list[AlertView]


def _latest(mmsi: int, archive: Archive, latest: LatestState | None) -> dict[str, Any] | None:
    if latest is not None:
        frame = pl.DataFrame(latest.snapshot()).filter(pl.col("mmsi") == mmsi)
        if frame.height:
            row: dict[str, Any] = frame.row(0, named=True)
            return row
    # Not in the live picture (or none kept): the archive's latest fix of this vessel.
    track = archive.track(mmsi)
    rows = pl.DataFrame(track).filter(pl.col("lat").is_not_null() & pl.col("ts").is_not_null())
    if rows.is_empty():
        return None
    last = rows.sort("ts").tail(1).row(0, named=True)
    return {
        k: last.get(k) for k in ("mmsi", "ts", "lat", "lon", "sog", "cog", "heading", "nav_status")
    }


def build_dossier(
    mmsi: int,
    *,
    archive: Archive,
    latest: LatestState | None = None,
    alerts: Alerts | None = None,
    events: pl.DataFrame | None = None,
    hours: float = 6.0,
    alert_limit: int = 100,
) -> Dossier | None:
    """The dossier of `mmsi`, or None when the node has heard nothing of it and holds no
    alert or event about it.

    Parameters
    ----------
    events
        The live detector's current events (`StreamingDetector.events`); the vessel's
        are kept. None: no live detection.
    hours
        Length of the recent track, ending at the latest fix.
    """
    if hours <= 0:
        raise ValueError(f"hours must be positive, got {hours}")
    history = pl.DataFrame(identity_history(archive, mmsi)).drop("mmsi")
    imo_ok = pl.Series(
        "imo_valid",
        valid_imo(history["value"].cast(pl.Int64, strict=False).fill_null(0).to_numpy()),
    )
    history = history.with_columns(
        pl.when(pl.col("field") == "imo").then(imo_ok).alias("imo_valid")
    )
    state = _latest(mmsi, archive, latest)
    track_start: datetime | None = None
    track = POSITIONS.empty_table()
    if state is not None and state.get("ts") is not None:
        end: datetime = state["ts"]
        track_start = end - timedelta(hours=hours)
        track = archive.track(mmsi, start=track_start, end=end + timedelta(milliseconds=1))
    own_events = empty_events()
    if events is not None and not events.is_empty():
        own_events = rank(events.filter(pl.col("mmsi").list.contains(mmsi)))
    own_alerts = alerts_of_vessel(alerts, mmsi, limit=alert_limit) if alerts is not None else []
    if history.is_empty() and state is None and own_events.is_empty() and not own_alerts:
        return None
    current: dict[str, Any] = {
        field: history.filter(pl.col("field") == field)["value"].first()
        for field in ("name", "callsign", "imo", "ship_type")
    }
    if state is not None:  # the live picture's particulars, when it has them, are the latest
        current |= {k: state[k] for k in current if state.get(k) is not None}
    imo = None if current["imo"] is None else int(current["imo"])
    ship_type = None if current["ship_type"] is None else int(current["ship_type"])
    identity = {
        "name": current["name"],
        "callsign": current["callsign"],
        "imo": imo,
        "imo_valid": None if imo is None else bool(valid_imo(imo)),
        "ship_type": ship_type,
    }
    return Dossier(
        mmsi=mmsi,
        mid=mid_of(mmsi),
        flag=country_of(mmsi),
        mmsi_valid=bool(np.asarray(valid_vessel_mmsi(mmsi))),
        identity=identity,
        history=history,
        latest=state,
        track=track,
        track_start=track_start,
        events=own_events,
        alerts=own_alerts,
    )
