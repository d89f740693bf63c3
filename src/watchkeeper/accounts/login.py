"""Password login with throttling: failures are counted per user name and per address.

A name or address that reaches its limit is locked for `lockout`, whatever password
comes next, and the lock says so in the same words whether or not the name exists.
Every attempt, locked, failed or successful, is in the audit trail; the entry keeps
the real reason (unknown name, wrong password, disabled) that the answer hides.
"""

from __future__ import annotations

import math
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from watchkeeper.accounts.context import Accounts
from watchkeeper.accounts.errors import AuthenticationFailed, LockedOut
from watchkeeper.accounts.passwords import hash_password, needs_rehash, verify_password
from watchkeeper.accounts.roles import Role
from watchkeeper.accounts.users import UserView
from watchkeeper.audit.trail import Actor
from watchkeeper.records.database import utcnow
from watchkeeper.records.models import LoginFailure, User

__all__ = ["WRONG_CREDENTIALS", "login"]

WRONG_CREDENTIALS = "wrong user name or password"


def _keys(username: str, client: str) -> tuple[str, str]:
    return f"user:{username[:150]}", f"addr:{client[:64]}"


def _locked_until(session: Session, keys: tuple[str, str], now: datetime) -> datetime | None:
    rows = session.scalars(select(LoginFailure).where(LoginFailure.key.in_(keys)))
    until = [row.locked_until for row in rows if row.locked_until and row.locked_until > now]
    return max(until) if until else None


def _count_failure(
    accounts: Accounts, session: Session, key: str, limit: int, now: datetime
) -> None:
    policy = accounts.policy
    row = session.get(LoginFailure, key)
    if row is None:
        row = LoginFailure(key=key, failures=0, first_at=now, last_at=now)
        session.add(row)
    elif row.first_at < now - policy.lockout:  # an old run of failures no longer counts
        row.failures, row.first_at, row.locked_until = 0, now, None
    row.failures += 1
    row.last_at = now
    if row.failures >= limit:
        row.locked_until = now + policy.lockout


def _actor(user: User, client: str) -> Actor:
    return Actor(
        user.username, user.agency.code, tuple(Role(r.role) for r in user.role_rows), client
    )


def login(accounts: Accounts, username: str, password: str, client: str) -> UserView:
    """Check a user name and password; returns the user, or raises.

    Raises `LockedOut` (with the seconds to wait) while the name or the address is
    locked, and `AuthenticationFailed` with `WRONG_CREDENTIALS` for an unknown name, a
    wrong password or a disabled user alike.
    """
    name = username.strip().lower()
    keys = _keys(name, client)
    anonymous = Actor(name=name[:100] or "-", agency="", client=client)
    with accounts.db.transaction() as session:
        now = utcnow()
        locked = _locked_until(session, keys, now)
        if locked is not None:
            accounts.audit.record(
                session, anonymous, "login", object_type="user", object_id=name, outcome="locked"
            )
        user = session.scalars(select(User).where(User.username == name)).one_or_none()
        stored = user.password_hash if user is not None else None
    if locked is not None:
        minutes = math.ceil((locked - now).total_seconds() / 60)
        raise LockedOut(
            f"too many failed logins for this user name or from this address: try again in {minutes} min",
            retry_after_seconds=math.ceil((locked - now).total_seconds()),
        )
    matched = verify_password(stored, password)
    with accounts.db.transaction() as session:
        now = utcnow()
        user = session.scalars(select(User).where(User.username == name)).one_or_none()
        if user is not None and matched and not user.disabled:
            failures = session.get(LoginFailure, keys[0])
            if failures is not None:
                session.delete(failures)
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(password)
            accounts.audit.record(
                session, _actor(user, client), "login", object_type="user", object_id=user.username
            )
            return UserView.of(user)
        reason = (
            "unknown user"
            if user is None
            else "disabled"
            if user.disabled and matched
            else "wrong password"
        )
        _count_failure(accounts, session, keys[0], accounts.policy.max_failures, now)
        _count_failure(accounts, session, keys[1], accounts.policy.address_max_failures, now)
        accounts.audit.record(
            session,
            anonymous if user is None else _actor(user, client),
            "login",
            object_type="user",
            object_id=name,
            outcome="failed",
            detail={"reason": reason},
        )
    raise AuthenticationFailed(WRONG_CREDENTIALS)
