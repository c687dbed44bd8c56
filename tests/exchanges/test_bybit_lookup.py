"""Bybit look-up by client order id finds an order whatever its status (issue 4, audit item 2).

ccxt's bybit fetch_closed_orders asks /v5/order/history for orderStatus=Filled only; a
cancelled or rejected order carrying our orderLinkId was then "not found", and after the
visibility window "not placed" and sent again. The venue's history honours that filter as
Bybit does, so these tests fail against a look-up that goes through fetch_closed_orders.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
import responses

from tests.exchanges.contract import CID, order
from tests.exchanges.venue_bybit import BybitVenue
from verzek.clock import ManualClock
from verzek.domain.models import MarketType, OrderStatus, OrderType
from verzek.exchanges.ccxt_adapter import CcxtExchange
from verzek.exchanges.resilient import BackoffRegistry, place_order_exactly_once

HISTORY = r"/v5/order/history"


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def bybit(rsps: responses.RequestsMock, clock: ManualClock,
          market_type: MarketType = MarketType.FUTURES) -> tuple[BybitVenue, CcxtExchange]:
    venue = BybitVenue(rsps, market_type)
    ex = venue.make_exchange(clock=clock, backoff=BackoffRegistry(clock=clock),
                             market_type=market_type)
    return venue, ex


@pytest.mark.parametrize(("market_type", "status", "filled", "expected"), [
    (MarketType.FUTURES, "Cancelled", "0", OrderStatus.CANCELED),
    # linear: a partly filled order whose rest was cancelled stays "Cancelled" with a fill
    (MarketType.FUTURES, "Cancelled", "0.004", OrderStatus.CANCELED),
    (MarketType.FUTURES, "Rejected", "0", OrderStatus.REJECTED),
    # spot has its own status for it (ccxt calls it "closed": it is not a full fill)
    (MarketType.SPOT, "PartiallyFilledCanceled", "0.004", OrderStatus.CANCELED),
])
def test_an_order_of_any_status_is_found_by_client_id(
        rsps: responses.RequestsMock, clock: ManualClock, market_type: MarketType,
        status: str, filled: str, expected: OrderStatus) -> None:
    venue, ex = bybit(rsps, clock, market_type)
    venue.add_order(CID, status, filled=filled)
    found = ex.fetch_order(venue.symbol, client_order_id=CID)
    assert found.client_order_id == CID and found.status is expected
    assert found.filled_quantity == Decimal(filled) and found.quantity == Decimal("0.01")
    (history,) = venue.sent_to(HISTORY)
    assert history["orderLinkId"] == CID and history["category"] == venue.category
    assert "orderStatus" not in history  # any status: no filter


def test_the_venue_filters_history_by_status_like_bybit(rsps: responses.RequestsMock,
                                                         clock: ManualClock) -> None:
    """The fake's filter is real: ccxt's closed-orders call does not see a cancelled order."""
    venue, ex = bybit(rsps, clock)
    venue.add_order(CID, "Cancelled")
    venue.add_order("vz-filled-one", "Filled", kind="Market", filled="0.01")
    closed = ex.fetch_closed_orders(venue.symbol)
    assert [o.client_order_id for o in closed] == ["vz-filled-one"]
    assert venue.sent_to(HISTORY)[-1]["orderStatus"] == "Filled"


def test_an_open_order_is_found_before_the_history(rsps: responses.RequestsMock,
                                                   clock: ManualClock) -> None:
    venue, ex = bybit(rsps, clock)
    venue.add_order(CID, "PartiallyFilled", filled="0.004")
    found = ex.fetch_order(venue.symbol, client_order_id=CID)
    assert found.status is OrderStatus.PARTIALLY_FILLED and found.type is OrderType.LIMIT
    assert venue.sent_to(HISTORY) == []


def test_unknown_client_id_is_not_found_after_both_lists(rsps: responses.RequestsMock,
                                                         clock: ManualClock) -> None:
    from verzek.errors import OrderNotFound

    venue, ex = bybit(rsps, clock)
    venue.add_order("vz-someone-else", "Cancelled")
    with pytest.raises(OrderNotFound):
        ex.fetch_order(venue.symbol, client_order_id=CID)
    assert len(venue.sent_to(r"/v5/order/realtime")) == 1 and len(venue.sent_to(HISTORY)) == 1


@pytest.mark.parametrize("filled", ["0", "0.004"])
def test_a_timed_out_order_later_cancelled_is_placed_not_resent(
        rsps: responses.RequestsMock, clock: ManualClock, filled: str) -> None:
    """The create times out; the order reached Bybit and was cancelled (partly filled or
    not): the look-up must find it, so the intent is settled and nothing is sent again."""
    venue, ex = bybit(rsps, clock)
    req = order(venue.symbol, type=OrderType.LIMIT, price=Decimal("50000"))
    venue.create("timeout", req)
    venue.add_order(CID, "Cancelled", filled=filled)
    outcome = place_order_exactly_once(ex, req, clock=clock, sleeper=clock.advance,
                                       visibility_window_s=30)
    assert outcome.placed and outcome.resolved_by_lookup
    assert outcome.order is not None and outcome.order.status is OrderStatus.CANCELED
    assert outcome.order.filled_quantity == Decimal(filled)
    assert venue.create_requests() == 1
