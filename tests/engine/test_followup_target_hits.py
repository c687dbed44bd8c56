"""Targets hit: the channel's "target N hit" sells its share at market only when that is a
profit for the user, and what is left is spread over the targets not hit yet, all of it
covered; a target the price reached is marked hit even when its share was too small for an
order of its own, and the last target's fill, which closes the position, is marked too."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.engine.conftest import Engine
from verzek.domain.models import CloseReason, PositionStatus, SignalSource
from verzek.engine.notifier import EventKind

D = Decimal
SYM = "ETH/USDT:USDT"
CALL = "#ETH/USDT LONG\nEntry: 3000\nTargets: 3060 3120 3180\nStop: 2900"


def _open(engine: Engine, text: str = CALL, symbol: str = SYM, price: str = "3000",
          size: str = "100", **strategy: object) -> Any:
    engine.price(symbol, price)
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": size},
                    strategy=strategy)
    (decision,) = engine.trading.submit_text(text, SignalSource(kind="api")).decisions
    assert decision.outcome == "executed", decision
    (p,) = engine.positions("u1")
    return p


def _follow(engine: Engine, text: str) -> Any:
    (decision,) = engine.trading.submit_text(text, SignalSource(kind="api")).decisions
    return decision


def _resting(p: Any, prefix: str) -> list[tuple[str, Decimal, Decimal | None]]:
    return sorted((o.leg, o.quantity, o.price if o.price is not None else o.stop_price)
                  for o in p.orders if o.leg.startswith(prefix) and o.status.value == "open")


# --- the channel's "target N hit" -------------------------------------------------------------

def test_a_target_hit_below_the_entry_sells_nothing_and_says_why(engine: Engine) -> None:
    _open(engine)
    engine.tick(SYM, "2996")
    decision = _follow(engine, "ETH TP1 hit")
    assert (decision.outcome, decision.code) == ("skipped", "target_not_in_profit")
    assert decision.reason == (
        "The channel reports target 1 hit, but the market price here, 2996, is below your "
        "average entry 3000: selling now would be at a loss. Your take-profit orders stay "
        "(target 1 at 3060).")
    (p,) = engine.positions("u1")
    assert p.quantity == D("0.033") and p.stop_loss == D(2900)
    assert not any(t.hit for t in p.targets)
    assert not any(o.leg.startswith("chantp") for o in p.orders)
    assert _resting(p, "tp") == [("tp1r0", D("0.011"), D(3060)), ("tp2r0", D("0.011"), D(3120)),
                                 ("tp3r0", D("0.011"), D(3180))]
    assert _resting(p, "sl") == [("slr0", D("0.033"), D(2900))]
    engine.tick(SYM, "2993.86")
    assert engine.positions("u1")[0].quantity == D("0.033")
    assert engine.runtime.positions.closed_positions("u1") == []


def test_a_target_hit_of_a_short_above_its_entry_sells_nothing(engine: Engine) -> None:
    _open(engine, "#ETH/USDT SHORT\nEntry: 3000\nTargets: 2940 2880\nStop: 3100")
    engine.tick(SYM, "3004")
    decision = _follow(engine, "ETH target 1 done")
    assert decision.code == "target_not_in_profit" and "is above your" in decision.reason
    assert "buying back now would be at a loss" in decision.reason  # a short buys back
    assert engine.positions("u1")[0].quantity == D("0.033")


def test_a_target_hit_in_profit_short_of_the_target_is_taken(engine: Engine) -> None:
    """The channel may quote another exchange: in profit here, the share is taken even though
    this market has not reached the target's price."""
    _open(engine)
    engine.tick(SYM, "3010")
    decision = _follow(engine, "ETH TP1 hit")
    assert (decision.outcome, decision.code) == ("executed", "update_applied")
    assert decision.reason.endswith("target 1 taken at market; stop moved to 3000.")
    (p,) = engine.positions("u1")
    assert p.quantity == D("0.022") and p.realised_pnl_usdt > 0
    assert p.stop_loss == D(3000) and _resting(p, "sl") == [("slr1", D("0.022"), D(3000))]
    engine.tick(SYM, "3005")
    assert engine.positions("u1")[0].quantity == D("0.022")


def test_what_is_left_after_a_target_hit_is_all_covered_by_the_targets_not_hit(
        engine: Engine) -> None:
    _open(engine)
    engine.tick(SYM, "3045")
    decision = _follow(engine, "ETH TP1 hit")
    assert decision.outcome == "executed"
    (p,) = engine.positions("u1")
    assert p.quantity == D("0.022")
    assert [(t.quantity, t.hit) for t in p.targets] == [
        (D("0.011"), True), (D("0.011"), False), (D("0.011"), False)]
    tps = _resting(p, "tp")
    assert tps == [("tp2r0", D("0.011"), D(3120)), ("tp3r0", D("0.011"), D(3180))]
    assert sum(q for _, q, _ in tps) == p.quantity
    hits = engine.events.of_kind(EventKind.TARGET_HIT)
    assert [e.data["target"] for e in hits] == [1]
    # nothing placed for the target already hit, then cancelled
    assert not any(o.leg.startswith("tp1r0x") for o in p.orders)


