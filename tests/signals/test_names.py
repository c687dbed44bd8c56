"""Coins written by their full name ("Solana long entry 150 ...", "BITCOIN SHORT 65000 ...") are
read as their tickers in a call, under the lower-case reader's caution; a name in chat stays
chat (see verzek/signals/names.py and lowercase.py)."""

from __future__ import annotations

import pytest

from tests.signals.calls import Call, assert_parses_as
from tests.signals.timing import fastest_parse_s
from verzek.signals import parse_message
from verzek.signals.coins import COIN_NAMES, KNOWN_COINS, WORD_NAMES
from verzek.signals.names import NAME_WORDS, is_name_case, name_ticker
from verzek.signals.symbols import find_symbols

SOL = Call("SOL/USDT", "long", ("150",), ("160",), "140")
BTC = Call("BTC/USDT", "short", ("65000",), ("64000",), "66000")
ETH = Call("ETH/USDT", "long", ("3400",), ("3500",), "3300")

CALLS = [
    pytest.param("Solana long entry 150 tp 160 sl 140", SOL, id="capitalised_name"),
    pytest.param("solana long entry 150 tp 160 sl 140", SOL, id="lower_case_name"),
    pytest.param("SOLANA LONG ENTRY 150 TP 160 SL 140", SOL, id="name_in_capitals"),
    pytest.param("BITCOIN SHORT 65000 TP 64000 SL 66000", BTC, id="bitcoin_in_capitals"),
    pytest.param("Short Bitcoin 65000 tp 64000 sl 66000", BTC, id="name_capitalised_mid_line"),
    pytest.param("🚨 New signal\nBitcoin short\nEntry 65000\nTP 64000\nSL 66000", BTC,
                 id="header_then_name"),
    pytest.param("Ethereum (ETH) buy 3400 tp 3500 sl 3300", ETH, id="name_and_ticker"),
    pytest.param("ethereum (eth) buy 3400 tp 3500 sl 3300", ETH, id="name_and_ticker_lower"),
    pytest.param("Ether long 3400 tp 3500 sl 3300", ETH, id="ether"),
    pytest.param("Cardano long 0.45 tp 0.5 sl 0.42",
                 Call("ADA/USDT", "long", ("0.45",), ("0.5",), "0.42"), id="cardano"),
    pytest.param("DOGECOIN LONG\nENTRY 0.15\nTP 0.17\nSL 0.14",
                 Call("DOGE/USDT", "long", ("0.15",), ("0.17",), "0.14"), id="dogecoin"),
    pytest.param("Chainlink short 14.2 tp 13.5 sl 14.8",
                 Call("LINK/USDT", "short", ("14.2",), ("13.5",), "14.8"), id="chainlink"),
    pytest.param("Shiba Inu long entry 0.000025 tp 0.000027 sl 0.000023",
                 Call("SHIB/USDT", "long", ("0.000025",), ("0.000027",), "0.000023"),
                 id="shiba_inu"),
    pytest.param("Bitcoin Cash short 300 tp 280 sl 310",
                 Call("BCH/USDT", "short", ("300",), ("280",), "310"), id="bitcoin_cash"),
    pytest.param("Binance Coin long 600 tp 620 sl 590",
                 Call("BNB/USDT", "long", ("600",), ("620",), "590"), id="binance_coin"),
    pytest.param("Near Protocol long 5.2 tp 5.6 sl 4.9",
                 Call("NEAR/USDT", "long", ("5.2",), ("5.6",), "4.9"), id="near_protocol"),
    pytest.param("Toncoin long entry 5.2 tp 5.6 sl 4.9",
                 Call("TON/USDT", "long", ("5.2",), ("5.6",), "4.9"), id="toncoin"),
    pytest.param("ripple long 0.6 tp 0.7 sl 0.55",
                 Call("XRP/USDT", "long", ("0.6",), ("0.7",), "0.55"), id="word_name_ripple"),
    pytest.param("Avalanche short\nentry 30\ntp 28\nsl 31",
                 Call("AVAX/USDT", "short", ("30",), ("28",), "31"), id="word_name_avalanche"),
]


@pytest.mark.parametrize(("text", "want"), CALLS)
def test_a_full_name_in_a_call_is_its_ticker(text: str, want: Call) -> None:
    assert_parses_as(text, want)


