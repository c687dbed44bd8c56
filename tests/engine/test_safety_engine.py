"""The engine acting on safety: daily loss pause, circuit breaker, strays flagged, pauses."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from tests.engine.conftest import Engine
from verzek.domain.models import OrderSide, OrderType, SignalSource
from verzek.engine.notifier import EventKind
from verzek.exchanges.base import OrderRequest

SYM = "ETH/USDT:USDT"


def _signal(n: int) -> str:
    return f"#ETH/USDT LONG\nEntry: 100\nTarget: 150\nStop: {90 - n}\nLeverage 2x"


def test_daily_loss_limit_pauses_the_user_until_the_next_utc_day(engine: Engine) -> None:
    engine.add_user("u1", general={"auto_trade": True},
                    risk={"position_size_usdt": "1000", "max_daily_loss_pct": "1"})
    engine.price(SYM, "100")
    engine.trading.submit_text(_signal(0), SignalSource(kind="api"))
    engine.tick(SYM, "85")  # the stop at 90 fills at 85 (a gap): about -150 USDT on 10,000
    assert engine.positions("u1") == []
    engine.price(SYM, "100")
    result = engine.trading.submit_text(_signal(1), SignalSource(kind="api"))
    (decision,) = result.decisions
    assert decision.outcome == "skipped" and decision.code == "max_daily_loss"
    status = engine.trading.safety.status("u1")
    assert status["pause"]["active"] and status["pause"]["until"].startswith("2026-01-02")
    # the next UTC day the user trades again
    engine.clock.advance(86400)
    result = engine.trading.submit_text(_signal(2), SignalSource(kind="api"))
    assert [d.outcome for d in result.decisions] == ["executed"]


def test_consecutive_losses_trip_the_users_breaker_only(engine: Engine) -> None:
    engine.trading.set_breaker_thresholds({"max_consecutive_losses": 2, "loss_pct": "90"})
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "100"})
    engine.add_user("u2", general={"auto_trade": True}, risk={"position_size_usdt": "100"},
                    strategy={"stop_loss_mode": "none"})
    for n in range(2):
        engine.price(SYM, "100")
        engine.trading.submit_text(_signal(n), SignalSource(kind="api"))
        engine.tick(SYM, "80")
        engine.clock.advance(60)
    assert engine.events.of_kind(EventKind.BREAKER_TRIPPED)
    engine.price(SYM, "100")
    result = engine.trading.submit_text(_signal(5), SignalSource(kind="api"))
    by_user = {d.user_id: d for d in result.decisions}
    assert by_user["u1"].outcome == "skipped"
    assert by_user["u2"].outcome == "executed"  # one user's losses never pause another
    engine.trading.reset_breaker("u1")
    result = engine.trading.submit_text(_signal(6), SignalSource(kind="api"))
    assert {d.user_id: d.outcome for d in result.decisions}["u1"] == "executed"


def test_platform_pause_blocks_new_positions_until_it_ends(engine: Engine) -> None:
    engine.add_user("u1", general={"auto_trade": True})
    engine.price(SYM, "100")
    until = engine.clock.now() + timedelta(minutes=10)
    engine.trading.set_pause(paused=True, until=until, reason="maintenance")
    result = engine.trading.submit_text(_signal(0), SignalSource(kind="api"))
    assert [d.outcome for d in result.decisions] == ["skipped"]
    pause = engine.trading.safety_status()["platform_pause"]
    assert (pause["active"], pause["in_force"]) == (True, True)
    engine.clock.advance(601)
    result = engine.trading.submit_text(_signal(1), SignalSource(kind="api"))
    assert [d.outcome for d in result.decisions] == ["executed"]
    # set, but past its `until`: the status says it no longer holds anything back
    status = engine.trading.safety_status()
    assert (status["platform_pause"]["active"], status["platform_pause"]["in_force"]) == \
        (True, False)
    assert status["platform_new_positions_allowed"] is True


def test_orders_with_our_prefix_that_nobody_journaled_are_flagged(engine: Engine) -> None:
    engine.add_user("u1", general={"auto_trade": True})
    engine.price(SYM, "100")
    engine.trading.submit_text(_signal(0), SignalSource(kind="api"))
    paper = engine.paper("u1")
    paper.create_order(OrderRequest(symbol=SYM, side=OrderSide.BUY, type=OrderType.LIMIT,
                                    quantity=Decimal("0.1"), price=Decimal("50"),
                                    client_order_id="vzdeadbeef"))
    counts = engine.trading.reconciler.run_once()
    assert counts["strays"] == 1
    assert engine.trading.reconciler.flagged[-1]["client_order_id"] == "vzdeadbeef"
    assert engine.trading.reconciler.run_once()["strays"] == 0  # flagged once
    status = engine.trading.system_status()
    assert status["flagged_orders"][-1]["client_order_id"] == "vzdeadbeef"


def test_a_position_closed_outside_the_engine_is_settled_not_left_open(engine: Engine) -> None:
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "100"})
    engine.price(SYM, "100")
    engine.trading.submit_text(_signal(0), SignalSource(kind="api"))
    (p,) = engine.positions("u1")
    paper = engine.paper("u1")
    # the user closes it on the exchange's own site (or it was liquidated while we were down)
    paper.create_order(OrderRequest(symbol=SYM, side=OrderSide.SELL, type=OrderType.MARKET,
                                    quantity=p.quantity, reduce_only=True,
                                    client_order_id="manual-close-1"))
    engine.price(SYM, "101")
    counts = engine.trading.reconciler.run_once()
    assert counts["closed_outside"] == 1
    assert engine.positions("u1") == []
    (closed,) = engine.runtime.positions.closed_positions("u1")
    assert closed.close_reason.value == "manual" and closed.quantity == 0
    assert paper.fetch_open_orders() == []  # its stop and targets were cancelled
    assert engine.trading.user_stats("u1")["today"]["trades"] == 1


def test_one_users_crossed_stops_never_trip_the_platform_breaker(engine: Engine) -> None:
    """A stop the price has crossed is refused (Binance -2021): that is one order against the
    market, not an exchange in trouble. Twenty of them leave the platform trading; twenty
    refusals of the shape of one user's orders trip that user's breaker only."""
    from verzek.errors import InvalidOrder, WouldTriggerImmediately
    from verzek.exchanges.faults import FaultyExchange

    refusal: list[Exception] = []

    class Refusing(FaultyExchange):
        def create_order(self, req):  # type: ignore[no-untyped-def]
            if refusal and req.type is OrderType.STOP_MARKET:
                raise refusal[0]
            return super().create_order(req)

    engine.trading.pool.wrap = lambda inner: Refusing(inner, rate=0.0, clock=engine.clock)
    engine.price(SYM, "100")
    engine.add_user("u1", general={"auto_trade": True})
    engine.trading.submit_text(_signal(0), SignalSource(kind="api"))
    (position,) = engine.positions("u1")
    exchange = engine.trading.pool.get(engine.runtime.users.get("u1"), _account(engine))

    from verzek.domain.safety.state import OrderPurpose
    from verzek.engine.executor import OrderSpec

    sent = [0]

    def stop_attempts(n: int) -> None:
        for _ in range(n):
            sent[0] += 1
            result = engine.trading.manager._executor.send(
                exchange, OrderSpec(symbol=SYM, side=OrderSide.SELL,
                                    type=OrderType.STOP_MARKET, quantity=Decimal("0.1"),
                                    stop_price=Decimal("90"), reduce_only=True),
                user_id="u1", account_id=position.account_id, position_id=position.id,
                leg=f"slt{sent[0]}", purpose=OrderPurpose.REDUCE)
            assert result.status == "rejected"

    refusal.append(WouldTriggerImmediately("stop 90 would trigger immediately at 89"))
    stop_attempts(20)
    assert engine.trading.safety.check_new_position("u2").allowed
    refusal[0] = InvalidOrder("binance: InvalidOrder (code -1111)")
    stop_attempts(20)
    assert engine.trading.safety.check_new_position("u2").allowed  # u1's refusals are u1's
    decision = engine.trading.safety.check_new_position("u1")
    assert not decision.allowed and decision.code == "breaker_order_refusals"
    assert position.id


def _account(engine: Engine):  # type: ignore[no-untyped-def]
    from verzek.domain.models import MarketType
    from verzek.engine.pool import demo_account

    return demo_account(engine.runtime.users.get("u1"), MarketType.FUTURES, engine.clock.now())


def test_a_stop_the_price_has_crossed_closes_at_market_at_once(engine: Engine) -> None:
    """When the stop to (re)place is refused because the price is through it already, the
    stop is hit: the position closes at market in the same step."""
    engine.price(SYM, "100")
    engine.add_user("u1", general={"auto_trade": True})
    engine.trading.submit_text(_signal(0), SignalSource(kind="api"))  # stop at 90
    (position,) = engine.positions("u1")
    exchange = engine.trading.pool.get(engine.runtime.users.get("u1"), _account(engine))
    manager = engine.trading.manager
    with manager.locks.hold("u1"):
        bare = manager.cancel_all(exchange, position, "sl")  # the stop lost, say
        engine.price(SYM, "85")  # and the market fell through 90 meanwhile
        closed = manager.arm(exchange, bare)
    assert closed.status.value == "closed" and closed.close_reason.value == "stop_loss"
    assert engine.positions("u1") == []
    refused = [o for o in closed.orders if o.leg.startswith("slr") and
               o.status.value == "rejected"]
    assert len(refused) == 1  # tried once, not on every pass


def test_the_daily_loss_pause_is_the_limits_not_the_users(engine: Engine) -> None:
    """It was filed as the user's own pause: their "resume" answered "trading allowed" while
    every call was still skipped for the limit; and it cut a user's own longer pause short."""
    from verzek.errors import Forbidden

    engine.add_user("u1", general={"auto_trade": True},
                    risk={"position_size_usdt": "1000", "max_daily_loss_pct": "1"})
    engine.price(SYM, "100")
    engine.trading.submit_text(_signal(0), SignalSource(kind="api"))
    engine.tick(SYM, "85")
    engine.price(SYM, "100")
    (decision,) = engine.trading.submit_text(_signal(1), SignalSource(kind="api")).decisions
    assert decision.code == "max_daily_loss"
    pause = engine.trading.safety.status("u1")["pause"]
    assert pause["set_by"] == "limit" and pause["until"].startswith("2026-01-02")
    with pytest.raises(Forbidden) as refused:
        engine.trading.set_pause(paused=False, until=None, reason="", user_id="u1")
    assert refused.value.code == "daily_loss_limit"
    assert engine.trading.safety.status("u1")["new_positions_allowed"] is False
    # nor in two calls: a shorter pause of their own, then a resume
    engine.trading.set_pause(paused=True, until=engine.clock.now() + timedelta(minutes=1),
                             reason="short", user_id="u1")
    assert engine.trading.safety.status("u1")["pause"]["set_by"] == "limit"
    with pytest.raises(Forbidden):
        engine.trading.set_pause(paused=False, until=None, reason="", user_id="u1")
    # a user's own longer pause is not cut to the next UTC day by the limit
    later = engine.clock.now() + timedelta(days=30)
    engine.clock.advance(86400)
    engine.trading.set_pause(paused=True, until=later, reason="holiday", user_id="u1")
    engine.trading.safety.set_pause(paused=True, until=engine.clock.now() + timedelta(hours=5),
                                    reason="limit", user_id="u1", set_by="limit")
    kept = engine.trading.safety.status("u1")["pause"]
    assert kept["set_by"] == "user" and kept["reason"] == "holiday"


