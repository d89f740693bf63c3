"""Property tests: messages drawn over the full range of every field, encoded with pyais.

Each strategy draws the RAW field values of one message type (edge values and the
"not available" sentinels included), encodes them with `pyais.encode_dict` and says
what our row must hold: the drawn value in our units, or null for a sentinel. The
encoded sentences are read back with pyais' bit layout first, so a failure is the
decoder's and not the test's encoding. Wrappers (tag block, `$PGHP`, leading ISO or
Unix time, trailing Unix time) set the expected `ts` and `ts_source`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyais
import pytest
from ais_oracle import text_or_none
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyais.decode import decode_nmea_and_ais

from watchkeeper.ais.decode import DecodeResult, StreamDecoder, decode_bytes

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

SIXBIT = "@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_ !\"#$%&'()*+,-./0123456789:;<=>?"
_SIXBIT_VALUE = {c: i for i, c in enumerate(SIXBIT)}


# --------------------------------------------------------------------------- encoding helpers


def tenths(raw: int) -> float:
    """A value pyais' encoder (which truncates value * 10) turns back into `raw`."""
    return (raw + 0.25) / 10


def rot(raw: int) -> float:
    """The turn rate pyais' encoder (round(4.733 * sqrt(rate))) turns back into `raw`."""
    if raw in (0, 127, -127, -128):
        return float(raw)
    return math.copysign((raw / 4.733) ** 2, raw)


def _armor(v: int) -> str:
    return chr(v + 48 if v < 40 else v + 56)


def _unarmor(c: str) -> int:
    v = ord(c) - 48
    return v - 8 if v > 40 else v


def _nmea_checksum(body: str) -> str:
    x = 0
    for ch in body.encode():
        x ^= ch
    return f"{x:02X}"


def patch_bits(sentences: list[str], fields: list[tuple[int, int, int]]) -> list[str]:
    """Overwrite raw bit fields (offset, width, value) pyais' encoder will not write.

    pyais maps enumerated values it does not know to another member on the way in
    (ship type 78 becomes 75, EPFD 9-14 become 0), so those are set here.
    """
    parts = [s.split(",") for s in sentences]
    payloads = [p[5] for p in parts]
    bits = list("".join(format(_unarmor(c), "06b") for c in "".join(payloads)))
    for offset, width, value in fields:
        bits[offset : offset + width] = format(value & ((1 << width) - 1), f"0{width}b")
    armored = "".join(_armor(int("".join(bits[i : i + 6]), 2)) for i in range(0, len(bits), 6))
    out = []
    at = 0
    for p, old in zip(parts, payloads, strict=True):
        p[5] = armored[at : at + len(old)]
        at += len(old)
        body = ",".join(p)[1:].split("*")[0]
        out.append(f"!{body}*{_nmea_checksum(body)}")
    return out


@dataclass
class Drawn:
    """One drawn message: its sentences, the raw fields, and our expected rows by table."""

    sentences: list[str]
    raw: dict[str, int]  # pyais field name -> raw integer as it must be in the bits
    expected: dict[str, dict[str, Any]]  # table -> column -> value
    msg_type: int


def encode(
    data: dict[str, Any],
    raw: dict[str, int],
    patches: list[tuple[int, int, int]],
    draw: Callable[[Any], Any],
) -> list[str]:
    sentences = pyais.encode_dict(
        data,
        talker_id="AI",
        sentence_type=draw(st.sampled_from(["VDM", "VDO"])),
        radio_channel=draw(st.sampled_from(["A", "B"])),
        seq_id=draw(st.integers(0, 9)),
    )
    if patches:
        sentences = patch_bits(sentences, patches)
    # The test's own encoding must hold exactly the drawn bits (read with pyais' layout).
    nmea, msg = decode_nmea_and_ais(*sentences, error_if_checksum_invalid=True)
    plan = {
        name: (off, width, signed) for name, off, width, signed, _k, _c in type(msg).decoder_plan()
    }
    for name, value in raw.items():
        off, width, signed = plan[name]
        assert nmea.bv.get_num(off, width, signed) == value, (name, value, sentences)
    return sentences


# --------------------------------------------------------------------------- field strategies

MMSI = st.one_of(
    st.integers(0, 2**30 - 1),
    st.sampled_from([999_999_999, 0, 2**30 - 1, 970_123_456, 111_234_567, 2_470_052]),
)
LAT = st.one_of(
    st.integers(-54_000_000, 54_000_000),
    st.sampled_from([54_600_000, 54_000_000, -54_000_000, 0, 1, -1]),
)
LON = st.one_of(
    st.integers(-108_000_000, 108_000_000),
    st.sampled_from([108_600_000, 108_000_000, -108_000_000, 0]),
)
TEXT_CHARS = st.sampled_from(SIXBIT)


