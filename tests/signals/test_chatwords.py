"""Ordinary English words and indexed field words in capitals are never a coin
(verzek/signals/chatwords.py): "CLOSE HALF" closes half of the latest call, "LONG TP1 HIT" is
its target, "I WENT LONG YESTERDAY" is a story; real tickers in capitals are still read."""

from __future__ import annotations

from decimal import Decimal

import pytest

from verzek.signals import parse_message
from verzek.signals.chatwords import CHAT_WORDS, is_chat_word
from verzek.signals.coins import COIN_NAMES, KNOWN_COINS
from verzek.signals.symbols import find_symbols


@pytest.mark.parametrize(("text", "share"), [
    ("CLOSE HALF", Decimal("0.5")),
    ("CLOSE HALF NOW", Decimal("0.5")),
    ("CLOSED HALF IN PROFIT", Decimal("0.5")),
    ("CLOSED HALF POSITION", Decimal("0.5")),
    ("CLOSE 50%", Decimal("0.5")),
    ("CLOSE ALL NOW", None),
    ("CLOSE THE REST", None),
    ("POSITION CLOSED MANUALLY", None),
])
def test_a_close_in_capitals_keeps_its_share_and_names_no_coin(
        text: str, share: Decimal | None) -> None:
    result = parse_message(text)
    assert result.update is not None, (result.kind, result.invalid_reason)
    assert (result.update.symbol, result.update.action, result.update.close_share) == (
        None, "close", share)


def test_a_partial_close_of_a_named_coin_keeps_coin_and_share() -> None:
    for text in ("CLOSE HALF SOL NOW", "#SOL/USDT\nClosed HALF in profit"):
        result = parse_message(text)
        assert result.update is not None, (text, result.kind, result.invalid_reason)
        assert (result.update.symbol, result.update.action, result.update.close_share) == (
            "SOL/USDT", "close", Decimal("0.5")), text


@pytest.mark.parametrize(("text", "index"), [
    ("LONG TP1 HIT 🎯", 1), ("SHORT TP2 DONE", 2), ("LONG TP1 HIT ✅", 1),
    ("SHORT TARGET1 DONE", 1), ("LONG T1 HIT", 1), ("LONG TP3 REACHED 🔥", 3),
])
def test_a_side_word_before_a_target_field_is_a_follow_up(text: str, index: int) -> None:
    assert find_symbols(text) == []
    result = parse_message(text)
    assert result.kind == "update" and result.update is not None
    assert (result.update.symbol, result.update.action, result.update.target_index) == (
        None, "target_hit", index)


@pytest.mark.parametrize("text", [
    "BITCOIN LONG TERM IS BULLISH",
    "JUST WENT SHORT ON THE MARKET",
    "I WENT LONG YESTERDAY",
    "SHORT SQUEEZE INCOMING",
    "LONG DCA1 FILLED",
])
def test_chat_in_capitals_names_no_coin(text: str) -> None:
    assert find_symbols(text) == []
    assert parse_message(text).signal is None


@pytest.mark.parametrize("text", [
    "WENT LONG AT 65000 TP 67000 SL 64000",
    "GOING LONG 65000 TP 67000 SL 64000",
    "STILL LONG FROM 65000, TP 67000 SL 64000",
    "I WENT LONG YESTERDAY AT 65000, TARGET 70000, STOP 63000",
    "BUY MORE 140 TP 150 SL 130",
    "LONG POSITIONS 65000 TP 70000 SL 60000",
])
def test_chat_in_capitals_with_prices_is_no_call(text: str) -> None:
    result = parse_message(text)
    assert result.signal is None and result.kind == "noise", (text, result)


@pytest.mark.parametrize(("text", "symbol", "side", "entries"), [
    ("BTC LONG 65000 TP 67000 SL 64000", "BTC/USDT", "long", [Decimal(65000)]),
    ("LONG BTC 65K TP 67K SL 64K", "BTC/USDT", "long", [Decimal(65000)]),
    ("#ETH SHORT ENTRY 3400 TP 3300 SL 3500", "ETH/USDT", "short", [Decimal(3400)]),
    ("SOL/USDT BUY ZONE 140-145 TARGETS 150 160 STOP 135", "SOL/USDT", "long",
     [Decimal(140), Decimal(145)]),
    ("LONG ONE 0.012 TP 0.014 SL 0.011", "ONE/USDT", "long", [Decimal("0.012")]),
    ("LONG NEWCOINXYZ 1.5 TP 1.7 SL 1.4", "NEWCOINXYZ/USDT", "long", [Decimal("1.5")]),
])
def test_calls_in_capitals_still_parse(text: str, symbol: str, side: str,
                                       entries: list[Decimal]) -> None:
    result = parse_message(text)
    assert result.signal is not None, (result.kind, result.invalid_reason)
    assert (result.signal.symbol, result.signal.side, result.signal.entries) == (
        symbol, side, entries)


def test_no_curated_ticker_or_name_is_a_chat_word() -> None:
    assert CHAT_WORDS.isdisjoint(KNOWN_COINS)
    assert CHAT_WORDS.isdisjoint(COIN_NAMES)
    assert not any(is_chat_word(coin) for coin in KNOWN_COINS)
    assert all(word == word.lower() and len(word) >= 2 for word in CHAT_WORDS)


@pytest.mark.parametrize(("word", "chat"), [
    ("half", True), ("manually", True), ("went", True), ("term", True), ("tp1", True),
    ("tp12", True), ("sl2", True), ("t1", True), ("target3", True), ("entry1", True),
    ("dca2", True), ("sol", False), ("near", False), ("1000pepe", False), ("newcoinxyz", False),
    ("one", False), ("tp123", False), ("t", False),
])
def test_is_chat_word(word: str, chat: bool) -> None:
    assert is_chat_word(word) is chat
