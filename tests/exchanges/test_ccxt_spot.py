"""Spot orders through the real ccxt client on Binance, Bybit and Phemex (audit item 4).

Market and limit orders carry our client order id in each exchange's own field; a
duplicate-id answer (Binance -2010, Bybit 170141, Phemex 10001) is resolved by looking the
id up, never by sending again.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import responses

from tests.exchanges.contract import CID, order
from tests.exchanges.venue_base import Venue
from tests.exchanges.venues import VENUES
from verzek.clock import ManualClock
from verzek.domain.models import MarketType, OrderStatus, OrderType
from verzek.errors import DuplicateOrder
from verzek.exchanges.ccxt_adapter import CcxtExchange
from verzek.exchanges.resilient import BackoffRegistry, place_order_exactly_once

QTY = Decimal("0.01")


def sent_order(name: str, sent: dict[str, Any]) -> tuple[str, str, Decimal, Decimal | None]:
    """(client id, order type, base quantity, limit price) as the exchange received them."""
    if name == "binance":
        price = sent.get("price")
        return (sent["newClientOrderId"], sent["type"], Decimal(sent["quantity"]),
                Decimal(price) if price else None)
    if name == "bybit":
        assert sent["category"] == "spot", sent
        if sent["orderType"] == "Market":
            assert sent["marketUnit"] == "baseCoin", sent  # qty in BTC, not USDT
        price = sent.get("price")
        return (sent["orderLinkId"], sent["orderType"].upper(), Decimal(sent["qty"]),
                Decimal(price) if price else None)
    assert sent["qtyType"] == "ByBase", sent  # phemex: scaled values, 8 decimals for sBTCUSDT
    scale = Decimal(10) ** 8
    price_ep = sent.get("priceEp")
    return (sent["clOrdID"], sent["ordType"].upper(), Decimal(sent["baseQtyEv"]) / scale,
            Decimal(price_ep) / scale if price_ep else None)


@pytest.fixture(params=sorted(VENUES))
def venue(request: pytest.FixtureRequest) -> Iterator[Venue]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield VENUES[request.param](rsps, MarketType.SPOT)  # type: ignore[call-arg]


@pytest.fixture
def ex(venue: Venue, clock: ManualClock) -> CcxtExchange:
    exchange = venue.make_exchange(clock=clock, backoff=BackoffRegistry(clock=clock),
                                   market_type=MarketType.SPOT)
    exchange.load_markets()
    return exchange


def test_spot_market_order_carries_our_client_id(ex: CcxtExchange, venue: Venue) -> None:
    req = order(venue.symbol, quantity=QTY)
    venue.create("filled", req)
    result = ex.create_order(req)
    assert result.client_order_id == CID and result.exchange_order_id
    # Bybit acknowledges a create with the ids only: the fill is seen on the next read
    assert result.status in (OrderStatus.FILLED, OrderStatus.OPEN)
    (sent,) = venue.creates()
    assert sent_order(venue.name.value, sent) == (CID, "MARKET", QTY, None)


def test_spot_limit_order_carries_our_client_id(ex: CcxtExchange, venue: Venue) -> None:
    req = order(venue.symbol, quantity=QTY, type=OrderType.LIMIT, price=Decimal("50000.04"))
    venue.create("open", req)
    result = ex.create_order(req)
    assert result.client_order_id == CID and result.status is OrderStatus.OPEN
    (sent,) = venue.creates()
    price = ex.price_to_precision(venue.symbol, Decimal("50000.04"))
    assert sent_order(venue.name.value, sent) == (CID, "LIMIT", QTY, price)


def test_spot_fetch_by_client_id(ex: CcxtExchange, venue: Venue) -> None:
    venue.lookup(CID, True)
    found = ex.fetch_order(venue.symbol, client_order_id=CID)
    assert found.client_order_id == CID and found.exchange_order_id
    assert found.status is OrderStatus.FILLED


def test_spot_duplicate_is_duplicate_order(ex: CcxtExchange, venue: Venue) -> None:
    req = order(venue.symbol, quantity=QTY)
    venue.create("duplicate", req)
    venue.lookup(CID, True)  # Binance -2010 is a duplicate only once the id is found
    with pytest.raises(DuplicateOrder) as info:
        ex.create_order(req)
    expected = {"binance": "-2010", "bybit": "170141", "phemex": "10001"}[venue.name.value]
    assert info.value.details["code"] == expected


def test_spot_duplicate_is_resolved_by_lookup_without_a_second_send(
        ex: CcxtExchange, venue: Venue, clock: ManualClock) -> None:
    req = order(venue.symbol, quantity=QTY)
    venue.create("duplicate", req)
    venue.lookup(CID, True)
    outcome = place_order_exactly_once(ex, req, clock=clock, sleeper=clock.advance)
    assert outcome.placed and outcome.resolved_by_lookup
    assert outcome.order is not None and outcome.order.client_order_id == CID
    assert venue.create_requests() == 1
