"""The bit layouts of the AIS messages Watchkeeper encodes (ITU-R M.1371-5 annex 8), as data.

Why a table: the encoder and the decoder must put and read every field at the same
bit, and a layout written twice by hand (once in each kernel) drifts silently. Here
each message is an ordered tuple of `Field` (name, first bit, width, kind, scale,
"not available" value, range), and:

* the encoder (`encode.py`) is driven by this table: its numba kernel only knows
  "put this many bits at that offset", so what it writes is exactly what is listed;
* the decoder's kernel (`payload.py`) keeps its offsets hard-coded for speed, and
  `tests/ais/test_encode.py` proves they are these: every field of every layout is
  encoded alone, decoded by `decode_bytes` and by pyais, and must come back;
* the fields of a layout tile its bits with no gap or overlap (spares and radio
  status included), which the tests check too, so a wrong width cannot hide.

Field names are the column names of `watchkeeper.schema` where the decoder has
that column (`sog`, `cog`, `turn_raw`, `to_bow`, `eta_month`, ...); the others follow
gpsd's AIVDM document. Raw values are the integers in the message; a column's value
times `scale`, rounded half away from zero, is the raw value (600 000 per degree:
positions in 1/10 000 minute; 10 per knot; 10 per metre of draught).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

__all__ = [
    "LAYOUTS",
    "Field",
    "FieldKind",
    "Layout",
    "OutOfRange",
    "layout_for",
]

#: ``u`` unsigned, ``i`` signed (two's complement), ``b`` one-bit flag, ``t`` 6-bit text.
FieldKind = Literal["u", "i", "b", "t"]
#: What a raw value outside ``lo..hi`` becomes: ``error`` (ValueError), ``clip`` to
#: the range (the standard's "this value or more"), ``na`` (not available), ``wrap``
#: modulo ``hi + 1`` (angles: 360.0 degrees is 0.0).
OutOfRange = Literal["error", "clip", "na", "wrap"]


@dataclass(frozen=True, slots=True)
class Field:
    """One field of a message: where it is, how a column value becomes its raw bits.

    A column value ``v`` becomes the raw integer ``round(v * scale)`` (half away from
    zero). It is "not available" (``na``) when it is NaN, when it equals the
    standard's own sentinel (lat 91, SOG 102.3, COG 360, heading 511, ...), or when
    it is negative in an unsigned field that has a sentinel (the ``-1`` that our
    decoded tables and the simulator use). Texts are 6 bits a character.
    """

    name: str
    start: int
    width: int
    kind: FieldKind = "u"
    scale: float = 1.0
    na: int | None = None
    #: Raw value written when the column is absent (None: ``na``, or 0 without one).
    default: int | None = None
    lo: int | None = None  # lowest valid raw value (None: the lowest the field holds)
    hi: int | None = None  # highest valid raw value (None: the highest the field holds)
    over: OutOfRange = "error"
    #: A text that ends the message and is only as long as the column's text (type 14
    #: safety text, type 21 name extension): `width` is then its longest.
    variable: bool = False

    @property
    def chars(self) -> int:
        """Characters of a text field."""
        return self.width // 6

    @property
    def low(self) -> int:
        """Lowest valid raw value."""
        if self.lo is not None:
            return self.lo
        return -(1 << (self.width - 1)) if self.kind == "i" else 0

    @property
    def high(self) -> int:
        """Highest valid raw value."""
        if self.hi is not None:
            return self.hi
        return (1 << (self.width - 1)) - 1 if self.kind == "i" else (1 << self.width) - 1

    @property
    def default_raw(self) -> int:
        """Raw value sent when no column gives one."""
        if self.default is not None:
            return self.default
        return self.na if self.na is not None else 0

    @property
    def is_reserved(self) -> bool:
        """Spare and radio-status bits: no decoded column, zero unless given."""
        return self.name.startswith("spare") or self.name in ("radio", "regional")


@dataclass(frozen=True, slots=True)
class Layout:
    """A message's fields in bit order; `bits` is its length (without a variable text)."""

    name: str
    msg_types: tuple[int, ...]  # message types sharing the layout (1, 2, 3 for class A)
    part: int | None  # type 24 part number
    bits: int
    fields: tuple[Field, ...]
    doc: str

    @property
    def max_bits(self) -> int:
        """Longest message: `bits` plus the longest variable text, if any."""
        return self.bits + sum(f.width for f in self.fields if f.variable)

    def field(self, name: str) -> Field:
        """The field called `name` (KeyError if the layout has none)."""
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.name} has no field {name!r}")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


