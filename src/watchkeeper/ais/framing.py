"""NMEA 0183 framing: one pass over the bytes of a chunk, one row per line.

Each line is classified (blank, comment, other NMEA, wrapper, AIS sentence or
rejected with a reason) and the fields later stages need are written to arrays:
fragment count/number, sequential id, channel, payload span, fill bits, the times
and source found in a tag block or an archive wrapper. Wrappers recognised:

* NMEA 4.0 tag blocks ``\\c:<unix>,s:<src>,g:<n>-<m>-<id>*hh\\`` before the sentence
  or alone on the line before it (``si:`` is taken as a source too, as DMA writes it);
* Gatehouse ``$PGHP,1,YYYY,M,D,h,m,s,ms,...`` lines before the sentence;
* a leading ISO 8601 time or Unix time (seconds or milliseconds) before the sentence;
* trailing fields after the checksum: a receiver id and/or a Unix time.

This is a numba kernel because it is the hot path: a Python loop per line would be
two orders of magnitude slower (see benchmarks/).
"""

from __future__ import annotations

from typing import Final

import numba as nb
import numpy as np
import numpy.typing as npt

from watchkeeper.ais import reasons as R

__all__ = ["NO_TIME", "LineFields", "scan_lines"]

#: Sentinel for "no time" in int64 millisecond arrays.
NO_TIME: Final = np.iinfo(np.int64).min
#: Longest line accepted: a tag block plus a sentence plus wrappers stays far below this.
MAX_LINE: Final = 2048

_MIN_EPOCH_S: Final = 631152000  # 1990-01-01
_MAX_EPOCH_S: Final = 4102444800  # 2100-01-01


