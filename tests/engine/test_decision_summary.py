"""An executed decision says what was sent and what the user's DCA settings lost on the way:
the plan's cap on levels, an investment cap that leaves levels out."""

from __future__ import annotations

from decimal import Decimal

from tests.engine.conftest import Engine
from verzek.domain.models import PlanName, SignalSource
from verzek.engine.notifier import EventKind

SYM = "ETH/USDT:USDT"
CALL = "#ETH/USDT LONG\nEntry: 100\nTargets: 104 - 108\nStop: 91\nLeverage 10x"


def _decide(engine: Engine, plan: PlanName = PlanName.VIP, price: str = "100",
            **settings: object) -> object:
    engine.price(SYM, price)
    engine.add_user("u1", plan, general={"auto_trade": True},
                    risk={"position_size_usdt": "100"}, **settings)
    (decision,) = engine.trading.submit_text(CALL, SignalSource(kind="api")).decisions
    return decision


def test_a_market_entry_says_what_filled_at_which_leverage(engine: Engine) -> None:
    decision = _decide(engine)
    assert decision.code == "executed"  # type: ignore[attr-defined]
    assert decision.reason == f"Entry placed: buy 1 {SYM} filled at 100, 10x."  # type: ignore


def test_an_investment_cap_that_leaves_levels_out_is_said(engine: Engine) -> None:
    decision = _decide(engine, dca={"enabled": True, "safety_order_usdt": "50",
                                    "max_safety_orders": 3, "max_investment_usdt": "200"})
    reason = decision.reason  # type: ignore[attr-defined]
    assert "2 DCA levels planned." in reason
    assert "DCA level 3 left out: level 3 would raise the position to 249.841 USDT, above " \
           "the per-position cap of 200 USDT; it and every later level are dropped." in reason
    (p,) = engine.positions("u1")
    assert len(p.extra["dca_levels"]) == 2 and p.extra["plan_notes"]


def test_the_plans_cap_on_levels_is_said(engine: Engine) -> None:
    decision = _decide(engine, PlanName.PRO, dca={"enabled": True, "max_safety_orders": 5})
    reason = decision.reason  # type: ignore[attr-defined]
    assert "3 DCA levels planned." in reason
    assert "DCA limited to 3 of the 5 levels set: the pro plan allows 3." in reason


def test_a_resting_limit_entry_says_it_waits_to_fill(engine: Engine) -> None:
    decision = _decide(engine, price="101", strategy={"entry_type": "limit"})
    assert decision.reason == (  # type: ignore[attr-defined]
        f"Entry placed: buy 1 {SYM} limit at 100 (open, waiting to fill), 10x.")


def test_an_entry_that_rests_is_told_when_placed_one_that_fills_only_as_opened(
        engine: Engine) -> None:
    _decide(engine, price="101", strategy={"entry_type": "limit"})
    (placed,) = engine.events.of_kind(EventKind.ENTRY_PLACED)
    assert placed.user_id == "u1" and placed.data["symbol"] == SYM
    assert "limit at 100 (open, waiting to fill)" in placed.message
    assert engine.events.of_kind(EventKind.POSITION_OPENED) == []


def test_an_entry_that_fills_at_once_is_told_only_as_opened(engine: Engine) -> None:
    _decide(engine)
    assert engine.events.of_kind(EventKind.ENTRY_PLACED) == []
    assert len(engine.events.of_kind(EventKind.POSITION_OPENED)) == 1


def test_a_breakout_entry_is_told_while_it_waits(engine: Engine) -> None:
    engine.price(SYM, "100")
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "100"})
    engine.trading.submit_text("#ETH/USDT LONG above 105\nTarget: 110\nStop: 100",
                               SignalSource(kind="api"))
    (placed,) = engine.events.of_kind(EventKind.ENTRY_PLACED)
    assert placed.message == f"The {SYM} long entry waits for the price to cross above 105."


def test_a_size_above_the_position_cap_trades_at_the_cap_and_says_so(engine: Engine) -> None:
    engine.price(SYM, "100")
    engine.add_user("u1", general={"auto_trade": True},
                    risk={"position_size_mode": "percent", "position_size_pct": "2",
                          "max_position_usdt": "40"})
    (decision,) = engine.trading.submit_text(CALL, SignalSource(kind="api")).decisions
    assert decision.outcome == "executed", decision
    assert decision.reason.endswith("Base order sized down to your position cap of 40 USDT "
                                    "(your size setting gives 200 USDT).")
    (p,) = engine.positions("u1")
    assert p.cost_usdt <= Decimal(40) and p.quantity == Decimal("0.4")
