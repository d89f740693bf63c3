"""Read decoded AIS CSV archives, as national authorities publish them, into the decoder's tables.

Supported out of the box: NOAA MarineCadastre (US, ``MMSI,BaseDateTime,LAT,LON,...``,
including the older ``TranscieverClass`` spelling and years without ``Status`` or
``Cargo``) and the Danish Maritime Authority (``# Timestamp,Type of mobile,MMSI,...``
with ``dd/mm/yyyy`` times and text values such as "Under way using engine"). Columns
are recognised by name through :data:`COLUMN_ALIASES`, compared case-insensitively
with everything but letters and digits removed, so another national layout is a
table entry, not code. The separator (``,``, ``;``, tab or ``|``) is taken from the
header.

Every row becomes one ``positions`` row (``msg_type`` 1 for class A, 18 for class B,
9 for SAR aircraft) or, for base stations and aids to navigation in the DMA layout,
one ``stations`` row (``msg_type`` 4 or 21). A row with static fields also becomes a
``vessels`` row (``msg_type`` 5 for class A, 24 for class B, ``part`` null since the
archive merges both parts), but only when the static fields differ from the previous
row of that MMSI in the batch: an archive repeats them on every position. Times come
from the archive (``ts_source`` "wrapper"); ``source`` is the file name.

What the archives give that the tables cannot hold is left out rather than made up:
NOAA ``Length``/``Width`` are not antenna offsets (``to_bow`` ... stay null; the DMA
``A``/``B``/``C``/``D`` columns are the offsets, read with the ITU-R M.1371 letters: C to
port, D to starboard), NOAA ``Cargo`` is not stored, and fields a CSV does not carry (``raim``, ``second``, ``channel``, ``repeat``,
``turn_raw``, ...) are null. ``is_own`` is false: archives hold received reports.

Values follow :mod:`watchkeeper.schema`: "not available" (heading 511, COG 360, SOG
102.3, lat 91, lon 181, navigational status 15, IMO 0, DMA "Unknown"/"Undefined") is
null, and an optional value that does not parse is null too. A row is rejected, with
its exact bytes and 1-based line number, when it has the wrong number of fields, an
MMSI or time that does not parse (:data:`BAD_ROW`), a latitude or longitude that is not
a number (:data:`BAD_ROW`) or outside the Earth and not the "not available" value
(``value_out_of_range``), or bytes that are not UTF-8 (``binary_data``). Every line is
counted once: the header (and a repeat of it, as concatenated files have) as
"comment", blank lines as "blank", stored rows as "ais", rejected rows as
"rejected:<reason>".

The file is read in batches of whole lines (``batch_lines``, at most
:data:`MAX_BATCH_BYTES`). Lines are classified with byte counts per line (numpy), the
rows of a batch are split by the polars CSV reader in one call (one for lines without
quotes, one for lines with quotes once their quoting is checked) and parsed with
vectorised expressions: no Python loop per row. :func:`iter_decode_csv` yields the byte
offset reached after each batch, the point an interrupted ingest resumes from.
"""

from __future__ import annotations

import gzip
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, BinaryIO, Final

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa

from watchkeeper import schema
from watchkeeper.ais import reasons as R
from watchkeeper.ais.csv_layouts import (
    CARGO_DIGITS,
    COLUMN_ALIASES,
    EPFD_CODES,
    MOBILE_CODES,
    NAV_STATUS_CODES,
    NOT_AVAILABLE_TEXT,
    SHIP_TYPE_CODES,
    TIME_FORMATS,
    Layout,
    parse_header,
)
from watchkeeper.ais.decode import DecodeResult
from watchkeeper.ais.inputs import open_input, skip_bytes
from watchkeeper.errors import InputError

if TYPE_CHECKING:
    from pathlib import Path

__all__ = [
    "BAD_ROW",
    "DEFAULT_BATCH_LINES",
    "decode_csv_bytes",
    "is_decoded_csv",
    "iter_decode_csv",
]

