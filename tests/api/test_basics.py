"""Smoke: health, docs, errors as JSON, login and users."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.api.conftest import AuthActions


def test_health_and_docs(client: FlaskClient) -> None:
    assert client.get("/health").get_json() == {"status": "ok"}
    doc = client.get("/openapi.json").get_json()
    assert "/api/users/{user_id}/positions" in doc["paths"]
    assert client.get("/docs/").status_code == 200


def test_unknown_route_and_wrong_method_are_json(client: FlaskClient, auth: AuthActions) -> None:
    resp = client.get("/api/nope", headers=auth.admin())
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "not_found"
    resp = client.delete("/health")
    assert resp.status_code == 405 and "error" in resp.get_json()
    assert "GET" in resp.headers["Allow"]


def test_user_flow(client: FlaskClient, auth: AuthActions) -> None:
    user_id, headers = auth.user("ann@example.com")
    resp = client.get(f"/api/users/{user_id}", headers=headers)
    body: dict[str, Any] = resp.get_json()
    assert resp.status_code == 200 and body["email"] == "ann@example.com"
    assert "password_hash" not in body
    resp = client.get(f"/api/users/{user_id}/settings/risk", headers=headers)
    assert resp.status_code == 200, resp.get_json()
    assert set(resp.get_json()) == {"settings", "effective"}
