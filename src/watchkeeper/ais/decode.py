"""Decode a chunk of raw AIS (NMEA 0183 with archive wrappers) into Arrow tables.

The chunk goes through three array passes (framing, reassembly, payload decoding)
and comes out as the tables of :mod:`watchkeeper.schema`, plus a count of every
line by category, so that what was stored, skipped and rejected adds up to what
was read. :class:`StreamDecoder` feeds a file or a socket through it chunk by
chunk, carrying only the lines a message still needs across a chunk boundary.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import ClassVar, Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from watchkeeper import schema
from watchkeeper.ais import reasons as R
from watchkeeper.ais.assemble import Messages, assemble
from watchkeeper.ais.framing import MAX_LINE, NO_TIME, scan_lines
from watchkeeper.ais.payload import Fields, decode_payloads, distinct_codes, gather_spans

__all__ = ["DecodeResult", "StreamDecoder", "decode_bytes"]

POSITION_TYPES: Final = (1, 2, 3, 18, 19, 27)
VESSEL_TYPES: Final = (5, 19, 24)
STATION_TYPES: Final = (4, 21)
DECODED_TYPES: Final = (1, 2, 3, 4, 5, 18, 19, 21, 24, 27)


def _type_mask(types: tuple[int, ...]) -> npt.NDArray[np.bool_]:
    """A lookup table: ``mask[msg_type]`` is a vectorised ``msg_type in types``."""
    mask = np.zeros(64, np.bool_)
    mask[list(types)] = True
    return mask


_IS_POSITION: Final = _type_mask(POSITION_TYPES)
_IS_VESSEL: Final = _type_mask(VESSEL_TYPES)
_IS_STATION: Final = _type_mask(STATION_TYPES)
_IS_DECODED: Final = _type_mask(DECODED_TYPES)
_HAS_ROT: Final = _type_mask((1, 2, 3))
_HAS_DTE: Final = _type_mask((5, 19))

# Index in reasons.CATEGORIES of each line kind that is not a rejection.
_KIND_TO_CATEGORY: Final = np.array(
    [R.CATEGORIES.index(R.KIND_NAMES[k]) for k in range(R.REJECTED)], np.int64
)
_FIRST_REJECTED_CATEGORY: Final = R.CATEGORIES.index(f"rejected:{R.REASONS[1]}")


@dataclass
class DecodeResult:
    """Tables decoded from some input, and how every line of it was counted."""

    positions: pa.Table
    vessels: pa.Table
    stations: pa.Table
    other: pa.Table
    rejected: pa.Table
    counts: Counter[str] = field(default_factory=Counter)  # lines by reasons.CATEGORIES
    message_types: Counter[int] = field(default_factory=Counter)
    lines: int = 0  # lines consumed
    bytes: int = 0  # bytes consumed

    TABLES: ClassVar[tuple[str, ...]] = ("positions", "vessels", "stations", "other", "rejected")

    @classmethod
    def empty(cls) -> DecodeResult:
        return cls(
            schema.POSITIONS.empty_table(),
            schema.VESSELS.empty_table(),
            schema.STATIONS.empty_table(),
            schema.OTHER_MESSAGES.empty_table(),
            schema.REJECTED.empty_table(),
        )

    def tables(self) -> dict[str, pa.Table]:
        return {name: getattr(self, name) for name in self.TABLES}

    @property
    def messages(self) -> int:
        return sum(self.message_types.values())

    @staticmethod
    def concat(results: list[DecodeResult]) -> DecodeResult:
        """One result from several (e.g. the chunks of a file, or several files)."""
        out = DecodeResult.empty()
        if not results:
            return out
        for name in DecodeResult.TABLES:
            tables = [getattr(r, name) for r in results]
            setattr(out, name, pa.concat_tables(tables).unify_dictionaries().combine_chunks())
        for r in results:
            out.counts.update(r.counts)
            out.message_types.update(r.message_types)
            out.lines += r.lines
            out.bytes += r.bytes
        return out


def _line_bounds(
    buf: npt.NDArray[np.uint8], final: bool
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    nl = np.flatnonzero(buf == 10).astype(np.int64)
    ends = nl
    if final and buf.shape[0] > 0 and (nl.shape[0] == 0 or nl[-1] != buf.shape[0] - 1):
        ends = np.append(nl, buf.shape[0])
    starts = np.empty_like(ends)
    if starts.shape[0]:
        starts[0] = 0
        starts[1:] = ends[:-1] + 1
    return starts, ends


def _safe_cut(m: Messages) -> int:
    """First line the next chunk must re-read: nothing before it spans past it."""
    spans = np.concatenate([m.span, m.rejected_spans])
    cut = m.cut
    while True:
        straddle = (spans[:, 1] >= cut) & (spans[:, 0] < cut)
        if not straddle.any():
            return int(cut)
        cut = int(spans[straddle, 0].min())


def _masked(
    values: npt.NDArray[np.generic], valid: npt.NDArray[np.bool_], typ: pa.DataType
) -> pa.Array:
    return pa.array(values, type=typ, mask=~valid)


def _strings(mat: npt.NDArray[np.uint8], lens: npt.NDArray[np.int8]) -> pa.Array:
    """A string column from a fixed-width byte matrix; empty strings are nulls."""
    n, width = mat.shape
    starts = np.arange(n, dtype=np.int64) * width
    ends = starts + lens.astype(np.int64)
    data, offsets = gather_spans(mat.reshape(-1), starts, ends, np.arange(n + 1, dtype=np.int64))
    valid = lens > 0
    return pa.Array.from_buffers(
        pa.string(),
        n,
        [
            pa.py_buffer(np.packbits(valid, bitorder="little")),
            pa.py_buffer(offsets),
            pa.py_buffer(data),
        ],
        null_count=int(n - valid.sum()),
    )


def _labels(codes: npt.NDArray[np.int32], names: list[str]) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(codes, pa.int32()), pa.array(names, pa.string()))


def _timestamps(ms: npt.NDArray[np.int64]) -> pa.Array:
    return pa.array(ms, type=pa.int64(), mask=ms == NO_TIME).cast(schema.TS)


class _Chunk:
    """Per-message columns shared by every table, as arrays to index per table."""

    def __init__(
        self,
        buf: npt.NDArray[np.uint8],
        m: Messages,
        f: Fields,
        first_lines: npt.NDArray[np.int64],
        chan: npt.NDArray[np.uint8],
        vdo: npt.NDArray[np.bool_],
        default_source: str,
    ) -> None:
        self.m = m
        self.f = f
        n = f.msg_type.shape[0]
        self.ts_ms = m.time[:n]
        self.tsrc = m.tsrc[:n].astype(np.int32)
        # Sources: few distinct ones, so decode each distinct one once.
        src = m.src[:n]
        self.src_code, first = distinct_codes(src[:, 2])
        self.src_names = [
            bytes(buf[src[i, 0] : src[i, 1]]).decode("ascii") if src[i, 0] >= 0 else default_source
            for i in first.tolist()
        ]
        ch = chan[first_lines]
        lut = np.zeros(256, np.int32)
        present = np.flatnonzero(np.bincount(ch, minlength=256))
        lut[present] = np.arange(present.shape[0], dtype=np.int32)
        self.chan_code = lut[ch]
        self.chan_names = [chr(c) if c else "" for c in present.tolist()]
        self.is_own = vdo[first_lines]

    def common(self, idx: npt.NDArray[np.int64]) -> dict[str, pa.Array]:
        return {
            "mmsi": pa.array(self.f.mmsi[idx]),
            "ts": _timestamps(self.ts_ms[idx]),
            "ts_source": _labels(self.tsrc[idx], list(schema.TIME_SOURCES)),
            "msg_type": pa.array(self.f.msg_type[idx]),
            "repeat": pa.array(self.f.repeat[idx]),
            "source": _labels(self.src_code[idx], self.src_names),
        }

    def text(self, which: str, idx: npt.NDArray[np.int64]) -> pa.Array:
        """A text column; null for messages without text (a type 4 among type 21s)."""
        rows = self.f.text_row[idx]
        has = rows >= 0
        if not has.any():
            return pa.nulls(idx.shape[0], pa.string())
        rows = np.where(has, rows, 0)
        lens = np.where(has, getattr(self.f, which + "_len")[rows], 0).astype(np.int8)
        return _strings(getattr(self.f, which)[rows], lens)


def _positions(c: _Chunk, idx: npt.NDArray[np.int64]) -> pa.Table:
    f = c.f
    t = f.msg_type[idx]
    is27 = t == 27
    sog = f.sog[idx]
    cog = f.cog[idx]
    heading = f.heading[idx]
    turn_raw = f.turn_raw[idx]
    turn = np.sign(turn_raw) * (turn_raw.astype(np.float32) / np.float32(4.733)) ** 2
    second = f.second[idx]
    nav = f.nav_status[idx]
    maneuver = f.maneuver[idx]
    cols = {
        **c.common(idx),
        "lat": _masked(f.lat[idx], ~np.isnan(f.lat[idx]), pa.float64()),
        "lon": _masked(f.lon[idx], ~np.isnan(f.lon[idx]), pa.float64()),
        "sog": _masked(sog, np.where(is27, sog < 63, sog < 102.25), pa.float32()),
        "cog": _masked(cog, np.where(is27, cog < 360, cog < 359.95), pa.float32()),
        "heading": _masked(heading, (heading >= 0) & (heading < 360), pa.int16()),
        "nav_status": _masked(nav, (nav >= 0) & (nav != 15), pa.int8()),
        "turn": _masked(
            turn,
            (np.abs(turn_raw.astype(np.int16)) < 127) & _HAS_ROT[t],
            pa.float32(),
        ),
        "turn_raw": _masked(turn_raw, (turn_raw != -128) & _HAS_ROT[t], pa.int8()),
        "second": _masked(second, (second >= 0) & (second < 60), pa.int8()),
        "maneuver": _masked(maneuver, maneuver > 0, pa.int8()),
        "raim": pa.array(f.raim[idx]),
        "accuracy": pa.array(f.accuracy[idx]),
        "channel": _labels(c.chan_code[idx], c.chan_names),
        "is_own": pa.array(c.is_own[idx]),
    }
    return pa.Table.from_pydict(cols, schema=schema.POSITIONS)


def _dims(f: Fields, idx: npt.NDArray[np.int64]) -> dict[str, pa.Array]:
    d = f.dims[idx]
    known = np.asarray((d >= 0).all(axis=1) & (d > 0).any(axis=1))
    names = ("to_bow", "to_stern", "to_port", "to_starboard")
    return {n: _masked(d[:, k], known, pa.int16()) for k, n in enumerate(names)}


def _eta(ts_ms: npt.NDArray[np.int64], eta: npt.NDArray[np.int8]) -> pa.Array:
    """The ETA (month, day, hour, minute) as a time: in the year of the report, or the next."""
    mo, d, h, mi = (eta[:, k].astype(np.int64) for k in range(4))
    ok = (mo >= 1) & (mo <= 12) & (d >= 1) & (d <= 31) & (h <= 23) & (mi <= 59) & (h >= 0)
    ok &= ts_ms != NO_TIME
    year = np.where(ok, ts_ms, 0).astype("datetime64[ms]").astype("datetime64[Y]")
    when = np.full(ts_ms.shape, NO_TIME, np.int64)
    if ok.any():
        for add in (0, 1):
            base = (year + np.timedelta64(add, "Y")).astype("datetime64[M]") + (mo - 1).astype(
                "timedelta64[M]"
            )
            cand = (base.astype("datetime64[D]") + (d - 1).astype("timedelta64[D]")).astype(
                "datetime64[ms]"
            ) + (h * 3600000 + mi * 60000).astype("timedelta64[ms]")
            cand_ms = cand.astype(np.int64)
            # Keep the month: 31 April does not exist.
            same_month = (cand.astype("datetime64[M]") == base) & ok
            pick = (
                same_month & (when == NO_TIME) & ((add == 1) | (cand_ms >= ts_ms - 183 * 86400000))
            )
            when = np.where(pick, cand_ms, when)
    return _timestamps(when)


def _vessels(c: _Chunk, idx: npt.NDArray[np.int64]) -> pa.Table:
    f = c.f
    imo = f.imo[idx]
    st = f.ship_type[idx]
    dr = f.draught[idx]
    eta = f.eta[idx]
    part = f.part[idx]
    ms = f.mothership[idx]
    ep = f.epfd[idx]
    av = f.ais_version[idx]
    t = f.msg_type[idx]
    cols = {
        **c.common(idx),
        "part": _masked(part, part >= 0, pa.int8()),
        "imo": _masked(imo, imo > 0, pa.int32()),
        "callsign": c.text("callsign", idx),
        "name": c.text("name", idx),
        "ship_type": _masked(st, st > 0, pa.int16()),
        **_dims(f, idx),
        "draught": _masked(dr, dr > 0, pa.float32()),
        "destination": c.text("dest", idx),
        "eta_month": _masked(eta[:, 0], (eta[:, 0] > 0) & (eta[:, 0] <= 12), pa.int8()),
        "eta_day": _masked(eta[:, 1], eta[:, 1] > 0, pa.int8()),
        "eta_hour": _masked(eta[:, 2], (eta[:, 2] >= 0) & (eta[:, 2] < 24), pa.int8()),
        "eta_minute": _masked(eta[:, 3], (eta[:, 3] >= 0) & (eta[:, 3] < 60), pa.int8()),
        "eta": _eta(c.ts_ms[idx], eta),
        "epfd": _masked(ep, ep >= 0, pa.int8()),
        "ais_version": _masked(av, av >= 0, pa.int8()),
        "dte": _masked(f.dte[idx], _HAS_DTE[t], pa.bool_()),
        "vendor_id": c.text("vendor", idx),
        "mothership_mmsi": _masked(ms, ms >= 0, pa.int32()),
    }
    return pa.Table.from_pydict(cols, schema=schema.VESSELS)


def _stations(c: _Chunk, idx: npt.NDArray[np.int64]) -> pa.Table:
    f = c.f
    t = f.msg_type[idx]
    is21 = t == 21
    at = f.aid_type[idx]
    ep = f.epfd[idx]
    cols = {
        **c.common(idx),
        "lat": _masked(f.lat[idx], ~np.isnan(f.lat[idx]), pa.float64()),
        "lon": _masked(f.lon[idx], ~np.isnan(f.lon[idx]), pa.float64()),
        "accuracy": pa.array(f.accuracy[idx]),
        "epfd": _masked(ep, ep >= 0, pa.int8()),
        "raim": pa.array(f.raim[idx]),
        "station_time": _timestamps(f.station_time[idx]),
        "aid_type": _masked(at, is21 & (at > 0), pa.int8()),
        "name": c.text("name", idx),
        "off_position": _masked(f.off_position[idx], is21, pa.bool_()),
        "virtual_aid": _masked(f.virtual_aid[idx], is21, pa.bool_()),
        **_dims(f, idx),
    }
    return pa.Table.from_pydict(cols, schema=schema.STATIONS)


def _other(
    c: _Chunk,
    idx: npt.NDArray[np.int64],
    buf: npt.NDArray[np.uint8],
    payload: npt.NDArray[np.int64],
    fill: npt.NDArray[np.int8],
) -> pa.Table:
    m = c.m
    counts = m.line_off[idx + 1] - m.line_off[idx]
    flat = m.lines[np.repeat(m.line_off[idx], counts) + _ranges(counts)]
    row_off = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    data, offsets = gather_spans(buf, payload[flat, 0], payload[flat, 1], row_off)
    last_line = m.lines[m.line_off[idx + 1] - 1]
    cols = {
        **c.common(idx),
        "payload": pa.Array.from_buffers(
            pa.string(), idx.shape[0], [None, pa.py_buffer(offsets), pa.py_buffer(data)]
        ),
        "fill_bits": pa.array(fill[last_line]),
    }
    return pa.Table.from_pydict(cols, schema=schema.OTHER_MESSAGES)


def _ranges(counts: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """[0..c0), [0..c1), ... concatenated: positions within each run."""
    total = int(counts.sum())
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(total, dtype=np.int64) - starts


def _rejected(
    buf: npt.NDArray[np.uint8],
    starts: npt.NDArray[np.int64],
    ends: npt.NDArray[np.int64],
    lines: npt.NDArray[np.int64],
    reason: npt.NDArray[np.int8],
    file: str,
    first_line: int,
) -> pa.Table:
    s = starts[lines]
    e = ends[lines]
    # Drop a trailing carriage return: the line as a text editor shows it.
    cr = (e > s) & (buf[np.maximum(e - 1, 0)] == 13)
    e = e - cr
    data, offsets = gather_spans(buf, s, e, np.arange(lines.shape[0] + 1, dtype=np.int64))
    n = lines.shape[0]
    cols = {
        "file": pa.DictionaryArray.from_arrays(
            pa.array(np.zeros(n, np.int32)), pa.array([file])
        ).cast(pa.string()),
        "line": pa.array(lines + first_line, pa.int64()),
        "raw": pa.Array.from_buffers(
            pa.binary(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data)]
        ),
        "reason": _labels(reason[lines].astype(np.int32), list(R.REASONS)),
    }
    return pa.Table.from_pydict(cols, schema=schema.REJECTED)


def decode_bytes(
    data: bytes | bytearray | memoryview,
    *,
    file: str = "<input>",
    first_line: int = 1,
    final: bool = True,
    window: int = 256,
    receive_time_ms: int | None = None,
    default_source: str | None = None,
    receive_prefix: bool = False,
) -> DecodeResult:
    """Decode whole lines of raw AIS.

    Parameters
    ----------
    data
        Bytes of the input; with ``final=False`` a trailing partial line, an open
        multi-sentence group and wrapper lines waiting for their sentence are left
        unconsumed (``result.bytes`` says how far it went) for the next call.
    file, first_line
        Name and line number of the first line, written to the rejected table.
    window
        Lines an incomplete multi-sentence message waits for its next fragment.
    receive_time_ms
        Time a live feed received these bytes: the time of messages with no other.
    default_source
        Source of messages whose input names none (defaults to ``file``).
    receive_prefix
        Lines start with the Unix time in ms they were received and a space (the
        live-feed journal): that is the time of messages with no tag-block or wrapper time.
    """
    buf = np.frombuffer(data, np.uint8)
    starts, ends = _line_bounds(buf, final)
    lf = scan_lines(buf, starts, ends, receive_prefix=receive_prefix)
    m = assemble(lf, window=window, final=final, receive_time_ms=receive_time_ms)
    cut = _safe_cut(m) if not final else starts.shape[0]
    n_keep = int(np.searchsorted(m.span[:, 1], cut))
    f = decode_payloads(buf, lf.payload, lf.fill, m.line_off[: n_keep + 1], m.lines)
    # Messages rejected while decoding: all their lines take the message's reason.
    counts = m.line_off[1 : n_keep + 1] - m.line_off[:n_keep]
    bad = f.status != 0
    if bad.any():
        bad_lines = m.lines[: m.line_off[n_keep]][np.repeat(bad, counts)]
        lf.kind[bad_lines] = R.REJECTED
        lf.reason[bad_lines] = np.repeat(f.status[bad], counts[bad])
    kind = lf.kind[:cut]
    # reason is non-zero exactly on rejected lines, so two bincounts count every category.
    by_kind = np.bincount(kind, minlength=len(R.KIND_NAMES))
    by_reason = np.bincount(lf.reason[:cut], minlength=len(R.REASONS))
    line_counts = np.zeros(len(R.CATEGORIES), np.int64)
    line_counts[_KIND_TO_CATEGORY] = by_kind[: R.REJECTED]
    line_counts[_FIRST_REJECTED_CATEGORY:] = by_reason[1:]
    result = DecodeResult.empty()
    result.counts = Counter(
        {c: int(k) for c, k in zip(R.CATEGORIES, line_counts, strict=True) if k}
    )
    result.lines = int(cut)
    if cut < starts.shape[0]:
        result.bytes = int(starts[cut])
    elif final or not ends.shape[0]:
        result.bytes = buf.shape[0] if final else 0
    else:
        result.bytes = int(ends[-1]) + 1
    rej = np.flatnonzero(kind == R.REJECTED)
    result.rejected = _rejected(buf, starts, ends, rej, lf.reason, file, first_line)
    if n_keep:
        first_lines = m.lines[m.line_off[:n_keep]]
        c = _Chunk(buf, m, f, first_lines, lf.chan, lf.vdo, default_source or file)
        ok = ~bad
        t = f.msg_type
        result.message_types = Counter(
            {int(k): int(v) for k, v in enumerate(np.bincount(t[ok], minlength=64)) if v}
        )
        result.positions = _positions(c, np.flatnonzero(ok & _IS_POSITION[t]))
        result.vessels = _vessels(c, np.flatnonzero(ok & _IS_VESSEL[t]))
        result.stations = _stations(c, np.flatnonzero(ok & _IS_STATION[t]))
        result.other = _other(c, np.flatnonzero(ok & ~_IS_DECODED[t]), buf, lf.payload, lf.fill)
    return result


#: A partial line longer than this is not carried on: it is rejected (its first bytes
#: kept) and the rest of it skipped, so a file with no line ends cannot fill memory.
MAX_CARRIED_LINE: Final = 1 << 20


class StreamDecoder:
    """Decode a byte stream (a file read in chunks, a TCP or UDP feed) incrementally.

    Bytes that a later chunk may complete (a partial line, a multi-sentence message
    still missing fragments, a wrapper line waiting for its sentence) are carried to
    the next :meth:`feed`; :meth:`close` flushes them, rejecting what stays incomplete.
    A line longer than :data:`MAX_CARRIED_LINE` is rejected as ``line_too_long`` with
    its first bytes, and the rest of it is skipped.
    """

    def __init__(
        self,
        *,
        file: str = "<stream>",
        window: int = 256,
        default_source: str | None = None,
        receive_prefix: bool = False,
    ) -> None:
        self.file = file
        self.receive_prefix = receive_prefix
        self.window = window
        self.default_source = default_source
        self._carry = b""
        self._skipping = False  # inside an over-long line already rejected
        self.next_line = 1
        self.consumed_bytes = 0  # bytes of the stream fully accounted for

    @property
    def pending_bytes(self) -> int:
        return len(self._carry)

    def feed(
        self, data: bytes, *, receive_time_ms: int | None = None, final: bool = False
    ) -> DecodeResult:
        skipped = 0
        if self._skipping:
            end = data.find(b"\n")
            skipped = len(data) if end < 0 else end + 1
            data = data[skipped:]
            self._skipping = end < 0 and not final
        buf = self._carry + data if self._carry else data
        r = self._decode(buf, final=final, receive_time_ms=receive_time_ms)
        self._carry = bytes(buf[r.bytes :])
        r.bytes += skipped
        if not final and len(self._carry) > MAX_CARRIED_LINE:
            r = DecodeResult.concat([r, self._reject_long_line(receive_time_ms)])
        self.consumed_bytes += r.bytes
        return r

    def close(self, *, receive_time_ms: int | None = None) -> DecodeResult:
        return self.feed(b"", receive_time_ms=receive_time_ms, final=True)

    def _decode(self, buf: bytes, *, final: bool, receive_time_ms: int | None) -> DecodeResult:
        r = decode_bytes(
            buf,
            file=self.file,
            first_line=self.next_line,
            final=final,
            window=self.window,
            receive_time_ms=receive_time_ms,
            default_source=self.default_source,
            receive_prefix=self.receive_prefix,
        )
        self.next_line += r.lines
        return r

    def _reject_long_line(self, receive_time_ms: int | None) -> DecodeResult:
        """Settle the complete lines carried, then reject the over-long partial line."""
        head, newline, tail = self._carry.rpartition(b"\n")
        done = self._decode(head + newline, final=True, receive_time_ms=receive_time_ms)
        # Its first bytes, beyond any sentence's length, are rejected as line_too_long.
        long = self._decode(tail[: 2 * MAX_LINE] + b"\n", final=True, receive_time_ms=None)
        long.bytes = len(tail)
        self._carry = b""
        self._skipping = True
        return DecodeResult.concat([done, long])
