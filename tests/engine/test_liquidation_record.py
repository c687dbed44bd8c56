"""A liquidation leaves its exit on the position (price, quantity, fee), and its realised PnL is
what the account lost: the maintenance margin the exchange keeps is the fill's fee."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.engine.conftest import Engine
from verzek.domain.models import CloseReason, SignalSource, TradingMode

D = Decimal
SYM = "ETH/USDT:USDT"


@pytest.mark.parametrize("price", ["90.4", "85"])  # just past the ~90.5 liquidation; a gap
def test_a_liquidation_records_its_exit_and_the_balance_agrees(engine: Engine,
                                                               price: str) -> None:
    engine.price(SYM, "100")
    engine.add_user("u1", general={"auto_trade": True},
                    risk={"position_size_usdt": "100", "price_collar_pct": "50"},
                    strategy={"stop_loss_mode": "none"})
    start = engine.paper("u1").fetch_balance().get("USDT").total
    result = engine.trading.submit_text("#ETH/USDT LONG\nEntry: 100\nTarget: 120\nLeverage 10x",
                                        SignalSource(kind="api"))
    assert [d.outcome for d in result.decisions] == ["executed"]
    engine.tick(SYM, price)
    (closed,) = engine.runtime.positions.closed_positions("u1")
    assert closed.close_reason is CloseReason.LIQUIDATED
    settlement = closed.extra["settlement"]
    assert D(settlement["quantity"]) == D("1")
    assert D(settlement["price"]) <= D("90.5")  # at or past the liquidation price
    assert D(settlement["fee_usdt"]) >= 0  # the maintenance margin kept, if any was left
    end = engine.paper("u1").fetch_balance().get("USDT").total
    assert end - start == closed.realised_pnl_usdt  # the account lost what the position says


@pytest.mark.parametrize("price", ["90.4", "85"])
def test_two_calls_on_one_coin_liquidated_share_the_loss(engine: Engine, price: str) -> None:
    """Two calls on one coin are one position on a one-way futures account: the exchange
    liquidates it once, and the loss is shared by the two positions by quantity, not booked
    whole on each (which counted it twice in PnL, stats and the breaker's record)."""
    engine.price(SYM, "100")
    engine.add_user("u1", general={"auto_trade": True},
                    risk={"position_size_usdt": "100", "price_collar_pct": "50"},
                    strategy={"stop_loss_mode": "none"})
    start = engine.paper("u1").fetch_balance().get("USDT").total
    for text in ("#ETH/USDT LONG\nEntry: 100\nTarget: 120\nLeverage 10x",
                 "ETH/USDT long now 100, TP 125, leverage 10x"):
        result = engine.trading.submit_text(text, SignalSource(kind="api"))
        assert [d.outcome for d in result.decisions] == ["executed"], result.decisions
    engine.price(SYM, "100")
    engine.tick(SYM, "100")
    assert len(engine.positions("u1")) == 2
    engine.tick(SYM, price)
    assert engine.positions("u1") == []
    closed = engine.runtime.positions.closed_positions("u1")
    assert len(closed) == 2
    assert {c.close_reason for c in closed} == {CloseReason.LIQUIDATED}
    end = engine.paper("u1").fetch_balance().get("USDT").total
    assert sum(c.realised_pnl_usdt for c in closed) == end - start
    fees = [D(c.extra["settlement"]["fee_usdt"]) for c in closed]
    assert sum(fees) >= 0 and all(f >= 0 for f in fees)
    # each carries its share: the two positions are the same size here
    assert abs(closed[0].realised_pnl_usdt - closed[1].realised_pnl_usdt) < D("0.01")


def test_a_gap_past_the_stop_and_the_liquidation_price_liquidates_at_the_margin(
        engine: Engine) -> None:
    """A price gapped past the stop and the liquidation price at once: the position is
    liquidated, its loss the isolated margin (and the exchange's fee), not the loss a stop
    sold at the gapped price would make (15 USDT here, more than the 10 USDT margin)."""
    engine.price(SYM, "100")
    engine.add_user("u1", general={"auto_trade": True},
                    risk={"position_size_usdt": "100", "price_collar_pct": "50"})
    start = engine.paper("u1").fetch_balance().get("USDT").total
    result = engine.trading.submit_text(
        "#ETH/USDT LONG\nEntry: 100\nTarget: 120\nStop: 92\nLeverage 10x",
        SignalSource(kind="api"))
    assert [d.outcome for d in result.decisions] == ["executed"]
    engine.tick(SYM, "85")  # past the stop (92) and the liquidation price (~90.5) at once
    (closed,) = engine.runtime.positions.closed_positions("u1")
    assert closed.close_reason is CloseReason.LIQUIDATED
    end = engine.paper("u1").fetch_balance().get("USDT").total
    assert end - start == closed.realised_pnl_usdt
    assert closed.realised_pnl_usdt >= D("-10.1")  # the margin and the entry's fee


def test_a_paper_liquidation_never_settles_a_live_position_on_the_same_account(
        engine: Engine) -> None:
    """A user gone live may hold a live position on the account their demo one is on: the
    paper exchange's liquidation is the demo position's alone."""
    engine.price(SYM, "100")
    engine.add_user("u1", general={"auto_trade": True},
                    risk={"position_size_usdt": "100", "price_collar_pct": "50"},
                    strategy={"stop_loss_mode": "none"})
    engine.trading.submit_text("#ETH/USDT LONG\nEntry: 100\nTarget: 120\nLeverage 10x",
                               SignalSource(kind="api"))
    (demo,) = engine.positions("u1")
    live = demo.model_copy(update={"id": "plive", "mode": TradingMode.LIVE, "orders": [],
                                   "fills": []})
    engine.runtime.positions.save(live)
    engine.tick(SYM, "85")
    (closed,) = engine.runtime.positions.closed_positions("u1")
    assert closed.id == demo.id and closed.close_reason is CloseReason.LIQUIDATED
    assert [p.id for p in engine.positions("u1")] == ["plive"]
