"""Accounts and access: the node's agency, its users, their roles, and how they prove who they are.

Passwords (Argon2id, with a strength floor), login throttling, web sessions and API
tokens all end in a `Principal`: the user and the roles a request acts with. Routes
and commands check a principal's roles; they never look at credentials themselves.
"""

from __future__ import annotations

from watchkeeper.accounts.errors import AccessDenied, AccountError, AuthenticationFailed, LockedOut
from watchkeeper.accounts.principal import Principal
from watchkeeper.accounts.roles import ALL_ROLES, Role

__all__ = [
    "ALL_ROLES",
    "AccessDenied",
    "AccountError",
    "AuthenticationFailed",
    "LockedOut",
    "Principal",
    "Role",
]
