"""Breakeven that covers fees (`breakeven_covers_fees`): after target 1, or on the channel's
"move SL to entry", the stop goes where the rest of the position closes without a loss after
the entry's fee and the exit's, not at the raw entry (where a stop-out loses both fees)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.engine.conftest import Engine
from tests.engine.test_followup_stop_moves import _live_stops
from tests.engine.test_followup_target_hits import _follow
from tests.engine.test_followup_target_hits import _open as open_one
from verzek.domain.exits import breakeven_price
from verzek.domain.models import CloseReason, Side, SignalSource

D = Decimal
SYM = "ETH/USDT:USDT"
TAKER = D("0.0005")  # binance perpetual taker fee in the bundled snapshot: a market entry


def _open(engine: Engine, text: str, **strategy: Any) -> Any:
    return open_one(engine, text, size="300", breakeven_covers_fees=True, **strategy)


def test_the_breakeven_price_covers_the_fee_in_and_the_fee_out() -> None:
    assert breakeven_price(Side.LONG, D(3000), TAKER) == D("3003.001501")
    assert breakeven_price(Side.SHORT, D(3000), TAKER) == D("2997.001499")
    assert breakeven_price(Side.LONG, D(3000), D(0)) == D(3000)


def test_after_target_one_the_stop_covers_fees_and_a_stop_out_there_loses_nothing(
        engine: Engine) -> None:
    _open(engine, "#ETH/USDT LONG\nEntry: 3000\nTargets: 3060 3120\nStop: 2900",
          tp_distribution="even")
    engine.tick(SYM, "3060")
    (p,) = engine.positions("u1")
    assert p.targets[0].hit
    expected = breakeven_price(Side.LONG, p.average_entry, TAKER)  # 3003.001501
    assert expected > p.average_entry
    # on the market's tick (the nearest), as its order rests
    assert p.stop_loss == D("3003.00") and _live_stops(engine) == [D("3003.00")]
    after_tp1 = p.realised_pnl_usdt
    engine.tick(SYM, "3003")  # back through the stop: the rest closes
    (closed,) = engine.runtime.positions.closed_positions("u1")
    assert closed.close_reason is CloseReason.STOP_LOSS
    # the rest's entry fee and exit fee are covered: the stop-out added no loss
    assert closed.realised_pnl_usdt >= after_tp1 - D("0.0001"), (closed.realised_pnl_usdt,
                                                                 after_tp1)


def test_the_channels_move_to_entry_covers_fees_for_a_short(engine: Engine) -> None:
    _open(engine, "#ETH/USDT SHORT\nEntry: 3000\nTargets: 2940 2880\nStop: 3100")
    engine.tick(SYM, "2950")
    decision = _follow(engine, "ETH move SL to entry")
    assert (decision.outcome, decision.code) == ("executed", "update_applied")
    assert decision.reason.endswith("stop moved to 2997.0015.")  # as the user reads it
    (p,) = engine.positions("u1")
    assert p.stop_loss == D("2997.00") and _live_stops(engine) == [D("2997.0")]


def test_a_market_between_the_entry_and_the_fee_breakeven_gets_the_entry(
        engine: Engine) -> None:
    """The fee-covering stop would be past the market and close the position at once; the
    channel asked for the entry, and the entry is still on the safe side: it goes there."""
    _open(engine, "#ETH/USDT LONG\nEntry: 3000\nTargets: 3060 3120\nStop: 2900")
    engine.tick(SYM, "3002")
    decision = _follow(engine, "ETH move SL to entry")
    assert (decision.outcome, decision.code) == ("executed", "update_applied")
    assert decision.reason.endswith("stop moved to 3000.")
    assert _live_stops(engine) == [D(3000)]


def test_off_by_default_the_stop_goes_to_the_entry(engine: Engine) -> None:
    engine.price(SYM, "3000")
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "300"})
    engine.trading.submit_text("#ETH/USDT LONG\nEntry: 3000\nTargets: 3060 3120\nStop: 2900",
                               SignalSource(kind="api"))
    engine.tick(SYM, "3060")
    (p,) = engine.positions("u1")
    assert p.targets[0].hit and p.stop_loss == p.average_entry


def test_a_breakeven_after_a_maker_dca_fill_covers_the_takers_exit(engine: Engine) -> None:
    """The entry's blended rate (a market entry at taker, a resting DCA buy at maker) was
    taken for the stop's exit too, which pays taker: a stop-out there lost the difference."""
    from verzek.engine.protection import entry_fee_rate

    engine.price(SYM, "3000")
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "300"},
                    dca={"enabled": True, "max_safety_orders": 1, "safety_order_usdt": "300",
                         "deviation_pct": "2", "execution": "limit"},
                    strategy={"breakeven_covers_fees": True, "tp_distribution": "even"})
    engine.trading.submit_text("#ETH/USDT LONG\nEntry: 3000\nTargets: 3100 3200\nStop: 2800",
                               SignalSource(kind="api"))
    engine.tick(SYM, "2939")  # the DCA buy (2940) fills as a maker
    engine.tick(SYM, "3100")  # target 1: the stop goes to breakeven
    (p,) = engine.positions("u1")
    assert p.targets[0].hit and p.dca_levels_filled == 1
    blended = entry_fee_rate(p)
    assert D(0) < blended < TAKER
    expected = breakeven_price(Side.LONG, p.average_entry, blended, TAKER)
    assert expected > breakeven_price(Side.LONG, p.average_entry, blended)
    assert abs(p.stop_loss - expected) <= D("0.005")  # on the market's 0.01 tick
    assert p.stop_loss > breakeven_price(Side.LONG, p.average_entry, blended)
