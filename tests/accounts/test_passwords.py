"""Passwords: Argon2id hashes, a strength floor with reasons, generated ones that pass it."""

from __future__ import annotations

import pytest

from watchkeeper.accounts.errors import AccountError
from watchkeeper.accounts.passwords import (
    PasswordPolicy,
    generate_password,
    hash_password,
    verify_password,
)


def test_hashes_are_argon2id_salted_and_verify() -> None:
    first, second = hash_password("harbour-pilot-Sfax-42"), hash_password("harbour-pilot-Sfax-42")
    assert first.startswith("$argon2id$")
    assert first != second
    assert verify_password(first, "harbour-pilot-Sfax-42")
    assert not verify_password(first, "harbour-pilot-sfax-42")


def test_no_stored_hash_never_verifies() -> None:
    assert not verify_password(None, "anything at all")


def test_a_garbage_hash_does_not_raise() -> None:
    assert not verify_password("not-a-hash", "x" * 20)


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short1!", "too short: 7 characters, at least 12"),
        ("password1234", "too easy to guess"),
        ("aaaaaaaaaaaaaaaa", "too easy to guess"),
        (" leading-space-pass-phrase", "white space"),
        ("x" * 2000, "too long"),
    ],
)
def test_weak_passwords_are_refused_saying_why(password: str, reason: str) -> None:
    with pytest.raises(AccountError, match=reason):
        PasswordPolicy().check(password)


def test_the_user_name_counts_as_guessable() -> None:
    PasswordPolicy().check("benali.amira2026")  # fine for someone else
    with pytest.raises(AccountError, match="too easy to guess"):
        PasswordPolicy().check("benali.amira2026", context=("benali.amira", "Amira Benali"))


def test_generated_passwords_pass_the_policy_and_differ() -> None:
    generated = {generate_password() for _ in range(20)}
    assert len(generated) == 20
    for password in generated:
        PasswordPolicy().check(password)
