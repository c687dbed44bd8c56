"""A user's demo balances through the API, against the real engine and paper exchange."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient

from verzek.domain.models import (
    ExchangeAccount,
    ExchangeName,
    GeneralSettings,
    TradingMode,
    User,
    UserSettings,
)
from verzek.engine import demo_balance
from verzek.errors import Conflict, InvalidInput, NotFound
from verzek.runtime import Runtime

from .conftest import AuthActions


def _usdt(body: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {a["account_id"].rsplit("-", 1)[-1]: a["usdt"] for a in body["accounts"]}


def test_a_demo_user_reads_and_sets_their_paper_balance(client: FlaskClient,
                                                       auth: AuthActions) -> None:
    uid, headers = auth.user("demo@example.com")
    url = f"/api/users/{uid}/demo/balance"
    start = client.get(url, headers=headers)
    assert start.status_code == 200
    assert _usdt(start.get_json()) == {
        m: {"free": "10000", "used": "0", "total": "10000"} for m in ("futures", "spot")}
    resp = client.put(url, json={"usdt": "2500.5"}, headers=headers)
    assert resp.status_code == 200, resp.get_json()
    assert {m: v["total"] for m, v in _usdt(resp.get_json()).items()} == {
        "futures": "2500.5", "spot": "2500.5"}
    one = client.put(url, json={"usdt": 700, "account_id": f"demo-{uid}-spot"},
                     headers=headers)
    assert one.status_code == 200 and len(one.get_json()["accounts"]) == 1
    after = _usdt(client.get(url, headers=headers).get_json())
    assert (after["futures"]["total"], after["spot"]["total"]) == ("2500.5", "700")
    assert client.get(url, headers=auth.admin()).status_code == 200  # an admin may too


def test_bad_values_and_other_users_change_nothing(client: FlaskClient,
                                                   auth: AuthActions) -> None:
    uid, headers = auth.user("owner@example.com")
    _other, other_headers = auth.user("other@example.com")
    url = f"/api/users/{uid}/demo/balance"
    before = client.get(url, headers=headers).get_json()
    assert client.put(url, json={"usdt": 5}, headers=other_headers).status_code == 404
    assert client.get(url, headers=other_headers).status_code == 404
    assert client.put(url, json={"usdt": 5}).status_code == 401
    for bad in ({"usdt": -1}, {"usdt": "abc"}, {"usdt": "1e3"}, {}, {"usdt": 1, "x": 1},
                {"usdt": 1, "account_id": "../x"}):
        assert client.put(url, json=bad, headers=headers).status_code == 422, bad
    too_much = client.put(url, json={"usdt": 10**15}, headers=headers)
    assert too_much.status_code == 422 and "usdt" in str(too_much.get_json()["error"])
    missing = client.put(url, json={"usdt": 1, "account_id": "nope"}, headers=headers)
    assert missing.status_code == 404
    theirs = client.put(url, json={"usdt": 1, "account_id": f"demo-{_other}-futures"},
                        headers=headers)  # another user's account id in one's own body
    assert theirs.status_code == 404
    assert client.get(url, headers=headers).get_json() == before


def test_a_live_account_is_never_given_a_paper_balance(runtime: Runtime) -> None:
    now = datetime(2026, 11, 1, tzinfo=UTC)
    live = ExchangeAccount(id="acc-live", user_id="u1", exchange=ExchangeName.BINANCE,
                           mode=TradingMode.LIVE, created_at=now)
    user = User(id="u1", email="u1@example.com", created_at=now, exchange_accounts=[live],
                settings=UserSettings(general=GeneralSettings(mode=TradingMode.LIVE)))
    assert demo_balance.paper_accounts(user, now) == []
    assert runtime.trading is not None
    with pytest.raises(Conflict, match="trades live"):
        demo_balance.set_usdt(runtime.trading.pool, user, Decimal(5), now, "acc-live")
    with pytest.raises(Conflict, match="no demo account"):
        demo_balance.set_usdt(runtime.trading.pool, user, Decimal(5), now)
    with pytest.raises(NotFound):
        demo_balance.set_usdt(runtime.trading.pool, user, Decimal(5), now, "acc-x")
    for bad in (Decimal("NaN"), Decimal("-1"), Decimal("Infinity"), Decimal("1e15")):
        with pytest.raises(InvalidInput):
            demo_balance.set_usdt(runtime.trading.pool, user, bad, now)
