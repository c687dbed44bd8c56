"""A closed trade's result reaches the user's breaker even when the balance can't be read."""

from __future__ import annotations

from tests.engine.conftest import Engine
from verzek.domain.models import CloseReason, SignalSource
from verzek.errors import TransientExchangeError


def test_a_loss_counts_when_the_balance_after_the_close_is_unreadable(engine: Engine) -> None:
    engine.price("ETH/USDT", "100")
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "100"})
    result = engine.trading.submit_text("#ETH/USDT BUY spot\nEntry: 100\nTarget: 110\nStop: 95",
                                        SignalSource(kind="api"))
    assert [d.outcome for d in result.decisions] == ["executed"]
    paper = engine.paper("u1", "spot")

    def unreadable() -> object:
        raise TransientExchangeError("balance endpoint down", code="network")

    paper.fetch_balance = unreadable
    engine.tick("ETH/USDT", "94")
    (closed,) = engine.runtime.positions.closed_positions("u1")
    assert closed.close_reason is CloseReason.STOP_LOSS and closed.realised_pnl_usdt < 0
    breaker = engine.trading.safety.status()["user_breakers"]["u1"]
    assert breaker["consecutive_losses"] == 1
    assert [r["pnl_usdt"] for r in breaker["results"]] == [str(closed.realised_pnl_usdt)]