def text(max_len: int) -> st.SearchStrategy[str]:
    """Any 6-bit text: '@' (padding) and spaces anywhere, all 64 characters."""
    return st.one_of(
        st.text(TEXT_CHARS, max_size=max_len),
        st.sampled_from(
            [
                SIXBIT[1:21],
                SIXBIT[21:41][:max_len],
                "@" * max_len,
                " " * max_len,
                "AB@CD",
                " X ",
                "",
            ]
        ).map(lambda s: s[:max_len]),
    )


def _ll(raw: int, na: int, div: float) -> float | None:
    return None if raw == na else raw / div


def _dims_expected(d: list[int]) -> dict[str, int | None]:
    names = ("to_bow", "to_stern", "to_port", "to_starboard")
    if not any(d):
        return dict.fromkeys(names)
    return dict(zip(names, d, strict=True))


def _draw_dims(draw: Callable[[Any], Any]) -> list[int]:
    return [
        draw(st.integers(0, 511)),
        draw(st.integers(0, 511)),
        draw(st.integers(0, 63)),
        draw(st.integers(0, 63)),
    ]


def _common(t: int, mmsi: int, repeat: int) -> dict[str, Any]:
    return {"mmsi": mmsi, "repeat": repeat, "msg_type": t}


# --------------------------------------------------------------------------- message strategies


@st.composite
def class_a_position(draw: Callable[[Any], Any]) -> Drawn:
    t = draw(st.sampled_from([1, 2, 3]))
    r = {
        "mmsi": draw(MMSI),
        "repeat": draw(st.integers(0, 3)),
        "status": draw(st.integers(0, 15)),
        "turn": draw(st.integers(-128, 127)),
        "speed": draw(st.integers(0, 1023)),
        "accuracy": int(draw(st.booleans())),
        "lon": draw(LON),
        "lat": draw(LAT),
        "course": draw(st.integers(0, 4095)),
        "heading": draw(st.integers(0, 511)),
        "second": draw(st.integers(0, 63)),
        "maneuver": draw(st.integers(0, 3)),
        "raim": int(draw(st.booleans())),
        "radio": draw(st.integers(0, 2**19 - 1)),
    }
    data = {
        **r,
        "msg_type": t,
        "lon": r["lon"] / 600000,
        "lat": r["lat"] / 600000,
        "speed": tenths(r["speed"]),
        "course": tenths(r["course"]),
        "turn": rot(r["turn"]),
    }
    turn_ok = abs(r["turn"]) < 127
    exp = {
        **_common(t, r["mmsi"], r["repeat"]),
        "lat": _ll(r["lat"], 54_600_000, 600000.0),
        "lon": _ll(r["lon"], 108_600_000, 600000.0),
        "sog": None if r["speed"] == 1023 else r["speed"] / 10,
        "cog": None if r["course"] >= 3600 else r["course"] / 10,
        "heading": r["heading"] if r["heading"] < 360 else None,
        "nav_status": None if r["status"] == 15 else r["status"],
        "turn_raw": None if r["turn"] == -128 else r["turn"],
        "turn": math.copysign((r["turn"] / 4.733) ** 2, r["turn"]) if turn_ok else None,
        "second": r["second"] if r["second"] < 60 else None,
        "maneuver": r["maneuver"] or None,
        "raim": bool(r["raim"]),
        "accuracy": bool(r["accuracy"]),
    }
    return Drawn(encode(data, r, [], draw), r, {"positions": exp}, t)


@st.composite
def class_b_position(draw: Callable[[Any], Any]) -> Drawn:
    r = {
        "mmsi": draw(MMSI),
        "repeat": draw(st.integers(0, 3)),
        "speed": draw(st.integers(0, 1023)),
        "accuracy": int(draw(st.booleans())),
        "lon": draw(LON),
        "lat": draw(LAT),
        "course": draw(st.integers(0, 4095)),
        "heading": draw(st.integers(0, 511)),
        "second": draw(st.integers(0, 63)),
        "cs": int(draw(st.booleans())),
        "raim": int(draw(st.booleans())),
    }
    data = {
        **r,
        "msg_type": 18,
        "lon": r["lon"] / 600000,
        "lat": r["lat"] / 600000,
        "speed": tenths(r["speed"]),
        "course": tenths(r["course"]),
    }
    return Drawn(encode(data, r, [], draw), r, {"positions": _class_b_expected(18, r)}, 18)


