"""ITU-R M.1371-5 payload decoding: 6-bit armoured text to typed columns.

One numba kernel decodes every message of a chunk into a union of columns
(`Fields`); `decode.py` then splits them into the positions, vessels, stations and
other-messages tables. Field offsets follow ITU-R M.1371-5 annex 8 (the same as
gpsd's AIVDM document). "Not available" values stay as the raw sentinels here and
become nulls when the Arrow tables are built.
"""

from __future__ import annotations

from typing import Final

import numba as nb
import numpy as np
import numpy.typing as npt

from watchkeeper.ais import reasons as R
from watchkeeper.ais.framing import NO_TIME, civil_to_ms

__all__ = ["MIN_BITS", "Fields", "decode_payloads", "distinct_codes", "gather_spans"]

# The payload is packed 10 symbols (60 bits) to an int64 word: packing needs no
# carries between words and no unsigned arithmetic, the two slow parts otherwise.
_MAX_SYMBOLS: Final = 1020  # 6120 bits: more than 9 fragments of the longest sentences
_MAX_WORDS: Final = _MAX_SYMBOLS // 10

#: Fewest bits a message of each type must have to be decoded to columns. Below
#: this the message is rejected as ``payload_too_short`` (gpsd applies the same idea).
MIN_BITS: Final = {
    1: 149,
    2: 149,
    3: 149,
    4: 149,
    5: 420,
    18: 148,
    19: 307,
    21: 271,
    24: 160,
    27: 95,
}
_MIN_BITS_ARR = np.zeros(64, np.int64)
for _t, _b in MIN_BITS.items():
    _MIN_BITS_ARR[_t] = _b

#: Message types with text fields (names, call signs, destinations).
TEXT_TYPES: Final = (5, 19, 21, 24)
_HAS_TEXT = np.zeros(64, np.bool_)
_HAS_TEXT[list(TEXT_TYPES)] = True
NAME_LEN: Final = 34  # 20 characters, plus 14 of a type 21 name extension
CALLSIGN_LEN: Final = 7
DEST_LEN: Final = 20
VENDOR_LEN: Final = 3


class Fields:
    """Union of the decoded columns of every message type (one row per message)."""

    def __init__(self, n: int, text_row: npt.NDArray[np.int64]) -> None:
        i8 = np.int8
        # Texts are wide and only static messages have them: rows only for those.
        self.text_row = text_row  # row of each message in the text arrays, -1 if none
        nt = int(text_row.max()) + 1 if n else 0
        self.status = np.zeros(n, i8)  # 0 decoded, else a rejection reason
        self.msg_type = np.zeros(n, i8)
        self.repeat = np.zeros(n, i8)
        self.mmsi = np.zeros(n, np.int32)
        self.nbits = np.zeros(n, np.int32)
        self.lat = np.full(n, np.nan)
        self.lon = np.full(n, np.nan)
        self.sog = np.full(n, np.nan, np.float32)
        self.cog = np.full(n, np.nan, np.float32)
        self.heading = np.full(n, -1, np.int16)
        self.nav_status = np.full(n, -1, i8)
        self.turn_raw = np.full(n, -128, i8)
        self.second = np.full(n, -1, i8)
        self.maneuver = np.full(n, -1, i8)
        self.raim = np.zeros(n, np.bool_)
        self.accuracy = np.zeros(n, np.bool_)
        self.imo = np.full(n, -1, np.int32)
        self.ship_type = np.full(n, -1, np.int16)
        self.dims = np.full((n, 4), -1, np.int16)  # to_bow, to_stern, to_port, to_starboard
        self.draught = np.full(n, np.nan, np.float32)
        self.eta = np.full((n, 4), -1, i8)  # month, day, hour, minute
        self.epfd = np.full(n, -1, i8)
        self.ais_version = np.full(n, -1, i8)
        self.dte = np.zeros(n, np.bool_)
        self.part = np.full(n, -1, i8)
        self.mothership = np.full(n, -1, np.int32)
        self.aid_type = np.full(n, -1, i8)
        self.off_position = np.zeros(n, np.bool_)
        self.virtual_aid = np.zeros(n, np.bool_)
        self.station_time = np.full(n, NO_TIME, np.int64)
        self.name = np.zeros((nt, NAME_LEN), np.uint8)
        self.name_len = np.zeros(nt, i8)
        self.callsign = np.zeros((nt, CALLSIGN_LEN), np.uint8)
        self.callsign_len = np.zeros(nt, i8)
        self.dest = np.zeros((nt, DEST_LEN), np.uint8)
        self.dest_len = np.zeros(nt, i8)
        self.vendor = np.zeros((nt, VENDOR_LEN), np.uint8)
        self.vendor_len = np.zeros(nt, i8)


