"""The node's agency and its users: create, list, disable, reset passwords, set roles.

Each change is written to the audit trail in the same transaction as the change, so
there is never a change without its entry nor an entry for a change that failed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from watchkeeper.accounts.context import Accounts
from watchkeeper.accounts.errors import AccountError, Conflict, NotFound
from watchkeeper.accounts.passwords import generate_password, hash_password, verify_password
from watchkeeper.accounts.roles import Role
from watchkeeper.audit.trail import Actor
from watchkeeper.records.database import utcnow
from watchkeeper.records.models import Agency, User, UserRole, WebSession

__all__ = [
    "AgencyView",
    "UserView",
    "add_user",
    "change_own_password",
    "get_user",
    "init_node",
    "list_users",
    "normalise_username",
    "own_agency",
    "reset_password",
    "set_disabled",
    "set_roles",
]

_USERNAME: Final = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
_AGENCY_CODE: Final = re.compile(r"[A-Z0-9][A-Z0-9_-]{1,31}")


@dataclass(frozen=True)
class AgencyView:
    code: str
    name: str
    country: str


@dataclass(frozen=True)
class UserView:
    """A user as shown to administrators: never the password hash."""

    id: int
    username: str
    full_name: str
    agency: str
    roles: tuple[Role, ...]
    disabled: bool
    created_at: datetime
    password_changed_at: datetime

    @classmethod
    def of(cls, user: User) -> UserView:
        return cls(
            id=user.id,
            username=user.username,
            full_name=user.full_name,
            agency=user.agency.code,
            roles=tuple(Role(row.role) for row in user.role_rows),
            disabled=user.disabled,
            created_at=user.created_at,
            password_changed_at=user.password_changed_at,
        )


def normalise_username(name: str) -> str:
    """Lower-case, trimmed; refuses names that are not 2-64 of `a-z 0-9 . _ -`."""
    username = name.strip().lower()
    if not _USERNAME.fullmatch(username):
        raise AccountError(
            f"invalid user name {name[:80]!r}: 2-64 characters of a-z, 0-9, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return username


def own_agency(session: Session) -> Agency | None:
    return session.scalars(select(Agency).where(Agency.own)).one_or_none()


def _require_agency(session: Session) -> Agency:
    agency = own_agency(session)
    if agency is None:
        raise AccountError("this node has no agency yet: run `watchkeeper init` first")
    return agency


def _find(session: Session, username: str) -> User:
    user = session.scalars(
        select(User).where(User.username == normalise_username(username))
    ).one_or_none()
    if user is None:
        raise NotFound(f"no user {username!r}")
    return user


def _check_roles(roles: frozenset[Role]) -> list[str]:
    if not roles:
        raise AccountError("a user needs at least one role")
    return sorted(roles)


def init_node(
    accounts: Accounts,
    actor: Actor,
    *,
    code: str,
    name: str,
    country: str,
    admin: str = "admin",
) -> tuple[AgencyView, str]:
    """Set the node's own agency and create its first administrator.

    Returns the agency and the administrator's generated password, which is stored only
    as a hash: the caller shows it once. Refuses a node that already has its agency.
    """
    code, country = code.strip().upper(), country.strip().upper()
    if not _AGENCY_CODE.fullmatch(code):
        raise AccountError(f"invalid agency code {code!r}: 2-32 characters of A-Z, 0-9, '_' or '-'")
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise AccountError(f"invalid country {country!r}: an ISO 3166-1 alpha-2 code such as TN")
    if not name.strip():
        raise AccountError("the agency needs a name")
    password = generate_password()
    with accounts.db.transaction() as session:
        if own_agency(session) is not None:
            raise Conflict("this node is already initialised (its agency is set)")
        now = utcnow()
        agency = Agency(code=code, name=name.strip(), country=country, own=True, created_at=now)
        session.add(agency)
        session.flush()
        user = User(
            username=normalise_username(admin),
            full_name="",
            agency_id=agency.id,
            password_hash=hash_password(password),
            disabled=False,
            created_at=now,
            password_changed_at=now,
            role_rows=[UserRole(role=Role.ADMINISTRATOR)],
        )
        session.add(user)
        session.flush()
        acting = Actor(actor.name, code, actor.roles, actor.client)
        accounts.audit.record(session, acting, "node.init", object_type="agency", object_id=code)
        accounts.audit.record(
            session,
            acting,
            "user.add",
            object_type="user",
            object_id=user.username,
            detail={"roles": [Role.ADMINISTRATOR]},
        )
        return AgencyView(code, agency.name, country), password


def add_user(
    accounts: Accounts,
    actor: Actor,
    username: str,
    roles: frozenset[Role],
    *,
    full_name: str = "",
    password: str | None = None,
) -> tuple[UserView, str | None]:
    """Create a user of the node's agency; returns it and the generated password, if any."""
    name = normalise_username(username)
    role_names = _check_roles(roles)
    generated = None
    if password is None:
        password = generated = generate_password()
    else:
        accounts.policy.passwords.check(password, context=(name, full_name))
    digest = hash_password(password)
    with accounts.db.transaction() as session:
        agency = _require_agency(session)
        if session.scalars(select(User.id).where(User.username == name)).first() is not None:
            raise Conflict(f"user {name!r} already exists")
        now = utcnow()
        user = User(
            username=name,
            full_name=full_name.strip()[:200],
            agency_id=agency.id,
            password_hash=digest,
            disabled=False,
            created_at=now,
            password_changed_at=now,
            role_rows=[UserRole(role=role) for role in role_names],
        )
        session.add(user)
        session.flush()
        accounts.audit.record(
            session,
            actor,
            "user.add",
            object_type="user",
            object_id=name,
            detail={"roles": role_names},
        )
        session.refresh(user)
        return UserView.of(user), generated


