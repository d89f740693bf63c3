"""Turn classified lines into messages: wrappers applied, fragments reassembled.

One sequential pass (a numba kernel) over the lines of a chunk:

* wrapper lines (a tag block or ``$PGHP`` alone on a line) give their time, source
  and group to the next AIS sentence;
* a message's time comes from a tag block ``c:`` first, else from an archive
  wrapper, else from the receive time of a live feed;
* multi-sentence messages are grouped by NMEA 4.0 ``g:`` group id when present,
  else by (sequential id, channel, fragment count) and source where the fragments
  name one; non-AIS lines between
  fragments do not break a group. A group whose next fragment does not come within
  ``window`` lines expires and its lines are rejected as ``incomplete_message``; a
  fragment with no group is an ``orphan_fragment``.

Messages and rejected groups are returned with the first and last line they span
(wrapper lines included), which lets the chunked reader cut a chunk where nothing
straddles the cut.
"""

from __future__ import annotations

from typing import Final

import numba as nb
import numpy as np
import numpy.typing as npt

from watchkeeper.ais import reasons as R
from watchkeeper.ais.framing import NO_TIME, LineFields

__all__ = ["Messages", "TS_NONE", "TS_RECEIVE", "TS_TAG", "TS_WRAPPER", "assemble"]

# Time-source codes, in the order of schema.TIME_SOURCES.
TS_TAG: Final = 0
TS_WRAPPER: Final = 1
TS_RECEIVE: Final = 2
TS_NONE: Final = 3

_MAX_OPEN: Final = 64
_MAX_FRAG: Final = 9


# Columns of the open-group table (one row per group waiting for fragments).
_KEY, _CNT, _N, _FIRST, _LAST, _TIME, _TSRC, _SRC0, _SRC1, _HASH, _ACTIVE = range(11)


@nb.njit(cache=True)
def _reject_slot(
    sl: int,
    slot: npt.NDArray[np.int64],
    slot_lines: npt.NDArray[np.int64],
    kind: npt.NDArray[np.int8],
    reason: npt.NDArray[np.int8],
    x_span: npt.NDArray[np.int64],
    nx: int,
) -> int:
    """Reject the lines of an open group as incomplete; returns the new rejection count."""
    for j in range(slot[sl, _N]):
        li = slot_lines[sl, j]
        kind[li] = R.REJECTED
        reason[li] = R.INCOMPLETE_MESSAGE
    x_span[nx, 0] = slot[sl, _FIRST]
    x_span[nx, 1] = slot[sl, _LAST]
    slot[sl, _ACTIVE] = 0
    return nx + 1


