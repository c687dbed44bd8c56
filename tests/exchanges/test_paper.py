"""The paper exchange: the shared contract, then fills, fees, precision and liquidation."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.exchanges.contract import CID, PRICE, ExchangeContract, order
from verzek.clock import ManualClock
from verzek.domain.models import (
    ExchangeName,
    MarginMode,
    MarketType,
    OrderSide,
    OrderStatus,
    OrderType,
)
from verzek.errors import DuplicateOrder, InsufficientFunds, InvalidOrder
from verzek.exchanges.client_ids import make_client_order_id
from verzek.exchanges.paper import PaperExchange
from verzek.exchanges.pricefeed import SimPriceFeed
from verzek.exchanges.resilient import BackoffRegistry
from verzek.store.docstore import DocumentStore


class PaperVenue:
    """Arranges the paper exchange's world the way the ccxt venues arrange HTTP answers."""

    name = ExchangeName.BINANCE
    symbol = "BTC/USDT:USDT"
    other_symbol = "ETH/USDT:USDT"
    cid_field = "client_order_id"

    def __init__(self, root: Path, clock: ManualClock) -> None:
        self.store = DocumentStore(root)
        self.feed = SimPriceFeed(clock=clock, seed=1, step_interval_s=0)
        self.feed.pin(self.symbol, PRICE)
        self.clock = clock
        self.ex: PaperExchange | None = None
        self._own: set[str] = set()
        self.requests = 0  # create_order calls the adapter's caller made (not arranging)

    def make_exchange(self, *, clock: ManualClock, backoff: BackoffRegistry) -> PaperExchange:
        self.ex = PaperExchange(account_id="acc1", exchange=self.name,
                                market_type=MarketType.FUTURES, store=self.store,
                                price_feed=self.feed, clock=clock)
        real = self.ex.create_order

        def counted(req: Any) -> Any:
            self.requests += 1
            return real(req)

        self.ex.create_order = counted  # type: ignore[method-assign]
        return self.ex

    def _place(self, cid: str, **kw: Any) -> None:
        assert self.ex is not None
        self._own.add(cid)
        self.requests -= 1  # arranging, not a request of the code under test
        self.ex.create_order(order(self.symbol, client_order_id=cid, **kw))

    def create_requests(self) -> int:
        return self.requests

    def creates(self) -> list[dict[str, Any]]:
        doc = self.store.read("paper/acc1.json") or {"orders": {}}
        return [o for cid, o in doc["orders"].items() if cid not in self._own]

    def create(self, outcome: str, req: Any = None) -> None:
        if outcome == "filled" and req is not None and req.reduce_only:
            self._place("vzsetup-long")
        elif outcome == "insufficient":
            assert self.ex is not None
            self.ex.set_balance("USDT", Decimal("1"))
        elif outcome == "duplicate":
            self._place(CID)

    def lookup(self, cid: str, found: bool) -> None:
        if found and cid not in self._own:
            self._place(cid)

    def cancel(self, cid: str) -> None:
        self._place(cid, type=OrderType.LIMIT, price=Decimal("50000"))

    def ticker(self) -> None: ...
    def balance(self) -> None: ...

    def tickers(self) -> None:
        self.feed.pin(self.other_symbol, Decimal("3000"))

    def positions(self) -> None:
        self._place("vzsetup-long")

    def open_orders(self, cid: str) -> None:
        self._place(cid, type=OrderType.LIMIT, price=Decimal("50000"))

    def closed_orders(self, cid: str) -> None:
        self._place(cid)

    def leverage(self, holding: tuple[int, MarginMode] = (20, MarginMode.CROSS)) -> None:
        assert self.ex is not None
        self.ex.set_leverage(self.symbol, holding[0])
        self.ex.set_margin_mode(self.symbol, holding[1])

    def futures_settings(self) -> tuple[int, MarginMode]:
        doc = self.store.read("paper/acc1.json") or {}
        return (int(doc["leverage"][self.symbol]),
                MarginMode(doc["margin_mode"][self.symbol]))

    def check_limit_sent(self, price: Decimal) -> None:
        assert Decimal(self.creates()[-1]["price"]) == price

    def check_reduce_only_sent(self) -> None:
        assert self.creates()[-1]["reduce_only"] is True

    def check_stop_sent(self, stop: Decimal) -> None:
        assert Decimal(self.creates()[-1]["stop_price"]) == stop


