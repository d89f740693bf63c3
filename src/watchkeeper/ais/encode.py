"""ITU-R M.1371 encoding: columns of message fields to NMEA 0183 sentences, in bulk.

The mirror of `payload.py`, for the simulator: one numba kernel packs the fields
of every message of a batch into 6-bit armoured payloads, and a second frames them
into `!AIVDM` sentences with NMEA 4.0 tag blocks (`s:` receiver, `c:` time, and
`g:` groups for multi-sentence messages), with checksums. A transmission heard by
two receivers is framed twice from one payload. The bit layouts are those of
`messages.LAYOUTS`, which the decoder's offsets are tested against.

Values are given in the units of `watchkeeper.schema` (degrees, knots, metres);
NaN or -1 means "not available" and becomes the standard's sentinel. Positions are
rounded to the nearest 1/10 000 minute, speeds and courses to a tenth.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numba as nb
import numpy as np
import numpy.typing as npt

from watchkeeper.ais.messages import message_bits

__all__ = ["Payloads", "Sentences", "encode_payloads", "frame_sentences", "sixbit_text"]

_NAME: Final = 20
_TEXT: Final = 96  # longest safety text encoded (type 14 allows 161 characters)


def sixbit_text(values: npt.ArrayLike, width: int) -> npt.NDArray[np.uint8]:
    """Texts as 6-bit codes, `width` per row, '@' (0) padded.

    Lower case is raised; characters outside the AIS set (and non-ASCII) become '?'.
    """
    raw = np.asarray(values, dtype=f"S{width}").view(np.uint8).reshape(-1, width).astype(np.int64)
    up = np.where((raw >= 97) & (raw <= 122), raw - 32, raw)
    code = np.where((up >= 64) & (up < 96), up - 64, np.where((up >= 32) & (up < 64), up, 63))
    return np.where(raw == 0, 0, code).astype(np.uint8)  # type: ignore[no-any-return]


@dataclass
class Payloads:
    """Armoured payloads of a batch: characters, where each starts, and its fill bits."""

    chars: npt.NDArray[np.uint8]
    offsets: npt.NDArray[np.int64]  # n + 1
    fill: npt.NDArray[np.int8]

    def __len__(self) -> int:
        return int(self.fill.shape[0])

    def text(self, i: int) -> str:
        """Payload `i` as a string (for tests and debugging)."""
        return bytes(self.chars[self.offsets[i] : self.offsets[i + 1]]).decode("ascii")

    @staticmethod
    def concat(parts: Sequence[Payloads]) -> Payloads:
        """One batch of several, in order."""
        shift = np.cumsum([0] + [int(p.offsets[-1]) for p in parts[:-1]])
        offsets = [parts[0].offsets[:1]] + [
            p.offsets[1:] + s for p, s in zip(parts, shift, strict=True)
        ]
        return Payloads(
            np.concatenate([p.chars for p in parts]),
            np.concatenate(offsets).astype(np.int64),
            np.concatenate([p.fill for p in parts]),
        )


def _col(
    columns: Mapping[str, npt.ArrayLike], name: str, n: int, default: float, dtype: type
) -> npt.NDArray:  # type: ignore[type-arg]
    if name in columns:
        return np.asarray(columns[name]).astype(dtype, copy=False)
    return np.asarray(default, dtype)  # 0-d: broadcast, never an array of n defaults


def _scaled(value: npt.NDArray[np.float64], scale: float, na: int) -> npt.NDArray[np.int64]:
    """`round(value * scale)` (half away from zero), `na` where value is NaN."""
    v = np.asarray(value, np.float64) * scale
    r = np.where(np.isnan(v), 0.0, np.sign(v) * np.floor(np.abs(v) + 0.5))
    return np.where(np.isnan(v), na, r).astype(np.int64)  # type: ignore[no-any-return]


_TEXT_COLUMNS: Final = (("name", _NAME), ("callsign", 7), ("destination", _NAME), ("vendor_id", 3))


def _rows(columns: list[npt.NDArray[np.int64]], n: int) -> npt.NDArray[np.int32]:
    """Field columns as the rows of one (fields, messages) array: what the kernel reads.

    Every raw field fits 32 bits (the widest, MMSI and IMO, are 30), so int32 halves
    the memory traffic of this copy.
    """
    out = np.empty((len(columns), n), np.int32)
    for i, col in enumerate(columns):
        out[i] = col
    return out


def _texts(
    columns: Mapping[str, npt.ArrayLike], n: int, text: npt.NDArray[np.uint8] | None
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    """6-bit codes of every text field (name, call sign, destination, vendor, safety text).

    Position reports have none: one shared blank row then, not a blank row each.
    """
    if text is None and not any(name in columns for name, _ in _TEXT_COLUMNS):
        return np.zeros((1, 50 + _TEXT), np.uint8), np.zeros(n, np.int64)
    parts = [
        sixbit_text(columns[name], width) if name in columns else np.zeros((n, width), np.uint8)
        for name, width in _TEXT_COLUMNS
    ]
    parts.append(text if text is not None else np.zeros((n, _TEXT), np.uint8))
    return np.concatenate(parts, axis=1), np.arange(n, dtype=np.int64)


def encode_payloads(columns: Mapping[str, npt.ArrayLike]) -> Payloads:
    """Encode one message per row; `msg_type` (and `part` for type 24) chooses the layout.

    Columns used (others ignored): msg_type, repeat, mmsi, nav_status, turn_raw,
    sog, accuracy, lon, lat, cog, heading, second, maneuver, raim (1/2/3/18);
    station_time (ms, type 4) and epfd; ais_version, imo, callsign, name,
    ship_type, to_bow, to_stern, to_port, to_starboard, epfd, eta_month,
    eta_day, eta_hour, eta_minute, draught, destination, dte (5); part, name,
    ship_type, vendor_id, callsign, dims (24); text (14).
    """
    msg_type = np.asarray(columns["msg_type"], np.int64)
    n = msg_type.shape[0]
    part = _col(columns, "part", n, -1, np.int64)
    text = (
        sixbit_text(columns["text"], _TEXT) if "text" in columns else np.zeros((n, _TEXT), np.uint8)
    )
    text_len = (text != 0).sum(axis=1) if "text" in columns else np.zeros(n, np.int64)
    nbits = message_bits(msg_type, part, text_len)
    nchars = (nbits + 5) // 6
    offsets = np.zeros(n + 1, np.int64)
    np.cumsum(nchars, out=offsets[1:])
    fill = (nchars * 6 - nbits).astype(np.int8)
    st = _col(columns, "station_time", n, np.iinfo(np.int64).min, np.int64)
    when = st.astype("datetime64[ms]")
    ok = st != np.iinfo(np.int64).min
    year = np.where(ok, when.astype("datetime64[Y]").astype(np.int64) + 1970, 0)
    month = np.where(ok, when.astype("datetime64[M]").astype(np.int64) % 12 + 1, 0)
    day = np.where(
        ok, (when - when.astype("datetime64[M]")).astype("timedelta64[D]").astype(np.int64) + 1, 0
    )
    sod = np.where(
        ok, (when - when.astype("datetime64[D]")).astype("timedelta64[s]").astype(np.int64), 0
    )
    heading = _col(columns, "heading", n, -1, np.int64)
    ints = _rows(
        [
            msg_type,
            _col(columns, "repeat", n, 0, np.int64),
            _col(columns, "mmsi", n, 0, np.int64),
            _col(columns, "nav_status", n, 15, np.int64),
            _col(columns, "turn_raw", n, -128, np.int64),
            np.minimum(_scaled(_col(columns, "sog", n, np.nan, np.float64), 10, 1023), 1022),
            _col(columns, "accuracy", n, 0, np.int64),
            _scaled(_col(columns, "lon", n, np.nan, np.float64), 600_000, 181 * 600_000),
            _scaled(_col(columns, "lat", n, np.nan, np.float64), 600_000, 91 * 600_000),
            _scaled(_col(columns, "cog", n, np.nan, np.float64), 10, 3600) % 3601,
            np.where((heading < 0) | (heading > 359), 511, heading),
            _col(columns, "second", n, 60, np.int64),
            _col(columns, "maneuver", n, 0, np.int64),
            _col(columns, "raim", n, 0, np.int64),
            _col(columns, "epfd", n, 1, np.int64),
            year,
            month,
            day,
            sod // 3600,
            sod % 3600 // 60,
            np.where(ok, sod % 60, 60),
            _col(columns, "ais_version", n, 0, np.int64),
            np.maximum(_col(columns, "imo", n, 0, np.int64), 0),
            _col(columns, "ship_type", n, 0, np.int64),
            np.maximum(_col(columns, "to_bow", n, 0, np.int64), 0),
            np.maximum(_col(columns, "to_stern", n, 0, np.int64), 0),
            np.maximum(_col(columns, "to_port", n, 0, np.int64), 0),
            np.maximum(_col(columns, "to_starboard", n, 0, np.int64), 0),
            _col(columns, "eta_month", n, 0, np.int64),
            _col(columns, "eta_day", n, 0, np.int64),
            _col(columns, "eta_hour", n, 24, np.int64),
            _col(columns, "eta_minute", n, 60, np.int64),
            np.minimum(_scaled(_col(columns, "draught", n, 0.0, np.float64), 10, 0), 255),
            _col(columns, "dte", n, 1, np.int64),
            part,
        ],
        n,
    )
    texts, trow = _texts(columns, n, text)
    chars = np.empty(int(offsets[-1]), np.uint8)
    _encode(ints, texts, trow, nbits, offsets, chars)
    return Payloads(chars, offsets, fill)


@nb.njit(cache=True, inline="always")
def _put(bits: npt.NDArray[np.uint8], start: int, width: int, value: int) -> None:
    """Write `value` (two's complement if negative) as `width` bits at `start`, MSB first."""
    v = value & ((1 << width) - 1)
    for k in range(width):
        bits[start + k] = (v >> (width - 1 - k)) & 1


@nb.njit(cache=True, inline="always")
def _put_text(
    bits: npt.NDArray[np.uint8], start: int, codes: npt.NDArray[np.uint8], at: int, nchars: int
) -> None:
    for c in range(nchars):
        _put(bits, start + 6 * c, 6, codes[at + c])


@nb.njit(cache=True)
def _encode(
    ints: npt.NDArray[np.int32],
    texts: npt.NDArray[np.uint8],
    trow: npt.NDArray[np.int64],
    nbits: npt.NDArray[np.int64],
    offsets: npt.NDArray[np.int64],
    out: npt.NDArray[np.uint8],
) -> None:
    bits = np.zeros(1024, np.uint8)
    for m in range(ints.shape[1]):
        nb_ = nbits[m]
        bits[: nb_ + 6] = 0
        t = ints[0, m]
        _put(bits, 0, 6, t)
        _put(bits, 6, 2, ints[1, m])
        _put(bits, 8, 30, ints[2, m])
        tx = texts[trow[m]]
        if t == 1 or t == 2 or t == 3:
            _put(bits, 38, 4, ints[3, m])
            _put(bits, 42, 8, ints[4, m])
            _put(bits, 50, 10, ints[5, m])
            _put(bits, 60, 1, ints[6, m])
            _put(bits, 61, 28, ints[7, m])
            _put(bits, 89, 27, ints[8, m])
            _put(bits, 116, 12, ints[9, m])
            _put(bits, 128, 9, ints[10, m])
            _put(bits, 137, 6, ints[11, m])
            _put(bits, 143, 2, ints[12, m])
            _put(bits, 148, 1, ints[13, m])
        elif t == 18:
            _put(bits, 46, 10, ints[5, m])
            _put(bits, 56, 1, ints[6, m])
            _put(bits, 57, 28, ints[7, m])
            _put(bits, 85, 27, ints[8, m])
            _put(bits, 112, 12, ints[9, m])
            _put(bits, 124, 9, ints[10, m])
            _put(bits, 133, 6, ints[11, m])
            _put(bits, 141, 1, 1)  # carrier-sense ("CS") unit
            _put(bits, 147, 1, ints[13, m])
            _put(bits, 148, 20, 0b11100000000000000110)  # ITDMA-less CS default
        elif t == 4:
            _put(bits, 38, 14, ints[15, m])
            _put(bits, 52, 4, ints[16, m])
            _put(bits, 56, 5, ints[17, m])
            _put(bits, 61, 5, ints[18, m])
            _put(bits, 66, 6, ints[19, m])
            _put(bits, 72, 6, ints[20, m])
            _put(bits, 78, 1, ints[6, m])
            _put(bits, 79, 28, ints[7, m])
            _put(bits, 107, 27, ints[8, m])
            _put(bits, 134, 4, ints[14, m])
            _put(bits, 148, 1, ints[13, m])
        elif t == 5:
            _put(bits, 38, 2, ints[21, m])
            _put(bits, 40, 30, ints[22, m])
            _put_text(bits, 70, tx, 20, 7)
            _put_text(bits, 112, tx, 0, 20)
            _put(bits, 232, 8, ints[23, m])
            _put(bits, 240, 9, ints[24, m])
            _put(bits, 249, 9, ints[25, m])
            _put(bits, 258, 6, ints[26, m])
            _put(bits, 264, 6, ints[27, m])
            _put(bits, 270, 4, ints[14, m])
            _put(bits, 274, 4, ints[28, m])
            _put(bits, 278, 5, ints[29, m])
            _put(bits, 283, 5, ints[30, m])
            _put(bits, 288, 6, ints[31, m])
            _put(bits, 294, 8, ints[32, m])
            _put_text(bits, 302, tx, 27, 20)
            _put(bits, 422, 1, ints[33, m])
        elif t == 24:
            _put(bits, 38, 2, ints[34, m])
            if ints[34, m] == 0:
                _put_text(bits, 40, tx, 0, 20)
            else:
                _put(bits, 40, 8, ints[23, m])
                _put_text(bits, 48, tx, 47, 3)
                _put_text(bits, 90, tx, 20, 7)
                _put(bits, 132, 9, ints[24, m])
                _put(bits, 141, 9, ints[25, m])
                _put(bits, 150, 6, ints[26, m])
                _put(bits, 156, 6, ints[27, m])
        elif t == 14:
            k = 0
            while k < 96 and tx[50 + k] != 0 and 40 + 6 * (k + 1) <= nb_:
                _put(bits, 40 + 6 * k, 6, tx[50 + k])
                k += 1
        # Armour: 6 bits to a character, '0'..'W' then '`'..'w'.
        o = offsets[m]
        for c in range(offsets[m + 1] - o):
            v = 0
            for k in range(6):
                v = (v << 1) | bits[6 * c + k]
            out[o + c] = v + 48 if v < 40 else v + 56


@dataclass
class Sentences:
    """Framed lines: the bytes, where each line starts, and each reception's first line."""

    data: bytes
    line_starts: npt.NDArray[np.int64]
    first_line: npt.NDArray[np.int64]


def frame_sentences(
    payloads: Payloads,
    which: npt.NDArray[np.int64],
    ts_ms: npt.NDArray[np.int64],
    source: npt.NDArray[np.int32],
    source_ids: Sequence[str],
    channel: npt.NDArray[np.uint8],
    *,
    talker: bytes = b"AI",
    max_chars: int = 60,
    newline: bytes = b"\r\n",
    first_group: int = 1,
) -> Sentences:
    """Frame payload `which[i]` as heard by `source[i]` at `ts_ms[i]`, for every reception i.

    Each line carries a tag block `\\s:<source>,c:<unix seconds>*hh\\`; messages
    longer than `max_chars` are split into fragments with a sequential id (0–9,
    cycling per source) and an NMEA 4.0 group `g:<k>-<n>-<id>` on each fragment.
    """
    ids = [s.encode("ascii") for s in source_ids]
    id_bytes = np.frombuffer(b"".join(ids) or b"\0", np.uint8)
    id_off = np.zeros(len(ids) + 1, np.int64)
    np.cumsum([len(s) for s in ids], out=id_off[1:])
    lens = payloads.offsets[1:] - payloads.offsets[:-1]
    frags = np.maximum((lens[which] + max_chars - 1) // max_chars, 1)
    n_lines = int(frags.sum())
    cap = int(lens[which].sum()) + n_lines * (80 + int(id_off[-1] and max(len(s) for s in ids)))
    out = np.empty(cap, np.uint8)
    starts = np.empty(n_lines, np.int64)
    first = np.empty(which.shape[0], np.int64)
    used = _frame(
        payloads.chars,
        payloads.offsets,
        payloads.fill,
        which,
        ts_ms,
        source,
        channel,
        id_bytes,
        id_off,
        np.frombuffer(talker, np.uint8),
        max_chars,
        np.frombuffer(newline, np.uint8),
        first_group,
        out,
        starts,
        first,
    )
    return Sentences(out[:used].tobytes(), starts, first)


@nb.njit(cache=True, inline="always")
def _hex(v: int) -> int:
    return v + 48 if v < 10 else v + 55


@nb.njit(cache=True)
def _int(out: npt.NDArray[np.uint8], at: int, v: int) -> int:
    """Write a non-negative integer in decimal; returns the new position."""
    if v == 0:
        out[at] = 48
        return at + 1
    digits = np.empty(20, np.uint8)
    k = 0
    while v > 0:
        digits[k] = 48 + v % 10
        v //= 10
        k += 1
    for j in range(k):
        out[at + j] = digits[k - 1 - j]
    return at + k


@nb.njit(cache=True)
def _checksum(out: npt.NDArray[np.uint8], s: int, e: int, at: int) -> int:
    x = 0
    for k in range(s, e):
        x ^= out[k]
    out[at] = 42  # '*'
    out[at + 1] = _hex(x >> 4)
    out[at + 2] = _hex(x & 15)
    return at + 3


@nb.njit(cache=True)
def _frame(
    chars: npt.NDArray[np.uint8],
    offsets: npt.NDArray[np.int64],
    fill: npt.NDArray[np.int8],
    which: npt.NDArray[np.int64],
    ts_ms: npt.NDArray[np.int64],
    source: npt.NDArray[np.int32],
    channel: npt.NDArray[np.uint8],
    id_bytes: npt.NDArray[np.uint8],
    id_off: npt.NDArray[np.int64],
    talker: npt.NDArray[np.uint8],
    max_chars: int,
    newline: npt.NDArray[np.uint8],
    first_group: int,
    out: npt.NDArray[np.uint8],
    starts: npt.NDArray[np.int64],
    first: npt.NDArray[np.int64],
) -> int:
    seq = np.zeros(id_off.shape[0], np.int64)
    at = 0
    line = 0
    group = first_group
    for r in range(which.shape[0]):
        p = which[r]
        s0 = offsets[p]
        plen = offsets[p + 1] - s0
        nfrag = max((plen + max_chars - 1) // max_chars, 1)
        src = source[r]
        sid = -1
        if nfrag > 1:
            sid = seq[src]
            seq[src] = (seq[src] + 1) % 10
        first[r] = line
        for f in range(nfrag):
            starts[line] = at
            line += 1
            # Tag block: \g:k-n-id,s:src,c:secs*hh\
            out[at] = 92
            at += 1
            tb = at
            if nfrag > 1:
                out[at] = 103
                out[at + 1] = 58
                at = _int(out, at + 2, f + 1)
                out[at] = 45
                at = _int(out, at + 1, nfrag)
                out[at] = 45
                at = _int(out, at + 1, group)
                out[at] = 44
                at += 1
            out[at] = 115
            out[at + 1] = 58
            at += 2
            for k in range(id_off[src], id_off[src + 1]):
                out[at] = id_bytes[k]
                at += 1
            out[at] = 44
            out[at + 1] = 99
            out[at + 2] = 58
            at = _int(out, at + 3, max(ts_ms[r], 0) // 1000)
            at = _checksum(out, tb, at, at)
            out[at] = 92
            at += 1
            # Sentence: !AIVDM,n,k,seq,ch,payload,fill*hh
            out[at] = 33
            at += 1
            sb = at
            out[at] = talker[0]
            out[at + 1] = talker[1]
            out[at + 2] = 86  # VDM,
            out[at + 3] = 68
            out[at + 4] = 77
            out[at + 5] = 44
            at = _int(out, at + 6, nfrag)
            out[at] = 44
            at = _int(out, at + 1, f + 1)
            out[at] = 44
            at += 1
            if sid >= 0:
                at = _int(out, at, sid)
            out[at] = 44
            out[at + 1] = channel[r]
            out[at + 2] = 44
            at += 3
            a = s0 + f * max_chars
            b = min(a + max_chars, s0 + plen)
            for k in range(a, b):
                out[at] = chars[k]
                at += 1
            out[at] = 44
            at = _int(out, at + 1, fill[p] if f == nfrag - 1 else 0)
            at = _checksum(out, sb, at, at)
            for k in range(newline.shape[0]):
                out[at] = newline[k]
                at += 1
        if nfrag > 1:
            group += 1
    return at
