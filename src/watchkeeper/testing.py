"""Builders of small tables for tests, shipped with the package (cf. `polars.testing`).

Tests of every package need decoded-looking tables without running the decoder:
`make_positions([{"mmsi": 1, "ts": "2024-05-01T12:00:00Z", "lat": 36.8, "lon": 10.2}])`
reads like the fix it describes. Columns not given are null, except `msg_type`,
which defaults to a type the table's readers accept (1 for positions, 5 for vessels),
so a test states only what it is about. Times may be RFC 3339 strings or aware
datetimes. These helpers loop over rows: they are for a handful of rows, not data.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pyarrow as pa

from watchkeeper.schema import CONTACTS, POSITIONS, VESSELS

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    import polars as pl
    from fastapi import FastAPI

    from watchkeeper.accounts.context import Accounts

__all__ = [
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "bearer",
    "issue_token",
    "make_contacts",
    "make_events",
    "make_positions",
    "make_table",
    "make_vessels",
    "serve_in_thread",
    "utc",
]

#: Debian's chromium: the browser tests, the picture benchmark and the README screenshot
#: drive it with Playwright (never a browser download).
CHROMIUM: Final = Path("/usr/bin/chromium")
#: Launch flags checked on this kind of machine (FIELD-NOTES, "Browser tests"): WebGL on
#: SwiftShader, no sandbox (root in a container), nothing fetched in the background.
CHROMIUM_ARGS: Final = (
    "--no-sandbox",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


@contextmanager
def serve_in_thread(app: FastAPI) -> Iterator[str]:
    """A real uvicorn server for `app` on a free local port, lifespan included; yields
    its base URL and stops it afterwards (tests of streams and of the OpenAPI schema)."""
    import uvicorn  # noqa: PLC0415 - keeps `import watchkeeper.testing` light

    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    if not server.started:
        raise RuntimeError("uvicorn did not start within a minute")
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)


def utc(text: str) -> datetime:
    """Parse an RFC 3339 time (`Z` or an offset); refuses naive times."""
    moment = datetime.fromisoformat(text)
    if moment.utcoffset() is None:
        raise ValueError(f"time without a UTC offset: {text!r}")
    return moment


def make_table(
    schema: pa.Schema, rows: Iterable[Mapping[str, Any]], *, defaults: Mapping[str, Any] = {}
) -> pa.Table:
    """A table of `schema` from dicts; unknown keys raise, missing ones are null."""
    names = set(schema.names)
    prepared = []
    for row in rows:
        unknown = set(row) - names
        if unknown:
            raise ValueError(f"columns not in the schema: {sorted(unknown)}")
        full = {**defaults, **row}
        for name, value in full.items():
            if isinstance(value, str) and pa.types.is_timestamp(schema.field(name).type):
                full[name] = utc(value)
        prepared.append(full)
    return pa.Table.from_pylist(prepared, schema=schema)


def make_positions(rows: Iterable[Mapping[str, Any]]) -> pa.Table:
    """A POSITIONS table; `msg_type` defaults to 1 (class A scheduled report)."""
    return make_table(POSITIONS, rows, defaults={"msg_type": 1})


def make_vessels(rows: Iterable[Mapping[str, Any]]) -> pa.Table:
    """A VESSELS table; `msg_type` defaults to 5 (class A static and voyage data)."""
    return make_table(VESSELS, rows, defaults={"msg_type": 5})


def make_contacts(rows: Iterable[Mapping[str, Any]]) -> pa.Table:
    """A CONTACTS table; `sensor` defaults to radar and `sensor_id` to RAD-1."""
    return make_table(CONTACTS, rows, defaults={"sensor": "radar", "sensor_id": "RAD-1"})


def make_events(rows: Iterable[Mapping[str, Any]]) -> pl.DataFrame:
    """An EVENTS frame as the detectors return it; `event_id`, `priority` and `distress`
    follow from `type`, `mmsi` and `start` as `finish_events` makes them, unless given.

    Defaults: `score` 0.8, `detected` = `start`, `evidence` `{}`, `mmsi` `[]`.
    """
    import polars as pl  # noqa: PLC0415 - keeps `import watchkeeper.testing` light

    from watchkeeper.detect.events import DISTRESS_TYPES, EVENTS, PRIORITY  # noqa: PLC0415

    full = []
    for row in rows:
        kind = row["type"]
        start = utc(row["start"]) if isinstance(row["start"], str) else row["start"]
        mmsi = list(row.get("mmsi", []))
        event_id = f"{kind}:{'+'.join(map(str, mmsi))}:{int(start.timestamp() * 1000)}"
        full.append(
            {
                "event_id": event_id,
                "priority": PRIORITY[kind],
                "distress": kind in DISTRESS_TYPES,
                "score": 0.8,
                "detected": start,
                "evidence": "{}",
                "contact_id": [],
                **row,
                "mmsi": mmsi,
                "start": start,
            }
        )
    return pl.DataFrame(make_table(EVENTS, full))


def issue_token(accounts: Accounts, *roles: str, username: str | None = None) -> str:
    """An API token of a new user holding `roles`, on a node initialised if it was not.

    For tests of routes that need a signed-in caller; the user is `t-<roles>-<n>`.
    """
    from watchkeeper.accounts.principal import Principal  # noqa: PLC0415
    from watchkeeper.accounts.roles import parse_roles  # noqa: PLC0415
    from watchkeeper.accounts.tokens import create_token  # noqa: PLC0415
    from watchkeeper.accounts.users import add_user, init_node, own_agency  # noqa: PLC0415
    from watchkeeper.audit.trail import Actor  # noqa: PLC0415

    console = Actor("console:test", "TEST", ("console",), "local")
    with accounts.db.transaction() as session:
        ready = own_agency(session) is not None
    if not ready:
        init_node(accounts, console, code="TEST", name="Test agency", country="TN")
    wanted = parse_roles(list(roles))
    name = (
        username
        or f"t-{'-'.join(sorted(r.replace('_', '') for r in wanted))}-{secrets.token_hex(3)}"
    )
    user, _ = add_user(accounts, console, name, wanted)
    owner = Principal(user.id, user.username, user.agency, frozenset(user.roles), via="token")
    _, secret = create_token(accounts, owner, "test")
    return secret


def bearer(app: FastAPI, *roles: str) -> dict[str, str]:
    """Headers that sign a request of a started `app` in as a new user with `roles`."""
    return {"Authorization": f"Bearer {issue_token(app.state.accounts, *roles)}"}
