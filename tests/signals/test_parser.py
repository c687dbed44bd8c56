"""Parser rules the issue names, one behaviour per test."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.signals.timing import fastest_parse_s
from verzek.domain.models import MarketType, Side, Signal, SignalUpdate
from verzek.signals import parse, parse_message


def D(value: str) -> Decimal:
    return Decimal(value)


def signal(text: str) -> Signal:
    result = parse_message(text)
    assert result.signal is not None, (result.kind, result.invalid_reason)
    return result.signal


@pytest.mark.parametrize(
    ("written", "symbol"),
    [("#BTC/USDT", "BTC/USDT"), ("BTCUSDT", "BTC/USDT"), ("BTC-USDT", "BTC/USDT"),
     ("$BTC", "BTC/USDT"), ("#BTC", "BTC/USDT"), ("#1000PEPE/USDT", "1000PEPE/USDT"),
     ("1INCHUSDT", "1INCH/USDT"), ("#1INCH", "1INCH/USDT"), ("ETH/BTC", "ETH/BTC"),
     ("#ETHUSDC", "ETH/USDC"), ("BTCUSDT.P", "BTC/USDT"), ("#PEOPLE", "PEOPLE/USDT")],
)
def test_symbol_formats(written: str, symbol: str) -> None:
    text = f"{written} LONG\nEntry: 0.50\nTarget: 0.55\nStop: 0.45"
    assert signal(text).symbol == symbol


@pytest.mark.parametrize(
    ("word", "side"),
    [("LONG", Side.LONG), ("long", Side.LONG), ("🟢 Long 🚀", Side.LONG), ("SHORT", Side.SHORT),
     ("📉short📉", Side.SHORT), ("BUY", Side.LONG), ("SELL", Side.SHORT), ("#SHORT", Side.SHORT),
     ("ЛОНГ", Side.LONG), ("CORTO", Side.SHORT)],
)
def test_side_words_in_any_case_with_emoji(word: str, side: Side) -> None:
    if side is Side.LONG:
        text = f"#SOL/USDT {word}\nEntry: 100\nTargets: 110 - 120\nSL: 90"
    else:
        text = f"#SOL/USDT {word}\nEntry: 100\nTargets: 90 - 80\nSL: 110"
    assert signal(text).side is side


def test_target_index_is_never_its_price() -> None:
    s = signal("#ADA/USDT LONG\nEntry: 0.4\nTarget 1: 0.5\nTarget 2: 0.6\nTP3: 0.7\nSL: 0.3")
    assert s.targets == [D("0.5"), D("0.6"), D("0.7")]


@pytest.mark.parametrize(
    "targets",
    ["Targets: 0.5 - 0.6 - 0.7", "Targets: 0.5 / 0.6 / 0.7", "Targets: 0.5, 0.6, 0.7",
     "Targets:\n0.5\n0.6\n0.7", "TP1: 0.5\nTP2: 0.6\nTP3: 0.7", "Targets: 1) 0.5 2) 0.6 3) 0.7",
     "🎯 0.5\n🎯 0.6\n🎯 0.7", "Target 1 - 0.5\nTarget 2 - 0.6\nTarget 3 - 0.7",
     "Take-Profit Targets:\n1) 0.5\n2) 0.6\n3) 0.7", "Targets:\n1 - 0.5\n2 - 0.6\n3 - 0.7"],
)
def test_target_layouts(targets: str) -> None:
    s = signal(f"#ADA/USDT LONG\nEntry: 0.4\n{targets}\nSL: 0.3")
    assert s.targets == [D("0.5"), D("0.6"), D("0.7")]


def test_percentages_are_never_prices() -> None:
    s = signal("#ADA/USDT LONG\nEntry: 0.4\nTP1: 0.5 (+25%)\nTP2: 0.6 (50%)\nSL: 0.3 (-25%)")
    assert s.targets == [D("0.5"), D("0.6")] and s.stop_loss == D("0.3")



@pytest.mark.parametrize(("text", "stop"), [
    ("#ADA/USDT LONG\nEntry: 0.4\nTP: 0.5\nSL: 5%", "0.38"),
    ("#BNB/USDT LONG\nEntry 580\nTP 600 620\nSL 5% below entry", "551"),
    ("#BNB/USDT LONG\nEntry 600\nTP 700\nSL 25%", "450"),  # never 4.5E+2
    ("#BNB/USDT SHORT\nEntry 580 - 590\nTP 560 550\nStop loss: -3.5 %", "605.48"),  # mean 585
    ("#NOT/USDT LONG\nEntry 0.007250\nTP 0.0078\nSL 4%", "0.00696"),
])
def test_a_stop_written_as_a_percentage_is_that_far_from_the_entry(text: str,
                                                                    stop: str) -> None:
    assert str(signal(text).stop_loss) == stop


@pytest.mark.parametrize("text", [
    "#BNB/USDT LONG\nEntry: market\nTP 600\nSL 5%",  # no entry price to measure from
    "#BNB/USDT LONG\nEntry 580\nTP 600 620\nSL 100%",  # no stop is 100 % away
    "#BNB/USDT LONG\nEntry 580\nTP 600 620\nSL 5% of your balance",  # not a distance
])
def test_a_percentage_that_is_no_stop_distance_gives_no_stop(text: str) -> None:
    assert signal(text).stop_loss is None


@pytest.mark.parametrize(
    ("written", "leverage"),
    [("Cross 20x", 20), ("Isolated 5X", 5), ("Lev x31", 31), ("20x", 20), ("Leverage: 10", 10),
     ("Leverage: Cross (25.0X)", 25), ("Leverage: 10x - 20x", 10), ("Плечо: 15x", 15)],
)
def test_leverage_is_read_and_never_a_target(written: str, leverage: int) -> None:
    s = signal(f"#ETH/USDT LONG\nEntry: 2000\nTargets: 2100 2200\n{written}\nStop: 1900")
    assert s.leverage == leverage
    assert s.targets == [D("2100"), D("2200")]
    assert s.market is MarketType.FUTURES


@pytest.mark.parametrize(
    ("text", "market"),
    [("#BTC/USDT BUY (Spot)\nBuy zone: 100 - 95\nTargets: 110\nStop: 90", MarketType.SPOT),
     ("Binance Futures\n#BTC/USDT LONG\nEntry: 100\nTP: 110\nSL: 90", MarketType.FUTURES),
     ("#BTC/USDT LONG perpetual\nEntry: 100\nTP: 110\nSL: 90", MarketType.FUTURES),
     ("#BTC/USDT LONG\nEntry: 100\nTP: 110\nSL: 90", None)],
)
def test_market_type(text: str, market: MarketType | None) -> None:
    assert signal(text).market is market


def test_spot_buy_is_a_long() -> None:
    s = signal("BUY #LINK/USDT (Spot)\nBuy zone: 14.2 - 13.9\nTargets: 15, 16\nStop: 13")
    assert (s.side, s.market, s.entries) == (Side.LONG, MarketType.SPOT, [D("14.2"), D("13.9")])


def test_zone_keeps_its_two_ends_in_written_order() -> None:
    assert signal("#XRP/USDT LONG\nEntry Zone: 0.130 - 0.123\nTP: 0.14\nSL: 0.12").entries == [
        D("0.130"), D("0.123")]
    assert signal("#XRP/USDT LONG\nEntry Zone: 0.123 - 0.130\nTP: 0.14\nSL: 0.12").entries == [
        D("0.123"), D("0.130")]


@pytest.mark.parametrize("word", ["market", "CMP", "now", "Market price"])
def test_market_entries(word: str) -> None:
    s = signal(f"#DOT/USDT LONG\nEntry: {word}\nTargets: 7.5 - 8\nSL: 6.5")
    assert s.entry_is_market and s.entries == []


@pytest.mark.parametrize(
    ("written", "value"),
    [("65,000.5", "65000.5"), ("65 000", "65000"), ("65\u00a0000", "65000"), ("0,123", "0.123"),
     ("0.00001234", "0.00001234"), ("1,234.5678", "1234.5678"), ("12,5", "12.5")],
)
def test_number_styles_are_exact(written: str, value: str) -> None:
    stop = format(D(value) * 2, "f")
    s = signal(f"#BTC/USDT SHORT\nEntry: {written}\nStop: {stop}")
    assert s.entries == [D(value)]
    assert str(s.entries[0]) == value


def test_decimals_are_kept_as_written() -> None:
    s = signal("#PEPE/USDT LONG\nEntry: 0.0000123400\nTP: 0.0000130000\nSL: 0.0000110000")
    assert str(s.entries[0]) == "0.0000123400"


@pytest.mark.parametrize(
    ("text", "reason"),
    [("#BTC/USDT LONG\nEntry: 100\nTP: 110\nSL: 105", "stop loss 105 is at or above"),
     ("#BTC/USDT SHORT\nEntry: 100\nTP: 110\nSL: 120", "target 110 is at or above"),
     ("#BTC/USDT LONG\nEntry: 100\nTP: 90\nSL: 80", "target 90 is at or below"),
     ("#BTC/USDT SHORT\nEntry: 100\nTP: 90\nSL: 95", "stop loss 95 is at or below")],
)
def test_inconsistent_signals_are_invalid_not_repaired(text: str, reason: str) -> None:
    result = parse_message(text)
    assert result.kind == "noise" and result.signal is None
    assert result.invalid_reason is not None and reason in result.invalid_reason
    assert parse(text) is None


def test_side_is_inferred_only_when_prices_agree() -> None:
    assert signal("#LINK/USDT\nBuy: 14\nSell: 15 16\nStop: 13").side is Side.LONG
    assert signal("#LINK/USDT\nEntry: 14\nTargets: 13 12\nStop: 15").side is Side.SHORT
    assert parse_message("#LINK/USDT\nEntry: 14\nTargets: 13 15\nStop: 12").kind == "noise"


def test_confidence_reflects_completeness() -> None:
    full = signal("#BTC/USDT LONG\nEntry: 100\nTP: 110\nSL: 90\nLeverage 10x")
    partial = signal("BTC LONG\nEntry: 100\nTP: 110")
    assert full.confidence == 1.0 and partial.confidence < full.confidence


@pytest.mark.parametrize(
    ("text", "action", "index"),
    [("Target 1 reached", "target_hit", 1), ("TP2 ✅", "target_hit", 2),
     ("All targets achieved", "target_hit", None), ("Close BTC", "close", None),
     ("Closed manually", "close", None), ("Signal Cancelled", "cancel", None),
     ("SL moved to entry", "move_sl", None), ("SL moved to breakeven", "move_sl", None),
     ("Stop loss hit", "stop_hit", None), ("#BTC stopped out", "stop_hit", None),
     ("Binance Futures #AVAX/USDT Stop Target Hit ⛔\nLoss: 45.2% 📉", "stop_hit", None)],
)
def test_updates(text: str, action: str, index: int | None) -> None:
    update = parse(text)
    assert isinstance(update, SignalUpdate)
    assert (update.action, update.target_index) == (action, index)


def test_update_details() -> None:
    moved = parse("#SUI/USDT Move SL to 1.45")
    assert isinstance(moved, SignalUpdate)
    assert (moved.symbol, moved.new_stop, moved.to_breakeven) == ("SUI/USDT", D("1.45"), False)
    breakeven = parse("SL moved to breakeven #INJ")
    assert isinstance(breakeven, SignalUpdate) and breakeven.to_breakeven
    assert parse("Close BTC").symbol == "BTC/USDT"  # type: ignore[union-attr]


def test_result_post_quoting_a_stop_loss_is_not_a_signal() -> None:
    text = ("#LINK/USDT LONG\nEntry: 14\nTarget 1: 15 ✅\nTarget 2: 16\nStop Loss: 13\n"
            "Profit: 45% 📈")
    result = parse_message(text)
    assert result.kind == "update" and result.signal is None
    assert result.update is not None and result.update.target_index == 1


def test_signal_with_an_instruction_to_move_the_stop_is_still_a_signal() -> None:
    s = signal("#ADA/USDT LONG\nEntry: 0.45\nTP: 0.47 - 0.49\nSL: 0.43\nAfter TP1 move SL to BE")
    assert s.stop_loss == D("0.43")


@pytest.mark.parametrize(
    "text",
    ["", "   ", "gm", "Join our VIP for 90% accurate signals! t.me/+abc",
     "Weekly results: #BTC +40%, #ETH +25%, #SOL +10%", "🎁 Giveaway: 100 USDT to 3 winners",
     "#BTC Target 1 ✅\n#ETH Target 2 ✅", "BTC 65000, ETH 3200 right now"],
)
def test_noise_parses_to_nothing(text: str) -> None:
    assert parse(text) is None


@pytest.mark.parametrize(
    "text",
    ["🚀 ЛОНГ #BTC/USDT\nВход: 64000\nЦели: 65000 / 66000\nСтоп: 63000",
     "#BTC/USDT LARGO\nEntrada: 64000\nObjetivos: 65000 - 66000\nStop Loss: 63000",
     "#BTC/USDT COMPRA\nEntrada: 64000\nAlvos: 65000 / 66000\nStop: 63000",
     "#BTCUSDT LONG\nGiriş: 64000\nHedefler: 65000 - 66000\nStop: 63000",
     "BTC/USDT - LONG\nVào lệnh: 64000\nMục tiêu: 65000 - 66000\nCắt lỗ: 63000"],
)
def test_non_english_keyword_sets(text: str) -> None:
    s = signal(text)
    assert (s.symbol, s.side, s.entries, s.targets, s.stop_loss) == (
        "BTC/USDT", Side.LONG, [D("64000")], [D("65000"), D("66000")], D("63000"))


def test_parse_returns_the_domain_types() -> None:
    assert isinstance(parse("#BTC/USDT LONG\nEntry: 100\nTP: 110\nSL: 90"), Signal)
    assert isinstance(parse("TP1 ✅ #BTC"), SignalUpdate)


@pytest.mark.parametrize(
    "text",
    ["TP: 1" + " " * 3990 + "x", "TP: " + "1 " * 1990 + "x", "Entry: " + "1." * 1990,
     "Entry: " + "1 - " * 990 + "x", "tp1 " * 1000, "20x " * 1000, "move sl to " * 360,
     "Targets:\n" + "1) 0.5\n" * 570, "#BTC/USDT LONG Entry 1 - 2 TP 3 SL 0.5 ✅ " * 90,
     "x" * 100_000],
)
def test_hostile_input_parses_in_linear_time(text: str) -> None:
    assert fastest_parse_s(text) < 0.25  # a quadratic regex takes seconds here


def test_a_follow_up_about_another_coin_never_acts_on_the_named_pair() -> None:
    result = parse_message("BTC closed in profit. Watching #ETH for an entry")
    assert result.kind == "noise" and result.update is None and result.signal is None
    # beside a whole call, the call is read (without the sentence about the other trade)
    result = parse_message(
        "Previous BTC trade closed in profit.\n#ETH/USDT LONG\nEntry: 3000\nTP: 3100\nSL: 2900")
    assert result.kind == "signal" and result.update is None and result.signal is not None
    assert (result.signal.symbol, result.signal.stop_loss) == ("ETH/USDT", Decimal("2900"))
    assert result.signal.raw_text.startswith("Previous BTC trade closed")


def test_imperative_close_mid_line() -> None:
    update = parse("#ETH/USDT Close ETH now")
    assert isinstance(update, SignalUpdate)
    assert (update.symbol, update.action) == ("ETH/USDT", "close")


def test_stop_after_a_timeframe_and_a_referenced_entry() -> None:
    assert signal("#ETH/USDT LONG\nEntry: 3100\nTP: 3200\nSL: 4H close below 3000").stop_loss \
        == D("3000")
    s = signal("#ETH/USDT LONG\nEntry: 3100\nTP: 3200\nStop loss: 5% below entry (2945)")
    assert (s.entries, s.stop_loss) == ([D("3100")], D("2945"))


def test_inline_dot_numbering_is_not_a_price() -> None:
    s = signal("#ADA/USDT LONG\nEntry: 0.4\nTargets: 1. 0.5 2. 0.6 3. 0.7\nSL: 0.3")
    assert s.targets == [D("0.5"), D("0.6"), D("0.7")]


def test_targets_out_of_order_are_a_misread_not_a_trade() -> None:
    result = parse_message("#ADA/USDT LONG\nEntry: 0.4\nTargets: 0.5 2 0.6\nSL: 0.3")
    assert result.kind == "noise" and "out of order" in (result.invalid_reason or "")


def test_sell_at_is_a_target_after_a_buy() -> None:
    s = signal("BUY #BTC at 62000-63000, sell at 68000, stop 60000")
    assert (s.entries, s.targets, s.stop_loss) == ([D("62000"), D("63000")], [D("68000")],
                                                   D("60000"))