def _class_b_expected(t: int, r: dict[str, int]) -> dict[str, Any]:
    return {
        **_common(t, r["mmsi"], r["repeat"]),
        "lat": _ll(r["lat"], 54_600_000, 600000.0),
        "lon": _ll(r["lon"], 108_600_000, 600000.0),
        "sog": None if r["speed"] == 1023 else r["speed"] / 10,
        "cog": None if r["course"] >= 3600 else r["course"] / 10,
        "heading": r["heading"] if r["heading"] < 360 else None,
        "second": r["second"] if r["second"] < 60 else None,
        "nav_status": None,
        "turn": None,
        "turn_raw": None,
        "maneuver": None,
        "raim": bool(r["raim"]),
        "accuracy": bool(r["accuracy"]),
    }


@st.composite
def extended_class_b(draw: Callable[[Any], Any]) -> Drawn:
    d = _draw_dims(draw)
    r = {
        "mmsi": draw(MMSI),
        "repeat": draw(st.integers(0, 3)),
        "speed": draw(st.integers(0, 1023)),
        "accuracy": int(draw(st.booleans())),
        "lon": draw(LON),
        "lat": draw(LAT),
        "course": draw(st.integers(0, 4095)),
        "heading": draw(st.integers(0, 511)),
        "second": draw(st.integers(0, 63)),
        "ship_type": draw(st.integers(0, 255)),
        "to_bow": d[0],
        "to_stern": d[1],
        "to_port": d[2],
        "to_starboard": d[3],
        "epfd": draw(st.integers(0, 15)),
        "raim": int(draw(st.booleans())),
        "dte": int(draw(st.booleans())),
    }
    name = draw(text(20))
    data = {
        **r,
        "msg_type": 19,
        "shipname": name,
        "lon": r["lon"] / 600000,
        "lat": r["lat"] / 600000,
        "speed": tenths(r["speed"]),
        "course": tenths(r["course"]),
        "ship_type": 0,
        "epfd": 0,
    }
    vessel = {
        **_common(19, r["mmsi"], r["repeat"]),
        "part": None,
        "imo": None,
        "callsign": None,
        "name": text_or_none(name),
        "ship_type": r["ship_type"] or None,
        **_dims_expected(d),
        "draught": None,
        "destination": None,
        "eta_month": None,
        "eta_day": None,
        "eta_hour": None,
        "eta_minute": None,
        "eta": None,
        "epfd": r["epfd"],
        "ais_version": None,
        "dte": bool(r["dte"]),
        "vendor_id": None,
        "mothership_mmsi": None,
    }
    sentences = encode(data, r, [(263, 8, r["ship_type"]), (301, 4, r["epfd"])], draw)
    return Drawn(sentences, r, {"positions": _class_b_expected(19, r), "vessels": vessel}, 19)


@st.composite
def static_voyage(draw: Callable[[Any], Any]) -> Drawn:
    d = _draw_dims(draw)
    r = {
        "mmsi": draw(MMSI),
        "repeat": draw(st.integers(0, 3)),
        "ais_version": draw(st.integers(0, 3)),
        "imo": draw(st.one_of(st.integers(0, 2**30 - 1), st.just(0))),
        "ship_type": draw(st.integers(0, 255)),
        "to_bow": d[0],
        "to_stern": d[1],
        "to_port": d[2],
        "to_starboard": d[3],
        "epfd": draw(st.integers(0, 15)),
        "month": draw(st.integers(0, 12)),
        "day": draw(st.integers(0, 31)),
        "hour": draw(st.integers(0, 31)),
        "minute": draw(st.integers(0, 63)),
        "draught": draw(st.integers(0, 255)),
        "dte": int(draw(st.booleans())),
    }
    callsign, name, dest = draw(text(7)), draw(text(20)), draw(text(20))
    data = {
        **r,
        "msg_type": 5,
        "callsign": callsign,
        "shipname": name,
        "destination": dest,
        "draught": tenths(r["draught"]),
        "ship_type": 0,
        "epfd": 0,
    }
    exp = {
        **_common(5, r["mmsi"], r["repeat"]),
        "part": None,
        "imo": r["imo"] or None,
        "callsign": text_or_none(callsign),
        "name": text_or_none(name),
        "ship_type": r["ship_type"] or None,
        **_dims_expected(d),
        "draught": r["draught"] / 10 if r["draught"] else None,
        "destination": text_or_none(dest),
        "eta_month": r["month"] or None,
        "eta_day": r["day"] or None,
        "eta_hour": r["hour"] if r["hour"] < 24 else None,
        "eta_minute": r["minute"] if r["minute"] < 60 else None,
        "epfd": r["epfd"],
        "ais_version": r["ais_version"],
        "dte": bool(r["dte"]),
        "vendor_id": None,
        "mothership_mmsi": None,
    }
    sentences = encode(data, r, [(232, 8, r["ship_type"]), (270, 4, r["epfd"])], draw)
    return Drawn(sentences, r, {"vessels": exp}, 5)


