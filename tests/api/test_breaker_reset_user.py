"""An admin resets one user's own circuit breaker (`POST /api/safety/circuit-breaker/reset` with
`{"user_id": ...}`), and the safety status tells the platform's flag from the users' breakers.

The route used to take no body: `{"user_id": ..., "junk": 1}` answered 200, reset the platform's
breaker only and left the user blocked, while the status' top-level `new_positions_allowed:
true` (the platform's) read as if everyone could trade."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.api.conftest import ADMIN_TOKEN, AuthActions
from tests.api.helpers import add_positions, seed_paper, snapshot
from verzek.runtime import Runtime

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
RESET = "/api/safety/circuit-breaker/reset"
STATUS = "/api/safety/status"
CALL = {"symbol": "ETH/USDT", "side": "long", "entries": ["3000"], "targets": ["3100"],
        "stop_loss": "2900"}


def _trader(client: FlaskClient, auth: AuthActions, email: str) -> tuple[str, dict[str, str]]:
    user_id, headers = auth.user(email)
    assert client.put(f"/api/users/{user_id}/settings/general", headers=headers,
                      json={"mode": "demo", "auto_trade": True}).status_code == 200
    return user_id, headers


def _lose_once(client: FlaskClient, runtime: Runtime, user_id: str,
               headers: dict[str, str]) -> None:
    """One losing trade: a BTC long bought at 65,000 closed at 60,000 through the engine."""
    assert client.put("/api/demo/prices", headers=ADMIN,
                      json={"prices": {"BTC/USDT": 65000}}).status_code == 200
    (position_id,) = add_positions(runtime.positions, user_id, runtime.clock.now(),
                                   prefix="loss")
    seed_paper(runtime, user_id)
    assert client.put("/api/demo/prices", headers=ADMIN,
                      json={"prices": {"BTC/USDT": 60000}}).status_code == 200
    closed = client.post(f"/api/users/{user_id}/positions/{position_id}/close", headers=headers)
    assert closed.status_code == 200, closed.get_json()
    assert closed.get_json()["realised_pnl_usdt"].startswith("-")


@pytest.fixture
def tripped(client: FlaskClient, auth: AuthActions, runtime: Runtime) -> list[str]:
    """Two traders whose own breakers tripped on one losing trade each (the reviewer's
    repro: `max_consecutive_losses` 1)."""
    assert client.put("/api/safety/circuit-breaker", headers=ADMIN,
                      json={"max_consecutive_losses": 1}).status_code == 200
    users = []
    for email in ("first@example.com", "second@example.com"):
        user_id, headers = _trader(client, auth, email)
        _lose_once(client, runtime, user_id, headers)
        users.append(user_id)
    assert client.put("/api/demo/prices", headers=ADMIN,
                      json={"prices": {"ETH/USDT": 3000}}).status_code == 200
    return users


def _outcomes(client: FlaskClient, stop_loss: str) -> dict[str, str]:
    """Each user's outcome of a new call: `executed`, or the code it was skipped with."""
    resp = client.post("/api/signals", headers=ADMIN, json={**CALL, "stop_loss": stop_loss})
    assert resp.status_code == 200, resp.get_json()
    return {d["user_id"]: d["code"] if d["outcome"] == "skipped" else d["outcome"]
            for d in resp.get_json()["decisions"]}


def test_the_status_names_the_platform_flag_and_lists_tripped_users(
        client: FlaskClient, tripped: list[str]) -> None:
    status = client.get(STATUS, headers=ADMIN).get_json()
    # the platform lets new positions in; these two users' own breakers do not
    assert status["platform_new_positions_allowed"] is True
    assert status["platform_reason"] is None
    assert status["new_positions_allowed"] is True and status["reason"] is None  # kept
    listed = status["tripped_user_breakers"]
    assert [b["user_id"] for b in listed] == sorted(tripped)
    for breaker in listed:
        assert breaker["code"] == "breaker_consecutive_losses"
        assert breaker["reason"] and breaker["tripped_at"].startswith("2026-01-01")
        assert breaker["until"].startswith("2026-01-01T01:00")  # the hour's cooldown
    assert _outcomes(client, "2900") == {u: "breaker_consecutive_losses" for u in tripped}


