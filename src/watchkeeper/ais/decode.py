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
from watchkeeper.ais.framing import MAX_LINE, scan_lines
from watchkeeper.ais.payload import decode_payloads
from watchkeeper.ais.tables import (
    IS_DECODED,
    IS_POSITION,
    IS_STATION,
    IS_VESSEL,
    MessageColumns,
    other_table,
    positions_table,
    rejected_table,
    stations_table,
    vessels_table,
)

__all__ = ["DecodeResult", "StreamDecoder", "decode_bytes"]


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

    def counts_only(self) -> DecodeResult:
        """The line and message counts without the tables: what a summary of many
        chunks keeps once their tables are written out."""
        out = DecodeResult.empty()
        out.counts, out.message_types = self.counts, self.message_types
        out.lines, out.bytes = self.lines, self.bytes
        return out

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
    result.rejected = rejected_table(buf, starts, ends, rej, lf.reason, file, first_line)
    if n_keep:
        first_lines = m.lines[m.line_off[:n_keep]]
        c = MessageColumns(buf, m, f, first_lines, lf.chan, lf.vdo, default_source or file)
        ok = ~bad
        t = f.msg_type
        result.message_types = Counter(
            {int(k): int(v) for k, v in enumerate(np.bincount(t[ok], minlength=64)) if v}
        )
        result.positions = positions_table(c, np.flatnonzero(ok & IS_POSITION[t]))
        result.vessels = vessels_table(c, np.flatnonzero(ok & IS_VESSEL[t]))
        result.stations = stations_table(c, np.flatnonzero(ok & IS_STATION[t]))
        result.other = other_table(c, np.flatnonzero(ok & ~IS_DECODED[t]), buf, lf.payload, lf.fill)
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
