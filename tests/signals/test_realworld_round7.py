"""Round 7 of probing the reader with channel messages as traders meet them: Cornix's "Entry
target 1 ✅" (an entry filled, not a take-profit), stops moved to "63 800" or "63.8k", calls
offering both sides, lists parted by blank lines, MT4's "Take profit 1 at ...", several targets
reached in one post, Korean, Chinese and Hindi calls and follow-ups, "fancy font" posts, a
"CMP:" line as the entry, and stops set at the entry in Spanish, Portuguese and Turkish.

The layouts follow public channel conventions (Cornix bot posts, Binance/Bybit futures VIP
channels, MT4 gold and BTC calls, copy-trade bots, Korean, Chinese and Indian channels); coins
and prices are made up.

The first groups are misreadings that were fixed: each test fails on the reader before its fix,
except the guards (marked "# guard"), which read right before too and keep each fix from reaching
further than it should. The last group keeps messages that already read right, as regression
cover for layouts no earlier round holds."""

from __future__ import annotations

import pytest

from tests.signals.calls import Sig, Upd, check_noise, check_signal, check_update
from verzek.domain.models import MarketType

_FUT = MarketType.FUTURES
_SPOT = MarketType.SPOT


# --- "Entry target 1 ✅" is an entry filled ----------------------------------------------------
# Before: read as take-profit 1 reached (the engine would take profit on a trade just opened).

@pytest.mark.parametrize("text", [
    "#OP/USDT Entry target 1 ✅\nAverage Entry Price: 1.85 💵",
    "#BTC/USDT Entry target 2 ✅\nAverage Entry Price: 63250 💵",
    "Binance Futures\n#OP/USDT Entry target 1 ✅",
    "#BTC/USDT entry order filled ✅",
])
def test_an_entry_target_reached_is_an_entry_filled(text: str) -> None:
    check_update(text, Upd(text.split("#")[1].split()[0], "other"))


@pytest.mark.parametrize(("text", "want"), [
    ("#LINK/USDT Take-Profit target 3 ✅\nProfit: 45.2% 📈\nPeriod: 5 Hours 12 Minutes ⏰",
     Upd("LINK/USDT", "target_hit", 3)),
    ("#ETH/USDT Entry target 1 ✅ Take-Profit target 1 ✅", Upd("ETH/USDT", "target_hit", 1)),
    ("#BTC/USDT Entry 1 ✅", Upd("BTC/USDT", "other")),
])
def test_take_profit_targets_stay_target_hits(text: str, want: Upd) -> None:  # guard
    check_update(text, want)


# --- a stop moved to "63 800" or "63.8k" --------------------------------------------------------
# Before: "Move SL to 63 800" moved the stop to 63, and "new SL 63.8k" to 63.8.

def test_a_stop_moved_to_thousands_written_with_k() -> None:
    check_update("#BTC/USDT new SL 63.8k", Upd("BTC/USDT", "move_sl", new_stop="63800"))
    check_update("#BTC/USDT Move SL to 64k", Upd("BTC/USDT", "move_sl", new_stop="64000"))


@pytest.mark.parametrize("text", ["#BTC/USDT Move SL to 63 800", "#BTC new SL: 63 800",
                                  "Move SL to 145 150"])
def test_a_stop_moved_to_numbers_a_space_apart_is_refused(text: str) -> None:
    assert check_noise(text) == ("the new stop is written as numbers a space apart (63800, or "
                                  "63 and 800?): which is unsure")


@pytest.mark.parametrize(("text", "stop"), [
    ("#BTC/USDT Move SL to 63,800", "63800"),
    ("#ETH/USDT Move SL to 0,4567", "0.4567"),
    ("#BTC/USDT Move SL to 65 000 now", "65000"),  # a round " 000" is joined for the message
    ("#SOL/USDT Move SL to 148 (2% below)", "148"),
])
def test_stop_moves_read_right_before_stay_so(text: str, stop: str) -> None:  # guard
    check_update(text, Upd(text.split("#")[1].split()[0] if "#" in text else None, "move_sl",
                           new_stop=stop))