_DEG: Final = 600_000  # raw units (1/10 000 minute) per degree
_LAT_NA: Final = 91 * _DEG
_LON_NA: Final = 181 * _DEG


def _head(*fields: Field) -> tuple[Field, ...]:
    """Message type, repeat indicator and MMSI, then `fields`."""
    return (
        Field("msg_type", 0, 6, lo=1, hi=27),
        Field("repeat", 6, 2),
        Field("mmsi", 8, 30, hi=999_999_999),
        *fields,
    )


def _position(lon_at: int) -> tuple[Field, Field]:
    """Longitude and latitude in 1/10 000 minute, 28 and 27 bits, as every report has."""
    return (
        Field("lon", lon_at, 28, "i", _DEG, _LON_NA, lo=-180 * _DEG, hi=180 * _DEG),
        Field("lat", lon_at + 28, 27, "i", _DEG, _LAT_NA, lo=-90 * _DEG, hi=90 * _DEG),
    )


def _dims(at: int) -> tuple[Field, ...]:
    """Metres from the reference point; 0 not available, the top value "or more"."""
    return (
        Field("to_bow", at, 9, na=0, over="clip"),
        Field("to_stern", at + 9, 9, na=0, over="clip"),
        Field("to_port", at + 18, 6, na=0, over="clip"),
        Field("to_starboard", at + 24, 6, na=0, over="clip"),
    )


def _sog(at: int) -> Field:
    """Speed over ground in 0.1 knot; 102.2 is "102.2 knots or more", 102.3 not available."""
    return Field("sog", at, 10, scale=10, na=1023, hi=1022, over="clip")


def _cog(at: int) -> Field:
    """Course over ground in 0.1 degree; 360 is not available."""
    return Field("cog", at, 12, scale=10, na=3600, hi=3599, over="wrap")


def _heading(at: int) -> Field:
    return Field("heading", at, 9, na=511, hi=359, over="wrap")


def _second(at: int) -> Field:
    """UTC second; 60 not available, 61-63 positioning-system states."""
    return Field("second", at, 6, na=60)


_EPFD_GPS: Final = 1  # what a transponder reports when no column says otherwise