DEFAULT_BATCH_LINES: Final = 200_000
#: A batch is cut earlier when its bytes reach this (at a line boundary).
MAX_BATCH_BYTES: Final = 32 * 1024 * 1024
_READ_BYTES: Final = 16 * 1024 * 1024
_MAX_HEADER: Final = 64 * 1024

#: Rejection reasons (names of :mod:`watchkeeper.ais.reasons`): a row that cannot be read,
#: a position outside the Earth, a line that is not UTF-8.
BAD_ROW: Final = R.REASONS[R.BAD_CSV_ROW]
_OUT_OF_RANGE: Final = R.REASONS[R.OUT_OF_RANGE]
_BINARY: Final = R.REASONS[R.BINARY]


_STATION_TYPES: Final = (4, 21)
_STATIC: Final = (
    "imo",
    "callsign",
    "name",
    "ship_type",
    "to_bow",
    "to_stern",
    "to_port",
    "to_starboard",
    "draught",
    "destination",
    "eta",
    "epfd",
)
_WHITESPACE_BYTES: Final = np.frombuffer(b" \t\r\n\x0b\x0c", np.uint8)


def is_decoded_csv(path: Path) -> bool:
    """Whether ``path`` (optionally gzipped) starts with a CSV header with MMSI and time columns."""
    try:
        with open_input(path) as fh:
            first = fh.readline(_MAX_HEADER)
    except (InputError, OSError, EOFError):
        return False
    return parse_header(first) is not None


def iter_decode_csv(
    path: Path, *, start_offset: int = 0, batch_lines: int = DEFAULT_BATCH_LINES
) -> Iterator[tuple[DecodeResult, int]]:
    """Decode a CSV archive batch by batch.

    Yields ``(result, offset)``: ``offset`` is the byte offset in the (uncompressed)
    file up to which every line is accounted for. ``start_offset`` resumes after such
    an offset (line numbers still count from the start of the file).
    """
    with open_input(path) as fh:
        try:
            yield from _iter(fh, path, start_offset, batch_lines)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise InputError(f"{path}: read failed ({exc})") from exc


def _iter(
    fh: BinaryIO, path: Path, start_offset: int, batch_lines: int
) -> Iterator[tuple[DecodeResult, int]]:
    header = fh.readline(_MAX_HEADER)
    layout = parse_header(header)
    if layout is None:
        raise InputError(f"{path}: not a decoded AIS CSV (no MMSI and time column in line 1)")
    if start_offset and start_offset < len(header):
        raise InputError(f"{path}: resume offset {start_offset} is inside the header line")
    if start_offset:
        first_line = 2 + skip_bytes(fh, start_offset - len(header))
        carry, offset, has_header = b"", start_offset, False
    else:
        first_line, carry, offset, has_header = 1, header, 0, True
    yielded = False
    while True:
        buf = bytearray(carry)
        lines = buf.count(b"\n")
        eof = False
        while not eof and (lines < batch_lines and len(buf) < MAX_BATCH_BYTES or lines == 0):
            block = fh.read(_READ_BYTES)
            eof = not block
            buf += block
            lines += block.count(b"\n")
        if eof:
            cut = len(buf)
        else:
            nl = np.flatnonzero(np.frombuffer(buf, np.uint8) == 10)
            cut = int(nl[min(batch_lines, nl.shape[0]) - 1]) + 1
        if cut or not yielded:
            result = decode_csv_bytes(
                memoryview(buf)[:cut],
                layout,
                file=str(path),
                source=path.name,
                first_line=first_line,
                has_header=has_header,
            )
            offset += cut
            first_line += result.lines
            has_header = False
            yielded = True
            yield result, offset
        if eof:
            return
        carry = bytes(buf[cut:])