@st.composite
def static_class_b(draw: Callable[[Any], Any]) -> Drawn:
    part = draw(st.sampled_from([0, 1]))
    mmsi = draw(st.one_of(MMSI, st.integers(980_000_000, 989_999_999)))
    r = {"mmsi": mmsi, "repeat": draw(st.integers(0, 3)), "partno": part}
    none = dict.fromkeys(
        (
            "imo",
            "destination",
            "draught",
            "ais_version",
            "epfd",
            "dte",
            "eta_month",
            "eta_day",
            "eta_hour",
            "eta_minute",
            "eta",
        )
    )
    exp: dict[str, Any] = {**_common(24, mmsi, r["repeat"]), **none, "part": part}
    data: dict[str, Any] = {**r, "msg_type": 24}
    if part == 0:
        name = draw(text(20))
        data["shipname"] = name
        exp.update(
            name=text_or_none(name),
            callsign=None,
            ship_type=None,
            vendor_id=None,
            mothership_mmsi=None,
            **_dims_expected([0, 0, 0, 0]),
        )
    else:
        vendor, callsign = draw(text(3)), draw(text(7))
        r.update(
            ship_type=draw(st.integers(0, 255)),
            model=draw(st.integers(0, 15)),
            serial=draw(st.integers(0, 2**20 - 1)),
        )
        data.update(r, vendorid=vendor, callsign=callsign)
        exp.update(
            name=None,
            callsign=text_or_none(callsign),
            ship_type=r["ship_type"] or None,
            vendor_id=text_or_none(vendor),
        )
        if 980_000_000 <= mmsi <= 989_999_999:
            r["mothership_mmsi"] = draw(MMSI)
            data["mothership_mmsi"] = r["mothership_mmsi"]
            exp.update(mothership_mmsi=r["mothership_mmsi"], **_dims_expected([0, 0, 0, 0]))
        else:
            d = _draw_dims(draw)
            r.update(to_bow=d[0], to_stern=d[1], to_port=d[2], to_starboard=d[3])
            data.update(to_bow=d[0], to_stern=d[1], to_port=d[2], to_starboard=d[3])
            exp.update(mothership_mmsi=None, **_dims_expected(d))
    return Drawn(encode(data, r, [], draw), r, {"vessels": exp}, 24)


@st.composite
def long_range(draw: Callable[[Any], Any]) -> Drawn:
    r = {
        "mmsi": draw(MMSI),
        "repeat": draw(st.integers(0, 3)),
        "accuracy": int(draw(st.booleans())),
        "raim": int(draw(st.booleans())),
        "status": draw(st.integers(0, 15)),
        "lon": draw(st.one_of(st.integers(-108_000, 108_000), st.sampled_from([108_600, 108_000]))),
        "lat": draw(st.one_of(st.integers(-54_000, 54_000), st.sampled_from([54_600, -54_000]))),
        "speed": draw(st.integers(0, 63)),
        "course": draw(st.integers(0, 511)),
        "gnss": int(draw(st.booleans())),
    }
    data = {**r, "msg_type": 27, "lon": r["lon"] / 600, "lat": r["lat"] / 600}
    exp = {
        **_common(27, r["mmsi"], r["repeat"]),
        "lat": _ll(r["lat"], 54_600, 600.0),
        "lon": _ll(r["lon"], 108_600, 600.0),
        "sog": None if r["speed"] == 63 else float(r["speed"]),
        "cog": None if r["course"] >= 360 else float(r["course"]),
        "nav_status": None if r["status"] == 15 else r["status"],
        "heading": None,
        "second": None,
        "turn": None,
        "turn_raw": None,
        "maneuver": None,
        "raim": bool(r["raim"]),
        "accuracy": bool(r["accuracy"]),
    }
    return Drawn(encode(data, r, [], draw), r, {"positions": exp}, 27)


def _station_time(y: int, mo: int, d: int, h: int, mi: int, s: int) -> dt.datetime | None:
    """A base station's UTC time, or None when a part is 'not available' or impossible."""
    if not 1970 <= y <= 2200 or s >= 60:
        return None
    try:
        return dt.datetime(y, mo, d, h, mi, s, tzinfo=dt.UTC)
    except ValueError:
        return None


