"""The contract every `Exchange` adapter must honour; subclassed once per adapter.

Like hummingbot's connector test base: the suite drives the adapter through a venue fake
(`venues.py` for ccxt, a paper venue for the paper exchange) and checks what was sent.
"""

from __future__ import annotations

import decimal
from decimal import Decimal
from typing import Any

import pytest

from verzek.clock import ManualClock
from verzek.domain.models import (
    MarginMode,
    MarketType,
    OrderSide,
    OrderStatus,
    OrderType,
    Side,
)
from verzek.errors import (
    BelowMinimum,
    DuplicateOrder,
    InsufficientFunds,
    InvalidOrder,
    OrderNotFound,
    RateLimited,
)
from verzek.exchanges.base import Exchange, OrderRequest
from verzek.exchanges.client_ids import make_client_order_id
from verzek.exchanges.resilient import BackoffRegistry, place_order_exactly_once

CID = make_client_order_id("sig-1", "user-1", "entry")
PRICE = Decimal("60000")


def order(symbol: str, **kw: Any) -> OrderRequest:
    base: dict[str, Any] = {"symbol": symbol, "side": OrderSide.BUY, "type": OrderType.MARKET,
                            "quantity": Decimal("0.01"), "client_order_id": CID,
                            "reference_price": PRICE}
    base.update(kw)
    return OrderRequest(**base)


