"""Round 9 of probing the reader with channel messages as traders meet them, weighted to what
moves money when misread: market talk that names an entry, a target and a stop without calling a
trade ("Good entry for #BTC would be around 63,000 ..."), near misses and questions ("Almost hit
SL", "SL hit? No"), result posts quoting a call, breakout levels in analysis; and layouts no
earlier round holds: "Long from 66,200" under a "$BTC 1H timeframe" header, Indonesian "Beli di",
Russian "лонг по #BTC от 65000", Korean and Chinese ordinal targets, Arabic stop moves, Cornix's
"Stop moved to Take-Profit target 1", "breakeven hit", "Entry zone reached", "Buy back" targets.

The layouts follow public channel conventions (Cornix bot posts, Binance/Bybit futures VIP
channels such as Binance Killers, Wolf of Trading, Fat Pig Signals, Rose Premium and Crypto Inner
Circle, spot "Buy zone / Sell zone" channels, TradingView-style analysis posts, Russian, Turkish,
Arabic, Spanish, Persian, Vietnamese, Indonesian, Korean and Chinese channels); coins and prices
are made up.

The first groups are misreadings that were fixed: each test fails on the reader before its fix,
except the guards (marked "# guard"), which read right before too and keep each fix from reaching
further than it should. The last group keeps messages that already read right, as regression
cover for layouts no earlier round holds."""

from __future__ import annotations

import pytest

from tests.signals.calls import Sig, Upd, check_noise, check_signal, check_update
from verzek.domain.models import MarketType
from verzek.signals import parse_message

_FUT = MarketType.FUTURES
_SPOT = MarketType.SPOT
_TALK = "an entry talked about (would, could, was, imo...), not given: no call"
_BREAKOUT_TALK = ("a breakout level with no stop loss or in hedged talk, and no entry written: "
                  "analysis, not a call")


# --- an entry talked about: hedged, in the past, or said to those in the trade ------------------
# Before: each was a call (a limit order at the price named, with its target and stop).

@pytest.mark.parametrize("text", [
    "Good entry for #BTC would be around 63,000. Targets 66k, 68k. I'd put a stop at 61.5k.",
    "#SOL best entry could be 140 if we get a dip. Target 160, stop 132.",
    "My entry on #ETH was 3200, now sitting at 3500. Target 4000, stop moved below 3300.",
    "#ETH/USDT ETF approval could push price to 4000. Buy the rumor? Entry around 3400 seems "
    "fine for spot holders, SL below 3200",
    "Ideal entry for #DOT is 6.8-7.0 imo, target 8, stop 6.4",
    "#ARB entry was at 1.05. Target 1.30. SL 0.98. Who took it? ",
    "Planning to short #ETH around 3600 if rejected, target 3300, SL 3700.",
    "If you entered #AVAX at 34 like we said, target 38 is close, keep SL at 32.",
])
def test_an_entry_in_hedged_or_past_talk_is_no_call(text: str) -> None:
    assert check_noise(text) == _TALK


@pytest.mark.parametrize(("text", "want"), [
    ("#BTC/USDT LONG\nEntry: 65000 (I'd wait for a retest though)\nTP: 66000\nSL: 64400",
     Sig("BTC/USDT", "long", ("65000",), ("66000",), "64400")),  # a label: the call stands
    ("Long #OP at 2.50, SL 2.40, TP 2.70 and 2.90. Good luck everyone!",
     Sig("OP/USDT", "long", ("2.50",), ("2.70", "2.90"), "2.40")),
    ("#ETH long here at 3455, SL 3420, TP 3520+",
     Sig("ETH/USDT", "long", ("3455",), ("3520",), "3420")),
    ("#SUI SHORT entry 1.80 tp 1.70 sl 1.86 — this setup failed last week, trying again",
     Sig("SUI/USDT", "short", ("1.80",), ("1.70",), "1.86")),
    ("BTC LONG 65000 TP 66000 SL 64000 (expecting a bounce)",  # a note after the price
     Sig("BTC/USDT", "long", ("65000",), ("66000",), "64000")),
    ("Long #LINK at 14.2, TP 15, SL 13.6 (maybe add at 13.9)",  # an opinion in another clause
     Sig("LINK/USDT", "long", ("14.2",), ("15",), "13.6")),
])
def test_calls_beside_talk_stay_calls(text: str, want: Sig) -> None:  # guard
    check_signal(text, want)


# --- a later entry line that is a condition, not an order ---------------------------------------
# Before: "Note: enter only if 4H candle closes above 38" added an entry at 38.

def test_an_entry_condition_adds_no_order() -> None:
    check_signal("#EGLD Long\nEntry: 38.5\nTarget: 40 - 42 - 45\nSL: 36.8\n"
                 "Note: enter only if 4H candle closes above 38",
                 Sig("EGLD/USDT", "long", ("38.5",), ("40", "42", "45"), "36.8"))