@st.composite
def base_station(draw: Callable[[Any], Any], *, valid_time: bool = False) -> Drawn:
    if valid_time:
        when = draw(st.datetimes(dt.datetime(1970, 1, 1), dt.datetime(2200, 12, 31, 23, 59, 59)))
        clock = (when.year, when.month, when.day, when.hour, when.minute, when.second)
    else:
        # Each part over its full width, or mostly in its valid range so that whole
        # dates are common enough to meet the edges (31 April, second 60 = n/a).
        def part(lo: int, hi: int, bits: int) -> int:
            return int(draw(st.one_of(st.integers(0, 2**bits - 1), st.integers(lo, hi))))

        clock = (
            part(1970, 2200, 14),
            part(1, 12, 4),
            part(28, 31, 5),
            part(0, 24, 5),
            part(0, 60, 6),
            part(55, 61, 6),
        )
    r = {
        "mmsi": draw(MMSI),
        "repeat": draw(st.integers(0, 3)),
        "year": clock[0],
        "month": clock[1],
        "day": clock[2],
        "hour": clock[3],
        "minute": clock[4],
        "second": clock[5],
        "accuracy": int(draw(st.booleans())),
        "lon": draw(LON),
        "lat": draw(LAT),
        "epfd": draw(st.integers(0, 15)),
        "raim": int(draw(st.booleans())),
    }
    data = {**r, "msg_type": 4, "lon": r["lon"] / 600000, "lat": r["lat"] / 600000, "epfd": 0}
    exp = {
        **_common(4, r["mmsi"], r["repeat"]),
        "lat": _ll(r["lat"], 54_600_000, 600000.0),
        "lon": _ll(r["lon"], 108_600_000, 600000.0),
        "accuracy": bool(r["accuracy"]),
        "epfd": r["epfd"],
        "raim": bool(r["raim"]),
        "station_time": _station_time(*clock),
        "aid_type": None,
        "name": None,
        "off_position": None,
        "virtual_aid": None,
        **_dims_expected([0, 0, 0, 0]),
    }
    return Drawn(encode(data, r, [(134, 4, r["epfd"])], draw), r, {"stations": exp}, 4)


@st.composite
def aid_to_navigation(draw: Callable[[Any], Any]) -> Drawn:
    d = _draw_dims(draw)
    r = {
        "mmsi": draw(MMSI),
        "repeat": draw(st.integers(0, 3)),
        "aid_type": draw(st.integers(0, 31)),
        "accuracy": int(draw(st.booleans())),
        "lon": draw(LON),
        "lat": draw(LAT),
        "to_bow": d[0],
        "to_stern": d[1],
        "to_port": d[2],
        "to_starboard": d[3],
        "epfd": draw(st.integers(0, 15)),
        "second": draw(st.integers(0, 63)),
        "off_position": int(draw(st.booleans())),
        "raim": int(draw(st.booleans())),
        "virtual_aid": int(draw(st.booleans())),
    }
    # The extension continues a name that fills its 20 characters (no '@'), blanks and
    # all; a shorter name ends before the extension, which is then ignored
    # (ITU-R M.1371-5, message 21).
    if draw(st.booleans()):
        name = draw(st.text(st.sampled_from(SIXBIT[1:]), min_size=20, max_size=20))
        ext = draw(text(14))
        expected_name = text_or_none(name + ext)
    else:
        name = draw(text(19))
        ext = draw(text(14))
        expected_name = text_or_none(name)
    data = {
        **r,
        "msg_type": 21,
        "name": name,
        "name_ext": ext,
        "lon": r["lon"] / 600000,
        "lat": r["lat"] / 600000,
        "epfd": 0,
    }
    exp = {
        **_common(21, r["mmsi"], r["repeat"]),
        "lat": _ll(r["lat"], 54_600_000, 600000.0),
        "lon": _ll(r["lon"], 108_600_000, 600000.0),
        "accuracy": bool(r["accuracy"]),
        "epfd": r["epfd"],
        "raim": bool(r["raim"]),
        "station_time": None,
        "aid_type": r["aid_type"] or None,
        "name": expected_name,
        "off_position": bool(r["off_position"]),
        "virtual_aid": bool(r["virtual_aid"]),
        **_dims_expected(d),
    }
    return Drawn(encode(data, r, [(249, 4, r["epfd"])], draw), r, {"stations": exp}, 21)


# --------------------------------------------------------------------------- wrappers


@dataclass
class Wrapping:
    """How a message is wrapped in a log, and the time that gives it."""

    kind: str
    ts_ms: int | None
    ts_source: str
    source: str | None = None
    receive_ms: int | None = None
    before: list[str] = field(default_factory=list)  # lines before the first fragment
    prefix: str = ""  # on the first fragment's line
    suffix: str = ""  # after each fragment's checksum

    def apply(self, sentences: list[str]) -> bytes:
        lines = [*self.before]
        for i, s in enumerate(sentences):
            lines.append((self.prefix if i == 0 else "") + s + self.suffix)
        return ("\n".join(lines) + "\n").encode()


