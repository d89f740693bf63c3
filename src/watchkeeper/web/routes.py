"""The picture's page and assets, all behind the login.

- `GET /`: the map page. A browser without a session is sent to `/login?next=/` (303)
  rather than shown a 401, and comes back here once signed in.
- `GET /web/static/{name}`: the page's own scripts and style sheet (this package's
  `static/`).
- `GET /web/locales/{name}`: the page's message catalogs (`static/locales/<lang>.json`),
  one per language of `static/i18n.js`.
- `GET /web/vendor/{name}`: MapLibre GL and PMTiles, copied from npm at install time
  into `web_dir/vendor` (`make install`).
- `GET /web/basemap.pmtiles`: the vector basemap, with HTTP range requests (206), which
  is how PMTiles reads it.
- `GET /web/style.json`: the MapLibre style (`watchkeeper.web.style`).
- `GET /web/zones.geojson`: the zones an administrator imported (`watchkeeper zones
  import`); the default ones are in the basemap.

Every route states its roles with `allow`, like the API's, so `check_route_rules`
covers them; only the login page (in `api/routes/auth.py`) is public.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any, Final
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from watchkeeper.accounts.principal import Principal
from watchkeeper.accounts.roles import ALL_ROLES, Role
from watchkeeper.api.access import Allow, authenticate, get_accounts
from watchkeeper.api.app import SettingsDep
from watchkeeper.errors import InputError
from watchkeeper.geo.basemap import BASEMAP_FILE
from watchkeeper.geo.zones import ZoneSet, zones_geojson
from watchkeeper.web.style import picture_style

__all__ = ["AllowPage", "router"]

router = APIRouter(tags=["picture"], include_in_schema=False)

STATIC_DIR: Final = Path(__file__).parent / "static"
LOCALES_DIR: Final = STATIC_DIR / "locales"
_PAGE: Final = Path(__file__).parent / "picture.html"
_NAME: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_TYPES: Final = {
    ".mjs": "text/javascript",
    ".js": "text/javascript",
    ".css": "text/css",
    ".txt": "text/plain",
    ".json": "application/json",
}
#: The page loads nothing from elsewhere; MapLibre runs its workers from /web/vendor
#: and draws icons into canvases (data: and blob: images).
_CSP: Final = (
    "default-src 'self'; img-src 'self' data: blob:; worker-src 'self' blob:; "
    "style-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
_NO_STORE: Final = {"Cache-Control": "no-cache"}


async def _principal_or_none(request: Request) -> Principal | None:
    """The signed-in principal, or None where the API would answer 401."""
    try:
        return await authenticate(request, get_accounts(request))
    except HTTPException as exc:
        if exc.status_code == 401:
            return None
        raise


class AllowPage(Allow):
    """`Allow` for pages a person opens: without a session, a 303 to the login page that
    comes back here, instead of the API's 401."""

    def __call__(  # type: ignore[override]
        self,
        request: Request,
        principal: Annotated[Principal | None, Depends(_principal_or_none)],
    ) -> Principal:
        if principal is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise HTTPException(
                status_code=303,
                detail="sign in first",
                headers={"Location": f"/login?next={quote(target, safe='/')}"},
            )
        return super().__call__(request, principal)


def allow_page(*roles: Role) -> Any:
    return Depends(AllowPage(*roles))


_reader = Depends(Allow(*ALL_ROLES))


def _file(directory: Path, name: str, *, missing: str) -> FileResponse:
    """A file of `directory` by plain name (no path), with its JavaScript/CSS type."""
    if not _NAME.fullmatch(name):
        raise HTTPException(status_code=404, detail="no such file")
    path = directory / name
    if not path.is_file():
        raise HTTPException(status_code=404, detail=missing)
    media = _TYPES.get(path.suffix)
    return FileResponse(path, media_type=media, headers=_NO_STORE)


@router.get("/", response_class=HTMLResponse, dependencies=[allow_page(*ALL_ROLES)])
def picture_page() -> HTMLResponse:
    """The operational picture: the map, the ranked alerts beside it."""
    return HTMLResponse(
        _PAGE.read_text(encoding="utf-8"),
        headers={**_NO_STORE, "Content-Security-Policy": _CSP, "X-Frame-Options": "DENY"},
    )


@router.get("/web/static/{name}", response_class=FileResponse, dependencies=[_reader])
def static_file(name: Annotated[str, PathParam(max_length=100)]) -> FileResponse:
    return _file(STATIC_DIR, name, missing="no such file")


@router.get("/web/locales/{name}", response_class=FileResponse, dependencies=[_reader])
def locale_file(name: Annotated[str, PathParam(max_length=100)]) -> FileResponse:
    """A message catalog of the page (`en.json`, `fr.json`, `it.json`, `ar.json`)."""
    return _file(LOCALES_DIR, name, missing="no such language")


@router.get("/web/vendor/{name}", response_class=FileResponse, dependencies=[_reader])
def vendor_file(
    name: Annotated[str, PathParam(max_length=100)], settings: SettingsDep
) -> FileResponse:
    return _file(
        settings.web_dir / "vendor",
        name,
        missing=f"no {name} in {settings.web_dir / 'vendor'}: run `make install`",
    )


@router.get("/web/basemap.pmtiles", response_class=FileResponse, dependencies=[_reader])
def basemap(settings: SettingsDep) -> FileResponse:
    """The basemap; answers `Range: bytes=a-b` with 206 and just those bytes."""
    path = settings.web_dir / BASEMAP_FILE
    if not path.is_file():
        raise HTTPException(
            status_code=404, detail=f"no basemap at {path}: run `watchkeeper geo basemap`"
        )
    return FileResponse(path, media_type="application/vnd.pmtiles")


@router.get("/web/style.json", response_class=JSONResponse, dependencies=[_reader])
def style(request: Request) -> JSONResponse:
    return JSONResponse(
        picture_style(
            basemap_url=str(request.url_for("basemap")),
            zones_url=str(request.url_for("imported_zones")),
        ),
        headers=_NO_STORE,
    )


@router.get("/web/zones.geojson", response_class=Response, dependencies=[_reader])
async def imported_zones(settings: SettingsDep) -> Response:
    """The imported zones (the default 12/24 nm ones are drawn from the basemap)."""

    def read() -> str:
        try:
            zones = ZoneSet.load(settings.zones_dir).zones
        except InputError as exc:
            raise HTTPException(status_code=500, detail=str(exc)) from None
        return json.dumps(zones_geojson(zones), separators=(",", ":"))

    body = await run_in_threadpool(read)
    return Response(body, media_type="application/geo+json", headers=_NO_STORE)
