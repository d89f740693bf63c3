"""Who may call what: authentication of every request and the role rule of every route.

A route states the roles it admits with `allow(...)`, either as a dependency or as
the type of a parameter that wants the principal::

    @router.get("/api/users", dependencies=[allow(Role.ADMINISTRATOR)])
    def list_users_route(...): ...

    def me(principal: Annotated[Principal, allow(*ALL_ROLES)]) -> ...: ...

`check_route_rules` (run by `create_app`) refuses to build an app with a route that
states no rule, unless it is one of the few `PUBLIC` ones, so a new route cannot be
born open. Credentials are an `Authorization: Bearer wkt_…` API token or the session
cookie; with the cookie, a request that changes anything must also carry the
session's CSRF token (`X-CSRF-Token` header or `csrf_token` form field).
"""

from __future__ import annotations

import hmac
from typing import Annotated, Any, Final

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.concurrency import run_in_threadpool

from watchkeeper.accounts.context import Accounts
from watchkeeper.accounts.errors import AccessDenied, AuthenticationFailed
from watchkeeper.accounts.principal import Principal
from watchkeeper.accounts.roles import ALL_ROLES, Role
from watchkeeper.accounts.sessions import resolve_session
from watchkeeper.accounts.tokens import resolve_token

__all__ = [
    "CSRF_HEADER",
    "PUBLIC",
    "SESSION_COOKIE",
    "AccountsDep",
    "Allow",
    "PrincipalDep",
    "allow",
    "authenticate",
    "check_route_rules",
    "client_address",
    "get_accounts",
]

SESSION_COOKIE: Final = "wk_session"
CSRF_HEADER: Final = "X-CSRF-Token"
CSRF_FIELD: Final = "csrf_token"
#: Routes anyone may call: liveness, the login page and login itself.
PUBLIC: Final = frozenset(
    {
        ("GET", "/healthz"),
        ("GET", "/login"),
        ("POST", "/login"),
        ("POST", "/api/auth/login"),
    }
)
_SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})
_CHALLENGE: Final = {"WWW-Authenticate": 'Bearer realm="watchkeeper"'}


def get_accounts(request: Request) -> Accounts:
    """Dependency: the node's accounts (database, audit trail, rules), `app.state.accounts`."""
    accounts = getattr(request.app.state, "accounts", None)
    if not isinstance(accounts, Accounts):
        raise HTTPException(status_code=503, detail="the records database is not open")
    return accounts


AccountsDep = Annotated[Accounts, Depends(get_accounts)]


def client_address(request: Request) -> str:
    return request.client.host if request.client else ""


def _unauthorised(message: str) -> HTTPException:
    return HTTPException(status_code=401, detail=message, headers=_CHALLENGE)


async def _csrf_token_sent(request: Request) -> str:
    sent = request.headers.get(CSRF_HEADER)
    if sent:
        return sent
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


async def authenticate(request: Request, accounts: AccountsDep) -> Principal:
    """Dependency: the principal of the request's API token or session cookie, or 401."""
    client = client_address(request)
    header = request.headers.get("authorization")
    try:
        if header is not None:
            scheme, _, secret = header.partition(" ")
            if scheme.lower() != "bearer" or not secret.strip():
                raise _unauthorised("the Authorization header must be 'Bearer <API token>'")
            return await run_in_threadpool(resolve_token, accounts, secret.strip(), client)
        cookie = request.cookies.get(SESSION_COOKIE)
        if not cookie:
            raise _unauthorised("sign in, or send an API token as 'Authorization: Bearer <token>'")
        principal = await run_in_threadpool(resolve_session, accounts, cookie, client)
    except AuthenticationFailed as exc:
        raise _unauthorised(str(exc)) from None
    except AccessDenied as exc:
        raise HTTPException(status_code=403, detail=str(exc)) from None
    if request.method not in _SAFE_METHODS:
        sent = await _csrf_token_sent(request)
        if not sent or not hmac.compare_digest(sent, principal.csrf_token or ""):
            raise HTTPException(
                status_code=403,
                detail=f"missing or wrong CSRF token: send the session's token in {CSRF_HEADER}",
            )
    return principal


class Allow:
    """The rule of one route: the roles it admits. Refusals are written to the audit trail."""

    def __init__(self, *roles: Role) -> None:
        if not roles:
            raise ValueError("a rule admits at least one role")
        self.roles: frozenset[Role] = frozenset(roles)

    def __call__(
        self,
        request: Request,
        principal: Annotated[Principal, Depends(authenticate)],
    ) -> Principal:
        if principal.roles & self.roles:
            return principal
        accounts = get_accounts(request)
        with accounts.db.transaction() as session:
            accounts.audit.record(
                session,
                principal.actor,
                "access",
                object_type="route",
                object_id=f"{request.method} {getattr(request.scope.get('route'), 'path', request.url.path)}",
                outcome="denied",
            )
        needed = ", ".join(sorted(self.roles))
        raise HTTPException(status_code=403, detail=f"this needs one of the roles: {needed}")

    def __repr__(self) -> str:
        return f"Allow({', '.join(sorted(self.roles))})"


def allow(*roles: Role) -> Any:
    """`Depends(Allow(*roles))`: use in `dependencies=[...]` or as `Annotated` metadata."""
    return Depends(Allow(*roles))


PrincipalDep = Annotated[Principal, allow(*ALL_ROLES)]
"""Any signed-in user, whatever their role."""


def _rule_of(dependant: Any) -> Allow | None:
    pending = [dependant]
    while pending:
        current = pending.pop()
        if isinstance(current.call, Allow):
            return current.call
        pending.extend(current.dependencies)
    return None


def check_route_rules(app: FastAPI) -> dict[tuple[str, str], frozenset[Role] | None]:
    """Every route's admitted roles (None: public); raises for a route without a rule.

    Walks the routes as the app serves them (with the dependencies of the routers
    they were included through), web pages and docs included, and documents each rule
    in the OpenAPI schema as `x-roles`. Call it once per app.
    """
    rules: dict[tuple[str, str], frozenset[Role] | None] = {}
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        methods = context.methods or set()
        path = context.path or ""
        rule = _rule_of(context.dependant) if isinstance(route, APIRoute) else None
        for method in methods:
            if rule is None and (method, path) not in PUBLIC:
                raise RuntimeError(f"route {method} {path} states no access rule (use allow(...))")
            rules[(method, path)] = None if rule is None else rule.roles
    _document(app, rules)
    return rules


def _document(app: FastAPI, rules: dict[tuple[str, str], frozenset[Role] | None]) -> None:
    """Publish each rule in the OpenAPI schema as the operation's `x-roles`."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        schema = build()
        for (method, path), roles in rules.items():
            operation = schema.get("paths", {}).get(path, {}).get(method.lower())
            if operation is not None and roles is not None:
                operation["x-roles"] = sorted(roles)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
