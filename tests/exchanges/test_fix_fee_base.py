"""A spot buy's fee taken in the coin bought (audit 6, item 4).

Binance spot without BNB, and Bybit spot, charge a buy's fee in the coin bought: a 0.01 BTC fill
leaves 0.00999 BTC in the account. The real ccxt client reads the recorded (or documented)
answers; the position then holds what the account holds, so its exits are not refused for
insufficient funds forever.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import responses

from tests.exchanges.contract import CID, order
from tests.exchanges.fakes import recorded
from tests.exchanges.venue_base import reply, sent_params
from tests.exchanges.venues import SPOT_API, BinanceVenue, BybitVenue
from verzek.clock import ManualClock
from verzek.domain.models import (
    ExchangeName,
    MarketType,
    OrderSide,
    OrderStatus,
    OrderType,
    Position,
    PositionStatus,
    Side,
    StrategySettings,
    TakeProfitTarget,
    TradingMode,
)
from verzek.engine import protection
from verzek.engine.tracker import apply_result, new_order
from verzek.exchanges.base import OrderResult, TradeFill
from verzek.exchanges.ccxt_adapter import CcxtExchange
from verzek.exchanges.resilient import BackoffRegistry

QTY = Decimal("0.01")
STEP = Decimal("0.00001")
NOW = datetime(2025, 1, 1, tzinfo=UTC)
ZERO_FEE = Decimal(0)


def binance_fill(commission: str, asset: str) -> Any:
    """A spot market buy answered FILLED with its fills (DOCS: Binance spot "New Order (TRADE)"
    FULL response: each fill carries `commission` and `commissionAsset`)."""

    def answer(request: Any) -> Any:
        sent = sent_params(request)
        body = copy.deepcopy(recorded("binance", "createOrder"))
        body.update({"symbol": "BTCUSDT", "clientOrderId": sent["newClientOrderId"],
                     "status": "FILLED", "type": "MARKET", "side": "BUY",
                     "origQty": sent["quantity"], "price": "0.00000000",
                     "executedQty": sent["quantity"], "cummulativeQuoteQty": "600.00000000",
                     "icebergQty": "0.00000000",
                     "fills": [{"price": "60000.00000000", "qty": sent["quantity"],
                                "commission": commission, "commissionAsset": asset,
                                "tradeId": 56}]})
        return reply(body)

    return answer


@pytest.fixture
def binance(clock: ManualClock) -> Iterator[tuple[BinanceVenue, CcxtExchange]]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        venue = BinanceVenue(rsps, MarketType.SPOT)
        ex = venue.make_exchange(clock=clock, backoff=BackoffRegistry(clock=clock),
                                 market_type=MarketType.SPOT)
        ex.load_markets()
        yield venue, ex


def spot_position(*, market_type: MarketType = MarketType.SPOT) -> Position:
    return Position(id="p1", user_id="u1", signal_id="s1", account_id="acc1",
                    exchange=ExchangeName.BINANCE, market_type=market_type,
                    mode=TradingMode.LIVE, symbol="BTC/USDT", side=Side.LONG,
                    status=PositionStatus.PENDING, opened_at=NOW,
                    targets=[TakeProfitTarget(price=Decimal("61200"))],
                    extra={"tp_weights": ["100"]})


def entry_order() -> Any:
    return new_order(CID, "entry", OrderSide.BUY, OrderType.MARKET, QTY, NOW)


def test_binance_fee_in_the_coin_bought_comes_off_the_position(
        binance: tuple[BinanceVenue, CcxtExchange]) -> None:
    venue, ex = binance
    venue.rsps.add_callback(responses.POST, re.compile(re.escape(SPOT_API) + r"/order$"),
                            callback=binance_fill("0.00001000", "BTC"))
    result = ex.create_order(order("BTC/USDT", quantity=QTY))
    assert result.fee_base == Decimal("0.00001") and result.trades[0].fee_base == STEP
    assert result.fee_usdt == Decimal("0.6")  # valued at the fill price

    position, fills = apply_result(spot_position(), entry_order(), result, NOW)
    assert len(fills) == 1 and fills[0].quantity == QTY  # the order filled 0.01
    assert position.quantity == Decimal("0.00999")  # the account holds 0.00999
    assert position.average_entry == Decimal("60000") and position.fees_usdt == Decimal("0.6")
    position = protection.recompute_exits(position, StrategySettings(), amount_step=STEP)
    legs = protection.desired_legs(position, StrategySettings(), min_notional=Decimal(5),
                                   max_active_dca=3)
    assert [(d.leg, d.spec.quantity) for d in legs] == [("tp1r0", Decimal("0.00999"))]

    # the same report again (an order sync) takes nothing more off
    again, fills = apply_result(position, entry_order(), result, NOW)
    assert fills == [] and again.quantity == Decimal("0.00999")


def test_selling_what_is_held_closes_with_the_fee_counted_once(
        binance: tuple[BinanceVenue, CcxtExchange]) -> None:
    venue, ex = binance
    venue.rsps.add_callback(responses.POST, re.compile(re.escape(SPOT_API) + r"/order$"),
                            callback=binance_fill("0.00001000", "BTC"))
    position, _ = apply_result(spot_position(), entry_order(),
                               ex.create_order(order("BTC/USDT", quantity=QTY)), NOW)
    sell = new_order("tp-1", "tp1r0", OrderSide.SELL, OrderType.LIMIT, Decimal("0.00999"),
                     NOW, price=Decimal("61200"))
    report = OrderResult("tp-1", "9", OrderStatus.FILLED, filled_quantity=Decimal("0.00999"),
                         average_price=Decimal("61200"), trades=(TradeFill(
                             "t2", Decimal("61200"), Decimal("0.00999"), ZERO_FEE, NOW),))
    closed, _ = apply_result(position, sell, report, NOW)
    assert closed.status is PositionStatus.CLOSED and closed.quantity == 0
    # 600 USDT paid for 0.00999 BTC sold for 611.388: the profit, the fee counted once
    assert closed.realised_pnl_usdt == Decimal("0.00999") * Decimal("61200") - Decimal("600")



def test_a_fee_in_a_third_coin_is_neither_taken_off_nor_valued_at_the_coins_price(
        binance: tuple[BinanceVenue, CcxtExchange]) -> None:
    venue, ex = binance
    venue.rsps.add_callback(responses.POST, re.compile(re.escape(SPOT_API) + r"/order$"),
                            callback=binance_fill("0.00075000", "BNB"))
    result = ex.create_order(order("BTC/USDT", quantity=QTY))
    # 0.00075 BNB is about 0.45 USDT; at the BTC price it would read 45 USDT
    assert result.fee_base == 0 and result.fee_usdt == 0
    position, _ = apply_result(spot_position(), entry_order(), result, NOW)
    assert position.quantity == QTY


def test_bybit_order_fee_in_the_coin_bought_comes_off_the_position(clock: ManualClock) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        venue = BybitVenue(rsps, MarketType.SPOT)
        ex = venue.make_exchange(clock=clock, backoff=BackoffRegistry(clock=clock),
                                 market_type=MarketType.SPOT)
        ex.load_markets()
        venue.add_order(CID, "Filled", kind="Market", filled="0.01")
        venue.book[-1].update(cumExecFee="0.00001", cumFeeDetail={"BTC": "0.00001"})
        result = ex.fetch_order("BTC/USDT", client_order_id=CID)
    assert result.trades == () and result.fee_base == STEP  # the order's own figures
    position, _ = apply_result(spot_position(), entry_order(), result, NOW)
    assert position.quantity == Decimal("0.00999")


def test_a_futures_fill_keeps_its_contracts_whatever_the_fee_coin() -> None:
    report = OrderResult(CID, "1", OrderStatus.FILLED, filled_quantity=QTY,
                         average_price=Decimal("60000"), fee_base=STEP)
    position, _ = apply_result(spot_position(market_type=MarketType.FUTURES), entry_order(),
                               report, NOW)
    assert position.quantity == QTY
