"""An exchange account, or a user, with open positions cannot be deleted (409): the account's
keys are what the engine closes those positions with, and a deleted user's positions vanished
from the admins' view while the engine went on trading them. Disabling stays allowed."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.api.conftest import AuthActions
from tests.api.helpers import make_position
from verzek.domain.models import PositionStatus
from verzek.runtime import Runtime


def _account_with_position(client: FlaskClient, auth: AuthActions,
                           runtime: Runtime) -> tuple[str, dict[str, str], str]:
    user_id, headers = auth.user("holder@example.com")
    resp = client.post(f"/api/users/{user_id}/exchanges", headers=headers,
                       json={"exchange": "bybit", "market_type": "futures"})
    assert resp.status_code == 201, resp.get_json()
    account_id = resp.get_json()["id"]
    now = runtime.clock.now()
    runtime.positions.save(make_position(user_id, "p1", now).model_copy(
        update={"account_id": account_id}))
    return user_id, headers, account_id


def test_an_account_with_an_open_position_is_not_deleted(
        client: FlaskClient, auth: AuthActions, runtime: Runtime) -> None:
    user_id, headers, account_id = _account_with_position(client, auth, runtime)
    url = f"/api/users/{user_id}/exchanges/{account_id}"
    disabled = client.patch(url, headers=headers, json={"enabled": False})
    assert disabled.status_code == 200, disabled.get_json()
    resp = client.delete(url, headers=headers)
    assert resp.status_code == 409, resp.get_json()
    error = resp.get_json()["error"]
    assert error["code"] == "account_has_positions"
    assert "1 open position (BTC/USDT:USDT)" in error["message"]
    assert error["details"] == {"position_ids": ["p1"]}
    assert [a.id for a in runtime.users.get(user_id).exchange_accounts] == [account_id]
    # once the position is closed, it goes
    runtime.positions.mutate(user_id, lambda ps: [p.model_copy(
        update={"status": PositionStatus.CLOSED, "closed_at": runtime.clock.now()})
        for p in ps])
    assert client.delete(url, headers=headers).status_code == 200
    assert runtime.users.get(user_id).exchange_accounts == []


def test_a_position_on_another_account_does_not_block_the_delete(
        client: FlaskClient, auth: AuthActions, runtime: Runtime) -> None:
    user_id, headers, _ = _account_with_position(client, auth, runtime)
    vip = client.post(f"/api/users/{user_id}/subscription", headers=auth.admin(),
                      json={"action": "activate", "plan": "vip"})
    assert vip.status_code == 200, vip.get_json()
    other = client.post(f"/api/users/{user_id}/exchanges", headers=headers,
                        json={"exchange": "binance", "market_type": "spot"}).get_json()["id"]
    resp = client.delete(f"/api/users/{user_id}/exchanges/{other}", headers=headers)
    assert resp.status_code == 200, resp.get_json()


def test_a_user_with_an_open_position_is_not_deleted(
        client: FlaskClient, auth: AuthActions, runtime: Runtime) -> None:
    user_id, headers, _ = _account_with_position(client, auth, runtime)
    resp = client.delete(f"/api/users/{user_id}", headers=headers)
    assert resp.status_code == 409, resp.get_json()
    assert resp.get_json()["error"]["code"] == "user_has_positions"
    user = runtime.users.get(user_id)
    assert not user.deleted and user.exchange_accounts
    assert client.get(f"/api/users/{user_id}", headers=headers).status_code == 200
    by_admin = client.delete(f"/api/users/{user_id}", headers=auth.admin())
    assert by_admin.status_code == 409


def test_an_account_with_an_open_position_keeps_its_market_type(
        client: FlaskClient, auth: AuthActions, runtime: Runtime) -> None:
    """Its open positions' orders live on the market it has: a spot account turned futures
    under them left them unreachable, and the paper client's unknown symbols broke every
    price-monitor pass, for every user."""
    user_id, headers, account_id = _account_with_position(client, auth, runtime)
    url = f"/api/users/{user_id}/exchanges/{account_id}"
    resp = client.patch(url, headers=headers, json={"market_type": "spot"})
    assert resp.status_code == 409, resp.get_json()
    error = resp.get_json()["error"]
    assert error["code"] == "account_has_positions"
    assert "(changing its market_type)" in error["message"]
    (account,) = runtime.users.get(user_id).exchange_accounts
    assert account.market_type.value == "futures"
    same = client.patch(url, headers=headers, json={"market_type": "futures", "label": "main"})
    assert same.status_code == 200, same.get_json()  # not a change: allowed
    runtime.positions.mutate(user_id, lambda ps: [p.model_copy(
        update={"status": PositionStatus.CLOSED, "closed_at": runtime.clock.now()})
        for p in ps])
    assert client.patch(url, headers=headers, json={"market_type": "spot"}).status_code == 200
