"""Password hashing (Argon2id), the strength floor, and generated passwords.

Argon2id with RFC 9106's second recommended profile (`PARAMETERS`: 64 MiB, 3 passes,
4 lanes, argon2-cffi's default): about 0.2 s per check here, slow enough to make offline
guessing expensive and fast enough for a login. Hashes made with other parameters
are upgraded at the next successful login (`needs_rehash`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Final

from argon2 import Parameters, PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from zxcvbn import zxcvbn

from watchkeeper.accounts.errors import AccountError

__all__ = [
    "MAX_PASSWORD_CHARS",
    "PARAMETERS",
    "PasswordPolicy",
    "generate_password",
    "hash_password",
    "needs_rehash",
    "verify_password",
]

#: Longer inputs are refused before hashing: a megabyte "password" would only load the server.
MAX_PASSWORD_CHARS: Final = 1024

PARAMETERS: Final[Parameters] = profiles.RFC_9106_LOW_MEMORY
_HASHER = PasswordHasher.from_parameters(PARAMETERS)
# Hashed when the user name is unknown, so that answer takes as long as a wrong password.
_DUMMY_HASH: Final = _HASHER.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when `password` matches; with no stored hash, spends the same time and says no."""
    if len(password) > MAX_PASSWORD_CHARS:
        return False
    try:
        return _HASHER.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _HASHER.check_needs_rehash(stored_hash)


def generate_password() -> str:
    """A 24-character random password (about 143 bits) in groups of six, easy to copy."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    chars = "".join(secrets.choice(alphabet) for _ in range(24))
    return "-".join(chars[i : i + 6] for i in range(0, 24, 6))


@dataclass(frozen=True)
class PasswordPolicy:
    """The strength floor: a minimum length and a zxcvbn score (0-4)."""

    min_length: int = 12
    min_score: int = 3

    def check(self, password: str, *, context: tuple[str, ...] = ()) -> None:
        """Raise `AccountError` saying why `password` is too weak.

        `context` holds words an attacker would try first (user name, full name,
        agency), which zxcvbn then counts as guessable.
        """
        if len(password) < self.min_length:
            raise AccountError(
                f"password too short: {len(password)} characters, at least {self.min_length} needed"
            )
        if len(password) > MAX_PASSWORD_CHARS:
            raise AccountError(f"password too long: at most {MAX_PASSWORD_CHARS} characters")
        if password != password.strip():
            raise AccountError("password starts or ends with white space (often a copy mistake)")
        result = zxcvbn(password, user_inputs=[word for word in context if word])
        if result["score"] < self.min_score:
            feedback = result["feedback"]
            hints = " ".join(
                filter(None, [feedback.get("warning"), *feedback.get("suggestions", [])])
            )
            raise AccountError(
                f"password too easy to guess (strength {result['score']} of 4, "
                f"{self.min_score} needed)" + (f": {hints}" if hints else "")
            )
