"""Round 8 of probing the reader with channel messages as traders meet them, weighted to what
loses money when misread: follow-ups of every kind (Cornix bot posts, replies naming no coin,
round-ups of several trades), spot calls and prices in satoshis, odd tickers and perpetual
suffixes, and numbers written in unusual ways.

The layouts follow public channel conventions (Cornix's bot posts and its "prices in the
satoshis range" rule, Binance/Bybit/OKX futures VIP channels, spot "buy zone" channels, weekly
result posts); coins and prices are made up.

The first groups are misreadings that were fixed: each test fails on the reader before its fix,
except the guards (marked "# guard"), which read right before too and keep each fix from reaching
further than it should. The last group keeps messages that already read right, as regression
cover for layouts no earlier round holds."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.signals.calls import Sig, Upd, check_noise, check_signal, check_update
from verzek.domain.models import MarketType
from verzek.signals import parse_message

_FUT = MarketType.FUTURES
_SPOT = MarketType.SPOT
_SEVERAL = "the follow-up names several coins"


# --- a round-up of several trades, coins written bare ---------------------------------------------
# Before: read as a follow-up on one of the coins (the last "AVAX SL ❌" closed the AVAX trade,
# "Cancel ETH and SOL orders" cancelled ETH only).

@pytest.mark.parametrize("text", [
    "Yesterday's calls:\nLINK TP3 ✅\nDOT TP2 ✅\nAVAX SL ❌",
    "Results of today 🔥\nLINK TP3 ✅\nDOT TP2 ✅\nAVAX SL ❌",
    "LINK TP3 ✅\nDOT TP2 ✅",
    "Signals of the week:\n1. ORDI - all targets ✅\n2. TIA - TP2 ✅\n3. SEI - stopped ❌",
    "SOL TP2 ✅ and LINK TP1 ✅ 🔥",
    "Cancel ETH and SOL orders",
])
def test_a_round_up_of_bare_coins_acts_on_none(text: str) -> None:
    assert check_noise(text) == _SEVERAL


@pytest.mark.parametrize(("text", "want"), [
    ("sol closed in profit ✅", Upd("SOL/USDT", "close")),
    ("Congrats! SOL hit all targets ✅", Upd("SOL/USDT", "target_hit")),
    ("AVAX stopped out", Upd("AVAX/USDT", "stop_hit")),
    ("#SOL/USDT TP2 ✅ BTC looks strong", Upd("SOL/USDT", "target_hit", 2)),  # a tagged coin
    ("#ARB/USDT closed. BTC looks weak", Upd("ARB/USDT", "close")),
    ("move sl to entry on link", Upd("LINK/USDT", "move_sl", breakeven=True)),
    ("CLOSED HALF NEAR ENTRY ✅", Upd(None, "close")),
])
def test_one_coin_named_stays_its_follow_up(text: str, want: Upd) -> None:  # guard
    check_update(text, want)


# --- a stop moved to an ordinal target, or to a percentage ----------------------------------------
# Before: "Move stop loss to 2nd target" moved the stop to the price 2, "move SL 2% below entry"
# to the price 2 as well.

@pytest.mark.parametrize(("text", "index"), [
    ("#BNB/USDT Move stop loss to 2nd target", 2),
    ("#SOL/USDT Move SL to 4th target", 4),
    ("#SOL/USDT Set SL at 1st TP", 1),
    ("#SOL/USDT Move SL to the first target", 1),
])
def test_a_stop_moved_to_an_ordinal_target(text: str, index: int) -> None:
    check_update(text, Upd(text.split()[0][1:], "move_sl", stop_to_target=index))


@pytest.mark.parametrize("text", ["#SOL/USDT move SL 2% below entry", "#SOL/USDT Move SL to 2nd"])
def test_a_stop_moved_to_no_price_is_refused(text: str) -> None:
    assert check_noise(text) == ("the stop moves to a level not written as a price: where is "
                                  "unsure")


@pytest.mark.parametrize(("text", "want"), [
    ("#BNB/USDT Move SL to TP1", Upd("BNB/USDT", "move_sl", stop_to_target=1)),
    ("#BNB/USDT Move SL to 1.234", Upd("BNB/USDT", "move_sl", new_stop="1.234")),
    ("#BTC/USDT Move SL to 63.5k", Upd("BTC/USDT", "move_sl", new_stop="63500")),
    ("#SOL/USDT stop loss moved to 146 (TP1)", Upd("SOL/USDT", "move_sl", new_stop="146")),
    ("#SOL/USDT SL moved to TP 1 (146)", Upd("SOL/USDT", "move_sl", stop_to_target=1)),
    ("#OP/USDT 🎯 TP2 ✅ 40% profit. Move SL to entry",
     Upd("OP/USDT", "move_sl", 2, breakeven=True)),
])
def test_stop_moves_read_right_before_stay_so(text: str, want: Upd) -> None:  # guard
    check_update(text, want)


# --- prices in satoshis, and a pair quoted in a coin ----------------------------------------------
# Before: "Buy: 120-125 sats" on XVG/BTC was a buy at 120 BTC; "Buy zone: 1200 - 1250" on ADA/BTC
# (satoshis written whole, as Cornix reads them) a buy at 1200 BTC.

@pytest.mark.parametrize(("text", "want"), [
    ("#XVG/BTC\nBuy: 120-125 sats\nSell: 140 / 160 / 185 sats\nStop: 105 sats",
     Sig("XVG/BTC", "long", ("0.00000120", "0.00000125"),
         ("0.00000140", "0.00000160", "0.00000185"), "0.00000105")),
    ("#XLM/BTC LONG\nEntry: 410 satoshi\nTP: 440 satoshi\nSL: 390 satoshi",
     Sig("XLM/BTC", "long", ("0.00000410",), ("0.00000440",), "0.00000390")),
    ("$RVN/BTC buy 45-48 sat\ntargets 55, 60, 70 sat\nstop 40 sat",
     Sig("RVN/BTC", "long", ("4.5E-7", "4.8E-7"), ("5.5E-7", "6.0E-7", "7.0E-7"), "4.0E-7")),
])
def test_prices_in_satoshis_are_read_in_btc(text: str, want: Sig) -> None:
    check_signal(text, want)


def test_a_stop_moved_in_satoshis() -> None:
    check_update("#XVG/BTC Move SL to 130 sats",
                 Upd("XVG/BTC", "move_sl", new_stop="0.00000130"))


@pytest.mark.parametrize(("text", "reason"), [
    ("#XVG\nBuy: 120-125 sats\nSell: 140 / 160 sats\nStop: 105 sats",
     "prices written in satoshis on XVG/USDT, which is not quoted in BTC: the price scale is "
     "unsure"),
    ("Move SL to 130 sats",
     "a stop in satoshis on a follow-up naming no pair: the price scale is unsure"),
    ("#ADA/BTC\nBuy zone: 1200 - 1250\nTargets: 1400 1550 1700\nStop: 1100",
     "a price of 1200 BTC for one ADA is no price the coin has (satoshis written whole?): the "
     "price scale is unsure"),
    ("#DOGE/BTC\nBuy zone: 210 - 220\nTargets: 240 260\nStop: 195", None),
    ("#XRP/BTC\nBuy: 850-830\nTargets: 900-950\nStop: 800", None),
    ("#LINK/ETH LONG\nEntry: 41200 - 40500\nTP: 44000\nSL: 39000", None),
    ("#ADA/BTC new SL 1150", None),
])
def test_an_unsure_price_scale_is_refused(text: str, reason: str | None) -> None:
    got = check_noise(text)
    assert got is not None and (got == reason if reason else "price scale is unsure" in got)


@pytest.mark.parametrize(("text", "want"), [
    ("#1000SATS/USDT SHORT\nEntry: 0.000321\nTP: 0.000309\nSL: 0.000338",
     Sig("1000SATS/USDT", "short", ("0.000321",), ("0.000309",), "0.000338")),
    ("#1000SATSUSDT LONG\nEntry: 0.000321\nTP: 0.000340\nSL: 0.000305",
     Sig("1000SATS/USDT", "long", ("0.000321",), ("0.000340",), "0.000305")),
    ("#ETH/BTC LONG\nEntry: 0.0521\nTP: 0.0535 / 0.0550\nSL: 0.0510",
     Sig("ETH/BTC", "long", ("0.0521",), ("0.0535", "0.0550"), "0.0510")),
    ("#XVG/BTC\nBuy: 0.00000120 - 0.00000125\nSell: 0.00000140 - 0.00000160\n"
     "Stop: 0.00000105",
     Sig("XVG/BTC", "long", ("0.00000120", "0.00000125"), ("0.00000140", "0.00000160"),
         "0.00000105")),
    ("#LINK/ETH\nBuy: 0.00412 - 0.00405\nSell: 0.00440 / 0.00465\nStop: 0.00390",
     Sig("LINK/ETH", "long", ("0.00412", "0.00405"), ("0.00440", "0.00465"), "0.00390")),
])
def test_prices_in_the_quote_stay_so(text: str, want: Sig) -> None:  # guard
    check_signal(text, want)


def test_a_stop_moved_on_a_btc_pair_in_btc() -> None:  # guard
    check_update("#ETH/BTC Move SL to 0.0515", Upd("ETH/BTC", "move_sl", new_stop="0.0515"))


# --- two prices a comma apart with no space -------------------------------------------------------
# Before: "Entry: 3400,3380" was one entry at 3400.338, and "Move SL to 3400,3380" moved the
# stop there.

@pytest.mark.parametrize(("text", "want"), [
    ("#BTC/USDT LONG\nEntry: 63500,63000\nTP: 64800,66000\nSL: 62400",
     Sig("BTC/USDT", "long", ("63500", "63000"), ("64800", "66000"), "62400")),
    ("#ETH/USDT LONG\nEntry: 3400,3380\nTP: 3450,3500\nSL: 3350",
     Sig("ETH/USDT", "long", ("3400", "3380"), ("3450", "3500"), "3350")),
])
def test_whole_prices_a_comma_apart_are_two(text: str, want: Sig) -> None:
    check_signal(text, want)


def test_a_stop_moved_to_two_prices_is_refused() -> None:
    assert check_noise("#ETH/USDT Move SL to 3400,3380") == (
        "the new stop is not written as one price: where is unsure")


@pytest.mark.parametrize(("text", "want"), [
    ("#BTC/USDT LONG\nEntry: 63500,5\nTP: 64000,5\nSL: 63000,5",
     Sig("BTC/USDT", "long", ("63500.5",), ("64000.5",), "63000.5")),
    ("#ETH/USDT LONG\nEntry: 3,400\nTP: 3,450\nSL: 3,350",
     Sig("ETH/USDT", "long", ("3400",), ("3450",), "3350")),
    ("#ETH/USDT LONG\nEntry: 3,234.5\nTP: 3,300 / 3,380.5\nSL: 3,180",
     Sig("ETH/USDT", "long", ("3234.5",), ("3300", "3380.5"), "3180")),
    ("#ADA/USDT LONG\nEntrada: 0,4567\nObjetivos: 0,4650 - 0,4720\nStop: 0,4450",
     Sig("ADA/USDT", "long", ("0.4567",), ("0.4650", "0.4720"), "0.4450")),
])
def test_commas_read_right_before_stay_so(text: str, want: Sig) -> None:  # guard
    check_signal(text, want)


# --- a question or a statistic about targets ------------------------------------------------------
# Before: "Who closed ETH in profit?" closed ETH; "TP1 hit rate this month: 87%" took TP1 on the
# channel's latest call.

@pytest.mark.parametrize("text", ["Who closed ETH in profit? 🙋", "TP1 hit rate this month: 87%"])
def test_a_question_or_statistic_is_no_follow_up(text: str) -> None:
    check_noise(text)


@pytest.mark.parametrize("text", ["Anyone closed SOL?", "Have you closed ETH?"])
def test_other_questions_stay_no_follow_up(text: str) -> None:  # guard
    check_noise(text)


@pytest.mark.parametrize(("text", "want"), [
    ("#ETH/USDT TP1 hit ✅ what a move!", Upd("ETH/USDT", "target_hit", 1)),
    ("#ETH/USDT TP1 hit +25% profit (10x) 🚀", Upd("ETH/USDT", "target_hit", 1)),
])
def test_a_hit_stays_a_hit(text: str, want: Upd) -> None:  # guard
    check_update(text, want)


# --- a message in capitals headed by an unknown word ----------------------------------------------
# Before: "SHIB1000 TP2 ✅" and "XYZ TP2 ✅" named no coin, and acted on the channel's latest call
# whatever its coin.

def test_a_ticker_with_digits_in_capitals_is_the_coin() -> None:
    check_update("SHIB1000 TP2 ✅", Upd("SHIB1000/USDT", "target_hit", 2))
    check_update("PEPE1000 TP1 HIT", Upd("PEPE1000/USDT", "target_hit", 1))


def test_an_unknown_word_heading_a_post_in_capitals_is_refused() -> None:
    assert check_noise("XYZ TP2 ✅") == (
        "the follow-up starts with XYZ, a coin or a word: which trade is unsure")


@pytest.mark.parametrize(("text", "want"), [
    ("LONG TP1 HIT 🎯", Upd(None, "target_hit", 1)),
    ("TRADE CLOSED EARLY", Upd(None, "close")),
    ("1INCH TP2 ✅", Upd("1INCH/USDT", "target_hit", 2)),
    ("JASMY TP2 ✅", Upd("JASMY/USDT", "target_hit", 2)),
    ("MOVE SL TO BE", Upd(None, "move_sl", breakeven=True)),
])
def test_known_words_and_coins_in_capitals_stay_so(text: str, want: Upd) -> None:  # guard
    check_update(text, want)


# --- a spot call that writes no side, OKX's "-SWAP", a close at market ----------------------------
# Before: "SPOT ... Entry: CMP" was refused (no side), "BTC-USDT-SWAP" had no market, and "Close
# at market" was no close.

def test_a_spot_call_without_a_side_is_a_buy() -> None:
    check_signal("#FTM/USDT SPOT\nEntry: CMP\nTargets: 0.75 / 0.82 / 0.95\nSL: 0.58",
                 Sig("FTM/USDT", "long", (), ("0.75", "0.82", "0.95"), "0.58", at_market=True,
                     market=_SPOT))


def test_a_short_on_spot_is_still_refused() -> None:  # guard
    assert check_noise("#ETH/USDT SPOT SHORT\nEntry: 3400\nTP: 3300\nSL: 3500") == (
        "a short on the spot market, which sells nothing short")


def test_okx_swap_is_futures() -> None:
    check_signal("BTC-USDT-SWAP SHORT\nEntry: 63500\nTP: 62500\nSL: 64200",
                 Sig("BTC/USDT", "short", ("63500",), ("62500",), "64200", market=_FUT))


def test_close_at_market() -> None:
    check_update("#SOL/USDT Close at market ⚠️ reversal", Upd("SOL/USDT", "close"))


# --- a bare "20x" before the labelled leverage ---------------------------------------------------
# Before: "TP: 2.55 (20x = 80%)" above "Leverage 10x" set the call's leverage to 20x.

def test_the_labelled_leverage_wins_over_a_bare_one() -> None:
    check_signal("#WIF/USDT LONG\nEntry: 2.45\nTP: 2.55 (20x = 80%)\nSL: 2.30\nLeverage 10x",
                 Sig("WIF/USDT", "long", ("2.45",), ("2.55",), "2.30", 10, market=_FUT))


@pytest.mark.parametrize(("text", "leverage"), [
    ("#OP/USDT LONG (20x)\nEntry 1.85\nTP 1.95\nSL 1.78", 20),
    ("#OP/USDT LONG\nLeverage: 20x (for beginners 10x)\nEntry 1.85\nTP 1.95\nSL 1.78", 20),
    ("#OP/USDT LONG\nLev: 20X to 50X\nEntry 1.85\nTP 1.95\nSL 1.78", 20),
    ("#OP/USDT LONG\nLeverage: Cross 50x - 100x\nEntry 1.85\nTP 1.95\nSL 1.78", 50),
])
def test_other_leverages_stay_so(text: str, leverage: int) -> None:  # guard
    check_signal(text, Sig("OP/USDT", "long", ("1.85",), ("1.95",), "1.78", leverage,
                           market=_FUT))


# --- regression cover: layouts that already read right ------------------------------------------

SIGNALS = [
    pytest.param("#LINK/USDT SPOT\nBuy zone: 14.20 - 13.80\nSell: 15.50 / 16.80 / 18.00\n"
                 "SL: 12.90",
                 Sig("LINK/USDT", "long", ("14.20", "13.80"), ("15.50", "16.80", "18.00"),
                     "12.90", market=_SPOT), id="spot_buy_zone_sell"),
    pytest.param("#BTC SPOT\nBuy zone 62000-61000\nSell zone 66000-68000\nSL 59500",
                 Sig("BTC/USDT", "long", ("62000", "61000"), ("66000", "68000"), "59500",
                     market=_SPOT), id="spot_sell_zone_targets"),
    pytest.param("#ALGO/USDT\nAccumulate between 0.45 - 0.40\nTargets: 0.55, 0.65, 0.80\n"
                 "Stop: 0.36",
                 Sig("ALGO/USDT", "long", ("0.45", "0.40"), ("0.55", "0.65", "0.80"), "0.36"),
                 id="accumulate_between"),
    pytest.param("#DOT/USDT long-term HODL 💎\nBuy: 6.20-5.80\nTargets: 8 / 10 / 14 / 20\n"
                 "No SL, spot only",
                 Sig("DOT/USDT", "long", ("6.20", "5.80"), ("8", "10", "14", "20"), None,
                     market=_SPOT), id="hodl_no_stop"),
    pytest.param("#PEPE/USDT LONG\nEntry: $0.0000123\nTP: $0.0000135 / $0.0000150\n"
                 "SL: $0.0000115",
                 Sig("PEPE/USDT", "long", ("0.0000123",), ("0.0000135", "0.0000150"),
                     "0.0000115"), id="dollar_small_prices"),
    pytest.param("#1000PEPEUSDT LONG\nEntry: 0.01234\nTP: 0.0130 / 0.0140\nSL: 0.0118",
                 Sig("1000PEPE/USDT", "long", ("0.01234",), ("0.0130", "0.0140"), "0.0118"),
                 id="1000pepe_glued"),
    pytest.param("#SHIB1000/USDT LONG\nEntry: 0.0245\nTP: 0.0255\nSL: 0.0236",
                 Sig("SHIB1000/USDT", "long", ("0.0245",), ("0.0255",), "0.0236"),
                 id="shib1000"),
    pytest.param("#BTCDOMUSDT LONG\nEntry 1850\nTP 1900 / 1950\nSL 1820",
                 Sig("BTCDOM/USDT", "long", ("1850",), ("1900", "1950"), "1820"), id="btcdom"),
    pytest.param("#SOL/FDUSD LONG\nEntry: 142.5\nTP: 146 / 150\nSL: 138",
                 Sig("SOL/FDUSD", "long", ("142.5",), ("146", "150"), "138"), id="fdusd"),
    pytest.param("BTCUSDTPERP SHORT\nEntry: 63500\nTP: 62500\nSL: 64200",
                 Sig("BTC/USDT", "short", ("63500",), ("62500",), "64200", market=_FUT),
                 id="usdtperp"),
    pytest.param("BTC-PERP LONG\nEntry: 63500\nTP: 64500\nSL: 62800",
                 Sig("BTC/USDT", "long", ("63500",), ("64500",), "62800", market=_FUT),
                 id="dash_perp"),
    pytest.param("#ADA/USDT LONG\nEntry: 0.5432 - 0.5210\nTP: 0.5600 / 0.5800\nSL: 0.5100",
                 Sig("ADA/USDT", "long", ("0.5432", "0.5210"), ("0.5600", "0.5800"), "0.5100"),
                 id="zone_high_to_low"),
    pytest.param("#OP/USDT LONG\nEntry below 1.20\nTP: 1.28 / 1.35\nSL: 1.12",
                 Sig("OP/USDT", "long", ("1.20",), ("1.28", "1.35"), "1.12"), id="entry_below"),
    pytest.param("#SOL/USDT LONG\nEntry: 142.5\nTP: 2% 4% 6%\nSL: 3%",
                 Sig("SOL/USDT", "long", ("142.5",), ("145.35", "148.2", "151.05"), "138.225"),
                 id="targets_and_stop_in_pct"),
    pytest.param("#SOL/USDT SHORT\nEntry: 142.5\nTP: 140 / 138\nSL: -5%",
                 Sig("SOL/USDT", "short", ("142.5",), ("140", "138"), "149.625"),
                 id="stop_minus_pct"),
    pytest.param("#LINK/USDT SHORT\nCross 20-50x\nEntry: 14.2\nTP: 13.8\nSL: 14.6",
                 Sig("LINK/USDT", "short", ("14.2",), ("13.8",), "14.6", 20, market=_FUT),
                 id="cross_leverage_range"),
    pytest.param("#LINK/USDT LONG\nLeverage: 5x-10x\nEntry: 14.2\nTP: 14.8\nSL: 13.7",
                 Sig("LINK/USDT", "long", ("14.2",), ("14.8",), "13.7", 5, market=_FUT),
                 id="leverage_range_lower_end"),
    pytest.param("#WIF/USDT LONG\nEntry: 2.45\nTP: 2.55\nSL: 2.30\nLeverage: 100x-200x",
                 Sig("WIF/USDT", "long", ("2.45",), ("2.55",), "2.30", 100, market=_FUT),
                 id="leverage_range_past_the_cap"),
    pytest.param("#BTC/USDT SHORT\nEntry: 64.2K\nTarget: 63.8K - 63.2K\nStop: 64.9K",
                 Sig("BTC/USDT", "short", ("64200",), ("63800", "63200"), "64900"),
                 id="thousands_k"),
]

UPDATES = [
    pytest.param("Bybit USDT Futures\n#BTC/USDT Take-Profit target 2 ✅\nProfit: 12.5% 📈\n"
                 "Period: 3 Hours 12 Minutes ⏰", Upd("BTC/USDT", "target_hit", 2),
                 id="cornix_target"),
    pytest.param("ByBit USDT\n#BTC/USDT Closed at stoploss after reaching take profit ⚠️",
                 Upd("BTC/USDT", "stop_hit"), id="cornix_stop_after_target"),
    pytest.param("Binance Futures\n#SOL/USDT Cancelled ❌\nTarget achieved before entering the "
                 "entry zone", Upd("SOL/USDT", "cancel"), id="cornix_cancelled"),
    pytest.param("Binance Futures, Bybit USDT\n#1000PEPE/USDT Take-Profit target 1 ✅\n"
                 "Profit: 26.1% 📈", Upd("1000PEPE/USDT", "target_hit", 1), id="cornix_1000pepe"),
    pytest.param("#LINK/USDT Closed due to reversal signal 🔄", Upd("LINK/USDT", "close"),
                 id="reversal_close"),
    pytest.param("#XRP/USDT SL hit -5% ❌", Upd("XRP/USDT", "stop_hit"), id="stop_minus_pct"),
    pytest.param("#DOGE/USDT cancelled — not triggered", Upd("DOGE/USDT", "cancel"),
                 id="not_triggered"),
    pytest.param("#BNB/USDT move stop to cost", Upd("BNB/USDT", "move_sl", breakeven=True),
                 id="stop_to_cost"),
    pytest.param("BTC-USDT-SWAP TP1 reached ✅", Upd("BTC/USDT", "target_hit", 1), id="swap_tp"),
    pytest.param("#TIA/USDT 3/5 targets done ✅", Upd("TIA/USDT", "target_hit", 3), id="count"),
    pytest.param("#BTC/USDT Hedef 2 ulaşıldı ✅", Upd("BTC/USDT", "target_hit", 2), id="tr_hit"),
    pytest.param("TP1 ✅", Upd(None, "target_hit", 1), id="reply_tp1"),
    pytest.param("SL hit -5%", Upd(None, "stop_hit"), id="reply_stop"),
]

NOISE = [
    pytest.param("Done ✅", id="reply_done"),
    pytest.param("Closed", id="reply_closed"),
    pytest.param("#SOL/USDT take some profit", id="partial_of_nothing_said"),
    pytest.param("#BNB/USDT trail your stop", id="trail_to_nowhere"),
    pytest.param("#BTC TP1 ✅ #ETH TP2 ✅", id="tagged_coins"),
    pytest.param("Weekly results 🔥\n#BTC ✅ +45%\n#ETH ✅ +30%\n#SOL ❌ -10%", id="weekly"),
    pytest.param("WEEKLY RESULTS\nBTC ✅ 120%\nETH ✅ 80%\nSOL ✅ 45%", id="weekly_caps"),
    pytest.param("#LINK/USDT LONG\nLeverage: 150x\nEntry: 14.2\nTP: 14.5\nSL: 14.0",
                 id="leverage_past_the_cap"),
    pytest.param("#PEPE/USDT LONG\nEntry: 0.0₅1234\nTP: 0.0₅1300\nSL: 0.0₅1150",
                 id="subscript_zeros"),
    pytest.param("#ARB/USDT add more at 1.02", id="dca_alone"),
]


@pytest.mark.parametrize(("text", "want"), SIGNALS)
def test_regression_signal(text: str, want: Sig) -> None:
    check_signal(text, want)


@pytest.mark.parametrize(("text", "want"), UPDATES)
def test_regression_update(text: str, want: Upd) -> None:
    check_update(text, want)


@pytest.mark.parametrize("text", NOISE)
def test_regression_noise(text: str) -> None:
    check_noise(text)


def test_a_half_close_keeps_its_share() -> None:
    result = parse_message("#SOL/USDT close 50% and hold the rest")
    assert result.update is not None and result.update.close_share == Decimal("0.5")


# --- "close all" --------------------------------------------------------------------------------
# Before: a close of the chat's latest call only; the channel's other trades stayed open.

@pytest.mark.parametrize(("text", "side"), [
    ("Close all positions now", None), ("CLOSE ALL NOW", None), ("Exit all trades", None),
    ("Close everything, market is dumping", None), ("close all longs", "long"),
    ("Closing all shorts now", "short"), ("Close all open positions", None),
])
def test_close_all_is_every_trade_of_the_channel(text: str, side: str | None) -> None:
    update = parse_message(text).update
    assert update is not None and update.action == "close" and update.symbol is None
    assert update.all_positions and (update.all_side.value if update.all_side else None) == side


@pytest.mark.parametrize("text", ["Close all #BTC positions", "#ETH closed", "Close it now",
                                  "Close 50% of all positions"])
def test_a_close_naming_a_coin_or_a_share_is_no_close_all(text: str) -> None:  # guard
    update = parse_message(text).update
    assert update is not None and not update.all_positions


@pytest.mark.parametrize("text", ["Don't close all positions", "Should we close all positions?",
                                  "We closed all our positions yesterday in profit"])
def test_no_close_all_when_negated_asked_or_past(text: str) -> None:  # guard
    assert parse_message(text).update is None


# --- TradingView's "{{exchange}}:{{ticker}}" for a perpetual ----------------------------------
# Before: "BINANCE:BTCUSDT.P LONG 65000 ..." was noise ("no entry price"): the ".P" kept the
# coin from standing before the side word.

@pytest.mark.parametrize(("text", "want"), [
    ("BINANCE:BTCUSDT.P LONG 65000 TP 66000 SL 64000",
     Sig("BTC/USDT", "long", ("65000",), ("66000",), "64000", market=MarketType.FUTURES)),
    ("BYBIT:SOLUSDT.P short 150 tp 145 sl 155",
     Sig("SOL/USDT", "short", ("150",), ("145",), "155", market=MarketType.FUTURES)),
    ("LONG BTCUSDT.P 65000 TP 66000 SL 64000",
     Sig("BTC/USDT", "long", ("65000",), ("66000",), "64000", market=MarketType.FUTURES)),
])
def test_a_tradingview_perpetual_ticker_before_the_side(text: str, want: Sig) -> None:
    check_signal(text, want)
