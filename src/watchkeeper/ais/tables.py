"""Arrow tables from decoded messages: one builder per table of :mod:`watchkeeper.schema`.

The payload kernel leaves ITU-R M.1371 "not available" values as their raw sentinels;
here they become nulls, texts become string columns, and each message goes to the
table of its type (positions, vessels, stations, other messages). Rejected lines
become the rejected table with their exact bytes.
"""

from __future__ import annotations

from typing import Final

import numba as nb
import numpy as np
import numpy.typing as npt
import pyarrow as pa

from watchkeeper import schema
from watchkeeper.ais import reasons as R
from watchkeeper.ais.assemble import Messages
from watchkeeper.ais.framing import NO_TIME
from watchkeeper.ais.payload import Fields, distinct_codes, gather_spans

__all__ = [
    "DECODED_TYPES",
    "IS_DECODED",
    "IS_POSITION",
    "IS_STATION",
    "IS_VESSEL",
    "POSITION_TYPES",
    "STATION_TYPES",
    "VESSEL_TYPES",
    "MessageColumns",
    "other_table",
    "positions_table",
    "rejected_table",
    "stations_table",
    "vessels_table",
]

POSITION_TYPES: Final = (1, 2, 3, 18, 19, 27)
VESSEL_TYPES: Final = (5, 19, 24)
STATION_TYPES: Final = (4, 21)
DECODED_TYPES: Final = (1, 2, 3, 4, 5, 18, 19, 21, 24, 27)


def _type_mask(types: tuple[int, ...]) -> npt.NDArray[np.bool_]:
    """A lookup table: ``mask[msg_type]`` is a vectorised ``msg_type in types``."""
    mask = np.zeros(64, np.bool_)
    mask[list(types)] = True
    return mask


IS_POSITION: Final = _type_mask(POSITION_TYPES)
IS_VESSEL: Final = _type_mask(VESSEL_TYPES)
IS_STATION: Final = _type_mask(STATION_TYPES)
IS_DECODED: Final = _type_mask(DECODED_TYPES)
_HAS_DTE: Final = _type_mask((5, 19))


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


class MessageColumns:
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


# Columns of the positions table that have "not available" values, in kernel order.
_POSITION_NULLABLE: Final = (
    "lat",
    "lon",
    "sog",
    "cog",
    "heading",
    "nav_status",
    "turn",
    "turn_raw",
    "second",
    "maneuver",
)


@nb.njit(cache=True)
def _position_rows(
    idx: npt.NDArray[np.int64],
    msg_type: npt.NDArray[np.int8],
    lat: npt.NDArray[np.float64],
    lon: npt.NDArray[np.float64],
    sog: npt.NDArray[np.float32],
    cog: npt.NDArray[np.float32],
    heading: npt.NDArray[np.int16],
    nav: npt.NDArray[np.int8],
    turn_raw: npt.NDArray[np.int8],
    second: npt.NDArray[np.int8],
    maneuver: npt.NDArray[np.int8],
    out_f64: npt.NDArray[np.float64],  # (2, n): lat, lon
    out_f32: npt.NDArray[np.float32],  # (3, n): sog, cog, turn
    out_i16: npt.NDArray[np.int16],  # (1, n): heading
    out_i8: npt.NDArray[np.int8],  # (4, n): nav_status, turn_raw, second, maneuver
    null: npt.NDArray[np.bool_],  # (10, n), in _POSITION_NULLABLE order
) -> None:
    """Gather the rows ``idx`` and flag ITU-R M.1371 "not available" values, in one pass."""
    for r in range(idx.shape[0]):
        m = idx[r]
        t = msg_type[m]
        out_f64[0, r] = lat[m]
        out_f64[1, r] = lon[m]
        null[0, r] = np.isnan(lat[m])
        null[1, r] = np.isnan(lon[m])
        out_f32[0, r] = sog[m]
        out_f32[1, r] = cog[m]
        if t == 27:  # 1-knot and 1-degree steps; 63 and 511 are "not available"
            null[2, r] = sog[m] >= 63
            null[3, r] = cog[m] >= 360
        else:  # 102.3 kn and 360.0 degrees are "not available", above is invalid
            null[2, r] = sog[m] > 102.25
            null[3, r] = cog[m] > 359.95
        out_i16[0, r] = heading[m]
        null[4, r] = heading[m] < 0 or heading[m] >= 360
        out_i8[0, r] = nav[m]
        null[5, r] = nav[m] < 0 or nav[m] == 15
        rot = turn_raw[m]
        has_rot = t <= 3
        out_f32[2, r] = np.sign(rot) * (np.float32(rot) / np.float32(4.733)) ** 2
        null[6, r] = not has_rot or abs(np.int16(rot)) >= 127
        out_i8[1, r] = rot
        null[7, r] = not has_rot or rot == -128
        out_i8[2, r] = second[m]
        null[8, r] = second[m] < 0 or second[m] >= 60
        out_i8[3, r] = maneuver[m]
        null[9, r] = maneuver[m] <= 0


def positions_table(c: MessageColumns, idx: npt.NDArray[np.int64]) -> pa.Table:
    f = c.f
    n = idx.shape[0]
    f64 = np.empty((2, n), np.float64)
    f32 = np.empty((3, n), np.float32)
    i16 = np.empty((1, n), np.int16)
    i8 = np.empty((4, n), np.int8)
    null = np.empty((len(_POSITION_NULLABLE), n), np.bool_)
    _position_rows(
        idx,
        f.msg_type,
        f.lat,
        f.lon,
        f.sog,
        f.cog,
        f.heading,
        f.nav_status,
        f.turn_raw,
        f.second,
        f.maneuver,
        f64,
        f32,
        i16,
        i8,
        null,
    )
    values = (f64[0], f64[1], f32[0], f32[1], i16[0], i8[0], f32[2], i8[1], i8[2], i8[3])
    cols = {
        **c.common(idx),
        **{
            name: pa.array(v, mask=null[k], type=schema.POSITIONS.field(name).type)
            for k, (name, v) in enumerate(zip(_POSITION_NULLABLE, values, strict=True))
        },
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


def vessels_table(c: MessageColumns, idx: npt.NDArray[np.int64]) -> pa.Table:
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


def stations_table(c: MessageColumns, idx: npt.NDArray[np.int64]) -> pa.Table:
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


def other_table(
    c: MessageColumns,
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


def rejected_table(
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
