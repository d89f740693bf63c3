"""`watchkeeper decode`: raw AIS logs or decoded CSV archives to Parquet files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pyarrow.parquet as pq
import typer
from rich.console import Console

from watchkeeper.ais.decode import DecodeResult
from watchkeeper.ais.reader import iter_decode_file
from watchkeeper.ais.summary import summarize
from watchkeeper.cli.render import print_summary
from watchkeeper.errors import InputError
from watchkeeper.settings import load_settings

__all__ = ["decode"]

#: Table name -> file written; `other` and `stations` keep what is not a vessel position.
OUTPUTS = {
    "positions": "positions.parquet",
    "vessels": "vessels.parquet",
    "stations": "stations.parquet",
    "other": "other_messages.parquet",
    "rejected": "rejected.parquet",
}


def decode(
    inputs: Annotated[
        list[Path], typer.Argument(help="Raw NMEA logs (.gz too) or decoded CSV archives.")
    ],
    out: Annotated[
        Path, typer.Option("-o", "--out", help="Directory to write the Parquet files to.")
    ],
) -> None:
    """Decode AIS inputs to positions, vessels, stations, other messages and rejected lines.

    Every input line is counted once in the summary: decoded, non-AIS, or rejected
    with a reason (rejected lines are kept in rejected.parquet with file and line).
    """
    console = Console(stderr=True)
    settings = load_settings()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{out}: cannot be used as the output directory ({exc.strerror})") from exc
    writers: dict[str, pq.ParquetWriter] = {}
    totals: list[DecodeResult] = []
    failed: list[str] = []
    try:
        for path in inputs:
            try:
                for result, _ in iter_decode_file(
                    path,
                    chunk_bytes=settings.decode_chunk_bytes,
                    window=settings.fragment_window_lines,
                ):
                    _write(out, writers, result)
                    totals.append(result.counts_only())
            except InputError as exc:
                failed.append(str(exc))
                console.print(f"[red]error:[/] {exc}", soft_wrap=True)
    finally:
        for name, table_file in OUTPUTS.items():
            if name not in writers:
                _write_empty(out / table_file, name)
        for w in writers.values():
            w.close()
    total = DecodeResult.concat(totals)
    title = f"decoded {len(inputs) - len(failed)} of {len(inputs)} inputs into {out}"
    print_summary(console, summarize(total, rows=_rows(out)), title=title)
    if failed:
        raise typer.Exit(1)


def _write(out: Path, writers: dict[str, pq.ParquetWriter], result: DecodeResult) -> None:
    for name, table in result.tables().items():
        if table.num_rows == 0:
            continue
        if name not in writers:
            writers[name] = pq.ParquetWriter(out / OUTPUTS[name], table.schema, compression="zstd")
        writers[name].write_table(table)


def _write_empty(path: Path, name: str) -> None:
    pq.write_table(DecodeResult.empty().tables()[name], path, compression="zstd")


def _rows(out: Path) -> dict[str, int]:
    return {name: pq.ParquetFile(out / f).metadata.num_rows for name, f in OUTPUTS.items()}
