"""Run the detectors over tables and rank what they find.

`detect` is the batch entry point (`watchkeeper detect`); each detector is a plain
function from tables to an event table, so the same functions serve the live node's
micro-batches and, grouped by vessel, a Spark job over an archive.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import polars as pl
import pyarrow as pa

from watchkeeper.detect.border import border_crossing
from watchkeeper.detect.context import Context
from watchkeeper.detect.dark import contact_tracks, dark_target
from watchkeeper.detect.departure import departure
from watchkeeper.detect.distress import distress_beacon
from watchkeeper.detect.drift import drift
from watchkeeper.detect.encounter import encounter
from watchkeeper.detect.entry import zone_entry
from watchkeeper.detect.events import empty_events, rank
from watchkeeper.detect.gap import ais_gap
from watchkeeper.detect.loitering import loitering
from watchkeeper.detect.speed import sudden_speed_change
from watchkeeper.detect.spoofing import identity_spoofing, position_spoofing
from watchkeeper.detect.thresholds import Thresholds
from watchkeeper.detect.tracks import vessel_tracks
from watchkeeper.geo.landmask import LandMask
from watchkeeper.geo.shore import ShoreDistance
from watchkeeper.geo.zones import ZoneSet

__all__ = ["ACROSS_VESSELS", "PER_CONTACT", "PER_VESSEL", "detect"]

PerVessel = Callable[[pl.DataFrame, Context], pl.DataFrame]

#: Detectors over one vessel's reports at a time (any set of whole vessels may be given).
PER_VESSEL: Final[dict[str, PerVessel]] = {
    "distress_beacon": distress_beacon,
    "drift": drift,
    "sudden_speed_change": sudden_speed_change,
    "position_spoofing": position_spoofing,
    "identity_spoofing": identity_spoofing,
    "ais_gap": ais_gap,
    "loitering": loitering,
    "zone_entry": zone_entry,
}

#: Detectors over one sensor track at a time (`Context.contacts`, any set of whole tracks).
PER_CONTACT: Final[dict[str, PerVessel]] = {"border_crossing": border_crossing}

#: Detectors over pairs of vessels, or of sensor plots and vessels, run per space-time
#: cell with its neighbours.
ACROSS_VESSELS: Final[dict[str, PerVessel]] = {
    "encounter": encounter,
    "dark_target": dark_target,
    "departure": departure,
}


def detect(
    positions: pa.Table | pl.DataFrame,
    thresholds: Thresholds | None = None,
    *,
    land: LandMask | None = None,
    vessels: pa.Table | pl.DataFrame | None = None,
    zones: ZoneSet | None = None,
    contacts: pa.Table | pl.DataFrame | None = None,
    shore: ShoreDistance | None = None,
) -> pl.DataFrame:
    """Every event the detectors find in `positions`, most urgent first.

    `land` (the node's land mask) enables the on-land checks; `vessels` (static
    reports of the same period) the identity checks on names and IMO numbers;
    `contacts` (sensor plots, `CONTACTS` columns) the dark-target and border checks;
    `shore` (the node's distance to shore) exact distances where detectors ask how near
    land a position is.
    """
    particulars = None if vessels is None else pl.DataFrame(vessels)
    plots = None if contacts is None else contact_tracks(pl.DataFrame(contacts))
    context = Context(thresholds or Thresholds(), land, particulars, zones, plots, shore)
    tracks = vessel_tracks(positions)
    detectors = [*PER_VESSEL.values(), *PER_CONTACT.values(), *ACROSS_VESSELS.values()]
    found = [detector(tracks, context) for detector in detectors]
    found = [events for events in found if not events.is_empty()]
    return rank(pl.concat(found)) if found else empty_events()