# --- both sides offered ---------------------------------------------------------------------------
# Before: "Long or Short?" was traded as a long (the first side word written).

@pytest.mark.parametrize("text", [
    "#BTC/USDT Long or Short?\nEntry: 63500\nTP: 64500\nSL: 62800",
    "#BTC/USDT BUY/SELL\nEntry: 63500\nTP: 64500\nSL: 62800",
    "#BTC/USDT лонг или шорт?\nВход: 63500\nЦели: 64500\nСтоп: 62800",
])
def test_a_call_offering_both_sides_is_refused(text: str) -> None:
    assert check_noise(text) == "both sides offered (long or short): which one to take is unsure"


@pytest.mark.parametrize(("text", "want"), [
    ("Long/Buy #ZRX/USDT 0.4812\nTargets 0.4850 - 0.4890\nStoploss 0.4620",
     Sig("ZRX/USDT", "long", ("0.4812",), ("0.4850", "0.4890"), "0.4620")),
    ("#ETH/USDT Long/Short ratio 1.8\nLONG\nEntry: 3400\nTP: 3500\nSL: 3300",
     Sig("ETH/USDT", "long", ("3400",), ("3500",), "3300")),
    # a disclaimer's "buy or sell" takes no side: the header's is the call's
    ("#BTC/USDT LONG\nEntry: 63500\nTargets: 64000 65000\nStop: 62000\n\nThis is not advice "
     "to buy or sell. DYOR.", Sig("BTC/USDT", "long", ("63500",), ("64000", "65000"), "62000")),
    ("#ETH/USDT SHORT\nEntry: 3000\nTP: 2900\nSL: 3100\nBuy/Sell at your own risk",
     Sig("ETH/USDT", "short", ("3000",), ("2900",), "3100")),
    ("#SOL/USDT LONG\nEntry: 148\nTP: 155\nSL: 140\nLong or short, always use a stop loss",
     Sig("SOL/USDT", "long", ("148",), ("155",), "140")),
])
def test_one_side_written_twice_is_that_side(text: str, want: Sig) -> None:  # guard
    check_signal(text, want)


# --- a question about a target --------------------------------------------------------------------
# Before: "is the TP2 hit yet?" was TP2 reached.

def test_a_target_asked_about_is_no_hit() -> None:
    check_noise("#ETH/USDT is the TP2 hit yet?")
    check_noise("#ETH/USDT has the target been hit?")
    check_update("#ETH/USDT TP2 is hit ✅", Upd("ETH/USDT", "target_hit", 2))  # guard


# --- a list parted by blank lines -----------------------------------------------------------------
# Before: only the first price under "Targets:" or "Entry Zone:" was read when blank lines parted
# them, and the trade was placed with one target (or one entry).

@pytest.mark.parametrize(("text", "want"), [
    pytest.param("Free Trade\n\nLONG SIGNAL\n\nPAIR:  FHE/ USDT\n\nLeverage: 50x\n\n"
                 "Entry Zone:  0.076 _ 0.070\n\n🎯 Take-Profit Targets:\n\n0.078$\n\n0.080$\n\n"
                 "0.082$\n\n0.090$\n\n\n\n Stop-Loss:  0.063\n\nWallet size 2%",
                 Sig("FHE/USDT", "long", ("0.076", "0.070"), ("0.078", "0.080", "0.082", "0.090"),
                     "0.063", 50, market=_FUT), id="dollar_targets_spaced"),
    pytest.param("#XRP/USDT SHORT\nEntry: 0.5230\n\nTargets:\n\n0.5150\n\n0.5080\n\n0.4990\n\n"
                 "SL: 0.5320",
                 Sig("XRP/USDT", "short", ("0.5230",), ("0.5150", "0.5080", "0.4990"), "0.5320"),
                 id="targets_spaced"),
    pytest.param("#XRP/USDT LONG\n\nEntry Zone:\n\n0.5230\n\n0.5150\n\nTargets: 0.5290 - 0.5350\n\n"
                 "SL: 0.5050",
                 Sig("XRP/USDT", "long", ("0.5230", "0.5150"), ("0.5290", "0.5350"), "0.5050"),
                 id="entries_spaced"),
    pytest.param("#XRP/USDT LONG\nEntry: 0.5230\nTargets: 0.5290\n\n2) 0.5350\n\n3) 0.5420\n"
                 "SL: 0.5050",
                 Sig("XRP/USDT", "long", ("0.5230",), ("0.5290", "0.5350", "0.5420"), "0.5050"),
                 id="numbered_targets_spaced"),
])
def test_a_list_parted_by_blank_lines(text: str, want: Sig) -> None:
    check_signal(text, want)


