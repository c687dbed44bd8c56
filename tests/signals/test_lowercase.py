"""Calls typed in lower case ("long btc 65000 tp 67000 sl 64000") are read as calls; lower-case
chat that mentions sides, coins and prices is not (see verzek/signals/lowercase.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.signals.calls import Call, assert_parses_as
from tests.signals.test_real_world_formats import REJECTED, SIGNALS
from tests.signals.timing import fastest_parse_s
from verzek.domain.models import SignalUpdate
from verzek.signals import parse, parse_message
from verzek.signals.coins import KNOWN_COINS, PLAIN_COINS, WORD_COINS
from verzek.signals.symbols import find_symbols

ROOT = Path(__file__).resolve().parents[2]



BTC = Call("BTC/USDT", "long", ("65000",), ("67000",), "64000")
BTC_TP2 = Call("BTC/USDT", "long", ("65000",), ("67000", "68000"), "64000")
ETH = Call("ETH/USDT", "short", ("3420",), ("3300",), "3500")

CALLS = [
    # the formats the issue names
    pytest.param("buy link/usdt 14.2 tp 15 sl 13.5",
                 Call("LINK/USDT", "long", ("14.2",), ("15",), "13.5"), id="pair_with_quote"),
    pytest.param("long btc 65000 tp 67000 sl 64000", BTC, id="side_coin_price"),
    pytest.param("short eth 3420 tp 3300 sl 3500", ETH, id="short_side_coin_price"),
    pytest.param("short eth at 3420, tp 3300, sl 3500", ETH, id="at_and_commas"),
    pytest.param("long sol entry 140 target 150 stop 130",
                 Call("SOL/USDT", "long", ("140",), ("150",), "130"), id="entry_target_stop_words"),
    pytest.param("eth short 3420 tp 3300 sl 3500", ETH, id="coin_then_side"),
    pytest.param("long btc\nentry 65000\ntp 67000\nsl 64000", BTC, id="multi_line"),
    # spacing and punctuation
    pytest.param("long  btc   65000  tp 67000  sl 64000", BTC, id="extra_spaces"),
    pytest.param("long btc @ 65000 tp 67000 sl 64000", BTC, id="at_sign"),
    pytest.param("long btc @65000 tp67000 sl64000", BTC, id="glued_labels"),
    pytest.param("long btc entry: 65000 tp: 67000 sl: 64000", BTC, id="colons"),
    pytest.param("long btc 65000, tp 67000, sl 64000", BTC, id="commas"),
    pytest.param("🚀 long btc 65000 tp 67000 sl 64000", BTC, id="emoji_first"),
    pytest.param("long eth\n\nentry 3420\ntp 3500\nsl 3300",
                 Call("ETH/USDT", "long", ("3420",), ("3500",), "3300"), id="blank_line"),
    pytest.param("new signal\nlong btc\nentry 65000\ntp 67000\nsl 64000", BTC, id="header_line"),
    pytest.param("scalp long btc 65000 tp 67000 sl 64000", BTC, id="kind_of_trade_first"),
    pytest.param("btc scalp long from 65000, tp 67000, sl 64000", BTC, id="kind_between"),
    pytest.param("Eth short 3420 tp 3300 sl 3500", ETH, id="phone_capitalised_first_word"),
    pytest.param("Long btc 65000 tp 67000 sl 64000", BTC, id="phone_capitalised_side"),
    # targets lists, stops, zones, leverage
    pytest.param("long btc\nentry: 65000\ntp1 67000 tp2 68000\nsl: 64000", BTC_TP2,
                 id="numbered_targets_one_line"),
    pytest.param("long btc 65000\ntp1 67000\ntp2 68000\nsl: 64000\nlev 10x",
                 Call("BTC/USDT", "long", ("65000",), ("67000", "68000"), "64000", 10),
                 id="numbered_targets_lines_leverage"),
    pytest.param("long btc 10x\nentry 65000\ntp 67000\nsl 64000",
                 Call("BTC/USDT", "long", ("65000",), ("67000",), "64000", 10), id="lev_by_side"),
    pytest.param("long btc 65000 tp 67000 sl 64000 futures 20x cross",
                 Call("BTC/USDT", "long", ("65000",), ("67000",), "64000", 20), id="lev_after"),
    pytest.param("btc long\nentry 64000-65000\ntargets 67000, 68000\nstop 63000",
                 Call("BTC/USDT", "long", ("64000", "65000"), ("67000", "68000"), "63000"),
                 id="zone_and_target_list"),
    pytest.param("long btc 65000 - 64500 tp 67000 sl 64000",
                 Call("BTC/USDT", "long", ("65000", "64500"), ("67000",), "64000"),
                 id="zone_after_coin"),
    pytest.param("long btc 65k tp 67k sl 64k", BTC, id="k_prices"),
    pytest.param("short btc 65,000 tp 63,000 sl 66,000",
                 Call("BTC/USDT", "short", ("65000",), ("63000",), "66000"), id="thousands"),
    pytest.param("long pepe 0.0000123 tp 0.0000135 sl 0.0000115",
                 Call("PEPE/USDT", "long", ("0.0000123",), ("0.0000135",), "0.0000115"),
                 id="tiny_prices"),
    pytest.param("long 1000pepe 0.0123 tp 0.0135 sl 0.0115",
                 Call("1000PEPE/USDT", "long", ("0.0123",), ("0.0135",), "0.0115"),
                 id="multiplier_coin"),
    pytest.param("btc 做多\n入场: 64000-63500\n止盈: 65000 / 66000\n止损: 62800",
                 Call("BTC/USDT", "long", ("64000", "63500"), ("65000", "66000"), "62800"),
                 id="chinese_side_word"),
    # lower-case pairs: a quote makes the word a coin
    pytest.param("btcusdt long 65000 tp 67000 sl 64000", BTC, id="glued_pair"),
    pytest.param("buy btc/usdt @ 65000 tp 67000 sl 64000", BTC, id="slash_pair_at"),
    pytest.param("long btc-usdt 65000 tp 67000 sl 64000", BTC, id="dash_pair"),
    pytest.param("ethusdc long\nentry: 2400\ntp: 2500\nsl: 2300",
                 Call("ETH/USDC", "long", ("2400",), ("2500",), "2300"), id="glued_usdc"),
    pytest.param("solusdt.p short\nentry: 150\ntp: 140\nsl: 155",
                 Call("SOL/USDT", "short", ("150",), ("140",), "155"), id="glued_perp_suffix"),
    pytest.param("sol usdt\nshort\nentry 142\ntp 138\nsl 146",
                 Call("SOL/USDT", "short", ("142",), ("138",), "146"), id="spaced_pair"),
    # coins that are also words, on strong evidence: the call opens the message, the coin is
    # followed by its entry, and entries, targets and a stop are all given
    pytest.param("long link 14.2 tp 15 sl 13.5",
                 Call("LINK/USDT", "long", ("14.2",), ("15",), "13.5"), id="word_coin_link"),
    pytest.param("dot long 7.2 tp 7.8 sl 6.9",
                 Call("DOT/USDT", "long", ("7.2",), ("7.8",), "6.9"), id="word_coin_dot"),
    pytest.param("long op\nentry 1.9\ntp 2.1\nsl 1.8",
                 Call("OP/USDT", "long", ("1.9",), ("2.1",), "1.8"), id="word_coin_op"),
    pytest.param("sell ton 5.2 tp 5 sl 5.4",
                 Call("TON/USDT", "short", ("5.2",), ("5",), "5.4"), id="word_coin_ton"),
    pytest.param("long near\nentry 5.2\ntp 5.5\nsl 4.9",
                 Call("NEAR/USDT", "long", ("5.2",), ("5.5",), "4.9"), id="word_coin_near"),
]


@pytest.mark.parametrize(("text", "want"), CALLS)
def test_lower_case_call(text: str, want: Call) -> None:
    assert_parses_as(text, want)


CHAT = [
    "i went long btc at 65000 yesterday and got stopped",
    "long time no see, btc at 65000 now",
    "short term target for eth is 3500?",
    "near 65000 btc looks weak",
    "went long btc at 64200 yesterday, trailing it now with tp 66000 sl 64600",
    "should i short eth @ 3420? tp 3380 sl 3460",
    "btc long 65000 worked great, hit tp 66000 sl 64000",
    "if you missed the btc long at 60000, don't chase. wait for a retest around 61000, tp 63000.",
    "when btc hits 70000 i'll go long, tp 75000, sl 68000. not a signal yet.",
    "last week: long btc 60000 tp 62000 ✅, short eth 3000 tp 2900 ✅",
    "recap: long btc 65000 tp 67000 sl 64000 hit tp ✅ +30%",
    "results: long sol 140 → 150, short eth 3420 → 3300",
    "long btc 65000 tp 67000 sl 64000 was my trade yesterday",
    "long btc was the trade of the week: 65000 to 67000, sl was 64000",
    "my long btc from 65000 is up 3%, tp 67000 still in play, sl 64000",
    "who else is long btc at 65000? tp 67000 sl 64000 for me",
    "i'd buy eth at 3000 with tp 3500 and sl 2800 if it dips",
    "just went short eth at 3420, tp 3300 sl 3500, wish me luck",
    "thinking about a long btc 65000 tp 67000 sl 64000 what do you think",
    "no long btc 65000 tp 67000 sl 64000 today, too risky",
    "don't short eth 3420 tp 3300 sl 3500",
    "op here: long btc at 65000 tp 67000 sl 64000 worked like a charm",
    "long-term i'm bullish on eth, short-term we may see 2800.",
    "btc long term 65000 tp 67000 sl 64000",
    "eth short squeeze 3420 tp 3500 sl 3300",
    "short squeeze on eth at 3420, targets 3500 3600, stop 3300",
    "long way to go for btc: 65000 now, 70000 target, 60000 stop",
    "long time holder of btc here, bought at 20000, target 100000, stop 15000",
    "short term view: entry 5 tp 6 sl 4",
    "long time no see 5 tp 6 sl 4",
    "dot chart: long term buy zone 5 - 6, target 10, stop 4",
    "buy the dip! btc 60000 soon, tp 70000 sl 55000 lol",
    "sold btc at 65000, now long, tp 67000 sl 64000",
    "gas fees at 30 gwei, buy eth at 3000 later, tp 3500 sl 2800 maybe",
    "btc long liquidations at 65000, next 64000, then 63000",
    "long btc 65000 tp 67000 sl 64000\nshort eth 3420 tp 3300 sl 3500",
    "long btc 65000 tp 67000 sl 64000 — example for the tutorial",
    "eth short 3420 tp 3300 sl 3500 done ✅ +15%",
    "long btc 65000 tp 67000 sl 64000 closed +3%",
    "yesterday: long btc 65000 tp 67000 sl 64000",
    "from the archives: long btc 65000 tp 67000 sl 64000",
    "btc 65000 eth 3200 sol 150 — prices right now",
    "sell everything? no. buy everything? also no. patience.",
    # ordinary words that are also tickers
    "long the link 14.2 tp 15 sl 13.5",
    "buy one 20 tp 25 sl 18",
    "sell one at 500, tp 450, sl 520",
    "long high 1.2 tp 1.4 sl 1.0",
    "short spx 5000 tp 4900 sl 5050",
    "long near 5.2 tp 5.5 sl 4.9",
    "buy link 14 in bio, tp 15 sl 13",
]


@pytest.mark.parametrize("text", CHAT)
def test_lower_case_chat_is_never_a_call(text: str) -> None:
    result = parse_message(text)
    assert result.kind != "signal" and result.signal is None, result.signal
    assert parse(text) is None or isinstance(parse(text), SignalUpdate)


def test_the_chat_set_is_large() -> None:
    assert len(CHAT) >= 25


@pytest.mark.parametrize(
    ("plain", "word"),
    [  # the same shape, a plain ticker and one that is also a word
        ("long sol\nentry 140\ntp 150", "long link\nentry 14.2\ntp 15"),  # no stop
        ("gm all\nlong sol 140 tp 150 sl 130", "gm all\nlong link 14.2 tp 15 sl 13.5"),  # 2nd
        ("long sol spot\nentry 140\ntp 150\nsl 130", "long link spot\nentry 14.2\ntp 15\nsl 13.5"),
    ],
)
def test_a_coin_that_is_also_a_word_needs_strong_evidence(plain: str, word: str) -> None:
    assert parse_message(plain).signal is not None
    assert parse_message(word).signal is None


@pytest.mark.parametrize("word", ["one", "time", "just", "any", "key", "fun", "win", "me", "ai",
                                  "not", "the", "alt", "meme", "token", "spx", "usdt"])
def test_an_ordinary_word_is_never_a_lower_case_coin(word: str) -> None:
    assert word not in KNOWN_COINS
    assert parse_message(f"long {word}\nentry 1.5\ntp 1.8\nsl 1.3").signal is None


def test_a_capital_mid_line_is_no_coin() -> None:
    assert parse_message("long Btc 65000 tp 67000 sl 64000").signal is None
    assert parse_message("#Sol Long\nEntry: 150\nTP: 160\nSL: 145").signal is None


@pytest.mark.parametrize(
    ("text", "symbols"),
    [("btcusdt", ["BTC/USDT"]), ("1000pepeusdt.p", ["1000PEPE/USDT"]), ("ethusdc", ["ETH/USDC"]),
     ("1inchusdt", ["1INCH/USDT"]), ("eurusd", ["EUR/USD"]), ("solusdtperp", ["SOL/USDT"]),
     ("send 100usdt now", []), ("a 5kusdt bonus", []), ("longusdt", []), ("abcusdtx", []),
     ("Btcusdt", [])],
)
def test_a_lower_case_glued_pair_needs_a_ticker_shaped_base(text: str, symbols: list[str]) -> None:
    assert [s for s, _ in find_symbols(text)] == symbols


def test_lower_case_never_names_a_bare_coin_outside_a_call() -> None:
    # a follow-up or a price list reads lower-case words as it did: no coin
    assert find_symbols("long btc") == []
    assert find_symbols("eth short") == []


_NOT_LOWERED = {  # lower-casing changes what these are about
    "new_call_after_another_coins_close",  # "btc closed": the coin closed is no longer told
    "turkish_upper_case",  # "GİRİŞ" lowers to a dotted "i̇"
}


@pytest.mark.parametrize(("text", "want"), [p for p in SIGNALS if p.id not in _NOT_LOWERED])
def test_a_real_world_call_in_lower_case_is_the_same_trade(text: str, want: Any) -> None:
    got = parse_message(text.lower()).signal
    assert got is not None
    assert (got.symbol, got.side.value, [str(p) for p in got.entries],
            [str(p) for p in got.targets]) == (want.symbol, want.side, list(want.entries),
                                               list(want.targets))


def _noise_texts() -> list[str]:
    corpus = ROOT / "tests" / "data" / "signals" / "corpus.jsonl"
    with corpus.open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    rejected = [p.values[0] for p in REJECTED if p.id != "title_case_hashtag"]  # "#sol" is a tag
    return [row["text"] for row in rows if row["kind"] != "signal"] + rejected


def test_noise_in_lower_case_is_never_a_call() -> None:
    texts = _noise_texts()
    assert len(texts) > 100
    called = [t for t in texts if parse_message(t.lower()).signal is not None]
    assert called == []


def test_the_markets_snapshot_bases_are_known_coins() -> None:
    path = ROOT / "verzek" / "exchanges" / "data" / "markets_snapshot.json"
    markets = json.loads(path.read_text(encoding="utf-8"))["markets"]
    bases = {m["base"].lower() for venue in markets.values() for m in venue.values()}
    assert bases and bases <= KNOWN_COINS, sorted(bases - KNOWN_COINS)


def test_the_coin_lists_are_lower_case_and_apart() -> None:
    assert not PLAIN_COINS & WORD_COINS
    assert all(c == c.lower() and c.isalnum() for c in KNOWN_COINS)
    assert {"btc", "eth", "sol", "xrp", "doge"} <= PLAIN_COINS
    assert {"link", "dot", "op", "near", "ton", "trump"} <= WORD_COINS
    assert len(KNOWN_COINS) >= 300


@pytest.mark.parametrize(
    "text",
    ["long " * 800 + "btc 1 tp 2 sl 0.5", "btc " * 990 + "long 1 tp 2 sl 0.5",
     "long" + " " * 3980 + "btc 1 tp 2 sl 0.5", "long btc\n" * 440 + "entry 1 tp 2 sl 0.5",
     "🚀 " * 1300 + "long btc 1 tp 2 sl 0.5", "new signal " * 360 + "long btc 1 tp 2 sl 0.5",
     "btc" + " 🔴" * 1300 + " long 1 tp 2 sl 0.5", "long btc 1 tp 2 sl 0.5 " + "x" * 3900,
     "btcusdt" * 570, "usdt " * 790 + "long 1 tp 2 sl 0.5"],
)
def test_the_lower_case_rules_stay_linear(text: str) -> None:
    assert fastest_parse_s(text) < 0.25  # a quadratic pattern takes seconds here