@pytest.mark.parametrize(("text", "want"), [
    ("#INJ LONG\nEntry: 24.0\nRe-entry if it dips to 23.2\nTP: 25.5 / 27\nSL: 22.5",
     Sig("INJ/USDT", "long", ("24.0", "23.2"), ("25.5", "27"), "22.5")),
    ("#TIA LONG\nEntry: 9.80\nAdd more at 9.40\nTP: 10.50 / 11.20\nSL: 9.05",
     Sig("TIA/USDT", "long", ("9.80", "9.40"), ("10.50", "11.20"), "9.05")),
    ("#FTM long\nEntry now 0.72, second entry if we retest 0.69\nTargets 0.76 0.80\nSL 0.66",
     Sig("FTM/USDT", "long", ("0.72", "0.69"), ("0.76", "0.80"), "0.66", at_market=True)),
])
def test_a_dip_entry_is_still_an_order(text: str, want: Sig) -> None:  # guard
    check_signal(text, want)


# --- a breakout level in analysis ---------------------------------------------------------------
# Before: a breakout short or long with no stop, or with one "if you trade it".

@pytest.mark.parametrize("text", [
    "#BTC/USDT\nPrice is ranging between 64,000 and 66,500. A breakdown below 64,000 targets "
    "62,500.\nIf that happens we will short. Stay tuned.",
    "#DOGE forming a bull flag. Breakout above 0.165 targets 0.18. Stop below 0.155 if you "
    "trade it.",
    "Next week I expect #BNB to short below 580 towards 550. SL 600.",
])
def test_a_breakout_level_in_analysis_is_no_call(text: str) -> None:
    assert check_noise(text) == _BREAKOUT_TALK


@pytest.mark.parametrize(("text", "want"), [
    ("Long #BTC above 66,000\nTP 67,000 / 68,000\nSL 65,400",
     Sig("BTC/USDT", "long", ("66000",), ("67000", "68000"), "65400")),
    ("#BTC weekly: long above 70k, target 75k, stop 68k — only on a weekly close.",
     Sig("BTC/USDT", "long", ("70000",), ("75000",), "68000")),
    ("#ENA/USDT\nShort below 0.88\nTP: 0.84 / 0.80\nSL: 0.92",
     Sig("ENA/USDT", "short", ("0.88",), ("0.84", "0.80"), "0.92")),
])
def test_a_breakout_call_with_its_stop_stands(text: str, want: Sig) -> None:  # guard
    check_signal(text, want)
    signal = parse_message(text).signal
    assert signal is not None and signal.entry_trigger is not None


# --- "For now, no trade": a market entry read across a sentence ---------------------------------
# Before: "we'll short. For now" made a short at market with target 62,500.

def test_no_trade_for_now_is_no_call() -> None:
    check_noise("#BTC/USDT\nPrice is ranging between 64,000 and 66,500. A breakdown below "
                "64,000 targets 62,500.\nIf that happens we'll short. For now, no trade.")


@pytest.mark.parametrize(("text", "want"), [
    ("#SOL SHORT now\nTP: 140 / 135\nSL: 152",
     Sig("SOL/USDT", "short", (), ("140", "135"), "152", at_market=True)),
    ("Buy #SOL at 145.5 now\nTP 150\nSL 140",
     Sig("SOL/USDT", "long", ("145.5",), ("150",), "140", at_market=True)),
])
def test_now_in_the_call_is_still_a_market_entry(text: str, want: Sig) -> None:  # guard
    check_signal(text, want)


# --- a call quoted in a result post, an old call, an idea ---------------------------------------
# Before: each was traded as a new call.

@pytest.mark.parametrize(("text", "reason"), [
    ("🔥 PROOF 🔥 Our #BNB short: entry 610, TP 590, SL 625 — closed +32% in 4 hours",
     "a result post quoting a call, not a call"),
    ("Our #ARB LONG from yesterday: Entry 1.05 TP 1.15 SL 0.99 — currently +5%",
     "a reminder, test or warning, not a new call"),
    ("#XRP/USDT Short idea: entry 0.63, TP 0.60, SL 0.645. Idea only, manage your risk.",
     "a reminder, test or warning, not a new call"),
])
def test_a_quoted_or_old_call_is_no_call(text: str, reason: str) -> None:
    assert check_noise(text) == reason


def test_a_close_with_its_result_alone_is_the_close() -> None:  # guard
    check_update("#BNB/USDT closed +32% in 4 hours", Upd("BNB/USDT", "close"))


# --- a near miss, a question, a suggestion: no stop hit, no target hit, no close ----------------
# Before: "SL hit? No, wick only" and "Almost hit SL" closed the trade as stopped out; "nearly
# reached TP1" and "TP1 almost ✅" took target 1's profit; "consider closing" closed it.

@pytest.mark.parametrize("text", [
    "#AVAX SL hit? No, we're still in. Wick only.",
    "Almost hit SL on #XRP, still holding 💪",
    "#LINK nearly reached TP1, be patient",
    "#LINK TP1 almost ✅",
    "#SOL/USDT TP2 hit? Not yet 👀",
    "#SUI: price approaching stop loss, consider closing manually if you are scared",
    "#ETH/USDT Move SL to entry?",
])
def test_a_near_miss_or_a_question_is_no_follow_up(text: str) -> None:
    check_noise(text)


