"""Writing a run to files: the NMEA log, the contacts CSV and the truth file.

Each file is written under a temporary name and renamed when complete, so a run
that is interrupted never leaves a file that looks finished.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from watchkeeper import schema
from watchkeeper.errors import InputError
from watchkeeper.sim.simulate import Simulation, Window
from watchkeeper.sim.truth import write_truth

__all__ = ["RunSummary", "contacts_for_csv", "write_run"]


@dataclass
class RunSummary:
    """What a run wrote."""

    sentences: int = 0
    transmissions: int = 0
    contacts: int = 0
    truth: int = 0
    nmea_bytes: int = 0


def contacts_for_csv(table: pa.Table) -> pa.Table:
    """The contacts with plain string columns and ISO 8601 UTC times, as the CSV holds them."""
    ts = pc.strftime(table["ts"], format="%Y-%m-%dT%H:%M:%SZ")  # %S of a ms time: "05.123"
    cols = {}
    for name in schema.CONTACTS.names:
        col = table[name]
        if name == "ts":
            col = ts
        elif pa.types.is_dictionary(col.type):
            col = col.cast(pa.string())
        cols[name] = col
    return pa.table(cols)


def write_run(
    sim: Simulation,
    nmea: Path,
    truth: Path | None = None,
    contacts: Path | None = None,
    progress: Callable[[Window], None] | None = None,
) -> RunSummary:
    """Produce the whole run into the given files; returns counts."""
    summary = RunSummary()
    parts = [(p, p.with_name(p.name + ".part")) for p in (nmea, truth, contacts) if p is not None]
    try:
        with parts[0][1].open("wb") as out:
            writer = None
            csv_part = contacts.with_name(contacts.name + ".part") if contacts else None
            try:
                for window in sim.windows():
                    out.write(window.nmea)
                    summary.sentences += window.sentences
                    summary.transmissions += window.transmissions
                    summary.nmea_bytes += len(window.nmea)
                    if csv_part is not None:
                        table = contacts_for_csv(window.contacts)
                        if writer is None:
                            writer = pacsv.CSVWriter(str(csv_part), table.schema)
                        writer.write_table(table)
                        summary.contacts += table.num_rows
                    if progress is not None:
                        progress(window)
                if csv_part is not None and writer is None:
                    empty = contacts_for_csv(schema.CONTACTS.empty_table())
                    writer = pacsv.CSVWriter(str(csv_part), empty.schema)
            finally:
                if writer is not None:
                    writer.close()
        if truth is not None:
            summary.truth = write_truth(truth.with_name(truth.name + ".part"), sim.finished_truth())
        for final, part in parts:
            part.replace(final)
    except OSError as exc:
        raise InputError(f"cannot write {exc.filename or 'output'}: {exc.strerror}") from None
    finally:
        for _, part in parts:
            part.unlink(missing_ok=True)
    return summary
