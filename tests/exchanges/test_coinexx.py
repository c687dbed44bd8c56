"""Coinexx through a faked MetaApi REST API (bodies shaped from MetaApi's REST docs)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

import pytest
import requests
import responses

from tests.exchanges.fake_metaapi import ACCOUNT, BASE, DONE, TOKEN, serve_metaapi, trades
from verzek.clock import ManualClock
from verzek.domain.models import OrderSide, OrderStatus, OrderType, Side
from verzek.errors import (
    AuthError,
    BelowMinimum,
    InsufficientFunds,
    OrderNotFound,
    OutcomeUnknown,
    RateLimited,
)
from verzek.exchanges.base import OrderRequest
from verzek.exchanges.client_ids import make_client_order_id
from verzek.exchanges.coinexx import CoinexxExchange, mt_client_id
from verzek.exchanges.metaapi import MetaApiClient
from verzek.exchanges.resilient import place_order_exactly_once

CID = make_client_order_id("sig-9", "user-9", "entry")
POSITION = {"id": "46214692", "type": "POSITION_TYPE_BUY", "symbol": "BTCUSD", "magic": 0,
            "time": "2026-01-01T00:00:00.000Z", "openPrice": 60000, "currentPrice": 60100,
            "volume": 0.05, "profit": 5, "unrealizedProfit": 5, "clientId": mt_client_id(CID)}


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        serve_metaapi(rsps)
        yield rsps


@pytest.fixture
def ex(api: responses.RequestsMock, clock: ManualClock) -> CoinexxExchange:
    return CoinexxExchange(account_id="a1", clock=clock,
                           client=MetaApiClient(token=TOKEN, account_id=ACCOUNT))


def req(**kw: object) -> OrderRequest:
    base: dict[str, object] = {"symbol": "BTC/USDT", "side": OrderSide.BUY,
                               "type": OrderType.MARKET, "quantity": Decimal("0.05"),
                               "client_order_id": CID, "reference_price": Decimal("60000")}
    base.update(kw)
    return OrderRequest(**base)  # type: ignore[arg-type]


def test_symbol_mapping_and_lots(ex: CoinexxExchange) -> None:
    assert ex.mt_symbol("BTC/USDT") == ex.mt_symbol("BTC/USDT:USDT") == "BTCUSD"
    assert ex.our_symbol("BTCUSD") == "BTC/USDT"
    assert ex.lots_for_quote("BTC/USDT", Decimal("3000"), Decimal("60000")) == Decimal("0.05")
    with pytest.raises(BelowMinimum):
        ex.lots_for_quote("BTC/USDT", Decimal("100"), Decimal("60000"))
    assert set(ex.load_markets()) == {"BTC/USDT"}


def test_market_order_with_stop_loss_take_profit_and_client_id(
        ex: CoinexxExchange, api: responses.RequestsMock) -> None:
    api.post(f"{BASE}/trade", json=DONE)
    result = ex.create_order(req(stop_loss=Decimal("58000"), take_profit=Decimal("65000")))
    assert result.status is OrderStatus.FILLED and result.client_order_id == CID
    (sent,) = trades(api)
    assert sent == {"actionType": "ORDER_TYPE_BUY", "symbol": "BTCUSD", "volume": 0.05,
                    "clientId": CID[:26], "stopLoss": 58000.0, "takeProfit": 65000.0}
    assert all(c.request.headers["auth-token"] == TOKEN for c in api.calls)


def test_ticker_balance_positions_and_credentials(ex: CoinexxExchange,
                                                  api: responses.RequestsMock) -> None:
    api.get(f"{BASE}/symbols/BTCUSD/current-price",
            json={"symbol": "BTCUSD", "bid": 60000, "ask": 60010,
                  "time": "2026-01-01T00:00:00.000Z", "brokerTime": "2026-01-01 02:00:00.000"})
    api.get(f"{BASE}/account-information",
            json={"platform": "mt5", "broker": "Coinexx Limited", "currency": "USD",
                  "server": "Coinexx-Demo", "balance": 1000, "equity": 1005, "margin": 30,
                  "freeMargin": 975, "leverage": 500, "marginLevel": 3350})
    api.get(f"{BASE}/positions", json=[POSITION])
    assert ex.fetch_ticker("BTC/USDT").last == Decimal("60005")
    assert ex.fetch_balance().get("USDT").free == Decimal("975")
    (pos,) = ex.fetch_positions()
    assert pos.side is Side.LONG and pos.quantity == Decimal("0.05") and pos.position_id
    report = ex.verify_credentials()
    assert report.ok and report.can_withdraw is False


def test_reduce_only_closes_and_stop_modifies_position(ex: CoinexxExchange,
                                                        api: responses.RequestsMock) -> None:
    api.get(f"{BASE}/positions", json=[POSITION])
    api.post(f"{BASE}/trade", json=DONE)
    ex.create_order(req(side=OrderSide.SELL, type=OrderType.STOP_MARKET,
                        stop_price=Decimal("59000"), reduce_only=True))
    ex.create_order(req(side=OrderSide.SELL, quantity=Decimal("0.02"), reduce_only=True))
    ex.create_order(req(side=OrderSide.SELL, quantity=Decimal("1"), reduce_only=True))
    modify, partial, close = trades(api)
    assert modify == {"actionType": "POSITION_MODIFY", "positionId": "46214692",
                      "stopLoss": 59000.0}
    assert partial["actionType"] == "POSITION_PARTIAL" and partial["volume"] == 0.02
    assert close["actionType"] == "POSITION_CLOSE_ID"


def test_fetch_by_client_id_searches_pending_then_history(ex: CoinexxExchange,
                                                          api: responses.RequestsMock) -> None:
    api.get(f"{BASE}/orders", json=[])
    api.get(re.compile(rf"{re.escape(BASE)}/history-orders/time/.*"), json=[{
        "id": "46870472", "type": "ORDER_TYPE_BUY", "state": "ORDER_STATE_FILLED",
        "symbol": "BTCUSD", "openPrice": 60005, "volume": 0.05, "currentVolume": 0,
        "clientId": mt_client_id(CID), "time": "2026-01-01T00:00:00.000Z"}])
    found = ex.fetch_order("BTC/USDT", client_order_id=CID)
    assert found.status is OrderStatus.FILLED and found.client_order_id == CID
    assert found.filled_quantity == Decimal("0.05")
    with pytest.raises(OrderNotFound):
        ex.fetch_order("BTC/USDT", client_order_id=make_client_order_id("x", "y", "z"))


def test_errors_map_onto_our_hierarchy(ex: CoinexxExchange, api: responses.RequestsMock) -> None:
    api.post(f"{BASE}/trade", json={"numericCode": 10019, "stringCode": "TRADE_RETCODE_NO_MONEY",
                                    "message": "No money"})
    with pytest.raises(InsufficientFunds):
        ex.create_order(req())
    api.replace(responses.POST, f"{BASE}/trade", status=401,
                json={"id": 1, "error": "UnauthorizedError", "message": "bad token"})
    with pytest.raises(AuthError):
        ex.create_order(req())
    api.replace(responses.POST, f"{BASE}/trade", status=429, headers={"Retry-After": "4"},
                json={"id": 1, "error": "TooManyRequestsError", "message": "slow down"})
    with pytest.raises(RateLimited) as info:
        ex.create_order(req())
    assert info.value.retry_after_s == 4
    api.replace(responses.POST, f"{BASE}/trade", body=requests.exceptions.ReadTimeout("timeout"))
    with pytest.raises(OutcomeUnknown):
        ex.create_order(req())


def test_timeout_is_resolved_by_lookup_without_resend(ex: CoinexxExchange, clock: ManualClock,
                                                      api: responses.RequestsMock) -> None:
    api.post(f"{BASE}/trade", body=requests.exceptions.ConnectionError("reset"))
    api.get(f"{BASE}/orders", json=[])
    api.get(re.compile(rf"{re.escape(BASE)}/history-orders/time/.*"), json=[{
        "id": "46870472", "type": "ORDER_TYPE_BUY", "state": "ORDER_STATE_FILLED",
        "symbol": "BTCUSD", "openPrice": 60005, "volume": 0.05, "currentVolume": 0,
        "clientId": mt_client_id(CID)}])
    outcome = place_order_exactly_once(ex, req(), clock=clock, sleeper=clock.advance)
    assert outcome.placed and outcome.resolved_by_lookup
    assert len(trades(api)) == 1


def test_token_never_in_logs(ex: CoinexxExchange, api: responses.RequestsMock,
                             caplog: pytest.LogCaptureFixture) -> None:
    api.post(f"{BASE}/trade", status=500, json={"error": "InternalError"})
    with caplog.at_level("DEBUG"), pytest.raises(OutcomeUnknown) as info:
        ex.create_order(req())
    assert TOKEN not in caplog.text and TOKEN not in str(info.value)