def _tag(fields: str) -> str:
    return f"\\{fields}*{_nmea_checksum(fields)}\\"


# Inside the decoder's 1990-2100 window with room for the +7 s trailing time below.
EPOCH_MS = st.integers(631_152_000_000, 4_102_444_700_000)


@st.composite
def wrappings(draw: Callable[[Any], Any]) -> Wrapping:
    kind = draw(
        st.sampled_from(
            [
                "none",
                "receive",
                "tag",
                "tag_line",
                "tag_ms",
                "pghp",
                "iso",
                "iso_space",
                "epoch",
                "trailing",
                "tag_and_trailing",
            ]
        )
    )
    ms = draw(EPOCH_MS)
    sec = ms // 1000 * 1000
    src = draw(
        st.one_of(
            st.none(), st.text(st.sampled_from("abcdefXYZ0123456789"), min_size=1, max_size=8)
        )
    )
    s_field = f"s:{src}," if src else ""
    when = dt.datetime.fromtimestamp(ms / 1000, dt.UTC)
    iso = when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}"
    if kind == "none":
        return Wrapping(kind, None, "none")
    if kind == "receive":
        return Wrapping(kind, ms, "receive", receive_ms=ms)
    if kind == "tag":
        return Wrapping(kind, sec, "tag_block", src, prefix=_tag(f"{s_field}c:{sec // 1000}"))
    if kind == "tag_line":
        return Wrapping(kind, sec, "tag_block", src, before=[_tag(f"{s_field}c:{sec // 1000}")])
    if kind == "tag_ms":
        return Wrapping(kind, ms, "tag_block", src, prefix=_tag(f"{s_field}c:{ms}"))
    if kind == "pghp":
        body = (
            f"PGHP,1,{when.year},{when.month},{when.day},{when.hour},{when.minute},"
            f"{when.second},{ms % 1000},219,,2190077,1,00"
        )
        return Wrapping(kind, ms, "wrapper", before=[f"${body}*{_nmea_checksum(body)}"])
    if kind == "iso":
        return Wrapping(kind, ms, "wrapper", prefix=iso + "Z ")
    if kind == "iso_space":
        return Wrapping(kind, ms, "wrapper", prefix=iso.replace("T", " ") + ",")
    if kind == "epoch":
        return Wrapping(kind, ms, "wrapper", prefix=f"{ms // 1000}.{ms % 1000:03d} ")
    if kind == "trailing":
        return Wrapping(kind, sec, "wrapper", suffix=f",{sec // 1000}")
    return Wrapping(
        kind,
        sec,
        "tag_block",
        src,
        prefix=_tag(f"{s_field}c:{sec // 1000}"),
        suffix=f",{sec // 1000 + 7}",
    )


# --------------------------------------------------------------------------- checks


def _same(got: Any, want: Any) -> bool:
    if want is None or got is None:
        return got is None and want is None
    if isinstance(want, float) and not isinstance(want, bool):
        return math.isclose(got, want, rel_tol=1e-6, abs_tol=1e-9)
    return bool(got == want)


def _decode_one(drawn: Drawn, wrap: Wrapping) -> tuple[DecodeResult, bytes]:
    data = wrap.apply(drawn.sentences)
    result = decode_bytes(data, file="prop.nmea", receive_time_ms=wrap.receive_ms)
    return result, data


def check_decoded(drawn: Drawn, wrap: Wrapping) -> None:
    result, data = _decode_one(drawn, wrap)
    n_lines = data.count(b"\n")
    assert result.rejected.num_rows == 0, result.rejected.to_pylist()
    assert sum(result.counts.values()) == n_lines
    assert result.counts["ais"] == len(drawn.sentences)
    assert dict(result.message_types) == {drawn.msg_type: 1}
    for table, want in drawn.expected.items():
        rows = getattr(result, table).to_pylist()
        assert len(rows) == 1, (table, rows)
        row = rows[0]
        bad = {k: (row[k], v) for k, v in want.items() if k != "eta" and not _same(row[k], v)}
        assert not bad, f"{table} (ours, drawn): {bad}\n{data!r}"
        want_ts = (
            None if wrap.ts_ms is None else dt.datetime.fromtimestamp(wrap.ts_ms / 1000, dt.UTC)
        )
        assert (row["ts"], row["ts_source"]) == (want_ts, wrap.ts_source), data
        if wrap.source is not None:
            assert row["source"] == wrap.source
        if table == "positions":
            assert row["is_own"] == drawn.sentences[0].startswith("!AIVDO")
            assert row["channel"] == drawn.sentences[0].split(",")[4]
    for t in ("positions", "vessels", "stations"):
        if t not in drawn.expected:
            assert getattr(result, t).num_rows == 0, t


