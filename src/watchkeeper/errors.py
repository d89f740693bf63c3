"""Errors a user can cause and fix, each with a message that says what and where.

    WatchkeeperError
     ├── InputError      an input file or feed that cannot be read
     └── ConfigError     a setting that is missing or wrong

The CLI prints these as one line and exits non-zero; anything else is a bug.
"""

from __future__ import annotations

__all__ = ["ConfigError", "InputError", "WatchkeeperError"]


class WatchkeeperError(Exception):
    """Base of the errors whose message is meant for the user."""


class InputError(WatchkeeperError):
    """An input that cannot be read: missing, a directory, unreadable, truncated."""


class ConfigError(WatchkeeperError):
    """A setting that is missing or has a wrong value."""
