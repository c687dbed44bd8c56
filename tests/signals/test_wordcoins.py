"""A ticker that is also an ordinary word ("NEAR", "LINK", "TON", "MOVE") written as the word,
in capitals as much as in lower case, names no coin: "CLOSED NEAR ENTRY" is about the trade
closed, not about NEAR (see verzek/signals/wordcoins.py). Written as a coin it still is one."""

from __future__ import annotations

import pytest

from tests.signals.timing import fastest_parse_s
from verzek.domain.models import Side
from verzek.signals import parse_message
from verzek.signals.followup import UNSURE_COIN
from verzek.signals.symbols import find_symbols
from verzek.signals.wordcoins import is_word_use, reads_as_word

# (follow-up, the coin it carries, its action): NEAR is the word, so the follow-up carries no
# coin (it acts on the channel's latest call) or the coin named beside it
NEAR_AS_A_WORD = [
    pytest.param("TRADE CLOSED NEAR ENTRY ✅", None, "close", id="closed_near_entry"),
    pytest.param("POSITION CLOSED NEAR 65000 IN PROFIT ✅", None, "close", id="closed_near_price"),
    pytest.param("CLOSE NEAR ENTRY", None, "close", id="close_near_entry"),
    pytest.param("CLOSE NEAR 65000", None, "close", id="close_near_price"),
    pytest.param("CLOSE LONG NEAR ENTRY", None, "close", id="close_long_near_entry"),
    pytest.param("CLOSE SHORT NEAR THE TOP", None, "close", id="close_short_near_the_top"),
    pytest.param("TP1 HIT NEAR TARGET 2", None, "target_hit", id="tp_hit_near_target"),
    pytest.param("SL MOVED NEAR BREAKEVEN", None, "move_sl", id="sl_moved_near_breakeven"),
    pytest.param("SL HIT NEAR MY STOP", None, "stop_hit", id="sl_hit_near_my_stop"),
    pytest.param("TP1 hit NEAR entry", None, "target_hit", id="mixed_case_near_entry"),
    pytest.param("Close NEAR entry now", None, "close", id="mixed_case_close_near_entry"),
    pytest.param("BTC TRADE CLOSED NEAR ENTRY ✅", "BTC/USDT", "close",
                 id="another_coin_named_first"),
    pytest.param("BTC TP1 HIT NEAR TARGET 2", "BTC/USDT", "target_hit", id="btc_tp_near_target"),
    pytest.param("SL MOVED NEAR BREAKEVEN ✅ ETH", "ETH/USDT", "move_sl",
                 id="another_coin_named_after"),
    # under a tagged call, the follow-up is that call's: NEAR names no other coin
    pytest.param("#BTC/USDT\nCLOSED NEAR ENTRY", "BTC/USDT", "close", id="tagged_closed_near"),
    pytest.param("#ETH/USDT\nTP1 HIT NEAR TARGET 2", "ETH/USDT", "target_hit",
                 id="tagged_tp_hit_near_target"),
    pytest.param("#ETH/USDT\nSL MOVED NEAR BREAKEVEN", "ETH/USDT", "move_sl",
                 id="tagged_sl_moved_near_breakeven"),
    pytest.param("#BTC/USDT\nClosed NEAR entry", "BTC/USDT", "close", id="tagged_mixed_case"),
]


@pytest.mark.parametrize(("text", "coin", "action"), NEAR_AS_A_WORD)
def test_near_as_a_word_is_no_coin_in_a_follow_up(text: str, coin: str | None,
                                                   action: str) -> None:
    result = parse_message(text)
    assert result.update is not None, (result.kind, result.invalid_reason)
    assert (result.update.symbol, result.update.action) == (coin, action)


@pytest.mark.parametrize("text", [
    "CLOSED NEAR ENTRY", "BTC CLOSED NEAR ENTRY", "TP HIT NEAR TARGET 2",
    "SL MOVED NEAR BREAKEVEN", "CLOSED NEAR ENTRY ✅", "BTC CLOSED NEAR ENTRY ✅",
    "TP2 HIT NEAR THE TOP", "CLOSED HALF NEAR TP2",
])
def test_the_reported_messages_never_name_near(text: str) -> None:
    result = parse_message(text)
    assert result.signal is None
    assert result.update is None or result.update.symbol != "NEAR/USDT"


def test_near_heading_a_target_hit_leaves_the_coin_unsure() -> None:
    # NEAR's target 1, or "near TP1"? neither NEAR's call nor the latest call is acted on
    result = parse_message("NEAR TP1 HIT ✅")
    assert (result.kind, result.update, result.invalid_reason) == ("noise", None, UNSURE_COIN)


@pytest.mark.parametrize("text", [
    "BUY NEAR ENTRY 5.2 TP 5.6 SL 4.9",
    "BUY NEAR THE SUPPORT 5.2 TP 5.6 SL 4.9",
    "LONG NEAR 5.2 TP 5.6 SL 4.9",
    "SHORT NEAR THE HIGHS 66500\nTP 64000\nSL 67500",
    "BTC 4H: BUY NEAR\nENTRY 65000\nTP 66000\nSL 64000",  # another coin named: not NEAR
    "long near entry 5.2 tp 5.6 sl 4.9",
])
def test_near_as_a_word_is_no_coin_in_a_call(text: str) -> None:
    result = parse_message(text)
    assert result.signal is None or result.signal.symbol != "NEAR/USDT", result.signal


