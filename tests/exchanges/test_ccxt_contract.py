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
