"""Round 14 of probing the reader with channel messages as traders meet them: a bare "Zone:" line
as a call's entry ("Zone: 0.52 – 0.55 (DCA 0.50)"), stop hits told in more words (Russian
"выбило по стопу", "словили стоп", Turkish "stop olduk", "Stop loss çalıştı", Portuguese "Stop
loss ativado"), Russian "закрыли в плюс" and "вход исполнен", a "closed" that is negated or asked
("not closed yet", "не закрыта", "#ETH closed?"); and, as regression cover, progress reports
quoting the entry and the price now, target hits with leverage-multiplied percentages, closes
in profit with an ROI, DCA and re-entry advice, cancelled limit orders, filled entries, spot
"Buy at ... sell at ..." calls, "20x–50x" and "Margin: 2%", Cornix "Client:" footers, links and
@mentions, two calls in one post, and promotions and market talk.

Coins and prices are made up. The first groups are misreadings that were fixed: each test fails
on the reader before its fix, except the guards (marked "# guard"), which read right before too
and keep each fix from reaching further than it should. The last groups keep messages that
already read right, as regression cover for the layouts.

Decisions. A bare "Zone:" is the entry's label only as its line's first word ("Support zone:",
"Demand zone:" are analysis). Two calls in one post (or one call over two coins) are refused as a
round-up, never read as one of them. A report of the entry and the price now ("#SOL entry 98 now
104 +6% 🚀") is no close and no call; a target hit's percentages, with or without leverage, are
ignored (the index counts). DCA or re-entry advice alone ("Add more at 0.52", "Re-entry at 97,
same TP and SL") is no trade: a follow-up cannot add to a position; a re-entry written as a whole
call is a new call. A filled entry is the "other" follow-up (nothing to do). Russian "почти"
("almost") before a cue is a near miss, as "almost" is; a "closed" after a negation ("not",
"не") or asked about is no close.

Left out as ambiguous: a stop word before a loss with no verb or mark ("#BTC SL -10% 😢", "#SOL
cắt lỗ -10%": a stop hit, or a stop set 10% from the entry?), analysis with a breakout and an
"Invalidation" level ("#ETH 4H: breakout above 3,420 targets 3,600. Invalidation 3,300": read as
a breakout call, as before — a call, or a chart comment?), and Vietnamese "Bị quét SL -10%" (swept
by the stop, or a stop hunt that missed?)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.signals.calls import Sig, Upd, check_noise, check_signal, check_update
from verzek.domain.models import MarketType
from verzek.signals import parse_message
from verzek.signals.followup import AMBIGUOUS_COINS

_FUT = MarketType.FUTURES
_SPOT = MarketType.SPOT
_ROUND_UP = "several symbols: a round-up, not one call"


# --- a bare "Zone:" line is the call's entry --------------------------------------------------
# Before: the zone was no entry: the call kept only its "(DCA 0.50)" price as entry (one order at
# the bottom, the zone's two orders lost), or was refused for want of an entry.

@pytest.mark.parametrize(("text", "want"), [
    ("#SUI/USDT LONG\nZone: 0.52 – 0.55 (DCA 0.50)\nTargets: 🎯1 0.58 🎯2 0.61\nSL: 0.48",
     Sig("SUI/USDT", "long", ("0.52", "0.55", "0.50"), ("0.58", "0.61"), "0.48")),
    ("#SUI/USDT LONG\n📍 Zone: 0.52 - 0.55\n🎯 0.58 / 0.61\n🛑 0.48",
     Sig("SUI/USDT", "long", ("0.52", "0.55"), ("0.58", "0.61"), "0.48")),
    ("#OP/USDT LONG\nZone: 1.30 - 1.26\nTargets: 1.36 - 1.42\nSL: 1.21\nLev: 20x–50x",
     Sig("OP/USDT", "long", ("1.30", "1.26"), ("1.36", "1.42"), "1.21", 20, market=_FUT)),
    ("Zone: 0.52 – 0.55\n#SUI LONG\nTP 0.58 / 0.61\nSL 0.48",
     Sig("SUI/USDT", "long", ("0.52", "0.55"), ("0.58", "0.61"), "0.48")),
])
def test_a_bare_zone_line_is_the_entry(text: str, want: Sig) -> None:
    check_signal(text, want)


@pytest.mark.parametrize("text", [
    "#BTC daily\nSupport zone: 26,800 - 26,500\nResistance zone: 28,000",
    "#ETH LONG\nDemand zone: 1600 - 1580\nTP: 1700\nSL: 1550",  # a level named, no entry given
    "#SOL Zone: 21.40 - 21.80",
    "📊 #BTC Levels\nZone: 26,800 - 27,000 support\nZone: 28,000 resistance",
])
def test_a_zone_in_analysis_stays_no_call(text: str) -> None:  # guard
    check_noise(text)


def test_an_entry_zone_with_dca_reads_as_before() -> None:  # guard
    check_signal("#SUI/USDT LONG\nEntry Zone: 0.52 – 0.55 (DCA 0.50)\n"
                 "Targets: 🎯1 0.58 🎯2 0.61 🎯3 0.65\nStop: 0.47\nLeverage: 20x–50x",
                 Sig("SUI/USDT", "long", ("0.52", "0.55", "0.50"), ("0.58", "0.61", "0.65"),
                     "0.47", 20, market=_FUT))


# --- a stop hit in more words ---------------------------------------------------------------
# Before: each was no follow-up: the position stayed open on the bot after the channel's stop.

@pytest.mark.parametrize(("text", "symbol"), [
    ("#BTC выбило по стопу -10% 😢", "BTC/USDT"),
    ("#BTC словили стоп -10% 😢", "BTC/USDT"),
    ("Поймали стоп по #AVAX 😔", "AVAX/USDT"),
    ("#ETH stop olduk 😢", "ETH/USDT"),
    ("#ETH Stop loss çalıştı ❌", "ETH/USDT"),
    ("#ADA Stop loss ativado ❌", "ADA/USDT"),
    ("#XRP stop acionado -8%", "XRP/USDT"),
])
def test_a_stop_hit_in_these_words_is_a_stop_hit(text: str, symbol: str) -> None:
    check_update(text, Upd(symbol, "stop_hit"))


@pytest.mark.parametrize("text", [
    "#BTC почти выбило по стопу, но держимся 💪",  # a near miss
    "Не словили стоп по #ETH, цена развернулась",
    "#ADA Stop loss ativado? Ainda não",
])
def test_a_near_miss_or_a_question_is_no_stop_hit(text: str) -> None:  # guard
    check_noise(text)


@pytest.mark.parametrize(("text", "symbol"), [
    ("#BTC Стоп сработал -10% 😢", "BTC/USDT"),
    ("#ETH stop oldu -10% 😢", "ETH/USDT"),
    ("#XRP Stop atingido -10% 😢", "XRP/USDT"),
    ("#ARB SL hit -10% 😢 it happens, next one!", "ARB/USDT"),
])
def test_stop_hits_read_before_stay_so(text: str, symbol: str) -> None:  # guard
    check_update(text, Upd(symbol, "stop_hit"))


# --- Russian "закрыли" (we closed) and "вход исполнен" (entry filled) --------------------------
# Before: no follow-up (the close was missed; the fill was only a missed no-op).

@pytest.mark.parametrize(("text", "want"), [
    ("#SOL закрыли в плюс +35% 💰", Upd("SOL/USDT", "close")),
    ("Закрыли #DOGE в безубыток", Upd("DOGE/USDT", "close")),
    ("#ETH вход исполнен ✅", Upd("ETH/USDT", "other")),
])
def test_russian_closed_and_filled_are_read(text: str, want: Upd) -> None:
    check_update(text, want)


# --- a "closed" negated or asked is no close -------------------------------------------------
# Before: each closed the coin's position ("not closed yet, holding" closed it).

@pytest.mark.parametrize("text", [
    "#ETH/USDT not closed yet, holding",
    "#ETH не закрыта, держим",
    "#ETH не закрыли, держим",  # guard: "закрыли" is a close word only since this round
    "Who closed #ETH already?",
    "#ETH closed?",
])
def test_a_negated_or_asked_closed_is_no_close(text: str) -> None:
    check_noise(text)


@pytest.mark.parametrize(("text", "symbol"), [
    ("#SOL/USDT closed at breakeven", "SOL/USDT"),
    ("#DOGE closed +35% ROI 🤑", "DOGE/USDT"),
    ("#AVAX Closed in profit +35% ROI 💰", "AVAX/USDT"),
    ("Closed #XRP in profit, +35% ROI on 10x", "XRP/USDT"),
    ("#SOL cerrada con ganancia +35%", "SOL/USDT"),
])
def test_closes_in_profit_read_before_stay_so(text: str, symbol: str) -> None:  # guard
    check_update(text, Upd(symbol, "close"))


# --- progress reports, DCA advice, two calls in a post: no trade (regression cover) ----------

@pytest.mark.parametrize("text", [
    "#SOL entry 98 now 104 +6% 🚀",
    "$ARB bought at 1.05, now at 1.12 🔥 +6.6%",
    "#SOL/USDT\nEntry: 98\nNow: 104 (+6%) 🚀",
    "🚀 #WIF +48% since our entry at 1.85 (now 2.74) 🚀",
    "#BTC update: entered 27300, now 27850 ✅ +2% (+40% with 20x)",
])
def test_a_progress_report_is_no_trade(text: str) -> None:
    check_noise(text)


@pytest.mark.parametrize("text", [
    "#LINK Add more at 7.05",
    "#AVAX Add more at 11.50 🔁 (DCA)",
    "#AVAX Re-entry at 11.80 — same TP and SL",
    "#OP/USDT add more at 1.30 if it dips, SL stays 1.22",
])
def test_dca_advice_alone_is_no_trade(text: str) -> None:
    check_noise(text)


@pytest.mark.parametrize(("text", "want"), [
    ("Re-entry #SOL 97-96 TP 100/104 SL 94",
     Sig("SOL/USDT", "long", ("97", "96"), ("100", "104"), "94")),
    ("#SOL re-entry\nEntry: 97 - 96\nTP: 100 / 104\nSL: 94",
     Sig("SOL/USDT", "long", ("97", "96"), ("100", "104"), "94")),
])
def test_a_re_entry_written_as_a_whole_call_is_a_call(text: str, want: Sig) -> None:
    check_signal(text, want)


@pytest.mark.parametrize("text", [
    "#BTC #ETH LONG\nEntry: 27300\nTP: 28000\nSL: 26900",
    "#BTC LONG Entry 27300 TP 28000 SL 26900\n#ETH LONG Entry 1640 TP 1700 SL 1600",
    "Two calls today:\n#APT LONG Entry 6.85 TP 7.10 SL 6.60\n"
    "#SEI SHORT Entry 0.142 TP 0.135 SL 0.150",
    "#BTC and #ETH LONG\nEntry: market\nTP: +2%\nSL: -1%",
])
def test_two_calls_in_one_post_are_refused(text: str) -> None:
    assert check_noise(text) == _ROUND_UP


def test_a_cancel_of_two_coins_acts_on_none() -> None:
    assert check_noise("Cancel the BTC and ETH limit orders") == AMBIGUOUS_COINS


# --- follow-ups in this round's layouts (regression cover) ------------------------------------

@pytest.mark.parametrize(("text", "want"), [
    ("#ETH TP1 ✅ (+20% with 10x)", Upd("ETH/USDT", "target_hit", 1)),
    ("#DOGE/USDT TP2 ✅ +45% ROI (20x)", Upd("DOGE/USDT", "target_hit", 2)),
    ("#LINK/USDT 🎯 TP2 ✅ Profit: 4% (40% with 10x) ⏰ 3h 20m",
     Upd("LINK/USDT", "target_hit", 2)),
    ("#PEPE TP1 ✅ +20% (with 20x)\nNext target 0.00000125 🎯", Upd("PEPE/USDT", "target_hit", 1)),
    ("#ETH/USDT TP1 ✅ +20% (10x) — SL moved to entry",
     Upd("ETH/USDT", "move_sl", 1, breakeven=True)),
    ("#SOL entry 98 now 104 +6% 🚀 move SL to entry",
     Upd("SOL/USDT", "move_sl", breakeven=True)),
    ("Cancel the BTC limit order", Upd("BTC/USDT", "cancel")),
    ("Cancel the #BTC limit order ❌", Upd("BTC/USDT", "cancel")),
    ("Отменяем лимитку по #BTC", Upd("BTC/USDT", "cancel")),
    ("Entry filled ✅", Upd(None, "other")),
    ("#SUI Entry filled ✅", Upd("SUI/USDT", "other")),
    ("Entry 2 filled ✅ #AVAX avg 11.65", Upd("AVAX/USDT", "other")),
])
def test_follow_ups_in_this_rounds_layouts(text: str, want: Upd) -> None:  # guard
    check_update(text, want)


# --- calls in this round's layouts (regression cover) -----------------------------------------

@pytest.mark.parametrize(("text", "want"), [
    ("#ORDI/USDT SHORT\nEntry: 8.90 - 9.10\nTargets: 8.70 - 8.50 - 8.20\nStop: 9.40\n"
     "Leverage: 20x–50x\nMargin: 2%",
     Sig("ORDI/USDT", "short", ("8.90", "9.10"), ("8.70", "8.50", "8.20"), "9.40", 20,
         market=_FUT)),
    ("Buy #ARB at 1.05, sell at 1.20/1.35, stop 0.98",
     Sig("ARB/USDT", "long", ("1.05",), ("1.20", "1.35"), "0.98")),
    ("Buy #ARB at 1.05, sell at 1.20 / 1.35, stop 0.98 (spot)",
     Sig("ARB/USDT", "long", ("1.05",), ("1.20", "1.35"), "0.98", market=_SPOT)),
    ("#ARB spot: buy 1.05, targets 1.20 / 1.35, SL 0.98",
     Sig("ARB/USDT", "long", ("1.05",), ("1.20", "1.35"), "0.98", market=_SPOT)),
    ("📈 #TON/USDT — SPOT\nBuy: 2.05 - 1.98\nSell: 2.20 / 2.40 / 2.65\nStop: 1.89\n"
     "Margin: 3% of portfolio",
     Sig("TON/USDT", "long", ("2.05", "1.98"), ("2.20", "2.40", "2.65"), "1.89", market=_SPOT)),
    ("#FET/USDT LONG\nEntry: 0.2150 - 0.2100\nTargets: 0.2200 - 0.2260 - 0.2350\n"
     "Stop-Loss: 0.2030\nLeverage: Cross 10x\nClient: Binance Futures, Bybit USDT",
     Sig("FET/USDT", "long", ("0.2150", "0.2100"), ("0.2200", "0.2260", "0.2350"), "0.2030", 10,
         market=_FUT)),
    ("#LDO/USDT SHORT\nEntry: 2.18\nTP1: 2.12\nTP2: 2.05\nSL: 2.26\nLeverage: 20x–50x\n"
     "Client: Binance Futures / ByBit\nPowered by Cornix",
     Sig("LDO/USDT", "short", ("2.18",), ("2.12", "2.05"), "2.26", 20, market=_FUT)),
    ("🔥 #INJ/USDT LONG 🔥\nEntry: 7.20 - 7.05\nTargets: 🎯1 7.45 🎯2 7.70 🎯3 8.10\nSL: 6.85\n"
     "Leverage: 20x–50x\nMargin: 2%\n📢 @InjSignalsVIP | t.me/injvip\n#crypto #signals #binance",
     Sig("INJ/USDT", "long", ("7.20", "7.05"), ("7.45", "7.70", "8.10"), "6.85", 20,
         market=_FUT)),
    ("🔥 #SOL/USDT LONG 🔥\nEntry: 21.40 - 21.10\nTP: 21.80 / 22.30 / 23.00\nSL: 20.60\n"
     "Lev: 10x\n👉 Join VIP: https://t.me/vipchannel\n@cryptoadmin #signals #crypto",
     Sig("SOL/USDT", "long", ("21.40", "21.10"), ("21.80", "22.30", "23.00"), "20.60", 10,
         market=_FUT)),
])
def test_calls_in_this_rounds_layouts(text: str, want: Sig) -> None:  # guard
    check_signal(text, want)
    got = parse_message(text).signal
    assert got is not None and all(
        isinstance(p, Decimal) for p in [*got.entries, *got.targets, got.stop_loss] if p)


# --- posts that are no trade (regression cover) -----------------------------------------------

@pytest.mark.parametrize("text", [
    "🎁 GIVEAWAY: 3 VIP slots open! Comment below 👇",
    "VIP slots open 🔥 Only 5 left, 50% off. Last call #BTC made +80%",
    "📢 VIP SLOTS OPEN 📢\nOnly 10 slots left at $49/month\n✅ 90% accuracy\n"
    "✅ 5-10 signals daily\nDM @vipadmin",
    "BTC dominance 54% — alt season not yet. ETH/BTC 0.052. BTC 67,200, support 65,800, "
    "resistance 69,000.",
    "BTC.D rejecting 54.5%. If it drops below 53%, alts pump. #ETH target 3,800.",
    "Market update 🧐 #BTC holding 67k support. Next resistance 69k. If broken, 72k is next. "
    "SL for longs below 65k.",
    "⚠️ Binance will delist #XYZ on 15 March. Close your positions.",
    "#BTC limit order not filled yet, keep waiting",
])
def test_posts_that_are_no_trade(text: str) -> None:  # guard
    check_noise(text)
