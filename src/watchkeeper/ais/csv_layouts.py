"""The column layouts of decoded AIS CSV archives: names and text values -> our fields.

A national archive's layout is data, not code: a new one is an entry in
:data:`COLUMN_ALIASES` (column names) and, for text-valued columns, in the tables of
text values below. Names and values are compared lowercased with all but letters and
digits removed ("# Timestamp" matches "timestamp", "Under way using engine" matches
"underwayusingengine").
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

__all__ = [
    "CARGO_DIGITS",
    "COLUMN_ALIASES",
    "EPFD_CODES",
    "MOBILE_CODES",
    "NAV_STATUS_CODES",
    "NOT_AVAILABLE_TEXT",
    "SHIP_TYPE_CODES",
    "TIME_FORMATS",
    "Layout",
    "normalise",
    "parse_header",
]

#: Field -> the column names archives give it. Names are compared lowercased with all
#: but letters and digits removed ("# Timestamp" matches "timestamp").
COLUMN_ALIASES: Final[Mapping[str, tuple[str, ...]]] = {
    "mmsi": ("MMSI",),
    "ts": ("BaseDateTime", "Timestamp", "Timestamp UTC", "date_time_utc", "DateTime", "Time"),
    "lat": ("LAT", "Latitude"),
    "lon": ("LON", "Longitude", "Long"),
    "sog": ("SOG", "Speed over ground"),
    "cog": ("COG", "Course over ground"),
    "heading": ("Heading", "True heading"),
    "turn": ("ROT", "Rate of turn"),  # degrees per minute
    "nav_status": ("Status", "Navigational status", "nav_status"),
    "mobile": ("TransceiverClass", "TranscieverClass", "Type of mobile", "Class"),
    "name": ("VesselName", "Name", "Ship name"),
    "imo": ("IMO", "IMO number"),
    "callsign": ("CallSign",),
    "ship_type": ("VesselType", "Ship type"),
    "cargo_type": ("Cargo type",),  # DMA text: the second digit of the AIS ship type
    "draught": ("Draft", "Draught"),
    "destination": ("Destination",),
    "eta": ("ETA",),
    "epfd": ("Type of position fixing device", "EPFD"),
    "to_bow": ("A", "Size A", "to_bow"),
    "to_stern": ("B", "Size B", "to_stern"),
    "to_port": ("C", "Size C", "to_port"),
    "to_starboard": ("D", "Size D", "to_starboard"),
}

#: Time formats tried in turn (all UTC). Day-first only with slashes, as DMA writes it.
TIME_FORMATS: Final = (
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S%.fZ",
    "%d/%m/%Y %H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
)

# Text values of the DMA layout (normalised like column names) -> ITU-R M.1371 codes.
# Numbers are taken as codes as they are; anything else is null.
MOBILE_CODES: Final = {
    "a": 1,
    "classa": 1,
    "b": 18,
    "classb": 18,
    "sarairborne": 9,
    "searchandrescuetransponder": 1,
    "basestation": 4,
    "aton": 21,
}
NAV_STATUS_CODES: Final = {
    "underwayusingengine": 0,
    "atanchor": 1,
    "notundercommand": 2,
    "restrictedmaneuverability": 3,
    "restrictedmanoeuvrability": 3,
    "restrictedmanoeuverability": 3,
    "constrainedbyherdraught": 4,
    "moored": 5,
    "aground": 6,
    "engagedinfishing": 7,
    "underwaysailing": 8,
    "reservedforfutureamendmenthsc": 9,
    "reservedforfutureamendmentwig": 10,
    "powerdrivenvesseltowingastern": 11,
    "powerdrivenvesselpushingaheadortowingalongside": 12,
    "reservedforfutureuse": 13,
    "aissartisactive": 14,
    "aissart": 14,
}
SHIP_TYPE_CODES: Final = {
    "wig": 20,
    "fishing": 30,
    "towing": 31,
    "towinglongwide": 32,
    "dredging": 33,
    "diving": 34,
    "military": 35,
    "sailing": 36,
    "pleasure": 37,
    "hsc": 40,
    "pilot": 50,
    "sar": 51,
    "tug": 52,
    "porttender": 53,
    "antipollution": 54,
    "lawenforcement": 55,
    "medical": 58,
    "notpartytoconflict": 59,
    "shipsaccordingtorr": 59,
    "passenger": 60,
    "cargo": 70,
    "tanker": 80,
    "other": 90,
}
CARGO_DIGITS: Final = {"categoryx": 1, "categoryy": 2, "categoryz": 3, "categoryos": 4}
EPFD_CODES: Final = {
    "gps": 1,
    "glonass": 2,
    "combinedgpsglonass": 3,
    "loranc": 4,
    "chayka": 5,
    "integratednavigationsystem": 6,
    "surveyed": 7,
    "galileo": 8,
    "internalgnss": 15,
}
#: Text values meaning "not available" in callsign, destination and IMO columns.
NOT_AVAILABLE_TEXT: Final = ("unknown", "undefined", "n/a", "na", "none")
SEPARATORS: Final = (",", ";", "\t", "|")


def normalise(name: str) -> str:
    """A column name or text value as compared: lowercase letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


_ALIAS_TO_FIELD: Final = {
    normalise(alias): field for field, aliases in COLUMN_ALIASES.items() for alias in aliases
}


@dataclass(frozen=True)
class Layout:
    """The columns of a CSV archive, from its header line."""

    separator: str
    names: tuple[str, ...]  # as written in the header
    columns: dict[str, int]  # field of COLUMN_ALIASES -> column index
    header: str  # the header line, stripped: a repeat of it later is a comment


def parse_header(line: bytes) -> Layout | None:
    """The layout a header line describes, or None if it has no MMSI and time column."""
    try:
        text = line.decode("utf-8").lstrip("\ufeff").strip()
    except UnicodeDecodeError:
        return None
    for sep in SEPARATORS:
        if sep not in text:
            continue
        names = tuple(n.strip() for n in next(csv.reader([text], delimiter=sep)))
        columns: dict[str, int] = {}
        for k, name in enumerate(names):
            field = _ALIAS_TO_FIELD.get(normalise(name))
            if field is not None and field not in columns:
                columns[field] = k
        if "mmsi" in columns and "ts" in columns:
            return Layout(sep, names, columns, text)
    return None
