"""Probes of a stored document that fails its model (a 500 of its own, not the caller's 422),
request validation done by a view (still 422), and the OpenAPI document listing that 500."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient
from pydantic import BaseModel

from tests.api.conftest import AuthActions
from tests.api.helpers import add_positions
from verzek.api.error_handlers import request_values
from verzek.runtime import Runtime

JSON = "application/json"
SENTINEL = "SENTINEL-8c1f-not-for-callers"


def _error(resp: Any, status: int, code: str) -> dict[str, Any]:
    assert resp.status_code == status, resp.get_data()[:500]
    assert resp.mimetype == JSON
    body: dict[str, Any] = resp.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code and body["error"]["message"]
    return body["error"]


def _break_user(runtime: Runtime, user_id: str, **bad: Any) -> None:
    """Store the user's document with `bad` fields, as a damaged or hand-edited file would."""
    rel = f"users/{user_id}.json"
    doc = dict(runtime.store.read(rel) or {})
    doc.update(bad)
    runtime.store.write(rel, doc)


def test_a_stored_user_that_fails_its_model_is_a_500_of_its_own(
        app: Any, client: FlaskClient, auth: AuthActions, runtime: Runtime,
        caplog: pytest.LogCaptureFixture) -> None:
    class Strict(BaseModel):
        amount: Decimal

    @app.post("/test-only/domain-check", doc_ui=False)
    def domain_check() -> dict[str, str]:
        with request_values():  # a view checking the caller's values: still their 422
            Strict.model_validate({"amount": "lots"})
        return {}

    user_id, headers = auth.user("damaged@example.com")
    _break_user(runtime, user_id, role=SENTINEL)
    caplog.set_level(logging.ERROR, logger="verzek.api")
    for who, method, path in ((auth.admin(), "GET", f"/api/users/{user_id}"),
                              (headers, "GET", f"/api/users/{user_id}"),
                              (headers, "GET", f"/api/users/{user_id}/settings/risk"),
                              (headers, "PATCH", f"/api/users/{user_id}"),
                              (auth.admin(), "GET", "/api/users")):
        resp = client.open(path, method=method, headers=who, json={"name": "new"}
                           if method == "PATCH" else None)
        error = _error(resp, 500, "internal_data_error")
        assert error["details"] is None
        text = resp.get_data(as_text=True)
        # nothing of the document, its model or its file reaches the caller
        for leak in (SENTINEL, "role", "User", ".json", "database", "Traceback", "scrypt"):
            assert leak not in text, (path, leak)
    records = [r for r in caplog.records if r.name == "verzek.api.error_handlers"]
    assert len(records) == 5
    logged = "\n".join(r.getMessage() for r in records)
    assert f"GET /api/users/{user_id}" in logged and f"PATCH /api/users/{user_id}" in logged
    assert f"caller {user_id}" in logged and "caller admin" in logged
    assert "model User" in logged and "role: enum" in logged
    assert "store/repos.py" in logged  # where: the store read the document
    assert SENTINEL not in logged  # the data's values stay out of the log too
    error = _error(client.post("/test-only/domain-check", json={}), 422, "validation_error")
    assert error["details"]["errors"][0]["loc"] == ["amount"]


def test_a_stored_position_that_fails_its_model_is_a_500_not_a_422(
        client: FlaskClient, auth: AuthActions, runtime: Runtime) -> None:
    user_id, headers = auth.user("badpos@example.com")
    (position_id,) = add_positions(runtime.positions, user_id, runtime.clock.now())
    rel = f"positions/{user_id}.json"
    doc = runtime.store.read(rel) or {}
    doc["positions"][0]["quantity"] = "not a number"
    runtime.store.write(rel, doc)
    resp = client.post(f"/api/users/{user_id}/positions/{position_id}/close", headers=headers)
    _error(resp, 500, "internal_data_error")


def test_the_openapi_document_lists_the_500_on_every_operation(client: FlaskClient) -> None:
    doc = client.get("/openapi.json").get_json()
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            answer = operation["responses"].get("500")
            assert answer is not None, (method, path)
            schema = answer["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorResponse"}, (method, path)