@nb.njit(cache=True, inline="always")
def _u(w: npt.NDArray[np.int64], start: int, n: int) -> int:
    """Unsigned field of ``n`` bits (n <= 32) at bit ``start`` of 60-bit words."""
    wi = start // 60
    off = start - wi * 60
    if off + n <= 60:
        return (w[wi] >> (60 - off - n)) & ((1 << n) - 1)  # type: ignore[no-any-return]
    lo = off + n - 60
    return ((w[wi] & ((1 << (60 - off)) - 1)) << lo) | (w[wi + 1] >> (60 - lo))  # type: ignore[no-any-return]


@nb.njit(cache=True, inline="always")
def _s(w: npt.NDArray[np.int64], start: int, n: int) -> int:
    v = _u(w, start, n)
    if v >= (1 << (n - 1)):
        v -= 1 << n
    return v


@nb.njit(cache=True)
def _chars(
    w: npt.NDArray[np.int64],
    start: int,
    nchars: int,
    nbits: int,
    out: npt.NDArray[np.uint8],
    row: int,
    at: int,
) -> int:
    """6-bit characters up to the first '@' (padding), untrimmed; returns how many."""
    m = 0
    for c in range(nchars):
        b = start + 6 * c
        if b + 6 > nbits:
            break
        v = _u(w, b, 6)
        ch = v + 64 if v < 32 else v
        if ch == 64:
            break
        out[row, at + m] = ch
        m += 1
    return m


@nb.njit(cache=True)
def _trim(out: npt.NDArray[np.uint8], row: int, m: int) -> int:
    """Strip the spaces around the first ``m`` characters of ``out[row]``; the new length."""
    while m > 0 and out[row, m - 1] == 32:
        m -= 1
    lead = 0
    while lead < m and out[row, lead] == 32:
        lead += 1
    if lead > 0:
        for c in range(m - lead):
            out[row, c] = out[row, c + lead]
        m -= lead
    return m


@nb.njit(cache=True)
def _text(
    w: npt.NDArray[np.int64],
    start: int,
    nchars: int,
    nbits: int,
    out: npt.NDArray[np.uint8],
    row: int,
) -> int:
    """A text field: up to the first '@', spaces stripped (as pyais); returns its length."""
    return _trim(out, row, _chars(w, start, nchars, nbits, out, row, 0))  # type: ignore[no-any-return]


@nb.njit(cache=True)
def _latlon(
    lat_raw: int,
    lon_raw: int,
    div: float,
    na_lat: int,
    na_lon: int,
    row: int,
    lat: npt.NDArray[np.float64],
    lon: npt.NDArray[np.float64],
) -> bool:
    """Store a position; False when a coordinate is off the Earth and not 'not available'."""
    if lat_raw != na_lat:
        if abs(lat_raw) > 90 * div:
            return False
        lat[row] = lat_raw / div
    if lon_raw != na_lon:
        if abs(lon_raw) > 180 * div:
            return False
        lon[row] = lon_raw / div
    return True


@nb.njit(cache=True)
def _dims(w: npt.NDArray[np.int64], at: int, dims: npt.NDArray[np.int16], row: int) -> None:
    dims[row, 0] = _u(w, at, 9)
    dims[row, 1] = _u(w, at + 9, 9)
    dims[row, 2] = _u(w, at + 18, 6)
    dims[row, 3] = _u(w, at + 24, 6)