@pytest.mark.parametrize(("text", "want"), [
    pytest.param("#XRP/USDT LONG\nEntry: 0.5230\nTargets:\n\n0.5290\n\n0.5350\n\n15/06/2024\n"
                 "SL: 0.5050",
                 Sig("XRP/USDT", "long", ("0.5230",), ("0.5290", "0.5350"), "0.5050"),
                 id="a_date_ends_the_list"),
    pytest.param("#XRP/USDT LONG\nEntry: 0.5230\nTargets: 0.5290 - 0.5350\n\n0.60\n\nSL: 0.5050",
                 Sig("XRP/USDT", "long", ("0.5230",), ("0.5290", "0.5350"), "0.5050"),
                 id="a_line_list_ends_at_its_blank_line"),
])
def test_a_blank_line_still_ends_other_lists(text: str, want: Sig) -> None:  # guard
    check_signal(text, want)


# --- MT4's "Take profit 1 at 64997" ---------------------------------------------------------------
# Before: the index 1 was read as a price, and the call refused ("prices differ by more than 20x").

@pytest.mark.parametrize(("text", "want"), [
    ("BTCUSD BUY (@ 64877)\nTake profit 1 at 64997\nTake profit 2 at 65227\nStop loss at 64195",
     Sig("BTC/USD", "long", ("64877",), ("64997", "65227"), "64195")),
    ("BTCUSD SELL @ 64877\nTake profit 1 at 64757\nTake profit 2 at 64527\nStop loss at 65195",
     Sig("BTC/USD", "short", ("64877",), ("64757", "64527"), "65195")),
    ("#ETH/USDT LONG\nEntry 1 at 3400\nEntry 2 at 3350\nTP 1 @ 3500\nSL at 3300",
     Sig("ETH/USDT", "long", ("3400", "3350"), ("3500",), "3300")),
])
def test_an_index_before_at_and_its_price(text: str, want: Sig) -> None:
    check_signal(text, want)


# --- several targets reached in one post ----------------------------------------------------------
# Before: the first one written was taken ("TP1 TP2 ✅✅" as TP1 only).

@pytest.mark.parametrize(("text", "index"), [
    ("#BTC/USDT TP1 TP2 ✅✅", 2),
    ("#BTC/USDT TP1 and TP2 hit ✅", 2),
    ("#BTC/USDT TP1, TP2 hit ✅", 2),
    ("#WLD/USDT TP1 - TP3 done ✅", 3),
    ("#BTC/USDT Target 1, 2 and 3 done ✅", 3),
    ("#BTC/USDT TP1-3 reached ✅", 3),
    ("Result of yesterday's #BTC/USDT call: TP1 TP2 TP3 done, +45% 🎉", 3),
])
def test_several_targets_reached_give_the_highest(text: str, index: int) -> None:
    check_update(text, Upd("WLD/USDT" if "WLD" in text else "BTC/USDT", "target_hit", index))


@pytest.mark.parametrize("text", ["#BTC/USDT TP1 ✅ - 2 hours", "#BTC/USDT TP1 - 3% profit ✅",
                                  "#BTC/USDT TP1 done, TP3 next"])
