"""Error answers of real exchanges, through the real ccxt client (probe of 29 November).

Each case is an answer ccxt classifies in a way that would send the engine wrong: a server
failure read as a refusal (an order that may exist journaled as rejected, never looked up), an
empty or foreign body read as a placed order or as "no positions", a crossed stop read as a
bad order, a revoked Binance key read as a rate limit for every account. Error bodies are
written from each exchange's API documentation (DOCS) or ccxt's comments on its error table;
ccxt's fixtures record none.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
import responses

from tests.exchanges.contract import CID, order
from tests.exchanges.fakes import recorded
from tests.exchanges.venue_base import Venue
from tests.exchanges.venue_bybit import envelope
from tests.exchanges.venues import VENUES
from verzek.clock import ManualClock
from verzek.domain.models import MarketType, OrderSide, OrderType
from verzek.errors import (
    AuthError,
    ExchangeUnavailable,
    OrderNotFound,
    OutcomeUnknown,
    WouldTriggerImmediately,
)
from verzek.exchanges.ccxt_adapter import CcxtExchange
from verzek.exchanges.resilient import BackoffRegistry, place_order_exactly_once, with_retry

F, S = MarketType.FUTURES, MarketType.SPOT


@contextmanager
def venue_and_exchange(name: str, market_type: MarketType, clock: ManualClock,
                       ) -> Iterator[tuple[Venue, CcxtExchange, BackoffRegistry]]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        venue = VENUES[name](rsps, market_type)  # type: ignore[call-arg]
        backoff = BackoffRegistry(clock=clock)
        ex = venue.make_exchange(clock=clock, backoff=backoff, market_type=market_type)
        ex.load_markets()
        yield venue, ex, backoff


def answer_create(venue: Venue, status: int, body: Any) -> None:
    if isinstance(body, str):
        venue.rsps.add(responses.POST, venue.create_url, status=status, body=body)
    else:
        venue.rsps.add(responses.POST, venue.create_url, status=status, json=body)


# The exchange failed, not the order: it may exist. ccxt calls these ExchangeError or
# InvalidOrder (permanent), which journaled the order as refused without a look-up.
SERVER_FAILURES = [
    ("bybit", F, 200, envelope({}, 10000, "Server Timeout")),  # DOCS: v5 error codes
    ("bybit", F, 200, envelope({}, 10016, "System error. Please try again later.")),
    ("bybit", F, 503, envelope({}, 10016, "Service is restarting")),
    ("bybit", F, 200, envelope({}, 429, "The trading service is experiencing a high server "
                                        "load. Please retry if you encounter this issue.")),
    ("bybit", S, 200, envelope({}, 170146, "Order creation timeout")),  # DOCS: spot codes
    ("phemex", F, 200, {"code": 11107, "msg": "TE_CANNOT_CONNECT_TO_REQUEST_SEQ",
                        "data": None}),  # DOCS: Phemex error codes
    ("phemex", F, 500, {"code": 10500, "msg": "Internal server error", "data": None}),
]


@pytest.mark.parametrize(("name", "market_type", "status", "body"), SERVER_FAILURES)
def test_server_failure_on_create_is_resolved_by_lookup(
        name: str, market_type: MarketType, status: int, body: Any, clock: ManualClock) -> None:
    with venue_and_exchange(name, market_type, clock) as (venue, ex, _):
        req = order(venue.symbol)
        answer_create(venue, status, body)
        venue.lookup(CID, True)
        outcome = place_order_exactly_once(ex, req, clock=clock, sleeper=clock.advance)
        assert outcome.placed and outcome.resolved_by_lookup
        assert outcome.order is not None and outcome.order.client_order_id == CID
        assert venue.create_requests() == 1


def test_server_failure_on_a_read_is_retried(clock: ManualClock) -> None:
    with venue_and_exchange("bybit", F, clock) as (venue, ex, _):
        venue.rsps.get(re.compile(r"https://api\.bybit\.com/v5/account/wallet-balance.*"),
                       json=envelope({}, 10016, "System error. Please try again later."))
        venue.balance()  # the second answer is the recorded balance
        balance = with_retry(ex.fetch_balance, sleeper=clock.advance)
        assert balance.currencies


# --- answers that carry no JSON, or no order ------------------------------------------------

@pytest.mark.parametrize("name", ["binance", "bybit", "phemex"])
@pytest.mark.parametrize("body", ["", "<html><body>Bad gateway</body></html>"])
def test_create_answered_without_json_is_looked_up(name: str, body: str,
                                                   clock: ManualClock) -> None:
    with venue_and_exchange(name, F, clock) as (venue, ex, _):
        answer_create(venue, 200, body)
        venue.lookup(CID, True)
        outcome = place_order_exactly_once(ex, order(venue.symbol), clock=clock,
                                           sleeper=clock.advance)
        assert outcome.placed and outcome.resolved_by_lookup
        assert outcome.order is not None and outcome.order.exchange_order_id
        assert venue.create_requests() == 1


@pytest.mark.parametrize(("name", "body"), [
    ("binance", {}),
    ("bybit", envelope(None)),
    ("phemex", {"code": 0, "msg": "", "data": None}),
])
def test_create_answer_naming_no_order_is_outcome_unknown(name: str, body: Any,
                                                          clock: ManualClock) -> None:
    with venue_and_exchange(name, F, clock) as (venue, ex, _):
        answer_create(venue, 200, body)
        with pytest.raises(OutcomeUnknown):
            ex.create_order(order(venue.symbol))


@pytest.mark.parametrize(("name", "url"), [
    ("binance", r"https://fapi\.binance\.com/fapi/v3/positionRisk.*"),
    ("bybit", r"https://api\.bybit\.com/v5/position/list.*"),
])
def test_empty_positions_answer_is_not_no_positions(name: str, url: str,
                                                    clock: ManualClock) -> None:
    with venue_and_exchange(name, F, clock) as (venue, ex, _):
        venue.rsps.get(re.compile(url), body="")
        with pytest.raises(ExchangeUnavailable):
            ex.fetch_positions(["BTC/USDT:USDT"])


def test_html_order_answer_is_unavailable_not_a_crash(clock: ManualClock) -> None:
    with venue_and_exchange("binance", F, clock) as (venue, ex, _):
        venue.rsps.get(re.compile(r"https://fapi\.binance\.com/fapi/v1/order\?.*"),
                       body="<html><body>Service Unavailable</body></html>")
        with pytest.raises(ExchangeUnavailable):
            ex.fetch_order(venue.symbol, client_order_id=CID)


# --- a stop the price has crossed -----------------------------------------------------------

@pytest.mark.parametrize(("name", "side", "body"), [
    # ccxt's comments on Bybit's table: "expect Rising, but trigger_price[XXXXX] <= current"
    ("bybit", OrderSide.BUY, envelope({}, 110092, "expect Rising, but trigger_price[50000] "
                                                  "<= current[61000]??LastPrice")),
    ("bybit", OrderSide.SELL, envelope({}, 110093, "expect Falling, but trigger_price[50000] "
                                                   ">= current[49000]??LastPrice")),
    ("phemex", OrderSide.BUY, {"code": 11043, "msg": "TE_RISING_TRIGGER_DIRECTLY",
                               "data": None}),
    ("phemex", OrderSide.SELL, {"code": 11044, "msg": "TE_FALLING_TRIGGER_DIRECTLY",
                                "data": None}),
])
def test_crossed_stop_would_trigger_immediately(name: str, side: OrderSide, body: Any,
                                                clock: ManualClock) -> None:
    with venue_and_exchange(name, F, clock) as (venue, ex, _):
        answer_create(venue, 200, body)
        req = order(venue.symbol, side=side, type=OrderType.STOP_MARKET,
                    stop_price=Decimal("50000"), reduce_only=True)
        with pytest.raises(WouldTriggerImmediately):
            ex.create_order(req)


# --- keys, duplicates, cancels --------------------------------------------------------------

def test_binance_key_refused_after_working_is_auth_error_and_bans_nobody(
        clock: ManualClock) -> None:
    with venue_and_exchange("binance", S, clock) as (venue, ex, backoff):
        venue.rsps.get(re.compile(r"https://api\.binance\.com/api/v3/account.*"),
                       json=recorded("binance", "fetchBalance"))  # spot balance
        ex.fetch_balance()  # the key worked once: ccxt now reads -2015 as DDoSProtection
        answer_create(venue, 401, {"code": -2015,  # DOCS: USDⓈ-M error codes
                                   "msg": "Invalid API-key, IP, or permissions for action."})
        with pytest.raises(AuthError):
            ex.create_order(order(venue.symbol))
        assert backoff.remaining_s("binance") == 0  # other accounts keep trading


def test_bybit_duplicate_request_is_looked_up_not_refused(clock: ManualClock) -> None:
    with venue_and_exchange("bybit", F, clock) as (venue, ex, _):
        answer_create(venue, 200, envelope({}, 10014, "Request is duplicate"))  # ccxt comment
        venue.lookup(CID, True)
        outcome = place_order_exactly_once(ex, order(venue.symbol), clock=clock,
                                           sleeper=clock.advance)
        assert outcome.placed and outcome.resolved_by_lookup
        assert venue.create_requests() == 1


@pytest.mark.parametrize(("name", "market_type", "method", "url", "body"), [
    ("bybit", F, responses.POST, r"https://api\.bybit\.com/v5/order/cancel",
     envelope({}, 110008, "Order has been finished or canceled")),
    ("bybit", S, responses.POST, r"https://api\.bybit\.com/v5/order/cancel",
     envelope({}, 170142, "Order has been canceled")),
    ("phemex", F, responses.DELETE, r"https://api\.phemex\.com/g-orders/cancel.*",
     {"code": 11062, "msg": "TE_ORD_ALREADY_CANCELED", "data": None}),
])
def test_cancel_of_a_finished_order_is_not_found(
        name: str, market_type: MarketType, method: str, url: str, body: Any,
        clock: ManualClock) -> None:
    """"Not found" makes the caller read the order once, so a fill is counted."""
    with venue_and_exchange(name, market_type, clock) as (venue, ex, _):
        venue.rsps.add(method, re.compile(url), json=body)
        with pytest.raises(OrderNotFound):
            ex.cancel_order(venue.symbol, client_order_id=CID)


@pytest.mark.parametrize("value,step,rounded", [
    ("3000.4", "1", "3000"), ("3012", "10", "3010"), ("0.12345", "0.001", "0.123"),
    ("3000", "0.01", "3000")])
def test_a_rounded_price_is_written_plainly(value: str, step: str, rounded: str) -> None:
    """Prices on the exchange's grid go into messages and files as written: "3000", never
    "3E+3" (a user was told "Opened long ETH/USDT at 3e+3")."""
    from verzek.exchanges.base import round_to_step
    assert str(round_to_step(Decimal(value), Decimal(step))) == rounded
