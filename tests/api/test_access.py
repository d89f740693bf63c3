"""Who may call what: every route, every role, against one table of expectations.

`EXPECTED` is the access policy written down. A route the app serves that is not in
the table fails `test_every_route_is_in_the_table`, so no route is added without a
decision about who may call it; a route whose rule differs from the table fails too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from watchkeeper.accounts.roles import ALL_ROLES, Role
from watchkeeper.api import routes
from watchkeeper.api.app import create_app
from watchkeeper.settings import Settings
from watchkeeper.testing import issue_token

ADMIN = frozenset({Role.ADMINISTRATOR})
EVERYONE = frozenset(ALL_ROLES)
WATCH = frozenset({Role.WATCH_OFFICER})
AREAS = frozenset({Role.ADMINISTRATOR, Role.WATCH_OFFICER, Role.ANALYST})
PUBLIC = None

# (method, route) -> (roles admitted, example request, status for an admitted caller)
EXPECTED: dict[tuple[str, str], tuple[frozenset[Role] | None, dict[str, Any], int]] = {
    ("GET", "/healthz"): (PUBLIC, {}, 200),
    ("GET", "/login"): (PUBLIC, {}, 200),
    ("POST", "/login"): (PUBLIC, {"data": {"username": "x", "password": "y"}}, 403),
    ("POST", "/api/auth/login"): (PUBLIC, {"json": {"username": "x", "password": "y"}}, 401),
    ("GET", "/openapi.json"): (EVERYONE, {}, 200),
    ("GET", "/api/me"): (EVERYONE, {}, 200),
    ("POST", "/api/me/password"): (
        EVERYONE,
        {"json": {"current": "not-mine", "new": "x" * 20}},
        400,
    ),
    ("POST", "/api/auth/logout"): (EVERYONE, {}, 204),
    ("GET", "/api/agency"): (EVERYONE, {}, 200),
    ("GET", "/api/users"): (ADMIN, {}, 200),
    ("POST", "/api/users"): (ADMIN, {"json": {"username": "new-user", "roles": ["observer"]}}, 201),
    ("GET", "/api/users/{username}"): (ADMIN, {"path": "/api/users/target"}, 200),
    ("PATCH", "/api/users/{username}"): (
        ADMIN,
        {"path": "/api/users/target", "json": {"roles": ["analyst"]}},
        200,
    ),
    ("POST", "/api/users/{username}/password"): (
        ADMIN,
        {"path": "/api/users/target/password"},
        200,
    ),
    ("GET", "/api/tokens"): (EVERYONE, {}, 200),
    ("POST", "/api/tokens"): (EVERYONE, {"json": {"name": "walk"}}, 201),
    ("DELETE", "/api/tokens/{token_id}"): (EVERYONE, {"path": "/api/tokens/999999"}, 404),
    ("GET", "/api/audit"): (ADMIN, {}, 200),
    ("GET", "/api/audit/verify"): (ADMIN, {}, 200),
    ("GET", "/api/vessels"): (EVERYONE, {}, 200),
    ("GET", "/api/vessels/{mmsi}/track"): (EVERYONE, {"path": "/api/vessels/247000001/track"}, 404),
    ("GET", "/api/vessels/{mmsi}/dossier"): (
        EVERYONE,
        {"path": "/api/vessels/247000001/dossier"},
        404,
    ),
    ("GET", "/api/search"): (EVERYONE, {"path": "/api/search?q=aurora"}, 200),
    ("GET", "/api/picture"): (EVERYONE, {"path": "/api/picture?at=2026-07-15T01:00:00Z"}, 200),
    ("GET", "/api/picture/span"): (EVERYONE, {}, 200),
    ("GET", "/api/tracks"): (
        EVERYONE,
        {"path": "/api/tracks?start=2026-07-15T00:00:00Z&end=2026-07-15T01:00:00Z"},
        200,
    ),
    ("GET", "/api/zones"): (EVERYONE, {}, 200),
    ("POST", "/api/zones"): (AREAS, {"json": {"name": "x", "geometry": {"type": "Point"}}}, 422),
    ("DELETE", "/api/zones/{zone_id}"): (AREAS, {"path": "/api/zones/999999"}, 404),
    ("GET", "/api/ports"): (EVERYONE, {}, 200),
    ("GET", "/api/incidents"): (EVERYONE, {}, 200),
    ("GET", "/api/alert-rules"): (EVERYONE, {}, 200),
    ("POST", "/api/alert-rules"): (AREAS, {"json": {"name": "r", "zone": "nowhere"}}, 400),
    ("DELETE", "/api/alert-rules/{rule_id}"): (AREAS, {"path": "/api/alert-rules/999999"}, 404),
    ("GET", "/api/alerts"): (EVERYONE, {}, 200),
    # follow=false: the stream sends the open alerts and ends, so the call returns.
    ("GET", "/api/alerts/stream"): (EVERYONE, {"path": "/api/alerts/stream?follow=false"}, 200),
    ("GET", "/api/alerts/{alert_id}"): (EVERYONE, {"path": "/api/alerts/999999"}, 404),
    ("POST", "/api/alerts/{alert_id}/acknowledge"): (
        WATCH,
        {"path": "/api/alerts/999999/acknowledge", "json": {"note": "seen"}},
        404,
    ),
    ("POST", "/api/alerts/{alert_id}/assign"): (
        WATCH,
        {"path": "/api/alerts/999999/assign", "json": {"username": "target"}},
        404,
    ),
    ("POST", "/api/alerts/{alert_id}/close"): (
        WATCH,
        {"path": "/api/alerts/999999/close", "json": {"note": "false alarm"}},
        404,
    ),
    ("GET", "/api/picture/stream"): (EVERYONE, {"path": "/api/picture/stream?follow=false"}, 200),
    # Sensor contacts: delivered by the role that keeps the live picture (a gateway's token
    # of a watch officer account; an empty body is not a contacts CSV: 422), seen by all.
    ("POST", "/api/contacts"): (WATCH, {}, 422),
    ("GET", "/api/contacts/stream"): (EVERYONE, {"path": "/api/contacts/stream?follow=false"}, 200),
    # The operational picture (watchkeeper.web): its page and every asset behind the login.
    ("GET", "/"): (EVERYONE, {}, 200),
    ("GET", "/web/static/{name}"): (EVERYONE, {"path": "/web/static/picture.js"}, 200),
    ("GET", "/web/locales/{name}"): (EVERYONE, {"path": "/web/locales/ar.json"}, 200),
    # Small answers: each row is called for every role on both databases, and reading the
    # ~1 MB script and the ~7 MB basemap whole each time cost seconds for nothing.
    ("GET", "/web/vendor/{name}"): (EVERYONE, {"path": "/web/vendor/maplibre-gl.css"}, 200),
    ("GET", "/web/basemap.pmtiles"): (EVERYONE, {"headers": {"Range": "bytes=0-15"}}, 206),
    ("GET", "/web/style.json"): (EVERYONE, {}, 200),
    ("GET", "/web/zones.geojson"): (EVERYONE, {}, 200),
}
#: Pages a person opens: without credentials they send the browser to the login page
#: (303, coming back afterwards) instead of answering 401.
PAGES = {("GET", "/")}


@pytest.fixture
def client(node_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(node_settings), base_url="https://testserver") as client:
        issue_token(client.app.state.accounts, "observer", username="target")
        yield client


def _call(
    client: TestClient, method: str, path: str, example: dict[str, Any], token: str | None
) -> int:
    headers = {
        **example.get("headers", {}),
        **({"Authorization": f"Bearer {token}"} if token else {}),
    }
    kwargs = {k: v for k, v in example.items() if k in ("json", "data")}
    return client.request(method, example.get("path", path), headers=headers, **kwargs).status_code


def test_every_route_is_in_the_table(client: TestClient) -> None:
    served = set(client.app.state.access_rules)
    served = {(m, p) for m, p in served if m != "HEAD"}
    assert served - set(EXPECTED) == set(), "routes without an expectation in EXPECTED"
    assert set(EXPECTED) - served == set(), "EXPECTED names routes the app does not serve"


def test_each_routes_rule_is_the_tables(client: TestClient) -> None:
    rules = client.app.state.access_rules
    for key, (roles, _, _) in EXPECTED.items():
        assert rules[key] == roles, key


def test_every_role_gets_exactly_what_the_table_says(client: TestClient) -> None:
    tokens = {role: issue_token(client.app.state.accounts, role) for role in Role}
    wrong = []
    for (method, path), (roles, example, status) in EXPECTED.items():
        for role in Role if roles is not None else [Role.OBSERVER]:  # public: called once
            admitted = roles is None or role in roles
            expected = status if admitted else 403
            got = _call(client, method, path, example, tokens[role])
            if got != expected:
                wrong.append(f"{role} {method} {path}: {got}, expected {expected}")
    assert wrong == []


def test_without_credentials_every_protected_route_is_401(client: TestClient) -> None:
    for (method, path), (roles, example, _) in EXPECTED.items():
        if roles is not None:
            response = client.request(
                method,
                example.get("path", path),
                follow_redirects=False,
                **{k: v for k, v in example.items() if k == "json"},
            )
            if (method, path) in PAGES:
                assert response.status_code == 303, (method, path)
                assert response.headers["Location"] == f"/login?next={path}"
                continue
            assert response.status_code == 401, (method, path)
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
            assert "sign in" in response.json()["detail"]


def test_a_refusal_is_in_the_audit_trail(client: TestClient) -> None:
    token = issue_token(client.app.state.accounts, "observer", username="lina")
    assert _call(client, "GET", "/api/users", {}, token) == 403
    admin = issue_token(client.app.state.accounts, "administrator")
    entries = client.get(
        "/api/audit", params={"action": "access"}, headers={"Authorization": f"Bearer {admin}"}
    )
    [entry] = entries.json()
    assert (entry["actor"], entry["outcome"], entry["object_id"]) == (
        "lina",
        "denied",
        "GET /api/users",
    )


def test_an_app_with_a_route_without_a_rule_is_refused(
    node_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    forgotten = APIRouter()

    @forgotten.get("/api/forgotten")
    def open_route() -> dict[str, str]:
        return {}

    monkeypatch.setattr(routes, "ROUTERS", [*routes.ROUTERS, forgotten])
    with pytest.raises(RuntimeError, match="GET /api/forgotten states no access rule"):
        create_app(node_settings)


def test_rules_are_published_in_the_openapi_schema(client: TestClient) -> None:
    admin = {"Authorization": f"Bearer {issue_token(client.app.state.accounts, 'administrator')}"}
    spec = client.get("/openapi.json", headers=admin).json()
    assert spec["paths"]["/api/users"]["get"]["x-roles"] == ["administrator"]
    assert len(spec["paths"]["/api/vessels"]["get"]["x-roles"]) == len(Role)
    assert "x-roles" not in spec["paths"]["/healthz"]["get"]