@pytest.mark.parametrize(("text", "want"), [
    ("#AVAX SL hit ❌ -8%", Upd("AVAX/USDT", "stop_hit")),
    ("#LINK/USDT TP1 hit ✅ What's next? TP2 at 15.20", Upd("LINK/USDT", "target_hit", 1)),
    ("#SOL/USDT TP1 ✅ Closed 50%, rest running with SL at entry",
     Upd("SOL/USDT", "move_sl", 1, breakeven=True)),
    ("Hit SL on #PIXEL, moving on to the next setup 💪", Upd("PIXEL/USDT", "stop_hit")),
    ("#FIL/USDT Stop Loss: hit", Upd("FIL/USDT", "stop_hit")),  # fixed with the rest
])
def test_hits_said_as_hits_stay_so(text: str, want: Upd) -> None:  # guard
    check_update(text, want)


# --- "#GMT" is STEPN's coin, "$65K" an amount ---------------------------------------------------
# Before: "#GMT Hit target 3" named no coin (the time zone), so it would act on the chat's latest
# call; "$65K" was a second coin, so the BTC call was a round-up of two.

@pytest.mark.parametrize(("text", "want"), [
    ("#GMT LONG\nEntry: 0.1850\nTP: 0.19 / 0.20\nSL: 0.175",
     Sig("GMT/USDT", "long", ("0.1850",), ("0.19", "0.20"), "0.175")),
    ("#BTC LONG 📅 12/05\nEntry: $65K - $64.5K\nTP: $66.2K / $67K\nSL: $63.8K",
     Sig("BTC/USDT", "long", ("65000", "64500"), ("66200", "67000"), "63800")),
    ("#SOL/USDT LONG\nEntry: 140\nTP: 150\nSL: 135\nPosted 14:00 GMT",  # guard: bare, no coin
     Sig("SOL/USDT", "long", ("140",), ("150",), "135")),
    ("$1INCH LONG\nEntry: 0.38\nTP: 0.40\nSL: 0.36",  # guard: a coin starting with a digit
     Sig("1INCH/USDT", "long", ("0.38",), ("0.40",), "0.36")),
])
def test_gmt_tag_and_dollar_amounts(text: str, want: Sig) -> None:
    check_signal(text, want)


def test_a_gmt_follow_up_names_its_coin() -> None:
    check_update("#GMT Hit target 3 💰💰💰 \nAlmost 90% profit in 6 hours with 20x",
                 Upd("GMT/USDT", "target_hit", 3))


# --- "Long from 66,200" under a header that names the coin with other words ---------------------
# Before: "no entry price" (the word before "Long" was taken for its coin, and refused).

def test_a_side_line_under_a_coin_header() -> None:
    check_signal("$BTC 1H timeframe\n\nLong from 66,200\n\nTargets 66,800 - 67,500\n\n"
                 "Invalidation 65,600",
                 Sig("BTC/USDT", "long", ("66200",), ("66800", "67500"), "65600"))


@pytest.mark.parametrize("text", [
    "BTC 1H timeframe\n\nLong from 66,200\n\nTargets 66,800 - 67,500\n\nInvalidation 65,600",
    "#SOL chart\nShort 150 was the top call, TP 140 SL 155",
    "#ETH update\nLong from 3200 worked great, now 3500\nTarget 3600",
])
def test_a_side_line_needs_a_tagged_coin_and_no_talk(text: str) -> None:  # guard
    check_noise(text)


# --- Indonesian "Beli di" / "Jual di", Russian "лонг по #BTC от 65000" ---------------------------
# Before: no entry read ("no entry price").

@pytest.mark.parametrize(("text", "want"), [
    ("#ADA\nBeli di 0.45 - 0.44\nTarget jual: 0.47 0.49\nCut loss: 0.42",
     Sig("ADA/USDT", "long", ("0.45", "0.44"), ("0.47", "0.49"), "0.42")),
    ("#ADA/USDT SHORT\nJual di 0.47\nTarget: 0.45 0.43\nStop loss: 0.49",
     Sig("ADA/USDT", "short", ("0.47",), ("0.45", "0.43"), "0.49")),
    ("#ADA\nBeli di 0.45 - 0.44\nJual di 0.47 - 0.49\nSL 0.42",
     Sig("ADA/USDT", "long", ("0.45", "0.44"), ("0.47", "0.49"), "0.42")),
    ("Открываю лонг по #BTC от 65000, стоп 64000, цель 67000",
     Sig("BTC/USDT", "long", ("65000",), ("67000",), "64000")),
    ("Шорт #ETH от 3450, тейк 3380, стоп 3500",
     Sig("ETH/USDT", "short", ("3450",), ("3380",), "3500")),
])
def test_local_words_for_buy_at_and_long_from(text: str, want: Sig) -> None:
    check_signal(text, want)


