"""The application factory: settings, health check, error handlers and the routers.

Everything a request may need from the node (settings today; stores later) hangs off
`app.state`, set here, so tests can build as many independent apps as they like.
Nothing touches the disk at import: the data directory is created at startup.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.responses import Response

from watchkeeper import __version__
from watchkeeper.accounts.context import Accounts
from watchkeeper.accounts.errors import (
    AccessDenied,
    AccountError,
    AuthenticationFailed,
    Conflict,
    LockedOut,
    NotFound,
)
from watchkeeper.accounts.roles import ALL_ROLES
from watchkeeper.alerts.service import Alerts
from watchkeeper.api.access import allow, check_route_rules
from watchkeeper.api.limits import BodyLimit
from watchkeeper.settings import Settings, load_settings

__all__ = ["Health", "SettingsDep", "create_app", "get_app_settings"]


class Health(BaseModel):
    """Answer of `GET /healthz`: the node is up, and which version it runs."""

    status: Literal["ok"]
    version: str


def get_app_settings(request: Request) -> Settings:
    """FastAPI dependency: the settings the running app was built with."""
    settings = request.app.state.settings
    if not isinstance(settings, Settings):
        raise TypeError("app.state.settings is not set; build the app with create_app()")
    return settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
"""Use as a route parameter type: `def route(settings: SettingsDep) -> ...`."""

_meta = APIRouter(tags=["meta"])


@_meta.get("/healthz", response_model=Health, summary="Liveness check")
def healthz() -> Health:
    """Answer while the process serves requests; for load balancers and `serve --get`."""
    return Health(status="ok", version=__version__)


@_meta.get(
    "/openapi.json",
    include_in_schema=False,
    dependencies=[allow(*ALL_ROLES)],
)
def openapi_schema(request: Request) -> JSONResponse:
    """The OpenAPI 3.1 schema, each operation with the roles it admits (`x-roles`)."""
    return JSONResponse(request.app.openapi())


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Open the archive and start the live feeds at startup (building the app writes nothing)."""
    settings: Settings = app.state.settings
    settings.create_dirs()
    from watchkeeper.geo.zones import ZoneSet  # noqa: PLC0415
    from watchkeeper.node import LiveNode  # noqa: PLC0415 - keeps `import api.app` light
    from watchkeeper.tracks.archive import Archive  # noqa: PLC0415
    from watchkeeper.tracks.latest import LatestState  # noqa: PLC0415

    records = Accounts.open(settings)
    app.state.accounts = records
    try:
        # Read once: the zone files and computed defaults (drawn areas come from the
        # records database, `app.state.areas`, at each use).
        zones = ZoneSet.load(settings.zones_dir, geo_dir=settings.geo_dir)
        app.state.alerts = Alerts.from_settings(settings, records, zones=zones)
        app.state.areas = app.state.alerts.areas
    except BaseException:
        records.db.close()
        raise
    opened = getattr(app.state, "archive", None) is None
    if opened:
        app.state.archive = Archive(settings.archive_dir)
    if getattr(app.state, "latest", None) is None:
        app.state.latest = LatestState.from_archive(app.state.archive)
    node = LiveNode(
        settings,
        app.state.archive,
        app.state.latest,
        on_events=app.state.alerts.apply,
        zones=app.state.areas.zone_set,
    )
    app.state.node = node
    try:
        await node.start()
        yield
    finally:
        await node.stop()
        if opened:
            app.state.archive.close()
        records.audit.checkpoint(records.db)
        records.db.close()


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(status_code=status, content={"detail": message}, headers=headers)


async def _account_error(request: Request, exc: Exception) -> Response:
    """Accounts' refusals as 4xx answers whose message the user can act on."""
    if isinstance(exc, LockedOut):
        return _error(429, str(exc), {"Retry-After": str(exc.retry_after_seconds)})
    if isinstance(exc, AuthenticationFailed):
        return _error(401, str(exc), {"WWW-Authenticate": 'Bearer realm="watchkeeper"'})
    if isinstance(exc, AccessDenied):
        return _error(403, str(exc))
    if isinstance(exc, NotFound):
        return _error(404, str(exc))
    if isinstance(exc, Conflict):
        return _error(409, str(exc))
    return _error(400, str(exc))


def _where(loc: Any) -> str:
    return ".".join(str(part) for part in loc) if isinstance(loc, list | tuple) else str(loc)


async def _invalid_request(request: Request, exc: Exception) -> Response:
    """422 with FastAPI's error list in `detail` plus one readable `message`.

    `detail` keeps the shape FastAPI declares in the OpenAPI schema, so clients and
    schema checks see what the documentation promises.
    """
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    message = "; ".join(f"{_where(e.get('loc', ()))}: {e.get('msg', 'invalid')}" for e in errors)
    return JSONResponse(
        status_code=422,
        content={
            "detail": jsonable_encoder(errors),
            "message": f"invalid request: {message or 'malformed input'}",
        },
    )


async def _internal_error(request: Request, exc: Exception) -> Response:
    """500 without a stack trace: the client learns nothing of the internals.

    Starlette still re-raises the exception after this answer, so the server log keeps
    the traceback.
    """
    return JSONResponse(status_code=500, content={"detail": "internal error"})


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the Watchkeeper web application.

    Parameters
    ----------
    settings
        The node's settings; read from the environment and `watchkeeper.toml` when
        omitted (raises `ConfigError` if they are invalid).

    Returns
    -------
    FastAPI
        With `app.state.settings` set, `/healthz`, every router in
        `watchkeeper.api.routes.ROUTERS`, and the OpenAPI schema at `/openapi.json` for any
        signed-in user.
    """
    # Imported here, not at module top: route modules import `SettingsDep` from this
    # module, and reading the list at call time picks up every router appended to it.
    from watchkeeper.api.routes import ROUTERS  # noqa: PLC0415

    app = FastAPI(
        title="Watchkeeper",
        version=__version__,
        description="Maritime and land-border monitoring for partner agencies.",
        # The schema is served by `_meta` behind the login; no docs page, as FastAPI's
        # loads Swagger UI from a CDN, which a node without internet cannot reach.
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        lifespan=_lifespan,
    )
    app.state.settings = settings if settings is not None else load_settings()
    app.add_exception_handler(RequestValidationError, _invalid_request)
    for error in (AccountError, AuthenticationFailed, AccessDenied):
        app.add_exception_handler(error, _account_error)
    app.add_exception_handler(Exception, _internal_error)
    app.include_router(_meta)
    for router in ROUTERS:
        app.include_router(router)
    app.state.access_rules = check_route_rules(app)
    app.add_middleware(BodyLimit, max_bytes=app.state.settings.max_body_bytes)
    return app