@nb.njit(cache=True)
def _decode(
    buf: npt.NDArray[np.uint8],
    payload: npt.NDArray[np.int64],
    fill: npt.NDArray[np.int8],
    line_off: npt.NDArray[np.int64],
    lines: npt.NDArray[np.int64],
    status: npt.NDArray[np.int8],
    msg_type: npt.NDArray[np.int8],
    repeat: npt.NDArray[np.int8],
    mmsi: npt.NDArray[np.int32],
    nbits_out: npt.NDArray[np.int32],
    lat: npt.NDArray[np.float64],
    lon: npt.NDArray[np.float64],
    sog: npt.NDArray[np.float32],
    cog: npt.NDArray[np.float32],
    heading: npt.NDArray[np.int16],
    nav_status: npt.NDArray[np.int8],
    turn_raw: npt.NDArray[np.int8],
    second: npt.NDArray[np.int8],
    maneuver: npt.NDArray[np.int8],
    raim: npt.NDArray[np.bool_],
    accuracy: npt.NDArray[np.bool_],
    imo: npt.NDArray[np.int32],
    ship_type: npt.NDArray[np.int16],
    dims: npt.NDArray[np.int16],
    draught: npt.NDArray[np.float32],
    eta: npt.NDArray[np.int8],
    epfd: npt.NDArray[np.int8],
    ais_version: npt.NDArray[np.int8],
    dte: npt.NDArray[np.bool_],
    part: npt.NDArray[np.int8],
    mothership: npt.NDArray[np.int32],
    aid_type: npt.NDArray[np.int8],
    off_position: npt.NDArray[np.bool_],
    virtual_aid: npt.NDArray[np.bool_],
    station_time: npt.NDArray[np.int64],
    name: npt.NDArray[np.uint8],
    name_len: npt.NDArray[np.int8],
    callsign: npt.NDArray[np.uint8],
    callsign_len: npt.NDArray[np.int8],
    dest: npt.NDArray[np.uint8],
    dest_len: npt.NDArray[np.int8],
    vendor: npt.NDArray[np.uint8],
    vendor_len: npt.NDArray[np.int8],
    text_row: npt.NDArray[np.int64],
) -> None:
    w = np.zeros(_MAX_WORDS + 2, np.int64)
    n = line_off.shape[0] - 1
    for m in range(n):
        # Pack the 6-bit symbols of every fragment, 10 to a word, left-aligned.
        acc = 0
        k = 0
        wi = 0
        nsym = 0
        last = lines[line_off[m + 1] - 1]
        for j in range(line_off[m], line_off[m + 1]):
            li = lines[j]
            for p in range(payload[li, 0], payload[li, 1]):
                if nsym == _MAX_SYMBOLS:
                    break
                c = int(buf[p]) - 48
                if c > 40:
                    c -= 8
                acc = (acc << 6) | c
                k += 1
                nsym += 1
                if k == 10:
                    w[wi] = acc
                    wi += 1
                    acc = 0
                    k = 0
        # Fill bits (the low bits of the last symbol) read as zero.
        if k:
            w[wi] = (acc & ~((1 << fill[last]) - 1)) << (6 * (10 - k))
        else:
            w[wi - 1] &= ~((1 << fill[last]) - 1)
            w[wi] = 0
        w[wi + 1] = 0
        nbits = 6 * nsym - fill[last]
        nbits_out[m] = nbits
        if nbits < 38:
            status[m] = R.TOO_SHORT
            msg_type[m] = _u(w, 0, 6) if nbits >= 6 else 0
            continue
        t = _u(w, 0, 6)
        msg_type[m] = t
        tr = text_row[m]
        repeat[m] = _u(w, 6, 2)
        mmsi[m] = _u(w, 8, 30)
        if nbits < _MIN_BITS_ARR[t]:
            status[m] = R.TOO_SHORT
            continue
        if t == 1 or t == 2 or t == 3:
            nav_status[m] = _u(w, 38, 4)
            turn_raw[m] = _s(w, 42, 8)
            sog[m] = _u(w, 50, 10) / 10.0
            accuracy[m] = _u(w, 60, 1) == 1
            if not _latlon(
                _s(w, 89, 27), _s(w, 61, 28), 600000.0, 54600000, 108600000, m, lat, lon
            ):
                status[m] = R.OUT_OF_RANGE
            cog[m] = _u(w, 116, 12) / 10.0
            heading[m] = _u(w, 128, 9)
            second[m] = _u(w, 137, 6)
            maneuver[m] = _u(w, 143, 2)
            raim[m] = _u(w, 148, 1) == 1
        elif t == 18 or t == 19:
            sog[m] = _u(w, 46, 10) / 10.0
            accuracy[m] = _u(w, 56, 1) == 1
            if not _latlon(
                _s(w, 85, 27), _s(w, 57, 28), 600000.0, 54600000, 108600000, m, lat, lon
            ):
                status[m] = R.OUT_OF_RANGE
            cog[m] = _u(w, 112, 12) / 10.0
            heading[m] = _u(w, 124, 9)
            second[m] = _u(w, 133, 6)
            if t == 18:
                raim[m] = _u(w, 147, 1) == 1
            else:
                name_len[tr] = _text(w, 143, 20, nbits, name, tr)
                ship_type[m] = _u(w, 263, 8)
                _dims(w, 271, dims, m)
                epfd[m] = _u(w, 301, 4)
                raim[m] = _u(w, 305, 1) == 1
                dte[m] = _u(w, 306, 1) == 1
        elif t == 27:
            accuracy[m] = _u(w, 38, 1) == 1
            raim[m] = _u(w, 39, 1) == 1
            nav_status[m] = _u(w, 40, 4)
            if not _latlon(_s(w, 62, 17), _s(w, 44, 18), 600.0, 54600, 108600, m, lat, lon):
                status[m] = R.OUT_OF_RANGE
            sog[m] = _u(w, 79, 6)
            cog[m] = _u(w, 85, 9)
        elif t == 5:
            ais_version[m] = _u(w, 38, 2)
            imo[m] = _u(w, 40, 30)
            callsign_len[tr] = _text(w, 70, 7, nbits, callsign, tr)
            name_len[tr] = _text(w, 112, 20, nbits, name, tr)
            ship_type[m] = _u(w, 232, 8)
            _dims(w, 240, dims, m)
            epfd[m] = _u(w, 270, 4)
            eta[m, 0] = _u(w, 274, 4)
            eta[m, 1] = _u(w, 278, 5)
            eta[m, 2] = _u(w, 283, 5)
            eta[m, 3] = _u(w, 288, 6)
            draught[m] = _u(w, 294, 8) / 10.0
            dest_len[tr] = _text(w, 302, 20, nbits, dest, tr)
            dte[m] = _u(w, 422, 1) == 1 if nbits > 422 else False
        elif t == 24:
            pn = _u(w, 38, 2)
            part[m] = pn
            if pn == 0:
                name_len[tr] = _text(w, 40, 20, nbits, name, tr)
            elif pn == 1 and nbits >= 162:
                ship_type[m] = _u(w, 40, 8)
                vendor_len[tr] = _text(w, 48, 3, nbits, vendor, tr)
                callsign_len[tr] = _text(w, 90, 7, nbits, callsign, tr)
                if mmsi[m] // 10000000 == 98:
                    mothership[m] = _u(w, 132, 30)
                else:
                    _dims(w, 132, dims, m)
            elif pn > 1:
                status[m] = R.OUT_OF_RANGE  # part numbers 2 and 3 are not defined
            else:
                status[m] = R.TOO_SHORT
        elif t == 4:
            sec = _u(w, 72, 6)
            if sec < 60:  # 60 is "not available" here, not a leap second
                station_time[m] = civil_to_ms(
                    _u(w, 38, 14), _u(w, 52, 4), _u(w, 56, 5), _u(w, 61, 5), _u(w, 66, 6), sec, 0
                )
            accuracy[m] = _u(w, 78, 1) == 1
            if not _latlon(
                _s(w, 107, 27), _s(w, 79, 28), 600000.0, 54600000, 108600000, m, lat, lon
            ):
                status[m] = R.OUT_OF_RANGE
            epfd[m] = _u(w, 134, 4)
            raim[m] = _u(w, 148, 1) == 1
        elif t == 21:
            aid_type[m] = _u(w, 38, 5)
            # ITU-R M.1371: a full 20-character name (no '@') continues in the extension.
            nl_ = _chars(w, 43, 20, nbits, name, tr, 0)
            accuracy[m] = _u(w, 163, 1) == 1
            if not _latlon(
                _s(w, 192, 27), _s(w, 164, 28), 600000.0, 54600000, 108600000, m, lat, lon
            ):
                status[m] = R.OUT_OF_RANGE
            _dims(w, 219, dims, m)
            epfd[m] = _u(w, 249, 4)
            second[m] = _u(w, 253, 6)
            off_position[m] = _u(w, 259, 1) == 1
            raim[m] = _u(w, 268, 1) == 1
            virtual_aid[m] = _u(w, 269, 1) == 1
            if nbits > 272 and nl_ == 20:
                nl_ += _chars(w, 272, min((nbits - 272) // 6, 14), nbits, name, tr, 20)
            name_len[tr] = _trim(name, tr, nl_)


def decode_payloads(
    buf: npt.NDArray[np.uint8],
    payload: npt.NDArray[np.int64],
    fill: npt.NDArray[np.int8],
    line_off: npt.NDArray[np.int64],
    lines: npt.NDArray[np.int64],
) -> Fields:
    """Decode every message (its fragment lines given by ``line_off``/``lines``)."""
    n = line_off.shape[0] - 1
    # The type is the first payload character: enough to know which messages carry text.
    first = buf[payload[lines[line_off[:-1]], 0]].astype(np.int64) - 48
    first -= np.where(first > 40, 8, 0)
    has_text = _HAS_TEXT[first]  # payload characters were checked: 0 <= first < 64
    text_row = np.where(has_text, np.cumsum(has_text) - 1, -1)
    f = Fields(n, text_row)
    _decode(
        buf,
        payload,
        fill,
        line_off,
        lines,
        f.status,
        f.msg_type,
        f.repeat,
        f.mmsi,
        f.nbits,
        f.lat,
        f.lon,
        f.sog,
        f.cog,
        f.heading,
        f.nav_status,
        f.turn_raw,
        f.second,
        f.maneuver,
        f.raim,
        f.accuracy,
        f.imo,
        f.ship_type,
        f.dims,
        f.draught,
        f.eta,
        f.epfd,
        f.ais_version,
        f.dte,
        f.part,
        f.mothership,
        f.aid_type,
        f.off_position,
        f.virtual_aid,
        f.station_time,
        f.name,
        f.name_len,
        f.callsign,
        f.callsign_len,
        f.dest,
        f.dest_len,
        f.vendor,
        f.vendor_len,
        f.text_row,
    )
    return f


@nb.njit(cache=True)
def _gather(
    buf: npt.NDArray[np.uint8],
    starts: npt.NDArray[np.int64],
    ends: npt.NDArray[np.int64],
    row_off: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int32]]:
    n = row_off.shape[0] - 1
    offsets = np.zeros(n + 1, np.int32)
    total = 0
    for r in range(n):
        for j in range(row_off[r], row_off[r + 1]):
            total += ends[j] - starts[j]
        offsets[r + 1] = total
    out = np.empty(total, np.uint8)
    at = 0
    for j in range(starts.shape[0]):
        for p in range(starts[j], ends[j]):
            out[at] = buf[p]
            at += 1
    return out, offsets


def gather_spans(
    buf: npt.NDArray[np.uint8],
    starts: npt.NDArray[np.int64],
    ends: npt.NDArray[np.int64],
    row_off: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int32]]:
    """Join byte spans into rows (row r = spans ``row_off[r]:row_off[r+1]``): (bytes, offsets).

    Used to build Arrow string and binary columns without a Python loop per row.
    """
    return _gather(buf, starts, ends, row_off)  # type: ignore[no-any-return]


@nb.njit(cache=True)
def _distinct(keys: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int64]]:
    seen = nb.typed.Dict.empty(key_type=nb.types.int64, value_type=nb.types.int64)
    codes = np.empty(keys.shape[0], np.int32)
    first = np.empty(keys.shape[0], np.int64)
    nd = 0
    for i in range(keys.shape[0]):
        k = keys[i]
        c = seen.get(k, np.int64(-1))
        if c < 0:
            c = nd
            seen[k] = c
            first[nd] = i
            nd += 1
        codes[i] = c
    return codes, first[:nd]


def distinct_codes(
    keys: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int64]]:
    """Dictionary-encode ``keys`` in order of appearance: (codes, index of each first)."""
    return _distinct(keys)  # type: ignore[no-any-return]
