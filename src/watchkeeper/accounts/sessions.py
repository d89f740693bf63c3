"""Browser sessions: started by a password login, ended by logout, idleness or age.

The cookie carries a random secret; the database keeps its digest, the user, and a
CSRF token that every state-changing request of the session must echo back.
"""

from __future__ import annotations

from sqlalchemy import select

from watchkeeper.accounts.context import Accounts
from watchkeeper.accounts.credentials import digest, new_secret
from watchkeeper.accounts.errors import AuthenticationFailed
from watchkeeper.accounts.principal import Principal
from watchkeeper.accounts.roles import Role
from watchkeeper.accounts.users import UserView
from watchkeeper.records.database import utcnow
from watchkeeper.records.models import WebSession

__all__ = ["SESSION_ENDED", "end_session", "resolve_session", "start_session"]

SESSION_ENDED = "your session has ended: sign in again"

#: `last_seen_at` is written at most this often, not on every request.
_TOUCH_SECONDS = 60


def start_session(accounts: Accounts, user: UserView, client: str) -> tuple[str, str]:
    """Open a session for a user who just logged in; returns (cookie secret, CSRF token)."""
    secret, csrf = new_secret(), new_secret()
    now = utcnow()
    with accounts.db.transaction() as session:
        session.add(
            WebSession(
                user_id=user.id,
                secret_hash=digest(secret),
                csrf_token=csrf,
                client=client[:64],
                created_at=now,
                last_seen_at=now,
                expires_at=now + accounts.policy.session_max,
            )
        )
    return secret, csrf


def resolve_session(accounts: Accounts, secret: str, client: str) -> Principal:
    """The principal of a session cookie; `AuthenticationFailed` if it is not valid now."""
    now = utcnow()
    with accounts.db.transaction() as session:
        web = session.scalars(
            select(WebSession).where(WebSession.secret_hash == digest(secret))
        ).one_or_none()
        if web is None or web.ended_at is not None or web.user.disabled:
            raise AuthenticationFailed(SESSION_ENDED)
        if now >= web.expires_at or now - web.last_seen_at >= accounts.policy.session_idle:
            web.ended_at = now
            ended = True
        else:
            ended = False
            if (now - web.last_seen_at).total_seconds() >= _TOUCH_SECONDS:
                web.last_seen_at = now
            user = web.user
            principal = Principal(
                user_id=user.id,
                username=user.username,
                agency=user.agency.code,
                roles=frozenset(Role(r.role) for r in user.role_rows),
                via="session",
                client=client,
                session_id=web.id,
                csrf_token=web.csrf_token,
            )
    if ended:
        raise AuthenticationFailed(SESSION_ENDED)
    return principal


def end_session(accounts: Accounts, principal: Principal) -> None:
    """Log out: the session's cookie stops working at once."""
    with accounts.db.transaction() as session:
        web = session.get(WebSession, principal.session_id)
        if web is not None and web.ended_at is None:
            web.ended_at = utcnow()
            accounts.audit.record(
                session, principal.actor, "logout", object_type="user", object_id=principal.username
            )