CHAT = [
    "I think bitcoin will go up",
    "I think Bitcoin will go long 65000 tp 66000 sl 64000",
    "I THINK BITCOIN SHORT 65000 TP 64000 SL 66000",
    "bitcoin long 65000 tp 66000 sl 64000?",
    "Should I buy Solana at 150? tp 160 sl 140",
    "BITCOIN LONG 65000 TP 66000 SL 64000 WAS MY TRADE YESTERDAY",
    "Bitcoin long term 65000 tp 70000 sl 60000",
    "went long bitcoin at 65000 yesterday, tp 66000 sl 64000",
    "bitcoin long 65000 tp 66000 sl 64000 closed +3%",
    "gm all\nripple long 0.6 tp 0.7 sl 0.55",  # a word name needs the call to open the message
    "optimism long 1.9 tp 2.1",  # ... and a stop
    "ethereum (btc) buy 3400 tp 3500 sl 3300",  # the name and the ticker disagree
    "Bitcoin long 65000 tp 66000 sl 64000\nEthereum short 3400 tp 3300 sl 3500",  # a round-up
    "BitCoin long 65000 tp 66000 sl 64000",
]


@pytest.mark.parametrize("text", CHAT)
def test_a_full_name_in_chat_is_no_call(text: str) -> None:
    result = parse_message(text)
    assert result.signal is None, result.signal


@pytest.mark.parametrize(("text", "coin", "action"), [
    ("Bitcoin closed in profit ✅", "BTC/USDT", "close"),
    ("BITCOIN TP1 HIT ✅", "BTC/USDT", "target_hit"),
    ("CLOSE BITCOIN NOW", "BTC/USDT", "close"),
    ("TP1 hit on Solana ✅", "SOL/USDT", "target_hit"),
    ("shiba inu tp1 hit ✅", "SHIB/USDT", "target_hit"),
    ("#BTC/USDT\nBITCOIN TP1 HIT ✅", "BTC/USDT", "target_hit"),
])
def test_a_follow_up_carries_the_coin_it_names_in_full(text: str, coin: str, action: str) -> None:
    result = parse_message(text)
    assert result.update is not None, (result.kind, result.invalid_reason)
    assert (result.update.symbol, result.update.action) == (coin, action)


def test_a_bare_name_in_capitals_is_no_ticker() -> None:
    assert find_symbols("BITCOIN SHORT") == []
    assert find_symbols("LONG SOLANA") == []
    assert [s for s, _ in find_symbols("SUI LONG")] == ["SUI/USDT"]  # a ticker and a name


def test_the_name_map() -> None:
    names = {"bitcoin": "btc", "ethereum": "eth", "solana": "sol", "ripple": "xrp",
             "cardano": "ada", "dogecoin": "doge", "polkadot": "dot", "chainlink": "link",
             "avalanche": "avax", "litecoin": "ltc", "polygon": "pol", "tron": "trx",
             "toncoin": "ton", "shiba inu": "shib", "pepe": "pepe", "sui": "sui",
             "aptos": "apt", "arbitrum": "arb", "optimism": "op", "near protocol": "near",
             "cosmos": "atom", "uniswap": "uni", "binance coin": "bnb"}
    assert names.items() <= COIN_NAMES.items()
    assert all(name == name.lower() and ticker in KNOWN_COINS
               for name, ticker in COIN_NAMES.items())
    assert COIN_NAMES.keys() >= WORD_NAMES
    assert not NAME_WORDS & KNOWN_COINS


@pytest.mark.parametrize(("written", "ticker"), [
    ("Bitcoin", "btc"), ("BITCOIN", "btc"), ("shiba  inu", "shib"), ("Shiba Inu", "shib"),
    ("btc", None), ("bitcoins", None),
])
def test_name_ticker(written: str, ticker: str | None) -> None:
    assert name_ticker(written) == ticker


@pytest.mark.parametrize(("written", "ok"), [
    ("bitcoin", True), ("Bitcoin", True), ("BITCOIN", True), ("Shiba Inu", True),
    ("Shiba inu", True), ("BitCoin", False), ("bitcoiN", False),
])
def test_is_name_case(written: str, ok: bool) -> None:
    assert is_name_case(written) is ok


@pytest.mark.parametrize("text", [
    "shiba " * 660 + "long 1 tp 2 sl 0.5", "long " + "shiba inu " * 390 + "1 tp 2 sl 0.5",
    "bitcoin (" * 440 + "long 1 tp 2 sl 0.5", "ethereum (eth) " * 260 + "long 1 tp 2 sl 0.5",
    "bitcoin" + " " * 3980 + "cash long 1 tp 2 sl 0.5",
    "binance " * 490 + "coin long 1 tp 2 sl 0.5",
    "Bitcoin closed " * 260 + "✅", "long " * 800 + "bitcoin 1 tp 2 sl 0.5",
])
def test_name_rules_stay_linear(text: str) -> None:
    assert fastest_parse_s(text) < 0.25  # a quadratic pattern takes seconds here