class TestPaperContract(ExchangeContract):
    supports_transport_faults = False
    answers_already_set = False  # nothing between the adapter and its book to answer
    uses_reference_price = False  # the paper exchange checks against its own price feed

    @pytest.fixture
    def venue(self, tmp_path: Path, clock: ManualClock) -> PaperVenue:
        return PaperVenue(tmp_path, clock)


# --- paper-only behaviour -----------------------------------------------------------------------


@pytest.fixture
def feed(clock: ManualClock) -> SimPriceFeed:
    f = SimPriceFeed(clock=clock, seed=7, step_interval_s=0)
    f.pin("BTC/USDT:USDT", Decimal("60000"))
    f.pin("BTC/USDT", Decimal("60000"))
    return f


def paper(tmp_path: Path, clock: ManualClock, feed: SimPriceFeed,
          market_type: MarketType = MarketType.FUTURES) -> PaperExchange:
    return PaperExchange(account_id="u1-acc", exchange=ExchangeName.BINANCE,
                         market_type=market_type, store=DocumentStore(tmp_path),
                         price_feed=feed, clock=clock, slippage_pct=Decimal("0.1"))


def cid(leg: str) -> str:
    return make_client_order_id("s1", "u1", leg)


def test_spot_market_buy_fills_with_slippage_and_fee(tmp_path: Path, clock: ManualClock,
                                                     feed: SimPriceFeed) -> None:
    ex = paper(tmp_path, clock, feed, MarketType.SPOT)
    r = ex.create_order(order("BTC/USDT", quantity=Decimal("0.0123456"),
                              client_order_id=cid("e")))
    assert r.status is OrderStatus.FILLED
    assert r.filled_quantity == Decimal("0.01234")  # Binance BTC/USDT step 0.00001
    assert r.average_price == Decimal("60060")  # +0.1 % slippage
    fee = Decimal("0.01234") * Decimal("60060") * Decimal("0.001")
    assert r.fee_usdt == fee and len(r.trades) == 1 and r.trades[0].trade_id
    bal = ex.fetch_balance()
    assert bal.get("BTC").free == Decimal("0.01234")
    assert bal.get("USDT").free == Decimal("10000") - Decimal("0.01234") * Decimal("60060") - fee


def test_balances_persist_per_account(tmp_path: Path, clock: ManualClock,
                                      feed: SimPriceFeed) -> None:
    ex = paper(tmp_path, clock, feed, MarketType.SPOT)
    ex.create_order(order("BTC/USDT", client_order_id=cid("e")))
    again = paper(tmp_path, clock, feed, MarketType.SPOT)  # a restart
    assert again.fetch_balance().get("BTC").free == Decimal("0.01")
    with pytest.raises(DuplicateOrder):
        again.create_order(order("BTC/USDT", client_order_id=cid("e")))
    assert again.fetch_order("BTC/USDT", client_order_id=cid("e")).status is OrderStatus.FILLED


def test_limit_fills_when_price_crosses_at_maker_fee(tmp_path: Path, clock: ManualClock,
                                                     feed: SimPriceFeed) -> None:
    ex = paper(tmp_path, clock, feed)
    r = ex.create_order(order("BTC/USDT:USDT", type=OrderType.LIMIT, price=Decimal("59000"),
                              client_order_id=cid("dca1")))
    assert r.status is OrderStatus.OPEN
    assert ex.process_prices({"BTC/USDT:USDT": Decimal("59500")}) == []
    fills = ex.process_prices({"BTC/USDT:USDT": Decimal("58990")})
    assert len(fills) == 1 and Decimal(fills[0]["price"]) == Decimal("59000")
    done = ex.fetch_order("BTC/USDT:USDT", client_order_id=cid("dca1"))
    assert done.status is OrderStatus.FILLED
    assert done.fee_usdt == Decimal("0.01") * Decimal("59000") * Decimal("0.0002")


