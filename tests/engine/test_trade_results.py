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


def test_positions_the_kill_switch_closes_do_not_count_toward_the_breaker(
        engine: Engine) -> None:
    """An operator's kill switch closing two losing positions tripped the user's breaker
    ("2 losing trades in a row"), which then held after the switch was lifted."""
    engine.price("ETH/USDT", "100")
    engine.price("SOL/USDT", "100")
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "100"})
    for coin in ("ETH", "SOL"):
        result = engine.trading.submit_text(
            f"#{coin}/USDT BUY spot\nEntry: 100\nTarget: 110\nStop: 90", SignalSource(kind="api"))
        assert [d.outcome for d in result.decisions] == ["executed"]
    engine.price("ETH/USDT", "96")
    engine.price("SOL/USDT", "96")
    engine.trading.set_kill_switch(active=True, reason="incident", close_positions=True,
                                   user_id="u1")
    assert engine.trading.wait_enforced(30)
    closed = engine.runtime.positions.closed_positions("u1")
    assert len(closed) == 2 and all(p.close_reason is CloseReason.KILL_SWITCH for p in closed)
    assert all(p.realised_pnl_usdt < 0 for p in closed)
    breaker = engine.trading.safety.status()["user_breakers"].get("u1")
    assert breaker is None or breaker["consecutive_losses"] == 0
    stats = engine.trading.user_stats("u1")  # the day's figures still show the losses
    assert stats["today"]["losses"] == 2
