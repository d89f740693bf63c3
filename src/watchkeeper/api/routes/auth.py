"""Signing in and out: the login page, password login (form and JSON), logout, `/api/me`.

A successful login sets the session cookie (HttpOnly, SameSite=Strict, Secure unless
the `cookie_secure` setting is off) and returns the session's CSRF token. The login
form itself is protected by a double-submit token: a random value in a short-lived
cookie that the form must repeat, so no other site can sign a browser in.
"""

from __future__ import annotations

import hmac
from html import escape
from typing import Annotated, Final
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from watchkeeper.accounts.credentials import new_secret
from watchkeeper.accounts.errors import AuthenticationFailed, LockedOut
from watchkeeper.accounts.login import login
from watchkeeper.accounts.passwords import MAX_PASSWORD_CHARS
from watchkeeper.accounts.principal import Principal
from watchkeeper.accounts.roles import Role
from watchkeeper.accounts.sessions import end_session, start_session
from watchkeeper.accounts.users import UserView, change_own_password
from watchkeeper.api.access import SESSION_COOKIE, AccountsDep, PrincipalDep, client_address
from watchkeeper.api.app import SettingsDep
from watchkeeper.api.text import Text
from watchkeeper.settings import Settings

__all__ = ["Credentials", "Me", "router"]

router = APIRouter(tags=["auth"])

_LOGIN_CSRF_COOKIE: Final = "wk_login_csrf"


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: Text = Field(min_length=1, max_length=64)
    password: Text = Field(min_length=1, max_length=MAX_PASSWORD_CHARS)


class Me(BaseModel):
    """The signed-in user, and the CSRF token their session must send with changes."""

    username: str
    agency: str
    roles: list[Role]
    via: str
    csrf_token: str | None = Field(
        default=None,
        description="send as X-CSRF-Token with every change made with the session cookie",
    )


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current: Text = Field(min_length=1, max_length=MAX_PASSWORD_CHARS)
    new: Text = Field(min_length=1, max_length=MAX_PASSWORD_CHARS)


def _set_session_cookie(response: Response, settings: Settings, secret: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=int(settings.session_max_hours * 3600),
        httponly=True,
        secure=settings.cookie_secure,
        samesite="strict",
        path="/",
    )


def _me(principal: Principal) -> Me:
    return Me(
        username=principal.username,
        agency=principal.agency,
        roles=sorted(principal.roles),
        via=principal.via,
        csrf_token=principal.csrf_token,
    )


@router.post(
    "/api/auth/login",
    response_model=Me,
    summary="Sign in with a user name and password; sets the session cookie",
    responses={
        401: {"description": "wrong user name or password"},
        429: {"description": "locked out"},
    },
)
async def api_login(
    credentials: Credentials,
    request: Request,
    response: Response,
    accounts: AccountsDep,
    settings: SettingsDep,
) -> Me:
    client = client_address(request)
    user: UserView = await run_in_threadpool(
        login, accounts, credentials.username, credentials.password, client
    )
    secret, csrf = await run_in_threadpool(start_session, accounts, user, client)
    _set_session_cookie(response, settings, secret)
    return Me(
        username=user.username,
        agency=user.agency,
        roles=list(user.roles),
        via="session",
        csrf_token=csrf,
    )


@router.post("/api/auth/logout", status_code=204, summary="End this session")
def api_logout(principal: PrincipalDep, accounts: AccountsDep, settings: SettingsDep) -> Response:
    if principal.via == "session":
        end_session(accounts, principal)
    response = Response(status_code=204)
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=settings.cookie_secure, httponly=True, samesite="strict"
    )
    return response


@router.get("/api/me", response_model=Me, summary="Who am I: user, agency, roles in force")
def me(principal: PrincipalDep) -> Me:
    return _me(principal)


@router.post("/api/me/password", status_code=204, summary="Change my password")
def change_password(
    change: PasswordChange, principal: PrincipalDep, accounts: AccountsDep
) -> Response:
    change_own_password(accounts, principal.actor, principal.user_id, change.current, change.new)
    return Response(status_code=204)


_PAGE: Final = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Watchkeeper: sign in</title>
<style>
body {{ font-family: system-ui, sans-serif; background: #0b1d2e; color: #e8eef4;
       display: grid; place-items: center; min-height: 100vh; margin: 0; }}
form {{ background: #13304a; padding: 2rem; border-radius: 8px; width: 20rem; }}
label {{ display: block; margin-top: 1rem; }}
input {{ width: 100%; box-sizing: border-box; padding: .5rem; margin-top: .25rem; }}
button {{ margin-top: 1.5rem; width: 100%; padding: .6rem; }}
.error {{ background: #7a1f1f; padding: .5rem; border-radius: 4px; }}
</style></head>
<body><form method="post" action="/login">
<h1>Watchkeeper</h1>
{error}
<input type="hidden" name="csrf_token" value="{csrf}">
<input type="hidden" name="next" value="{next}">
<label>User name <input name="username" autocomplete="username" required maxlength="64" autofocus></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button>
</form></body></html>
"""


def _safe_next(target: str) -> str:
    """Only a path on this node: an open redirect would help phishing."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _login_page(
    settings: Settings, *, status: int = 200, error: str = "", next_path: str = "/"
) -> HTMLResponse:
    csrf = new_secret()
    notice = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    page = _PAGE.format(error=notice, csrf=escape(csrf), next=escape(_safe_next(next_path)))
    response = HTMLResponse(page, status_code=status)
    response.set_cookie(
        _LOGIN_CSRF_COOKIE,
        csrf,
        max_age=3600,
        httponly=True,
        secure=settings.cookie_secure,
        samesite="strict",
    )
    return response


@router.get("/login", response_class=HTMLResponse, summary="The sign-in page")
def login_page(settings: SettingsDep, next: str = "/") -> HTMLResponse:
    return _login_page(settings, next_path=next)


@router.post(
    "/login",
    response_class=HTMLResponse,
    summary="Sign in from the form; redirects to `next` with the session cookie set",
    responses={
        303: {"description": "signed in"},
        401: {"description": "wrong user name or password"},
    },
)
async def login_form(
    request: Request,
    accounts: AccountsDep,
    settings: SettingsDep,
    username: Annotated[Text, Form(max_length=64)],
    password: Annotated[Text, Form(max_length=MAX_PASSWORD_CHARS)],
    csrf_token: Annotated[Text, Form(max_length=100)] = "",
    next: Annotated[Text, Form(max_length=2000)] = "/",
) -> Response:
    expected = request.cookies.get(_LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, csrf_token):
        return _login_page(
            settings, status=403, error="The form expired: please sign in again.", next_path=next
        )
    client = client_address(request)
    try:
        user = await run_in_threadpool(login, accounts, username, password, client)
    except LockedOut as exc:
        page = _login_page(settings, status=429, error=str(exc), next_path=next)
        page.headers["Retry-After"] = str(exc.retry_after_seconds)
        return page
    except AuthenticationFailed as exc:
        return _login_page(settings, status=401, error=str(exc).capitalize() + ".", next_path=next)
    secret, _ = await run_in_threadpool(start_session, accounts, user, client)
    response = RedirectResponse(_safe_next(next), status_code=303)
    _set_session_cookie(response, settings, secret)
    response.delete_cookie(_LOGIN_CSRF_COOKIE)
    return response