def test_stop_triggers_and_reduces_position(tmp_path: Path, clock: ManualClock,
                                            feed: SimPriceFeed) -> None:
    ex = paper(tmp_path, clock, feed)
    ex.set_leverage("BTC/USDT:USDT", 10)
    ex.create_order(order("BTC/USDT:USDT", client_order_id=cid("e")))
    ex.create_order(order("BTC/USDT:USDT", side=OrderSide.SELL, type=OrderType.STOP_MARKET,
                          stop_price=Decimal("58000"), reduce_only=True,
                          client_order_id=cid("sl")))
    assert ex.process_prices({"BTC/USDT:USDT": Decimal("58500")}) == []
    fills = ex.process_prices({"BTC/USDT:USDT": Decimal("57900")})
    assert len(fills) == 1
    assert ex.fetch_positions() == []
    trade_ids = [f["trade_id"] for f in ex.fetch_fills()]
    assert len(trade_ids) == len(set(trade_ids)) == 2


def test_futures_margin_leverage_and_liquidation(tmp_path: Path, clock: ManualClock,
                                                 feed: SimPriceFeed) -> None:
    ex = paper(tmp_path, clock, feed)
    ex.set_leverage("BTC/USDT:USDT", 20)
    ex.create_order(order("BTC/USDT:USDT", quantity=Decimal("0.1"), client_order_id=cid("e")))
    (pos,) = ex.fetch_positions()
    assert pos.leverage == 20 and pos.entry_price == Decimal("60060")
    margin = Decimal("0.1") * Decimal("60060") / 20
    assert ex.fetch_balance().get("USDT").used == margin
    # Isolated: liquidated about 1/leverage minus maintenance below entry (about -4.5 %).
    assert Decimal("57000") < pos.liquidation_price < Decimal("57500")
    assert ex.process_prices({"BTC/USDT:USDT": Decimal("57600")}) == []
    fills = ex.process_prices({"BTC/USDT:USDT": Decimal("57300")})
    assert fills and fills[0]["liquidation"] is True
    assert ex.fetch_positions() == []
    assert ex.fetch_balance().get("USDT").total < Decimal("10000") - margin + 1


def test_insufficient_margin_and_reduce_only_without_position(
        tmp_path: Path, clock: ManualClock, feed: SimPriceFeed) -> None:
    ex = paper(tmp_path, clock, feed)
    with pytest.raises(InsufficientFunds):
        ex.create_order(order("BTC/USDT:USDT", quantity=Decimal("1"), client_order_id=cid("e")))
    with pytest.raises(InvalidOrder):
        ex.create_order(order("BTC/USDT:USDT", side=OrderSide.SELL, reduce_only=True,
                              client_order_id=cid("x")))
    assert ex.fetch_balance().get("USDT").free == Decimal("10000")


def test_short_profit_is_realised(tmp_path: Path, clock: ManualClock,
                                  feed: SimPriceFeed) -> None:
    ex = paper(tmp_path, clock, feed)
    ex.create_order(order("BTC/USDT:USDT", side=OrderSide.SELL, client_order_id=cid("e")))
    feed.pin("BTC/USDT:USDT", Decimal("50000"))
    ex.create_order(order("BTC/USDT:USDT", reduce_only=True, client_order_id=cid("tp")))
    entry, close = Decimal("59940"), Decimal("50050")
    fees = Decimal("0.01") * (entry + close) * Decimal("0.0005")
    expected = Decimal("10000") + Decimal("0.01") * (entry - close) - fees
    assert ex.fetch_balance().get("USDT").total == expected