# NEAR written as the coin: a pair, a tag, a quote, a label, or beside its side word
NEAR_CALLS = [
    "NEAR/USDT LONG Entry 5.2 TP 5.6 SL 4.9",
    "#NEAR LONG Entry 5.2 TP 5.6 SL 4.9",
    "$NEAR LONG Entry 5.2 TP 5.6 SL 4.9",
    "NEARUSDT LONG Entry 5.2 TP 5.6 SL 4.9",
    "NEAR USDT PERP\nLONG\nEntry 5.2\nTP 5.6\nSL 4.9",
    "Coin: NEAR\nLONG\nEntry 5.2\nTP 5.6\nSL 4.9",
    "NEAR LONG Entry 5.2 TP 5.6 SL 4.9",
    "NEAR LONG 5.2 TP 5.6 SL 4.9",
    "LONG NEAR\nENTRY 5.2\nTP 5.6\nSL 4.9",
    "#NEAR LONG\nEntry: near 5.2\nTP 5.6\nSL 4.9",
    "long near\nentry 5.2\ntp 5.6\nsl 4.9",
]


@pytest.mark.parametrize("text", NEAR_CALLS)
def test_near_written_as_the_coin_is_still_near(text: str) -> None:
    result = parse_message(text)
    assert result.signal is not None, (result.kind, result.invalid_reason)
    got = result.signal
    assert (got.symbol, got.side, [str(p) for p in got.entries]) == (
        "NEAR/USDT", Side.LONG, ["5.2"])
    assert [str(p) for p in got.targets] == ["5.6"] and str(got.stop_loss) == "4.9"


@pytest.mark.parametrize(("text", "action"), [
    ("NEAR CLOSED IN PROFIT ✅", "close"),
    ("CLOSE NEAR NOW", "close"),
    ("Close NEAR now", "close"),
    ("#NEAR TP1 HIT NEAR ENTRY ✅", "target_hit"),
    ("NEAR/USDT SL MOVED TO ENTRY", "move_sl"),
    ("near closed in profit ✅", "close"),
])
def test_near_written_as_the_coin_still_names_it_in_a_follow_up(text: str, action: str) -> None:
    result = parse_message(text)
    assert result.update is not None, (result.kind, result.invalid_reason)
    assert (result.update.symbol, result.update.action) == ("NEAR/USDT", action)


@pytest.mark.parametrize(("text", "coin", "action"), [
    # other word tickers in capitals: MOVE, TON, SAFE, LINK as words under a tagged call
    ("#BTC/USDT\nTP1 HIT ✅ MOVE SL TO BE", "BTC/USDT", "move_sl"),
    ("#BTC/USDT\nTP1 HIT ✅ A TON OF PROFIT", "BTC/USDT", "target_hit"),
    ("#BTC/USDT\nTP1 HIT ✅ SAFE TRADES", "BTC/USDT", "target_hit"),
    ("#AVAX/USDT\nSL MOVED TO ENTRY ✅", "AVAX/USDT", "move_sl"),
    ("TP1 hit ✅ took a TON of profit", None, "target_hit"),
    # and as coins, still
    ("LINK TP1 HIT", "LINK/USDT", "target_hit"),
    ("CLOSE OP NOW", "OP/USDT", "close"),
    ("Close LINK now", "LINK/USDT", "close"),
])
def test_other_word_tickers_in_capitals(text: str, coin: str | None, action: str) -> None:
    result = parse_message(text)
    assert result.update is not None, (result.kind, result.invalid_reason)
    assert (result.update.symbol, result.update.action) == (coin, action)


def test_a_tagged_call_still_sees_another_coin_in_capitals() -> None:
    for text in ("#BTC/USDT\nETH TP1 HIT", "#BTC/USDT\nCLOSE LINK NOW"):
        result = parse_message(text)
        assert result.update is None and result.invalid_reason is not None, text


def test_bare_word_ticker_yields_to_another_coin() -> None:
    assert [s for s, _ in find_symbols("SELL NEAR\nLONG BTC")] == ["BTC/USDT"]
    assert [s for s, _ in find_symbols("LONG NEAR")] == ["NEAR/USDT"]
    assert find_symbols("BUY NEAR ENTRY") == []


@pytest.mark.parametrize(("text", "word", "is_word"), [
    ("closed near entry", "near", True), ("near 65000", "near", True),
    ("near the top", "near", True), ("sl moved near breakeven", "near", True),
    ("tp hit near target 2", "near", True), ("near tp2", "near", True),
    ("price is near", "near", True), ("tp2 very near", "near", True),
    ("a ton of profit", "ton", True), ("near closed in profit", "near", False),
    ("long near\nentry 5.2", "near", False), ("close near now", "near", False),
    ("link tp1 hit", "link", False), ("btc near 65000", "btc", False),
])
def test_is_word_use(text: str, word: str, is_word: bool) -> None:
    start = text.index(word)
    assert is_word_use(text, start, start + len(word)) is is_word


def test_reads_as_word_beside_another_coin() -> None:
    low = "btc closed near ✅"
    assert reads_as_word(low, 11, 15)
    assert not reads_as_word("near closed ✅", 0, 4)
    assert not reads_as_word(low, 0, 3)  # a plain ticker is never the word


@pytest.mark.parametrize("text", [
    "LONG NEAR " * 400 + "1 TP 2 SL 0.5", "CLOSE NEAR " * 360, "near " * 790 + "long 1 tp 2 sl 0.5",
    "TP1 hit NEAR " * 300 + "entry", "SELL NEAR " * 390 + "BTC 1 TP 2 SL 0.5",
    "#BTC/USDT\n" + "TP1 HIT NEAR ENTRY " * 200, "NEAR " * 790 + "TP1 HIT",
])
def test_word_ticker_checks_stay_linear(text: str) -> None:
    assert fastest_parse_s(text) < 0.25  # a quadratic check takes seconds here