def test_a_number_after_a_hit_is_no_further_target(text: str) -> None:  # guard
    check_update(text, Upd("BTC/USDT", "target_hit", 1))


# --- Korean, Chinese and Hindi ------------------------------------------------------------------
# Before: noise (no entry, target or stop word known), or the targets and leverage lost.

@pytest.mark.parametrize(("text", "want"), [
    pytest.param("#ETH/USDT 롱\n진입: 3400\n목표: 3450 / 3500\n손절: 3350",
                 Sig("ETH/USDT", "long", ("3400",), ("3450", "3500"), "3350"), id="ko_long"),
    pytest.param("#ETH/USDT 숏\n진입가: 3400\n익절: 3350 / 3300\n손절가: 3450\n레버리지: 10x",
                 Sig("ETH/USDT", "short", ("3400",), ("3350", "3300"), "3450", 10, market=_FUT),
                 id="ko_short"),
    pytest.param("#ETH/USDT 롱 포지션\n진입가: 3400 - 3380\n목표가: 3450 / 3500 / 3560\n"
                 "손절가: 3340\n레버리지: 10배",
                 Sig("ETH/USDT", "long", ("3400", "3380"), ("3450", "3500", "3560"), "3340", 10,
                     market=_FUT), id="ko_times_sign"),
    pytest.param("#ETH/USDT LONG\n进场区间: 3400-3380\n止盈目标: 3450 / 3500\n止损价: 3340\n"
                 "杠杆: 10倍",
                 Sig("ETH/USDT", "long", ("3400", "3380"), ("3450", "3500"), "3340", 10,
                     market=_FUT), id="zh_take_profit_targets"),
    pytest.param("#ETH/USDT 开空\n入场: 3400\n止盈: 3350\n止损: 3460",
                 Sig("ETH/USDT", "short", ("3400",), ("3350",), "3460"), id="zh_open_short"),
    pytest.param("#ETH/USDT LONG\nएंट्री: 3400\nटारगेट: 3450 / 3500\nस्टॉप लॉस: 3350",
                 Sig("ETH/USDT", "long", ("3400",), ("3450", "3500"), "3350"), id="hi_labels"),
])
def test_korean_chinese_and_hindi_calls(text: str, want: Sig) -> None:
    check_signal(text, want)


@pytest.mark.parametrize(("text", "want"), [
    pytest.param("#DOGE/USDT 止盈1 已达成 ✅", Upd("DOGE/USDT", "target_hit", 1), id="zh_tp"),
    pytest.param("#BTC/USDT 目标1已达到 ✅", Upd("BTC/USDT", "target_hit", 1), id="zh_target"),
    pytest.param("#DOGE/USDT 止损了", Upd("DOGE/USDT", "stop_hit"), id="zh_stopped"),
    pytest.param("#BTC/USDT 止损触发", Upd("BTC/USDT", "stop_hit"), id="zh_stop_triggered"),
    pytest.param("#BTC/USDT 取消", Upd("BTC/USDT", "cancel"), id="zh_cancel"),
    pytest.param("#BTC/USDT 목표 2 달성 ✅", Upd("BTC/USDT", "target_hit", 2), id="ko_target"),
    pytest.param("#BTC/USDT 손절 ❌", Upd("BTC/USDT", "stop_hit"), id="ko_stop"),
    pytest.param("#BTC/USDT 신호 취소", Upd("BTC/USDT", "cancel"), id="ko_cancel"),
    pytest.param("#BTC/USDT TP 2 पूरा ✅", Upd("BTC/USDT", "target_hit", 2), id="hi_done"),
])
def test_korean_chinese_and_hindi_follow_ups(text: str, want: Upd) -> None:
    check_update(text, want)


# --- "fancy font" posts ---------------------------------------------------------------------------
# Before: noise (mathematical bold letters and digits are no ASCII).