def test_a_russian_past_long_is_no_call() -> None:  # guard
    check_noise("Взял лонг по BTC от 65000 вчера, сейчас 66000")


# --- "breakeven hit": the stop, moved to the entry, was hit ------------------------------------
# Before: no follow-up (nothing closed the trade the exchange had closed).

@pytest.mark.parametrize(("text", "symbol"), [
    ("#LINK breakeven hit 🔁", "LINK/USDT"),
    ("#LINK/USDT hit breakeven stop", "LINK/USDT"),
    ("#ETH/USDT break-even stop was hit, no loss", "ETH/USDT"),
])
def test_breakeven_hit_is_a_stop_hit(text: str, symbol: str) -> None:
    check_update(text, Upd(symbol, "stop_hit"))


def test_breakeven_hit_rate_is_no_stop_hit() -> None:  # guard
    check_noise("Breakeven hit rate this month: 40%")


def test_a_move_to_breakeven_stays_a_move() -> None:  # guard
    check_update("#ETH/USDT TP1 hit ✅ SL moved to break even",
                 Upd("ETH/USDT", "move_sl", 1, breakeven=True))


# --- "Entry zone reached ✅", "Limit order filled": the entry filled ----------------------------
# Before: noise (no follow-up at all).

@pytest.mark.parametrize(("text", "symbol"), [
    ("#RUNE/USDT Entry zone reached ✅", "RUNE/USDT"),
    ("#RUNE/USDT Entry zone touched, orders filled ✅", "RUNE/USDT"),
    ("#RUNE/USDT Limit order filled ✅", "RUNE/USDT"),
    ("Entry zone filled ✅ #ONDO", "ONDO/USDT"),
    ("#ONDO/USDT Entry zone reached ✅ Now wait for targets", "ONDO/USDT"),
])
def test_an_entry_zone_reached_is_an_entry_filled(text: str, symbol: str) -> None:
    check_update(text, Upd(symbol, "other"))


def test_a_buy_zone_hit_as_a_plan_keeps_the_call() -> None:  # guard
    check_signal("#ADA/USDT LONG\nBuy zone: 0.45-0.44\nTargets: 0.47 0.49\nSL: 0.42\n"
                 "Place orders now, fill when buy zone hit",
                 Sig("ADA/USDT", "long", ("0.45", "0.44"), ("0.47", "0.49"), "0.42"))


# --- Korean "2차 목표 달성", Chinese "第二目标达成": the ordinal before the target word ---
# Before: noise.

@pytest.mark.parametrize(("text", "index"), [
    ("#ETH/USDT 1차 목표 달성 ✅", 1),
    ("#ETH/USDT 2차 익절 완료 ✅", 2),
    ("#ETH/USDT 2차 익절 완료", 2),
    ("#ETH/USDT 第二目标达成 ✅", 2),
    ("#ETH/USDT 第3目标到达 🎯", 3),
])
def test_korean_and_chinese_ordinal_targets(text: str, index: int) -> None:
    check_update(text, Upd("ETH/USDT", "target_hit", index))


# --- Arabic "نقل وقف الخسارة إلى نقطة الدخول": move the stop loss ------------------------------
# Before: noise.

@pytest.mark.parametrize(("text", "want"), [
    ("#SOL/USDT نقل وقف الخسارة إلى نقطة الدخول", Upd("SOL/USDT", "move_sl", breakeven=True)),
    ("#SOL/USDT تحريك وقف الخسارة إلى 142.5", Upd("SOL/USDT", "move_sl", new_stop="142.5")),
    ("#SOL/USDT تم تحقيق الهدف الأول ✅ نقل وقف الخسارة إلى الدخول",
     Upd("SOL/USDT", "move_sl", 1, breakeven=True)),
])
def test_arabic_stop_moves(text: str, want: Upd) -> None:
    check_update(text, want)


# --- a stop moved to a take-profit target -------------------------------------------------------
# Before: Cornix's "Stop moved to Take-Profit target 1" moved the stop to the entry.

@pytest.mark.parametrize(("text", "index"), [
    ("#DOGE/USDT Stop moved to Take-Profit target 1 ✅", 1),
    ("#DOGE/USDT Move stop to take profit 1", None),
    ("#DOGE Stop moved to first take profit", None),
    ("#DOGE Stop moved to first take-profit", None),
])
def test_a_stop_moved_to_a_take_profit(text: str, index: int | None) -> None:
    symbol = "DOGE/USDT"
    check_update(text, Upd(symbol, "move_sl", index, stop_to_target=1))


# --- a note on the previous trade of the call's own coin ----------------------------------------
# Before: the new #KAVA call was read as a close of #KAVA.