def test_resting_limit_orders_hold_funds_until_filled_or_cancelled(
        tmp_path: Path, clock: ManualClock, feed: SimPriceFeed) -> None:
    ex = paper(tmp_path, clock, feed, MarketType.SPOT)
    ex.set_balance("USDT", Decimal("1000"))
    ex.create_order(order("BTC/USDT", type=OrderType.LIMIT, price=Decimal("50000"),
                          client_order_id=cid("dca1")))
    held = Decimal("0.01") * Decimal("50000") * Decimal("1.001")
    bal = ex.fetch_balance().get("USDT")
    assert bal.free == Decimal("1000") - held and bal.used == held and bal.total == 1000
    with pytest.raises(InsufficientFunds):  # the second one does not fit next to the first
        ex.create_order(order("BTC/USDT", type=OrderType.LIMIT, price=Decimal("50000"),
                              client_order_id=cid("dca2")))
    ex.cancel_order("BTC/USDT", client_order_id=cid("dca1"))
    assert ex.fetch_balance().get("USDT").free == Decimal("1000")
    ex.create_order(order("BTC/USDT", type=OrderType.LIMIT, price=Decimal("50000"),
                          client_order_id=cid("dca2")))
    ex.process_prices({"BTC/USDT": Decimal("49000")})
    bal = ex.fetch_balance()
    assert bal.get("USDT").used == 0 and bal.get("BTC").free == Decimal("0.01")
    assert bal.get("USDT").free == Decimal("1000") - Decimal("500") * Decimal("1.001")


def test_setting_the_balance_sets_what_is_free_resting_orders_keep_theirs(
        tmp_path: Path, clock: ManualClock, feed: SimPriceFeed) -> None:
    """Set as the wallet, free went negative under resting orders (-198.5 USDT), which were
    refused when they filled (journey 10)."""
    ex = paper(tmp_path, clock, feed, MarketType.SPOT)
    ex.create_order(order("BTC/USDT", type=OrderType.LIMIT, price=Decimal("50000"),
                          client_order_id=cid("dca1")))
    held = Decimal("0.01") * Decimal("50000") * Decimal("1.001")
    ex.set_balance("USDT", Decimal("300"))
    bal = ex.fetch_balance().get("USDT")
    assert bal.free == Decimal("300") and bal.used == held and bal.total == 300 + held
    ex.process_prices({"BTC/USDT": Decimal("49000")})  # the resting order still fills
    assert ex.fetch_balance().get("BTC").free == Decimal("0.01")


def test_a_stop_that_cannot_fill_is_rejected_without_side_effects(
        tmp_path: Path, clock: ManualClock, feed: SimPriceFeed) -> None:
    ex = paper(tmp_path, clock, feed)
    ex.create_order(order("BTC/USDT:USDT", type=OrderType.STOP_MARKET,
                          stop_price=Decimal("61000"), quantity=Decimal("1"),
                          client_order_id=cid("breakout")))
    before = ex.fetch_balance()
    ex.process_prices({"BTC/USDT:USDT": Decimal("61500")})
    assert ex.fetch_order("BTC/USDT:USDT", client_order_id=cid("breakout")).status \
        is OrderStatus.REJECTED
    assert ex.fetch_balance() == before and ex.fetch_positions() == []


def test_a_stop_already_crossed_is_refused(tmp_path: Path, clock: ManualClock,
                                           feed: SimPriceFeed) -> None:
    ex = paper(tmp_path, clock, feed)
    ex.create_order(order("BTC/USDT:USDT", client_order_id=cid("e")))
    with pytest.raises(InvalidOrder):
        ex.create_order(order("BTC/USDT:USDT", side=OrderSide.SELL, type=OrderType.STOP_MARKET,
                              stop_price=Decimal("61000"), reduce_only=True,
                              client_order_id=cid("sl")))
    assert len(ex.fetch_positions()) == 1
