"""A follow-up naming its coin as a bare word ("sol closed in profit ✅") carries that coin, so it
acts only on that coin's call, never on the channel's latest call on another coin; one naming
no coin acts on the latest call as before (see verzek/signals/followup_coin.py).

The routing checks run the engine's own choice of the call a follow-up is about
(`TradingService._update_target`) over a real signal log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from verzek.domain.models import Signal, SignalRecord, SignalSource
from verzek.engine.signal_log import SignalLog
from verzek.engine.trading import TradingService
from verzek.signals import parse_message
from verzek.signals.followup import AMBIGUOUS_COINS, OTHER_COIN, UNSURE_COIN

CHAT = -100123
NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)

# (text, the coin it names, its action, a coin the channel's latest call may be on instead)
EXAMPLES = [
    pytest.param("sol closed in profit ✅", "SOL/USDT", "close", "ETH/USDT", id="sol_closed"),
    pytest.param("btc tp1 hit 🎯", "BTC/USDT", "target_hit", "SOL/USDT", id="btc_tp1"),
    pytest.param("eth stopped out", "ETH/USDT", "stop_hit", "BTC/USDT", id="eth_stopped"),
    pytest.param("move sl to entry on link", "LINK/USDT", "move_sl", "ETH/USDT",
                 id="move_sl_on_link"),
    pytest.param("link tp1 hit", "LINK/USDT", "target_hit", "BTC/USDT", id="word_coin_first"),
    pytest.param("link long tp2 done ✅", "LINK/USDT", "target_hit", "BTC/USDT",
                 id="word_coin_side_then_cue"),
    pytest.param("link update: tp2 done ✅", "LINK/USDT", "target_hit", "BTC/USDT",
                 id="word_coin_update_header"),
    pytest.param("link 🔗\ntp1 hit ✅", "LINK/USDT", "target_hit", "BTC/USDT",
                 id="word_coin_alone_on_first_line"),
    pytest.param("near closed in profit ✅", "NEAR/USDT", "close", "SOL/USDT",
                 id="near_heading_its_cue"),
    pytest.param("closed dot in profit", "DOT/USDT", "close", "SOL/USDT", id="closed_dot"),
    pytest.param("close link now", "LINK/USDT", "close", "SOL/USDT", id="close_link_now"),
    pytest.param("closed dot at 7.5 ✅", "DOT/USDT", "close", "SOL/USDT", id="closed_dot_at"),
    pytest.param("tp1 done, closing ton now", "TON/USDT", "close", "BTC/USDT",
                 id="closing_ton"),
    pytest.param("sl hit for dot", "DOT/USDT", "stop_hit", "ETH/USDT", id="sl_hit_for_dot"),
    pytest.param("sl moved to entry for op ✅", "OP/USDT", "move_sl", "ETH/USDT",
                 id="sl_moved_for_op"),
    pytest.param("Sol closed in profit", "SOL/USDT", "close", "ETH/USDT",
                 id="phone_capitalised"),
    pytest.param("SOL CLOSED IN PROFIT ✅", "SOL/USDT", "close", "ETH/USDT", id="all_capitals"),
    pytest.param("btc update\ntp1 hit ✅", "BTC/USDT", "target_hit", "SOL/USDT",
                 id="plain_coin_header_line"),
    pytest.param("tp2 hit on eth, congrats 🎉", "ETH/USDT", "target_hit", "SOL/USDT",
                 id="plain_coin_after_cue"),
    pytest.param("stop loss hit on pepe ❌", "PEPE/USDT", "stop_hit", "BTC/USDT",
                 id="plain_coin_meme"),
    # in capitals, the word after a close verb is the coin unless it is chat (chatwords.py)
    pytest.param("CLOSE SOL NOW", "SOL/USDT", "close", "ETH/USDT", id="caps_close_sol_now"),
    pytest.param("ETH CLOSED IN PROFIT", "ETH/USDT", "close", "SOL/USDT", id="caps_eth_closed"),
    pytest.param("#PEPE CLOSED", "PEPE/USDT", "close", "BTC/USDT", id="caps_tag_closed"),
    pytest.param("CLOSED $WIF", "WIF/USDT", "close", "BTC/USDT", id="caps_closed_cashtag"),
    pytest.param("CLOSE 1000PEPE", "1000PEPE/USDT", "close", "BTC/USDT", id="caps_close_1000pepe"),
    pytest.param("CLOSE NEWCOINXYZ NOW", "NEWCOINXYZ/USDT", "close", "BTC/USDT",
                 id="caps_unknown_ticker_no_word"),
    pytest.param("CLOSED NEWCOINXYZ IN PROFIT", "NEWCOINXYZ/USDT", "close", "BTC/USDT",
                 id="caps_closed_unknown_ticker"),
    pytest.param("CLOSE ONE NOW", "ONE/USDT", "close", "BTC/USDT", id="caps_ticker_left_off_list"),
    pytest.param("CLOSE ALL SOL NOW", "SOL/USDT", "close", "ETH/USDT", id="caps_close_all_sol"),
    pytest.param("LONG SOL TP1 HIT ✅", "SOL/USDT", "target_hit", "ETH/USDT",
                 id="caps_side_coin_tp1"),
]

# Follow-ups naming no coin: they act on the channel's latest call, as before. Several hold a
# word that is also a ticker ("near", "one", "time", "link", "ton", "safe", "move"...) in no
# strong place.
NO_COIN = [
    ("tp1 hit ✅", "target_hit"),
    ("tp2 done 🎯", "target_hit"),
    ("all targets hit 🔥", "target_hit"),
    ("sl hit ❌", "stop_hit"),
    ("stopped out", "stop_hit"),
    ("move sl to entry", "move_sl"),
    ("sl moved to breakeven", "move_sl"),
    ("closed in profit ✅", "close"),
    ("close 50% now", "close"),
    ("signal cancelled", "cancel"),
    ("tp1 hit, move sl to entry", "move_sl"),
    ("target 1 reached 🎯 near 65000", "target_hit"),
    ("tp1 hit ✅ near 65000 now", "target_hit"),
    ("tp1 hit on time ✅", "target_hit"),
    ("one more target done: tp3 ✅", "target_hit"),
    ("tp1 hit ✅ one down, two to go", "target_hit"),
    ("tp2 hit ✅ time to relax", "target_hit"),
    ("tp1 hit ✅ safe trades everyone", "target_hit"),
    ("quick update: tp1 hit ✅", "target_hit"),
    ("Quick update: TP1 hit ✅", "target_hit"),
    ("quick long tp1 hit ✅", "target_hit"),
    ("link in bio, tp1 hit ✅", "target_hit"),
    ("tp1 hit ✅ see the link in bio", "target_hit"),
    ("trade closed near entry ✅", "close"),
    ("closed half near entry ✅", "close"),  # half closed near the entry: no fill
    ("position closed near 65000 in profit ✅", "close"),
    ("sl hit near the top", "stop_hit"),
    ("took a ton of profit, tp2 hit ✅", "target_hit"),
    ("red day but tp1 hit ✅", "target_hit"),
    ("sl hit 😔 time to move on", "stop_hit"),
    ("tp2 ✅ act fast next time", "target_hit"),
    ("tp1 hit for everyone ✅", "target_hit"),
    ("tp1 hit for people who entered", "target_hit"),
    ("stop moved near entry", "move_sl"),
    ("position closed manually", "close"),
    ("tp1 hit ✅ alpha is here", "target_hit"),
    ("tp1 hit ✅ btc dominance dropping", "target_hit"),
    ("move sl to be on the link", "move_sl"),
    # in capitals: an English word after the close verb is no coin (chatwords.py)
    ("CLOSED HALF NEAR ENTRY ✅", "close"),  # as "closed half near entry ✅" above
    ("POSITION CLOSED MANUALLY", "close"),
    ("TRADE CLOSED EARLY", "close"),
    ("CLOSE ALL NOW", "close"),
    ("CLOSED IN PROFIT", "close"),
    ("CLOSE HALF", "close"),
    ("CLOSED AT BREAKEVEN", "close"),
    ("CLOSED FOR NOW", "close"),
    ("CLOSE REMAINING", "close"),
    ("CLOSE THE REST", "close"),
    ("CLOSED HALF IN PROFIT", "close"),
    ("TP1 ✅ CLOSE REST NOW", "close"),
    ("Trade closed EARLY", "close"),  # one capitalised word in a mixed-case message
    ("Position CLOSED MANUALLY", "close"),
    ("Closed HALF in profit", "close"),
    # a side word before a target field: a follow-up on the latest call, TP1 is no coin
    ("LONG TP1 HIT 🎯", "target_hit"),
    ("SHORT TP2 DONE", "target_hit"),
    ("SHORT TARGET1 DONE", "target_hit"),
    ("LONG T1 HIT", "target_hit"),
]

# Coins named, but which trade is meant is unsure: applied to no call at all
UNSURE = [
    ("btc and eth closed in profit", AMBIGUOUS_COINS),
    ("eth tp1 hit, btc next", AMBIGUOUS_COINS),
    ("sol tp1 hit ✅ link tp2 hit ✅", AMBIGUOUS_COINS),
    ("tp1 hit ✅\n\nbtc looks weak here", UNSURE_COIN),
    ("stopped out 😔\nwatching eth for a re-entry", UNSURE_COIN),
]


def _call(symbol: str, message_id: int) -> SignalRecord:
    signal = Signal(symbol=symbol, side="long", entries=["1"], targets=["2"], stop_loss="0.5")
    return SignalRecord(id=f"call-{message_id}", received_at=NOW, content_hash=f"h{message_id}",
                        kind="signal", signal=signal,
                        source=SignalSource(kind="telegram", chat_id=CHAT, message_id=message_id))


Route = Callable[[list[str], str], SignalRecord | None]


@pytest.fixture
def route(tmp_path: Path) -> Iterator[Route]:
    """The call (if any) the engine applies `text` to, with calls on `symbols` posted in this
    order in the same chat before it (the last one is the channel's latest call)."""
    logs: list[SignalLog] = []

    def run(symbols: list[str], text: str) -> SignalRecord | None:
        log = SignalLog(tmp_path / f"signals{len(logs)}.jsonl")
        logs.append(log)
        for number, symbol in enumerate(symbols, start=1):
            log.add(_call(symbol, number))
        result = parse_message(text)
        if result.update is None:
            return None  # not an update: nothing is applied
        record = SignalRecord(id="update", received_at=NOW, content_hash="u", kind="update",
                              update=result.update,
                              source=SignalSource(kind="telegram", chat_id=CHAT, message_id=99))
        engine = SimpleNamespace(signals=log)
        target: SignalRecord | None = TradingService._update_target(  # type: ignore[arg-type]
            engine, record, result.update)
        return target

    yield run
    for log in logs:
        log.close()


@pytest.mark.parametrize(("text", "coin", "action", "other"), EXAMPLES)
def test_named_coin_is_carried(text: str, coin: str, action: str, other: str) -> None:
    result = parse_message(text)
    assert result.update is not None, (result.kind, result.invalid_reason)
    assert result.update.symbol == coin
    assert result.update.action == action


@pytest.mark.parametrize(("text", "coin", "action", "other"), EXAMPLES)
def test_never_applied_to_the_latest_call_on_another_coin(
        route: Route, text: str, coin: str, action: str, other: str) -> None:
    assert route([other], text) is None  # no call on the coin named: ignored
    target = route([coin, other], text)  # its coin's older call, not the latest one
    assert target is not None and target.signal is not None
    assert target.signal.symbol == coin


@pytest.mark.parametrize(("text", "coin", "action", "other"), EXAMPLES)
def test_applied_when_the_latest_call_is_on_that_coin(
        route: Route, text: str, coin: str, action: str, other: str) -> None:
    target = route([other, coin], text)
    assert target is not None and target.id == "call-2"


@pytest.mark.parametrize(("text", "action"), NO_COIN)
def test_no_coin_named_acts_on_the_latest_call(route: Route, text: str, action: str) -> None:
    result = parse_message(text)
    assert result.update is not None, (result.kind, result.invalid_reason)
    assert (result.update.symbol, result.update.action) == (None, action)
    target = route(["BTC/USDT", "ETH/USDT"], text)
    assert target is not None and target.id == "call-2"


def test_no_coin_set_is_large() -> None:
    assert len(NO_COIN) >= 15


@pytest.mark.parametrize(("text", "reason"), UNSURE)
def test_unsure_coin_is_applied_to_no_call(route: Route, text: str, reason: str) -> None:
    result = parse_message(text)
    assert (result.kind, result.update, result.invalid_reason) == ("noise", None, reason)
    assert route(["BTC/USDT", "ETH/USDT", "SOL/USDT"], text) is None


def test_bare_coin_beside_a_tagged_call_names_another_trade() -> None:
    """A new #ETH call above "sol closed in profit": the call is read, ETH is not closed."""
    text = "#ETH/USDT LONG\nEntry: 3400\nTP: 3500\nSL: 3300\n\nsol closed in profit ✅"
    result = parse_message(text)
    assert result.update is None
    assert result.signal is not None and result.signal.symbol == "ETH/USDT"


@pytest.mark.parametrize("text", [
    "#ETH/USDT\ntp1 hit ✅ even as btc dumped",  # a coin named in passing, not beside the cue
    "#ETH/USDT\nlink in bio, tp1 hit ✅",
])
def test_tagged_coin_keeps_its_follow_up(text: str) -> None:
    result = parse_message(text)
    assert result.update is not None, (result.kind, result.invalid_reason)
    assert (result.update.symbol, result.update.action) == ("ETH/USDT", "target_hit")


def test_tagged_coin_with_another_bare_coin_at_the_cue() -> None:
    result = parse_message("#ETH/USDT\nsol tp1 hit ✅")
    assert result.update is None and result.invalid_reason == OTHER_COIN