@SETTINGS
@given(class_a_position(), wrappings())
def test_class_a_position_reports_decode_to_the_drawn_values(drawn: Drawn, wrap: Wrapping) -> None:
    check_decoded(drawn, wrap)


@SETTINGS
@given(class_b_position(), wrappings())
def test_class_b_position_reports_decode_to_the_drawn_values(drawn: Drawn, wrap: Wrapping) -> None:
    check_decoded(drawn, wrap)


@SETTINGS
@given(extended_class_b(), wrappings())
def test_extended_class_b_reports_give_a_position_and_a_vessel_row(
    drawn: Drawn, wrap: Wrapping
) -> None:
    check_decoded(drawn, wrap)


@SETTINGS
@given(static_voyage(), wrappings())
def test_static_and_voyage_data_decode_to_the_drawn_values(drawn: Drawn, wrap: Wrapping) -> None:
    check_decoded(drawn, wrap)
    (row,) = decode_bytes(
        wrap.apply(drawn.sentences), receive_time_ms=wrap.receive_ms
    ).vessels.to_pylist()
    r = drawn.raw
    complete = 1 <= r["month"] <= 12 and r["day"] >= 1 and r["hour"] < 24 and r["minute"] < 60
    if row["eta"] is not None:
        # The ETA is the drawn month/day/hour/minute, placed near the report's time.
        assert complete
        assert row["ts"] is not None
        eta = row["eta"]
        assert (eta.month, eta.day, eta.hour, eta.minute) == (
            r["month"],
            r["day"],
            r["hour"],
            r["minute"],
        )
        assert row["ts"] - dt.timedelta(days=184) <= eta <= row["ts"] + dt.timedelta(days=367 + 366)
    elif complete and row["ts"] is not None and r["day"] <= 28:
        raise AssertionError(f"no ETA for a complete one: {r}")


@SETTINGS
@given(static_class_b(), wrappings())
def test_class_b_static_parts_a_and_b_decode_to_the_drawn_values(
    drawn: Drawn, wrap: Wrapping
) -> None:
    check_decoded(drawn, wrap)


@SETTINGS
@given(long_range(), wrappings())
def test_long_range_broadcasts_decode_to_the_drawn_values(drawn: Drawn, wrap: Wrapping) -> None:
    check_decoded(drawn, wrap)


@SETTINGS
@given(base_station(valid_time=True), wrappings())
def test_base_station_reports_with_a_real_clock_decode_to_the_drawn_values(
    drawn: Drawn, wrap: Wrapping
) -> None:
    check_decoded(drawn, wrap)


@SETTINGS
@given(base_station(), wrappings())
def test_base_station_time_is_null_unless_a_real_utc_time(drawn: Drawn, wrap: Wrapping) -> None:
    check_decoded(drawn, wrap)


@SETTINGS
@given(aid_to_navigation(), wrappings())
def test_aids_to_navigation_decode_with_their_name_extension(drawn: Drawn, wrap: Wrapping) -> None:
    check_decoded(drawn, wrap)


# --------------------------------------------------------------------------- streaming


ANY_MESSAGE = st.one_of(
    class_a_position(),
    class_b_position(),
    extended_class_b(),
    static_voyage(),
    static_class_b(),
    long_range(),
    base_station(valid_time=True),
    aid_to_navigation(),
)
NOISE = st.sampled_from(
    [
        "",
        "# a comment",
        "$GPGGA,184353.07,1929.045,S,02410.506,E,1,04,2.6,100.00,M,-33.9,M,,0000*6D",
        "foobar",
        "!AIVDM,1,1,,B,13aDp<PP000IwSlN?Wm@0?wN2<1T,0*2A",
        "\\s:lone,c:1234567890*00\\",
        "!AIVDM,2,2,7,B,00000000000,2*20",
    ]
)


@st.composite
def interleaved_pair(draw: Callable[[Any], Any]) -> bytes:
    """Two multi-sentence messages on channels A and B, fragments interleaved."""
    seq = draw(st.integers(0, 9))
    a, b = (
        pyais.encode_dict(
            {"msg_type": 5, "mmsi": draw(MMSI), "shipname": draw(text(20))},
            talker_id="AI",
            sentence_type="VDM",
            radio_channel=ch,
            seq_id=seq,
        )
        for ch in ("A", "B")
    )
    return "".join(f"{x}\n" for pair in zip(a, b, strict=True) for x in pair).encode()


