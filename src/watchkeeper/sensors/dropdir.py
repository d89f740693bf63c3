"""A drop directory for contact files: written in, ingested once, moved out.

For sensors and gateways that can only write files (a share, an `rsync` target). The
node polls the directory (`contacts_dir`) and takes each `*.csv` file once it is
complete: its size and modification time have not changed between two polls (the
safe way to write one is under another name, e.g. `x.csv.part`, then a rename). Files whose names start with `.` and other extensions are left
alone, so temporary names are never read half written.

A complete file is handed to `ingest` (the node's contact ingest: stored durably, then
the picture and the detectors); only then is it moved to `done/`. A file that is not a
contacts CSV at all (no header, no `ts` column, unreadable) is moved to `rejected/`
with `<name>.reason` beside it; rows refused inside a good file are kept in the
archive's `rejected` table like those of any batch. If the node stops between storing a
file and moving it, the next start ingests it again, and the archive recognises the
batch by its content (`batch_id_of`) and stores nothing twice.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Final

from watchkeeper.errors import InputError
from watchkeeper.sensors.contacts import ContactFile, parse_contacts
from watchkeeper.sensors.ingest import batch_id_of

__all__ = ["DONE", "REJECTED_DIR", "ContactDropDir"]

_LOG: Final = logging.getLogger(__name__)

DONE: Final = "done"
REJECTED_DIR: Final = "rejected"


def _move_aside(path: Path, folder: Path) -> Path:
    """Move `path` into `folder` under a name not yet taken there (`x.csv`, `x.1.csv`, ...)."""
    folder.mkdir(exist_ok=True)
    target = folder / path.name
    n = 0
    while target.exists():
        n += 1
        target = folder / f"{path.stem}.{n}{path.suffix}"
    path.replace(target)
    return target


class ContactDropDir:
    """Polls `directory` every `poll_seconds` and ingests complete contact files.

    `ingest(found, batch_id)` stores one file's contacts (see the module docstring);
    `scan` does one poll and can be called directly (tests, a one-off run).
    """

    def __init__(
        self,
        directory: Path,
        ingest: Callable[[ContactFile, str], object],
        *,
        poll_seconds: float = 2.0,
    ) -> None:
        self.directory = directory
        self.ingest = ingest
        self.poll_seconds = poll_seconds
        self._seen: dict[str, tuple[int, int]] = {}  # name -> (size, mtime_ns) last poll

    def run(self, stop: threading.Event) -> None:
        """Poll until `stop` is set (for a thread); a failed poll is logged and retried."""
        self.directory.mkdir(parents=True, exist_ok=True)
        while True:
            try:
                self.scan()
            except Exception:
                _LOG.exception("contacts_dir %s: poll failed; trying again", self.directory)
            if stop.wait(self.poll_seconds):
                return

    def scan(self) -> list[Path]:
        """Ingest the files that are complete now; returns where each one was moved."""
        moved: list[Path] = []
        current: dict[str, tuple[int, int]] = {}
        for entry in sorted(os.scandir(self.directory), key=lambda e: e.name):
            if not entry.is_file() or entry.name.startswith(".") or not entry.name.endswith(".csv"):
                continue
            stat = entry.stat()
            current[entry.name] = (stat.st_size, stat.st_mtime_ns)
            if self._seen.get(entry.name) == current[entry.name]:  # unchanged: complete
                done = self._take(Path(entry.path))
                if done is not None:
                    moved.append(done)
                    current.pop(entry.name, None)
        self._seen = current
        return moved

    def _take(self, path: Path) -> Path | None:
        try:
            data = path.read_bytes()
        except FileNotFoundError:  # taken away meanwhile
            return None
        try:
            found = parse_contacts(data, name=f"{self.directory.name}/{path.name}")
        except InputError as exc:
            target = _move_aside(path, self.directory / REJECTED_DIR)
            target.with_name(target.name + ".reason").write_text(f"{exc}\n", encoding="utf-8")
            _LOG.warning("contacts_dir: %s rejected: %s", path.name, exc)
            return target
        self.ingest(found, batch_id_of(data))  # raises if it cannot store: the file stays
        target = _move_aside(path, self.directory / DONE)
        _LOG.info(
            "contacts_dir: %s: %d contacts, %d rows rejected",
            path.name,
            found.contacts.num_rows,
            found.rejected.num_rows,
        )
        return target