@pytest.mark.parametrize(("text", "want"), [
    ("📢 #KAVA/USDT LONG\nEntry: 0.68 - 0.66\nTP: 0.70 / 0.72 / 0.75\nSL: 0.63\n\n"
     "✅ Previous #KAVA trade closed at TP3",
     Sig("KAVA/USDT", "long", ("0.68", "0.66"), ("0.70", "0.72", "0.75"), "0.63")),
    ("#SOL/USDT LONG\nEntry: 140\nTP: 145 / 150\nSL: 135\nLast #SOL trade hit TP2 ✅",
     Sig("SOL/USDT", "long", ("140",), ("145", "150"), "135")),
])
def test_a_call_beside_its_coins_earlier_trade(text: str, want: Sig) -> None:
    check_signal(text, want)


@pytest.mark.parametrize(("text", "want"), [
    ("✅ Previous #KAVA trade closed at TP3", Upd("KAVA/USDT", "close")),
    ("Last #SOL trade hit TP2 ✅", Upd("SOL/USDT", "target_hit", 2)),
])
def test_the_earlier_trade_alone_stays_its_follow_up(text: str, want: Upd) -> None:  # guard
    check_update(text, want)


# --- a call reposted with its list of targets ticked --------------------------------------------
# Before: a target hit with no index (the engine acts on none).

def test_a_ticked_target_list_reaches_its_last_tick() -> None:
    check_update("#DOT/USDT  LONG ✅\nEntry: 7.20\nTP: 7.40 ✅ 7.60 ✅ 7.90\nSL: 6.95",
                 Upd("DOT/USDT", "target_hit", 2))


def test_one_target_price_ticked_names_no_index() -> None:  # guard: TP2's price, or TP1's?
    check_update("#SOL Target 146 ✅", Upd("SOL/USDT", "target_hit"))


# --- a short's "Buy back" targets ---------------------------------------------------------------
# Before: the targets were missed (a short with a stop only).

@pytest.mark.parametrize(("text", "want"), [
    ("#ETH/USDT SHORT\nSell: 3450\nBuy back: 3380 / 3320\nStop: 3500",
     Sig("ETH/USDT", "short", ("3450",), ("3380", "3320"), "3500")),
    ("#ETH/USDT SHORT\nSell zone: 3450 - 3480\nBuyback zone: 3380 - 3320\nStop: 3520",
     Sig("ETH/USDT", "short", ("3450", "3480"), ("3380", "3320"), "3520")),
])
def test_buy_back_targets(text: str, want: Sig) -> None:
    check_signal(text, want)


# --- regression cover: layouts that already read right ------------------------------------------

