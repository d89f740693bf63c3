"""Signing in through the web: cookies, CSRF, logout, and clear answers to bad input."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from watchkeeper.accounts.roles import Role
from watchkeeper.accounts.users import add_user
from watchkeeper.api.app import create_app
from watchkeeper.audit.trail import Actor
from watchkeeper.settings import Settings
from watchkeeper.testing import issue_token

PASSWORD = "harbour-pilot-Sfax-42"
CONSOLE = Actor("console:test", "TEST", ("console",), "local")


@pytest.fixture
def client(node_settings: Settings) -> Iterator[TestClient]:
    settings = node_settings.model_copy(update={"max_body_bytes": 64 * 1024})
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        accounts = client.app.state.accounts
        issue_token(accounts, "administrator")  # initialises the node
        add_user(accounts, CONSOLE, "amira", frozenset({Role.WATCH_OFFICER}), password=PASSWORD)
        yield client


def _login(client: TestClient) -> str:
    response = client.post("/api/auth/login", json={"username": "amira", "password": PASSWORD})
    assert response.status_code == 200, response.text
    return str(response.json()["csrf_token"])


def test_login_sets_a_secure_httponly_strict_cookie(client: TestClient) -> None:
    response = client.post("/api/auth/login", json={"username": "Amira", "password": PASSWORD})
    assert response.json()["roles"] == ["watch_officer"]
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("wk_session=")
    for flag in ("HttpOnly", "Secure", "SameSite=strict", "Path=/"):
        assert flag.lower() in cookie.lower()
    assert client.get("/api/me").json()["username"] == "amira"


def test_changes_with_the_cookie_need_the_csrf_token(client: TestClient) -> None:
    csrf = _login(client)
    refused = client.post("/api/tokens", json={"name": "script"})
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    wrong = client.post("/api/tokens", json={"name": "script"}, headers={"X-CSRF-Token": "guess"})
    assert wrong.status_code == 403
    accepted = client.post("/api/tokens", json={"name": "script"}, headers={"X-CSRF-Token": csrf})
    assert accepted.status_code == 201
    assert client.get("/api/tokens").status_code == 200  # reading needs no token


def test_bearer_tokens_need_no_csrf_token(client: TestClient) -> None:
    token = issue_token(client.app.state.accounts, "observer")
    response = client.post(
        "/api/tokens", json={"name": "x"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 201


def test_logout_ends_the_session(client: TestClient) -> None:
    csrf = _login(client)
    cookie = client.cookies.get("wk_session")
    assert client.post("/api/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    client.cookies.set("wk_session", cookie)  # a stolen copy of the cookie
    response = client.get("/api/me")
    assert response.status_code == 401
    assert response.json()["detail"] == "your session has ended: sign in again"


def test_the_login_form_signs_in_and_redirects_only_within_the_node(client: TestClient) -> None:
    page = client.get("/login")
    assert page.status_code == 200
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    form = {
        "username": "amira",
        "password": PASSWORD,
        "csrf_token": csrf,
        "next": "https://evil.example/",
    }
    response = client.post("/login", data=form, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    assert client.get("/api/me").json()["username"] == "amira"


def test_the_login_form_without_its_csrf_cookie_is_refused(client: TestClient) -> None:
    form = {"username": "amira", "password": PASSWORD, "csrf_token": "forged"}
    response = client.post("/login", data=form, follow_redirects=False)
    assert response.status_code == 403
    assert "form expired" in response.text
    assert "wk_session" not in response.headers.get("set-cookie", "")


def test_a_wrong_password_on_the_form_says_so_without_naming_the_user(client: TestClient) -> None:
    page = client.get("/login")
    answers = []
    for name in ("amira", "nobody"):
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        form = {"username": name, "password": "not-the-password", "csrf_token": csrf}
        response = page = client.post("/login", data=form)  # each page carries a fresh token
        assert response.status_code == 401
        answers.append(re.search(r'role="alert">([^<]+)<', response.text).group(1))
    assert answers == ["Wrong user name or password."] * 2


def test_wrong_password_and_unknown_user_get_identical_api_answers(client: TestClient) -> None:
    known = client.post("/api/auth/login", json={"username": "amira", "password": "nope"})
    unknown = client.post("/api/auth/login", json={"username": "ghost", "password": "nope"})
    assert known.status_code == unknown.status_code == 401
    assert known.json() == unknown.json() == {"detail": "wrong user name or password"}


def test_lockout_is_429_with_retry_after(client: TestClient) -> None:
    for _ in range(5):
        client.post("/api/auth/login", json={"username": "amira", "password": "nope"})
    response = client.post("/api/auth/login", json={"username": "amira", "password": PASSWORD})
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "try again in" in response.json()["detail"]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Bearer wkt_" + "x" * 43, "unknown API token"),
        ("Bearer not-a-token", "not a Watchkeeper API token"),
        ("Basic YWRtaW46YWRtaW4=", "must be 'Bearer <API token>'"),
    ],
)
def test_bad_credentials_are_401_saying_why(client: TestClient, header: str, message: str) -> None:
    response = client.get("/api/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert message in response.json()["detail"]


def test_malformed_json_is_422_with_a_message_and_nothing_written(client: TestClient) -> None:
    admin = {"Authorization": f"Bearer {issue_token(client.app.state.accounts, 'administrator')}"}
    before = len(client.get("/api/users", headers=admin).json())
    response = client.post(
        "/api/users",
        content=b'{"username": "x", "roles": [',
        headers={**admin, "content-type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["message"].startswith("invalid request: body")
    assert len(client.get("/api/users", headers=admin).json()) == before


def test_an_oversized_body_is_413_before_it_is_read(client: TestClient) -> None:
    response = client.post("/api/auth/login", content=b"x" * (64 * 1024 + 1))
    assert response.status_code == 413
    assert response.json() == {"detail": "request body too large: the limit is 65,536 bytes"}


def test_an_oversized_chunked_body_is_413_too(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(100):
            yield b"x" * 1024

    response = client.post(
        "/api/auth/login", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


@pytest.mark.parametrize(
    "text",
    [
        "O'Brien",
        "x'; DROP TABLE users; --",
        '" OR 1=1 --',
        "name) UNION SELECT password_hash FROM users --",
    ],
)
def test_sql_metacharacters_in_every_text_field_are_stored_as_text(
    client: TestClient, text: str
) -> None:
    admin = {"Authorization": f"Bearer {issue_token(client.app.state.accounts, 'administrator')}"}
    created = client.post(
        "/api/users",
        json={"username": "k.said", "full_name": text, "roles": ["observer"]},
        headers=admin,
    )
    assert created.status_code == 201
    assert client.get("/api/users/k.said", headers=admin).json()["full_name"] == text
    token = client.post("/api/tokens", json={"name": text}, headers=admin)
    assert token.json()["token"]["name"] == text
    refused = client.post(
        "/api/users", json={"username": text, "roles": ["observer"]}, headers=admin
    )
    assert refused.status_code == 400
    assert "invalid user name" in refused.json()["detail"]
    assert client.get("/api/audit", params={"actor": text}, headers=admin).json() == []
    assert client.get("/api/audit/verify", headers=admin).json()["ok"]


def test_errors_never_show_a_stack_trace(client: TestClient) -> None:
    admin = {"Authorization": f"Bearer {issue_token(client.app.state.accounts, 'administrator')}"}
    for response in (
        client.get("/api/users/" + "%00" * 3, headers=admin),
        client.patch("/api/users/admin", json={"roles": ["captain"]}, headers=admin),
        client.get("/api/audit", params={"since": "yesterday"}, headers=admin),
        client.get("/api/audit", params={"since": "2026-01-01T00:00:00"}, headers=admin),
    ):
        assert 400 <= response.status_code < 500, response.text
        assert "Traceback" not in response.text
        assert 'File "' not in response.text


def test_control_characters_are_422_naming_the_field(client: TestClient) -> None:
    admin = {"Authorization": f"Bearer {issue_token(client.app.state.accounts, 'administrator')}"}
    body = {"username": "k.said", "full_name": "Karim\x00Said", "roles": ["observer"]}
    response = client.post("/api/users", json=body, headers=admin)
    assert response.status_code == 422
    assert (
        "body.full_name: Value error, control character U+0000 at position 5"
        in response.json()["message"]
    )
    assert client.get("/api/users/k%00said", headers=admin).status_code == 422
