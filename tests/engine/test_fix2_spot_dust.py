"""A spot buy's fee taken in the coin bought can leave a position holding less than the
exchange's amount step once its last exit fills: the position closes around that dust (kept in
`dust_qty`) instead of staying open with every exit refused. A late fill taken over from a
split trade keeps only its share of the fee in coins."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from tests.engine.conftest import Engine
from verzek.domain.models import CloseReason, OrderSide, OrderStatus, SignalSource
from verzek.engine.late_fills import beyond
from verzek.exchanges.base import OrderRequest, OrderResult, TradeFill
from verzek.exchanges.faults import FaultyExchange

D = Decimal
SYM = "ETH/USDT"
FEE_COINS = D("0.00099")  # the entry's fee taken in ETH: 0.99901 held, step 0.0001


class FeeInCoins(FaultyExchange):
    """Spot buys pay their fee in the coin bought (Binance without BNB, Bybit)."""

    def __init__(self, inner: Any, **kw: Any) -> None:
        super().__init__(inner, rate=0.0, **kw)
        self.buys: set[str] = set()

    def _with_fee(self, result: OrderResult) -> OrderResult:
        if result.client_order_id not in self.buys or not result.trades:
            return result
        share = FEE_COINS / result.filled_quantity
        trades = tuple(replace(t, fee_base=t.quantity * share) for t in result.trades)
        return replace(result, trades=trades, fee_base=FEE_COINS)

    def create_order(self, req: OrderRequest) -> OrderResult:
        if req.side is OrderSide.BUY:
            self.buys.add(req.client_order_id)
        return self._with_fee(super().create_order(req))

    def fetch_order(self, symbol: str, *, exchange_order_id: str | None = None,
                    client_order_id: str | None = None) -> OrderResult:
        return self._with_fee(super().fetch_order(symbol, exchange_order_id=exchange_order_id,
                                                  client_order_id=client_order_id))


def test_the_last_exit_leaving_dust_closes_the_position(engine: Engine) -> None:
    engine.trading.pool.wrap = lambda inner: FeeInCoins(inner, clock=engine.clock)
    engine.price(SYM, "100")
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "100"})
    result = engine.trading.submit_text("#ETH/USDT BUY spot\nEntry: 100\nTarget: 110\n"
                                        "Stop: 95", SignalSource(kind="api"))
    assert [d.outcome for d in result.decisions] == ["executed"]
    (position,) = engine.positions("u1")
    assert position.quantity == D("0.99901")
    (tp,) = [o for o in position.orders if o.leg.startswith("tp")]
    assert tp.quantity == D("0.999")  # what the exchange lets us sell
    engine.tick(SYM, "111")
    engine.tick()
    assert engine.positions("u1") == []
    (closed,) = engine.runtime.positions.closed_positions("u1")
    assert closed.close_reason is CloseReason.TAKE_PROFIT
    assert closed.quantity == 0 and D(closed.extra["dust_qty"]) == D("0.00001")
    assert closed.realised_pnl_usdt > 0
    assert engine.paper("u1", "spot").fetch_open_orders() == []


def test_a_split_trade_keeps_its_share_of_the_fee_in_coins() -> None:
    trade = TradeFill(trade_id="t1", price=D("100"), quantity=D("2"), fee_usdt=D("0.2"),
                      at=None, fee_base=D("0.002"))
    report = OrderResult(client_order_id="c1", exchange_order_id="x1",
                         status=OrderStatus.FILLED, filled_quantity=D("2"),
                         fee_usdt=D("0.2"), trades=(trade,), fee_base=D("0.002"))
    left = beyond(report, D("1.5"))
    (part,) = left.trades
    assert part.quantity == D("0.5") and part.fee_usdt == D("0.05")
    assert part.fee_base == D("0.0005")
    assert left.filled_quantity == D("0.5") and left.fee_base == D("0.0005")
    # an answer that lists no trades: the order's own fee is shared out the same way
    bare = beyond(replace(report, trades=()), D("1.5"))
    assert bare.fee_base == D("0.0005") and bare.fee_usdt == D("0.05")


def test_an_exit_found_filled_by_its_cancel_leaving_dust_closes_the_position(
        engine: Engine) -> None:
    """The target filled on the exchange before the engine saw it, and a re-plan (the target
    moved) cancels it: the cancel reports the fill, which leaves only dust; the position
    closes around it rather than stay open with nothing the exchange lets it sell."""
    engine.trading.pool.wrap = lambda inner: FeeInCoins(inner, clock=engine.clock)
    engine.price(SYM, "100")
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "100"})
    engine.trading.submit_text("#ETH/USDT BUY spot\nEntry: 100\nTarget: 110\nStop: 95",
                               SignalSource(kind="api"))
    (position,) = engine.positions("u1")
    paper = engine.paper("u1", "spot")
    engine.price(SYM, "111")
    paper.process_prices()  # the target fills; the engine has not looked
    moved = position.model_copy(update={"targets": [
        position.targets[0].model_copy(update={"price": D("112")})]})
    manager = engine.trading.manager
    exchange = engine.trading.pool.for_position(engine.runtime.users.get("u1"), moved)
    with manager.locks.hold("u1"):
        manager.arm(exchange, manager.save(moved))
    assert engine.positions("u1") == []
    (closed,) = engine.runtime.positions.closed_positions("u1")
    assert closed.close_reason is CloseReason.TAKE_PROFIT
    assert D(closed.extra["dust_qty"]) == D("0.00001")
    assert paper.fetch_open_orders() == []