SIGNALS = [
    pytest.param("📍Coin : #ALPACA/USDT\n\n🟢 LONG \n\n➡️ Entry Zone: 0.1810 - 0.1760\n\n"
                 "🎯 Take Profit Targets:\n1) 0.1850\n2) 0.1890\n3) 0.1950\n4) 0.2040\n\n"
                 "🔰 StopLoss: 5-10%\n\n⚡️ Leverage: Cross 20x",
                 Sig("ALPACA/USDT", "long", ("0.1810", "0.1760"),
                     ("0.1850", "0.1890", "0.1950", "0.2040"), "0.169575", 20, market=_FUT),
                 id="stop_5_10_pct"),
    pytest.param("⚡️⚡️ #FET/USDT ⚡️⚡️\nExchanges: Binance Futures\nSignal Type: Regular (Short)"
                 "\nLeverage: Isolated (10X)\n\nEntry Targets:\n1) 2.2150\n2) 2.2480\n\n"
                 "Take-Profit Targets:\n1) 2.1820\n2) 2.1500\n3) 2.1100\n4) 2.0500\n\n"
                 "Stop Targets:\n1) 2.3200",
                 Sig("FET/USDT", "short", ("2.2150", "2.2480"),
                     ("2.1820", "2.1500", "2.1100", "2.0500"), "2.3200", 10, market=_FUT),
                 id="regular_short_isolated"),
    pytest.param("Binance Killers® VIP\nCOIN: $CHZ/USDT\nDirection: LONG\nENTRY: 0.0985 - 0.1020"
                 "\nOTE: 0.0998\nTARGETS\nShort Term: 0.1040 - 0.1060 - 0.1080 - 0.1100\n"
                 "Mid Term: 0.1150 - 0.1250\nSTOP LOSS: 0.0940",
                 Sig("CHZ/USDT", "long", ("0.0985", "0.1020"),
                     ("0.1040", "0.1060", "0.1080", "0.1100", "0.1150", "0.1250"), "0.0940"),
                 id="short_and_mid_term"),
    pytest.param("#ICP/USDT (Long)\nEntry: CMP (7.85)\nTargets: 8.10 - 8.40 - 8.80\nSL: 7.45",
                 Sig("ICP/USDT", "long", ("7.85",), ("8.10", "8.40", "8.80"), "7.45",
                     at_market=True), id="cmp_in_brackets"),
    pytest.param("👑 WallStreetQueen Official 👑\nBuy #ADA between 0.3950 - 0.4050\n"
                 "Targets: 0.4250 - 0.4500 - 0.4800\nStop loss: 0.3750",
                 Sig("ADA/USDT", "long", ("0.3950", "0.4050"), ("0.4250", "0.4500", "0.4800"),
                     "0.3750"), id="buy_between"),
    pytest.param("Ticker: AAVEUSDT\nSide: Buy\nQty: 5% of balance\nLimit price: 92.40\n"
                 "Take profit: 96.00\nStop loss: 89.80",
                 Sig("AAVE/USDT", "long", ("92.40",), ("96.00",), "89.80"), id="copy_bot"),
    pytest.param("Монета: #TON/USDT\nНаправление: ЛОНГ 🟢\nВход: 5.42 - 5.30\n"
                 "Цели: 5.55 - 5.70 - 5.95\nСтоп: 5.12\nПлечо: 10х",
                 Sig("TON/USDT", "long", ("5.42", "5.30"), ("5.55", "5.70", "5.95"), "5.12", 10,
                     market=_FUT), id="russian"),
    pytest.param("Coin: #AVAX/USDT\nYön: LONG\nGiriş: 36.20 - 35.40\n"
                 "Hedefler: 37.10 - 38.00 - 39.50\nStop: 34.10\nKaldıraç: 10x",
                 Sig("AVAX/USDT", "long", ("36.20", "35.40"), ("37.10", "38.00", "39.50"),
                     "34.10", 10, market=_FUT), id="turkish"),
    pytest.param("العملة: #SOL/USDT\nشراء 🟢\nالدخول: 142.5 - 139\nالأهداف: 146 - 150 - 156\n"
                 "وقف الخسارة: 134\nالرافعة: 10x",
                 Sig("SOL/USDT", "long", ("142.5", "139"), ("146", "150", "156"), "134", 10,
                     market=_FUT), id="arabic"),
    pytest.param("Moneda: #XRP/USDT\nOperación: LONG 🟢\nEntrada: 0.5180 - 0.5100\n"
                 "Objetivos: 0.5260 / 0.5350 / 0.5480\nStop Loss: 0.4990\nApalancamiento: 10x",
                 Sig("XRP/USDT", "long", ("0.5180", "0.5100"), ("0.5260", "0.5350", "0.5480"),
                     "0.4990", 10, market=_FUT), id="spanish"),
    pytest.param("جفت ارز: #ETH/USDT\nپوزیشن: لانگ 🟢\nنقطه ورود: 3380 - 3340\n"
                 "تارگت ها: 3420 - 3470 - 3550\nحد ضرر: 3290\nاهرم: 10x",
                 Sig("ETH/USDT", "long", ("3380", "3340"), ("3420", "3470", "3550"), "3290", 10,
                     market=_FUT), id="persian"),
    pytest.param("🔥 Kèo #BNB/USDT\nVị thế: LONG\nĐiểm vào: 585 - 578\nMục tiêu: 592 - 600 - 615"
                 "\nCắt lỗ: 568\nĐòn bẩy: x10",
                 Sig("BNB/USDT", "long", ("585", "578"), ("592", "600", "615"), "568", 10,
                     market=_FUT), id="vietnamese"),
    pytest.param("BÁN #ETH\nVùng vào: 3450 - 3480\nChốt lời: 3400 - 3350\nDừng lỗ: 3520",
                 Sig("ETH/USDT", "short", ("3450", "3480"), ("3400", "3350"), "3520"),
                 id="vietnamese_short"),
    pytest.param("币种：BTC/USDT\n方向：做多\n入场：65000-64500\n止盈：66000/67000/68000\n"
                 "止损：63800\n杠杆：10倍",
                 Sig("BTC/USDT", "long", ("65000", "64500"), ("66000", "67000", "68000"),
                     "63800", 10, market=_FUT), id="chinese"),
    pytest.param("코인: #BTC\n포지션: 롱\n진입가: 65000\n목표가: 66000, 67000\n손절가: 64000",
                 Sig("BTC/USDT", "long", ("65000",), ("66000", "67000"), "64000"), id="korean"),
    pytest.param("#BTCUSDT.P \n📈LONG\nEntry: 66250-65800\nTP: 66900, 67500, 68200\nSL: 65100",
                 Sig("BTC/USDT", "long", ("66250", "65800"), ("66900", "67500", "68200"),
                     "65100", market=_FUT), id="tradingview_perp"),
    pytest.param("COIN: $JASMY\nSPOT BUY 🟢\nBuy: 0.0285 - 0.0270\nSell: 0.0310 / 0.0345 / 0.0390"
                 "\nSL: 0.0255",
                 Sig("JASMY/USDT", "long", ("0.0285", "0.0270"), ("0.0310", "0.0345", "0.0390"),
                     "0.0255", market=_SPOT), id="spot_buy_sell"),
    pytest.param("💰 #BTC/USDT\n📈 LONG\n👉 Entry: 65000\n✅ Target 1: 65600\n✅ Target 2: 66200\n"
                 "✅ Target 3: 67000\n❌ StopLoss: 64200",
                 Sig("BTC/USDT", "long", ("65000",), ("65600", "66200", "67000"), "64200"),
                 id="tick_bullets_in_a_fresh_call"),
    pytest.param("Client: Cornix\nExchange: Binance Futures\nSymbol: #MATIC/USDT\nSide: SHORT\n"
                 "Leverage: Isolated 10x\n\nEntry Orders:\n1) 0.7250 - 50%\n2) 0.7380 - 50%\n\n"
                 "Take-Profit Orders:\n1) 0.7150 - 25%\n2) 0.7050 - 25%\n3) 0.6900 - 50%\n\n"
                 "Stop-loss Orders:\n1) 0.7520 - 100%\n\nTrailing Configuration:\n"
                 "Entry: Percentage (0.5%)\nTake-Profit: Percentage (1%)",
                 Sig("MATIC/USDT", "short", ("0.7250", "0.7380"), ("0.7150", "0.7050", "0.6900"),
                     "0.7520", 10, market=_FUT), id="cornix_orders"),
    pytest.param("Coin: #1000SHIB/USDT\nPosition: LONG\nLeverage: Cross50x\n"
                 "Entries: 0.01150 - 0.01120\nTargets: 🎯 0.01170, 0.01185, 0.01200, 0.01230\n"
                 "Stop Loss: 0.01080",
                 Sig("1000SHIB/USDT", "long", ("0.01150", "0.01120"),
                     ("0.01170", "0.01185", "0.01200", "0.01230"), "0.01080", 50, market=_FUT),
                 id="cross50x_glued"),
    pytest.param("🔰 #OPUSDT 🔰\nLong Position 📈\nLeverage ⚡: 15x\n"
                 "Entry zone 📍: 2.310 - 2.270\nTake profits 🎯: 2.350 - 2.390 - 2.450 - 2.530\n"
                 "Stop loss 🛑: 2.210",
                 Sig("OP/USDT", "long", ("2.310", "2.270"), ("2.350", "2.390", "2.450", "2.530"),
                     "2.210", 15, market=_FUT), id="emoji_after_labels"),
    pytest.param("| Pair | Side | Entry | TP | SL |\n|---|---|---|---|---|\n"
                 "| BTC/USDT | LONG | 65000 | 66000 | 64500 |",
                 Sig("BTC/USDT", "long", ("65000",), ("66000",), "64500"), id="markdown_table"),
    pytest.param("**#SOL/USDT** \n**Side:** LONG\n**Entry:** 145.20 - 143.80\n"
                 "**TP:** 147.50 / 150.00 / 154.00\n**SL:** 140.90",
                 Sig("SOL/USDT", "long", ("145.20", "143.80"), ("147.50", "150.00", "154.00"),
                     "140.90"), id="markdown_bold"),
    pytest.param("#DOGE/USDT — LONG — Entry 0.1520 — TP 0.1560/0.1600 — SL 0.1480",
                 Sig("DOGE/USDT", "long", ("0.1520",), ("0.1560", "0.1600"), "0.1480"),
                 id="em_dash_one_line"),
    pytest.param("#SOL/USDT LONG\nEntry 1) 145.20\nEntry 2) 143.10\nTake profit 1) 147.80\n"
                 "Take profit 2) 150.40\nStop loss) 141.30",
                 Sig("SOL/USDT", "long", ("145.20", "143.10"), ("147.80", "150.40"), "141.30"),
                 id="bracket_indexes"),
    pytest.param("#AR/USDT LONG\nEntry: 32.5\nSL: 3% below entry\nTP: 5%, 10%, 15%",
                 Sig("AR/USDT", "long", ("32.5",), ("34.125", "35.75", "37.375"), "31.525"),
                 id="pct_below_entry"),
    pytest.param("🔵 #IMX/USDT \nLong Entry Zone: 2.10-2.05\nShort Term Targets: 2.15 - 2.20 - 2.26"
                 "\nMid Term Targets: 2.40 - 2.60\nStop Loss: 1.98",
                 Sig("IMX/USDT", "long", ("2.10", "2.05"),
                     ("2.15", "2.20", "2.26", "2.40", "2.60"), "1.98"), id="long_entry_zone"),
    pytest.param("#SHIB SHORT\nEntry: 0.00002450\nTP: 0.00002380 - 0.00002300\n"
                 "SL: 0.00002550\nLeverage: 25x",
                 Sig("SHIB/USDT", "short", ("0.00002450",), ("0.00002380", "0.00002300"),
                     "0.00002550", 25, market=_FUT), id="shib_short"),
]

