"""Column names and Arrow schemas of the tables every package exchanges.

One place for them, so the decoder, the archive, the API and the detectors agree
on names, types and units. Units: positions in WGS 84 decimal degrees, speeds in
knots, courses and headings in degrees true, `turn` in degrees per minute, lengths
in metres, times in UTC with millisecond resolution.

"Not available" values of ITU-R M.1371 (lat 91, lon 181, SOG 102.3, COG 360,
heading 511, ...) are nulls here, never sentinels.
"""

from __future__ import annotations

from typing import Final

import pyarrow as pa

__all__ = [
    "CONTACTS",
    "OTHER_MESSAGES",
    "POSITIONS",
    "REJECTED",
    "STATIONS",
    "TIME_SOURCES",
    "TS",
    "VESSELS",
]

TS: Final = pa.timestamp("ms", tz="UTC")
_LABEL: Final = pa.dictionary(pa.int32(), pa.string())

#: Where a message's time came from, best first: an NMEA 4.0 tag block (`c:`), an
#: archive wrapper (`$PGHP`, a leading ISO or Unix time, a trailing Unix time), the
#: time a live feed received it, or nowhere (a bare log with no times).
TIME_SOURCES: Final = ("tag_block", "wrapper", "receive", "none")

POSITIONS: Final = pa.schema(
    [
        ("mmsi", pa.int32()),
        ("ts", TS),
        ("ts_source", _LABEL),
        ("lat", pa.float64()),
        ("lon", pa.float64()),
        ("sog", pa.float32()),  # knots
        ("cog", pa.float32()),  # degrees true
        ("heading", pa.int16()),  # degrees true
        ("nav_status", pa.int8()),  # ITU-R M.1371 table 45; null for class B
        ("turn", pa.float32()),  # degrees per minute, signed (right positive)
        ("turn_raw", pa.int8()),  # the ROT_AIS field as sent; null when not available
        ("second", pa.int8()),  # UTC second of the report; null when not available (60-63)
        ("maneuver", pa.int8()),
        ("raim", pa.bool_()),
        ("accuracy", pa.bool_()),  # true: position accuracy better than 10 m
        ("msg_type", pa.int8()),
        ("repeat", pa.int8()),
        ("channel", _LABEL),
        ("is_own", pa.bool_()),  # from a !xxVDO sentence: the receiver's own vessel
        ("source", _LABEL),  # receiver or station id (tag block `s:`, trailing id) or input name
    ]
)

VESSELS: Final = pa.schema(
    [
        ("mmsi", pa.int32()),
        ("ts", TS),
        ("ts_source", _LABEL),
        ("msg_type", pa.int8()),
        ("part", pa.int8()),  # type 24: 0 = part A (name), 1 = part B; null otherwise
        ("imo", pa.int32()),
        ("callsign", pa.string()),
        ("name", pa.string()),
        ("ship_type", pa.int16()),
        ("to_bow", pa.int16()),  # metres from the reference point
        ("to_stern", pa.int16()),
        ("to_port", pa.int16()),
        ("to_starboard", pa.int16()),
        ("draught", pa.float32()),  # metres
        ("destination", pa.string()),
        ("eta_month", pa.int8()),
        ("eta_day", pa.int8()),
        ("eta_hour", pa.int8()),
        ("eta_minute", pa.int8()),
        ("eta", TS),  # the ETA placed in the year of `ts` (or the next one); null if incomplete
        ("epfd", pa.int8()),
        ("ais_version", pa.int8()),
        ("dte", pa.bool_()),
        ("vendor_id", pa.string()),  # type 24 part B
        ("mothership_mmsi", pa.int32()),  # type 24 part B, auxiliary craft (MMSI 98xxxxxxx)
        ("repeat", pa.int8()),
        ("source", _LABEL),
    ]
)

#: Base stations (type 4) and aids to navigation (type 21): fixed stations, not vessels.
STATIONS: Final = pa.schema(
    [
        ("mmsi", pa.int32()),
        ("ts", TS),
        ("ts_source", _LABEL),
        ("msg_type", pa.int8()),
        ("lat", pa.float64()),
        ("lon", pa.float64()),
        ("accuracy", pa.bool_()),
        ("epfd", pa.int8()),
        ("raim", pa.bool_()),
        ("station_time", TS),  # type 4: the UTC date and time the base station reports
        ("aid_type", pa.int8()),  # type 21
        ("name", pa.string()),  # type 21, with the name extension appended
        ("off_position", pa.bool_()),
        ("virtual_aid", pa.bool_()),
        ("to_bow", pa.int16()),
        ("to_stern", pa.int16()),
        ("to_port", pa.int16()),
        ("to_starboard", pa.int16()),
        ("repeat", pa.int8()),
        ("source", _LABEL),
    ]
)

#: Messages of the types not decoded to columns (6, 7, 8, 9, 10, ...): counted and kept raw.
OTHER_MESSAGES: Final = pa.schema(
    [
        ("mmsi", pa.int32()),
        ("ts", TS),
        ("ts_source", _LABEL),
        ("msg_type", pa.int8()),
        ("repeat", pa.int8()),
        ("payload", pa.string()),  # the armoured 6-bit payload, fragments joined
        ("fill_bits", pa.int8()),
        ("source", _LABEL),
    ]
)

#: Every input line that could not be stored, with why. `raw` is the exact bytes
#: (binary garbage and invalid UTF-8 included), so nothing is lost.
REJECTED: Final = pa.schema(
    [
        ("file", pa.string()),
        ("line", pa.int64()),  # 1-based line number in `file`
        ("raw", pa.binary()),
        ("reason", _LABEL),
    ]
)

#: Sensor contacts that are not AIS (radar, patrols, aircraft, satellite imagery,
#: ground radar, cameras): one row per sighting. `contact_id` names the sensor's track
#: of one target, so a target seen ten times by one radar has ten rows with one id.
CONTACTS: Final = pa.schema(
    [
        ("contact_id", pa.string()),
        ("sensor", _LABEL),  # radar, patrol, aircraft, satellite, ground_radar, camera
        ("sensor_id", _LABEL),  # which radar, aircraft or camera
        ("ts", TS),
        ("lat", pa.float64()),
        ("lon", pa.float64()),
        ("speed_kn", pa.float32()),  # null when the sensor cannot measure it
        ("course", pa.float32()),  # degrees true; null when unknown
        ("length_m", pa.float32()),  # estimated; null when unknown
        ("classification", _LABEL),  # e.g. small_craft, fishing, cargo, vehicle, person
        ("confidence", pa.float32()),  # 0..1, the sensor's confidence in the classification
    ]
)