class ExchangeContract:
    """Subclasses provide the `venue` fixture; `supports_transport_faults` for network cases."""

    supports_transport_faults = True
    uses_reference_price = True
    answers_already_set = True  # the venue answers an unchanged setting as the exchange does

    @pytest.fixture
    def backoff(self, clock: ManualClock) -> BackoffRegistry:
        return BackoffRegistry(clock=clock)

    @pytest.fixture
    def ex(self, venue: Any, clock: ManualClock, backoff: BackoffRegistry) -> Exchange:
        exchange = venue.make_exchange(clock=clock, backoff=backoff)
        exchange.load_markets()
        return exchange

    def _transport(self) -> None:
        if not self.supports_transport_faults:
            pytest.skip("no transport between this adapter and its venue")

    # --- metadata, market data, balance ------------------------------------------------------

    def test_markets_carry_precision_and_minimums(self, ex: Exchange, venue: Any) -> None:
        m = ex.market(venue.symbol)
        assert m.market_type is MarketType.FUTURES
        assert m.amount_step > 0 and m.price_step > 0 and m.min_amount > 0
        assert ex.amount_to_precision(venue.symbol, Decimal("0.0123456")) == Decimal("0.012")
        with pytest.raises(InvalidOrder):
            ex.market("NOPE/USDT:USDT")

    def test_the_threads_decimal_context_is_left_alone(self, ex: Exchange, venue: Any) -> None:
        # ccxt sets ROUND_HALF_UP and traps Underflow on the thread's context in its
        # precision helpers; our money maths must not inherit that.
        before = decimal.getcontext().copy()
        ex.amount_to_precision(venue.symbol, Decimal("0.0123456"))
        ex.price_to_precision(venue.symbol, Decimal("50000.0123"))
        after = decimal.getcontext()
        assert after.rounding == before.rounding and after.prec == before.prec
        assert after.traps[decimal.Underflow] == before.traps[decimal.Underflow]

    def test_ticker(self, ex: Exchange, venue: Any) -> None:
        venue.ticker()
        t = ex.fetch_ticker(venue.symbol)
        assert t.last > 0 and isinstance(t.last, Decimal)

    def test_tickers(self, ex: Exchange, venue: Any) -> None:
        venue.tickers()
        got = ex.fetch_tickers([venue.symbol, venue.other_symbol])
        assert set(got) == {venue.symbol, venue.other_symbol}
        assert all(t.last > 0 and t.symbol == s for s, t in got.items())

    def test_balance(self, ex: Exchange, venue: Any) -> None:
        venue.balance()
        assert ex.fetch_balance().get("USDT").total > 0

    def test_positions(self, ex: Exchange, venue: Any) -> None:
        venue.positions()
        (p,) = ex.fetch_positions([venue.symbol])
        assert p.symbol == venue.symbol and p.side is Side.LONG and p.quantity > 0
        assert p.entry_price is not None and p.entry_price > 0

    # --- orders ------------------------------------------------------

    def test_market_order_carries_our_client_id(self, ex: Exchange, venue: Any) -> None:
        req = order(venue.symbol)
        venue.create("filled", req)
        result = ex.create_order(req)
        assert result.client_order_id == CID
        assert result.exchange_order_id
        assert result.status in (OrderStatus.FILLED, OrderStatus.OPEN)
        sent = venue.creates()
        assert len(sent) == 1 and sent[0][venue.cid_field] == CID

    def test_limit_order_rests(self, ex: Exchange, venue: Any) -> None:
        req = order(venue.symbol, type=OrderType.LIMIT, price=Decimal("50000.04"))
        venue.create("open", req)
        result = ex.create_order(req)
        assert result.status is OrderStatus.OPEN and result.client_order_id == CID
        venue.check_limit_sent(Decimal("50000"))

    def test_reduce_only_is_sent(self, ex: Exchange, venue: Any) -> None:
        req = order(venue.symbol, side=OrderSide.SELL, reduce_only=True)
        venue.create("filled", req)
        result = ex.create_order(req)
        assert result.client_order_id == CID
        venue.check_reduce_only_sent()

    def test_stop_market_reduce_only(self, ex: Exchange, venue: Any) -> None:
        req = order(venue.symbol, side=OrderSide.SELL, type=OrderType.STOP_MARKET,
                    stop_price=Decimal("50000"), reduce_only=True)
        venue.create("stop", req)
        result = ex.create_order(req)
        assert result.status is OrderStatus.OPEN and result.client_order_id == CID
        venue.check_stop_sent(Decimal("50000"))

    def test_fetch_by_client_id(self, ex: Exchange, venue: Any) -> None:
        venue.lookup(CID, True)
        result = ex.fetch_order(venue.symbol, client_order_id=CID)
        assert result.client_order_id == CID and result.exchange_order_id

    def test_fetch_unknown_client_id(self, ex: Exchange, venue: Any) -> None:
        venue.lookup(CID, False)
        with pytest.raises(OrderNotFound):
            ex.fetch_order(venue.symbol, client_order_id=CID)

    def test_open_orders_carry_our_client_id(self, ex: Exchange, venue: Any) -> None:
        venue.open_orders(CID)
        (mine,) = [o for o in ex.fetch_open_orders(venue.symbol) if o.client_order_id == CID]
        assert mine.status is OrderStatus.OPEN and mine.type is OrderType.LIMIT
        assert mine.symbol == venue.symbol and mine.exchange_order_id

    def test_closed_orders_are_finished_ones(self, ex: Exchange, venue: Any) -> None:
        venue.closed_orders(CID)
        closed = ex.fetch_closed_orders(venue.symbol)
        (mine,) = [o for o in closed if o.client_order_id == CID]
        assert mine.status is OrderStatus.FILLED and mine.filled_quantity > 0
        assert not [o for o in closed
                    if o.status in (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED)]

    def test_cancel_by_client_id(self, ex: Exchange, venue: Any) -> None:
        venue.cancel(CID)
        assert ex.cancel_order(venue.symbol, client_order_id=CID).status is OrderStatus.CANCELED

    # --- leverage and margin mode: what the venue holds afterwards ---------------------------

    def test_leverage_and_margin_mode(self, ex: Exchange, venue: Any) -> None:
        venue.leverage((20, MarginMode.CROSS))
        ex.set_leverage(venue.symbol, 5)
        ex.set_margin_mode(venue.symbol, MarginMode.ISOLATED)
        assert venue.futures_settings() == (5, MarginMode.ISOLATED)

    def test_cross_margin_keeps_the_requested_leverage(self, ex: Exchange, venue: Any) -> None:
        # In this order (mode, then leverage) Phemex's plain setLeverage undid cross.
        venue.leverage((20, MarginMode.ISOLATED))
        ex.set_margin_mode(venue.symbol, MarginMode.CROSS)
        ex.set_leverage(venue.symbol, 7)
        assert venue.futures_settings() == (7, MarginMode.CROSS)

    @pytest.mark.parametrize(("held", "wanted"), [
        (MarginMode.ISOLATED, MarginMode.CROSS), (MarginMode.CROSS, MarginMode.ISOLATED)])
    def test_configure_futures_sets_both(self, ex: Exchange, venue: Any, held: MarginMode,
                                         wanted: MarginMode) -> None:
        venue.leverage((20, held))
        ex.configure_futures(venue.symbol, leverage=7, margin_mode=wanted)
        assert venue.futures_settings() == (7, wanted)

    def test_already_set_is_not_an_error(self, ex: Exchange, venue: Any) -> None:
        venue.leverage((5, MarginMode.ISOLATED))
        ex.set_leverage(venue.symbol, 5)
        ex.set_margin_mode(venue.symbol, MarginMode.ISOLATED)
        assert venue.futures_settings() == (5, MarginMode.ISOLATED)
        if self.answers_already_set:  # the venue did answer "nothing to change"
            assert venue.holding.unchanged >= 1

    # --- refusals ------------------------------------------------------

    def test_below_minimum_is_refused_before_sending(self, ex: Exchange, venue: Any) -> None:
        with pytest.raises(BelowMinimum):
            ex.create_order(order(venue.symbol, quantity=Decimal("0.00001")))
        if self.uses_reference_price and ex.market(venue.symbol).min_notional > 0:
            # 0.001 BTC at 1 USDT: the value is below the minimum
            with pytest.raises(BelowMinimum):
                ex.create_order(order(venue.symbol, quantity=Decimal("0.001"),
                                      reference_price=Decimal("1")))
        assert venue.creates() == []

    def test_insufficient_funds(self, ex: Exchange, venue: Any) -> None:
        req = order(venue.symbol)
        venue.create("insufficient", req)
        with pytest.raises(InsufficientFunds):
            ex.create_order(req)

    def test_duplicate_answer_is_duplicate_order(self, ex: Exchange, venue: Any) -> None:
        req = order(venue.symbol)
        venue.create("duplicate", req)
        venue.lookup(CID, True)
        with pytest.raises(DuplicateOrder):
            ex.create_order(req)

    def test_duplicate_is_resolved_by_lookup(self, ex: Exchange, venue: Any,
                                             clock: ManualClock) -> None:
        req = order(venue.symbol)
        venue.create("duplicate", req)
        venue.lookup(CID, True)
        outcome = place_order_exactly_once(ex, req, clock=clock, sleeper=clock.advance)
        assert outcome.placed and outcome.resolved_by_lookup
        assert outcome.order is not None and outcome.order.client_order_id == CID
        assert venue.create_requests() == 1  # the duplicate answer was not followed by a resend

    # --- transient faults ------------------------------------------------------

    def test_rate_limit_honours_retry_after(self, ex: Exchange, venue: Any,
                                            backoff: BackoffRegistry) -> None:
        self._transport()
        req = order(venue.symbol)
        venue.create("429", req)
        with pytest.raises(RateLimited) as info:
            ex.create_order(req)
        assert info.value.retry_after_s == venue.retry_after_s  # the answer's Retry-After
        assert backoff.remaining_s(venue.name.value) == pytest.approx(venue.retry_after_s)
        calls = venue.call_count()
        with pytest.raises(RateLimited):  # the shared back-off answers without a request
            ex.fetch_order(venue.symbol, client_order_id=CID)
        assert venue.call_count() == calls

    def test_ban_backs_off_the_whole_exchange(self, ex: Exchange, venue: Any,
                                              backoff: BackoffRegistry, clock: ManualClock,
                                              ) -> None:
        self._transport()
        req = order(venue.symbol)
        venue.create("ban", req)
        with pytest.raises(RateLimited):
            ex.create_order(req)
        assert backoff.remaining_s(venue.name.value) >= 59
        other = venue.make_exchange(clock=clock, backoff=backoff)  # another account, same venue
        with pytest.raises(RateLimited):
            other.fetch_order(venue.symbol, client_order_id=CID)

    def test_timeout_is_resolved_by_lookup_without_resending(
            self, ex: Exchange, venue: Any, clock: ManualClock) -> None:
        self._transport()
        req = order(venue.symbol)
        venue.create("timeout", req)
        venue.lookup(CID, True)  # the request did arrive: the exchange knows the order
        outcome = place_order_exactly_once(ex, req, clock=clock, sleeper=clock.advance)
        assert outcome.placed and outcome.resolved_by_lookup
        assert outcome.order is not None and outcome.order.client_order_id == CID
        assert venue.create_requests() == 1  # exactly one create reached the exchange

    def test_5xx_then_not_found_means_not_placed_after_the_window(
            self, ex: Exchange, venue: Any, clock: ManualClock) -> None:
        self._transport()
        req = order(venue.symbol)
        venue.create("5xx", req)
        venue.lookup(CID, False)
        start = clock.monotonic()
        outcome = place_order_exactly_once(ex, req, clock=clock, sleeper=clock.advance,
                                           visibility_window_s=30)
        assert not outcome.placed and outcome.order is None
        assert clock.monotonic() - start >= 30
        assert len(venue.creates()) == 1
