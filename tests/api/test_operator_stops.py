"""A kill switch or pause an admin puts on a user is the admins' to lift: the user's own
"lift" is 403 `set_by_operator` (it answered 200 and lifted the operator's stop), while their
own switch and pause stay theirs to set and lift."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from flask.testing import FlaskClient

from tests.api.conftest import AuthActions
from verzek.clock import ManualClock
from verzek.runtime import Runtime


def test_a_user_cannot_lift_an_operators_kill_switch_or_pause(
        client: FlaskClient, auth: AuthActions, runtime: Runtime) -> None:
    assert runtime.trading is not None
    user_id, headers = auth.user("stopped@example.com")
    kill = f"/api/users/{user_id}/kill-switch"
    pause = f"/api/users/{user_id}/pause"
    assert client.post(kill, headers=auth.admin(),
                       json={"active": True, "reason": "chargeback"}).status_code == 200
    assert client.post(pause, headers=auth.admin(),
                       json={"paused": True, "reason": "review"}).status_code == 200
    for url, body in ((kill, {"active": False}), (pause, {"paused": False})):
        resp = client.post(url, headers=headers, json=body)
        assert resp.status_code == 403, resp.get_json()
        error = resp.get_json()["error"]
        assert error["code"] == "set_by_operator" and "only an operator" in error["message"]
    # the user switching it on again (say, with close_positions) leaves it the operator's
    assert client.post(kill, headers=headers, json={"active": True, "reason": "me"}
                       ).status_code == 200
    assert client.post(kill, headers=headers, json={"active": False}).status_code == 403
    status = runtime.trading.safety.status(user_id)
    assert status["kill_switch"]["active"] and status["kill_switch"]["set_by"] == "admin"
    assert status["pause"]["active"] and status["pause"]["set_by"] == "admin"
    # the admins lift them
    assert client.post(kill, headers=auth.admin(), json={"active": False}).status_code == 200
    assert client.post(pause, headers=auth.admin(), json={"paused": False}).status_code == 200
    assert runtime.trading.safety.status(user_id)["new_positions_allowed"] is True


def test_a_users_own_switch_and_pause_stay_theirs(
        client: FlaskClient, auth: AuthActions, runtime: Runtime) -> None:
    user_id, headers = auth.user("own@example.com")
    for url, on, off in ((f"/api/users/{user_id}/kill-switch", {"active": True},
                          {"active": False}),
                         (f"/api/users/{user_id}/pause", {"paused": True}, {"paused": False})):
        assert client.post(url, headers=headers, json=on).status_code == 200
        assert client.post(url, headers=headers, json=off).status_code == 200


def test_the_user_answer_says_when_their_pause_is_in_force(
        client: FlaskClient, auth: AuthActions, runtime: Runtime) -> None:
    user_id, headers = auth.user("paused@example.com")
    url = f"/api/users/{user_id}"
    assert client.get(url, headers=headers).get_json()["paused"] is False
    until = (runtime.clock.now() + timedelta(hours=2)).isoformat()
    assert client.post(f"{url}/pause", headers=auth.admin(),
                       json={"paused": True, "until": until}).status_code == 200
    body = client.get(url, headers=headers).get_json()
    assert body["paused"] is True and body["paused_until"].startswith(until[:16])
    listed = client.get("/api/users", headers=auth.admin()).get_json()["items"]
    assert [u["paused"] for u in listed if u["id"] == user_id] == [True]
    assert client.post(f"{url}/pause", headers=auth.admin(),
                       json={"paused": False}).status_code == 200
    body = client.get(url, headers=headers).get_json()
    assert (body["paused"], body["paused_until"]) == (False, None)


def test_a_users_own_pause_over_an_operators_changes_neither_its_end_nor_its_reason(
        client: FlaskClient, auth: AuthActions, runtime: Runtime, clock: ManualClock) -> None:
    """A user pausing "until in 3 s" over an operator's open-ended pause shortened it: once
    their 3 s had passed, the pause was no longer in force and they could lift it."""
    assert runtime.trading is not None
    user_id, headers = auth.user("kyc@example.com")
    pause = f"/api/users/{user_id}/pause"
    assert client.post(pause, headers=auth.admin(),
                       json={"paused": True, "reason": "KYC review"}).status_code == 200
    soon = (runtime.clock.now() + timedelta(seconds=3)).isoformat()
    assert client.post(pause, headers=headers, json={"paused": True, "until": soon}
                       ).status_code == 200
    clock.advance(5)
    held = runtime.trading.safety.status(user_id)["pause"]
    assert held["in_force"] and held["until"] is None and held["reason"] == "KYC review"
    resp = client.post(pause, headers=headers, json={"paused": False})
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "set_by_operator"


def test_a_users_own_switch_over_an_operators_keeps_its_reason_and_its_closing(
        client: FlaskClient, auth: AuthActions, runtime: Runtime,
        caplog: pytest.LogCaptureFixture) -> None:
    """...and the log says so: it read "kill switch ON for u by the user: whatever", as if
    the user's switch had replaced the operator's."""
    assert runtime.trading is not None
    user_id, headers = auth.user("closing@example.com")
    kill = f"/api/users/{user_id}/kill-switch"
    assert client.post(kill, headers=auth.admin(), json={
        "active": True, "reason": "chargeback", "close_positions": True}).status_code == 200
    with caplog.at_level(logging.WARNING, logger="verzek.engine.safety_service"):
        assert client.post(kill, headers=headers, json={
            "active": True, "reason": "whatever", "close_positions": False}).status_code == 200
        assert client.post(f"/api/users/{user_id}/pause", headers=auth.admin(), json={
            "paused": True, "reason": "review"}).status_code == 200
        assert client.post(f"/api/users/{user_id}/pause", headers=headers, json={
            "paused": True, "reason": "mine"}).status_code == 200
    held = runtime.trading.safety.status(user_id)["kill_switch"]
    assert held["reason"] == "chargeback" and held["close_positions"] is True
    lines = [r.getMessage() for r in caplog.records]
    assert f"kill switch ON for {user_id} asked by the user: the operator's switch stays " \
           "as it is" in lines
    assert f"trading pause ON for {user_id} asked by the user: the operator's pause stays " \
           "as it is, the user's holds once it ends" in lines
    assert not any(line.endswith(("by the user: whatever", "by the user: mine")) for line in lines)
    # a user may ask for more than the operator did: their positions closed too
    user2, headers2 = auth.user("closing2@example.com")
    kill2 = f"/api/users/{user2}/kill-switch"
    assert client.post(kill2, headers=auth.admin(), json={
        "active": True, "reason": "review"}).status_code == 200
    with caplog.at_level(logging.WARNING, logger="verzek.engine.safety_service"):
        assert client.post(kill2, headers=headers2, json={
            "active": True, "close_positions": True}).status_code == 200
    held = runtime.trading.safety.status(user2)["kill_switch"]
    assert held["reason"] == "review" and held["close_positions"] is True
    assert held["set_by"] == "admin"
    assert caplog.records[-1].getMessage() == (
        f"kill switch ON for {user2} asked by the user: the operator's switch stays, now "
        "closing positions")


def test_an_operators_actions_are_logged_and_a_resume_says_who_when_and_why(
        client: FlaskClient, auth: AuthActions, runtime: Runtime,
        caplog: pytest.LogCaptureFixture) -> None:
    """A platform resume showed set_by "user", no reason and no time; breaker thresholds
    changed without a log line; kill-switch and pause lines did not say who or how."""
    assert runtime.trading is not None
    with caplog.at_level(logging.WARNING, logger="verzek.engine.safety_service"):
        assert client.post("/api/safety/pause", headers=auth.admin(), json={
            "paused": True, "reason": "maintenance"}).status_code == 200
        assert client.post("/api/safety/pause", headers=auth.admin(), json={
            "paused": False, "reason": "incident over"}).status_code == 200
        assert client.put("/api/safety/circuit-breaker", headers=auth.admin(),
                          json={"loss_pct": "7"}).status_code == 200
        assert client.post("/api/safety/kill-switch", headers=auth.admin(), json={
            "active": True, "reason": "incident 42", "close_positions": True}).status_code == 200
    lines = [r.getMessage() for r in caplog.records]
    assert "trading pause ON for the platform by an admin: maintenance" in lines
    assert "circuit breaker thresholds changed by an admin: loss_pct=7" in lines
    assert "kill switch ON for the platform by an admin, closing positions: incident 42" in lines
    pause = runtime.trading.safety.status()["platform_pause"]
    assert pause["active"] is False and pause["set_by"] == "admin"
    assert pause["reason"] == "incident over" and pause["since"] is not None
