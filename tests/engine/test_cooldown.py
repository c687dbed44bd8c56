"""The cooldown after a close (`cooldown_after_close_s`): a new call on a coin the user closed
less than that long ago is skipped. The setting did nothing: the engine never told the risk
check when the user last closed the coin."""

from __future__ import annotations

from typing import Any

from tests.engine.conftest import Engine
from verzek.domain.models import SignalSource

SYM = "ETH/USDT:USDT"


def _call(engine: Engine, entry: str) -> Any:
    (decision,) = engine.trading.submit_text(
        f"#ETH/USDT LONG\nEntry: {entry}\nTarget: 3200\nStop: 2950",
        SignalSource(kind="api")).decisions
    return decision


def test_a_call_on_a_coin_closed_within_the_cooldown_is_skipped(engine: Engine) -> None:
    engine.price(SYM, "3000")
    engine.add_user("u1", general={"auto_trade": True},
                    risk={"position_size_usdt": "100", "cooldown_after_close_s": 3600})
    assert _call(engine, "3000").outcome == "executed"
    (position,) = engine.positions("u1")
    engine.trading.close_position("u1", position.id)
    engine.clock.advance(60)
    decision = _call(engine, "3001")
    assert (decision.outcome, decision.code) == ("skipped", "symbol_cooldown")
    assert "closed 60 s ago; the cooldown is 3600 s" in decision.reason
    engine.clock.advance(3600)
    assert _call(engine, "3002").outcome == "executed"


def test_no_cooldown_without_the_setting(engine: Engine) -> None:
    engine.price(SYM, "3000")
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "100"})
    assert _call(engine, "3000").outcome == "executed"
    (position,) = engine.positions("u1")
    engine.trading.close_position("u1", position.id)
    assert _call(engine, "3001").outcome == "executed"