@nb.njit(cache=True, inline="always")
def _days_from_civil(y: int, m: int, d: int) -> int:
    # Howard Hinnant's algorithm: days since 1970-01-01 of a proleptic Gregorian date.
    if m <= 2:
        y -= 1
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    mp = (m + 9) % 12
    doy = (153 * mp + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


@nb.njit(cache=True, inline="always")
def _days_in_month(y: int, m: int) -> int:
    if m == 2:
        return 29 if (y % 4 == 0 and y % 100 != 0) or y % 400 == 0 else 28
    return 30 if m in (4, 6, 9, 11) else 31


@nb.njit(cache=True)
def civil_to_ms(y: int, mo: int, d: int, h: int, mi: int, s: int, ms: int) -> int:
    """Milliseconds since the epoch of a UTC date and time, or NO_TIME if invalid."""
    if y < 1970 or y > 2200 or mo < 1 or mo > 12 or d < 1 or d > _days_in_month(y, mo):
        return NO_TIME
    if h < 0 or h > 23 or mi < 0 or mi > 59 or s < 0 or s > 60 or ms < 0 or ms > 999:
        return NO_TIME
    days = _days_from_civil(y, mo, d)
    return ((days * 24 + h) * 60 + mi) * 60000 + s * 1000 + ms


@nb.njit(cache=True, inline="always")
def _is_digit(c: int) -> bool:
    return 48 <= c <= 57


@nb.njit(cache=True)
def _parse_uint(buf: npt.NDArray[np.uint8], s: int, e: int) -> int:
    """Unsigned decimal in buf[s:e]; -1 if empty or not all digits."""
    if s >= e or e - s > 18:
        return -1
    v = 0
    for k in range(s, e):
        c = buf[k]
        if not _is_digit(c):
            return -1
        v = v * 10 + (c - 48)
    return v


@nb.njit(cache=True)
def _fraction_ms(buf: npt.NDArray[np.uint8], k: int, e: int) -> tuple[int, int]:
    """Milliseconds of an optional ``.fff...`` at ``k``, and where it ends; -1 if malformed."""
    if k >= e or buf[k] != 46:  # no '.'
        return 0, k
    k += 1
    ms = 0
    scale = 100
    nf = 0
    while k < e and _is_digit(buf[k]):
        ms += (buf[k] - 48) * scale
        scale //= 10
        nf += 1
        k += 1
    return (ms if nf else -1), k


@nb.njit(cache=True)
def _parse_epoch_ms(buf: npt.NDArray[np.uint8], s: int, e: int) -> int:
    """A Unix time in seconds or milliseconds, with an optional fraction; NO_TIME if not one."""
    k = s
    ip = 0
    nd = 0
    while k < e and _is_digit(buf[k]):
        ip = ip * 10 + (buf[k] - 48)
        nd += 1
        k += 1
        if nd > 16:
            return NO_TIME
    if nd == 0:
        return NO_TIME
    frac_ms, k = _fraction_ms(buf, k, e)
    if frac_ms < 0 or k != e:
        return NO_TIME
    if _MIN_EPOCH_S <= ip <= _MAX_EPOCH_S:
        return ip * 1000 + frac_ms
    if _MIN_EPOCH_S * 1000 <= ip <= _MAX_EPOCH_S * 1000:
        return ip
    return NO_TIME


@nb.njit(cache=True)
def _parse_iso_ms(buf: npt.NDArray[np.uint8], s: int, e: int) -> int:
    """``YYYY-MM-DD[T ]HH:MM:SS[.fff][Z|+00:00]`` in buf[s:e]; NO_TIME if not that."""
    n = e - s
    if n < 19:
        return NO_TIME
    if buf[s + 4] != 45 or buf[s + 7] != 45 or buf[s + 13] != 58 or buf[s + 16] != 58:
        return NO_TIME
    if buf[s + 10] != 84 and buf[s + 10] != 32:  # 'T' or ' '
        return NO_TIME
    y = _parse_uint(buf, s, s + 4)
    mo = _parse_uint(buf, s + 5, s + 7)
    d = _parse_uint(buf, s + 8, s + 10)
    h = _parse_uint(buf, s + 11, s + 13)
    mi = _parse_uint(buf, s + 14, s + 16)
    sec = _parse_uint(buf, s + 17, s + 19)
    if y < 0 or mo < 0 or d < 0 or h < 0 or mi < 0 or sec < 0:
        return NO_TIME
    ms, k = _fraction_ms(buf, s + 19, e)
    if ms < 0:
        return NO_TIME
    offset_min = 0
    if k < e and buf[k] == 90:  # 'Z'
        k += 1
    elif k < e and (buf[k] == 43 or buf[k] == 45) and e - k >= 3:
        sign = 1 if buf[k] == 43 else -1
        oh = _parse_uint(buf, k + 1, k + 3)
        k += 3
        om = 0
        if k < e and buf[k] == 58:
            k += 1
        if e - k >= 2 and _is_digit(buf[k]):
            om = _parse_uint(buf, k, k + 2)
            k += 2
        if oh < 0 or om < 0:
            return NO_TIME
        offset_min = sign * (oh * 60 + om)
    if k != e:
        return NO_TIME
    t = civil_to_ms(y, mo, d, h, mi, sec, 0)
    if t == NO_TIME:
        return NO_TIME
    return t + ms - offset_min * 60000


@nb.njit(cache=True, inline="always")
def _is_time_char(c: int) -> bool:
    # digits and - : T space . Z +
    return _is_digit(c) or c == 45 or c == 58 or c == 84 or c == 32 or c == 46 or c == 90 or c == 43


@nb.njit(cache=True)
def _find_time(buf: npt.NDArray[np.uint8], s: int, e: int) -> int:
    """The first ISO 8601 or Unix time found in the prefix buf[s:e]; NO_TIME if none."""
    k = s
    while k < e:
        if _is_digit(buf[k]) and (k == s or not _is_digit(buf[k - 1])):
            j = k
            while j < e and _is_time_char(buf[j]):
                j += 1
            for end in range(j, k + 18, -1):
                t = _parse_iso_ms(buf, k, end)
                if t != NO_TIME:
                    return t
            j = k
            while j < e and (_is_digit(buf[j]) or buf[j] == 46):
                j += 1
            t = _parse_epoch_ms(buf, k, j)
            if t != NO_TIME:
                return t
            k = j
        else:
            k += 1
    return NO_TIME


@nb.njit(cache=True)
def _is_text(buf: npt.NDArray[np.uint8], s: int, e: int) -> bool:
    """True if buf[s:e] is printable ASCII (tabs allowed)."""
    for k in range(s, e):
        c = buf[k]
        if c > 126 or (c < 32 and c != 9):
            return False
    return True


@nb.njit(cache=True, inline="always")
def _hexval(c: int) -> int:
    if 48 <= c <= 57:
        return c - 48
    if 65 <= c <= 70:
        return c - 55
    if 97 <= c <= 102:
        return c - 87
    return -1


@nb.njit(cache=True)
def _fnv(buf: npt.NDArray[np.uint8], s: int, e: int) -> int:
    h = np.uint64(1469598103934665603)
    for k in range(s, e):
        h = (h ^ np.uint64(buf[k])) * np.uint64(1099511628211)
    return np.int64(h & np.uint64(0x7FFFFFFFFFFFFFFF))  # type: ignore[return-value]


@nb.njit(cache=True)
def _parse_tag_block(
    buf: npt.NDArray[np.uint8],
    s: int,
    e: int,
    i: int,
    out_tag_time: npt.NDArray[np.int64],
    out_src: npt.NDArray[np.int64],
    out_g: npt.NDArray[np.int32],
) -> None:
    """Fields of a tag block body buf[s:e] (without the backslashes and ``*hh``)."""
    k = s
    have_s = False
    while k < e:
        f_end = k
        while f_end < e and buf[f_end] != 44:  # ','
            f_end += 1
        colon = k
        while colon < f_end and buf[colon] != 58:
            colon += 1
        if colon < f_end:
            klen = colon - k
            v0 = colon + 1
            if klen == 1 and buf[k] == 99:  # c: unix time (s or ms)
                t = _parse_epoch_ms(buf, v0, f_end)
                if t != NO_TIME:
                    out_tag_time[i] = t
            elif klen == 1 and buf[k] == 115:  # s: source
                out_src[i, 0] = v0
                out_src[i, 1] = f_end
                have_s = True
            elif klen == 2 and buf[k] == 115 and buf[k + 1] == 105 and not have_s:  # si:
                out_src[i, 0] = v0
                out_src[i, 1] = f_end
            elif klen == 1 and buf[k] == 103:  # g: n-m-id
                d1 = v0
                while d1 < f_end and buf[d1] != 45:
                    d1 += 1
                d2 = d1 + 1
                while d2 < f_end and buf[d2] != 45:
                    d2 += 1
                gn = _parse_uint(buf, v0, d1)
                gm = _parse_uint(buf, d1 + 1, d2) if d1 < f_end else -1
                gid = _parse_uint(buf, d2 + 1, f_end) if d2 < f_end else -1
                if gn > 0 and gm > 0 and gid >= 0:
                    out_g[i, 0] = gn
                    out_g[i, 1] = gm
                    out_g[i, 2] = gid % 1000000000
        k = f_end + 1


@nb.njit(cache=True)
def _parse_pghp(
    buf: npt.NDArray[np.uint8],
    s: int,
    e: int,
    i: int,
    out_wrap_time: npt.NDArray[np.int64],
    out_src: npt.NDArray[np.int64],
) -> None:
    """``$PGHP,1,YYYY,M,D,h,m,s,ms,country,region,receiver,...*hh`` (Gatehouse), one pass."""
    kind = year = month = day = hour = minute = sec = ms = -1
    f = 0
    v = 0
    nd = 0  # digits in the field; -1 once a non-digit is seen
    fs = s + 6  # after "$PGHP,"
    for k in range(s + 6, e + 1):
        c = buf[k] if k < e else 42
        if c == 44 or c == 42:
            val = v if nd > 0 else -1
            if f == 0:
                kind = val
            elif f == 1:
                year = val
            elif f == 2:
                month = val
            elif f == 3:
                day = val
            elif f == 4:
                hour = val
            elif f == 5:
                minute = val
            elif f == 6:
                sec = val
            elif f == 7:
                ms = val
            elif f == 10 and k > fs:
                out_src[i, 0] = fs
                out_src[i, 1] = k
            f += 1
            v = 0
            nd = 0
            fs = k + 1
            if c == 42 or f > 10:
                break
        elif nd >= 0 and _is_digit(c) and nd < 9:
            v = v * 10 + (c - 48)
            nd += 1
        else:
            nd = -1
    if kind == 1 and f >= 8:
        out_wrap_time[i] = civil_to_ms(year, month, day, hour, minute, sec, max(ms, 0))


class LineFields:
    """Per-line arrays written by :func:`scan_lines` (one row per line of the chunk)."""

    __slots__ = (
        "chan",
        "fill",
        "frag",
        "g",
        "kind",
        "recv_time",
        "payload",
        "reason",
        "seq",
        "src",
        "src_hash",
        "tag_time",
        "vdo",
        "wrap_time",
    )

    def __init__(self, n: int) -> None:
        self.kind = np.zeros(n, np.int8)
        self.reason = np.zeros(n, np.int8)
        self.frag = np.zeros((n, 2), np.int8)  # count, number
        self.seq = np.full(n, -1, np.int8)
        self.chan = np.zeros(n, np.uint8)
        self.vdo = np.zeros(n, np.bool_)
        self.payload = np.zeros((n, 2), np.int64)  # start, end offsets in the chunk
        self.fill = np.zeros(n, np.int8)
        self.tag_time = np.full(n, NO_TIME, np.int64)
        self.wrap_time = np.full(n, NO_TIME, np.int64)
        self.recv_time = np.full(n, NO_TIME, np.int64)
        self.src = np.full((n, 2), -1, np.int64)
        self.src_hash = np.zeros(n, np.int64)
        self.g = np.full((n, 3), -1, np.int32)


@nb.njit(cache=True)
def _scan(
    buf: npt.NDArray[np.uint8],
    starts: npt.NDArray[np.int64],
    ends: npt.NDArray[np.int64],
    kind: npt.NDArray[np.int8],
    reason: npt.NDArray[np.int8],
    frag: npt.NDArray[np.int8],
    seq: npt.NDArray[np.int8],
    chan: npt.NDArray[np.uint8],
    vdo: npt.NDArray[np.bool_],
    payload: npt.NDArray[np.int64],
    fill: npt.NDArray[np.int8],
    tag_time: npt.NDArray[np.int64],
    wrap_time: npt.NDArray[np.int64],
    src: npt.NDArray[np.int64],
    src_hash: npt.NDArray[np.int64],
    g: npt.NDArray[np.int32],
    recv_time: npt.NDArray[np.int64],
    receive_prefix: bool,
) -> None:
    fstart = np.empty(6, np.int64)
    fend = np.empty(6, np.int64)
    prev_tag = -1  # the last tag-block-only line: its row, start and length
    prev_s = 0
    prev_len = 0
    for i in range(starts.shape[0]):
        s = starts[i]
        e = ends[i]
        # Trim line ends and surrounding blanks (a UTF-8 BOM at the start of a file too).
        while e > s and (
            buf[e - 1] == 13 or buf[e - 1] == 32 or buf[e - 1] == 9 or buf[e - 1] == 0
        ):
            e -= 1
        if e - s >= 3 and buf[s] == 0xEF and buf[s + 1] == 0xBB and buf[s + 2] == 0xBF:
            s += 3
        while s < e and (buf[s] == 32 or buf[s] == 9):
            s += 1
        if receive_prefix and s < e:
            # A live-feed journal line: "<unix ms> <line as received>".
            sp = s
            while sp < e and buf[sp] != 32:
                sp += 1
            recv_time[i] = _parse_epoch_ms(buf, s, sp)
            s = sp + 1 if sp < e else e
        if s == e:
            kind[i] = R.BLANK
            continue
        if e - s > MAX_LINE:
            kind[i] = R.REJECTED
            reason[i] = R.LINE_TOO_LONG
            continue
        if buf[s] == 35:  # '#': a comment, whatever its encoding
            kind[i] = R.COMMENT
            continue
        c0 = buf[s]
        if c0 == 92 and prev_tag >= 0 and e - s == prev_len and buf[e - 1] == 92:
            # The same tag-block line as the last one (DMA writes one before every
            # sentence): copy its fields rather than parse it again.
            same = True
            for k in range(e - s):
                if buf[s + k] != buf[prev_s + k]:
                    same = False
                    break
            if same:
                kind[i] = R.WRAPPER
                tag_time[i] = tag_time[prev_tag]
                src[i, 0] = src[prev_tag, 0]
                src[i, 1] = src[prev_tag, 1]
                src_hash[i] = src_hash[prev_tag]
                g[i, 0] = g[prev_tag, 0]
                g[i, 1] = g[prev_tag, 1]
                g[i, 2] = g[prev_tag, 2]
                continue
        if c0 != 33 and not _is_text(buf, s, e):
            kind[i] = R.REJECTED
            reason[i] = R.BINARY
            continue
        p = s
        # A leading time (ISO 8601 or Unix) or other prefix before the sentence.
        if c0 != 33 and c0 != 92 and c0 != 36:  # not '!', '\\', '$'
            q = s
            while q < e and buf[q] != 33 and buf[q] != 92 and buf[q] != 36:
                q += 1
            if q == e:
                kind[i] = R.REJECTED
                reason[i] = R.NOT_NMEA
                continue
            # A time anywhere in the prefix is the wrapper time; other prefixes (a
            # receiver name, an address) are skipped: the checksum vouches for the sentence.
            t = _find_time(buf, s, q)
            if t != NO_TIME:
                wrap_time[i] = t
            p = q
        # NMEA 4.0 tag block(s).
        while p < e and buf[p] == 92:
            r = p + 1
            while r < e and buf[r] != 92:
                r += 1
            if r >= e:
                break
            be = r
            for k in range(r - 1, p, -1):
                if buf[k] == 42:
                    be = k
                    break
            _parse_tag_block(buf, p + 1, be, i, tag_time, src, g)
            p = r + 1
        if p < e and buf[p] == 92:
            kind[i] = R.REJECTED
            reason[i] = R.BAD_TAG_BLOCK
            continue
        if p == e:
            kind[i] = R.WRAPPER
            if src[i, 0] >= 0:
                src_hash[i] = _fnv(buf, src[i, 0], src[i, 1])
            if c0 == 92:
                prev_tag = i
                prev_s = s
                prev_len = e - s
            continue
        c0 = buf[p]
        if c0 == 36:  # '$'
            if (
                e - p >= 6
                and buf[p + 1] == 80
                and buf[p + 2] == 71
                and buf[p + 3] == 72
                and buf[p + 4] == 80
                and buf[p + 5] == 44
            ):  # $PGHP,
                kind[i] = R.WRAPPER
                _parse_pghp(buf, p, e, i, wrap_time, src)
                if src[i, 0] >= 0:
                    src_hash[i] = _fnv(buf, src[i, 0], src[i, 1])
            else:
                kind[i] = R.OTHER_NMEA
            continue
        if c0 != 33:
            kind[i] = R.REJECTED
            reason[i] = R.NOT_NMEA
            continue
        # '!' sentence: AIS if the formatter is VDM or VDO.
        if not (
            e - p >= 7
            and buf[p + 3] == 86
            and buf[p + 4] == 68
            and (buf[p + 5] == 77 or buf[p + 5] == 79)
            and buf[p + 6] == 44
        ):
            kind[i] = R.OTHER_NMEA
            continue
        # One pass to the '*': checksum, field boundaries, and no binary bytes.
        star = -1
        x = 0
        nf = 0
        fs = p + 7
        binary = False
        bad_char = False
        for k in range(p + 1, e):
            c = buf[k]
            if c == 42:
                star = k
                break
            if c > 126 or c < 32:
                binary = True
                break
            x ^= c
            if c == 44 and k > p + 6:
                if nf < 6:
                    fstart[nf] = fs
                    fend[nf] = k
                nf += 1
                fs = k + 1
            elif nf == 4 and (c < 48 or c > 119 or (87 < c < 96)):
                bad_char = True  # outside the 6-bit alphabet (reported after the checksum)
        if binary or not _is_text(buf, max(star, p), e):
            kind[i] = R.REJECTED
            reason[i] = R.BINARY
            continue
        if star < 0 or star + 3 > e:
            kind[i] = R.REJECTED
            reason[i] = R.NO_CHECKSUM
            continue
        if nf < 6:
            fstart[nf] = fs
            fend[nf] = star
        nf += 1
        h1 = _hexval(buf[star + 1])
        h2 = _hexval(buf[star + 2])
        if h1 < 0 or h2 < 0:
            kind[i] = R.REJECTED
            reason[i] = R.NO_CHECKSUM
            continue
        if star + 3 < e and buf[star + 3] != 44 and buf[star + 3] != 32 and buf[star + 3] != 9:
            kind[i] = R.REJECTED  # text glued to the checksum: the line is damaged
            reason[i] = R.MALFORMED
            continue
        if h1 * 16 + h2 != x:
            kind[i] = R.REJECTED
            reason[i] = R.BAD_CHECKSUM
            continue
        # Six fields: count, number, sequence id, channel, payload, fill bits.
        if nf != 6:
            kind[i] = R.REJECTED
            reason[i] = R.MALFORMED
            continue
        cnt = _parse_uint(buf, fstart[0], fend[0])
        num = _parse_uint(buf, fstart[1], fend[1])
        fb = _parse_uint(buf, fstart[5], fend[5])
        sq = -1
        if fend[2] > fstart[2]:
            sq = _parse_uint(buf, fstart[2], fend[2])
            if sq < 0 or sq > 99:
                cnt = -1
        if (
            cnt < 1
            or cnt > 9
            or num < 1
            or num > cnt
            or fb < 0
            or fb > 5
            or fend[3] - fstart[3] > 2
        ):
            kind[i] = R.REJECTED
            reason[i] = R.MALFORMED
            continue
        if fend[4] == fstart[4]:
            kind[i] = R.REJECTED
            reason[i] = R.EMPTY_PAYLOAD
            continue
        if bad_char:
            kind[i] = R.REJECTED
            reason[i] = R.BAD_PAYLOAD_CHAR
            continue
        kind[i] = R.SENTENCE
        frag[i, 0] = cnt
        frag[i, 1] = num
        seq[i] = sq
        chan[i] = buf[fstart[3]] if fend[3] > fstart[3] else 0
        vdo[i] = buf[p + 5] == 79
        payload[i, 0] = fstart[4]
        payload[i, 1] = fend[4]
        fill[i] = fb
        # Trailing archive fields after the checksum: receiver id and/or Unix time.
        k = star + 3
        while k < e:
            while k < e and (buf[k] == 44 or buf[k] == 32 or buf[k] == 9):
                k += 1
            te = k
            while te < e and buf[te] != 44:
                te += 1
            if te > k:
                t = _parse_epoch_ms(buf, k, te)
                if t != NO_TIME:
                    wrap_time[i] = t
                elif src[i, 0] < 0 and not _is_digit(buf[k]):  # a receiver id, e.g. r003669945
                    src[i, 0] = k
                    src[i, 1] = te
            k = te
        if src[i, 0] >= 0:
            src_hash[i] = _fnv(buf, src[i, 0], src[i, 1])


def scan_lines(
    buf: npt.NDArray[np.uint8],
    starts: npt.NDArray[np.int64],
    ends: npt.NDArray[np.int64],
    *,
    receive_prefix: bool = False,
) -> LineFields:
    """Classify every line ``buf[starts[i]:ends[i]]`` and extract its NMEA fields.

    With ``receive_prefix`` each line starts with the Unix time (ms) it was received
    and a space, as the live-feed journal writes it.
    """
    f = LineFields(starts.shape[0])
    _scan(
        buf,
        starts,
        ends,
        f.kind,
        f.reason,
        f.frag,
        f.seq,
        f.chan,
        f.vdo,
        f.payload,
        f.fill,
        f.tag_time,
        f.wrap_time,
        f.src,
        f.src_hash,
        f.g,
        f.recv_time,
        receive_prefix,
    )
    return f
