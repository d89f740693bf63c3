"""The `watchkeeper` Typer app: `serve`, `version`, and the registry of commands.

A command is a plain function; larger ones live in `cli/<name>.py` and are
registered at the bottom of this module with `app.command(...)(function)`.

Errors an operator can cause and fix (`WatchkeeperError`: bad settings, a port in
use, an unreadable input) are printed by `_Group` as one line on stderr with exit
status 1, whichever command raised them. Anything else is a bug and keeps its
traceback.
"""

from __future__ import annotations

import socket
from typing import Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

from watchkeeper import __version__
from watchkeeper.cli import (
    alerts,
    audit,
    db,
    decode,
    detect,
    geo,
    ingest,
    retention,
    simulate,
    users,
    zones,
)
from watchkeeper.errors import ConfigError, WatchkeeperError
from watchkeeper.settings import Settings, load_settings

__all__ = ["app", "serve", "version"]

_PROG = "watchkeeper"


def _fail(message: str) -> NoReturn:
    """Print `watchkeeper: error: <message>` on stderr and exit with status 1."""
    typer.echo(f"{_PROG}: error: {message}", err=True)
    raise typer.Exit(1)


class _Group(TyperGroup):
    """Runs a command and turns a `WatchkeeperError` into one line, not a traceback."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except WatchkeeperError as exc:
            _fail(str(exc))


app = typer.Typer(
    name=_PROG,
    cls=_Group,
    help="Watchkeeper: maritime monitoring node. Settings come from WATCHKEEPER_* "
    "environment variables and watchkeeper.toml (see docs/settings.md).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # locals may hold secrets one day
)


def version() -> None:
    """Print the Watchkeeper version."""
    typer.echo(__version__)


def _bind(host: str, port: int) -> socket.socket:
    """Open the listening socket here, so a busy port is one clear error, not a log line."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        reason = (exc.strerror or str(exc)).lower()
        raise ConfigError(
            f"cannot listen on {host}:{port}: {reason} (choose another with --port or WATCHKEEPER_PORT)"
        ) from None
    sock.set_inheritable(True)
    return sock


def _get(settings: Settings, path: str) -> None:
    """Run one GET through the app in-process, print the body, exit 1 on an HTTP error."""
    from fastapi.testclient import TestClient  # noqa: PLC0415 - only `--get` needs httpx

    from watchkeeper.api.app import create_app  # noqa: PLC0415 - keep `version` light

    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        response = client.get(path)
    typer.echo(response.text)
    if response.status_code >= 400:
        raise typer.Exit(1)


def _announce_accounts(settings: Settings, url: str, *, demo: bool) -> None:
    """Say how to sign in; a demo node gets its agency and administrator at first start."""
    from watchkeeper.accounts.context import Accounts  # noqa: PLC0415
    from watchkeeper.accounts.users import init_node, own_agency  # noqa: PLC0415
    from watchkeeper.cli.console import console_actor  # noqa: PLC0415

    accounts = Accounts.open(settings)
    try:
        with accounts.db.transaction() as session:
            initialised = own_agency(session) is not None
        if initialised:
            typer.echo(f"{_PROG}: sign in at {url}/login", err=True)
        elif demo:
            _, password = init_node(
                accounts,
                console_actor(accounts),
                code="DEMO",
                name="Watchkeeper demonstration node",
                country="TN",
            )
            typer.echo(
                f"{_PROG}: demo node created: sign in at {url}/login as admin with password "
                f"{password} (shown once; `watchkeeper users reset-password admin` sets a new one)",
                err=True,
            )
        else:
            typer.echo(
                f"{_PROG}: this node has no agency and no users yet: run `watchkeeper init` "
                "to create them (its first administrator's password is printed once)",
                err=True,
            )
    finally:
        accounts.db.close()


def serve(
    host: Annotated[
        str | None, typer.Option(help="Address to listen on [default: setting `host`].")
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(min=1, max=65535, help="Port to listen on [default: setting `port`]."),
    ] = None,
    get: Annotated[
        str | None,
        typer.Option(
            "--get",
            metavar="PATH",
            help="Run one GET request in-process, print the response body and exit "
            "(no port is opened): a smoke test, e.g. --get /healthz.",
        ),
    ] = None,
    demo: Annotated[
        str | None,
        typer.Option(
            metavar="SCENARIO",
            help="Also play a simulator scenario live from now (built-in name or .toml) "
            "and read it as one of this node's TCP feeds: a demo with moving ships.",
        ),
    ] = None,
) -> None:
    """Serve the web API and the operational picture."""
    overrides: dict[str, Any] = {}
    if host is not None:
        overrides["host"] = host
    if port is not None:
        overrides["port"] = port
    settings = load_settings(**overrides)
    settings.create_dirs()
    if get is not None:
        _get(settings, get)
        return

    import uvicorn  # noqa: PLC0415

    from watchkeeper.api.app import create_app  # noqa: PLC0415
    from watchkeeper.node import check_feeds  # noqa: PLC0415

    check_feeds(settings)
    sock = _bind(settings.host, settings.port)
    shown = f"[{settings.host}]" if ":" in settings.host else settings.host
    _announce_accounts(settings, f"http://{shown}:{settings.port}", demo=demo is not None)
    app: list[Any] = []  # the app, once built: the demo's contacts go to its live node
    if demo is not None:
        from watchkeeper.sim.demo import start_demo_feed  # noqa: PLC0415

        def to_node(data: bytes) -> bool:
            node = getattr(app[0].state, "node", None) if app else None
            if node is None or node.contacts is None:  # not started yet: offered again
                return False
            node.ingest_contacts_csv(data, source="demo")
            return True

        try:
            feed = start_demo_feed(settings, demo, on_contacts=to_node)
        except BaseException:
            sock.close()
            raise
        settings = settings.model_copy(update={"tcp_feeds": [*settings.tcp_feeds, feed]})
        typer.echo(f"{_PROG}: demo scenario {demo} playing on {feed}", err=True)
    typer.echo(f"{_PROG}: serving on http://{shown}:{settings.port} (Ctrl+C to stop)", err=True)
    app.append(create_app(settings))
    config = uvicorn.Config(app[0], log_level="info")
    uvicorn.Server(config).run(sockets=[sock])


# Every command, in the order `--help` lists them. A command in its own module is
# imported at the top (`from watchkeeper.cli import decode`) and registered here
# (`app.command()(decode.decode)`); its name is the function's name.
app.command()(serve)
app.command()(users.init)
app.command()(decode.decode)
app.command()(ingest.ingest)
app.command()(simulate.simulate)
app.command()(detect.detect)
app.command()(detect.evaluate)
app.command()(version)
app.add_typer(alerts.app, name="alerts")
app.add_typer(users.app, name="users")
app.add_typer(audit.app, name="audit")
app.add_typer(zones.app, name="zones")
app.add_typer(retention.app, name="retention")
app.add_typer(db.app, name="db")
app.add_typer(geo.app, name="geo")


if __name__ == "__main__":  # pragma: no cover - `python -m watchkeeper.cli.main`
    app()
