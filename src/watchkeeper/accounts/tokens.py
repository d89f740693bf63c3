"""API tokens for scripts and partner nodes: named, scoped to roles, expiring, revocable.

A token acts for the user who made it, with at most the roles chosen at creation and
never more than the user holds today. The secret (`wkt_…`) is shown once; the node
keeps its digest and its first characters, to recognise it in lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import select

from watchkeeper.accounts.context import Accounts
from watchkeeper.accounts.credentials import digest, new_secret
from watchkeeper.accounts.errors import AccessDenied, AccountError, AuthenticationFailed, NotFound
from watchkeeper.accounts.principal import Principal
from watchkeeper.accounts.roles import Role
from watchkeeper.records.database import utcnow
from watchkeeper.records.models import ApiToken, TokenRole, User

__all__ = [
    "TOKEN_PREFIX",
    "TokenView",
    "create_token",
    "list_tokens",
    "resolve_token",
    "revoke_token",
]

TOKEN_PREFIX: Final = "wkt_"
_SHOWN: Final = 12  # characters of the secret kept in clear, to tell tokens apart


@dataclass(frozen=True)
class TokenView:
    id: int
    name: str
    username: str
    prefix: str
    roles: tuple[Role, ...]
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    @classmethod
    def of(cls, token: ApiToken) -> TokenView:
        return cls(
            id=token.id,
            name=token.name,
            username=token.user.username,
            prefix=token.prefix,
            roles=tuple(Role(r.role) for r in token.role_rows),
            created_at=token.created_at,
            expires_at=token.expires_at,
            revoked_at=token.revoked_at,
            last_used_at=token.last_used_at,
        )


def create_token(
    accounts: Accounts,
    owner: Principal,
    name: str,
    *,
    roles: frozenset[Role] | None = None,
    days: int = 90,
) -> tuple[TokenView, str]:
    """A new token for `owner`, with `roles` (default: all the owner's roles); returns the
    token and its secret, which is not stored and cannot be shown again."""
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise AccountError("a token needs a name of 1-100 characters")
    chosen = owner.roles if roles is None else roles
    beyond = chosen - owner.roles
    if beyond:
        raise AccountError(
            f"a token cannot have roles its owner lacks: {', '.join(sorted(beyond))}"
        )
    if not chosen:
        raise AccountError("a token needs at least one role")
    life = timedelta(days=days)
    if days < 1 or life > accounts.policy.token_max:
        raise AccountError(f"a token lives 1 to {accounts.policy.token_max.days} days, not {days}")
    secret = new_secret(TOKEN_PREFIX)
    now = utcnow()
    with accounts.db.transaction() as session:
        token = ApiToken(
            user_id=owner.user_id,
            name=name,
            prefix=secret[:_SHOWN],
            secret_hash=digest(secret),
            created_at=now,
            expires_at=now + life,
            role_rows=[TokenRole(role=role) for role in sorted(chosen)],
        )
        session.add(token)
        session.flush()
        accounts.audit.record(
            session,
            owner.actor,
            "token.create",
            object_type="token",
            object_id=token.id,
            detail={
                "name": name,
                "roles": sorted(chosen),
                "expires_at": token.expires_at.isoformat(),
            },
        )
        session.refresh(token)
        return TokenView.of(token), secret


def list_tokens(accounts: Accounts, viewer: Principal) -> list[TokenView]:
    """The viewer's own tokens; every token of the node for an administrator."""
    query = select(ApiToken).order_by(ApiToken.id)
    if Role.ADMINISTRATOR not in viewer.roles:
        query = query.where(ApiToken.user_id == viewer.user_id)
    with accounts.db.transaction() as session:
        return [TokenView.of(token) for token in session.scalars(query)]


def revoke_token(accounts: Accounts, actor: Principal, token_id: int) -> TokenView:
    """Revoke a token at once: its owner or an administrator may."""
    with accounts.db.transaction() as session:
        token = session.get(ApiToken, token_id)
        mine = token is not None and token.user_id == actor.user_id
        if token is None or not (mine or Role.ADMINISTRATOR in actor.roles):
            raise NotFound(f"no token {token_id}")
        if token.revoked_at is None:
            token.revoked_at = utcnow()
            accounts.audit.record(
                session, actor.actor, "token.revoke", object_type="token", object_id=token.id
            )
        return TokenView.of(token)


def resolve_token(accounts: Accounts, secret: str, client: str) -> Principal:
    """The principal a bearer token acts as; `AuthenticationFailed` saying why it cannot."""
    if not secret.startswith(TOKEN_PREFIX):
        raise AuthenticationFailed(f"not a Watchkeeper API token (they start with {TOKEN_PREFIX})")
    now = utcnow()
    with accounts.db.transaction() as session:
        token = session.scalars(
            select(ApiToken).where(ApiToken.secret_hash == digest(secret))
        ).one_or_none()
        if token is None:
            raise AuthenticationFailed("unknown API token")
        if token.revoked_at is not None:
            raise AuthenticationFailed(f"API token {token.prefix}… was revoked")
        if now >= token.expires_at:
            raise AuthenticationFailed(
                f"API token {token.prefix}… expired on {token.expires_at:%Y-%m-%d}"
            )
        user: User = token.user
        if user.disabled:
            raise AuthenticationFailed(f"API token {token.prefix}… belongs to a disabled user")
        roles = frozenset(Role(r.role) for r in token.role_rows) & frozenset(
            Role(r.role) for r in user.role_rows
        )
        if not roles:
            raise AccessDenied(f"API token {token.prefix}… has none of its roles left")
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() >= 60:
            token.last_used_at = now
        return Principal(
            user_id=user.id,
            username=user.username,
            agency=user.agency.code,
            roles=roles,
            via="token",
            client=client,
            token_id=token.id,
        )
