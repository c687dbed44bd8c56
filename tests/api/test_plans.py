"""Settings with plan caps, subscriptions, exchange accounts and the plan's account limit."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.fernet import Fernet
from flask.testing import FlaskClient

from tests.api.conftest import AuthActions
from tests.api.helpers import user_files
from verzek.clock import ManualClock
from verzek.runtime import Runtime

CEX = {"exchange": "binance", "api_key": "KEYabcdefgh1234", "api_secret": "SECRETabcdefgh99"}
# MetaApi's account id is a 36-character UUID: its last 4 are shown, never most of it
COINEXX = {"exchange": "coinexx", "metaapi_token": "tok-1234567890abcdef",
           "metaapi_account_id": "0f6b7c7e-2f1a-4f3c-9a57-6d1e1b2f6789"}


def test_settings_answer_effective_values_after_plan_caps(client: FlaskClient,
                                                           auth: AuthActions) -> None:
    user_id, headers = auth.user("caps@example.com")
    base = f"/api/users/{user_id}/settings"
    resp = client.put(f"{base}/dca", headers=headers,
                      json={"enabled": True, "max_safety_orders": 5,
                            "levels": [{"deviation_pct": 1, "size_multiplier": "1.5e0"}]})
    assert resp.status_code == 422  # a decimal string is plain digits
    resp = client.put(f"{base}/dca", headers=headers,
                      json={"enabled": True, "max_safety_orders": 5,
                            "levels": [{"deviation_pct": 1, "size_multiplier": "1.5"}]})
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["settings"]["enabled"] is True and body["settings"]["max_safety_orders"] == 5
    assert body["effective"]["enabled"] is False and body["effective"]["max_safety_orders"] == 0
    assert body["settings"]["levels"] == [{"deviation_pct": "1", "size_multiplier": "1.5"}]
    resp = client.put(f"{base}/risk", headers=headers, json={"max_leverage": 50})
    assert resp.get_json()["effective"]["max_leverage"] == 10
    assert client.get(f"{base}/risk", headers=headers).get_json()["settings"][
        "max_leverage"] == 50


def test_settings_ranges_and_types_are_validated(client: FlaskClient, auth: AuthActions,
                                                 runtime: Runtime) -> None:
    user_id, headers = auth.user("ranges@example.com")
    before = user_files(runtime.settings.data_dir, user_id)
    for section, body in (("risk", {"max_leverage": 126}), ("risk", {"max_leverage": True}),
                          ("risk", {"position_size_usdt": 0}),
                          ("risk", {"position_size_usdt": -5}),
                          ("risk", {"position_size_usdt": "1e2"}),
                          ("risk", {"position_size_usdt": "0.000"}),
                          ("risk", {"position_size_usdt": "abc"}),
                          ("dca", {"max_safety_orders": 51}),
                          ("strategy", {"entry_type": "yolo"}),
                          ("general", {"auto_trade": "yes"}),
                          ("general", {"nope": 1})):
        resp = client.put(f"/api/users/{user_id}/settings/{section}", json=body,
                          headers=headers)
        assert resp.status_code == 422, (section, body, resp.get_json())
    assert user_files(runtime.settings.data_dir, user_id) == before


@pytest.mark.parametrize("section", ["general", "risk", "strategy", "dca"])
def test_settings_read_can_be_written_back(client: FlaskClient, auth: AuthActions,
                                           section: str) -> None:
    user_id, headers = auth.user(f"{section}@example.com")
    url = f"/api/users/{user_id}/settings/{section}"
    stored = client.get(url, headers=headers).get_json()["settings"]
    resp = client.put(url, json=stored, headers=headers)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["settings"] == stored


def test_live_mode_needs_a_plan_with_live_trading(client: FlaskClient,
                                                  auth: AuthActions) -> None:
    user_id, headers = auth.user("live@example.com")
    url = f"/api/users/{user_id}/settings/general"
    resp = client.put(url, json={"mode": "live"}, headers=headers)
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "plan_forbids"
    resp = client.post(f"/api/users/{user_id}/subscription", headers=auth.admin(),
                       json={"action": "activate", "plan": "pro", "days": 30})
    assert resp.status_code == 200
    resp = client.put(url, json={"mode": "live", "auto_trade": True}, headers=headers)
    assert resp.status_code == 200 and resp.get_json()["effective"]["mode"] == "live"
    # the plan lapses: the stored live mode is not traded (signals are skipped, saying why;
    # not traded in demo either, so "effective" stays live) and must not block other changes
    assert client.post(f"/api/users/{user_id}/subscription", headers=auth.admin(),
                       json={"action": "cancel"}).status_code == 200
    resp = client.patch(url, json={"auto_trade": False}, headers=headers)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["effective"]["mode"] == "live"
    assert resp.get_json()["settings"]["auto_trade"] is False


def test_subscription_activate_extend_cancel(client: FlaskClient, auth: AuthActions,
                                             clock: ManualClock) -> None:
    user_id, headers = auth.user("sub@example.com")
    url = f"/api/users/{user_id}/subscription"
    sub = client.get(url, headers=headers).get_json()
    assert sub["plan"] == "free" and sub["effective_plan"]["max_exchange_accounts"] == 1
    assert client.post(url, json={"action": "extend", "days": 5},
                       headers=auth.admin()).status_code == 409
    sub = client.post(url, json={"action": "activate", "plan": "vip", "days": 30},
                      headers=auth.admin()).get_json()
    assert sub["plan"] == "vip" and sub["expires_at"].startswith("2026-01-31")
    sub = client.post(url, json={"action": "extend", "days": 10},
                      headers=auth.admin()).get_json()
    assert sub["expires_at"].startswith("2026-02-10")
    clock.advance(41 * 86400)
    sub = client.get(url, headers=auth.admin()).get_json()  # the user's token expired too
    assert sub["expired"] is True and sub["effective_plan"]["name"] == "free"
    sub = client.post(url, json={"action": "cancel"}, headers=auth.admin()).get_json()
    assert sub["plan"] == "free" and sub["expires_at"] is None
    for bad in ({"action": "activate", "plan": "gold"}, {"action": "extend"},
                {"action": "extend", "days": 0}, {"action": "refund"}):
        assert client.post(url, json=bad, headers=auth.admin()).status_code == 422


def test_plan_account_limit_and_account_lifecycle(client: FlaskClient,
                                                  auth: AuthActions) -> None:
    user_id, headers = auth.user("acct@example.com")
    base = f"/api/users/{user_id}/exchanges"
    first = client.post(base, json=CEX, headers=headers)
    assert first.status_code == 201
    second = client.post(base, json=COINEXX, headers=headers)
    assert second.status_code == 403 and second.get_json()["error"]["code"] == "plan_limit"
    account_id = first.get_json()["id"]
    general = f"/api/users/{user_id}/settings/general"
    assert client.put(general, json={"default_account_id": account_id},
                      headers=headers).status_code == 200
    resp = client.patch(f"{base}/{account_id}", json={"enabled": False, "label": "off"},
                        headers=headers)
    assert resp.get_json()["enabled"] is False and resp.get_json()["label"] == "off"
    verified = client.post(f"{base}/{account_id}/verify", headers=headers).get_json()
    assert verified["account"]["status"] == "verified"
    assert client.delete(f"{base}/{account_id}", headers=headers).status_code == 200
    assert client.get(f"{base}/{account_id}", headers=headers).status_code == 404
    assert client.get(general, headers=headers).get_json()["settings"][
        "default_account_id"] is None
    coinexx = client.post(base, json=COINEXX, headers=headers)
    assert coinexx.status_code == 201 and coinexx.get_json()["key_last4"] == "6789"


def test_live_credentials_need_a_master_key(client: FlaskClient, auth: AuthActions) -> None:
    user_id, headers = auth.user("demo@example.com")
    client.post(f"/api/users/{user_id}/subscription", headers=auth.admin(),
                json={"action": "activate", "plan": "pro"})
    resp = client.post(f"/api/users/{user_id}/exchanges", json={**CEX, "mode": "live"},
                       headers=headers)
    assert resp.status_code == 409
    assert resp.get_json()["error"]["code"] == "master_key_required"


@pytest.mark.parametrize("settings_overrides",
                         [{"master_keys": (Fernet.generate_key().decode(),)}])
def test_live_credentials_with_a_master_key(client: FlaskClient, auth: AuthActions,
                                            settings_overrides: dict[str, Any]) -> None:
    user_id, headers = auth.user("live2@example.com")
    url = f"/api/users/{user_id}/exchanges"
    resp = client.post(url, json={**CEX, "mode": "live"}, headers=headers)
    assert resp.status_code == 403  # the free plan has no live trading
    client.post(f"/api/users/{user_id}/subscription", headers=auth.admin(),
                json={"action": "activate", "plan": "pro"})
    resp = client.post(url, json={**CEX, "mode": "live"}, headers=headers)
    assert resp.status_code == 201 and resp.get_json()["mode"] == "live"


def test_exchange_account_validation(client: FlaskClient, auth: AuthActions) -> None:
    user_id, headers = auth.user("val@example.com")
    url = f"/api/users/{user_id}/exchanges"
    for body in ({**CEX, "exchange": "kraken"}, {**CEX, "api_key": "abc"},
                 {"exchange": "coinexx", **{k: v for k, v in CEX.items() if k != "exchange"}},
                 {**CEX, "status": "verified"}, {**CEX, "testnet": "yes"}):
        assert client.post(url, json=body, headers=headers).status_code in (403, 422), body
    assert client.get(url, headers=headers).get_json()["items"] == []


def test_after_a_plan_change_down_accounts_are_enabled_only_within_the_plan(
        client: FlaskClient, auth: AuthActions) -> None:
    """A pro user (one account) left with three from vip re-enabled the two they had disabled:
    both were accepted, and the chosen default account then stopped trading ("beyond the
    plan")."""
    user_id, headers = auth.user("down@example.com")
    sub = f"/api/users/{user_id}/subscription"
    assert client.post(sub, json={"action": "activate", "plan": "vip", "days": 30},
                       headers=auth.admin()).status_code == 200
    base = f"/api/users/{user_id}/exchanges"
    ids = [client.post(base, json={"exchange": "bybit", "market_type": "spot",
                                   "label": f"n{i}"}, headers=headers).get_json()["id"]
           for i in range(3)]
    assert client.post(sub, json={"action": "activate", "plan": "pro", "days": 30},
                       headers=auth.admin()).status_code == 200
    for account_id in ids[:2]:
        assert client.patch(f"{base}/{account_id}", json={"enabled": False},
                            headers=headers).status_code == 200
    resp = client.patch(f"{base}/{ids[0]}", json={"enabled": True}, headers=headers)
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "plan_limit"
    assert "disable another" in resp.get_json()["error"]["message"]
    assert client.patch(f"{base}/{ids[2]}", json={"enabled": False},
                        headers=headers).status_code == 200
    assert client.patch(f"{base}/{ids[0]}", json={"enabled": True},
                        headers=headers).status_code == 200
    # an enabled account's other changes stay possible
    assert client.patch(f"{base}/{ids[0]}", json={"enabled": True, "label": "main"},
                        headers=headers).status_code == 200