def get_user(accounts: Accounts, username: str) -> UserView:
    with accounts.db.transaction() as session:
        return UserView.of(_find(session, username))


def list_users(accounts: Accounts) -> list[UserView]:
    with accounts.db.transaction() as session:
        return [UserView.of(u) for u in session.scalars(select(User).order_by(User.username))]


def _end_sessions(session: Session, user: User) -> None:
    now = utcnow()
    for web in session.scalars(
        select(WebSession).where(WebSession.user_id == user.id, WebSession.ended_at.is_(None))
    ):
        web.ended_at = now


def _administrators(session: Session) -> int:
    query = (
        select(func.count())
        .select_from(User)
        .join(UserRole)
        .where(UserRole.role == Role.ADMINISTRATOR, User.disabled.is_(False))
    )
    return int(session.execute(query).scalar_one())


def set_disabled(accounts: Accounts, actor: Actor, username: str, disabled: bool) -> UserView:
    """Disable (ending the user's sessions; tokens stop working) or enable a user.

    Refuses to disable the last enabled administrator, which would lock everyone out.
    """
    with accounts.db.transaction() as session:
        user = _find(session, username)
        if disabled and not user.disabled:
            is_admin = any(r.role == Role.ADMINISTRATOR for r in user.role_rows)
            if is_admin and _administrators(session) <= 1:
                raise AccountError(f"{user.username!r} is the last enabled administrator")
            _end_sessions(session, user)
        user.disabled = disabled
        action = "user.disable" if disabled else "user.enable"
        accounts.audit.record(session, actor, action, object_type="user", object_id=user.username)
        return UserView.of(user)


def set_roles(
    accounts: Accounts,
    actor: Actor,
    username: str,
    *,
    add: frozenset[Role] = frozenset(),
    remove: frozenset[Role] = frozenset(),
    replace: frozenset[Role] | None = None,
) -> UserView:
    """Change a user's roles: `replace` them all, or `add` and `remove` some."""
    with accounts.db.transaction() as session:
        user = _find(session, username)
        before = frozenset(Role(r.role) for r in user.role_rows)
        after = (replace if replace is not None else before | add) - remove
        role_names = _check_roles(after)
        if (
            Role.ADMINISTRATOR in before - after
            and not user.disabled
            and _administrators(session) <= 1
        ):
            raise AccountError(f"{user.username!r} is the last enabled administrator")
        user.role_rows = [UserRole(user_id=user.id, role=role) for role in role_names]
        session.flush()
        accounts.audit.record(
            session,
            actor,
            "user.roles",
            object_type="user",
            object_id=user.username,
            detail={"before": sorted(before), "after": role_names},
        )
        session.refresh(user)
        return UserView.of(user)


def reset_password(
    accounts: Accounts, actor: Actor, username: str, password: str | None = None
) -> str | None:
    """Give a user a new password (generated when None, returned to be shown once).

    Ends the user's web sessions: whoever knew the old password is signed out.
    """
    generated = None
    if password is None:
        password = generated = generate_password()
    else:
        accounts.policy.passwords.check(password, context=(normalise_username(username),))
    digest = hash_password(password)
    with accounts.db.transaction() as session:
        user = _find(session, username)
        user.password_hash = digest
        user.password_changed_at = utcnow()
        _end_sessions(session, user)
        accounts.audit.record(
            session, actor, "user.password_reset", object_type="user", object_id=user.username
        )
    return generated


def change_own_password(
    accounts: Accounts, actor: Actor, user_id: int, current: str, new: str
) -> None:
    """A user changes their own password, proving they know the current one."""
    with accounts.db.transaction() as session:
        user = session.get(User, user_id)
        if user is None:
            raise AccountError("no such user")
        stored, username, full_name = user.password_hash, user.username, user.full_name
    if not verify_password(stored, current):
        with accounts.db.transaction() as session:
            accounts.audit.record(
                session,
                actor,
                "password.change",
                object_type="user",
                object_id=username,
                outcome="failed",
            )
        raise AccountError("the current password is wrong")
    accounts.policy.passwords.check(new, context=(username, full_name))
    digest = hash_password(new)
    with accounts.db.transaction() as session:
        user = session.get(User, user_id)
        if user is None:
            raise AccountError("no such user")
        user.password_hash = digest
        user.password_changed_at = utcnow()
        accounts.audit.record(
            session, actor, "password.change", object_type="user", object_id=username
        )
