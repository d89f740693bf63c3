"""The API's routers, one module per resource, collected in `ROUTERS`.

`create_app` includes every router in this list, in order. To add a resource, write
`routes/<name>.py` with `router = APIRouter(prefix="/<name>", tags=["<name>"])` and
list it here, e.g.::

    from watchkeeper.api.routes import audit, auth, tokens, users, vessels

    ROUTERS: list[APIRouter] = [auth.router, users.router, ..., vessels.router]

Every route states the roles it admits (`watchkeeper.api.access.allow`); the app
refuses to build with one that does not. A route module may import `SettingsDep` from `watchkeeper.api.app` (the app's settings
as a dependency); `create_app` reads this list only when called, so that import does
not form a cycle.
"""

from __future__ import annotations

from fastapi import APIRouter

from watchkeeper.api.routes import (
    alert_rules,
    alerts,
    audit,
    auth,
    contacts,
    incidents,
    picture,
    picture_stream,
    search,
    tokens,
    users,
    vessels,
    zones,
)
from watchkeeper.web import router as web_router

__all__ = ["ROUTERS"]

# Every router the application serves, in order; add each resource's router here.
ROUTERS: list[APIRouter] = [
    auth.router,
    users.router,
    tokens.router,
    audit.router,
    vessels.router,
    alerts.router,
    search.router,
    picture.router,
    picture_stream.router,
    contacts.router,
    zones.router,
    incidents.router,
    alert_rules.router,
    # The operational picture's page and assets (watchkeeper.web): a thin layer on top,
    # like the API, under the same access rules.
    web_router,
]
