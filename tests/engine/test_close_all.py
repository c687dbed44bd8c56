"""A channel's "Close all positions now" closes every open position from that channel's calls
(one side of them for "close all longs"), not only its latest call, and never another
channel's. Before, it closed the latest call's positions and left the others open."""

from __future__ import annotations

from decimal import Decimal
from itertools import count
from typing import Any

from tests.engine.conftest import Engine
from verzek.domain.models import CloseReason, Side, SignalSource
from verzek.signals import parse

_ids = count(1)
CHANNEL, OTHER = -1001, -1002


def _say(engine: Engine, text: str, chat: int) -> Any:
    return engine.trading.submit_text(text, SignalSource(kind="telegram", chat_id=chat,
                                                         message_id=next(_ids)))


def _open_three(engine: Engine) -> None:
    for sym in ("ETH/USDT:USDT", "SOL/USDT:USDT", "BNB/USDT:USDT"):
        engine.price(sym, "100")
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "100"})
    engine.add_user("u2", general={"auto_trade": True}, risk={"position_size_usdt": "100"})
    for text, chat in (("#ETH/USDT LONG\nEntry: 100\nTarget: 110\nStop: 95", CHANNEL),
                       ("#SOL/USDT SHORT\nEntry: 100\nTarget: 90\nStop: 105", CHANNEL),
                       ("#BNB/USDT LONG\nEntry: 100\nTarget: 110\nStop: 95", OTHER)):
        result = _say(engine, text, chat)
        assert [d.outcome for d in result.decisions] == ["executed", "executed"], result


def _open_symbols(engine: Engine, user: str) -> set[str]:
    return {p.symbol for p in engine.positions(user)}


def test_close_all_closes_every_position_of_the_channels_calls(engine: Engine) -> None:
    _open_three(engine)
    result = _say(engine, "Close all positions now ⚠️", CHANNEL)
    assert result.kind == "update"
    assert {d.outcome for d in result.decisions} == {"executed"}
    for user in ("u1", "u2"):
        assert _open_symbols(engine, user) == {"BNB/USDT:USDT"}  # the other channel's stays
        closed = engine.runtime.positions.closed_positions(user)
        assert {p.symbol for p in closed} == {"ETH/USDT:USDT", "SOL/USDT:USDT"}
        assert all(p.close_reason is CloseReason.CHANNEL and p.quantity == Decimal(0)
                   for p in closed)


def test_close_all_longs_closes_the_longs_only(engine: Engine) -> None:
    _open_three(engine)
    assert parse("Close all longs").all_side is Side.LONG  # type: ignore[union-attr]
    _say(engine, "Close all longs", CHANNEL)
    for user in ("u1", "u2"):
        assert _open_symbols(engine, user) == {"SOL/USDT:USDT", "BNB/USDT:USDT"}


def test_close_all_with_nothing_open_from_the_channel_says_so(engine: Engine) -> None:
    _open_three(engine)
    result = _say(engine, "Close all trades", -1003)
    (decision,) = result.decisions
    assert (decision.outcome, decision.code) == ("skipped", "no_open_position")
    assert _open_symbols(engine, "u1") == {"ETH/USDT:USDT", "SOL/USDT:USDT", "BNB/USDT:USDT"}


def test_close_all_from_an_admins_chat_with_the_bot_closes_what_that_chat_posted(
        engine: Engine) -> None:
    engine.price("ETH/USDT:USDT", "100")
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "100"})
    admin_chat = 424242
    engine.trading.submit_text("#ETH/USDT LONG\nEntry: 100\nTarget: 110\nStop: 95",
                               SignalSource(kind="bot", chat_id=admin_chat, message_id=1))
    assert _open_symbols(engine, "u1") == {"ETH/USDT:USDT"}
    engine.trading.submit_text("Close all positions",
                               SignalSource(kind="bot", chat_id=admin_chat, message_id=2))
    assert _open_symbols(engine, "u1") == set()
