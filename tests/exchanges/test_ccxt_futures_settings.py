"""Leverage and margin mode: the exact requests each exchange is sent (audit item 3).

Phemex keeps both in one signed leverageRr (negative = cross); Bybit's unified account has
one margin mode for the whole account; "already set" answers are success everywhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import responses

from tests.exchanges.contract import order
from tests.exchanges.venue_base import Venue
from tests.exchanges.venues import BinanceVenue, BybitVenue, PhemexVenue
from verzek.clock import ManualClock
from verzek.domain.models import MarginMode
from verzek.engine.pool import ExchangePool
from verzek.errors import ExchangeError
from verzek.exchanges.ccxt_adapter import CcxtExchange
from verzek.exchanges.pricefeed import SimPriceFeed
from verzek.exchanges.resilient import BackoffRegistry
from verzek.store.docstore import DocumentStore

CROSS, ISOLATED = MarginMode.CROSS, MarginMode.ISOLATED
PHEMEX_LEVERAGE = r"api\.phemex\.com/g-positions/leverage"
PHEMEX_POSITIONS = r"api\.phemex\.com/g-accounts/accountPositions"
BYBIT_MODE = r"api\.bybit\.com/v5/account/set-margin-mode"
BYBIT_LEVERAGE = r"api\.bybit\.com/v5/position/set-leverage"


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def exchange(venue: Venue, clock: ManualClock) -> CcxtExchange:
    ex = venue.make_exchange(clock=clock, backoff=BackoffRegistry(clock=clock))
    ex.load_markets()
    return ex


# --- Phemex: one signed value ---------------------------------------------------------------


@pytest.mark.parametrize(("mode", "sent"), [(CROSS, "-7"), (ISOLATED, "7")])
def test_phemex_sends_one_signed_leverage_for_mode_and_leverage(
        rsps: responses.RequestsMock, clock: ManualClock, mode: MarginMode, sent: str) -> None:
    venue = PhemexVenue(rsps)
    venue.leverage((20, ISOLATED if mode is CROSS else CROSS))
    ex = exchange(venue, clock)
    ex.configure_futures(venue.symbol, leverage=7, margin_mode=mode)
    assert venue.sent_to(PHEMEX_LEVERAGE) == [{"symbol": "BTCUSDT", "leverageRr": sent}]
    assert venue.sent_to(PHEMEX_POSITIONS) == []  # both known: nothing to read first
    assert venue.futures_settings() == (7, mode)


def test_phemex_mode_then_leverage_stays_cross(rsps: responses.RequestsMock,
                                               clock: ManualClock) -> None:
    """Set one after the other (the engine's old order): the leverage keeps the cross sign;
    the mode alone goes with the leverage Phemex holds (read from the account positions)."""
    venue = PhemexVenue(rsps)
    venue.leverage((20, ISOLATED))
    ex = exchange(venue, clock)
    ex.set_margin_mode(venue.symbol, CROSS)
    ex.set_leverage(venue.symbol, 7)
    assert [p["leverageRr"] for p in venue.sent_to(PHEMEX_LEVERAGE)] == ["-20", "-7"]
    assert len(venue.sent_to(PHEMEX_POSITIONS)) == 1
    ex.set_leverage(venue.symbol, 7)  # unchanged: not sent again
    assert len(venue.sent_to(PHEMEX_LEVERAGE)) == 2
    assert venue.futures_settings() == (7, CROSS)


def test_phemex_leverage_alone_keeps_the_mode_phemex_holds(rsps: responses.RequestsMock,
                                                           clock: ManualClock) -> None:
    venue = PhemexVenue(rsps)
    venue.leverage((20, CROSS))
    ex = exchange(venue, clock)
    ex.set_leverage(venue.symbol, 10)
    assert [p["leverageRr"] for p in venue.sent_to(PHEMEX_LEVERAGE)] == ["-10"]
    assert venue.futures_settings() == (10, CROSS)


def test_phemex_cross_order_sets_cross_before_the_order(rsps: responses.RequestsMock,
                                                        clock: ManualClock) -> None:
    venue = PhemexVenue(rsps)
    venue.leverage((20, ISOLATED))
    venue.create("filled")
    ex = exchange(venue, clock)
    ex.create_order(order(venue.symbol, leverage=5, margin_mode=CROSS))
    writes = [(c.request.method, c.request.path_url.split("?")[0]) for c in rsps.calls
              if c.request.method != "GET"]
    assert writes == [("PUT", "/g-positions/leverage"), ("POST", "/g-orders")]
    assert [p["leverageRr"] for p in venue.sent_to(PHEMEX_LEVERAGE)] == ["-5"]
    assert venue.futures_settings() == (5, CROSS)


def test_the_pool_sets_phemex_cross_in_one_request(rsps: responses.RequestsMock,
                                                   clock: ManualClock, tmp_path: Path) -> None:
    venue = PhemexVenue(rsps)
    venue.leverage((20, ISOLATED))
    ex = exchange(venue, clock)
    pool = ExchangePool(store=DocumentStore(tmp_path), clock=clock,
                        price_feed=SimPriceFeed(clock=clock))
    for _ in range(2):  # the second time is cached by the pool
        pool.ensure_futures_settings(ex, "acc1", venue.symbol, 7, CROSS)
    assert venue.sent_to(PHEMEX_LEVERAGE) == [{"symbol": "BTCUSDT", "leverageRr": "-7"}]
    assert venue.futures_settings() == (7, CROSS)


# --- Bybit: the unified account's margin mode is account-wide ------------------------------


def test_bybit_unified_sets_the_account_mode_once_and_leverage_per_symbol(
        rsps: responses.RequestsMock, clock: ManualClock) -> None:
    venue = BybitVenue(rsps)
    venue.leverage((20, CROSS))
    ex = exchange(venue, clock)
    ex.configure_futures(venue.symbol, leverage=5, margin_mode=ISOLATED)
    ex.configure_futures(venue.other_symbol, leverage=5, margin_mode=ISOLATED)
    assert venue.sent_to(BYBIT_MODE) == [{"setMarginMode": "ISOLATED_MARGIN"}]  # no leverage
    assert venue.sent_to(BYBIT_LEVERAGE) == [
        {"symbol": "BTCUSDT", "buyLeverage": "5", "sellLeverage": "5", "category": "linear"},
        {"symbol": "ETHUSDT", "buyLeverage": "5", "sellLeverage": "5", "category": "linear"}]
    assert venue.sent_to(r"/v5/position/switch-isolated") == []


def test_bybit_already_set_answers_are_success(rsps: responses.RequestsMock,
                                               clock: ManualClock) -> None:
    venue = BybitVenue(rsps)
    venue.leverage((5, CROSS))
    ex = exchange(venue, clock)
    ex.configure_futures(venue.symbol, leverage=5, margin_mode=CROSS)  # 0 and 110043
    assert venue.holding.unchanged == 2
    assert [r.response.json()["retCode"] for r in rsps.calls
            if "set-leverage" in r.request.url] == [110043]


def test_bybit_refused_account_switch_names_bybits_reasons(rsps: responses.RequestsMock,
                                                           clock: ManualClock) -> None:
    venue = BybitVenue(rsps)
    venue.leverage((5, CROSS))
    venue.refuse_switch = [{"reasonCode": "3400213",
                            "reasonMsg": "You have positions under cross margin"}]
    ex = exchange(venue, clock)
    with pytest.raises(ExchangeError, match=r"account-wide.*positions under cross margin"):
        ex.set_margin_mode(venue.symbol, ISOLATED)
    assert venue.futures_settings() == (5, CROSS)


def test_bybit_classic_account_switches_per_symbol(rsps: responses.RequestsMock,
                                                   clock: ManualClock) -> None:
    venue = BybitVenue(rsps)
    venue.ccxt_options = {"enableUnifiedAccount": False, "enableUnifiedMargin": False}
    venue.leverage((20, CROSS))
    ex = exchange(venue, clock)
    ex.configure_futures(venue.symbol, leverage=5, margin_mode=ISOLATED)
    (switch,) = venue.sent_to(r"/v5/position/switch-isolated")
    assert switch == {"category": "linear", "symbol": "BTCUSDT", "tradeMode": 1,
                      "buyLeverage": "5", "sellLeverage": "5"}
    assert venue.sent_to(BYBIT_MODE) == []
    ex.set_margin_mode(venue.symbol, ISOLATED)  # 110026: not modified, not an error
    assert venue.holding.unchanged >= 1 and venue.futures_settings() == (5, ISOLATED)


# --- Binance ----------------------------------------------------------------------------------


def test_binance_cross_with_leverage_sends_both(rsps: responses.RequestsMock,
                                                clock: ManualClock) -> None:
    venue = BinanceVenue(rsps)
    venue.leverage((20, ISOLATED))
    ex = exchange(venue, clock)
    ex.configure_futures(venue.symbol, leverage=7, margin_mode=CROSS)
    (margin,) = venue.sent_to(r"/fapi/v1/marginType")
    (leverage,) = venue.sent_to(r"/fapi/v1/leverage")
    assert (margin["symbol"], margin["marginType"]) == ("BTCUSDT", "CROSSED")
    assert (leverage["symbol"], leverage["leverage"]) == ("BTCUSDT", "7")
    ex.set_margin_mode(venue.symbol, CROSS)  # -4046 "No need to change margin type"
    assert venue.holding.unchanged == 1 and venue.futures_settings() == (7, CROSS)
