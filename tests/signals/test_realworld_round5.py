"""Round 5 of probing the reader with channel messages as traders meet them: decimals listed
without spaces, a target reached that names no target ("TP hit"), a call reposted with ticks
beside its reached prices, target multiples ("2x, 3x") that are no leverage, talk around a price,
promotions and advice that name no coin, negated or moved field words, and follow-ups in
Russian, Turkish, Spanish, Portuguese, Vietnamese and Persian.

The first groups are misreadings that were fixed: each test fails on the reader before its fix,
except the guards (marked "# guard"), which read right before too and keep each fix from reaching
further than it should. The last group keeps messages that already read right, as regression
cover for less-tested layouts (Cornix bot posts, emoji-heavy layouts, hashtags, multiplier coins,
number formats, other languages)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from verzek.domain.models import MarketType, Side
from verzek.signals import parse, parse_message
from verzek.signals.numbers import Price, read_token


@dataclass(frozen=True)
class Sig:
    """A trade call as a trader reads it; prices as written, in written order."""

    symbol: str
    side: str
    entries: tuple[str, ...]
    targets: tuple[str, ...]
    stop: str | None
    leverage: int | None = None
    at_market: bool = False


@dataclass(frozen=True)
class Upd:
    """A follow-up on an earlier call."""

    symbol: str | None
    action: str
    index: int | None = None
    new_stop: str | None = None
    breakeven: bool = False


def _check_signal(text: str, want: Sig) -> None:
    result = parse_message(text)
    assert result.signal is not None, (result.kind, result.invalid_reason, result.update)
    got = result.signal
    assert got.symbol == want.symbol
    assert got.side is Side(want.side)
    assert [str(p) for p in got.entries] == list(want.entries)
    assert [str(p) for p in got.targets] == list(want.targets)
    assert (str(got.stop_loss) if got.stop_loss is not None else None) == want.stop
    assert got.leverage == want.leverage
    assert got.entry_is_market is want.at_market


def _check_update(text: str, want: Upd) -> None:
    result = parse_message(text)
    assert result.kind == "update" and result.update is not None, result
    got = result.update
    assert (got.symbol, got.action, got.target_index) == (want.symbol, want.action, want.index)
    assert got.new_stop == (Decimal(want.new_stop) if want.new_stop else None)
    assert got.to_breakeven is want.breakeven
    assert result.signal is None


def _check_noise(text: str) -> None:
    result = parse_message(text)
    assert result.kind == "noise" and result.signal is None and result.update is None, result
    assert parse(text) is None


# --- decimals listed without spaces: "1.15,1.20,1.28" ------------------------------------------
# Before: a token with several dots and a comma was garbage, so the call lost its targets (and
# was traded with none) or its entries.

def test_targets_listed_with_commas_and_no_spaces() -> None:
    _check_signal("#ARB/USDT LONG\nEntry: 1.10\nTargets: 1.15,1.20,1.28\nSL: 1.04",
                  Sig("ARB/USDT", "long", ("1.10",), ("1.15", "1.20", "1.28"), "1.04"))


def test_two_targets_listed_with_a_comma() -> None:
    _check_signal("#ARB/USDT LONG\nEntry: 1.10\nTP: 1.15,1.20\nSL: 1.04",
                  Sig("ARB/USDT", "long", ("1.10",), ("1.15", "1.20"), "1.04"))


def test_entries_listed_with_a_comma() -> None:
    _check_signal("#ARB/USDT LONG\nEntry: 1.10,1.08\nTP: 1.15\nSL: 1.04",
                  Sig("ARB/USDT", "long", ("1.10", "1.08"), ("1.15",), "1.04"))


@pytest.mark.parametrize(("raw", "want"), [
    ("1.15,1.20,1.28", ["1.15", "1.20", "1.28"]),
    ("0.5120,0.5050", ["0.5120", "0.5050"]),
    ("1.5,2", ["1.5", "2"]),  # no thousands group of three digits: not 15.2
])
def test_a_comma_list_of_decimals_is_several_prices(raw: str, want: list[str]) -> None:
    read = read_token(raw)
    assert isinstance(read, list)
    assert [str(p.value) for p in read] == want


@pytest.mark.parametrize(("raw", "want"), [
    ("65,000.5", "65000.5"), ("65.000,5", "65000.5"), ("64.250,50", "64250.50"),
    ("1,234,567.5", "1234567.5"), ("1.234,5", "1234.5"),
])
def test_thousands_with_decimals_stay_one_price(raw: str, want: str) -> None:  # guard
    assert read_token(raw) == Price(Decimal(want))


# --- a target reached that names no target -----------------------------------------------------
# Before: "TP hit", "Target reached" without a number or price was no outcome, so a call quoted
# with its outcome opened a new trade.

@pytest.mark.parametrize("text", [
    pytest.param("Yesterday's call: #SOL LONG Entry 140 TP 150 SL 135 — TP reached 🎯",
                 id="quoted_call_tp_reached"),
    pytest.param("Last week's #BTC call: LONG Entry 60000 TP 65000 SL 58000 → TP hit ✅ +8%",
                 id="quoted_call_tp_hit"),
    pytest.param("#AVAX/USDT LONG ✅\nEntry: 30\nTP: 33\nSL: 28\nTarget hit 🔥 +10%",
                 id="reposted_call_target_hit"),
])
def test_a_call_quoted_with_its_target_reached_is_no_new_trade(text: str) -> None:
    result = parse_message(text)
    assert result.signal is None
    assert result.update is not None and result.update.action == "target_hit"
    assert result.update.target_index is None  # which target is not said: nothing to act on


@pytest.mark.parametrize(("text", "symbol"), [
    ("#BTC/USDT TP hit ✅", "BTC/USDT"),
    ("#BTC/USDT Target reached 🎯 +12%", "BTC/USDT"),
    ("#ETH/USDT\nTake profit hit ✅ 3300", "ETH/USDT"),
])
def test_a_target_hit_without_its_number(text: str, symbol: str) -> None:
    _check_update(text, Upd(symbol, "target_hit"))


def test_a_plan_about_a_target_hit_stays_a_call() -> None:  # guard
    _check_signal("#SOL/USDT LONG\nEntry: 150\nTP: 160\nSL: 145\nMove SL to entry after TP hit",
                  Sig("SOL/USDT", "long", ("150",), ("160",), "145"))


def test_a_close_beside_a_bare_target_hit_stays_a_close() -> None:  # guard
    _check_update("#SOL/USDT target reached, close the rest now", Upd("SOL/USDT", "close"))


# --- a call reposted with ticks beside its reached prices --------------------------------------
# Before: only numbered targets ("TP1: 0.55 ✅") were read as reached; a list of prices with
# ticks was read as the call again, a second trade.

@pytest.mark.parametrize(("text", "index"), [
    pytest.param("#ARB/USDT LONG\nEntry: 0.51\nTargets: 0.55 ✅ 0.58 0.62\nSL: 0.46", 1,
                 id="one_line"),
    pytest.param("#ARB/USDT LONG\nEntry: 0.51\nTargets:\n0.55 ✅\n0.58 ✅\n0.62\nSL: 0.46", 2,
                 id="list_lines"),
    pytest.param("#ARB/USDT LONG\nEntry: 0.51\n🎯 0.55 ✅\n🎯 0.58\n🎯 0.62\nSL: 0.46", 1,
                 id="emoji_lines"),
])
def test_a_call_reposted_with_ticked_targets_is_a_target_hit(text: str, index: int) -> None:
    _check_update(text, Upd("ARB/USDT", "target_hit", index))


def test_a_call_reposted_with_its_entry_ticked_is_no_new_trade() -> None:
    _check_update("#LINK/USDT LONG\nEntry: 14.20 ✅ (filled)\nTP: 15.00 / 15.80\nSL: 13.70",
                  Upd("LINK/USDT", "other"))


def test_ticks_before_every_target_are_bullets() -> None:  # guard
    _check_signal("#ARB/USDT LONG\nEntry: 0.51\nTargets: ✅ 0.55 ✅ 0.58\nSL: 0.46",
                  Sig("ARB/USDT", "long", ("0.51",), ("0.55", "0.58"), "0.46"))


# --- market entries --------------------------------------------------------------------------

def test_long_at_current_price_is_a_market_entry() -> None:
    _check_signal("#XLM/USDT\nLong at current price\nTP 0.12 - 0.13\nSL 0.105",
                  Sig("XLM/USDT", "long", (), ("0.12", "0.13"), "0.105", at_market=True))


def test_sell_now_at_a_price_is_a_market_entry_with_its_price() -> None:
    _check_signal("#ETH/USDT SHORT\nSell now at 3400\nTP: 3350 - 3300\nSL: 3460",
                  Sig("ETH/USDT", "short", ("3400",), ("3350", "3300"), "3460", at_market=True))


# --- a field word negated, or the stop of a follow-up, is no field -----------------------------

def test_do_not_enter_above_is_a_limit_of_the_call() -> None:
    # Before: noise ("do not enter" read as a withdrawn call), then 0.53 read as a second entry
    _check_signal("#ARB/USDT LONG\nEntry: 0.51\nTP: 0.55, 0.60\nSL: 0.46\nDo not enter above 0.53",
                  Sig("ARB/USDT", "long", ("0.51",), ("0.55", "0.60"), "0.46"))


def test_do_not_enter_alone_still_withdraws_the_call() -> None:  # guard
    _check_noise("#ARB/USDT LONG\nEntry: 0.51\nTP: 0.55\nSL: 0.46\nDo not enter, wait")


def test_a_stop_moved_in_a_progress_post_is_no_new_trade() -> None:
    # Before: a LONG from 155 with a stop at 145 and no target
    _check_update("Our #SOL long from 140 is now at 155 (+10%). Move SL to 145.",
                  Upd("SOL/USDT", "move_sl", new_stop="145"))


# --- talk around a price is no call --------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Buy the dip! #ETH at 3000 is a gift. Target 3500",
    "#ETH at 3000 looks cheap, target 3500 by Friday",
    "Short #BTC at 65000 before the FOMC, target 62000",
])
def test_a_price_in_talk_without_a_stop_is_no_call(text: str) -> None:
    result = parse_message(text)
    assert result.signal is None
    assert result.invalid_reason == "informal: a price in talk, and no stop loss"


@pytest.mark.parametrize(("text", "want"), [
    ("Buy #ETH at 3000 and hold, target 3500",
     Sig("ETH/USDT", "long", ("3000",), ("3500",), None)),
    ("Short #BTC at 65000, target 62000, stop 66500",
     Sig("BTC/USDT", "short", ("65000",), ("62000",), "66500")),
    ("Long #SOL at 140 with 10x, TP 150", Sig("SOL/USDT", "long", ("140",), ("150",), None, 10)),
])
def test_a_short_call_after_a_price_stays_a_call(text: str, want: Sig) -> None:  # guard
    _check_signal(text, want)


# --- target multiples and gains are no leverage ------------------------------------------------
# Before: "2x" was the leverage, so a spot call was traded on futures with 2x margin.

@pytest.mark.parametrize(("text", "market"), [
    ("#PEPE/USDT Spot\nBuy: 0.0000120\nTargets: 2x, 3x, 5x\nSL: 0.0000100", MarketType.SPOT),
    ("#PEPE/USDT\nBuy: 0.0000120\nTargets: 2x - 3x - 5x\nStop: 0.0000100", None),
    ("#SOL/USDT LONG\nEntry: 150\nTargets:\n1) 2x\n2) 3x\nSL: 140", None),
    ("#SOL/USDT LONG\nEntry: 150\nTP: 155\nSL: 145\nPotential: 5x", None),
    ("#SOL/USDT (Spot) x3 potential\nBuy: 150\nTP: 160 / 180\nSL: 140", MarketType.SPOT),
])
def test_a_multiple_of_the_price_is_no_leverage(text: str, market: MarketType | None) -> None:
    result = parse_message(text)
    assert result.signal is not None, result
    assert result.signal.leverage is None
    assert result.signal.market is market


@pytest.mark.parametrize(("text", "leverage"), [
    ("SOL long 140 TP 150/160 SL 130 10x", 10),
    ("#SOL/USDT LONG\nEntry: 150\nTP: 155 / 160 20x\nSL: 145", 20),
    ("#ETH/USDT LONG\nEntry: 2000\nTargets: 2100 2200\n20x\nStop: 1900", 20),
    ("#PUMP/USDT LONG 10x\nEntry: 0.005\nTP: 0.006\nSL: 0.0045", 10),
])
def test_a_leverage_after_target_prices_is_still_read(text: str, leverage: int) -> None:  # guard
    result = parse_message(text)
    assert result.signal is not None and result.signal.leverage == leverage, result


# --- promotions and advice that name no coin act on no call ------------------------------------
# Before: read as follow-ups with no coin, applied to the channel's latest call.

@pytest.mark.parametrize("text", [
    "TP1 hit for VIP members! 🔥 Join now to get the next one",
    "VIP signal: TP3 reached ✅ +120% in 6 hours. Free channel gets it tomorrow!",
    "Another target hit in our VIP channel 💰💰 DM @admin",
    "Reminder: move SL to entry when TP1 is reached on all trades",
    "Remember to close half at TP1",
])
def test_promotion_or_advice_is_no_follow_up(text: str) -> None:
    _check_noise(text)


def test_close_all_positions_still_closes() -> None:  # guard
    _check_update("Close all positions now", Upd(None, "close"))


# --- follow-ups in other languages ---------------------------------------------------------------

@pytest.mark.parametrize(("text", "want"), [
    pytest.param("#OP/USDT Закрываем сделку", Upd("OP/USDT", "close"), id="ru_close_trade"),
    pytest.param("#OP/USDT Закрываю позицию", Upd("OP/USDT", "close"), id="ru_close_position"),
    pytest.param("#OP/USDT Đóng lệnh ngay", Upd("OP/USDT", "close"), id="vi_close_now"),
    pytest.param("#OP/USDT Đã đóng lệnh", Upd("OP/USDT", "close"), id="vi_closed"),
    pytest.param("#OP/USDT Chốt lời toàn bộ", Upd("OP/USDT", "close"), id="vi_take_all"),
    pytest.param("#OP/USDT İşlemi kapat", Upd("OP/USDT", "close"), id="tr_close_trade"),
    pytest.param("#OP/USDT Cerrar la posición", Upd("OP/USDT", "close"), id="es_close_position"),
    pytest.param("#OP/USDT Fechar a operação", Upd("OP/USDT", "close"), id="pt_close_trade"),
    pytest.param("#OP/USDT Dính SL", Upd("OP/USDT", "stop_hit"), id="vi_stop_hit"),
    pytest.param("#OP/USDT استاپ خورد", Upd("OP/USDT", "stop_hit"), id="fa_stop_hit"),
    pytest.param("#OP/USDT حد ضرر فعال شد", Upd("OP/USDT", "stop_hit"), id="fa_stop_active"),
    pytest.param("#OP/USDT تارگت 1 تاچ شد ✅", Upd("OP/USDT", "target_hit", 1),
                 id="fa_target_touched"),
    pytest.param("#OP/USDT تارگت دوم خورد ✅", Upd("OP/USDT", "target_hit", 2),
                 id="fa_second_target"),
    pytest.param("#OP/USDT سیگنال کنسل شد", Upd("OP/USDT", "cancel"), id="fa_cancel"),
    pytest.param("#OP/USDT Mover o stop para o preço de entrada",
                 Upd("OP/USDT", "move_sl", breakeven=True), id="pt_stop_to_entry_price"),
    pytest.param("#OP/USDT Stop'u girişe çekin", Upd("OP/USDT", "move_sl", breakeven=True),
                 id="tr_stop_to_entry"),
    pytest.param("#OP/USDT Dời SL về entry", Upd("OP/USDT", "move_sl", breakeven=True),
                 id="vi_stop_to_entry"),
    pytest.param("#OP/USDT استاپ را به نقطه ورود منتقل کنید",
                 Upd("OP/USDT", "move_sl", breakeven=True), id="fa_stop_to_entry"),
])
def test_follow_ups_in_other_languages(text: str, want: Upd) -> None:
    _check_update(text, want)


def test_persian_call_with_its_stop_and_side_words() -> None:
    _check_signal("#BTC/USDT لانگ\nورود: 64000\nتارگت ها: 65000 - 66000\nاستاپ: 63000",
                  Sig("BTC/USDT", "long", ("64000",), ("65000", "66000"), "63000"))


def test_persian_short_word_is_the_side() -> None:
    got = parse_message("#ETH/USDT شورت\nورود: 3400\nتارگت: 3350\nاستاپ: 3460")
    assert got.signal is not None and got.signal.side is Side.SHORT


# --- regression cover: layouts that already read right --------------------------------------------

SIGNALS = [
    pytest.param(
        "⚡️⚡️ #1000PEPE/USDT ⚡️⚡️\nExchanges: Binance Futures, Bybit USDT\n"
        "Signal Type: Regular (Long)\nLeverage: Cross (20X)\n\nEntry Targets:\n1) 0.01234\n"
        "2) 0.01200\n\nTake-Profit Targets:\n1) 0.01260 (20%)\n2) 0.01290 (30%)\n"
        "3) 0.01330 (50%)\n\nStop Targets:\n1) 0.01150",
        Sig("1000PEPE/USDT", "long", ("0.01234", "0.01200"), ("0.01260", "0.01290", "0.01330"),
            "0.01150", 20), id="cornix_multiplier_coin_shares_in_brackets"),
    pytest.param(
        "#BTCUSDT.P\nSignal Type: Regular (Short)\nLeverage: Isolated (10X)\nEntry Targets:\n"
        "1) 67,250\n2) 67,800\nTake-Profit Targets:\n1) 66,500 - 25%\n2) 65,900 - 25%\n"
        "3) 65,000 - 50%\nStop Targets:\n1) 68,900",
        Sig("BTC/USDT", "short", ("67250", "67800"), ("66500", "65900", "65000"), "68900", 10),
        id="cornix_perp_tag_thousands_dash_shares"),
    pytest.param(
        "Entry Targets: 1) 0.0123 2) 0.0120 3) 0.0117\nTake-Profit Targets: 1) 0.0127 2) 0.0131\n"
        "Stop Targets: 1) 0.0112\n#CHZ/USDT Signal Type: Regular (Long)",
        Sig("CHZ/USDT", "long", ("0.0123", "0.0120", "0.0117"), ("0.0127", "0.0131"), "0.0112"),
        id="cornix_numbered_on_one_line_pair_last"),
    pytest.param(
        "📈 #SOLUSDT.P LONG\n\nEntry: 142.5 - 140.8\n\n🎯 TP1 144.0\n🎯 TP2 146.5\n🎯 TP3 150\n\n"
        "🛑 SL 137.9\n\n⚡️ Lev 5-10x",
        Sig("SOL/USDT", "long", ("142.5", "140.8"), ("144.0", "146.5", "150"), "137.9", 5),
        id="emoji_lines_leverage_range"),
    pytest.param("🟢 LONG\n\n$SOL\n\nEntry: 142.5\nTP1: 145\nTP2: 148\nSL: 139",
                 Sig("SOL/USDT", "long", ("142.5",), ("145", "148"), "139"),
                 id="cashtag_on_its_own_line"),
    pytest.param("SOL/USDT:USDT LONG\nEntry 142.5\nTP 145 148\nSL 139",
                 Sig("SOL/USDT", "long", ("142.5",), ("145", "148"), "139"),
                 id="ccxt_swap_symbol"),
    pytest.param("#SHIB/USDT LONG\nEntry: .00001234\nTP: .00001280 .00001330\nSL: .00001190",
                 Sig("SHIB/USDT", "long", ("0.00001234",), ("0.00001280", "0.00001330"),
                     "0.00001190"), id="leading_dot_prices"),
    pytest.param("#BTC LONG\nEntry: 43k\nTP: 44.5k, 46k\nSL: 41.8k",
                 Sig("BTC/USDT", "long", ("43000",), ("44500", "46000"), "41800"),
                 id="k_prices"),
    pytest.param("#AVAX/USDT\nBuy: 0.51-0.53 (DCA 0.48)\nSell: 0.56 - 0.60\nStop: 0.45",
                 Sig("AVAX/USDT", "long", ("0.51", "0.53", "0.48"), ("0.56", "0.60"), "0.45"),
                 id="buy_zone_with_dca_in_brackets"),
    pytest.param("#WIF/USDT LONG CMP\nTP 2.60 2.80 3.00\nSL 2.20",
                 Sig("WIF/USDT", "long", (), ("2.60", "2.80", "3.00"), "2.20", at_market=True),
                 id="cmp_on_the_header_line"),
    pytest.param("Buy BTC\nEntry: 64000\nTarget: 66000\nStop: 62500",
                 Sig("BTC/USDT", "long", ("64000",), ("66000",), "62500"), id="spot_buy_btc"),
    pytest.param("#SUI/USDT\nEntry: 1.85\nTP: 1.78 - 1.72\nSL: 1.92",
                 Sig("SUI/USDT", "short", ("1.85",), ("1.78", "1.72"), "1.92"),
                 id="short_from_prices_alone"),
    pytest.param("#BTC/USDT LONG\nVào lệnh: 64000 - 63500\nMục tiêu: 65000 - 66000\n"
                 "Cắt lỗ: 62800\nĐòn bẩy: 10x",
                 Sig("BTC/USDT", "long", ("64000", "63500"), ("65000", "66000"), "62800", 10),
                 id="vietnamese_labels"),
    pytest.param("#SOL/USDT LONG\nGiriş: 142 - 140\nHedef: 145 / 148 / 152\nStop: 137\n"
                 "Kaldıraç: 10x",
                 Sig("SOL/USDT", "long", ("142", "140"), ("145", "148", "152"), "137", 10),
                 id="turkish_labels"),
    pytest.param("#ADA/USDT VENDA\nEntrada: 0,4500\nAlvos: 0,4400 - 0,4300\nStop: 0,4620\n"
                 "Alavancagem: 10x",
                 Sig("ADA/USDT", "short", ("0.4500",), ("0.4400", "0.4300"), "0.4620", 10),
                 id="portuguese_comma_decimals"),
    pytest.param("Short #ETH 3450-3480 | TP 3400/3350/3300 | SL 3520 | 20x",
                 Sig("ETH/USDT", "short", ("3450", "3480"), ("3400", "3350", "3300"), "3520",
                     20), id="one_line_pipes"),
    pytest.param("#BTC/USDT LONG\nEntry: 64000\nTP: 65000\nSL: 63000\nLeverage: 20x-50x",
                 Sig("BTC/USDT", "long", ("64000",), ("65000",), "63000", 20),
                 id="leverage_range_of_x"),
    pytest.param("Signal #152 📅 12.05.2024 14:30 UTC\n#ETH/USDT SHORT\nTF: 4H\nEntry: 3400\n"
                 "TP: 3350 - 3300\nSL: 3460",
                 Sig("ETH/USDT", "short", ("3400",), ("3350", "3300"), "3460"),
                 id="number_date_time_header"),
    pytest.param("XAUUSD BUY NOW @ 2345\nSL 2335\nTP1 2350\nTP2 2360",
                 Sig("XAU/USD", "long", ("2345",), ("2350", "2360"), "2335", at_market=True),
                 id="forex_buy_now_at"),
    pytest.param("EURUSD SELL LIMIT 1.0850 SL 1.0880 TP 1.0800",
                 Sig("EUR/USD", "short", ("1.0850",), ("1.0800",), "1.0880"),
                 id="forex_sell_limit"),
    pytest.param("BTC-PERP LONG 64000 TP 65000 SL 63000",
                 Sig("BTC/USDT", "long", ("64000",), ("65000",), "63000"), id="dash_perp"),
    pytest.param("#ARB/USDT LONG\nEntry: 0.51\nTP: 0.56\nSL1: 0.47\nSL2: 0.45",
                 Sig("ARB/USDT", "long", ("0.51",), ("0.56",), "0.47"), id="two_stops_first"),
    pytest.param("#ARB/USDT LONG\nEntry: 0.51\nEntry 2: 0.49 (if dumps)\nTP: 0.56\nSL: 0.46",
                 Sig("ARB/USDT", "long", ("0.51", "0.49"), ("0.56",), "0.46"),
                 id="second_entry_with_a_note"),
    pytest.param("#ARB/USDT LONG\nEntry: $0.51 - $0.53\nTP: $0.56 - $0.60\nSL: $0.46",
                 Sig("ARB/USDT", "long", ("0.51", "0.53"), ("0.56", "0.60"), "0.46"),
                 id="dollar_signs_in_zones"),
    pytest.param("#ARB/USDT LONG\nEntry: 0.51\nTP: 0.55, 0.60\nSL: 0.46\n"
                 "Cancel if price reaches 0.55 before entry",
                 Sig("ARB/USDT", "long", ("0.51",), ("0.55", "0.60"), "0.46"),
                 id="cancel_condition_in_a_call"),
    pytest.param("#BTC/USDT LONG\nEntry 1: 64000 | Entry 2: 63000 | SL: 62000 | TP: 66000",
                 Sig("BTC/USDT", "long", ("64000", "63000"), ("66000",), "62000"),
                 id="numbered_entries_with_pipes"),
    pytest.param("#1000SATS/USDT SHORT\nEntry: 0.000321 - 0.000328\n"
                 "TP: 0.000315 / 0.000309 / 0.000300\nSL: 0.000338",
                 Sig("1000SATS/USDT", "short", ("0.000321", "0.000328"),
                     ("0.000315", "0.000309", "0.000300"), "0.000338"), id="1000sats"),
    pytest.param("#BNB SHORT\nEntry: 612,5\nTP: 605 / 598,5\nSL: 620",
                 Sig("BNB/USDT", "short", ("612.5",), ("605", "598.5"), "620"),
                 id="comma_decimal_beside_whole_numbers"),
    pytest.param("#INJ/USDT SHORT\nEntry: 24.8\nTargets: 24.2 / 23.5 / 22.9 / Moon\nSL: 25.6",
                 Sig("INJ/USDT", "short", ("24.8",), ("24.2", "23.5", "22.9"), "25.6"),
                 id="open_ended_moon_target"),
    pytest.param("#LINK/USDT\nLONG 🟢\nEntry: 14.20\nTP: 15.00 / 15.80\nSL: 13.70\n\n"
                 "❗️Signal is active",
                 Sig("LINK/USDT", "long", ("14.20",), ("15.00", "15.80"), "13.70"),
                 id="signal_is_active_footer"),
]

UPDATES = [
    pytest.param("Binance Futures, Bybit USDT\n#ORDI/USDT Take-Profit target 3 ✅\n"
                 "Profit: 45.2% 📈\nPeriod: 2 Hours 15 Minutes ⏰",
                 Upd("ORDI/USDT", "target_hit", 3), id="cornix_bot_target"),
    pytest.param("#FTM/USDT Stop Target Hit ⛔\nLoss: 35% 📉", Upd("FTM/USDT", "stop_hit"),
                 id="cornix_bot_stop"),
    pytest.param("#BTC/USDT Cancelled ❌\nReason: Entry price not reached within 48h",
                 Upd("BTC/USDT", "cancel"), id="cornix_bot_cancel"),
    pytest.param("#ETH/USDT Take-Profit target 2 ✅\nProfit: 40%\nPeriod: 2 Hours\n\n"
                 "⚠️ Move SL to entry", Upd("ETH/USDT", "move_sl", 2, breakeven=True),
                 id="cornix_target_then_stop_to_entry"),
    pytest.param("#SOL/USDT TP1 ✅ reached", Upd("SOL/USDT", "target_hit", 1),
                 id="tp1_tick_reached"),
    pytest.param("#ETH/USDT Target 2 done 🔥 +45% profit", Upd("ETH/USDT", "target_hit", 2),
                 id="target_done_with_profit"),
    pytest.param("#DOGE/USDT Stop moved to entry", Upd("DOGE/USDT", "move_sl", breakeven=True),
                 id="stop_moved_to_entry"),
    pytest.param("#LTC/USDT Cancel this signal", Upd("LTC/USDT", "cancel"), id="cancel_signal"),
    pytest.param("#BTC/USDT Цель 2 достигнута ✅", Upd("BTC/USDT", "target_hit", 2),
                 id="ru_target_reached"),
    pytest.param("#SOL/USDT Objetivo 1 alcanzado ✅", Upd("SOL/USDT", "target_hit", 1),
                 id="es_target_reached"),
    pytest.param("#AVAX/USDT Hedef 1 ulaşıldı ✅", Upd("AVAX/USDT", "target_hit", 1),
                 id="tr_target_reached"),
    pytest.param("#OP/USDT Stop loss alcanzado", Upd("OP/USDT", "stop_hit"),
                 id="es_stop_reached"),
    pytest.param("#OP/USDT Sinal cancelado", Upd("OP/USDT", "cancel"), id="pt_cancelled"),
    pytest.param("#SOL hit stop loss", Upd("SOL/USDT", "stop_hit"), id="hit_stop_loss"),
    pytest.param("Exit #SOL now", Upd("SOL/USDT", "close"), id="exit_now"),
    pytest.param("#UNI/USDT Closed at breakeven", Upd("UNI/USDT", "close"),
                 id="closed_at_breakeven"),
    pytest.param("#LINK/USDT\nSL moved to 14.20 (entry) ✅\nRisk-free trade now",
                 Upd("LINK/USDT", "move_sl", new_stop="14.20"), id="stop_moved_to_price"),
]

NOISE = [
    pytest.param("BTC looks bullish, could reach 50k by next week. Support at 42k.",
                 id="opinion_with_prices"),
    pytest.param("Results of the week 🔥\n#BTC +45%\n#ETH +32%\n#SOL +80%\n#AVAX -12%\n"
                 "Total: +145%", id="results_recap"),
    pytest.param("Binance Futures Signals VIP 🔥\nJoin now, 90% accuracy! Entry, targets and "
                 "stop loss for every trade.\nPrice: 99$ / month", id="vip_promo_with_price"),
    pytest.param("Market update: BTC is trading at 64,200, resistance at 65,500 and support at "
                 "62,800. Watching for a breakout.", id="market_update"),
    pytest.param("If BTC breaks 65000, we long with targets 66000 and 67000, stop 64000",
                 id="conditional_plan"),
    pytest.param("Daily levels #BTC: Buy zone 62000-62500, sell zone 66000-66500",
                 id="two_sided_levels"),
    pytest.param("Entry: 0.51 - 0.53\nTP: 0.55 0.58\nSL: 0.49\nLONG", id="no_coin"),
    pytest.param("#LTC/USDT\nSHORT\nEntry: 85.5\nTP: 84 / 82\nSL: 83", id="stop_under_a_short"),
    pytest.param("How to read our signals:\nPair: #BTC/USDT\nSide: LONG\nEntry: 64000\n"
                 "TP: 65000\nSL: 63000", id="how_to_read"),
    pytest.param("Daily plan #BTC:\nLong scenario: above 65000, TP 66500, SL 64200\n"
                 "Short scenario: below 63000, TP 61500, SL 63800", id="two_scenarios"),
    pytest.param("Most of our signals hit TP2 this week 🔥", id="many_signals_hit"),
    pytest.param("$SOL 140 looks like a good entry. TP 160", id="opinion_with_a_cashtag"),
    pytest.param("TP hit rate: 87% this month", id="hit_rate_is_no_hit"),
]


@pytest.mark.parametrize(("text", "want"), SIGNALS)
def test_regression_signal(text: str, want: Sig) -> None:
    _check_signal(text, want)


@pytest.mark.parametrize(("text", "want"), UPDATES)
def test_regression_update(text: str, want: Upd) -> None:
    _check_update(text, want)


@pytest.mark.parametrize("text", NOISE)
def test_regression_noise(text: str) -> None:
    _check_noise(text)