def test_a_call_in_mathematical_bold() -> None:
    check_signal("𝐁𝐓𝐂/𝐔𝐒𝐃𝐓 𝐋𝐎𝐍𝐆\n𝐄𝐧𝐭𝐫𝐲: 𝟔𝟑𝟓𝟎𝟎\n𝐓𝐏: 𝟔𝟒𝟓𝟎𝟎\n𝐒𝐋: 𝟔𝟐𝟓𝟎𝟎",
                 Sig("BTC/USDT", "long", ("63500",), ("64500",), "62500"))
    check_update("#𝗦𝗢𝗟/𝗨𝗦𝗗𝗧 𝗧𝗣𝟮 ✅", Upd("SOL/USDT", "target_hit", 2))


# --- a "CMP:" line as the entry -------------------------------------------------------------------
# Before: "CMP: 1.12" was an entry at 1.12 with no word of the market, or no entry at all.

@pytest.mark.parametrize(("text", "want"), [
    ("#ARB/USDT LONG\nCMP: 1.12\nTargets: 1.15 / 1.18 / 1.22\nSL: 1.07",
     Sig("ARB/USDT", "long", ("1.12",), ("1.15", "1.18", "1.22"), "1.07", at_market=True)),
    ("#SEI/USDT Long Now\nCMP 0.4520\nTP 0.47 / 0.49\nSL 0.43",
     Sig("SEI/USDT", "long", ("0.4520",), ("0.47", "0.49"), "0.43", at_market=True)),
])
def test_a_cmp_line_is_a_market_entry(text: str, want: Sig) -> None:
    check_signal(text, want)


def test_a_cmp_line_beside_an_entry_is_a_note() -> None:  # guard
    check_signal("#SOL/USDT LONG\nEntry: 142\nCMP: 145\nTP: 150\nSL: 136",
                 Sig("SOL/USDT", "long", ("142",), ("150",), "136"))


# --- stops set at the entry, and cancels, in other languages -----------------------------------
# Before: noise.

@pytest.mark.parametrize(("text", "want"), [
    pytest.param("#BTC/USDT Stop en entrada", Upd("BTC/USDT", "move_sl", breakeven=True),
                 id="es_stop_at_entry"),
    pytest.param("#BTC/USDT Stop na entrada", Upd("BTC/USDT", "move_sl", breakeven=True),
                 id="pt_stop_at_entry"),
    pytest.param("#BTC/USDT Stop para o ponto de entrada",
                 Upd("BTC/USDT", "move_sl", breakeven=True), id="pt_stop_to_entry_point"),
    pytest.param("#BTC/USDT SL'yi girişe çekin", Upd("BTC/USDT", "move_sl", breakeven=True),
                 id="tr_stop_suffix_yi"),
    pytest.param("#BTC/USDT Cancelar operación", Upd("BTC/USDT", "cancel"), id="es_cancel"),
    pytest.param("#BTC/USDT Batalkan sinyal", Upd("BTC/USDT", "cancel"), id="id_cancel"),
])
def test_stop_to_entry_and_cancel_in_other_languages(text: str, want: Upd) -> None:
    check_update(text, want)


# --- regression cover: layouts that already read right ------------------------------------------

