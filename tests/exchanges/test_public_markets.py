"""The exchanges' public market lists through the real ccxt client, from recorded answers."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest
import requests
import responses

from tests.exchanges.fakes import load, serve_markets
from verzek.domain.models import ExchangeName, MarketType
from verzek.errors import ExchangeUnavailable, NetworkError, UnsupportedOperation
from verzek.exchanges.factory import fetch_public_markets, public_markets
from verzek.exchanges.paper import load_markets_snapshot


@pytest.mark.parametrize("venue", ["binance", "bybit", "phemex"])
def test_the_recorded_public_list_is_loaded(venue: str) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        serve_markets(rsps, venue)
        markets = fetch_public_markets(ExchangeName(venue))
    assert set(markets) == set(load(f"{venue}-markets-unified.json"))
    # the exchange's own figures, not the snapshot's: only what was served is there
    assert "SOL/USDT" not in markets and "SOL/USDT" in load_markets_snapshot(venue)
    btc = markets["BTC/USDT:USDT"]
    assert btc.market_type is MarketType.FUTURES and btc.quote == "USDT"


def test_a_coin_missing_from_the_snapshot_is_loaded() -> None:
    (ada,) = [m for m in load("binance-markets-raw.json")
              if m["symbol"] == "ADAUSDT" and "contractType" in m]
    zrx = {**ada, "symbol": "ZRXUSDT", "pair": "ZRXUSDT", "baseAsset": "ZRX"}
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        serve_markets(rsps, "binance", extra=[zrx])
        markets = public_markets(ExchangeName.BINANCE)
    assert "ZRX/USDT:USDT" not in load_markets_snapshot("binance")
    m = markets["ZRX/USDT:USDT"]
    assert (m.exchange_id, m.amount_step, m.price_step) == ("ZRXUSDT", Decimal(1),
                                                            Decimal("0.0001"))


def test_an_unreachable_exchange_raises_ours_and_public_markets_falls_back(
        caplog: pytest.LogCaptureFixture) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.get("https://api.binance.com/api/v3/exchangeInfo",
                 body=requests.ConnectionError("refused"))
        with pytest.raises(NetworkError):
            fetch_public_markets(ExchangeName.BINANCE)
        with caplog.at_level(logging.WARNING):
            markets = public_markets(ExchangeName.BINANCE)
    assert markets == load_markets_snapshot("binance")
    assert any("binance" in r.getMessage() and "NetworkError" in r.getMessage()
               for r in caplog.records)


def test_a_list_with_nothing_supported_is_an_error() -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        serve_markets(rsps, "phemex")
        rsps.replace(responses.GET, "https://api.phemex.com/public/products", json={
            "code": 0, "msg": "", "data": {"currencies": [], "products": [],
                                           "perpProductsV2": [], "riskLimits": [],
                                           "riskLimitsV2": [], "leverages": [],
                                           "leveragesV2": []}})
        with pytest.raises(ExchangeUnavailable):
            fetch_public_markets(ExchangeName.PHEMEX)


def test_coinexx_has_no_public_list() -> None:
    with pytest.raises(UnsupportedOperation):
        fetch_public_markets(ExchangeName.COINEXX)