UPDATES = [
    pytest.param("Binance Futures, ByBit USDT\n#DOGE/USDT Target 2 reached ✅\nProfit: 45.2% 📈\n"
                 "Period: 2 Hours 13 Minutes ⏰", Upd("DOGE/USDT", "target_hit", 2),
                 id="target_2_period"),
    pytest.param("#APT/USDT Closed at breakeven after reaching target 1", Upd("APT/USDT", "close"),
                 id="closed_at_breakeven"),
    pytest.param("#INJ/USDT All entry targets achieved\nAverage Entry Price: 24.315 💵",
                 Upd("INJ/USDT", "other"), id="all_entries"),
    pytest.param("#MATIC Stop moved to entry. Secure your profits guys",
                 Upd("MATIC/USDT", "move_sl", breakeven=True), id="stop_to_entry"),
    pytest.param("#LDO/USDT Cancelled ❌ Entry not reached", Upd("LDO/USDT", "cancel"),
                 id="cancelled_not_reached"),
    pytest.param("Manually closed #SUI with 23% profit ✅", Upd("SUI/USDT", "close"),
                 id="manually_closed"),
    pytest.param("#STX/USDT All take-profit targets achieved 😎\nProfit: 102.4% 📈\n"
                 "Period: 1 Days 4 Hours ⏰", Upd("STX/USDT", "target_hit"), id="all_tp"),
    pytest.param("#OP/USDT Stop Target Hit ⛔\nLoss: 52.3% 📉", Upd("OP/USDT", "stop_hit"),
                 id="stop_target_hit"),
    pytest.param("#ENS/USDT - Stop loss moved to 24.10",
                 Upd("ENS/USDT", "move_sl", new_stop="24.10"), id="stop_to_price"),
    pytest.param("Close half of #ARB position here and move stop to breakeven",
                 Upd("ARB/USDT", "move_sl", breakeven=True), id="half_and_breakeven"),
    pytest.param("#LINK/USDT ✅ Цель 2 достигнута! Прибыль 38% 🔥",
                 Upd("LINK/USDT", "target_hit", 2), id="russian_target"),
    pytest.param("#BNB/USDT Đã chạm mục tiêu 2 ✅ Lợi nhuận 40%",
                 Upd("BNB/USDT", "target_hit", 2), id="vietnamese_target"),
    pytest.param("#SOL/USDT Hedef 1 ✅ Stop girişe çekildi",
                 Upd("SOL/USDT", "move_sl", 1, breakeven=True), id="turkish_move"),
    pytest.param("#SOL/USDT تم ضرب وقف الخسارة ❌", Upd("SOL/USDT", "stop_hit"), id="arabic_stop"),
    pytest.param("#SOL/USDT سیگنال کنسل شد", Upd("SOL/USDT", "cancel"), id="persian_cancel"),
    pytest.param("#AEVO/USDT 🎯 TP1 ✅ 🎯 TP2 ✅ 🎯 TP3 ⏳", Upd("AEVO/USDT", "target_hit", 2),
                 id="pending_third"),
    pytest.param("Target 2 reached ✅ profit 45% ⏰ 2 hours", Upd(None, "target_hit", 2),
                 id="reply_target_2"),
]