SIGNALS = [
    pytest.param("$OPEN /USDT\nBuy 0.5677\nTake Profit 0.5987\nStop Loss 0.5432\n"
                 "Amount per trade 5%\nLeverage Cross x10",
                 Sig("OPEN/USDT", "long", ("0.5677",), ("0.5987",), "0.5432", 10, market=_FUT),
                 id="cornix_guide_example"),
    pytest.param("Symbol: STMX/USDT\nExchange: Kraken\nTrade Type: Short\nLeverage: 10\n\n"
                 "Entry Orders:\n1) 0.01577  - 50.008%\n2) 0.01609 - 49.991%\n\n"
                 "Take-Profit Orders:\n1) 0.01553 - 50.0%\n2) 0.01538 - 16.666%\n"
                 "3) 0.01514 - 16.666%\n4) 0.01451 - 16.666%\n\nStop: 0.01650",
                 Sig("STMX/USDT", "short", ("0.01577", "0.01609"),
                     ("0.01553", "0.01538", "0.01514", "0.01451"), "0.01650", 10, market=_FUT),
                 id="orders_with_shares"),
    pytest.param("#METUSDT P | LONG 🟢\nEntry: 0.2515 (CMP)\nTP 1 → 0.2573\nTP 2 → 0.2620\n"
                 "Stop Loss: 0.25 ☠️",
                 Sig("MET/USDT", "long", ("0.2515",), ("0.2573", "0.2620"), "0.25",
                     at_market=True), id="cmp_in_brackets"),
    pytest.param("#BTCUSDT SHORT\nEntry: 63,500.5 - 64,100\nTP1: 62,800\nTP2: 61,950.5\n"
                 "SL: 65,000",
                 Sig("BTC/USDT", "short", ("63500.5", "64100"), ("62800", "61950.5"), "65000"),
                 id="thousands_with_decimals"),
    pytest.param("#ADA/USDT LONG\nEntrada: 0,4567\nObjetivos: 0,4650 - 0,4720 - 0,4800\n"
                 "Stop: 0,4450",
                 Sig("ADA/USDT", "long", ("0.4567",), ("0.4650", "0.4720", "0.4800"), "0.4450"),
                 id="es_decimal_commas"),
    pytest.param("#SUI/USDT SHORT\nEntry 1.850\nTargets 1.80 - 1.75 - 1.70\nInvalidation above "
                 "1.93",
                 Sig("SUI/USDT", "short", ("1.850",), ("1.80", "1.75", "1.70"), "1.93"),
                 id="invalidation_above"),
    pytest.param("Spot Call 📢\n\n$RNDR\n\nBuy Zone: 7.10$ - 6.80$\n\n"
                 "Sell targets: 7.60$ | 8.20$ | 9.00$\n\nSL: Daily close below 6.40$",
                 Sig("RNDR/USDT", "long", ("7.10", "6.80"), ("7.60", "8.20", "9.00"), "6.40",
                     market=_SPOT), id="spot_buy_zone_sell_targets"),
    pytest.param("SIGNAL ALERT\n\nBUY XAUUSD 2339.3\n\n🤑TP1: 2341.3\n🤑TP2: 2344.3\n"
                 "🤑TP3: 2347.3\n🛑SL: 2331.3 (80 pips)",
                 Sig("XAU/USD", "long", ("2339.3",), ("2341.3", "2344.3", "2347.3"), "2331.3"),
                 id="mt4_gold"),
    pytest.param("XAUUSD BUY NOW @2341-2338\nSL:2333\nTP1:2344\nTP2:2347\nTP3:open",
                 Sig("XAU/USD", "long", ("2341", "2338"), ("2344", "2347"), "2333",
                     at_market=True), id="mt4_open_target"),
    pytest.param("#SOL/USDT VENDA\nPreço de entrada: 142\nAlvos: 138 / 135\nStop loss: 146\n"
                 "Alavancagem: 5x",
                 Sig("SOL/USDT", "short", ("142",), ("138", "135"), "146", 5, market=_FUT),
                 id="pt_short"),
    pytest.param("#AVAX/USDT LONG\nĐiểm vào: 27.5\nMục tiêu: 28.2 - 29 - 30\nCắt lỗ: 26.6\n"
                 "Đòn bẩy: 10x",
                 Sig("AVAX/USDT", "long", ("27.5",), ("28.2", "29", "30"), "26.6", 10,
                     market=_FUT), id="vi_labels"),
    pytest.param("#BTC/USDT 做空\n入场价格：64500\n目标：63800 / 63000\n止损：65200",
                 Sig("BTC/USDT", "short", ("64500",), ("63800", "63000"), "65200"),
                 id="zh_fullwidth_colons"),
    pytest.param("#ETH/USDT LONG\nEntry: ३४००\nTP: ३५००\nSL: ३३५०",
                 Sig("ETH/USDT", "long", ("3400",), ("3500",), "3350"), id="devanagari_digits"),
    pytest.param("| Pair | Side | Entry | TP | SL |\n|---|---|---|---|---|\n"
                 "| SOL/USDT | LONG | 142.5 | 150 | 136 |",
                 Sig("SOL/USDT", "long", ("142.5",), ("150",), "136"), id="markdown_table"),
    pytest.param("#SOL/USDT SHORT\nEntry: 142.5\nTargets: 140 - 138\nSL: 5% above entry",
                 Sig("SOL/USDT", "short", ("142.5",), ("140", "138"), "149.625"),
                 id="stop_pct_above_entry"),
    pytest.param("#LTC SHORT\nEntry: 82.5-84\n1st target: 80.8\n2nd target: 79.5\n"
                 "3rd target: 77\nSL: 86.2",
                 Sig("LTC/USDT", "short", ("82.5", "84"), ("80.8", "79.5", "77"), "86.2"),
                 id="ordinal_target_labels"),
    pytest.param("🟥 SHORT 🟥\n#BNBUSDT\n➖ Entry ➖\n585.5\n➖ Targets ➖\n578\n570\n"
                 "➖ Stop ➖\n596",
                 Sig("BNB/USDT", "short", ("585.5",), ("578", "570"), "596"),
                 id="dash_emoji_headers"),
    pytest.param("BYBIT:INJUSDT.P LONG\nEntry 24.5\nTP 25.2 26.0\nSL 23.8",
                 Sig("INJ/USDT", "long", ("24.5",), ("25.2", "26.0"), "23.8", market=_FUT),
                 id="tradingview_ticker"),
    pytest.param("#OP/USDT LONG\nEntry: 1.85\nTargets: 1.90 / 1.95 / 2.05\nSL: 1.78\n"
                 "Sell half at TP1 and move SL to entry",
                 Sig("OP/USDT", "long", ("1.85",), ("1.90", "1.95", "2.05"), "1.78"),
                 id="plan_after_the_call"),
]