@nb.njit(cache=True)
def _assemble(
    kind: npt.NDArray[np.int8],
    reason: npt.NDArray[np.int8],
    frag: npt.NDArray[np.int8],
    seq: npt.NDArray[np.int8],
    chan: npt.NDArray[np.uint8],
    tag_time: npt.NDArray[np.int64],
    wrap_time: npt.NDArray[np.int64],
    src: npt.NDArray[np.int64],
    src_hash: npt.NDArray[np.int64],
    g: npt.NDArray[np.int32],
    recv_time: npt.NDArray[np.int64],
    window: int,
    final: bool,
    receive_time: int,
    # outputs
    m_span: npt.NDArray[np.int64],
    m_off: npt.NDArray[np.int64],
    m_lines: npt.NDArray[np.int64],
    m_time: npt.NDArray[np.int64],
    m_tsrc: npt.NDArray[np.int8],
    m_src: npt.NDArray[np.int64],
    x_span: npt.NDArray[np.int64],
) -> tuple[int, int, int]:
    n = kind.shape[0]
    nm = 0
    nl = 0
    nx = 0
    # Pending wrapper fields for the next sentence.
    has_p = False
    p_first = 0
    p_tag = NO_TIME
    p_wrap = NO_TIME
    p_src0 = -1
    p_src1 = -1
    p_hash = 0
    p_g2 = -1
    # Open multi-sentence groups.
    slot = np.zeros((_MAX_OPEN, 11), np.int64)
    slot_lines = np.zeros((_MAX_OPEN, _MAX_FRAG), np.int64)
    n_active = 0

    for i in range(n):
        if n_active > 0:
            for sl in range(_MAX_OPEN):
                if slot[sl, _ACTIVE] and i - slot[sl, _LAST] > window:
                    nx = _reject_slot(sl, slot, slot_lines, kind, reason, x_span, nx)
                    n_active -= 1
        k = kind[i]
        if k == R.WRAPPER:
            if not has_p:
                has_p = True
                p_first = i
            if tag_time[i] != NO_TIME:
                p_tag = tag_time[i]
            if wrap_time[i] != NO_TIME:
                p_wrap = wrap_time[i]
            if src[i, 0] >= 0:
                p_src0 = src[i, 0]
                p_src1 = src[i, 1]
                p_hash = src_hash[i]
            if g[i, 2] >= 0:
                p_g2 = g[i, 2]
            continue
        if k == R.REJECTED:
            has_p = False
            p_tag = NO_TIME
            p_wrap = NO_TIME
            p_src0 = -1
            p_g2 = -1
            continue
        if k != R.SENTENCE:
            continue
        # Effective wrapper fields of this sentence: its own first, then pending ones.
        first = p_first if has_p else i
        t_tag = tag_time[i] if tag_time[i] != NO_TIME else p_tag
        t_wrap = wrap_time[i] if wrap_time[i] != NO_TIME else p_wrap
        s0 = src[i, 0]
        s1 = src[i, 1]
        sh = src_hash[i]
        if s0 < 0:
            s0 = p_src0
            s1 = p_src1
            sh = p_hash if p_src0 >= 0 else 0
        gid = g[i, 2] if g[i, 2] >= 0 else p_g2
        has_p = False
        p_tag = NO_TIME
        p_wrap = NO_TIME
        p_src0 = -1
        p_g2 = -1
        if t_tag != NO_TIME:
            t, ts = t_tag, TS_TAG
        elif t_wrap != NO_TIME:
            t, ts = t_wrap, TS_WRAPPER
        elif recv_time[i] != NO_TIME:
            t, ts = recv_time[i], TS_RECEIVE
        elif receive_time != NO_TIME:
            t, ts = receive_time, TS_RECEIVE
        else:
            t, ts = NO_TIME, TS_NONE
        cnt = frag[i, 0]
        num = frag[i, 1]
        if cnt == 1:
            m_span[nm, 0] = first
            m_span[nm, 1] = i
            m_lines[nl] = i
            nl += 1
            m_time[nm] = t
            m_tsrc[nm] = ts
            m_src[nm, 0] = s0
            m_src[nm, 1] = s1
            m_src[nm, 2] = sh
            nm += 1
            m_off[nm] = nl
            continue
        if gid >= 0:
            key = (1 << 61) + np.int64(gid) * 16 + cnt
        else:
            key = ((seq[i] + 1) << 16) | (np.int64(chan[i]) << 8) | cnt
        # Same key, and the same source unless a fragment names none (a wrapper
        # often precedes only the first fragment).
        found = -1
        for sl in range(_MAX_OPEN):
            if (
                slot[sl, _ACTIVE]
                and slot[sl, _KEY] == key
                and (sh == 0 or slot[sl, _HASH] == 0 or slot[sl, _HASH] == sh)
            ):
                found = sl
                break
        if num == 1:
            if found >= 0:
                nx = _reject_slot(found, slot, slot_lines, kind, reason, x_span, nx)
                n_active -= 1
            free = -1
            oldest = -1
            for sl in range(_MAX_OPEN):
                if not slot[sl, _ACTIVE]:
                    free = sl
                    break
                if oldest < 0 or slot[sl, _LAST] < slot[oldest, _LAST]:
                    oldest = sl
            if free < 0:  # too many open groups: the oldest gives way
                nx = _reject_slot(oldest, slot, slot_lines, kind, reason, x_span, nx)
                n_active -= 1
                free = oldest
            n_active += 1
            slot[free, _ACTIVE] = 1
            slot[free, _KEY] = key
            slot[free, _CNT] = cnt
            slot[free, _N] = 1
            slot[free, _FIRST] = first
            slot[free, _LAST] = i
            slot[free, _TIME] = t
            slot[free, _TSRC] = ts
            slot[free, _SRC0] = s0
            slot[free, _SRC1] = s1
            slot[free, _HASH] = sh
            slot_lines[free, 0] = i
            continue
        if found < 0 or slot[found, _N] + 1 != num:
            if found >= 0:
                nx = _reject_slot(found, slot, slot_lines, kind, reason, x_span, nx)
                n_active -= 1
            kind[i] = R.REJECTED
            reason[i] = R.ORPHAN_FRAGMENT
            continue
        slot_lines[found, slot[found, _N]] = i
        slot[found, _N] += 1
        slot[found, _LAST] = i
        if slot[found, _TSRC] > ts:  # a better time on a later fragment
            slot[found, _TIME] = t
            slot[found, _TSRC] = ts
        if slot[found, _SRC0] < 0 and s0 >= 0:
            slot[found, _SRC0] = s0
            slot[found, _SRC1] = s1
            slot[found, _HASH] = sh
        if slot[found, _N] == slot[found, _CNT]:
            m_span[nm, 0] = slot[found, _FIRST]
            m_span[nm, 1] = i
            for j in range(slot[found, _N]):
                m_lines[nl] = slot_lines[found, j]
                nl += 1
            m_time[nm] = slot[found, _TIME]
            m_tsrc[nm] = slot[found, _TSRC]
            m_src[nm, 0] = slot[found, _SRC0]
            m_src[nm, 1] = slot[found, _SRC1]
            m_src[nm, 2] = slot[found, _HASH]
            nm += 1
            m_off[nm] = nl
            slot[found, _ACTIVE] = 0
            n_active -= 1

    # What is still open at the end: rejected if the input is complete, otherwise
    # the earliest line the next chunk must start from.
    cut = n
    for sl in range(_MAX_OPEN):
        if slot[sl, _ACTIVE]:
            if final:
                nx = _reject_slot(sl, slot, slot_lines, kind, reason, x_span, nx)
            else:
                cut = min(cut, slot[sl, _FIRST])
    if has_p and not final:
        cut = min(cut, p_first)
    return nm, nx, cut


