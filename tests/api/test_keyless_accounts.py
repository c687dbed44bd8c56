"""Exchange accounts without keys: a demo account needs none, and the operator's user
(VERZEK_OPERATOR_USER_ID) trades live with the operator's keys (BINANCE_* ...). The README
promised the latter, but the API asked every account for an api_key and api_secret."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.fernet import Fernet
from flask.testing import FlaskClient

from tests.api.conftest import AuthActions
from verzek.domain.models import ExchangeName
from verzek.runtime import Runtime

MASTER = {"master_keys": (Fernet.generate_key().decode(),)}


def _vip(client: FlaskClient, auth: AuthActions, user_id: str) -> None:
    resp = client.post(f"/api/users/{user_id}/subscription", headers=auth.admin(),
                       json={"action": "activate", "plan": "vip"})
    assert resp.status_code == 200, resp.get_json()


def test_a_demo_account_needs_no_keys(client: FlaskClient, auth: AuthActions,
                                      runtime: Runtime) -> None:
    user_id, headers = auth.user("demo@example.com")
    resp = client.post(f"/api/users/{user_id}/exchanges", headers=headers,
                       json={"exchange": "bybit", "market_type": "spot"})
    assert resp.status_code == 201, resp.get_json()
    (account,) = runtime.users.get(user_id).exchange_accounts
    assert account.mode.value == "demo" and account.credentials_ciphertext is None
    assert account.key_last4 == ""
    verified = client.post(f"/api/users/{user_id}/exchanges/{account.id}/verify",
                           headers=headers)
    assert verified.status_code == 200, verified.get_json()


@pytest.mark.parametrize("settings_overrides", [MASTER])
def test_a_live_account_without_keys_is_the_operators_only(
        client: FlaskClient, auth: AuthActions, runtime: Runtime,
        settings_overrides: dict[str, Any]) -> None:
    user_id, headers = auth.user("live@example.com")
    _vip(client, auth, user_id)
    url = f"/api/users/{user_id}/exchanges"
    body = {"exchange": "binance", "mode": "live"}
    resp = client.post(url, headers=headers, json=body)
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "keys_required"
    assert runtime.users.get(user_id).exchange_accounts == []
    # the operator's user, on an exchange whose operator keys are set
    runtime.accounts.operator_user_id = user_id  # type: ignore[union-attr]
    runtime.accounts.operator_exchanges = frozenset({ExchangeName.BINANCE})  # type: ignore[union-attr]
    assert client.post(url, headers=headers, json={**body, "exchange": "bybit"}
                       ).status_code == 403  # no operator keys for Bybit
    resp = client.post(url, headers=headers, json=body)
    assert resp.status_code == 201, resp.get_json()
    (account,) = runtime.users.get(user_id).exchange_accounts
    assert account.mode.value == "live" and account.credentials_ciphertext is None


def test_one_key_without_the_other_is_refused(client: FlaskClient, auth: AuthActions,
                                              runtime: Runtime) -> None:
    user_id, headers = auth.user("half@example.com")
    resp = client.post(f"/api/users/{user_id}/exchanges", headers=headers,
                       json={"exchange": "binance", "api_key": "KEYkeyKEY1234"})
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "incomplete_keys"
    assert runtime.users.get(user_id).exchange_accounts == []


@pytest.mark.parametrize("settings_overrides", [MASTER])
def test_an_account_without_keys_cannot_be_switched_to_live(
        client: FlaskClient, auth: AuthActions, runtime: Runtime,
        settings_overrides: dict[str, Any]) -> None:
    user_id, headers = auth.user("switch@example.com")
    _vip(client, auth, user_id)
    created = client.post(f"/api/users/{user_id}/exchanges", headers=headers,
                          json={"exchange": "binance"}).get_json()
    resp = client.patch(f"/api/users/{user_id}/exchanges/{created['id']}", headers=headers,
                        json={"mode": "live"})
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "keys_required"
    assert runtime.users.get(user_id).exchange_accounts[0].mode.value == "demo"
