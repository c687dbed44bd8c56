"""The channel's "Target 1 hit" takes a share only from users who follow the channel's targets
(audit 6, item 7): a percent take profit is the user's own single target; read as the
channel's last one, the update closed the whole position at market."""

from __future__ import annotations

from decimal import Decimal

from tests.engine.conftest import Engine
from verzek.domain.models import SignalSource

SYM = "ETH/USDT:USDT"


def test_target_hit_leaves_a_percent_take_profit_alone(engine: Engine) -> None:
    engine.price(SYM, "100")
    for user_id, mode in (("pct", "percent"), ("chan", "signal_targets")):
        engine.add_user(user_id, general={"auto_trade": True},
                        risk={"position_size_usdt": "100", "price_collar_pct": "50"},
                        strategy={"take_profit_mode": mode, "take_profit_pct": "5"})
    call = SignalSource(kind="telegram", chat_id=-1, message_id=1)
    opened = engine.trading.submit_text(
        "#ETH/USDT LONG\nEntry: 100\nTargets: 102, 104, 106\nStop: 91", call)
    assert [d.outcome for d in opened.decisions] == ["executed", "executed"]

    engine.price(SYM, "102")
    update = engine.trading.submit_text(
        "Target 1 ✅", SignalSource(kind="telegram", chat_id=-1, message_id=2, reply_to_id=1))
    by_user = {d.user_id: d for d in update.decisions}
    assert by_user["pct"].outcome == "skipped" and by_user["pct"].code == "own_take_profit"
    (kept,) = engine.positions("pct")
    assert kept.quantity == Decimal("1")
    assert [(o.leg, o.price) for o in kept.orders
            if o.leg.startswith("tp") and o.status.value == "open"] == [("tp1r0", Decimal(105))]
    assert engine.runtime.positions.closed_positions("pct") == []

    # a user who follows the channel's targets takes target 1's share, and keeps the rest
    assert by_user["chan"].outcome == "executed"
    (rest,) = engine.positions("chan")
    assert rest.targets[0].hit and Decimal(0) < rest.quantity < Decimal(1)
