"""Contacts into the node: one batch of sightings, stored once, then passed on.

Sensors and their gateways deliver contacts as CSV (`watchkeeper.sensors.contacts`), by
`POST /api/contacts` or into the node's drop directory (`watchkeeper.sensors.dropdir`);
the demo hands the simulator's contacts to the same function. Each batch is appended to
the archive as one batch (`contacts`, and its refused rows in `rejected` with their
reasons, as the AIS ingest keeps its bad lines), durably, before it counts as received.
Its id is the digest of its content, so a gateway that sends a batch again after a lost
answer stores nothing twice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa

    from watchkeeper.sensors.contacts import ContactFile
    from watchkeeper.tracks.archive import Archive

__all__ = ["ContactReceipt", "batch_id_of", "store_contacts"]


def batch_id_of(data: bytes) -> str:
    """The archive batch id of a contacts body: `contacts:` and its SHA-256 (32 hex)."""
    return "contacts:" + hashlib.sha256(data).hexdigest()[:32]


@dataclass(frozen=True)
class ContactReceipt:
    """What became of one batch: rows accepted and refused, and whether it was new
    (`stored`: False when the same batch had been stored before, so nothing was added)."""

    batch_id: str
    accepted: int
    rejected: pa.Table
    stored: bool


def store_contacts(archive: Archive, found: ContactFile, *, batch_id: str) -> ContactReceipt:
    """Append the usable sightings and the refused rows of one batch to the archive.

    Returns once both are durable (see `Archive.append`); raises whatever the archive
    raises (a full disk), in which case nothing of the batch is stored.
    """
    tables = {"contacts": found.contacts, "rejected": found.rejected}
    stored = archive.append(tables, batch_id=batch_id)
    return ContactReceipt(
        batch_id=batch_id,
        accepted=found.contacts.num_rows,
        rejected=found.rejected,
        stored=stored,
    )