@st.composite
def logs(draw: Callable[[Any], Any]) -> bytes:
    parts: list[bytes] = []
    for _ in range(draw(st.integers(1, 8))):
        if draw(st.booleans()):
            parts.append(draw(NOISE).encode() + b"\n")
        if draw(st.integers(0, 4)) == 0:
            parts.append(draw(interleaved_pair()))
        parts.append(
            draw(wrappings().filter(lambda w: w.kind != "receive")).apply(
                draw(ANY_MESSAGE).sentences
            )
        )
    data = b"".join(parts)
    if draw(st.booleans()):
        data = data.replace(b"\n", b"\r\n")
    if draw(st.booleans()):
        data = data.rstrip(b"\r\n")  # no newline at the end
    return data


def _as_rows(r: DecodeResult) -> dict[str, list[dict[str, Any]]]:
    return {name: t.to_pylist() for name, t in r.tables().items()}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=logs(),
    cuts=st.lists(st.integers(0, 10_000), max_size=12),
    window=st.sampled_from([2, 8, 256]),
)
def test_streaming_in_any_chunks_gives_the_one_shot_result(
    data: bytes, cuts: list[int], window: int
) -> None:
    whole = decode_bytes(data, file="s.nmea", window=window)
    positions = sorted({c % (len(data) + 1) for c in cuts})
    dec = StreamDecoder(file="s.nmea", window=window)
    results = []
    last = 0
    for p in positions:
        results.append(dec.feed(data[last:p]))
        last = p
    results.append(dec.feed(data[last:]))
    results.append(dec.close())
    streamed = DecodeResult.concat(results)
    assert _as_rows(streamed) == _as_rows(whole)
    assert streamed.counts == whole.counts
    assert streamed.message_types == whole.message_types
    assert streamed.lines == whole.lines == sum(whole.counts.values())
    assert dec.pending_bytes == 0
    assert dec.consumed_bytes == len(data)


# --------------------------------------------------------------------------- pinned examples
# Cases the properties above found, pinned so that the failure names the behaviour.


def _one(sentence: str) -> DecodeResult:
    return decode_bytes((sentence + "\n").encode())


def test_a_chunk_whose_only_messages_are_base_station_reports_decodes() -> None:
    # No message with text in the chunk: the stations' text columns must still build.
    result = _one("!AIVDM,1,1,,B,402R3Wiuef:dO0tgkNOgc?A00HBd,0*76")
    assert result.stations.column("mmsi").to_pylist() == [2655135]


def test_a_base_station_report_has_no_name_even_after_a_named_message() -> None:
    static = pyais.encode_dict(
        {"msg_type": 5, "mmsi": 211129800, "shipname": "SEA ENTERPRISE"},
        talker_id="AI",
        sentence_type="VDM",
    )
    data = "\n".join([*static, "!AIVDM,1,1,,B,402R3Wiuef:dO0tgkNOgc?A00HBd,0*76"]) + "\n"
    (station,) = decode_bytes(data.encode()).stations.to_pylist()
    assert station["name"] is None


@pytest.mark.parametrize(
    ("clock", "why"),
    [
        ((2021, 4, 31, 12, 0, 0), "31 April does not exist"),
        ((2021, 2, 29, 12, 0, 0), "2021 is not a leap year"),
        ((2021, 6, 15, 12, 0, 60), "second 60 means 'not available'"),
    ],
)
def test_a_base_station_clock_that_is_not_a_real_time_gives_no_station_time(
    clock: tuple[int, ...], why: str
) -> None:
    y, mo, d, h, mi, s = clock
    (line,) = pyais.encode_dict(
        {
            "msg_type": 4,
            "mmsi": 2470052,
            "year": y,
            "month": mo,
            "day": d,
            "hour": h,
            "minute": mi,
            "second": s,
            "lat": 55.0,
            "lon": 12.0,
        },
        talker_id="AI",
        sentence_type="VDM",
    )
    (row,) = _one(line).stations.to_pylist()
    assert row["station_time"] is None, why


def test_an_aid_name_with_a_leading_blank_keeps_its_extension() -> None:
    # The 20-character name field is full (no '@'), so the extension continues it.
    (line,) = pyais.encode_dict(
        {
            "msg_type": 21,
            "mmsi": 992471001,
            "name": " TUNIS NORTH CARDINA",
            "name_ext": "L BUOY 3",
            "lat": 36.9,
            "lon": 10.3,
        },
        talker_id="AI",
        sentence_type="VDM",
    )
    assert pyais.decode(line).full_name == "TUNIS NORTH CARDINAL BUOY 3"
    (row,) = _one(line).stations.to_pylist()
    assert row["name"] == "TUNIS NORTH CARDINAL BUOY 3"