def _invalid_utf8(buf: npt.NDArray[np.uint8]) -> npt.NDArray[np.int64]:
    """Positions of the bytes that are not part of a valid UTF-8 sequence."""
    hi = buf >= 0x80
    if not hi.any():
        return np.empty(0, np.int64)
    n = buf.shape[0]
    cont = np.zeros(n + 3, np.bool_)
    cont[:n] = (buf & 0xC0) == 0x80
    nxt = np.zeros(n, np.uint8)
    nxt[:-1] = buf[1:]
    c1, c2, c3 = cont[1 : n + 1], cont[2 : n + 2], cont[3 : n + 3]
    ok2 = (buf >= 0xC2) & (buf <= 0xDF) & c1
    ok3 = ((buf & 0xF0) == 0xE0) & c1 & c2
    ok3 &= ~((buf == 0xE0) & (nxt < 0xA0)) & ~((buf == 0xED) & (nxt > 0x9F))
    ok4 = (buf >= 0xF0) & (buf <= 0xF4) & c1 & c2 & c3
    ok4 &= ~((buf == 0xF0) & (nxt < 0x90)) & ~((buf == 0xF4) & (nxt > 0x8F))
    covered = np.zeros(n + 3, np.bool_)
    covered[1 : n + 1] |= ok2 | ok3 | ok4
    covered[2 : n + 2] |= ok3 | ok4
    covered[3 : n + 3] |= ok4
    is_cont = cont[:n]
    bad = (hi & ~is_cont & ~(ok2 | ok3 | ok4)) | (is_cont & ~covered[:n])
    return np.flatnonzero(bad).astype(np.int64)


def _read_lines(
    data: bytes | bytearray | memoryview,
    idx: npt.NDArray[np.int64],
    buf: npt.NDArray[np.uint8],
    starts: npt.NDArray[np.int64],
    layout: Layout,
    *,
    quoted: bool,
) -> pl.DataFrame | None:
    """Fields of lines ``idx``, each checked to hold the right number of fields.

    Their bytes (with line ends) go to the polars CSV reader in one piece, which then
    yields one row per line; None if it did not (the caller then splits them itself).
    """
    if idx.shape[0] == 0:
        return pl.DataFrame(
            {
                "i": pl.Series([], dtype=pl.Int64),
                **{f: pl.Series([], dtype=pl.String) for f in layout.columns},
            }
        )
    nxt = np.append(starts[1:], buf.shape[0])
    lo, hi = int(idx[0]), int(idx[-1])
    if hi - lo + 1 == idx.shape[0]:  # consecutive lines: one slice
        piece = bytes(data[int(starts[lo]) : int(nxt[hi])])
    else:
        piece = _gather(buf, starts[idx], nxt[idx])[0].tobytes()
    wanted = sorted(layout.columns.values())
    try:
        frame = pl.read_csv(
            piece,
            has_header=False,
            columns=wanted,
            infer_schema=False,
            separator=layout.separator,
            quote_char='"' if quoted else None,
            eol_char="\n",
        )
    except pl.exceptions.PolarsError:
        return None
    if frame.height != idx.shape[0]:
        return None
    column = dict(zip(wanted, frame.columns, strict=True))
    return frame.select(
        pl.Series("i", idx, pl.Int64),
        *[pl.col(column[k]).alias(f) for f, k in layout.columns.items()],
    )


def _sep_re(sep: str) -> str:
    return r"\t" if sep == "\t" else re.escape(sep)


def _quoted_field_count(sep: str) -> pl.Expr:
    """Fields of each ``line`` with quotes (RFC 4180 quoting); 0 if the quoting is broken.

    A field is either quoted (``""`` inside for a quote) or does not start with a quote.
    """
    s = _sep_re(sep)
    field = rf'(?:"(?:[^"]|"")*"|(?:[^{s}"][^{s}]*)?)'
    wellformed = pl.col("line").str.contains(rf"^{field}(?:{s}{field})*$")
    count = (pl.lit(sep) + pl.col("line")).str.count_matches(s + field)
    return pl.when(wellformed).then(count).otherwise(0).cast(pl.Int64)