class Messages:
    """Messages found in a chunk: their lines, spans, times and sources."""

    __slots__ = (
        "count",
        "cut",
        "line_off",
        "lines",
        "rejected_spans",
        "span",
        "src",
        "time",
        "tsrc",
    )

    def __init__(self, n_lines: int) -> None:
        self.span = np.zeros((n_lines, 2), np.int64)  # first line (wrappers included), last line
        self.line_off = np.zeros(n_lines + 1, np.int64)
        self.lines = np.zeros(n_lines, np.int64)
        self.time = np.zeros(n_lines, np.int64)
        self.tsrc = np.zeros(n_lines, np.int8)
        self.src = np.zeros((n_lines, 3), np.int64)  # start, end, hash (start -1: none)
        self.rejected_spans = np.zeros((n_lines, 2), np.int64)
        self.count = 0
        self.cut = n_lines


def assemble(f: LineFields, *, window: int, final: bool, receive_time_ms: int | None) -> Messages:
    """Apply wrappers and reassemble fragments; updates ``f.kind``/``f.reason`` in place."""
    n = f.kind.shape[0]
    m = Messages(n)
    rt = NO_TIME if receive_time_ms is None else int(receive_time_ms)
    nm, nx, cut = _assemble(
        f.kind,
        f.reason,
        f.frag,
        f.seq,
        f.chan,
        f.tag_time,
        f.wrap_time,
        f.src,
        f.src_hash,
        f.g,
        f.recv_time,
        window,
        final,
        rt,
        m.span,
        m.line_off,
        m.lines,
        m.time,
        m.tsrc,
        m.src,
        m.rejected_spans,
    )
    m.count = nm
    m.cut = cut
    m.span = m.span[:nm]
    m.line_off = m.line_off[: nm + 1]
    m.time = m.time[:nm]
    m.tsrc = m.tsrc[:nm]
    m.src = m.src[:nm]
    m.rejected_spans = m.rejected_spans[:nx]
    return m
