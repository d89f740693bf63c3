"""Shared helpers of the AIS decoder tests: where the shared data is, and pyais as an oracle.

The oracle is deliberately independent of `watchkeeper.ais`: it splits lines, finds
the sentence, tag blocks and archive wrappers with its own (simple, slow) Python,
reassembles fragments itself and hands every message to pyais (`decode_nmea_and_ais`,
`pyais.decode` plus the assembled sentence) with
`error_if_checksum_invalid=True`. What it expects for each line (a decoded message,
or why the line must be rejected) is then compared with the decoder's tables.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from pyais.constants import TurnRate
from pyais.decode import decode_nmea_and_ais
from pyais.exceptions import InvalidNMEAMessageException
from pyais.messages import GatehouseSentence, NMEASentenceFactory, TagBlock

__all__ = [
    "DECODED_TYPES",
    "POSITION_TYPES",
    "ROUNDED_TURN",
    "STATION_TYPES",
    "VESSEL_TYPES",
    "OracleLine",
    "OracleMessage",
    "expected_columns",
    "oracle_decode",
    "raw_field",
    "raw_logs",
    "shared_ais_dir",
    "split_lines",
    "text_or_none",
    "values_differ",
]

#: Message types the decoder turns into columns (all others go to `other`).
DECODED_TYPES: Final = frozenset({1, 2, 3, 4, 5, 18, 19, 21, 24, 27})
POSITION_TYPES: Final = frozenset({1, 2, 3, 18, 19, 27})
VESSEL_TYPES: Final = frozenset({5, 19, 24})
STATION_TYPES: Final = frozenset({4, 21})


def shared_ais_dir() -> Path | None:
    """The shared real-AIS folder, or None when it is not there (tests then skip).

    `WATCHKEEPER_SHARED_DATA` (the shared data folder, or its `ais` folder) wins when
    set; otherwise `../shared/data/ais` relative to the repository root.
    """
    env = os.environ.get("WATCHKEEPER_SHARED_DATA")
    if env:
        candidates = [Path(env) / "ais", Path(env)]
    else:
        candidates = [Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "ais"]
    for c in candidates:
        if (c / "gpsd").is_dir() or (c / "pyais").is_dir():
            return c.resolve()
    return None


def raw_logs(root: Path) -> list[Path]:
    """Every raw NMEA log in the shared folder (not the oracles, CSVs or notes)."""
    return sorted(
        p for p in root.rglob("*") if p.is_file() and p.suffix not in (".chk", ".csv", ".md")
    )


def split_lines(data: bytes) -> list[bytes]:
    """Physical lines as the decoder counts them: a last line without newline counts."""
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return lines


def text_or_none(s: str | None) -> str | None:
    """Our text rule: stop at the first '@', strip blanks, empty is null.

    (pyais 3.3.1 only strips *trailing* '@', so 'AB@CD@@' is 'AB@CD' there; the
    decoder's documented rule is that '@' ends the text.)
    """
    if s is None:
        return None
    s = s.split("@", 1)[0].strip()
    return s or None


# --------------------------------------------------------------------------- lines

_SIXBIT: Final = "@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_ !\"#$%&'()*+,-./0123456789:;<=>?"
_SENTENCE = re.compile(rb"!([^,!\\]{2})(VDM|VDO),")  # any talker, even "--"
_CHECKSUM = re.compile(rb"\*[0-9A-Fa-f]{2}")
_TAG = re.compile(rb"\\([^\\]*)\\")
_ISO = re.compile(rb"^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-]00:?00)?$")
_EPOCH = re.compile(rb"^(\d{9,13})(\.\d+)?$")


def _epoch_ms(tok: bytes) -> int | None:
    m = _EPOCH.match(tok)
    if not m:
        return None
    whole = int(m.group(1))
    frac = int(round(float(b"0" + m.group(2)) * 1000)) if m.group(2) else 0
    if 631152000 <= whole <= 4102444800:
        return whole * 1000 + frac
    if 631152000000 <= whole <= 4102444800000:
        return whole
    return None


def _iso_ms(tok: bytes) -> int | None:
    m = _ISO.match(tok)
    if not m:
        return None
    y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
    frac = m.group(7)
    when = dt.datetime(y, mo, d, h, mi, s, tzinfo=dt.UTC)
    ms = int(when.timestamp() * 1000)
    if frac:
        ms += int(float(b"0" + frac) * 1000)
    return ms


@dataclass
class OracleLine:
    """What the oracle makes of one physical line."""

    number: int  # 1-based
    raw: bytes  # without the newline (and without a trailing CR)
    kind: str  # blank, comment, wrapper, other_nmea, ais, rejected
    reason: str | None = None  # expected rejection reason
    sentence: bytes | None = None  # the bare !xxVDM sentence
    nmea: Any = None  # pyais AISSentence
    tag_ms: int | None = None
    wrap_ms: int | None = None  # $PGHP, leading ISO/Unix time, trailing Unix time
    group: int | None = None  # tag block g: group id
    src: str | None = None  # tag block s: (else si:), $PGHP receiver, trailing receiver id
    eff_src: str | None = None  # the source the sentence takes (its own, else a wrapper's)


@dataclass
class OracleMessage:
    """A message as pyais decodes it, with the lines it came from."""

    lines: list[int]
    msg: Any = None  # pyais payload
    nmea: Any = None  # pyais AISSentence (fragments assembled)
    nbits: int = 0
    reason: str | None = None  # expected rejection reason of the whole message
    ts_ms: int | None = None
    ts_source: str = "none"
    source: str | None = None  # None: the input's name
    raw: list[bytes] = field(default_factory=list)

    @property
    def msg_type(self) -> int:
        return int(self.msg.msg_type)


def _classify(number: int, raw: bytes) -> OracleLine:
    line = OracleLine(number, raw.removesuffix(b"\r"), "other_nmea")
    s = raw.strip()
    if not s:
        line.kind = "blank"
        return line
    if s.startswith(b"#"):
        line.kind = "comment"
        return line
    if not all(32 <= c < 127 or c == 9 for c in s):
        line.kind, line.reason = "rejected", "binary_data"
        return line
    m = _SENTENCE.search(s)
    head = s[: m.start()] if m else s
    # Tag blocks (NMEA 4.0), parsed by pyais.
    for tb_raw in _TAG.findall(head):
        tb = TagBlock(tb_raw)
        tb.init()
        if tb.receiver_timestamp is not None:
            line.tag_ms = _epoch_ms(tb.receiver_timestamp.encode())
        if tb.group is not None:
            line.group = tb.group.group_id
        # `s:` names the source; DMA writes `si:`, taken when there is no `s:`.
        si = [f[3:] for f in tb_raw.split(b"*")[0].split(b",") if f.startswith(b"si:")]
        src = tb.source_station or (si[-1].decode() if si else None)
        line.src = src or line.src
    rest = _TAG.sub(b"", head).strip()
    if m is None:
        if rest.startswith(b"$PGHP"):
            line.kind = "wrapper"
            gh = NMEASentenceFactory.produce(rest)
            assert isinstance(gh, GatehouseSentence)
            line.wrap_ms = int(gh.timestamp.replace(tzinfo=dt.UTC).timestamp() * 1000)
            line.src = gh.pss or None  # the receiver's id
        elif rest == b"" and head:
            line.kind = "wrapper"
        elif rest.startswith(b"$") or rest.startswith(b"!"):
            line.kind = "other_nmea"
        else:
            line.kind, line.reason = "rejected", "not_nmea"
        return line
    if rest:
        # A leading time before the sentence.
        tok = rest.rstrip(b" ,;:\t")
        line.wrap_ms = _iso_ms(tok) or _epoch_ms(tok)
        if line.wrap_ms is None:
            line.kind, line.reason = "rejected", "not_nmea"
            return line
    sentence = s[m.start() :]
    c = _CHECKSUM.search(sentence)
    if c is None:
        line.kind, line.reason = "rejected", "no_checksum"
        return line
    trailing = sentence[c.end() :]
    if trailing and trailing[:1] not in (b",", b" ", b"\t"):
        line.kind, line.reason = "rejected", "malformed_sentence"
        return line
    for tok in trailing.replace(b" ", b",").split(b","):
        t = _epoch_ms(tok.strip())
        if t is not None:
            line.wrap_ms = t
        elif tok.strip() and line.src is None:  # a receiver id (tag block s: comes first)
            line.src = tok.strip().decode()
    line.sentence = sentence[: c.end()]
    try:
        nmea = NMEASentenceFactory.produce(line.sentence)
    except InvalidNMEAMessageException:  # fragment count/number, fill bits, non-ASCII
        line.kind, line.reason = "rejected", "malformed_sentence"
        return line
    if not nmea.is_valid:  # what `decode(..., error_if_checksum_invalid=True)` refuses
        line.kind, line.reason = "rejected", "bad_checksum"
        return line
    fields = line.sentence.split(b",")
    payload = fields[5] if len(fields) > 5 else b""
    if len(fields) != 7 or (fields[3] and not fields[3].isdigit()):
        line.kind, line.reason = "rejected", "malformed_sentence"
        return line
    if not payload:
        line.kind, line.reason = "rejected", "empty_payload"
        return line
    if any(ch < 48 or ch > 119 or 87 < ch < 96 for ch in payload):
        line.kind, line.reason = "rejected", "bad_payload_char"
        return line
    line.kind = "ais"
    line.nmea = nmea
    return line


_TS_RANK: Final = {"tag_block": 0, "wrapper": 1, "none": 3}


def _time_of(fields: list[tuple[int | None, int | None]]) -> tuple[int | None, str]:
    """Best time of a sentence from (tag, wrapper) pairs: tag block first, then wrappers."""
    for tag, _ in fields:
        if tag is not None:
            return tag, "tag_block"
    for _, wrap in fields:
        if wrap is not None:
            return wrap, "wrapper"
    return None, "none"


def oracle_decode(
    data: bytes, *, window: int = 256
) -> tuple[list[OracleLine], list[OracleMessage]]:
    """Lines and messages of a raw log as the oracle sees them (messages in completion order)."""
    lines = [_classify(i + 1, raw) for i, raw in enumerate(split_lines(data))]
    messages: list[OracleMessage] = []
    pending: list[OracleLine] = []
    # Open groups: key -> (fragment lines, their times, fragment count)
    groups: dict[tuple[Any, ...], list[OracleLine]] = {}
    group_times: dict[tuple[Any, ...], list[tuple[int | None, str]]] = {}

    def reject_group(key: tuple[Any, ...], reason: str) -> None:
        for ln in groups.pop(key):
            ln.kind, ln.reason = "rejected", reason
        group_times.pop(key)

    for line in lines:
        for key in [k for k, g in groups.items() if line.number - g[-1].number > window]:
            reject_group(key, "incomplete_message")
        if line.kind == "wrapper":
            pending.append(line)
            continue
        if line.kind == "rejected":
            pending = []
            continue
        if line.kind != "ais":
            continue
        tag = line.tag_ms
        wrap = line.wrap_ms
        gid = line.group
        src = line.src
        for p in reversed(pending):
            tag = p.tag_ms if tag is None else tag
            wrap = p.wrap_ms if wrap is None else wrap
            gid = p.group if gid is None else gid
            src = p.src if src is None else src
        line.eff_src = src
        pending = []
        time = _time_of([(tag, wrap)])
        nmea = line.nmea
        cnt, num = nmea.frag_cnt, nmea.frag_num
        if cnt == 1:
            messages.append(_message([line], [time]))
            continue
        key: tuple[Any, ...] = (
            ("g", gid, cnt) if gid is not None else (nmea.seq_id, nmea.channel, cnt)
        )
        if num == 1:
            if key in groups:
                reject_group(key, "incomplete_message")
            groups[key] = [line]
            group_times[key] = [time]
            continue
        if key not in groups or len(groups[key]) + 1 != num:
            if key in groups:
                reject_group(key, "incomplete_message")
            line.kind, line.reason = "rejected", "orphan_fragment"
            continue
        groups[key].append(line)
        group_times[key].append(time)
        if len(groups[key]) == cnt:
            messages.append(_message(groups.pop(key), group_times.pop(key)))
    for key in list(groups):
        reject_group(key, "incomplete_message")
    return lines, messages


def _message(frags: list[OracleLine], times: list[tuple[int | None, str]]) -> OracleMessage:
    best = min(range(len(times)), key=lambda k: (_TS_RANK[times[k][1]], k))
    om = OracleMessage(
        [f.number for f in frags],
        ts_ms=times[best][0],
        ts_source=times[best][1],
        raw=[f.raw for f in frags],
        source=next((f.eff_src for f in frags if f.eff_src is not None), None),
    )
    sentences = [f.sentence for f in frags]
    nmea = frags[0].nmea if len(frags) == 1 else None
    try:
        om.nmea, om.msg = decode_nmea_and_ais(*sentences, error_if_checksum_invalid=True)
    except Exception as exc:  # noqa: BLE001 - the reason is checked by the caller
        om.reason = f"pyais:{type(exc).__name__}"
        return om
    payload = b"".join((nmea.payload,) if nmea else (f.nmea.payload for f in frags))
    fill = frags[-1].nmea.fill_bits
    om.nbits = 6 * len(payload) - fill
    t = om.msg_type
    if t in DECODED_TYPES:
        if not _long_enough(om):
            om.reason = "payload_too_short"
        elif _off_earth(om.msg):
            om.reason = "value_out_of_range"
    for f in frags:
        if om.reason:
            f.kind, f.reason = "rejected", om.reason
    return om


def _long_enough(om: OracleMessage) -> bool:
    """Short but still carrying every field we store (e.g. type 1 without its radio state).

    The decoder documents per-type minimum lengths (payload.MIN_BITS); the oracle's own
    view is that a message must hold the last field we store: RAIM for types 1-3, 4 and
    18, the DTE flag for 19, the destination for 5 (DTE may be cut), part B's
    dimensions for 24, the virtual-aid flag for 21, course for 27.
    """
    last_field_end = {1: 149, 2: 149, 3: 149, 4: 149, 5: 422, 18: 148, 19: 307, 21: 270, 27: 94}
    t = om.msg_type
    if t == 24:
        part = int(om.msg.partno)
        return om.nbits >= (160 if part == 0 else 162)
    return om.nbits >= last_field_end[t]


def _off_earth(msg: Any) -> bool:
    lat = getattr(msg, "lat", None)
    lon = getattr(msg, "lon", None)
    bad_lat = lat is not None and abs(lat) > 90 and lat != 91
    bad_lon = lon is not None and abs(lon) > 180 and lon != 181
    return bad_lat or bad_lon


# --------------------------------------------------------------------------- values


#: `turn_raw` placeholder: pyais' rounded rate does not give the raw value back.
ROUNDED_TURN: Final = "<rounded>"


def _na(value: Any, *sentinels: Any) -> Any:
    return None if value is None or value in sentinels else value


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def raw_field(om: OracleMessage, name: str) -> int | None:
    """A field's raw integer, read with pyais' own bit layout of the message.

    pyais turns enumerated fields into enums and collapses values it does not know
    (ship type 78 becomes 75 "Cargo_Reserved", 39 becomes 0 "NotAvailable"): the
    raw bits are what the decoder must give.
    """
    for fname, offset, width, signed, _kind, _conv in type(om.msg).decoder_plan():
        if fname == name:
            if offset + width > len(om.nmea.bv):
                return None
            return int(om.nmea.bv.get_num(offset, width, signed))
    raise KeyError(name)


def expected_columns(om: OracleMessage, table: str) -> dict[str, Any]:
    """pyais' decode of a message as our row of `table` (positions, vessels, stations).

    The ONE place where pyais' "not available" sentinels become our nulls.
    """
    msg = om.msg
    t = int(msg.msg_type)
    out: dict[str, Any] = {"mmsi": int(msg.mmsi), "repeat": int(msg.repeat), "msg_type": t}
    if table == "positions":
        lat, lon = msg.lat, msg.lon
        out["lat"] = None if lat is None or lat == 91 else lat
        out["lon"] = None if lon is None or lon == 181 else lon
        speed, course = msg.speed, msg.course
        if t == 27:
            out["sog"] = None if speed is None or speed >= 63 else float(speed)
            out["cog"] = None if course is None or course >= 360 else float(course)
        else:
            out["sog"] = None if speed is None or speed >= 102.3 else float(speed)
            out["cog"] = None if course is None or course >= 360 else float(course)
        heading = getattr(msg, "heading", None)
        out["heading"] = None if heading is None or heading >= 360 else int(heading)
        status = raw_field(om, "status") if t in (1, 2, 3, 27) else None
        out["nav_status"] = _na(status, 15)
        second = getattr(msg, "second", None)
        out["second"] = None if second is None or second >= 60 else int(second)
        maneuver = raw_field(om, "maneuver") if t in (1, 2, 3) else None
        out["maneuver"] = _na(maneuver, 0)
        out["raim"] = bool(msg.raim)
        out["accuracy"] = bool(msg.accuracy)
        # pyais gives ROT_AIS +-127 and -128 as a TurnRate enum, other rates rounded
        # to whole degrees per minute (so the raw value cannot be recovered from them).
        turn = msg.turn if t in (1, 2, 3) else None
        if turn is None or (isinstance(turn, TurnRate) and turn == TurnRate.NO_TI_DEFAULT):
            out["turn"], out["turn_raw"] = None, None
        elif isinstance(turn, TurnRate):  # turning at more than 5 degrees per 30 s
            out["turn"], out["turn_raw"] = None, int(turn)
        else:
            out["turn"], out["turn_raw"] = float(turn), ROUNDED_TURN
    elif table == "vessels":
        if t == 5:
            out["imo"] = _na(_int(msg.imo), 0)
            out["callsign"] = text_or_none(msg.callsign)
            out["name"] = text_or_none(msg.shipname)
            out["ship_type"] = _na(raw_field(om, "ship_type"), 0)
            out.update(_dims(msg))
            out["draught"] = _na(msg.draught, 0, 0.0)
            out["destination"] = text_or_none(msg.destination)
            out["eta_month"] = _na(_int(msg.month), 0)
            out["eta_day"] = _na(_int(msg.day), 0)
            out["eta_hour"] = None if msg.hour is None or msg.hour >= 24 else int(msg.hour)
            out["eta_minute"] = None if msg.minute is None or msg.minute >= 60 else int(msg.minute)
            out["epfd"] = raw_field(om, "epfd")
            out["ais_version"] = int(msg.ais_version)
            out["dte"] = None if msg.dte is None else bool(msg.dte)
            out.update(part=None, vendor_id=None, mothership_mmsi=None)
        elif t == 19:
            out.update(imo=None, callsign=None, destination=None, draught=None, ais_version=None)
            out["name"] = text_or_none(msg.shipname)
            out["ship_type"] = _na(raw_field(om, "ship_type"), 0)
            out.update(_dims(msg))
            out["epfd"] = raw_field(om, "epfd")
            out["dte"] = bool(msg.dte)
            out.update(eta_month=None, eta_day=None, eta_hour=None, eta_minute=None)
            out.update(part=None, vendor_id=None, mothership_mmsi=None)
        else:  # 24
            out.update(
                imo=None,
                destination=None,
                draught=None,
                ais_version=None,
                epfd=None,
                dte=None,
                eta_month=None,
                eta_day=None,
                eta_hour=None,
                eta_minute=None,
            )
            part = int(msg.partno)
            out["part"] = part
            if part == 0:
                out["name"] = text_or_none(msg.shipname)
                out.update(callsign=None, ship_type=None, vendor_id=None, mothership_mmsi=None)
                out.update(to_bow=None, to_stern=None, to_port=None, to_starboard=None)
            else:
                out["name"] = None
                out["callsign"] = text_or_none(msg.callsign)
                out["ship_type"] = _na(raw_field(om, "ship_type"), 0)
                out["vendor_id"] = text_or_none(msg.vendorid)
                if hasattr(msg, "mothership_mmsi"):
                    out["mothership_mmsi"] = int(msg.mothership_mmsi)
                    out.update(to_bow=None, to_stern=None, to_port=None, to_starboard=None)
                else:
                    out["mothership_mmsi"] = None
                    out.update(_dims(msg))
    elif table == "stations":
        lat, lon = msg.lat, msg.lon
        out["lat"] = None if lat == 91 else lat
        out["lon"] = None if lon == 181 else lon
        out["accuracy"] = bool(msg.accuracy)
        out["epfd"] = raw_field(om, "epfd")
        out["raim"] = bool(msg.raim)
        if t == 4:
            out["station_time"] = _station_time(msg)
            out.update(aid_type=None, name=None, off_position=None, virtual_aid=None)
            out.update(to_bow=None, to_stern=None, to_port=None, to_starboard=None)
        else:
            out["station_time"] = None
            out["aid_type"] = _na(raw_field(om, "aid_type"), 0)
            out["name"] = _aid_name(om)
            out["off_position"] = bool(msg.off_position)
            out["virtual_aid"] = bool(msg.virtual_aid)
            out.update(_dims(msg))
    else:
        raise ValueError(table)
    return out


def _sixbit_chars(om: OracleMessage, start: int, count: int) -> str:
    """`count` raw 6-bit characters from bit `start` (as many as the payload holds)."""
    bv = om.nmea.bv
    count = min(count, max(0, (len(bv) - start) // 6))
    return "".join(_SIXBIT[bv.get_num(start + 6 * k, 6, False)] for k in range(count))


def _aid_name(om: OracleMessage) -> str | None:
    """A type 21 name: a full 20-character name field (no '@') continues in the extension.

    Read from the raw bits: pyais strips the name and its extension separately, so
    'CHANNEL PORT VIRTUAL' + ' NO.4' becomes 'CHANNEL PORT VIRTUALNO.4' there.
    """
    name = _sixbit_chars(om, 43, 20)
    if "@" in name or len(name) < 20:
        return text_or_none(name)
    return text_or_none(name + _sixbit_chars(om, 272, 14))


def _dims(msg: Any) -> dict[str, int | None]:
    d = [msg.to_bow, msg.to_stern, msg.to_port, msg.to_starboard]
    if any(v is None for v in d) or not any(d):
        return dict.fromkeys(("to_bow", "to_stern", "to_port", "to_starboard"))
    return {"to_bow": d[0], "to_stern": d[1], "to_port": d[2], "to_starboard": d[3]}


def _station_time(msg: Any) -> dt.datetime | None:
    try:
        return dt.datetime(
            int(msg.year),
            int(msg.month),
            int(msg.day),
            int(msg.hour),
            int(msg.minute),
            int(msg.second),
            tzinfo=dt.UTC,
        )
    except (ValueError, TypeError):
        return None


def values_differ(ours: Any, theirs: Any, *, tol: float = 1e-6) -> bool:
    """True if two column values differ (floats within `tol`)."""
    if ours is None or theirs is None:
        return (ours is None) != (theirs is None)
    if isinstance(theirs, float) or isinstance(ours, float):
        return not math.isclose(float(ours), float(theirs), abs_tol=tol, rel_tol=0)
    return bool(ours != theirs)
