"""Read AIS inputs from disk in bounded memory: raw NMEA logs (optionally gzipped)
and decoded CSV archives, chunk by chunk.

A 10 GB log never sits in memory whole: it is read in chunks of ``chunk_bytes``
and each chunk decoded before the next is read, so peak memory is a few chunks.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Final

from watchkeeper.ais.csv_archive import is_decoded_csv, iter_decode_csv
from watchkeeper.ais.decode import DecodeResult, StreamDecoder
from watchkeeper.ais.inputs import open_input, skip_bytes
from watchkeeper.errors import InputError

__all__ = ["DEFAULT_CHUNK_BYTES", "decode_file", "iter_decode_file"]

DEFAULT_CHUNK_BYTES: Final = 16 * 1024 * 1024


def iter_decode_file(
    path: Path,
    *,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    window: int = 256,
    start_offset: int = 0,
    on_progress: Callable[[int], None] | None = None,
) -> Iterator[tuple[DecodeResult, int]]:
    """Decode a raw NMEA log chunk by chunk.

    Yields ``(result, offset)`` where ``offset`` is the byte offset in the (uncompressed)
    input up to which every line is accounted for in this and earlier results: the
    point an interrupted ingest resumes from. ``start_offset`` skips bytes already
    ingested (it must be such an offset; line numbers then count from there).
    """
    if is_decoded_csv(path):
        yield from iter_decode_csv(path, start_offset=start_offset)
        return
    decoder = StreamDecoder(file=str(path), window=window, default_source=path.name)
    offset = start_offset
    with open_input(path) as fh:
        if start_offset:
            decoder.next_line += skip_bytes(fh, start_offset)
        try:
            while True:
                data = fh.read(chunk_bytes)
                if on_progress is not None:
                    on_progress(len(data))
                result = decoder.feed(data, final=not data)
                offset += result.bytes
                yield result, offset
                if not data:
                    return
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise InputError(f"{path}: read failed after byte {offset} ({exc})") from exc


def decode_file(
    path: Path, *, chunk_bytes: int = DEFAULT_CHUNK_BYTES, window: int = 256
) -> DecodeResult:
    """Decode a whole input into one result (for inputs that fit in memory)."""
    return DecodeResult.concat(
        [r for r, _ in iter_decode_file(path, chunk_bytes=chunk_bytes, window=window)]
    )