def _lines(
    buf: npt.NDArray[np.uint8],
    starts: npt.NDArray[np.int64],
    ends: npt.NDArray[np.int64],
    idx: npt.NDArray[np.int64],
) -> pl.DataFrame:
    """Lines ``idx`` (valid UTF-8, without line end) as strings, with their index ``i``."""
    data, offsets = _gather(buf, starts[idx], ends[idx])
    text = pa.Array.from_buffers(
        pa.large_string(), idx.shape[0], [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )
    return pl.DataFrame({"i": idx, "line": text})


def _split_lines(lines: pl.DataFrame, layout: Layout) -> pl.DataFrame:
    """Fields of lines (``i``, ``line``) and their count (``n_fields``), line by line.

    The fallback when the CSV reader does not give one row per line (never seen).
    """
    sep = layout.separator
    s = _sep_re(sep)
    # Each field with the separator before it: a line prefixed with one is fully covered
    # by the matches unless a quoted field is followed by stray characters (malformed).
    q = lines.with_columns(
        f=(pl.lit(sep) + pl.col("line")).str.extract_all(s + r'("(?:[^"]|"")*"|[^' + s + "]*)")
    )
    covered = pl.col("f").list.eval(pl.element().str.len_bytes()).list.sum() == (
        pl.col("line").str.len_bytes() + len(sep.encode())
    )
    el = pl.element().str.slice(len(sep))
    unquote = (
        pl.when(el.str.starts_with('"') & el.str.ends_with('"') & (el.str.len_chars() >= 2))
        .then(el.str.slice(1, el.str.len_chars() - 2).str.replace_all('""', '"', literal=True))
        .otherwise(el)
    )
    q = q.with_columns(f=pl.when(covered).then(pl.col("f").list.eval(unquote)))
    return q.select(
        "i",
        *[pl.col("f").list.get(k, null_on_oob=True).alias(f) for f, k in layout.columns.items()],
        pl.col("f").list.len().fill_null(0).cast(pl.Int64).alias("n_fields"),
    )


def _num(c: pl.Expr) -> pl.Expr:
    return c.cast(pl.Float64, strict=False)


def _code(s: pl.Series, texts: Mapping[str, int]) -> pl.Series:
    """Integer codes: the number written, or the code of a known text (else null).

    Worked out once per distinct value: these columns hold a handful of values.
    """
    d = pl.DataFrame({"v": s.unique().drop_nulls()})
    x = pl.col("v").cast(pl.Float64, strict=False)
    text = pl.col("v").str.to_lowercase().str.replace_all(r"[^a-z0-9]", "")
    codes = d.select(
        pl.coalesce(
            pl.when(x == x.floor()).then(x),
            text.replace_strict(dict(texts), default=None, return_dtype=pl.Float64),
        )
    ).to_series()
    return s.replace_strict(d["v"], codes, default=None, return_dtype=pl.Float64)


def _time(s: pl.Series) -> pl.Series:
    """UTC times, trying :data:`TIME_FORMATS` in turn, the one of the first value first."""
    given = s.drop_nulls()
    formats = list(TIME_FORMATS)
    if given.len():
        first = given.head(1)
        for k, f in enumerate(formats):
            if (
                first.str.to_datetime(f, strict=False, time_unit="ms", time_zone="UTC").null_count()
                == 0
            ):
                formats.insert(0, formats.pop(k))
                break
    out = s.str.to_datetime(formats[0], strict=False, time_unit="ms", time_zone="UTC")
    for f in formats[1:]:
        if out.null_count() == s.null_count():
            break
        out = out.fill_null(s.str.to_datetime(f, strict=False, time_unit="ms", time_zone="UTC"))
    return out


def _text(c: pl.Expr, *, na_words: bool) -> pl.Expr:
    t = c.str.strip_chars_end("@ ").str.strip_chars_start()
    bad = t == ""
    if na_words:
        bad |= t.str.to_lowercase().is_in(list(NOT_AVAILABLE_TEXT))
    return pl.when(~bad).then(t)


def _parse(raw: pl.DataFrame, layout: Layout, *, strip: bool) -> pl.DataFrame:
    """Typed columns and a rejection reason (null if stored) for split rows.

    ``raw`` has ``i`` (line index), ``n_fields`` and a string column per field of the
    layout; with ``strip``, surrounding whitespace is removed first (it copies every value,
    so it is skipped when no field is padded).
    """
    if strip:
        raw = raw.with_columns([pl.col(f).str.strip_chars() for f in layout.columns])
    missing = [name for name in COLUMN_ALIASES if name not in layout.columns]
    raw = raw.with_columns([pl.lit(None, pl.String).alias(name) for name in missing])
    # Columns of few distinct values, and times: parsed as Series (see _code, _time).
    raw = raw.with_columns(
        ts_=_time(raw["ts"]),
        eta_=_time(raw["eta"]),
        mobile_=_code(raw["mobile"], MOBILE_CODES),
        nav_status_=_code(raw["nav_status"], NAV_STATUS_CODES),
        ship_type_=_code(raw["ship_type"], SHIP_TYPE_CODES),
        cargo_=_code(raw["cargo_type"], CARGO_DIGITS),
        epfd_=_code(raw["epfd"], EPFD_CODES),
    )
    c = pl.col
    nums = (
        "mmsi",
        "lat",
        "lon",
        "sog",
        "cog",
        "heading",
        "turn",
        "draught",
        "to_bow",
        "to_stern",
        "to_port",
        "to_starboard",
    )
    raw = raw.with_columns(
        [_num(c(n)).alias(n + "_") for n in nums],
        imo_=_num(_text(c("imo"), na_words=True).str.replace(r"(?i)^imo\s*", "")),
    )

    def between(x: pl.Expr, lo: float, hi: float, typ: pl.DataType) -> pl.Expr:
        return pl.when((x >= lo) & (x <= hi)).then(x).cast(typ)

    def unparsed(field: str) -> pl.Expr:
        v = c(field + "_")
        return (c(field).fill_null("") != "") & ~v.is_finite().fill_null(value=False)

    mmsi, lat, lon = c("mmsi_"), c("lat_"), c("lon_")
    sog, cog, draught = c("sog_"), c("cog_"), c("draught_")
    heading = c("heading_").round(0)
    ship_type = c("ship_type_")
    # DMA gives the ship type's second digit (hazardous cargo category) as a text column.
    ship_type = (
        pl.when(ship_type.is_in([20.0, 40.0, 60.0, 70.0, 80.0, 90.0]))
        .then(ship_type + c("cargo_").fill_null(0))
        .otherwise(ship_type)
    )
    mmsi_ok = ((mmsi == mmsi.floor()) & (mmsi >= 0) & (mmsi <= 999_999_999)).fill_null(value=False)
    reason = (
        pl.when(c("n_fields") != len(layout.names))
        .then(pl.lit(BAD_ROW))
        .when(~mmsi_ok)
        .then(pl.lit(BAD_ROW))
        .when(c("ts_").is_null())
        .then(pl.lit(BAD_ROW))
        .when(unparsed("lat") | unparsed("lon"))
        .then(pl.lit(BAD_ROW))
        .when(((lat.abs() > 90) & (lat != 91)) | ((lon.abs() > 180) & (lon != 181)))
        .then(pl.lit(_OUT_OF_RANGE))
    )
    dims = ("to_bow", "to_stern", "to_port", "to_starboard")
    out = raw.select(
        "i",
        reason=reason,
        mmsi=pl.when(mmsi.is_between(0, 999_999_999)).then(mmsi).cast(pl.Int32),
        ts=c("ts_"),
        lat=pl.when(lat.abs() <= 90).then(lat),
        lon=pl.when(lon.abs() <= 180).then(lon),
        sog=pl.when((sog >= 0) & (sog < 102.25)).then(sog).cast(pl.Float32),
        cog=pl.when((cog >= 0) & (cog < 360)).then(cog).cast(pl.Float32),
        heading=between(heading, 0, 359, pl.Int16()),
        # Class B reports have no navigational status (schema.POSITIONS).
        nav_status=pl.when(c("mobile_").fill_null(0) != 18)
        .then(between(c("nav_status_"), 0, 14, pl.Int8()))
        .otherwise(None),
        turn=pl.when(c("turn_").is_finite()).then(c("turn_")).cast(pl.Float32),
        msg_type=between(c("mobile_"), 1, 27, pl.Int8()).fill_null(1),
        imo=between(c("imo_"), 1, 2**31 - 1, pl.Int32()),
        callsign=_text(c("callsign"), na_words=True),
        name=_text(c("name"), na_words=False),
        ship_type=between(ship_type, 1, 255, pl.Int16()),
        draught=pl.when(draught.is_finite() & (draught > 0)).then(draught).cast(pl.Float32),
        destination=_text(c("destination"), na_words=True),
        eta=c("eta_"),
        epfd=between(c("epfd_"), 1, 15, pl.Int8()),
        **{d: between(c(d + "_").round(0), 0, 511, pl.Int16()) for d in dims},
    )
    # As the decoder: offsets are known only when one of them is not zero.
    known = pl.any_horizontal([c(d) > 0 for d in dims]).fill_null(value=False)
    return out.with_columns([pl.when(known).then(c(d)).alias(d) for d in dims])


def _labels(values: list[str], codes: npt.NDArray[np.int32]) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(
        pa.array(codes, pa.int32()), pa.array(values, pa.string())
    )


def _table(df: pl.DataFrame, target: pa.Schema, source: str) -> pa.Table:
    """An Arrow table of ``target`` from the columns of ``df`` that it has; the rest null."""
    n = df.height
    zeros = np.zeros(n, np.int32)
    arrays: list[pa.Array] = []
    for fld in target:
        if fld.name in df.columns:
            arrays.append(df[fld.name].to_arrow().cast(fld.type))
        elif fld.name == "ts_source":
            arrays.append(_labels(list(schema.TIME_SOURCES), zeros + 1))  # "wrapper"
        elif fld.name == "source":
            arrays.append(_labels([source], zeros))
        elif fld.name == "is_own":
            arrays.append(pa.array(np.zeros(n, np.bool_)))
        else:
            arrays.append(pa.nulls(n, fld.type))
    return pa.Table.from_arrays(arrays, schema=target)


def _vessels(rows: pl.DataFrame) -> pl.DataFrame:
    """Rows with static fields, each kept only when they differ from that MMSI's previous one."""
    v = rows.filter(pl.any_horizontal([pl.col(c).is_not_null() for c in _STATIC]))
    # Compare a hash of the static fields rather than sorting them all along.
    keys = v.select("mmsi", "ts", "i", h=pl.struct(list(_STATIC)).hash()).sort(
        ["mmsi", "ts"], maintain_order=True
    )
    keep = keys.filter(
        (pl.col("mmsi") != pl.col("mmsi").shift(1)).fill_null(value=True)
        | (pl.col("h") != pl.col("h").shift(1))
    )["i"].sort()
    v = v.filter(pl.col("i").is_in(keep.implode()))
    return v.with_columns(
        msg_type=pl.when(pl.col("msg_type") == 18).then(24).otherwise(5).cast(pl.Int8),
        eta_month=pl.col("eta").dt.month().cast(pl.Int8),
        eta_day=pl.col("eta").dt.day().cast(pl.Int8),
        eta_hour=pl.col("eta").dt.hour().cast(pl.Int8),
        eta_minute=pl.col("eta").dt.minute().cast(pl.Int8),
    )


def _gather(
    buf: npt.NDArray[np.uint8], s: npt.NDArray[np.int64], e: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    """The byte spans ``s[k]:e[k]`` joined, and their offsets (for an Arrow array)."""
    lens = e - s
    offsets = np.zeros(s.shape[0] + 1, np.int64)
    np.cumsum(lens, out=offsets[1:])
    if 8 * int(offsets[-1]) < buf.shape[0]:  # a few spans: gather by byte index
        idx = np.repeat(s - offsets[:-1], lens) + np.arange(int(offsets[-1]), dtype=np.int64)
        return buf[idx], offsets
    # Many: a byte mask (spans are sorted and do not overlap), a byte per input byte.
    edge = np.zeros(buf.shape[0] + 1, np.int8)
    np.add.at(edge, s, 1)
    np.add.at(edge, e, -1)
    return buf[np.cumsum(edge[:-1], dtype=np.int8) > 0], offsets


def _rejected(
    buf: npt.NDArray[np.uint8],
    starts: npt.NDArray[np.int64],
    ends: npt.NDArray[np.int64],
    rejected: pl.DataFrame,
    file: str,
    first_line: int,
) -> pa.Table:
    idx = rejected["i"].to_numpy().astype(np.int64)
    n = idx.shape[0]
    data, offsets = _gather(buf, starts[idx], ends[idx])
    raw = pa.Array.from_buffers(
        pa.large_binary(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )
    cols = {
        "file": pa.DictionaryArray.from_arrays(
            pa.array(np.zeros(n, np.int32)), pa.array([file], pa.string())
        ).cast(pa.string()),
        "line": pa.array(idx + first_line, pa.int64()),
        "raw": raw.cast(pa.binary()),
        "reason": pa.array(rejected["reason"].to_list(), pa.string()).dictionary_encode(),
    }
    return pa.Table.from_pydict(cols, schema=schema.REJECTED)


def _per_line(mask: npt.NDArray[np.bool_], starts: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """How many bytes of each line (its span up to the next line's start) ``mask`` marks."""
    if starts.shape[0] == 0:
        return np.zeros(0, np.int64)
    return np.add.reduceat(mask.view(np.uint8), starts, dtype=np.int32).astype(np.int64)


def _blank(
    buf: npt.NDArray[np.uint8],
    starts: npt.NDArray[np.int64],
    ends: npt.NDArray[np.int64],
    candidates: npt.NDArray[np.bool_],
) -> npt.NDArray[np.bool_]:
    """Lines of nothing but whitespace, among ``candidates`` (lines without a separator)."""
    out = np.zeros(starts.shape[0], np.bool_)
    idx = np.flatnonzero(candidates).astype(np.int64)
    data, offsets = _gather(buf, starts[idx], ends[idx])
    non_ws = np.zeros(data.shape[0] + 1, np.int64)
    np.cumsum(~np.isin(data, _WHITESPACE_BYTES), out=non_ws[1:])
    out[idx] = non_ws[offsets[1:]] == non_ws[offsets[:-1]]
    return out


def _padded(buf: npt.NDArray[np.uint8], sep: str) -> bool:
    """Whether a space or tab touches a separator or a line end: fields to strip.

    Looked at in slices of 4 MiB (a loop per slice, not per line), stopping at the first.
    """
    step = 4 * 1024 * 1024
    for lo in range(0, buf.shape[0], step):
        c = buf[max(lo - 1, 0) : lo + step + 1]
        sp = (c == ord(" ")) | (c == ord("\t"))
        if lo == 0 and sp[0]:
            return True
        if not sp.any():
            continue
        edge = (c == ord(sep)) | (c == ord("\n")) | (c == ord("\r"))
        if (sp[1:] & edge[:-1]).any() or (sp[:-1] & edge[1:]).any():
            return True
    return False


def _header_repeats(
    buf: npt.NDArray[np.uint8],
    starts: npt.NDArray[np.int64],
    ends: npt.NDArray[np.int64],
    header: bytes,
) -> npt.NDArray[np.bool_]:
    """Lines that are the header again (as files concatenated with ``cat`` have)."""
    out = np.zeros(starts.shape[0], np.bool_)
    for prefix in (b"", b"\xef\xbb\xbf"):
        h = np.frombuffer(prefix + header, np.uint8)
        cand = np.flatnonzero((ends - starts) == h.shape[0])
        cand = cand[buf[starts[cand]] == h[0]]
        if cand.shape[0]:
            rows = buf[starts[cand, None] + np.arange(h.shape[0])]
            out[cand[(rows == h).all(axis=1)]] = True
    return out


def decode_csv_bytes(
    data: bytes | bytearray | memoryview,
    layout: Layout,
    *,
    file: str = "<input>",
    source: str | None = None,
    first_line: int = 1,
    has_header: bool = False,
) -> DecodeResult:
    """Decode whole lines of a CSV archive whose columns ``layout`` describes.

    ``first_line`` is the line number of the first line; with ``has_header`` that line
    is the header. ``source`` (default ``file``) fills the ``source`` column.
    """
    buf = np.frombuffer(data, np.uint8)
    nl = np.flatnonzero(buf == 10).astype(np.int64)
    ends = nl if buf.shape[0] == 0 or buf[-1] == 10 else np.append(nl, buf.shape[0])
    n = ends.shape[0]
    starts = np.zeros(n, np.int64)
    starts[1:] = ends[:-1] + 1
    ends = ends - ((ends > starts) & (buf[np.maximum(ends - 1, 0)] == 13))  # drop a CR

    # What each line is, from byte counts per line (no string per line is built).
    n_sep = _per_line(buf == ord(layout.separator), starts)
    blank = _blank(buf, starts, ends, n_sep == 0)
    comment = _header_repeats(buf, starts, ends, layout.header.encode()) & ~blank
    if has_header and n:
        comment[0] = not blank[0]
    not_utf8 = np.zeros(n, np.bool_)
    bad = _invalid_utf8(buf)
    if bad.shape[0]:
        not_utf8[np.searchsorted(starts, bad, side="right") - 1] = True
    row = ~blank & ~comment & ~not_utf8
    quote = buf == ord('"')
    quoted = (_per_line(quote, starts) > 0) & row if quote.any() else np.zeros(n, np.bool_)
    n_fields = len(layout.names)
    plain = row & ~quoted & (n_sep == n_fields - 1)
    ragged = row & ~quoted & (n_sep != n_fields - 1)

    # Lines go to the CSV reader in two pieces, without quotes and with (checked first).
    parts = []
    slow = np.zeros(n, np.bool_)  # lines the CSV reader did not read one row each
    fast = _read_lines(
        data, np.flatnonzero(plain).astype(np.int64), buf, starts, layout, quoted=False
    )
    if fast is None:
        slow |= plain
    else:
        parts.append(fast)
    if quoted.any():
        q_idx = np.flatnonzero(quoted).astype(np.int64)
        count = _lines(buf, starts, ends, q_idx).select(n=_quoted_field_count(layout.separator))
        fits = count["n"].to_numpy() == n_fields
        ragged[q_idx[~fits]] = True
        fast = _read_lines(data, q_idx[fits], buf, starts, layout, quoted=True)
        if fast is None:
            slow[q_idx[fits]] = True
        else:
            parts.append(fast)
    parts = [p.with_columns(n_fields=pl.lit(n_fields, pl.Int64)) for p in parts]
    if slow.any():
        parts.append(_split_lines(_lines(buf, starts, ends, np.flatnonzero(slow)), layout))
    split = pl.concat(parts, how="vertical_relaxed")
    del parts, fast
    parsed = _parse(split, layout, strip=_padded(buf, layout.separator))
    del split
    if parsed.height and not parsed["i"].is_sorted():
        parsed = parsed.sort("i")  # back in line order
    ok = parsed.filter(pl.col("reason").is_null())
    rejected = pl.concat(
        [
            parsed.filter(pl.col("reason").is_not_null()).select("i", "reason"),
            pl.DataFrame(
                {"i": np.flatnonzero(ragged).astype(np.int64), "reason": BAD_ROW},
                schema={"i": pl.Int64, "reason": pl.String},
            ),
            pl.DataFrame(
                {
                    "i": np.flatnonzero(not_utf8 & ~blank & ~comment).astype(np.int64),
                    "reason": _BINARY,
                },
                schema={"i": pl.Int64, "reason": pl.String},
            ),
        ]
    ).sort("i")

    result = DecodeResult.empty()
    counts = {
        "ais": ok.height,
        "comment": int(comment.sum()),
        "blank": int(blank.sum()),
        **{f"rejected:{r}": k for r, k in rejected["reason"].value_counts().iter_rows()},
    }
    result.counts = Counter({k: v for k, v in counts.items() if v})
    result.lines, result.bytes = n, buf.shape[0]
    result.rejected = _rejected(buf, starts, ends, rejected, file, first_line)
    src = source or file
    is_station = pl.col("msg_type").is_in(list(_STATION_TYPES))
    positions = ok.filter(~is_station)
    result.positions = _table(positions, schema.POSITIONS, src)
    result.stations = _table(ok.filter(is_station), schema.STATIONS, src)
    result.vessels = _table(_vessels(positions), schema.VESSELS, src)
    result.message_types = Counter(dict(ok["msg_type"].cast(pl.Int64).value_counts().iter_rows()))
    return result