def test_target_hit_on_the_last_open_target_closes_and_marks_it(engine: Engine) -> None:
    _open(engine, "#ETH/USDT LONG\nEntry: 3000\nTarget: 3060\nStop: 2900")
    engine.tick(SYM, "3030")
    decision = _follow(engine, "ETH TP1 hit")
    assert decision.outcome == "executed"
    assert engine.positions("u1") == []
    (closed,) = engine.runtime.positions.closed_positions("u1")
    assert closed.close_reason is CloseReason.CHANNEL
    assert [t.hit for t in closed.targets] == [True]


# --- targets marked hit -----------------------------------------------------------------------

def test_filling_the_last_target_marks_it_hit(engine: Engine) -> None:
    _open(engine, "#ETH/USDT LONG\nEntry: 3000\nTargets: 3060 3120\nStop: 2900")
    engine.tick(SYM, "3061")
    engine.tick(SYM, "3121")
    assert engine.positions("u1") == []
    (closed,) = engine.runtime.positions.closed_positions("u1")
    assert closed.close_reason is CloseReason.TAKE_PROFIT
    assert [t.hit for t in closed.targets] == [True, True]
    assert [e.data["target"] for e in engine.events.of_kind(EventKind.TARGET_HIT)] == [1, 2]


def test_a_one_step_short_sells_at_its_first_target(engine: Engine) -> None:
    """0.001 BTC over two targets: the one step goes to the nearest target, not the farthest,
    so reaching target 1 is a fill (it closed nothing and moved nothing before)."""
    btc = "BTC/USDT:USDT"
    p = _open(engine, "#BTC/USDT SHORT\nEntry: 95000\nTargets: 94000 93000\nStop: 96000",
              symbol=btc, price="95000", size="95")
    assert p.quantity == D("0.001")
    assert [t.quantity for t in p.targets] == [D("0.001"), D(0)]
    engine.tick(btc, "93600")
    assert engine.positions("u1") == []
    (closed,) = engine.runtime.positions.closed_positions("u1")
    assert closed.close_reason is CloseReason.TAKE_PROFIT and closed.targets[0].hit


def test_a_target_without_an_order_of_its_own_is_marked_when_the_price_reaches_it(
        engine: Engine) -> None:
    """Target 1's 5 % of 0.01 ETH (30 USDT) is worth less than the 5 USDT an order needs: it is
    carried to target 2, so no fill tells that the price reached it. The order-sync pass reads
    the price, marks it hit and moves the stop to breakeven."""
    p = _open(engine, "#ETH/USDT LONG\nEntry: 3000\nTargets: 3060 3120\nStop: 2900", size="30",
              tp_distribution="explicit", tp_distribution_pcts=["5", "95"])
    assert p.quantity == D("0.01")
    assert [t.quantity for t in p.targets] == [D("0.001"), D("0.009")]
    assert _resting(p, "tp") == [("tp2r0", D("0.010"), D(3120))]
    engine.tick(SYM, "3050")
    engine.trading.sync_orders()
    assert not engine.positions("u1")[0].targets[0].hit
    engine.tick(SYM, "3070")
    engine.trading.sync_orders()
    (p,) = engine.positions("u1")
    assert p.targets[0].hit and not p.targets[1].hit
    assert p.stop_loss == D(3000) and _resting(p, "sl") == [("slr1", D("0.01"), D(3000))]
    assert _resting(p, "tp") == [("tp2r0", D("0.010"), D(3120))]
    (hit,) = engine.events.of_kind(EventKind.TARGET_HIT)
    assert hit.data["target"] == 1 and "too small for an order of its own" in hit.message
    engine.tick(SYM, "3121")
    (closed,) = engine.runtime.positions.closed_positions("u1")
    assert [t.hit for t in closed.targets] == [True, True]


def test_a_later_target_fill_marks_the_order_less_targets_it_passed(engine: Engine) -> None:
    _open(engine, "#ETH/USDT LONG\nEntry: 3000\nTargets: 3060 3120 3180\nStop: 2900",
          size="30", tp_distribution="explicit", tp_distribution_pcts=["5", "45", "50"])
    engine.tick(SYM, "3125")  # straight past targets 1 and 2 in one pass: target 2 fills
    (p,) = engine.positions("u1")
    assert [t.hit for t in p.targets] == [True, True, False]
    assert p.status is PositionStatus.PARTIALLY_CLOSED and p.stop_loss == D(3000)


def test_a_target_filled_below_the_entry_leaves_the_stop_where_it_is(
        slipping: Engine) -> None:
    """The entry slips to 3015, past the call's target 1 (3010): target 1's share sells at
    3010, where breakeven (3015) would be a stop above the market, closing the rest at a loss
    at once; the stop stays at 2900 and the rest keeps its target."""
    p = _open(slipping, "#ETH/USDT LONG\nEntry: 3000\nTargets: 3010 3120\nStop: 2900")
    assert p.average_entry == D(3015) and p.quantity == D("0.033")
    slipping.tick(SYM, "3011")
    (p,) = slipping.positions("u1")
    assert p.targets[0].hit and p.quantity == D("0.016") and p.stop_loss == D(2900)
    assert [(q, s) for _, q, s in _resting(p, "sl")] == [(D("0.016"), D(2900))]
    assert _resting(p, "tp") == [("tp2r0", D("0.016"), D(3120))]
    slipping.tick(SYM, "3005")
    assert slipping.positions("u1")[0].quantity == D("0.016")
