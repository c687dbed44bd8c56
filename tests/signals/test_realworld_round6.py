"""Round 6 of probing the reader with channel messages as traders meet them: a "Sell zone" or
"Buy:" line that closes the trade, order and setup labels, misspelt stop labels, stops moved to
a level written a few words on, "Close" over a list of targets, hashtag and emoji side words,
shorts on the spot market, and follow-ups in Arabic, Persian and Russian.

The layouts follow public channel conventions (Cornix posts and bot updates, Binance futures
channels' "Long/Buy", "Entry Point -", "BUY Order:-", "Sell Zone:", "#SHORT 35100-37260 /
Close ...", "STOL LOSS", Arabic and Persian channels); coins and prices are made up.

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


# --- a "Sell zone" after a buy is where the trade sells -----------------------------------------
# Before: "Sell zone" was a short's entry zone wherever it stood, so its prices joined the long's
# entries: a long bought up to its own targets, with no target at all.

def test_sell_zone_after_a_buy_zone_is_the_targets() -> None:
    check_signal("#AVAX/USDT\nBuy zone: 24.50 - 25.20\nSell zone: 26.8 / 28 / 30\nSL: 23.70\nSpot",
                  Sig("AVAX/USDT", "long", ("24.50", "25.20"), ("26.8", "28", "30"), "23.70",
                      market=_SPOT))


def test_sell_zone_under_a_long_is_the_targets() -> None:
    check_signal("#BNB_USDT Scalp Long!!\n\n Entry Zone:590 & 580\n\nSell Zone:593-597-605\n\n"
                  "StopLoss : 1H Candle Close Under 560\n\nLev: Cross With 50-75X",
                  Sig("BNB/USDT", "long", ("590", "580"), ("593", "597", "605"), "560", 50,
                      market=_FUT))


def test_sell_zone_alone_is_still_a_shorts_entry() -> None:  # guard
    check_signal("#ETH/USDT\nSell zone: 3450 - 3480\nTP: 3400 / 3350\nSL: 3520",
                  Sig("ETH/USDT", "short", ("3450", "3480"), ("3400", "3350"), "3520"))


@pytest.mark.parametrize("text", [
    "Daily levels #BTC: Buy zone 62000-62500, sell zone 66000-66500",  # round 5
    "Key levels #ETH: buy zone 3300-3320, sell zone 3450-3500",
])
def test_a_map_of_levels_is_no_call(text: str) -> None:  # guard
    check_noise(text)


# --- a "Buy" line after a short's entry is where the short buys back ---------------------------
# Before: read as more entries of the short, below its first one, and the short had no target.

@pytest.mark.parametrize("text", [
    "#OP/USDT SHORT\nEntry: 1.85\nBuy: 1.80 / 1.75\nStop: 1.93",
    "#OP/USDT\nSell: 1.85\nBuy: 1.80 / 1.75\nStop: 1.93",
    "#OP/USDT\nSell order: 1.85\nBuy order: 1.80 / 1.75\nStop: 1.93",
])
def test_buy_after_a_shorts_entry_is_its_target(text: str) -> None:
    check_signal(text, Sig("OP/USDT", "short", ("1.85",), ("1.80", "1.75"), "1.93"))


@pytest.mark.parametrize(("text", "want"), [
    pytest.param("➡️ SHORT LINKUSDT | Binance\n\n❇️ Buy: 17.00000000\n\n☑️ Target 1: 16.15000000 "
                 "(5%)\n\n☑️ Target 2: 15.30000000 (10%)\n\n⛔️ Stoploss: 17.85000000  (-5%)\n\n"
                 "💫 Leverage : 10x",
                 Sig("LINK/USDT", "short", ("17.00000000",), ("16.15000000", "15.30000000"),
                     "17.85000000", 10, market=_FUT), id="buy_label_is_the_shorts_entry"),
    pytest.param("#ETHUSDT\n\n📍 SHORT\n\nLeverage : 20x\n\nBuy : 3400 - 3360 - 3330\n\n"
                 "Sell Targets ::\n\n3300 - 3260 - 3210 - 3160\n\n🔻 StopLoss : 3550",
                 Sig("ETH/USDT", "short", ("3400", "3360", "3330"),
                     ("3300", "3260", "3210", "3160"), "3550", 20, market=_FUT),
                 id="buy_then_sell_targets_under_short"),
    pytest.param("#ARB/USDT LONG\nEntry: 0.51\nBuy: 0.49\nTP: 0.56\nSL: 0.46",
                 Sig("ARB/USDT", "long", ("0.51", "0.49"), ("0.56",), "0.46"),
                 id="second_buy_of_a_long_is_an_entry"),
])
def test_a_buy_label_before_or_in_a_long_stays_an_entry(text: str, want: Sig) -> None:  # guard
    check_signal(text, want)


# --- order and setup labels ---------------------------------------------------------------------
# Before: "Buy Order:" and "Buy setup:" were no entry label (the call was rejected, or its
# "order" read as a coin), and "Sell Order:" no target label (the targets were dropped).

@pytest.mark.parametrize(("text", "want"), [
    pytest.param("#SKLUSDT FUTURE Call\n#LONG\nBUY Order:- 0.03800-0.03850\n\n"
                 "Sell :- 0.03870-0.03900-0.03930\n\nUse 10X Leverage\n\nSTOP LOSS:- 0.03500",
                 Sig("SKL/USDT", "long", ("0.03800", "0.03850"), ("0.03870", "0.03900", "0.03930"),
                     "0.03500", 10, market=_FUT), id="buy_order_colon_dash"),
    pytest.param("FET/USDT Buy Order: 2.10\nSell Orders: 2.20 / 2.30\nStop Loss: 2.00",
                 Sig("FET/USDT", "long", ("2.10",), ("2.20", "2.30"), "2.00"),
                 id="buy_order_sell_orders"),
    pytest.param("#GALA/USDT\n🟢 BUY ORDER: 0.0410 - 0.0420\n🔴 SELL ORDER: 0.0440 - 0.0460 - "
                 "0.0480\n⛔ STOP: 0.0395",
                 Sig("GALA/USDT", "long", ("0.0410", "0.0420"), ("0.0440", "0.0460", "0.0480"),
                     "0.0395"), id="sell_order_targets_kept"),
    pytest.param("1INCH/USDT buy setup : 0.327$ - 0.33$ x10\n\nTarget : 0.34$ - 0.36$ - 0.38$\n\n"
                 "SL : 0.3$",
                 Sig("1INCH/USDT", "long", ("0.327", "0.33"), ("0.34", "0.36", "0.38"), "0.3", 10,
                     market=_FUT), id="buy_setup"),
    pytest.param("#OP/USDT SHORT\nSell order: 1.85 - 1.88\nTargets: 1.80 / 1.75\nStop: 1.93",
                 Sig("OP/USDT", "short", ("1.85", "1.88"), ("1.80", "1.75"), "1.93"),
                 id="sell_order_is_a_shorts_entry"),
])
def test_order_and_setup_labels(text: str, want: Sig) -> None:
    check_signal(text, want)


@pytest.mark.parametrize("text", [
    "Whale alert: huge BTC buy order at 62000 and sell orders at 66000-66500 🐋",
    "Binance order book: buy orders stacked at 3300 / 3250, sell orders at 3500",
    "Our buy setup for BTC worked perfectly, +12% from 62000 to 69440 🚀",
    # "Buy Setup: 67.1-66.3" over "68K - 69K - 71.4 - 72.2K": thousands written two ways
    "#BTC/USDT\nLONG\nBuy Setup:  67.1-66.3\n\nSELL:\n68K - 69K - 71.4 - 72.2K\n\n"
    "LEV : 5X - 10X - 25X\n\n❗️STOP LOSS : 64.4",
])
def test_order_talk_is_no_call(text: str) -> None:  # guard
    check_noise(text)


# --- misspelt stop labels -------------------------------------------------------------------------
# Before: the stop line was not read, and the call was traded without its stop (or, for "S.L",
# its stop was read as one more target and the call rejected).

@pytest.mark.parametrize("label", ["STOL LOSS", "STOPLOSE", "STOPLOS", "S.L", "S.L."])
def test_a_misspelt_stop_label_still_gives_the_stop(label: str) -> None:
    text = (f"#DOGEUSDT #LONG\n\nBUY : 0.1400$- 0.1450$\nTAKE PROFIT:\nTARGET 1 : 0.1500$\n"
            f"TARGET 2 : 0.1560$\nTARGET 3 : 0.1620$\n\n❗️{label} : 0.1320$\n\nUse 2% Fund Only\n\n"
            "LEVERAGE:  10X-20X (CROSS)")
    check_signal(text, Sig("DOGE/USDT", "long", ("0.1400", "0.1450"),
                            ("0.1500", "0.1560", "0.1620"), "0.1320", 10, market=_FUT))


# --- a stop moved to a level written a few words on ---------------------------------------------
# Before: "Move SL" was read with no level, which moves the stop to the entry: "Move your stop
# loss on #SOL to 148.5" (or "up to TP1") put it at the entry instead.

@pytest.mark.parametrize("text", [
    "Move your stop loss on #SOL to 148.5",
    "Move SL for #SOL to 148.5",
    "#SOL move stop-loss up to 148.5",
    "#SOL move SL now to 148.5",
    "#SOL Move SL in profit to 148.5",
    "#SOL/USDT Move SL to $148.5",
    "#SOL/USDT SL updated → 148.5",
])
def test_a_stop_moved_to_a_price_a_few_words_on(text: str) -> None:
    check_update(text, Upd("SOL/USDT", "move_sl", new_stop="148.5"))


def test_a_stop_moved_up_to_a_target() -> None:
    check_update("#SOL TP1 hit ✅ move SL up to TP1",
                  Upd("SOL/USDT", "move_sl", 1, stop_to_target=1))


@pytest.mark.parametrize("text", ["#SOL move SL to +2%", "#SOL/USDT Move SL below 148.5"])
def test_a_stop_moved_to_a_level_that_is_no_price_is_refused(text: str) -> None:
    assert check_noise(text) == "the stop moves to a level not written as a price: where is unsure"


@pytest.mark.parametrize(("text", "want"), [
    ("#SOL SL moved, TP2 at 150", Upd("SOL/USDT", "move_sl")),  # a target's price is no level
    ("#SOL move SL and take profit at 160", Upd("SOL/USDT", "move_sl")),
    ("#SOL/USDT Move stoploss to entry price", Upd("SOL/USDT", "move_sl", breakeven=True)),
    ("#SOL/USDT Stoploss moved to 148.50 ✅", Upd("SOL/USDT", "move_sl", new_stop="148.50")),
])
def test_stop_moves_read_right_before_stay_so(text: str, want: Upd) -> None:  # guard
    check_update(text, want)


# --- "Close" over a list of prices, and a hashtag side ------------------------------------------
# Before: "Close 63660 61500 59700" under a new call closed the channel's open BTC trade, and
# "#SHORT 65100-67260" was no entry (the call was rejected).

def test_close_over_a_list_of_prices_is_the_calls_targets() -> None:
    check_signal("#BTCUSDT\n\n#SHORT 65100-67260\n\nClose 63660 61500 59700\n\nStop 67980\n\n"
                  "Lev 3X",
                  Sig("BTC/USDT", "short", ("65100", "67260"), ("63660", "61500", "59700"),
                      "67980", 3, market=_FUT))


def test_a_hashtag_side_before_its_prices() -> None:
    check_signal("#BTCUSDT\n\n#SHORT 65100-67260\n\nTargets 63660 61500 59700\n\nStop 67980",
                  Sig("BTC/USDT", "short", ("65100", "67260"), ("63660", "61500", "59700"),
                      "67980"))


def test_prices_after_close_alone_are_no_close() -> None:
    check_noise("#BTCUSDT\nClose 63660 61500 59700")


@pytest.mark.parametrize(("text", "want"), [
    ("CLOSE 1000PEPE", Upd("1000PEPE/USDT", "close")),
    ("Close #BTC at 63660", Upd("BTC/USDT", "close")),
    ("Closed #SOL/USDT at 152.40 with +8% profit", Upd("SOL/USDT", "close")),
])
def test_a_close_with_one_price_stays_a_close(text: str, want: Upd) -> None:  # guard
    check_update(text, want)


# --- an emoji between the side and the coin -------------------------------------------------------
# Before: the entry written after "LONG 🟢 #SOL" or "Enter Long 📈 / ETH/USDT" was not found.

@pytest.mark.parametrize(("text", "want"), [
    ("LONG 🟢 #SOL 142.5\nTP 150 / 155\nSL 135",
     Sig("SOL/USDT", "long", ("142.5",), ("150", "155"), "135")),
    ("Enter Long 📈\n\nETH/USDT 3420\n\nLeverage x5\n\nTargets :\n\n🎯 3470\n🎯 3515\n\n"
     "Stop loss 🔴 3364",
     Sig("ETH/USDT", "long", ("3420",), ("3470", "3515"), "3364", 5, market=_FUT)),
])
def test_an_emoji_between_side_and_coin(text: str, want: Sig) -> None:
    check_signal(text, want)


@pytest.mark.parametrize("text", [
    "Long 🚀 BTC 100k soon! Who is with me?",
    "Short 🔴 BTC if it loses 62000, tp 60000 sl 63000",
])
def test_an_emoji_side_in_talk_is_no_call(text: str) -> None:  # guard
    check_noise(text)


# --- a short on the spot market -------------------------------------------------------------------
# Before: traded as a short on a spot account, which can only sell coins it holds.

@pytest.mark.parametrize("text", [
    "#ETH/USDT SPOT\nSHORT\nEntry: 3400\nTP: 3300\nSL: 3500",
    "#EXCHANGE: Binance(spot)/ Evolve\nLeverage: 50x\n\n #ETH/USDT\n\nScalp Setup\n\n"
    "Short Entry:\n  3679.00\n\nTarget 1 - 3666.48\nTarget 2 - 3648.69",
])
def test_a_short_on_the_spot_market_is_refused(text: str) -> None:
    assert check_noise(text) == "a short on the spot market, which sells nothing short"


def test_a_short_on_spot_and_futures_is_a_futures_short() -> None:  # guard
    check_signal("Binance Spot & Futures\n#ETH/USDT SHORT\nEntry: 3400\nTP: 3300\nSL: 3500\n"
                  "Leverage 10x",
                  Sig("ETH/USDT", "short", ("3400",), ("3300",), "3500", 10, market=_FUT))


# --- follow-ups in Arabic, Persian and Russian ----------------------------------------------------
# Before: noise (the Russian "№" read as no index: "no entry price").

@pytest.mark.parametrize(("text", "want"), [
    pytest.param("#ETH/USDT تم ضرب وقف الخسارة", Upd("ETH/USDT", "stop_hit"), id="ar_stop_hit"),
    pytest.param("#ETH/USDT تم ضرب الستوب ❌", Upd("ETH/USDT", "stop_hit"), id="ar_stop_hit_2"),
    pytest.param("#ETH/USDT الغاء الصفقة", Upd("ETH/USDT", "cancel"), id="ar_cancel_trade"),
    pytest.param("#ETH/USDT تم إلغاء الإشارة", Upd("ETH/USDT", "cancel"), id="ar_signal_cancelled"),
    pytest.param("#ETH/USDT تم تحقيق جميع الأهداف ✅", Upd("ETH/USDT", "target_hit"),
                 id="ar_all_targets"),
    pytest.param("#ETH/USDT همه تارگت ها تاچ شد ✅", Upd("ETH/USDT", "target_hit"),
                 id="fa_all_targets"),
    pytest.param("#ETH/USDT همه تارگت\u200cها تاچ شد ✅", Upd("ETH/USDT", "target_hit"),
                 id="fa_all_targets_zwnj"),
    pytest.param("#ETH/USDT Цель №1 взята ✅", Upd("ETH/USDT", "target_hit", 1),
                 id="ru_target_number_sign"),
    pytest.param("#ETH/USDT Тейк №2 ✅", Upd("ETH/USDT", "target_hit", 2),
                 id="ru_take_number_sign"),
])
def test_follow_ups_in_other_languages(text: str, want: Upd) -> None:
    check_update(text, want)


def test_an_arabic_call_with_its_stop_words_stays_a_call() -> None:  # guard
    check_signal("#DOGE/USDT شراء\nالدخول: 0.1520\nالأهداف: 0.1560 - 0.1600\nوقف الخسارة: 0.1450",
                  Sig("DOGE/USDT", "long", ("0.1520",), ("0.1560", "0.1600"), "0.1450"))


# --- regression cover: layouts that already read right ------------------------------------------

SIGNALS = [
    pytest.param("Binance Futures Signal\nLong/Buy #ZRX/USDT 0.4812\n"
                 "Targets 0.4850 - 0.4890 - 0.4950 - 0.5050\nStoploss 0.4620\nLeverage 5-10x",
                 Sig("ZRX/USDT", "long", ("0.4812",), ("0.4850", "0.4890", "0.4950", "0.5050"),
                     "0.4620", 5, market=_FUT), id="long_slash_buy"),
    pytest.param("Binance Futures Signal\nShort/Sell #AXS/USDT\nEntry Point - 7.430\n"
                 "Targets: 7.400 - 7.370 - 7.320 - 7.250\nLeverage - 10x\nStop Loss - 7.690",
                 Sig("AXS/USDT", "short", ("7.430",), ("7.400", "7.370", "7.320", "7.250"),
                     "7.690", 10, market=_FUT), id="entry_point_dash"),
    pytest.param("Binance Futures/Bybit Signal# 2231\nGet into Long #DOT/USDT @ 6.42\n"
                 "Leverage – 10x\nTarget - 6.48-6.55-6.70-6.90\nStop Loss - 6.20",
                 Sig("DOT/USDT", "long", ("6.42",), ("6.48", "6.55", "6.70", "6.90"), "6.20", 10,
                     market=_FUT), id="get_into_long_at"),
    pytest.param("📊 FUTURES (BINANCE)\n\n#ALGOUSDT\n\nLONG Below : 0.1830\n\n"
                 "MAX 👉5x-7x LEVERAGE Hold\n\nTAKE PROFIT: 0.1880|0.1940|0.2010+\n\nSL: 0.1760",
                 Sig("ALGO/USDT", "long", ("0.1830",), ("0.1880", "0.1940", "0.2010"), "0.1760", 5,
                     market=_FUT), id="long_below_pipes"),
    pytest.param("BTCUSDT LONG 64705-64200\nTarget 65000-65400-66000-66500\nLeverage 10x\n"
                 "Stop 63680",
                 Sig("BTC/USDT", "long", ("64705", "64200"), ("65000", "65400", "66000", "66500"),
                     "63680", 10, market=_FUT), id="pair_side_zone_one_line"),
    pytest.param("⚡️⚡️ #BNB/USDT⚡️⚡️\n\nEntry Zone :\n590,50 - 591,00\nTake-Profit Targets:\n\n"
                 "1) 594,91\n2) 610,55\n3) 630,10\n\nLeverage ×10\n\nStop Targets:\n\n1) 572,80",
                 Sig("BNB/USDT", "long", ("590.50", "591.00"), ("594.91", "610.55", "630.10"),
                     "572.80", 10, market=_FUT), id="cornix_comma_decimals_times_sign"),
    pytest.param("⚡️⚡️ # ETC / USDT ⚡️⚡️\n\nEntry Zone:\n  18.10 - 18.20\n\nTake-Profit Targets:\n"
                 "1) 18.78\n2) 19.36\n\nLeverage×50\n\nStop Targets:\n1) 17.29",
                 Sig("ETC/USDT", "long", ("18.10", "18.20"), ("18.78", "19.36"), "17.29", 50,
                     market=_FUT), id="spaced_hash_pair"),
    pytest.param("Leverage Trading Signal\nPair: BTC/USDT #LONG\nLeverage: cross 100x (not more "
                 "than 3-4% balance)\nTargets : 66000 - 66500 - 67000\nEntry : 65500 - 65700\n"
                 "SL: 64300",
                 Sig("BTC/USDT", "long", ("65500", "65700"), ("66000", "66500", "67000"), "64300",
                     100, market=_FUT), id="targets_before_entry"),
    pytest.param("#BAL|USDT (Binance Futures)\n\nLONG (Place A Bid)\nLvg. : 5x - 10x\n\n"
                 "Entry  : 2.36$ - 2.46$\nTargets :  2.56$ - 2.70$ - 3.00$\n\nStopLoss : 2.189$",
                 Sig("BAL/USDT", "long", ("2.36", "2.46"), ("2.56", "2.70", "3.00"), "2.189", 5,
                     market=_FUT), id="pipe_pair_lvg"),
    pytest.param("OCEANUSDT ❗️LONG\nEntry Price       0,582800\nLeverage :  cross (×20)\n"
                 "Target :  0,592709\nStop loss :  0,57137\nCapital invested :  2%",
                 Sig("OCEAN/USDT", "long", ("0.582800",), ("0.592709",), "0.57137", 20,
                     market=_FUT), id="cross_times_in_brackets"),
    pytest.param("AAVEUSDT | LONG |\n\nENTRY 105 - 95\n\nTARGET 125 - 140 - 160\n\nSTOP LOSS 84\n\n"
                 "LEVERAGE 3–10X",
                 Sig("AAVE/USDT", "long", ("105", "95"), ("125", "140", "160"), "84", 3,
                     market=_FUT), id="pipes_around_side"),
    pytest.param("#LTC/USDT (Long)\n\n🛒Entry 1 - 79.80 (30%)\n\n🛒Entry 2 - 77 (30%)\n\n"
                 "🛒Entry 3 - 75 (40%)\n\n🎯Targets - 84.5 - 87 - 90\n\nStoploss - 73\n\n"
                 "Leverage - 3-4x",
                 Sig("LTC/USDT", "long", ("79.80", "77", "75"), ("84.5", "87", "90"), "73", 3,
                     market=_FUT), id="numbered_entries_with_shares"),
    pytest.param("ICP/USDT\nLeverage 10X\nBuy 7 to 7.2\nSell  7.9\nStop 6.5",
                 Sig("ICP/USDT", "long", ("7", "7.2"), ("7.9",), "6.5", 10, market=_FUT),
                 id="buy_to_sell_stop"),
    pytest.param("DOGE short 😱\n\nEntry now between 0.153 - 0.16\n\nstop 🛑 close 4hr above 0.163 "
                 "or 0.17 manually\n\nTargets 0.145 - 0.137 - 0.12 🎯\n\nLeverage 3x",
                 Sig("DOGE/USDT", "short", ("0.153", "0.16"), ("0.145", "0.137", "0.12"), "0.163",
                     3, at_market=True, market=_FUT), id="entry_now_between"),
    pytest.param("Long/Buy #1INCHUSDT $0.0070\nTarget $0.0077-$0.0085-$0.0099+\n"
                 "Stop Loss Use Below $0.0055\nLeverage Use Only 3x-5x ✈️",
                 Sig("1INCH/USDT", "long", ("0.0070",), ("0.0077", "0.0085", "0.0099"), "0.0055",
                     3, market=_FUT), id="dollar_prices_stop_use_below"),
    pytest.param("#Bybit Call\n\nETH-USDT\n\nBUY LONG: 3460-3480$\n\nLEVERAGE:4x\n\n"
                 "TARGET 1: 3600$\nTARGET 2: 3780$\n\nStop-loss: 3300$",
                 Sig("ETH/USDT", "long", ("3460", "3480"), ("3600", "3780"), "3300", 4,
                     market=_FUT), id="buy_long_label"),
    pytest.param("Long #IOSTUSDT\n\nRisk level - High\n\nEntry Zone: 0.0080-0.0085\n\n"
                 "Targets: 0.009-0.0094-0.0097\n\nLeverage - 3x strictly\n\nOverall stop-loss - "
                 "Overall stoploss at 0.0075. You may move position stop-loss to trade entry "
                 "price\n\nCurrent rate - 0.0082",
                 Sig("IOST/USDT", "long", ("0.0080", "0.0085"), ("0.009", "0.0094", "0.0097"),
                     "0.0075", 3, market=_FUT), id="overall_stoploss_with_advice"),
    pytest.param("#ICX/USDT ON #BINANCE\n\nBUY :- 0.18-0.19-0.2013\n\nTARGET:0.23-0.27-0.29++\n\n"
                 "STOP 🛑:- 0.16\n\nLEV :- 2X/3X",
                 Sig("ICX/USDT", "long", ("0.18", "0.19", "0.2013"), ("0.23", "0.27", "0.29"),
                     "0.16", 2, market=_FUT), id="colon_dash_labels"),
    pytest.param("🔥 #BTC/USDT 🔥\n🟢 LONG\n💰 Entry: 64,250 - 63,800\n🎯 Targets:\n1️⃣ 65,100\n"
                 "2️⃣ 66,000\n3️⃣ 67,500\n🛑 Stop Loss: 62,900\n⚙️ Leverage: Cross 20x",
                 Sig("BTC/USDT", "long", ("64250", "63800"), ("65100", "66000", "67500"), "62900",
                     20, market=_FUT), id="keycap_numbered_thousands"),
    pytest.param("#BTCUSDT LONG\nEntry: $64,250.50\nTP: $65,000 / $66,000\nSL: $63,100",
                 Sig("BTC/USDT", "long", ("64250.50",), ("65000", "66000"), "63100"),
                 id="dollar_thousands_with_decimals"),
    pytest.param("$BTC LONG\nEntry: 64 250\nTP: 65 100 / 66 000\nSL: 62 900",
                 Sig("BTC/USDT", "long", ("64250",), ("65100", "66000"), "62900"),
                 id="space_thousands"),
    pytest.param("#BNB/USDT SHORT\nEntry: 1.012,50\nTP: 998,00 / 985,50\nSL: 1.025,00",
                 Sig("BNB/USDT", "short", ("1012.50",), ("998.00", "985.50"), "1025.00"),
                 id="european_thousands"),
    pytest.param("Pair: OP/USDT\nType: Futures\nSide: Short 🔴\nEntry: 2.45\n"
                 "Targets: 2.38, 2.31, 2.20\nSL: 2.55\nMargin: Cross 15x",
                 Sig("OP/USDT", "short", ("2.45",), ("2.38", "2.31", "2.20"), "2.55", 15,
                     market=_FUT), id="margin_cross"),
    pytest.param("#INJ/USDT SHORT 🔻\nEnter: 24.50\nTake profit 1 -> 24.10\n"
                 "Take profit 2 -> 23.60\nStop loss -> 25.10",
                 Sig("INJ/USDT", "short", ("24.50",), ("24.10", "23.60"), "25.10"),
                 id="arrow_labels"),
    pytest.param("#ATOM/USDT 📉 SHORT\n📍Entry Zone: 8.45 - 8.60\n✅ Take Profits:\n🥇 8.30\n"
                 "🥈 8.15\n🥉 7.95\n❌ Stop: 8.80",
                 Sig("ATOM/USDT", "short", ("8.45", "8.60"), ("8.30", "8.15", "7.95"), "8.80"),
                 id="medal_targets_cross_stop"),
    pytest.param("#ADA/USDT \nLong 🟢\nEntry : 0.4500 ~ 0.4420\n"
                 "Targets : 0.4600 ~ 0.4700 ~ 0.4850\nSL : 0.4300",
                 Sig("ADA/USDT", "long", ("0.4500", "0.4420"), ("0.4600", "0.4700", "0.4850"),
                     "0.4300"), id="tilde_ranges"),
    pytest.param("#SOL/USDT — LONG\nEntry: 142.5 - 140 (CMP)\nTP: 145 | 148 | 152\nSL: 5%",
                 Sig("SOL/USDT", "long", ("142.5", "140"), ("145", "148", "152"), "134.188",
                     at_market=True), id="cmp_zone_stop_pct"),
    pytest.param("#XRP/USDT Long @ 0.52 (market)\nTP 0.54 / 0.56\nSL 0.50",
                 Sig("XRP/USDT", "long", ("0.52",), ("0.54", "0.56"), "0.50", at_market=True),
                 id="at_price_market"),
    pytest.param("Futures Call\nCoin: XRPUSDT\nPosition: LONG\nEntry: Market\nLeverage: 10-20x\n"
                 "Take Profits: 0.54 / 0.56 / 0.60\nStop Loss: 0.48",
                 Sig("XRP/USDT", "long", (), ("0.54", "0.56", "0.60"), "0.48", 10,
                     at_market=True, market=_FUT), id="entry_market_word"),
    pytest.param("#ETH/USDT LONG\nВход: по рынку\nЦели: 3450 / 3500\nСтоп: 3350",
                 Sig("ETH/USDT", "long", (), ("3450", "3500"), "3350", at_market=True),
                 id="ru_market_entry"),
    pytest.param("#ETH/USDT LONG\nGiriş: piyasa fiyatı\nHedefler: 3450 / 3500\nStop: 3350",
                 Sig("ETH/USDT", "long", (), ("3450", "3500"), "3350", at_market=True),
                 id="tr_market_entry"),
    pytest.param("#DOGE/USDT SHORT\nGiriş: 0.1520\nHedefler: 0.1480 - 0.1440\n"
                 "Zarar durdur: 0.1560\nKaldıraç: Çapraz 10x",
                 Sig("DOGE/USDT", "short", ("0.1520",), ("0.1480", "0.1440"), "0.1560", 10,
                     market=_FUT), id="tr_cross_leverage"),
    pytest.param("#DOGE/USDT خرید\nورود: 0.1520\nتارگت ها: 0.1560 - 0.1600\nحد ضرر: 0.1450\n"
                 "اهرم: 10x",
                 Sig("DOGE/USDT", "long", ("0.1520",), ("0.1560", "0.1600"), "0.1450", 10,
                     market=_FUT), id="fa_buy_word_leverage"),
    pytest.param("#ETH/USDT ШОРТ\nВход: 3400-3420\nТейки: 3350 / 3300\nСтоп: 3460\n"
                 "Плечо: кросс 20х",
                 Sig("ETH/USDT", "short", ("3400", "3420"), ("3350", "3300"), "3460", 20,
                     market=_FUT), id="ru_cross_cyrillic_x"),
    pytest.param("ℹ️ Update New Signal Created\n〽️ #BTCUSDT\n💹 BinanceFutures (Long X5)\n\n"
                 "➡️ Pending State\n💰 64742.84\n\n🔀 Entry Zone 🔀\n1️⃣ 64700\n2️⃣ 64600\n"
                 "3️⃣ 64500\n\n🔆 Exit Targets:🔆\n☑️ 64900 / 100%\n\n⛔️ StopLoss ⛔️\n"
                 "➡️ 64150 / 0.85% (Breakeven)\n✳️ Breakeven after 2 target",
                 Sig("BTC/USDT", "long", ("64700", "64600", "64500"), ("64900",), "64150", 5,
                     market=_FUT), id="bot_pending_state"),
    pytest.param("Short\nName: OP/USDT\nMargin mode: Cross (20X)\nEntry price(USDT):\n1.8420\n"
                 "Targets(USDT):\n1) 1.8300\n2) 1.8150\n3) 1.8000\n4) unlimited",
                 Sig("OP/USDT", "short", ("1.8420",), ("1.8300", "1.8150", "1.8000"), None, 20,
                     market=_FUT), id="margin_mode_unlimited_target"),
    pytest.param("BINANCE\nPair: XRP LONG\nLeverage: Cross 15x\nEntry zone: 0.5185 - 0.5292\n"
                 "Targets: 0.5358 - 0.5374 - 0.5397 - null\nSL: 0.5127",
                 Sig("XRP/USDT", "long", ("0.5185", "0.5292"), ("0.5358", "0.5374", "0.5397"),
                     "0.5127", 15, market=_FUT), id="null_target"),
]

UPDATES = [
    pytest.param("Binance Futures\n#WAVES/USDT Cancelled ❌\n"
                 "Target achieved before entering the entry zone",
                 Upd("WAVES/USDT", "cancel"), id="cornix_cancel_target_before_entry"),
    pytest.param("#NEAR/USDT Closed at stoploss after reaching take profit ⚠️",
                 Upd("NEAR/USDT", "stop_hit"), id="cornix_stop_after_target"),
    pytest.param("#SUI/USDT Closed due to opposite direction signal ⚠️", Upd("SUI/USDT", "close"),
                 id="cornix_opposite_signal"),
    pytest.param("#FIL/USDT All entry targets achieved\nAverage Entry Price: 4.85 💵",
                 Upd("FIL/USDT", "other"), id="cornix_entries_filled"),
    pytest.param("#BTC/USDT\nAll take-profit targets achieved 😎\nProfit: 120% 📈\n"
                 "Period: 3 Days 4 Hours ⏰", Upd("BTC/USDT", "target_hit"),
                 id="cornix_all_targets"),
    pytest.param("#XRP/USDT 🎯 TP1 ✔️ TP2 ✔️", Upd("XRP/USDT", "target_hit", 2),
                 id="heavy_check_marks"),
    pytest.param("ETH/USDT TP2 hit! Move SL to TP1", Upd("ETH/USDT", "move_sl", 2,
                                                            stop_to_target=1),
                 id="target_then_stop_to_target"),
    pytest.param("Book 50% profits on #DOGE and move SL to entry",
                 Upd("DOGE/USDT", "move_sl", breakeven=True), id="book_half_and_breakeven"),
    pytest.param("#SOL Закрываем 50% позиции", Upd("SOL/USDT", "close"), id="ru_close_half"),
    pytest.param("#ETH/USDT Operación cerrada en ganancia", Upd("ETH/USDT", "close"),
                 id="es_closed_in_profit"),
    pytest.param("#ETH/USDT Hedef 2 geldi ✅", Upd("ETH/USDT", "target_hit", 2),
                 id="tr_target_came"),
    pytest.param("SOL/USDT – stopped out at entry (breakeven)", Upd("SOL/USDT", "stop_hit"),
                 id="stopped_out_at_entry"),
    pytest.param("Closing eth at entry", Upd("ETH/USDT", "close"), id="closing_lower_case_coin"),
]

NOISE = [
    pytest.param("Stop DOGEUSDT", id="bare_stop_and_pair"),  # close or stop hit: unsure
    pytest.param("BTS/USDT x10 “SHORT”\n\nNow : 0.0555$\n\nTarget : 0.052$ - 0.05$\n\n"
                 "0.06$ can be stop", id="now_label_and_stop_in_prose"),
    pytest.param("THETA short\n\nEntry between cmp 1.8 USDT to 1.95 USDT\n\nstop 🛑 if close 4hr "
                 "above 2$\n\nleverage up to 3x\n\nTargets are 🎯 1.7 - 1.6 - 1.5 and bonus "
                 "target wick down to 1.1 to 1.3 zone", id="bonus_target_zone_in_prose"),
    pytest.param("#BTC/USDT LONG\nEntry: 64,000 - 63,500\nTP1: 65,000\nTP2: 66,500\nSL: 62,000\n"
                 "And #ETH/USDT LONG\nEntry: 3400\nTP: 3500\nSL: 3300", id="two_calls"),
    pytest.param("#BTC #ETH LONG\nEntry: 64000\nTP: 65000\nSL: 63000", id="two_coins_one_call"),
    pytest.param("Book partial profit on $ARB here", id="partial_close_without_share"),
    pytest.param("Close #BTC #ETH #SOL now", id="close_several_coins"),
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


# --- from the end-to-end review: numbers no channel means ----------------------------------

@pytest.mark.parametrize("text", ["new SL -5 ETH", "ETH new SL -5", "ETH new SL −5"])
def test_a_negative_new_stop_is_refused_not_read_without_its_sign(text: str) -> None:
    result = parse_message(text)
    assert result.kind == "noise", result
    assert result.invalid_reason == "the new stop is written as a negative number, which is " \
        "no price"
    assert parse_message("Move SL to -2950 on #ETH").kind == "noise"


@pytest.mark.parametrize("text", ["ETH new SL 2950", "ETH move SL to 2,950",
                                  "#ETH SL moved to 2950 - 2.5% from entry"])
def test_a_new_stop_without_a_sign_still_moves(text: str) -> None:  # guard
    result = parse_message(text)
    assert result.kind == "update" and result.update is not None, result
    assert result.update.new_stop == Decimal(2950)


@pytest.mark.parametrize("text", [
    "Leverage: 99999999999x\n#ETH/USDT LONG\nEntry: 3000\nTarget: 3100\nStop: 2900",
    "#ETH/USDT LONG\nEntry: 3000\nTarget: 3100\nStop: 2900\nLev 1000x"])
def test_a_leverage_too_long_to_be_one_is_refused_not_ignored(text: str) -> None:
    result = parse_message(text)
    assert result.kind == "noise"
    assert result.invalid_reason is not None and "is outside 1..125" in result.invalid_reason


def test_a_price_after_a_margin_word_is_no_leverage() -> None:  # guard
    result = parse_message("#BTC/USDT LONG\nEntry: 65000\nTarget: 66000\nStop: 64000\nCross 20x")
    assert result.signal is not None and result.signal.leverage == 20


def test_a_close_share_in_exponent_form_closes_nothing() -> None:
    result = parse_message("Close 1e400% of #LINK")
    assert (result.kind, result.invalid_reason) == (
        "noise", "a partial close that does not say how much: nothing is closed")
    assert parse_message("#LINK closed +35% profit").kind == "update"  # guard: a result
