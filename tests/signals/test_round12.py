"""Round 12 of probing the reader with channel messages as traders meet them: Binance Futures and
ByBit VIP layouts, Cornix bot posts, "Wolf of Trading"-like emoji templates, Russian, Turkish,
Spanish, Portuguese, Vietnamese and Persian channels, markdown bold, tables, odd separators ("➡️",
"—", "|", "…", "•"), fullwidth digits, decimal commas ("0,345"), thousands separators ("27,350.5"),
"k" prices ("27.3k"), zones ("0.52-0.55"), targets and stops as percentages, market entries,
"Cross 20x" / "Isolated 10X" / "Lev: 5-10x", spot calls, perpetual names ("1000PEPEUSDT",
"ETHUSDT.P"); and posts that must stay no trade: promotions, result recaps, PnL cards, lessons,
market talk quoting prices, polls.

Coins and prices are made up. The first groups are misreadings that were fixed: each test fails
on the reader before its fix, except the guards (marked "# guard"), which read right before too
and keep each fix from reaching further than it should. The last groups keep messages that
already read right, as regression cover for the layouts.

Left out as ambiguous: thousands grouped by plain spaces with no round " 000" beside them
("Entry: 26 850 - 26 600", refused as before: 26850, or 26 and 850?), and a bare arrow chain after
the side ("SHORT $ETH 1642 → 1620 → 1600": a path of targets, or a ladder of entries?)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.signals.calls import Sig, Upd, check_noise, check_signal, check_update
from verzek.domain.models import MarketType, Side
from verzek.signals import parse_message
from verzek.signals.parser import NOTHING_FOUND

_FUT = MarketType.FUTURES
_SPOT = MarketType.SPOT
_SUMMARY = "a results summary, not a follow-up on one call"
_MANY = "talk or advice about many trades, not a follow-up on one call"


# --- misspelt Entry and Targets labels ----------------------------------------------------------
# Before: "Enrty:" and "Entery:" were no entry (the call was refused), and "Tragets:" / "Taget:"
# no targets (the call kept its stop only, its take-profits lost).

@pytest.mark.parametrize(("text", "want"), [
    ("#ETHUSDT LONG\nEnrty: 1642-1630\nTargets: 1660-1685-1720\nStop: 1605",
     Sig("ETH/USDT", "long", ("1642", "1630"), ("1660", "1685", "1720"), "1605")),
    ("#ETHUSDT LONG\nEntry: 1642-1630\nTragets: 1660-1685-1720\nStop: 1605",
     Sig("ETH/USDT", "long", ("1642", "1630"), ("1660", "1685", "1720"), "1605")),
    ("#ETHUSDT LONG\nEntery: 1642\nTaget: 1660\nStoploss: 1605",
     Sig("ETH/USDT", "long", ("1642",), ("1660",), "1605")),
    ("$SOL short\nEntrty: 21.40\nTagets: 21.10 / 20.80\nSL: 21.75",
     Sig("SOL/USDT", "short", ("21.40",), ("21.10", "20.80"), "21.75")),
    ("#ETHUSDT LONG\nEnrty: 1642-1630\nTragets: 1660-1685-1720\nStop los: 1605",
     Sig("ETH/USDT", "long", ("1642", "1630"), ("1660", "1685", "1720"), "1605")),
])
def test_misspelt_labels_are_read_as_their_fields(text: str, want: Sig) -> None:
    check_signal(text, want)


def test_a_misspelt_word_in_a_promotion_is_no_call() -> None:  # guard
    check_noise("Entery fee for our VIP is 99$ this week only")


# --- a close written "Closing <coin>.P <side> ..." ----------------------------------------------
# Before: a perpetual ".P" or a side word between "Closing" and "at market"/"now" hid the close.

@pytest.mark.parametrize(("text", "symbol"), [
    ("Closing #BTC/USDT.P short at market — take the profit", "BTC/USDT"),
    ("Closing #BTC short at market", "BTC/USDT"),
    ("Closing #ETHUSDT.P now", "ETH/USDT"),
])
def test_closing_a_perpetual_or_a_side_is_a_close(text: str, symbol: str) -> None:
    check_update(text, Upd(symbol, "close"))


@pytest.mark.parametrize(("text", "symbol"), [
    ("Close #BTC/USDT.P short at market", "BTC/USDT"),
    ("Close #ETHUSDT.P now", "ETH/USDT"),
    ("Closed #SOLUSDT.P long manually ✅", "SOL/USDT"),
])
def test_closes_read_before_stay_so(text: str, symbol: str) -> None:  # guard
    check_update(text, Upd(symbol, "close"))


@pytest.mark.parametrize("text", ["#ETH short closing soon, be ready",
                                  "Closing shortly, #BTC is near the target"])
def test_closing_later_is_no_close(text: str) -> None:  # guard
    assert check_noise(text) == NOTHING_FOUND


# --- a close "at market" in Russian, Spanish and Portuguese -------------------------------------
# Before: "закрываем по рынку" ("we close at market") and "cerramos a mercado" closed nothing
# unless the verb started the line.

@pytest.mark.parametrize(("text", "symbol"), [
    ("#DOGE закрываем по рынку", "DOGE/USDT"),
    ("#BTC/USDT: закрываю по рынку", "BTC/USDT"),
    ("Друзья, закрываем #LINK по рынку", "LINK/USDT"),
    ("#ETH cerramos a mercado", "ETH/USDT"),
    ("#SOL fechamos a mercado", "SOL/USDT"),
])
def test_a_local_close_at_market_is_a_close(text: str, symbol: str) -> None:
    check_update(text, Upd(symbol, "close"))


@pytest.mark.parametrize(("text", "symbol"), [
    ("Закрываем #BTC по рынку", "BTC/USDT"),  # the verb starts the line
    ("Cerrar #XRP a mercado", "XRP/USDT"),
    ("Fechar #ADA a mercado", "ADA/USDT"),
])
def test_local_closes_read_before_stay_so(text: str, symbol: str) -> None:  # guard
    check_update(text, Upd(symbol, "close"))


@pytest.mark.parametrize(("text", "want"), [
    ("#DOGE лонг\nВход: по рынку\nЦели: 0,0655 / 0,0670\nСтоп: 0,0612",
     Sig("DOGE/USDT", "long", (), ("0.0655", "0.0670"), "0.0612", at_market=True)),
    ("#SOL/USDT SHORT\nEntrada: a mercado\nObjetivos: 21.10 / 20.80\nStop: 21.75",
     Sig("SOL/USDT", "short", (), ("21.10", "20.80"), "21.75", at_market=True)),
])
def test_a_market_entry_stays_a_call(text: str, want: Sig) -> None:  # guard
    check_signal(text, want)


# --- target hits: Cyrillic "ТП1", "targets 1 and 2", "1, 2, 3 hit" -----------------------------
# Before: "ТП1 взят ✅" (Cyrillic letters) and "targets 1 and 2 done" were no follow-up, and
# "Targets 1, 2, 3 hit" took target 2 only ("3 hit" was read as "3 hours").

@pytest.mark.parametrize(("text", "want"), [
    ("#GMX ТП1 взят ✅", Upd("GMX/USDT", "target_hit", 1)),
    ("#FET ТП2 достигнут ✅", Upd("FET/USDT", "target_hit", 2)),
    ("#KAVA/USDT: targets 1 and 2 done ✅✅", Upd("KAVA/USDT", "target_hit", 2)),
    ("#INJ/USDT Targets 1, 2, 3 hit ✅", Upd("INJ/USDT", "target_hit", 3)),
    ("#INJ/USDT Target 1, 2, 3 hit ✅ +90%", Upd("INJ/USDT", "target_hit", 3)),
])
def test_target_hits_in_these_words_are_read(text: str, want: Upd) -> None:
    check_update(text, want)


@pytest.mark.parametrize(("text", "want"), [
    ("#INJ/USDT Target 1, 2 and 3 done", Upd("INJ/USDT", "target_hit", 3)),
    ("#SOL TP1 - 2 hours ✅", Upd("SOL/USDT", "target_hit", 1)),  # a time, not TP2
    ("#SOL TP1 ✅ - 2h", Upd("SOL/USDT", "target_hit", 1)),
    ("#BTC/USDT Target 1: 27,100 ✅", Upd("BTC/USDT", "target_hit", 1)),
])
def test_target_hits_read_before_stay_so(text: str, want: Upd) -> None:  # guard
    check_update(text, want)


def test_a_call_listing_numbered_targets_stays_a_call() -> None:  # guard
    check_signal("#ARB/USDT LONG\nEntry: 0.9450\nTargets 1) 0.9650 2) 0.9850\nSL: 0.9200",
                 Sig("ARB/USDT", "long", ("0.9450",), ("0.9650", "0.9850"), "0.9200"))


# --- a results tally with no coin ---------------------------------------------------------------
# Before: each was a stop hit on the channel's latest call (it would have been closed).

@pytest.mark.parametrize(("text", "reason"), [
    ("Haftalık sonuçlar: 23 işlem, 19 hedef ✅, 4 stop ❌, toplam +412%", _SUMMARY),
    ("Resultados semanales: 20 señales, 17 objetivos alcanzados ✅, 3 stop loss ❌", _SUMMARY),
    ("Kết quả tuần: 15 lệnh, 13 chốt lời ✅, 2 cắt lỗ ❌", _SUMMARY),
    ("Resumo da semana: 22 sinais, 19 alvos atingidos ✅, 3 stop ❌", _SUMMARY),
    ("Статистика за месяц: 40 сигналов, стоп сработал 5 раз", _SUMMARY),
    ("Monthly performance: TP hit 44 times, SL hit 6 times", _SUMMARY),
    ("Today: 5 TP ✅ 1 SL ❌ Great day fam!", _MANY),
])
def test_a_results_tally_is_no_stop_hit(text: str, reason: str) -> None:
    assert check_noise(text) == reason


@pytest.mark.parametrize(("text", "want"), [
    ("SL hit ❌", Upd(None, "stop_hit")),  # no coin: the latest call's, as before
    ("TP1 ✅", Upd(None, "target_hit", 1)),
    ("Target 2 ✅ 3 targets left", Upd(None, "target_hit", 2)),
    ("Resultados #BTC: TP2 ✅ +40%", Upd("BTC/USDT", "target_hit", 2)),  # a coin named
    ("Итоги: #ETH цель 1 ✅", Upd("ETH/USDT", "target_hit", 1)),
])
def test_outcomes_of_one_call_stay_so(text: str, want: Upd) -> None:  # guard
    check_update(text, want)


# --- calls in the layouts of this round (regression cover) --------------------------------------

@pytest.mark.parametrize(("text", "want"), [
    ("📊 #1000PEPEUSDT | LONG 🟢\nLeverage: Cross 20x\nEntry: 0.01085 - 0.01060\n"
     "🎯 Targets: 0.01110 | 0.01140 | 0.01190\n🛑 SL: 0.01020",
     Sig("1000PEPE/USDT", "long", ("0.01085", "0.01060"), ("0.01110", "0.01140", "0.01190"),
         "0.01020", 20, market=_FUT)),
    ("ETHUSDT.P SHORT\nEntry ➡️ 3,412.5\nTP1 ➡️ 3,380\nTP2 ➡️ 3,340\nSL ➡️ 3,465\nIsolated 10X",
     Sig("ETH/USDT", "short", ("3412.5",), ("3380", "3340"), "3465", 10, market=_FUT)),
    ("#BTCUSDT LONG\nEntry: 27.3k - 27.1k\nTargets: 27.6k / 28k / 28.5k\nStop: 26.8k\nLev: 5-10x",
     Sig("BTC/USDT", "long", ("27300", "27100"), ("27600", "28000", "28500"), "26800", 5,
         market=_FUT)),
    ("**#SOL/USDT** — **LONG**\n**Entry:** 21.40 — 21.10\n**Targets:** 21.80 — 22.30 — 23.00\n"
     "**Stop Loss:** 20.60\n**Leverage:** 10x",
     Sig("SOL/USDT", "long", ("21.40", "21.10"), ("21.80", "22.30", "23.00"), "20.60", 10,
         market=_FUT)),
    ("#XRP/USDT SHORT\nEntry: market\nTP: 0.5120 - 0.5050 - 0.4980\nSL: 0.5330\nLev: 20x",
     Sig("XRP/USDT", "short", (), ("0.5120", "0.5050", "0.4980"), "0.5330", 20, at_market=True,
         market=_FUT)),
    ("#DOGEUSDT\nВход: 0,0642 - 0,0630\nЦели: 0,0655 / 0,0670 / 0,0690\nСтоп: 0,0612\n"
     "Плечо: 10x\nЛонг",
     Sig("DOGE/USDT", "long", ("0.0642", "0.0630"), ("0.0655", "0.0670", "0.0690"), "0.0612",
         10, market=_FUT)),
    ("#AVAX/USDT LONG\nВход: 9,85-9,60\nТейки: 10,10 - 10,40 - 10,90\nСтоп-лосс: 9,30",
     Sig("AVAX/USDT", "long", ("9.85", "9.60"), ("10.10", "10.40", "10.90"), "9.30")),
    ("#LINKUSDT SHORT 🔴\nGiriş: 7.42 - 7.55\nHedefler: 7.30 - 7.18 - 7.02\nStop: 7.71\n"
     "Kaldıraç: 10x",
     Sig("LINK/USDT", "short", ("7.42", "7.55"), ("7.30", "7.18", "7.02"), "7.71", 10,
         market=_FUT)),
    ("#BNB/USDT\nYön: LONG\nGiriş Bölgesi: 212.4 - 209.8\nHedef 1: 215\nHedef 2: 218.5\n"
     "Hedef 3: 223\nZarar Durdur: 205",
     Sig("BNB/USDT", "long", ("212.4", "209.8"), ("215", "218.5", "223"), "205")),
    ("🚀 SEÑAL #ADA/USDT LARGO\nEntrada: 0,2610 - 0,2570\nObjetivos: 0,2650 / 0,2700 / 0,2780\n"
     "Stop Loss: 0,2500\nApalancamiento: 10x",
     Sig("ADA/USDT", "long", ("0.2610", "0.2570"), ("0.2650", "0.2700", "0.2780"), "0.2500", 10,
         market=_FUT)),
    ("#MATIC/USDT COMPRA\nEntrada: 0.5520 - 0.5450\nAlvos: 0.5600 - 0.5700 - 0.5850\n"
     "Stop: 0.5320\nAlavancagem: 5x",
     Sig("MATIC/USDT", "long", ("0.5520", "0.5450"), ("0.5600", "0.5700", "0.5850"), "0.5320", 5,
         market=_FUT)),
    ("Moeda: #DOGE/USDT\nTipo: COMPRA (LONG)\nEntrada: 0,0642\nAlvo 1: 0,0655\nAlvo 2: 0,0670\n"
     "Stop: 0,0625",
     Sig("DOGE/USDT", "long", ("0.0642",), ("0.0655", "0.0670"), "0.0625")),
    ("Par: #SOL/USDT\nOperación: VENTA (SHORT)\nEntrada: 21.40\nObjetivo 1: 21.10\n"
     "Objetivo 2: 20.80\nStop: 21.75",
     Sig("SOL/USDT", "short", ("21.40",), ("21.10", "20.80"), "21.75")),
    ("#OPUSDT LONG\nVùng vào lệnh: 1.32 - 1.29\nMục tiêu: 1.36 - 1.40 - 1.46\nCắt lỗ: 1.24\n"
     "Đòn bẩy: 10x",
     Sig("OP/USDT", "long", ("1.32", "1.29"), ("1.36", "1.40", "1.46"), "1.24", 10,
         market=_FUT)),
    ("#APT/USDT لانگ\nنقطه ورود: 5.42 - 5.30\nتارگت ها: 5.55 - 5.70 - 5.95\nحد ضرر: 5.12\n"
     "اهرم: 10x",
     Sig("APT/USDT", "long", ("5.42", "5.30"), ("5.55", "5.70", "5.95"), "5.12", 10,
         market=_FUT)),
    ("#INJUSDT  LONG\nEntry：７.８５ - ７.７０\nTargets：８.０５ / ８.３０\nSL：７.４５",
     Sig("INJ/USDT", "long", ("7.85", "7.70"), ("8.05", "8.30"), "7.45")),
    ("|Pair|Side|Entry|TP|SL|\n|---|---|---|---|---|\n|#FTM/USDT|LONG|0.2040|0.2110|0.1960|",
     Sig("FTM/USDT", "long", ("0.2040",), ("0.2110",), "0.1960")),
    ("Pair: #LTC/USDT\nPosition: SHORT\nEntry price: 64.80…65.30\n"
     "Take profit: 63.90 … 62.70 … 61.50\nStop loss: 66.40\nMargin: Isolated\nLeverage: 15x",
     Sig("LTC/USDT", "short", ("64.80", "65.30"), ("63.90", "62.70", "61.50"), "66.40", 15,
         market=_FUT)),
    ("BUY #TIA/USDT (SPOT)\nBuy zone: 1.82-1.88\nSell: 2.05 / 2.25 / 2.50\nSL: 1.69",
     Sig("TIA/USDT", "long", ("1.82", "1.88"), ("2.05", "2.25", "2.50"), "1.69", market=_SPOT)),
    ("#WLD spot buy\nEntry 1,92 - 1,85\nTargets 2,10 - 2,35 - 2,70\nStoploss 1,72",
     Sig("WLD/USDT", "long", ("1.92", "1.85"), ("2.10", "2.35", "2.70"), "1.72", market=_SPOT)),
    ("#TON/USDT\nBuy: 1.92 - 1.88\nSell: 2.05 - 2.20 - 2.40\nStop: 1.79\n(Spot)",
     Sig("TON/USDT", "long", ("1.92", "1.88"), ("2.05", "2.20", "2.40"), "1.79", market=_SPOT)),
    ("🔥 #SUI/USDT 🔥\nLONG 📈\nEntry Zone: 0.52-0.55\nTake Profits: 0.57, 0.60, 0.64\n"
     "Stoploss: 0.49\nLeverage: Cross 25x",
     Sig("SUI/USDT", "long", ("0.52", "0.55"), ("0.57", "0.60", "0.64"), "0.49", 25,
         market=_FUT)),
    ("#BTC/USDT SHORT\nEntry: 27,350.5\nTP1: 27,100\nTP2: 26,850\nTP3: 26,400\nSL: 27,720",
     Sig("BTC/USDT", "short", ("27350.5",), ("27100", "26850", "26400"), "27720")),
    ("#NEAR/USDT 🔴 SHORT\nEntry: 1,125 - 1,145\nTargets: 1,105 - 1,085 - 1,050\nSL: 1,175",
     Sig("NEAR/USDT", "short", ("1125", "1145"), ("1105", "1085", "1050"), "1175")),
    ("$GMX long\nentry 35.2 / 34.6\ntp 36.5 / 38 / 40\nsl 33.4\nx10",
     Sig("GMX/USDT", "long", ("35.2", "34.6"), ("36.5", "38", "40"), "33.4", 10, market=_FUT)),
    ("🟢 LONG #STXUSDT.P\nEntry: 0.6120 (CMP)\nTargets: 0.6250 – 0.6400 – 0.6650\n"
     "Stop-Loss: 0.5890\nLeverage: Isolated 10X",
     Sig("STX/USDT", "long", ("0.6120",), ("0.6250", "0.6400", "0.6650"), "0.5890", 10,
         at_market=True, market=_FUT)),
    ("Binance Futures\n#ORDIUSDT SHORT\nEntry: 8.92 - 9.15\nTP: 8.70 - 8.45 - 8.10 - 7.60\n"
     "SL: 9.48\nLeverage 20x (Cross)",
     Sig("ORDI/USDT", "short", ("8.92", "9.15"), ("8.70", "8.45", "8.10", "7.60"), "9.48", 20,
         market=_FUT)),
    ("#RNDR/USDT — LONG\nEntry — 2.18\nTP — 2.26 / 2.34 / 2.45\nSL — 2.09",
     Sig("RNDR/USDT", "long", ("2.18",), ("2.26", "2.34", "2.45"), "2.09")),
    ("#NEARUSDT SHORT\nEntry: market price\nTarget 1: 1.08\nTarget 2: 1.05\nStop: 1.16\n"
     "Leverage: 10x",
     Sig("NEAR/USDT", "short", (), ("1.08", "1.05"), "1.16", 10, at_market=True, market=_FUT)),
    ("⚡️ #TRB/USDT ⚡️\nSignal Type: Regular (Short)\nLeverage: Cross (20X)\n"
     "Entry Targets: 98.50 - 101.20\nTake-Profit Targets:\n1) 96.00\n2) 93.50\n3) 90.00\n"
     "Stop Targets: 105.00",
     Sig("TRB/USDT", "short", ("98.50", "101.20"), ("96.00", "93.50", "90.00"), "105.00", 20,
         market=_FUT)),
    ("⚡️⚡️ #PEPE/USDT ⚡️⚡️\nSignal Type: Regular (Long)\nLeverage: Cross (50X)\n"
     "Entry Targets: 0.000001085\nTake-Profit Targets:\n1) 0.000001110\n2) 0.000001140\n"
     "Stop Targets: 0.000001020",
     Sig("PEPE/USDT", "long", ("0.000001085",), ("0.000001110", "0.000001140"), "0.000001020",
         50, market=_FUT)),
    ("#1000SHIBUSDT LONG\nEntry: 0.00712\nTP: 0.00730 0.00750\nSL: 0.00670\n"
     "Leverage: Cross 20x",
     Sig("1000SHIB/USDT", "long", ("0.00712",), ("0.00730", "0.00750"), "0.00670", 20,
         market=_FUT)),
    ("📍Coin : #GALA/USDT\n🟢 LONG\n👉 Entry: 0.0205 - 0.0199\n🌐 Leverage: 10x\n"
     "🎯 Target 1: 0.0209\n🎯 Target 2: 0.0213\n🎯 Target 3: 0.0220\n❌ StopLoss: 0.0191",
     Sig("GALA/USDT", "long", ("0.0205", "0.0199"), ("0.0209", "0.0213", "0.0220"), "0.0191",
         10, market=_FUT)),
    ("#DYDX/USDT SHORT | Entry: 2.05-2.10 | TP: 1.98, 1.92, 1.85 | SL: 2.18 | Lev: 10x",
     Sig("DYDX/USDT", "short", ("2.05", "2.10"), ("1.98", "1.92", "1.85"), "2.18", 10,
         market=_FUT)),
    ("BTCUSDT SHORT 27350-27500 TP 27000/26700/26300 SL 27850 20x",
     Sig("BTC/USDT", "short", ("27350", "27500"), ("27000", "26700", "26300"), "27850", 20,
         market=_FUT)),
    ("$AVAX LONG 🚀 entry 9.85 targets 10.1 10.4 10.9 stop 9.3",
     Sig("AVAX/USDT", "long", ("9.85",), ("10.1", "10.4", "10.9"), "9.3")),
    ("LONG 🟢 #ETH\nEntry: CMP (1642)\nTP1 1660 | TP2 1685 | TP3 1720\nSL 1605\nLev: Cross 50x",
     Sig("ETH/USDT", "long", ("1642",), ("1660", "1685", "1720"), "1605", 50, at_market=True,
         market=_FUT)),
    ("#BTC/USDT\nSide: SELL\nEntry: 27350\nTake Profit 1: 27100\nTake Profit 2: 26850\n"
     "Stop Loss: 27720\nLeverage: Isolated 10X",
     Sig("BTC/USDT", "short", ("27350",), ("27100", "26850"), "27720", 10, market=_FUT)),
    ("#BLUR/USDT  Lev: 5x–10x  LONG\nEntry 0.2080-0.2010\nTP 0.2150/0.2230/0.2350\nSL 0.1940",
     Sig("BLUR/USDT", "long", ("0.2080", "0.2010"), ("0.2150", "0.2230", "0.2350"), "0.1940", 5,
         market=_FUT)),
    ("ETH/USDT SHORT\nEntry ➡️ 1,645.5 – 1,660\nTP ➡️ 1,630 • 1,610 • 1,585\nSL ➡️ 1,678",
     Sig("ETH/USDT", "short", ("1645.5", "1660"), ("1630", "1610", "1585"), "1678")),
    ("ARBUSDT.P | LONG | Entry 0.9450 | TP 0.9650 / 0.9850 | SL 0.9200",
     Sig("ARB/USDT", "long", ("0.9450",), ("0.9650", "0.9850"), "0.9200", market=_FUT)),
    ("#FET Short 🔻\nВход: 0.2150-0.2190\nТейк: 0.2100 / 0.2050 / 0.1980\nСтоп: 0.2260\n"
     "Плечо: изолированная 10х",
     Sig("FET/USDT", "short", ("0.2150", "0.2190"), ("0.2100", "0.2050", "0.1980"), "0.2260", 10,
         market=_FUT)),
    ("#RUNE/USDT — Giriş: 1.62-1.58 — Hedef: 1.68/1.75/1.85 — Stop: 1.52 — LONG",
     Sig("RUNE/USDT", "long", ("1.62", "1.58"), ("1.68", "1.75", "1.85"), "1.52")),
    ("#AAVE/USDT LONG\nEntry: Market (62.40)\nTP: 64 / 66 / 69\nSL: 59.80",
     Sig("AAVE/USDT", "long", ("62.40",), ("64", "66", "69"), "59.80", at_market=True)),
    ("#1000BONKUSDT.P LONG \nEntry: 0.002150-0.002100\nTP: 0.002200, 0.002260, 0.002350\n"
     "SL: 0.002030\nLev: 10-20x",
     Sig("1000BONK/USDT", "long", ("0.002150", "0.002100"), ("0.002200", "0.002260", "0.002350"),
         "0.002030", 10, market=_FUT)),
    ("#WIF LONG — Entry 1.85…1.80 — TP 1.95 / 2.05 — SL 1.72",
     Sig("WIF/USDT", "long", ("1.85", "1.80"), ("1.95", "2.05"), "1.72")),
    ("Монета: #TON/USDT\nНаправление: ЛОНГ\nВход: 2,05-2,00\nЦели: 2,10 2,15 2,22\nСтоп: 1,94",
     Sig("TON/USDT", "long", ("2.05", "2.00"), ("2.10", "2.15", "2.22"), "1.94")),
    ("🔵 #ICP/USDT\n🔴 Short\nEntry: 3.05-3.12 (DCA)\nTP: 2.98 - 2.90 - 2.80 - 2.65\nSL: 3.24\n"
     "Lev: 10x-20x",
     Sig("ICP/USDT", "short", ("3.05", "3.12"), ("2.98", "2.90", "2.80", "2.65"), "3.24", 10,
         market=_FUT)),
])
def test_calls_in_this_rounds_layouts(text: str, want: Sig) -> None:
    check_signal(text, want)
    got = parse_message(text).signal
    assert got is not None and all(
        isinstance(p, Decimal) for p in [*got.entries, *got.targets, got.stop_loss] if p)


# --- targets and stops as percentages -----------------------------------------------------------

@pytest.mark.parametrize(("text", "side", "entries", "targets", "stop"), [
    ("#FIL/USDT LONG\nEntry: 3.42\nTargets: 5% / 10% / 15%\nStop loss: 3.26",
     Side.LONG, ["3.42"], ["3.591", "3.762", "3.933"], "3.26"),
    ("#XRP/USDT LONG\nEntry: 0.5120\nTP: 3% 5% 8%\nSL: 0.4970",
     Side.LONG, ["0.5120"], ["0.52736", "0.5376", "0.55296"], "0.4970"),
    ("#ATOM/USDT SHORT\nEntry: 7.85\nTargets: 1.5% - 3% - 5%\nSL: 3%",
     Side.SHORT, ["7.85"], ["7.7322", "7.6145", "7.4575"], "8.0855"),
    ("#SOL/USDT LONG\nEntry: 21.40\nTP: 22.30\nSL: 5%",
     Side.LONG, ["21.40"], ["22.30"], "20.33"),
])
def test_percentages_from_a_written_entry_become_prices(
        text: str, side: Side, entries: list[str], targets: list[str], stop: str) -> None:
    got = parse_message(text).signal
    assert got is not None and got.side is side
    assert [str(p) for p in got.entries] == entries
    assert [str(p) for p in got.targets] == targets
    assert str(got.stop_loss) == stop and not got.target_pcts and got.stop_pct is None


@pytest.mark.parametrize(("text", "symbol", "side", "pcts", "stop_pct", "leverage"), [
    ("💎 Coin: #ARB/USDT\n📈 Direction: Long\n💰 Entry: CMP\n🎯 TP: 3% - 6% - 10%\n🛑 SL: 5%\n"
     "⚡ Leverage: Cross 20x", "ARB/USDT", Side.LONG, ["3", "6", "10"], "5", 20),
    ("LONG #LTC\nEntry: market\nTP: 2%, 4%, 6%\nSL: 3%", "LTC/USDT", Side.LONG, ["2", "4", "6"],
     "3", None),
])
def test_a_market_entrys_percentages_wait_for_its_fill(
        text: str, symbol: str, side: Side, pcts: list[str], stop_pct: str,
        leverage: int | None) -> None:
    got = parse_message(text).signal
    assert got is not None and (got.symbol, got.side, got.leverage) == (symbol, side, leverage)
    assert got.entry_is_market and not got.entries and not got.targets and got.stop_loss is None
    assert [str(p) for p in got.target_pcts] == pcts and str(got.stop_pct) == stop_pct


# --- follow-ups in this round's layouts (regression cover) --------------------------------------

@pytest.mark.parametrize(("text", "want"), [
    ("#1000PEPEUSDT TP2 ✅✅ +48% (20x)", Upd("1000PEPE/USDT", "target_hit", 2)),
    ("ETHUSDT.P 🎯 Target 3 reached", Upd("ETH/USDT", "target_hit", 3)),
    ("✅ #ARB/USDT Take-Profit target 2 ✅\nProfit: 34.5% 📈\nPeriod: 2 Hours 15 Minutes ⏰",
     Upd("ARB/USDT", "target_hit", 2)),
    ("#SUI/USDT TP3 ✔️ Profit: 61.2% 📈 Period: 5 Hours 40 Minutes ⏰",
     Upd("SUI/USDT", "target_hit", 3)),
    ("Цель 2 по #DOGE достигнута ✅", Upd("DOGE/USDT", "target_hit", 2)),
    ("#BNB Hedef 1 ✅", Upd("BNB/USDT", "target_hit", 1)),
    ("#LTC Hedef 2 ulaşıldı ✅", Upd("LTC/USDT", "target_hit", 2)),
    ("#ADA Objetivo 2 alcanzado ✅", Upd("ADA/USDT", "target_hit", 2)),
    ("#MATIC alvo 1 atingido 🎯", Upd("MATIC/USDT", "target_hit", 1)),
    ("#OP chốt lời TP2 ✅", Upd("OP/USDT", "target_hit", 2)),
    ("#APT تارگت 1 تاچ شد ✅", Upd("APT/USDT", "target_hit", 1)),
    ("#APT هدف دوم تاچ شد ✅", Upd("APT/USDT", "target_hit", 2)),
    ("#FTM/USDT 🎯 1/3 targets hit", Upd("FTM/USDT", "target_hit", 1)),
    ("#BTC — all targets done 🎯🎯🎯 +150%", Upd("BTC/USDT", "target_hit")),
    ("🛑 #INJ/USDT Stop Target Hit ⛔\nLoss: 42.5% 📉", Upd("INJ/USDT", "stop_hit")),
    ("#LINK/USDT\nStop loss hit — 7.71 ❌", Upd("LINK/USDT", "stop_hit")),
    ("⛔️ #ICP/USDT stopped out at 3.24", Upd("ICP/USDT", "stop_hit")),
    ("#ETH/USDT stop loss hit ❌ -10%", Upd("ETH/USDT", "stop_hit")),
    ("#DOGE/USDT Closed at stoploss after reaching take profit ⚠️", Upd("DOGE/USDT", "stop_hit")),
    ("SL ➡️ BE for #AVAX", Upd("AVAX/USDT", "move_sl", breakeven=True)),
    ("#XRP стоп в безубыток", Upd("XRP/USDT", "move_sl", breakeven=True)),
    ("#ORDIUSDT.P SL moved to 8.92 (entry)", Upd("ORDI/USDT", "move_sl", new_stop="8.92")),
    ("#ARB new stop: 0,9450", Upd("ARB/USDT", "move_sl", new_stop="0.9450")),
    ("Move SL to 27,450 on #BTCUSDT", Upd("BTC/USDT", "move_sl", new_stop="27450")),
    ("#TIA SL → 1.82 (BE)", Upd("TIA/USDT", "move_sl", new_stop="1.82")),
    ("#RNDR tp2 hit 🔥🔥 stop to tp1", Upd("RNDR/USDT", "move_sl", 2, stop_to_target=1)),
    ("#LINK/USDT Cancelled ❌\nTarget achieved before entering the entry zone",
     Upd("LINK/USDT", "cancel")),
    ("#INJ cancel ❌ (entry not triggered)", Upd("INJ/USDT", "cancel")),
    ("Отмена #FET — вход не сработал", Upd("FET/USDT", "cancel")),
    ("Cancel #LTC/USDT signal, entry not reached", Upd("LTC/USDT", "cancel")),
    ("Cerrar #XRP ahora ⚠️", Upd("XRP/USDT", "close")),
    ("Fechar #ADA agora, mercado virando", Upd("ADA/USDT", "close")),
    ("#MATIC İşlemi kapatın", Upd("MATIC/USDT", "close")),
    ("#OP Đóng lệnh ngay", Upd("OP/USDT", "close")),
    ("#FTM close now, manual close at 0.2080 +12%", Upd("FTM/USDT", "close")),
    ("#NEAR/USDT Closed manually at 1.09 ✅ +32%", Upd("NEAR/USDT", "close")),
    ("#OP/USDT\nAll entry targets achieved\nAverage Entry Price: 1.305 💵",
     Upd("OP/USDT", "other")),
])
def test_follow_ups_in_this_rounds_layouts(text: str, want: Upd) -> None:
    check_update(text, want)


def test_a_half_close_with_a_stop_move_keeps_both() -> None:
    got = parse_message("#ETHUSDT.P — closed half, SL moved to 1630").update
    assert got is not None and (got.symbol, got.action) == ("ETH/USDT", "move_sl")
    assert (got.new_stop, got.close_share) == (Decimal("1630"), Decimal("0.5"))


# --- posts that are no trade (regression cover) -------------------------------------------------

@pytest.mark.parametrize("text", [
    "🔥 VIP RESULTS THIS WEEK 🔥\n#BTC ✅ +120%\n#ETH ✅ +85%\n#SOL ✅ +64%\n#ARB ❌ -20%\n"
    "Join premium now 👉 @vip_bot",
    "📸 Screenshot from our member: +340% on #1000PEPEUSDT with 20x 🤑 Entry 0.0106 → 0.0119",
    "Education: what is a stop loss? If you buy BTC at 27000 and set SL at 26500, you lose max "
    "1.85%.",
    "BTC market update: price is at 27,350 after rejecting 27,600. Support at 26.8k, resistance "
    "28k. Stay patient.",
    "📊 POLL: Where will #BTC be on Friday?\n🔼 Above 28k\n🔽 Below 26k\n↔️ Between",
    "Lesson 3 — Risk management\nExample: Entry 100, TP 110, SL 95 → R:R = 2:1\n"
    "Never risk more than 2% per trade!",
    "🎁 GIVEAWAY 🎁 100 USDT to 3 winners! Like & share. Next signal #ETH soon 🚀",
    "Free signal tomorrow at 14:00 UTC. Stay tuned! 🔔",
    "💰 Monthly profit: +1,240% | Win rate 91% | 78 signals | 71 TP | 7 SL",
    "#ETH weekly analysis: if 1,600 holds we can see 1,720 and 1,800. Lose 1,580 and 1,520 is "
    "next.",
    "Binance listing #ORDI tomorrow! Price may pump to 10$. Not financial advice.",
    "Want signals like #SOL +45% in 3 hours? DM @admin for VIP. Price 99$ / month",
    "Ставим лайк если заработали на #DOGE 🔥 +64% за сутки",
    "Resultados de la semana 🔥 #ADA +32% #XRP +18% #LINK -10%",
    "Kết quả tuần: 12 lệnh thắng, 2 lệnh thua, lợi nhuận +156% 🚀",
    "BTC dominance at 51.2%, alts bleeding. ETH/BTC 0.0598. Be careful with longs.",
    "Who is in #BTC short? 🙋‍♂️ Vote below 👇",
    "Trading tip: set TP1 at 1:1 R:R and move stop to breakeven after TP1 hits.",
    "🚨 Fear & Greed index: 38 (Fear). BTC 27,1k, ETH 1,6k.",
    "#BTC short from 27.8k worked perfectly, +35% 🎯 Congrats to everyone who followed",
    "Our VIP members entered #INJ at 7.20 and took profit at 8.40. Don't miss the next one — "
    "link in bio",
    "🗳 What should we trade next?\n1) #SOL\n2) #AVAX\n3) #LINK",
    "If #ETH breaks 1,680 we could long with target 1,750 and stop 1,640. Not a signal yet.",
    "Throwback: last month's #LINK long 5.80 → 7.40, +27% spot 🔥",
    "📈 #BTC Daily levels\nSupport: 26,800 / 26,200\nResistance: 27,600 / 28,400",
    "PnL card 🧾 #OPUSDT LONG 20x\nEntry 1.305\nMark 1.412\nROI +164.0%",
    "Binance Futures #ETHUSDT Perpetual\nEntry price 1,642.15\nMark price 1,701.40\n"
    "Unrealized PnL +72.3 USDT (+72.16%)",
    "Which coin hits target first? 🗳\nA) #SOL 25\nB) #AVAX 12\nC) #LINK 8",
    "Промо: курс по трейдингу со скидкой 50%! Вход 99$ вместо 199$ 🔥",
    "🔥 Sinyal sonuçları: #BTC hedef 3 ✅ +60%, #ETH hedef 2 ✅ +40%",
    "Educational: Long BTC at 27000, TP at 28000, SL at 26500 gives a 2:1 reward/risk. This is "
    "just an example.",
    "Gm fam ☕ BTC holding 27.3k, ETH 1.64k. Plan for today: wait. No trades yet.",
    "Short-term #DOGE outlook: 0.062 support, 0.066 resistance. Breakout above 0.066 targets "
    "0.070.",
    "ETH at 1642 now 😱 who longed at 1600 with us? 🙌",
    "Tomorrow at 12:00 UTC we post a #SOL signal with 3 targets and 20x, don't miss it!",
    "#BTC CME gap at 27,950 still open. Expecting a fill soon.",
    "Итоги недели: 18 сделок, 15 тейков ✅, 3 стопа ❌",
    "📊 Weekly report: 25 calls, 21 TP hit ✅, 4 SL hit ❌",
])
def test_posts_that_are_no_trade(text: str) -> None:
    check_noise(text)
