"""API tokens act with the roles chosen, never more than the owner holds; sessions end."""

from __future__ import annotations

from datetime import timedelta

import pytest

from watchkeeper.accounts.context import Accounts
from watchkeeper.accounts.errors import AccessDenied, AccountError, AuthenticationFailed, NotFound
from watchkeeper.accounts.principal import Principal
from watchkeeper.accounts.roles import Role
from watchkeeper.accounts.sessions import SESSION_ENDED, end_session, resolve_session, start_session
from watchkeeper.accounts.tokens import create_token, list_tokens, resolve_token, revoke_token
from watchkeeper.accounts.users import UserView, add_user, reset_password, set_disabled, set_roles
from watchkeeper.audit.trail import Actor
from watchkeeper.records.models import ApiToken, WebSession

ROLES = frozenset({Role.ANALYST, Role.LIAISON_OFFICER})


@pytest.fixture
def user(accounts: Accounts, console: Actor) -> UserView:
    view, _ = add_user(accounts, console, "karim", ROLES)
    return view


@pytest.fixture
def owner(user: UserView) -> Principal:
    return Principal(user.id, user.username, user.agency, frozenset(user.roles), via="session")


def test_a_token_acts_with_its_roles_only(accounts: Accounts, owner: Principal) -> None:
    view, secret = create_token(
        accounts, owner, "export script", roles=frozenset({Role.LIAISON_OFFICER})
    )
    assert secret.startswith("wkt_")
    assert view.prefix == secret[:12]
    principal = resolve_token(accounts, secret, "10.0.0.1")
    assert principal.roles == {Role.LIAISON_OFFICER}
    assert (principal.username, principal.via, principal.token_id) == ("karim", "token", view.id)


def test_only_the_digest_of_a_token_is_stored(accounts: Accounts, owner: Principal) -> None:
    _, secret = create_token(accounts, owner, "t")
    with accounts.db.transaction() as session:
        stored = session.query(ApiToken).one()
        assert secret not in (stored.secret_hash, stored.prefix, stored.name)
        assert len(stored.secret_hash) == 64


def test_a_token_cannot_have_roles_its_owner_lacks(accounts: Accounts, owner: Principal) -> None:
    with pytest.raises(AccountError, match="roles its owner lacks: administrator"):
        create_token(accounts, owner, "t", roles=frozenset({Role.ADMINISTRATOR}))


def test_taking_a_role_from_the_owner_takes_it_from_the_token(
    accounts: Accounts, owner: Principal, console: Actor
) -> None:
    _, secret = create_token(accounts, owner, "t")
    set_roles(accounts, console, "karim", remove=frozenset({Role.ANALYST}))
    assert resolve_token(accounts, secret, "").roles == {Role.LIAISON_OFFICER}
    set_roles(accounts, console, "karim", replace=frozenset({Role.OBSERVER}))
    with pytest.raises(AccessDenied, match="none of its roles left"):
        resolve_token(accounts, secret, "")


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        ("revoke", "was revoked"),
        ("expire", "expired on"),
        ("disable", "disabled user"),
    ],
)
def test_revoked_expired_and_orphaned_tokens_are_refused_saying_why(
    accounts: Accounts, owner: Principal, console: Actor, spoil: str, message: str
) -> None:
    view, secret = create_token(accounts, owner, "t")
    if spoil == "revoke":
        revoke_token(accounts, owner, view.id)
    elif spoil == "expire":
        with accounts.db.transaction() as session:
            token = session.get(ApiToken, view.id)
            token.expires_at = token.created_at - timedelta(seconds=1)
    else:
        set_disabled(accounts, console, "karim", True)
    with pytest.raises(AuthenticationFailed, match=message):
        resolve_token(accounts, secret, "")


def test_unknown_and_malformed_tokens_are_refused(accounts: Accounts) -> None:
    with pytest.raises(AuthenticationFailed, match="unknown API token"):
        resolve_token(accounts, "wkt_" + "A" * 43, "")
    with pytest.raises(AuthenticationFailed, match="start with wkt_"):
        resolve_token(accounts, "' OR 1=1 --", "")


def test_token_life_is_bounded(accounts: Accounts, owner: Principal) -> None:
    with pytest.raises(AccountError, match="1 to 365 days"):
        create_token(accounts, owner, "t", days=366)


def test_users_see_their_own_tokens_and_cannot_revoke_others(
    accounts: Accounts, owner: Principal, console: Actor
) -> None:
    other_view, _ = add_user(accounts, console, "lina", frozenset({Role.OBSERVER}))
    other = Principal(other_view.id, "lina", "TN-GN", frozenset({Role.OBSERVER}), via="session")
    mine, _ = create_token(accounts, owner, "mine")
    create_token(accounts, other, "hers")
    assert [t.name for t in list_tokens(accounts, owner)] == ["mine"]
    with pytest.raises(NotFound):
        revoke_token(accounts, other, mine.id)
    admin = Principal(1, "admin", "TN-GN", frozenset({Role.ADMINISTRATOR}), via="session")
    assert {t.name for t in list_tokens(accounts, admin)} == {"mine", "hers"}
    assert revoke_token(accounts, admin, mine.id).revoked_at is not None


def test_a_session_resolves_until_logout(accounts: Accounts, user: UserView) -> None:
    secret, csrf = start_session(accounts, user, "10.0.0.5")
    principal = resolve_session(accounts, secret, "10.0.0.5")
    assert principal.roles == ROLES
    assert principal.csrf_token == csrf
    end_session(accounts, principal)
    with pytest.raises(AuthenticationFailed, match=SESSION_ENDED):
        resolve_session(accounts, secret, "10.0.0.5")


def test_idle_and_old_sessions_end(accounts: Accounts, user: UserView) -> None:
    idle, _ = start_session(accounts, user, "")
    old, _ = start_session(accounts, user, "")
    with accounts.db.transaction() as session:
        rows = session.query(WebSession).order_by(WebSession.id).all()
        rows[0].last_seen_at -= accounts.policy.session_idle
        rows[1].expires_at = rows[1].created_at
    for secret in (idle, old):
        with pytest.raises(AuthenticationFailed, match=SESSION_ENDED):
            resolve_session(accounts, secret, "")


def test_a_password_reset_ends_the_users_sessions(
    accounts: Accounts, user: UserView, console: Actor
) -> None:
    secret, _ = start_session(accounts, user, "")
    assert reset_password(accounts, console, "karim") is not None
    with pytest.raises(AuthenticationFailed):
        resolve_session(accounts, secret, "")