def test_reset_with_a_user_id_clears_that_users_breaker_only(
        client: FlaskClient, auth: AuthActions, tripped: list[str],
        caplog: pytest.LogCaptureFixture) -> None:
    first, second = tripped
    # the user may not clear their own breaker (admin only, whatever the body)
    own = auth.login("first@example.com")["token"]
    assert client.post(RESET, headers={"Authorization": f"Bearer {own}"},
                       json={"user_id": first}).status_code == 403
    with caplog.at_level(logging.WARNING, logger="verzek.engine.safety_service"):
        resp = client.post(RESET, headers=ADMIN, json={"user_id": first})
    assert resp.status_code == 200, resp.get_json()
    answer = resp.get_json()
    # the answer is that user's breaker state, clear
    assert answer["user_id"] == first
    assert answer["breaker"] is None and answer["breaker_tripped"] is False
    assert answer["new_positions_allowed"] is True and answer["reason"] is None
    # logged like the other safety changes, naming the user and what the breaker held
    (logged,) = [r.getMessage() for r in caplog.records if "circuit breaker reset" in
                 r.getMessage()]
    assert first in logged and "breaker_consecutive_losses" in logged
    status = client.get(STATUS, headers=ADMIN).get_json()
    assert [b["user_id"] for b in status["tripped_user_breakers"]] == [second]
    assert first not in status["user_breakers"] and second in status["user_breakers"]
    assert _outcomes(client, "2901") == {first: "executed",
                                         second: "breaker_consecutive_losses"}


@pytest.mark.parametrize("body", [None, {}, {"user_id": None}])
def test_no_user_id_resets_the_platforms_breaker_as_before(
        client: FlaskClient, tripped: list[str], caplog: pytest.LogCaptureFixture,
        body: dict[str, Any] | None) -> None:
    with caplog.at_level(logging.WARNING, logger="verzek.engine.safety_service"):
        resp = (client.post(RESET, headers=ADMIN) if body is None
                else client.post(RESET, headers=ADMIN, json=body))
    assert resp.status_code == 200, resp.get_json()
    answer = resp.get_json()
    assert "platform_breaker" in answer and "user_id" not in answer  # the platform's status
    assert [b["user_id"] for b in answer["tripped_user_breakers"]] == sorted(tripped)
    assert any("circuit breaker reset for the platform" in r.getMessage()
               for r in caplog.records)


@pytest.mark.parametrize(("body", "status", "code"), [
    pytest.param({"user_id": "<first>", "junk": 1}, 422, "validation_error",
                 id="unknown_field"),
    pytest.param({"junk": 1}, 422, "validation_error", id="unknown_field_only"),
    pytest.param({"user_id": 5}, 422, "validation_error", id="not_a_string"),
    pytest.param({"user_id": "a b"}, 422, "validation_error", id="not_an_id"),
    pytest.param([], 422, "validation_error", id="not_an_object"),
    pytest.param(None, 422, "validation_error", id="json_null"),
    pytest.param({"user_id": "u_nobody"}, 404, "not_found", id="no_such_user"),
])
def test_a_wrong_body_is_refused_and_changes_nothing(
        client: FlaskClient, runtime: Runtime, tripped: list[str],
        body: Any, status: int, code: str) -> None:
    if isinstance(body, dict) and body.get("user_id") == "<first>":
        body = {**body, "user_id": tripped[0]}
    before = snapshot(runtime.settings.data_dir)
    resp = client.post(RESET, headers=ADMIN, data=b"null" if body is None else None,
                       json=body if body is not None else None,
                       content_type="application/json")
    assert resp.status_code == status, resp.get_json()
    error = resp.get_json()["error"]
    assert error["code"] == code and error["message"]
    if status == 404:
        assert error["details"]["field"] == "user_id"
    assert snapshot(runtime.settings.data_dir) == before
    listed = client.get(STATUS, headers=ADMIN).get_json()["tripped_user_breakers"]
    assert [b["user_id"] for b in listed] == sorted(tripped)


def test_the_route_documents_its_optional_body(client: FlaskClient) -> None:
    doc = client.get("/openapi.json").get_json()
    operation = doc["paths"][RESET]["post"]
    assert operation["requestBody"]["required"] is False
    schema = doc["components"]["schemas"]["BreakerResetBody"]
    assert schema["additionalProperties"] is False and set(schema["properties"]) == {"user_id"}
    assert "user_id" in operation["description"] and "404" in operation["description"]
    status = doc["paths"][STATUS]["get"]["description"]
    assert "platform_new_positions_allowed" in status and "tripped_user_breakers" in status