_LAYOUTS: Final = (
    Layout(
        "position_a",
        (1, 2, 3),
        None,
        168,
        _head(
            Field("nav_status", 38, 4, na=15),
            Field("turn_raw", 42, 8, "i", na=-128),
            _sog(50),
            Field("accuracy", 60, 1, "b"),
            *_position(61),
            _cog(116),
            _heading(128),
            _second(137),
            Field("maneuver", 143, 2, na=0),
            Field("spare_145", 145, 3),
            Field("raim", 148, 1, "b"),
            Field("radio", 149, 19),
        ),
        "Class A position report (types 1, 2, 3).",
    ),
    Layout(
        "base_station",
        (4,),
        None,
        168,
        _head(
            Field("year", 38, 14, na=0, hi=9999),
            Field("month", 52, 4, na=0, hi=12),
            Field("day", 56, 5, na=0, hi=31),
            Field("hour", 61, 5, na=24, hi=24),
            Field("minute", 66, 6, na=60, hi=60),
            Field("second", 72, 6, na=60, hi=60),
            Field("accuracy", 78, 1, "b"),
            *_position(79),
            Field("epfd", 134, 4, na=0, default=_EPFD_GPS),
            Field("spare_138", 138, 10),
            Field("raim", 148, 1, "b"),
            Field("radio", 149, 19),
        ),
        "Base station report (type 4): the station's UTC date and time, and position.",
    ),
    Layout(
        "static_voyage",
        (5,),
        None,
        424,
        _head(
            Field("ais_version", 38, 2),
            Field("imo", 40, 30, na=0, hi=999_999_999),
            Field("callsign", 70, 42, "t"),
            Field("name", 112, 120, "t"),
            Field("ship_type", 232, 8, na=0),
            *_dims(240),
            Field("epfd", 270, 4, na=0, default=_EPFD_GPS),
            Field("eta_month", 274, 4, na=0, hi=12),
            Field("eta_day", 278, 5, na=0, hi=31),
            Field("eta_hour", 283, 5, na=24, hi=24),
            Field("eta_minute", 288, 6, na=60, hi=60),
            Field("draught", 294, 8, scale=10, na=0, over="clip"),
            Field("destination", 302, 120, "t"),
            Field("dte", 422, 1, "b", default=1),  # 1: no data terminal (the default)
            Field("spare_423", 423, 1),
        ),
        "Static and voyage related data (type 5): 424 bits, two sentences.",
    ),
    Layout(
        "sar_aircraft",
        (9,),
        None,
        168,
        _head(
            Field("altitude_m", 38, 12, na=4095, hi=4094, over="clip"),
            Field("sog", 50, 10, na=1023, hi=1022, over="clip"),  # whole knots
            Field("accuracy", 60, 1, "b"),
            *_position(61),
            _cog(116),
            _second(128),
            Field("regional", 134, 8),
            Field("dte", 142, 1, "b", default=1),
            Field("spare_143", 143, 3),
            Field("assigned", 146, 1, "b"),
            Field("raim", 147, 1, "b"),
            Field("radio", 148, 20),
        ),
        "Standard SAR aircraft position report (type 9).",
    ),
    Layout(
        "safety_broadcast",
        (14,),
        None,
        40,
        _head(
            Field("spare_38", 38, 2),
            Field("text", 40, 6 * 161, "t", variable=True),
        ),
        "Safety-related broadcast (type 14): AIS-SART, MOB and EPIRB-AIS 'ACTIVE'/'TEST'.",
    ),
    Layout(
        "position_b",
        (18,),
        None,
        168,
        _head(
            Field("reserved", 38, 8),
            _sog(46),
            Field("accuracy", 56, 1, "b"),
            *_position(57),
            _cog(112),
            _heading(124),
            _second(133),
            Field("regional", 139, 2),
            Field("cs_unit", 141, 1, "b", default=1),  # carrier-sense unit: what class B is
            Field("display", 142, 1, "b"),
            Field("dsc", 143, 1, "b"),
            Field("band", 144, 1, "b"),
            Field("msg22", 145, 1, "b"),
            Field("assigned", 146, 1, "b"),
            Field("raim", 147, 1, "b"),
            # Communication state selector 1 and the fixed CS state "1100000000000000110".
            Field("radio", 148, 20, default=0b1_1100000000000000110),
        ),
        "Standard class B CS position report (type 18).",
    ),
    Layout(
        "aid_to_navigation",
        (21,),
        None,
        272,
        _head(
            Field("aid_type", 38, 5, na=0),
            Field("name", 43, 120, "t"),
            Field("accuracy", 163, 1, "b"),
            *_position(164),
            *_dims(219),
            Field("epfd", 249, 4, na=0, default=_EPFD_GPS),
            _second(253),
            Field("off_position", 259, 1, "b"),
            Field("regional", 260, 8),
            Field("raim", 268, 1, "b"),
            Field("virtual_aid", 269, 1, "b"),
            Field("assigned", 270, 1, "b"),
            Field("spare_271", 271, 1),
            # Characters 21-34 of a longer name.
            Field("name_extension", 272, 6 * 14, "t", variable=True),
        ),
        "Aid-to-navigation report (type 21); a name past 20 characters goes on in the extension.",
    ),
    Layout(
        "static_b_a",
        (24,),
        0,
        160,
        _head(Field("part", 38, 2, lo=0, hi=0), Field("name", 40, 120, "t")),
        "Class B static data report, part A (type 24): the name.",
    ),
    Layout(
        "static_b_b",
        (24,),
        1,
        168,
        _head(
            Field("part", 38, 2, lo=1, hi=1),
            Field("ship_type", 40, 8, na=0),
            Field("vendor_id", 48, 18, "t"),
            Field("model", 66, 4),
            Field("serial", 70, 20),
            Field("callsign", 90, 42, "t"),
            *_dims(132),  # an auxiliary craft (MMSI 98xxxxxxx) sends its mothership here
            Field("spare_162", 162, 6),
        ),
        "Class B static data report, part B (type 24): type, vendor, call sign, dimensions.",
    ),
)

#: Every layout by name.
LAYOUTS: Final[dict[str, Layout]] = {layout.name: layout for layout in _LAYOUTS}


def layout_for(msg_type: int, part: int | None = None) -> Layout:
    """The layout of message type `msg_type` (and `part`, for type 24)."""
    for layout in _LAYOUTS:
        if msg_type in layout.msg_types and (layout.part is None or layout.part == part):
            return layout
    what = f"type {msg_type}" + (f" part {part}" if msg_type == 24 else "")
    raise ValueError(f"no layout for message {what}; encodable: {sorted(_TYPES)}")


_TYPES: Final = {t for layout in _LAYOUTS for t in layout.msg_types}
