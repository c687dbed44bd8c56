"""The exchange contract against the real ccxt client for Binance, Bybit and Phemex."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import responses

from tests.exchanges.contract import ExchangeContract
from tests.exchanges.venues import BinanceVenue, BybitVenue, PhemexVenue, Venue


class _CcxtContract(ExchangeContract):
    venue_class: type[Venue]

    @pytest.fixture
    def venue(self) -> Iterator[Any]:
        with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
            yield self.venue_class(rsps)


class TestBinanceContract(_CcxtContract):
    venue_class = BinanceVenue


class TestBybitContract(_CcxtContract):
    venue_class = BybitVenue


class TestPhemexContract(_CcxtContract):
    venue_class = PhemexVenue


def test_binance_sets_margin_mode_and_leverage_before_first_futures_order(
        clock: Any) -> None:
    from decimal import Decimal

    from tests.exchanges.contract import order
    from verzek.domain.models import MarginMode, OrderSide, OrderType
    from verzek.exchanges.resilient import BackoffRegistry, replace_stop_loss

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        venue = BinanceVenue(rsps)
        venue.leverage(already=True)
        venue.create("filled")
        ex = venue.make_exchange(clock=clock, backoff=BackoffRegistry(clock=clock))
        req = order(venue.symbol, leverage=5, margin_mode=MarginMode.ISOLATED)
        ex.create_order(req)
        ex.create_order(order(venue.symbol, client_order_id="vz2", leverage=5,
                              margin_mode=MarginMode.ISOLATED))
        paths = [c.request.url.split("?")[0].rsplit("/", 1)[-1] for c in rsps.calls
                 if c.request.method == "POST"]
        assert paths == ["marginType", "leverage", "order", "order"]  # set once, then cached
        venue.cancel("vzold")
        stop = order(venue.symbol, side=OrderSide.SELL, type=OrderType.STOP_MARKET,
                     stop_price=Decimal("55000"), reduce_only=True, client_order_id="vzsl2")
        outcome = replace_stop_loss(ex, stop, old_client_order_id="vzold", clock=clock,
                                    sleeper=clock.advance)
        assert outcome.placed
        methods = [c.request.method for c in rsps.calls[-2:]]
        assert methods == ["POST", "DELETE"]  # new stop first, then the old one cancelled