NOISE = [
    pytest.param("BTC broke 65000 resistance, next 68000 🚀", id="broke_resistance"),
    pytest.param("Last week results: +340% 🔥🔥 Join VIP now", id="results_promo"),
    pytest.param("📊 Weekly Report\n✅ 28 signals hit targets\n❌ 4 stopped\nTotal profit: 1,245%",
                 id="weekly_report"),
    pytest.param("#ETH looks bullish above 3500, targeting 3800-4000 in the coming weeks. NFA",
                 id="bullish_above"),
    pytest.param("📊 #BTC/USDT Analysis\nSupport: 62,000 / 60,500\nResistance: 66,000 / 68,200\n"
                 "Trend: Bullish above 63,500", id="levels"),
    pytest.param("🔴 #BTC Liquidated Short: $1.2M at $66,420", id="liquidation_bot"),
    pytest.param("#BTC Funding rate: 0.01% | Open interest: $12.4B | Long/Short ratio: 1.12",
                 id="funding"),
    pytest.param("#ORDI LONG 20x ROI +245% 🚀 Entry 38.2 Mark 42.9", id="pnl_card"),
    pytest.param("Position opened: BTCUSDT Long 10x Entry 65,120 Size 0.05 BTC",
                 id="position_opened_no_exits"),
    pytest.param("#BTC/USDT \nLong or short? 🤔 \nSupport 64,800 | Resistance 66,500",
                 id="long_or_short"),
    pytest.param("Price update: #SOL 148.20 (+4.5% 24h), #AVAX 36.10 (+2.1%)", id="tickers"),
    pytest.param("If #BNB holds 580, long to 620. Lose 580 and we short to 550. SL either way "
                 "15 pts.", id="two_scenarios"),
    pytest.param("Signals for today:\n#BTC LONG 65000 TP 66000 SL 64500\n"
                 "#ETH LONG 3400 TP 3500 SL 3350", id="two_calls"),
    pytest.param("Should I long #SOL at 150 with SL 145 and TP 165? Thoughts?", id="question"),
    pytest.param("Биткоин пробил 65000, следующая цель 68000 🚀", id="russian_talk"),
    pytest.param("BTC 65000 direncini kırdı, sıradaki hedef 68000", id="turkish_talk"),
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
