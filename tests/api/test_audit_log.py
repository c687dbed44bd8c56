"""What an operator reads in the log afterwards: who created, changed and deleted users, who
changed a plan, who set demo prices, and what became of each signal. These had no log line."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.api.conftest import AuthActions


@pytest.mark.parametrize("settings_overrides", [{"allow_signup": True}])
def test_user_and_plan_changes_are_logged_with_who(client: FlaskClient, auth: AuthActions,
                                                   caplog: pytest.LogCaptureFixture,
                                                   settings_overrides: dict[str, Any]) -> None:
    with caplog.at_level(logging.INFO, logger="verzek.engine.accounts"):
        resp = client.post("/api/users", environ_base={"REMOTE_ADDR": "10.8.0.1"},
                           json={"email": "self@example.com", "password": "long enough"})
        assert resp.status_code == 201
        own = resp.get_json()["id"]
        made = client.post("/api/users", headers=auth.admin(), json={
            "email": "made@example.com", "password": "long enough"}).get_json()["id"]
        token = auth.login("self@example.com", "long enough")["token"]
        mine = {"Authorization": f"Bearer {token}"}
        assert client.patch(f"/api/users/{own}", headers=mine, json={
            "password": "longer still", "current_password": "long enough"}).status_code == 200
        assert client.patch(f"/api/users/{made}", headers=auth.admin(),
                            json={"name": "Made"}).status_code == 200
        assert client.post(f"/api/users/{made}/subscription", headers=auth.admin(), json={
            "action": "activate", "plan": "vip", "days": 30}).status_code == 200
        assert client.post(f"/api/users/{made}/subscription", headers=auth.admin(),
                           json={"action": "cancel"}).status_code == 200
        assert client.delete(f"/api/users/{own}", headers=mine).status_code == 200
        assert client.delete(f"/api/users/{made}", headers=auth.admin()).status_code == 200
    lines = [r.getMessage() for r in caplog.records]
    assert f"user {own} created by sign-up from 10.8.0.1" in lines
    assert f"user {made} created by an admin" in lines
    assert f"user {own}: password changed by the user" in lines
    assert f"user {made}: name changed by an admin" in lines
    assert any(line.startswith(f"subscription of {made} activated by an admin: vip plan until ")
               for line in lines)
    assert f"subscription of {made} cancelled by an admin: free plan" in lines
    assert f"user {own} deleted by the user" in lines
    assert f"user {made} deleted by an admin" in lines
    text = "\n".join(lines)
    assert "long enough" not in text and "longer still" not in text
    assert "self@example.com" not in text


def test_each_signal_and_demo_price_change_is_logged(client: FlaskClient, auth: AuthActions,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="verzek.engine.trading"):
        assert client.put("/api/demo/prices", headers=auth.admin(), json={
            "prices": {"ETH/USDT": "2000"}, "pin": True}).status_code == 200
        call = client.post("/api/signals", headers=auth.admin(), json={
            "text": "#ETH/USDT LONG\nEntry: 2000\nTargets: 2100\nStop: 1900"}).get_json()
        noise = client.post("/api/signals", headers=auth.admin(), json={
            "text": "Good morning traders, big week ahead"}).get_json()
    lines = [r.getMessage() for r in caplog.records]
    assert any(line.startswith("demo prices set by an admin (pinned): ") and
               "ETH/USDT 2000" in line for line in lines)
    assert f"signal {call['signal_id']} from api: LONG ETH/USDT, no user concerned" in lines
    assert any(line.startswith(f"signal {noise['signal_id']} from api: no trade (")
               for line in lines)


def test_every_change_is_logged_with_which_admin_or_user_and_no_secret(
        client: FlaskClient, auth: AuthActions, caplog: pytest.LogCaptureFixture) -> None:
    """Exchange accounts, settings, demo balances and closes had no line, and "by an admin"
    did not say which of the configured admin tokens acted."""
    from tests.api.conftest import TV_SECRET
    from verzek.api.audit import admin_label

    user_id, headers = auth.user("audited@example.com")
    admin_token = auth.admin()["Authorization"].split(" ", 1)[1]
    with caplog.at_level(logging.INFO, logger="verzek.api.audit"):
        assert client.patch(f"/api/users/{user_id}/settings/risk", headers=auth.admin(),
                            json={"max_leverage": 3}).status_code == 200
        assert client.put(f"/api/users/{user_id}/demo/balance", headers=headers,
                          json={"usdt": 5000}).status_code == 200
        assert client.get(f"/api/users/{user_id}", headers=headers).status_code == 200
        client.post(f"/api/webhooks/tradingview/{TV_SECRET}", data="hello",
                    content_type="text/plain")
    lines = [r.getMessage() for r in caplog.records]
    label = admin_label(admin_token)
    assert label.startswith("admin#") and admin_token not in label
    assert f"api PATCH /api/users/{user_id}/settings/risk -> 200 by {label} from 127.0.0.1" \
        in lines
    assert f"api PUT /api/users/{user_id}/demo/balance -> 200 by user {user_id} from " \
           "127.0.0.1" in lines
    assert not any(" GET " in line for line in lines)
    assert any(line.startswith("api POST /api/webhooks/tradingview/[redacted] -> ")
               for line in lines)
    assert not any(TV_SECRET in line or admin_token in line for line in lines)
