"""The picture as it stood at a moment: vessels and sensor contacts from the archive, alerts
from their history.

Vessels are each one's latest fix at or before the moment, no older than `stale`
(`watchkeeper.tracks.history.fixes_at`); sensor contacts each one's last sighting at or
before the moment, no older than `contacts_window` (`watchkeeper.sensors.latest.contacts_at`,
the live picture's own definition); alerts are those raised by the moment with the
status each had then (`watchkeeper.alerts.history.alerts_at`). With a box, an alert is
kept when its position is inside, or, having none, when a vessel it names is in the
picture.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import polars as pl
import pyarrow as pa

from watchkeeper.alerts.history import alerts_at
from watchkeeper.alerts.service import OPEN_STATUSES
from watchkeeper.sensors.latest import contacts_at
from watchkeeper.tracks.history import fixes_at
from watchkeeper.tracks.latest import BBox, check_bbox

if TYPE_CHECKING:
    from watchkeeper.alerts.service import Alerts
    from watchkeeper.alerts.views import AlertView
    from watchkeeper.tracks import Archive

__all__ = ["Picture", "picture_at"]


@dataclass(frozen=True)
class Picture:
    """Vessels (`LATEST` columns and `age_s`), sensor contacts (`CONTACTS`, last sightings)
    and alerts (status as at `at`) at `at`."""

    at: datetime
    stale: timedelta
    vessels: pa.Table
    alerts: list[AlertView]
    contacts: pa.Table


def _inside(bbox: BBox, lat: float, lon: float) -> bool:
    min_lon, min_lat, max_lon, max_lat = bbox
    east, west = lon >= min_lon, lon <= max_lon
    return min_lat <= lat <= max_lat and ((east and west) if min_lon <= max_lon else (east or west))


def picture_at(
    archive: Archive,
    alerts: Alerts | None,
    at: datetime,
    *,
    stale: timedelta = timedelta(hours=1),
    bbox: BBox | None = None,
    statuses: tuple[str, ...] = OPEN_STATUSES,
    vessel_limit: int | None = None,
    alert_limit: int = 1000,
    contacts_window: timedelta = timedelta(minutes=30),
) -> Picture:
    """The picture at `at`; see the module docstring."""
    checked = None if bbox is None else check_bbox(bbox)
    vessels = fixes_at(archive, at, stale=stale, bbox=checked, limit=vessel_limit)
    contacts = contacts_at(archive, at, window=contacts_window)
    if checked is not None:
        contacts = _contacts_inside(contacts, checked)
    found = [] if alerts is None else alerts_at(alerts, at, status=statuses, limit=alert_limit)
    if checked is not None:
        shown = set(vessels.column("mmsi").to_pylist())
        found = [  # a thousand alerts at most: a loop over alerts, not over positions
            alert
            for alert in found
            if (
                _inside(checked, alert.lat, alert.lon)
                if alert.lat is not None and alert.lon is not None
                else bool(shown & set(alert.mmsi))
            )
        ]
    return Picture(at=at, stale=stale, vessels=vessels, alerts=found, contacts=contacts)


def _contacts_inside(contacts: pa.Table, bbox: BBox) -> pa.Table:
    min_lon, min_lat, max_lon, max_lat = bbox
    lon, lat = pl.col("lon"), pl.col("lat")
    east, west = lon >= min_lon, lon <= max_lon
    across = (east & west) if min_lon <= max_lon else (east | west)
    frame = pl.DataFrame(pl.from_arrow(contacts))
    return frame.filter(lat.is_between(min_lat, max_lat) & across).to_arrow().cast(contacts.schema)
