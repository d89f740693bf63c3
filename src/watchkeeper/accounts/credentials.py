"""Random secrets for cookies and tokens, kept only as SHA-256 digests.

A 256-bit random secret cannot be guessed, so unlike a password it needs no slow
hash; a plain digest lets a request find its session or token by index, and a copy
of the database gives nobody a usable credential.
"""

from __future__ import annotations

import hashlib
import secrets

__all__ = ["digest", "new_secret"]


def new_secret(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()
