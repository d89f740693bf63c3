"""What can go wrong when someone signs in or asks for something.

Messages are safe to show to the person: they never say whether a user name exists.
"""

from __future__ import annotations

from watchkeeper.errors import WatchkeeperError

__all__ = [
    "AccessDenied",
    "AccountError",
    "AuthenticationFailed",
    "Conflict",
    "LockedOut",
    "NotFound",
]


class AccountError(WatchkeeperError):
    """A request about accounts that cannot be done as asked (weak password, unknown role)."""


class NotFound(AccountError):
    """The user or token named does not exist (or is not the asker's to see)."""


class Conflict(AccountError):
    """The change clashes with what exists: a user name taken, a node already initialised."""


class AuthenticationFailed(WatchkeeperError):
    """Wrong user name or password, or a credential that is unknown, expired or revoked."""


class LockedOut(AuthenticationFailed):
    """Too many failed logins on this user name or from this address; wait and retry."""

    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class AccessDenied(WatchkeeperError):
    """The principal is known but none of its roles admits the action."""
