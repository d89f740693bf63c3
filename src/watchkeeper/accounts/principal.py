"""Who a request acts as: a user, the roles in force, and how they signed in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from watchkeeper.accounts.roles import Role
from watchkeeper.audit.trail import Actor

__all__ = ["Principal"]


@dataclass(frozen=True)
class Principal:
    """An authenticated user as seen by one request.

    `roles` are those in force: all of the user's roles for a web session, the
    intersection of the token's and the user's current roles for an API token (so
    taking a role from a user takes it from their tokens too).
    """

    user_id: int
    username: str
    agency: str
    roles: frozenset[Role]
    via: Literal["session", "token"]
    client: str = ""
    session_id: int | None = None
    csrf_token: str | None = None
    token_id: int | None = None

    @property
    def actor(self) -> Actor:
        """This principal as the audit trail names it."""
        return Actor(
            name=self.username,
            agency=self.agency,
            roles=tuple(sorted(self.roles)),
            client=self.client,
        )