def test_a_users_own_pause_holds_again_when_the_operators_ends(engine: Engine) -> None:
    """An operator's pause over the user's own dropped the user's: once the operator lifted
    theirs (or it ran out), the user traded though they had asked for a pause."""
    from verzek.errors import Forbidden

    engine.add_user("u1", general={"auto_trade": True})
    now = engine.clock.now()
    safety = engine.trading.safety
    # the user's own pause, then an operator's over it, lifted by the operator
    safety.set_pause(paused=True, until=now + timedelta(days=7), reason="holiday",
                     user_id="u1")
    safety.set_pause(paused=True, until=None, reason="review", user_id="u1", set_by="admin")
    assert safety.status("u1")["pause"]["reason"] == "review"
    safety.set_pause(paused=False, until=None, reason="done", user_id="u1", set_by="admin")
    status = safety.status("u1")
    assert (status["pause"]["reason"], status["pause"]["set_by"]) == ("holiday", "user")
    assert status["new_positions_allowed"] is False
    engine.price(SYM, "100")
    (decision,) = engine.trading.submit_text(_signal(0), SignalSource(kind="api")).decisions
    assert decision.code == "paused_user" and "holiday" in decision.reason
    # the user's own pause is theirs to end
    safety.set_pause(paused=False, until=None, reason="", user_id="u1")
    assert safety.status("u1")["new_positions_allowed"] is True

    # asked under an operator's pause that then runs out: the user's holds from then on
    safety.set_pause(paused=True, until=now + timedelta(hours=1), reason="check",
                     user_id="u1", set_by="admin")
    safety.set_pause(paused=True, until=None, reason="not today", user_id="u1")
    assert safety.status("u1")["pause"]["reason"] == "check"  # the operator's stays on top
    with pytest.raises(Forbidden):
        safety.set_pause(paused=False, until=None, reason="", user_id="u1")
    engine.clock.advance(2 * 3600)
    status = safety.status("u1")
    assert (status["pause"]["reason"], status["pause"]["in_force"]) == ("not today", True)
    assert status["new_positions_allowed"] is False
    safety.set_pause(paused=False, until=None, reason="", user_id="u1")
    assert safety.status("u1")["new_positions_allowed"] is True

    # an operator's pause over none leaves none when lifted
    safety.set_pause(paused=True, until=None, reason="x", user_id="u1", set_by="admin")
    safety.set_pause(paused=False, until=None, reason="", user_id="u1", set_by="admin")
    assert safety.status("u1")["pause"] is None
