"""Every route declares a permission (or is public), and every role gets exactly what it is granted.

A route added without ``require(...)`` or ``public(...)`` fails here, before it reaches anyone.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.routing import APIWebSocketRoute

from qorgau.kernel.auth.domain import ROLES, roles_with
from qorgau.kernel.web.deps import route_permission

DUMMY = {"person_id": "00000000-0000-0000-0000-000000000000"}


def endpoints(routes: Any) -> Any:
    """Every endpoint with its full path, through included routers (FastAPI keeps them nested)."""
    for route in routes:
        if hasattr(route, "effective_candidates"):
            yield from endpoints(route.effective_candidates())
        elif hasattr(route, "dependant") and hasattr(route, "path"):
            yield route


def http_routes(app: Any) -> list[tuple[str, str, str | None]]:
    rows = []
    for route in endpoints(app.routes):
        original = getattr(route, "original_route", route)
        if isinstance(original, APIWebSocketRoute):
            rows.append(("WS", route.path, route_permission(route.dependant)))
            continue
        permission = route_permission(route.dependant)
        for method in sorted(set(route.methods or ()) - {"HEAD", "OPTIONS"}):
            rows.append((method, route.path, permission))
    return rows


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)(:[^}]*)?\}", lambda m: DUMMY.get(m.group(1), "1"), path)


def test_every_route_declares_a_permission_or_is_public(app_client: Any) -> None:
    routes = http_routes(app_client.app)
    assert len(routes) >= 12, routes  # the walk must see the included routers
    undeclared = [(m, p) for m, p, permission in http_routes(app_client.app) if permission is None]
    openapi_and_docs = {"/api/v1/openapi.json", "/api/v1/docs", "/api/v1/docs/oauth2-redirect"}
    undeclared = [(m, p) for m, p in undeclared if p not in openapi_and_docs]
    assert not undeclared, f"routes without require()/public(): {undeclared}"


def test_every_route_answers_each_role_as_granted(app_client: Any, staff: Any) -> None:
    checked = 0
    for method, path, permission in http_routes(app_client.app):
        if permission is None or method == "WS" or permission == "device":
            continue
        url = concrete(path)
        if permission.startswith("public"):
            response = app_client.request(
                method, url, headers={"Accept": "application/json"}, follow_redirects=False
            )
            assert response.status_code not in (401, 403), (method, path, response.status_code)
            continue
        anonymous = app_client.request(
            method, url, headers={"Accept": "application/json"}, follow_redirects=False
        )
        assert anonymous.status_code == 401, (method, path, "anonymous", anonymous.status_code)
        allowed = roles_with(permission)
        for role in ROLES:
            response = app_client.request(
                method, url, headers=staff.headers(role), json={}, follow_redirects=False
            )
            if role in allowed:
                assert response.status_code not in (401, 403), (method, path, role, response.text[:200])
            else:
                assert response.status_code == 403, (method, path, role, response.status_code)
            checked += 1
    assert checked >= len(ROLES) * 5


@pytest.mark.parametrize("role", ["operator", "analyst"])
def test_a_role_without_the_permission_gets_a_problem_document(
    app_client: Any, staff: Any, role: str
) -> None:
    response = app_client.post("/api/v1/people", headers=staff.headers(role), json={"name": "X"})
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["permission"] == "people.write"