UPDATES = [
    pytest.param("#OP/USDT Stop Target Hit ⛔\nLoss: 25.3% 📉", Upd("OP/USDT", "stop_hit"),
                 id="cornix_stop_target"),
    pytest.param("#ETH/USDT TP1 done, SL moved to breakeven",
                 Upd("ETH/USDT", "move_sl", 1, breakeven=True), id="tp_then_breakeven"),
    pytest.param("#ETH/USDT Trail SL to TP2", Upd("ETH/USDT", "move_sl", stop_to_target=2),
                 id="trail_to_target"),
    pytest.param("#DOGE/USDT Alvo 1 atingido ✅", Upd("DOGE/USDT", "target_hit", 1),
                 id="pt_target"),
    pytest.param("#DOGE/USDT đã chạm TP2 ✅", Upd("DOGE/USDT", "target_hit", 2), id="vi_target"),
    pytest.param("#DOGE/USDT Stop oldu ❌", Upd("DOGE/USDT", "stop_hit"), id="tr_stop"),
    pytest.param("#BTC/USDT Mover stop a 63800", Upd("BTC/USDT", "move_sl", new_stop="63800"),
                 id="es_move_stop"),
    pytest.param("XAUUSD SL hit -50 pips", Upd("XAU/USD", "stop_hit"), id="mt4_stop_pips"),
    pytest.param("#WLD/USDT 3rd target hit", Upd("WLD/USDT", "target_hit", 3), id="ordinal"),
]

NOISE = [
    pytest.param("#BTC/USDT\nLONG above 64000 / SHORT below 62000\nTP: 65000 / 61000",
                 id="two_way_plan"),
    pytest.param("#AVAX/USDT LONG\nEntry: 27.5\nTP: 26.8 / 26.1\nSL: 28.4",
                 id="long_targets_below"),
    pytest.param("Will #ETH hit TP3 today?", id="asked"),
    pytest.param("#ETH/USDT Hold, don't close yet", id="negated_close"),
    pytest.param("Market update: BTC holding 63,500 support, next resistance 66,000", id="talk"),
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
