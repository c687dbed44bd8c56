"""Messages in the layouts public signal channels and bots post, read as a trader reads them.

Each case holds what a human trader takes from the message: the trade (symbol, side, entries,
targets, stop, leverage, market), the follow-up it announces, or why it is no trade at all.
The layouts follow public channel and bot conventions (Cornix free text and its "Client:" form,
Binance Killers, Fed. Russian Insiders, Wolf of Trading, AltSignals-like, one-liners, Russian,
Spanish, Portuguese and Turkish keywords); the coins and prices are made up.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from tests.signals.timing import fastest_parse_s
from verzek.domain.models import MarketType, Side
from verzek.signals import parse, parse_message
from verzek.signals.parser import NOTHING_FOUND
from verzek.signals.scope import LATER_MOVE as _LATER_MOVE


@dataclass(frozen=True)
class Sig:
    """A trade call as a trader reads it; prices as written, in written order."""

    symbol: str
    side: str
    entries: tuple[str, ...]
    targets: tuple[str, ...]
    stop: str | None
    leverage: int | None = None
    market: str | None = None
    at_market: bool = False
    trigger: str | None = None  # "LONG above 65500": the entry waits for the cross
    target_pcts: tuple[str, ...] = ()  # a market entry's "TP 2% 4%": from where it enters
    stop_pct: str | None = None


@dataclass(frozen=True)
class Upd:
    """A follow-up on an earlier call."""

    symbol: str | None
    action: str
    index: int | None = None
    new_stop: str | None = None
    breakeven: bool = False
    to_target: int | None = None
    share: str | None = None  # "close 50%": the share of the position to close


@dataclass(frozen=True)
class Rej:
    """No trade: `reason` is the exact reason given (None: plain noise, nothing trade-shaped)."""

    reason: str | None


SIGNALS = [
    pytest.param("#BTC/USDT LONG above 65500\nTP 66500\nSL 64800",
                 Sig("BTC/USDT", "long", ("65500",), ("66500",), "64800", trigger="above"),
                 id="breakout_long_above"),
    pytest.param("Buy #ETH above 3050\nTargets 3100 3150\nStop 2990",
                 Sig("ETH/USDT", "long", ("3050",), ("3100", "3150"), "2990", trigger="above"),
                 id="breakout_buy_above"),
    pytest.param("#SOL short below 140\nTP: 135 - 130\nSL: 144",
                 Sig("SOL/USDT", "short", ("140",), ("135", "130"), "144", trigger="below"),
                 id="breakdown_short_below"),
    pytest.param("#BTC LONG\nBreakout above 65.5k\nTP 67k\nSL 64k",
                 Sig("BTC/USDT", "long", ("65500",), ("67000",), "64000", trigger="above"),
                 id="breakout_line_with_k_prices"),
    pytest.param("#BTC/USDT LONG\nEntry: above 65500\nTP 66500\nSL 64800",
                 Sig("BTC/USDT", "long", ("65500",), ("66500",), "64800", trigger="above"),
                 id="breakout_in_the_entry_line"),
    pytest.param("#SOL SHORT\nEntry: below 140\nTP 130\nSL 145",
                 Sig("SOL/USDT", "short", ("140",), ("130",), "145", trigger="below"),
                 id="breakdown_in_the_entry_line"),
    pytest.param("#BTC LONG\nEntry: 65500\nTP 66500\nSL 64800\nRSI above 70 on 1H",
                 Sig("BTC/USDT", "long", ("65500",), ("66500",), "64800"),
                 id="above_about_something_else_is_no_trigger"),
    pytest.param("#ETH long below 2950\nTP 3100\nSL 2900",
                 Sig("ETH/USDT", "long", ("2950",), ("3100",), "2900"),
                 id="a_long_below_is_a_dip_to_buy_not_a_trigger"),
    pytest.param(
        "🔴 SHORT\n#DOGE/USDT\nEntry: 0.1234\nTP: 0.1200 - 0.1180\nSL: 0.1270\n\n"
        "🟢 Previous LONG closed in profit",
        Sig("DOGE/USDT", "short", ("0.1234",), ("0.1200", "0.1180"), "0.1270"),
        id="new_call_beside_an_earlier_close",
    ),
    pytest.param(
        "BTC closed in profit ✅. New call: #ETH/USDT LONG Entry 3000 TP 3100 SL 2900",
        Sig("ETH/USDT", "long", ("3000",), ("3100",), "2900"),
        id="new_call_after_another_coins_close",
    ),
    pytest.param(
        "⚡⚡ #SOL/USDT ⚡⚡\nExchanges: Binance Futures\nSignal Type: Regular (Short)\n"
        "Leverage: Cross (20X)\n\nEntry Targets:\n1) 23.50\n2) 24.00\n\n"
        "Take-Profit Targets:\n1) 23.20\n2) 22.90\n3) 22.50\n4) 22.00\n\nStop Targets:\n1) 24.80",
        Sig("SOL/USDT", "short", ("23.50", "24.00"), ("23.20", "22.90", "22.50", "22.00"),
            "24.80", 20, "futures"),
        id="cornix_entry_targets",
    ),
    pytest.param(
        "Client: Binance Futures\nTrade Type: Regular (Long)\nLeverage: Isolated (10.0X)\n"
        "Symbol: #DOGE/USDT\n\nEntry Targets:\n1) 0.08120\n2) 0.07950\n\n"
        "Take-Profit Targets:\n1) 0.08300\n2) 0.08500\n3) 0.08800\n\nStop Targets:\n1) 0.07700",
        Sig("DOGE/USDT", "long", ("0.08120", "0.07950"), ("0.08300", "0.08500", "0.08800"),
            "0.07700", 10, "futures"),
        id="cornix_client_header",
    ),
    pytest.param(
        "⚡️⚡️ #MATIC/USDT ⚡️⚡️\nClient: Binance Futures\nTrade Type: Regular (Long)\n"
        "Leverage: Cross (20.0X)\n\nEntry Zone:\n0.8450 - 0.8300\n\nTake-Profit Targets:\n"
        "1) 0.8550\n2) 0.8650\n3) 0.8800\n4) 0.9000\n5) 0.9300\n\nStop Targets:\n1) 0.8000\n\n"
        "Published By: @insiders_channel",
        Sig("MATIC/USDT", "long", ("0.8450", "0.8300"),
            ("0.8550", "0.8650", "0.8800", "0.9000", "0.9300"), "0.8000", 20, "futures"),
        id="fed_russian_insiders_zone",
    ),
    pytest.param(
        "📍SIGNAL ID: 0451📍\nCOIN: $LINK/USDT (3-5x)\nDirection: SHORT📉\n➖➖➖➖➖➖➖\n"
        "ENTRY: 14.80 - 15.20\nOTE: 15.00\n\nTARGETS\nShort Term: 14.50 - 14.20 - 13.90\n"
        "Mid Term: 13.40 - 12.80\n\nSTOP LOSS: 15.85\n➖➖➖➖➖➖➖\n"
        "This message cannot be forwarded or replicated\n- Binance Killers®",
        Sig("LINK/USDT", "short", ("14.80", "15.20"),
            ("14.50", "14.20", "13.90", "13.40", "12.80"), "15.85", 3, "futures"),
        id="binance_killers_terms",
    ),
    pytest.param(
        "🐺 #ETHUSDT SHORT\n\nEntry: 1850 - 1870\nTargets: 1830 - 1810 - 1790 - 1770\n"
        "Stop Loss: 1905\nLeverage: 10x",
        Sig("ETH/USDT", "short", ("1850", "1870"), ("1830", "1810", "1790", "1770"), "1905",
            10, "futures"),
        id="wolf_of_trading",
    ),
    pytest.param(
        "#ALGO/USDT (Spot)\nBuy zone 0.1234 - 0.1300\nSell: 0.1400 - 0.1500 - 0.1650\n"
        "Stop loss 0.1150",
        Sig("ALGO/USDT", "long", ("0.1234", "0.1300"), ("0.1400", "0.1500", "0.1650"), "0.1150",
            None, "spot"),
        id="buy_zone_spot",
    ),
    pytest.param(
        "BTCUSDT LONG x20\nEntry: 63,250 - 62,800\nTP1: 63,900\nTP2: 64,500\nTP3: 65,200\n"
        "SL: 61,900",
        Sig("BTC/USDT", "long", ("63250", "62800"), ("63900", "64500", "65200"), "61900", 20,
            "futures"),
        id="glued_pair_x_leverage_thousands",
    ),
    pytest.param(
        "$SOL short 🔻\nEntry: 148.5\nTP: 145 / 142 / 138\nSL: 152",
        Sig("SOL/USDT", "short", ("148.5",), ("145", "142", "138"), "152"),
        id="dollar_tag_lowercase_side",
    ),
    pytest.param(
        "#AVAX/USDT LONG\nEntry: CMP\nTargets: 38.5 - 39.8 - 41\nStop: 35.9\nLeverage: 5x",
        Sig("AVAX/USDT", "long", (), ("38.5", "39.8", "41"), "35.9", 5, "futures", True),
        id="entry_cmp",
    ),
    pytest.param(
        "📉 SHORT #ARB/USDT\nEntry: Market (1.12)\nTargets: 1.09, 1.06, 1.02\nSL: 1.17\n"
        "Cross 10x",
        Sig("ARB/USDT", "short", ("1.12",), ("1.09", "1.06", "1.02"), "1.17", 10, "futures",
            True),
        id="entry_market_with_price",
    ),
    pytest.param(
        "🟢 LONG #INJ/USDT\n💰 Entry: 24.10 - 23.60\n🎯 TP1: 24.60\n🎯 TP2: 25.20\n"
        "🎯 TP3: 26.00\n🎯 TP4: 27.50\n🛑 SL: 22.80\n⚡ Leverage: 10x",
        Sig("INJ/USDT", "long", ("24.10", "23.60"), ("24.60", "25.20", "26.00", "27.50"),
            "22.80", 10, "futures"),
        id="emoji_labels_numbered_tps",
    ),
    pytest.param(
        "#OP/USDT LONG\nEntry: 1.850\nTargets: 2% - 4% - 6% - 10%\nStop: 1.760",
        Sig("OP/USDT", "long", ("1.850",), ("1.887", "1.924", "1.961", "2.035"), "1.760"),
        id="percent_targets_from_the_entry",
    ),
    pytest.param(
        "#XRP/USDT ЛОНГ\nВход: 0,5120 - 0,5050\nЦели: 0,5250 / 0,5400 / 0,5600\nСтоп: 0,4900\n"
        "Плечо: 10x",
        Sig("XRP/USDT", "long", ("0.5120", "0.5050"), ("0.5250", "0.5400", "0.5600"), "0.4900",
            10, "futures"),
        id="russian_comma_decimals",
    ),
    pytest.param(
        "#APT/USDT ШОРТ\nВход: 8,125 - 8,25\nЦели: 7,95 / 7,8 / 7,55\nСтоп: 8,48",
        Sig("APT/USDT", "short", ("8.125", "8.25"), ("7.95", "7.8", "7.55"), "8.48"),
        id="comma_decimal_with_three_digits",
    ),
    pytest.param(
        "#BTC/USDT LONG\nEntry: 63,250\nTP: 64,100 - 65,000\nSL: 62,500\n"
        "Profit potential: 12,5%",
        Sig("BTC/USDT", "long", ("63250",), ("64100", "65000"), "62500"),
        id="thousands_commas_beside_a_comma_percent",
    ),
    pytest.param(
        "#NEAR/USDT — LONG\n• Entry ➜ 5.20 – 5.05\n• Targets ➜ 5.40 ➜ 5.65 ➜ 5.90\n"
        "• Stop ➜ 4.85",
        Sig("NEAR/USDT", "long", ("5.20", "5.05"), ("5.40", "5.65", "5.90"), "4.85"),
        id="unicode_arrows_bullets",
    ),
    pytest.param(
        "#SOL/USDT 🔴 SHORT\n\n❇️ Entry: 148.20\n\n☑️ Targets: 146.5 ⇒ 144.8 ⇒ 142.0\n\n"
        "⛔️ Stoploss: 151.30",
        Sig("SOL/USDT", "short", ("148.20",), ("146.5", "144.8", "142.0"), "151.30"),
        id="double_arrow_targets",
    ),
    pytest.param(
        "🚀 #ADA/USDT LARGO\nEntrada: 0.3850 - 0.3800\nObjetivos: 0.3950 - 0.4050 - 0.4200\n"
        "Stop Loss: 0.3650\nApalancamiento: 10x",
        Sig("ADA/USDT", "long", ("0.3850", "0.3800"), ("0.3950", "0.4050", "0.4200"), "0.3650",
            10, "futures"),
        id="spanish",
    ),
    pytest.param(
        "#DOT/USDT VENDA 🔴\nEntrada: 6,45\nAlvos: 6,30 - 6,15 - 5,90\nStop: 6,70\n"
        "Alavancagem: 5x",
        Sig("DOT/USDT", "short", ("6.45",), ("6.30", "6.15", "5.90"), "6.70", 5, "futures"),
        id="portuguese_comma_decimals",
    ),
    pytest.param(
        "#AVAXUSDT LONG\nGiriş Bölgesi: 34.20 - 33.80\nHedef 1: 35.00\nHedef 2: 36.10\n"
        "Zarar Durdur: 32.90\nKaldıraç: 10x",
        Sig("AVAX/USDT", "long", ("34.20", "33.80"), ("35.00", "36.10"), "32.90", 10, "futures"),
        id="turkish",
    ),
    pytest.param(
        "#SOLUSDT SATIŞ\nGİRİŞ: 150.5\nHEDEFLER: 147 - 144\nKALDIRAÇ: 10",
        Sig("SOL/USDT", "short", ("150.5",), ("147", "144"), None, 10, "futures"),
        id="turkish_upper_case",
    ),
    pytest.param(
        "#1000PEPE/USDT SHORT\nEntry: 0.01250 - 0.01280\nTargets: 0.01220 - 0.01190 - 0.01150\n"
        "SL: 0.01330\nLev: 20x",
        Sig("1000PEPE/USDT", "short", ("0.01250", "0.01280"), ("0.01220", "0.01190", "0.01150"),
            "0.01330", 20, "futures"),
        id="multiplier_base",
    ),
    pytest.param(
        "ETHUSDT PERP LONG\nEntry: 3150 - 3120\nTP: 3200 / 3260 / 3330\nSL: 3070",
        Sig("ETH/USDT", "long", ("3150", "3120"), ("3200", "3260", "3330"), "3070", None,
            "futures"),
        id="perp_word",
    ),
    pytest.param(
        "BINANCE:SUIUSDT.P SHORT\nEntry: 1.845\nTP: 1.810 1.780 1.740\nSL: 1.890",
        Sig("SUI/USDT", "short", ("1.845",), ("1.810", "1.780", "1.740"), "1.890", None,
            "futures"),
        id="tradingview_usdt_p",
    ),
    pytest.param(
        "#Btc/Usdt Long\nEntry: 64200\nTargets: 64800 - 65500\nStop: 63400",
        Sig("BTC/USDT", "long", ("64200",), ("64800", "65500"), "63400"),
        id="title_case_pair",
    ),
    pytest.param(
        "🔥🔥 VIP SIGNAL 🔥🔥\n#TON/USDT LONG\nEntry: 5.40 - 5.30\nTargets: 5.55 - 5.70 - 5.90\n"
        "Stop: 5.10\nLeverage: 10x\n💎 More calls in our VIP: @vip_bot\n"
        "⚠️ Always use proper risk management",
        Sig("TON/USDT", "long", ("5.40", "5.30"), ("5.55", "5.70", "5.90"), "5.10", 10,
            "futures"),
        id="marketing_lines",
    ),
    pytest.param(
        "SCALP: #WIF/USDT SHORT 🔴 Entry 2.45 TP 2.40 2.35 SL 2.52",
        Sig("WIF/USDT", "short", ("2.45",), ("2.40", "2.35"), "2.52"),
        id="one_line_scalp",
    ),
    pytest.param(
        "#ICP/USDT\nSignal Type: Short\nLeverage: 20x\nEntry price: 12.45 - 12.60\n"
        "Target 1: 12.30\nTarget 2: 12.10\nTarget 3: 11.85\nStop loss: 12.95",
        Sig("ICP/USDT", "short", ("12.45", "12.60"), ("12.30", "12.10", "11.85"), "12.95", 20,
            "futures"),
        id="signal_type_line",
    ),
    pytest.param(
        "📈 LONG | #SEI/USDT | x10\nEntry: 0.4210\nTP: 0.4290 | 0.4380 | 0.4500\nSL: 0.4080",
        Sig("SEI/USDT", "long", ("0.4210",), ("0.4290", "0.4380", "0.4500"), "0.4080", 10,
            "futures"),
        id="pipes",
    ),
    pytest.param(
        "#XRP/USDT LONG\nEntry 1: 0.5200\nEntry 2: 0.5050\nTP 1: 0.5350\nTP 2: 0.5500\n"
        "TP 3: 0.5700\nSL: 0.4900",
        Sig("XRP/USDT", "long", ("0.5200", "0.5050"), ("0.5350", "0.5500", "0.5700"), "0.4900"),
        id="numbered_entries",
    ),
    pytest.param(
        "#ADA/BTC\nBuy: 0.00000850 - 0.00000820\nSell: 0.00000900 - 0.00000950 - 0.00001020\n"
        "Stop: 0.00000780",
        Sig("ADA/BTC", "long", ("0.00000850", "0.00000820"),
            ("0.00000900", "0.00000950", "0.00001020"), "0.00000780"),
        id="btc_quote_satoshis",
    ),
    pytest.param(
        "#FTM/USDT LONG\nEnter above 0.7200\nTake Profit 1: 0.7400\nTake Profit 2: 0.7650\n"
        "Take Profit 3: 0.8000\nStoploss: 0.6900",
        Sig("FTM/USDT", "long", ("0.7200",), ("0.7400", "0.7650", "0.8000"), "0.6900",
            trigger="above"),
        id="breakout_enter_above",
    ),
    pytest.param(
        "#GALA/USDT LONG 📈\nEntry: 0.02450\nTP1: 0.02520 (RR 1:1)\nTP2: 0.02600 (RR 1:2)\n"
        "SL: 0.02380",
        Sig("GALA/USDT", "long", ("0.02450",), ("0.02520", "0.02600"), "0.02380"),
        id="risk_reward_annotations",
    ),
    pytest.param(
        "#TIA/USDT SHORT\nEntry: 10.85\nTargets:\n🎯 10.60\n🎯 10.30\n🎯 9.90\nStop-loss: 11.25\n"
        "Margin: Isolated\nLeverage: 15x",
        Sig("TIA/USDT", "short", ("10.85",), ("10.60", "10.30", "9.90"), "11.25", 15, "futures"),
        id="target_emoji_list",
    ),
    pytest.param(
        "#RNDR/USDT\nPosition: LONG\nEntry: 7.20-7.05\nTPs: 7.45-7.70-8.10\nSL: 6.80\n"
        "Exchange: Bybit USDT Perpetual",
        Sig("RNDR/USDT", "long", ("7.20", "7.05"), ("7.45", "7.70", "8.10"), "6.80", None,
            "futures"),
        id="position_label_bybit_perpetual",
    ),
    pytest.param(
        "#SHIB/USDT LONG\nEntry: 0.00002450\nTargets: 0.00002520, 0.00002600, 0.00002750\n"
        "SL: 0.00002350",
        Sig("SHIB/USDT", "long", ("0.00002450",), ("0.00002520", "0.00002600", "0.00002750"),
            "0.00002350"),
        id="comma_separated_targets",
    ),
    pytest.param(
        "$BTC LONG 🟢\nEntry: $63,500\nTP: $64,800 / $66,000\nSL: $62,400\nLeverage: 25x",
        Sig("BTC/USDT", "long", ("63500",), ("64800", "66000"), "62400", 25, "futures"),
        id="dollar_prices_thousands",
    ),
    pytest.param(
        "#ETH/USDT SHORT\nEntry: 3,250.50\nTP1: 3,190.00\nTP2: 3,120.75\nSL: 3,310.25",
        Sig("ETH/USDT", "short", ("3250.50",), ("3190.00", "3120.75"), "3310.25"),
        id="thousands_with_decimals",
    ),
    pytest.param(
        "Buy #LINK now\nTP: 15.2 - 15.8\nSL: 13.9",
        Sig("LINK/USDT", "long", (), ("15.2", "15.8"), "13.9", None, None, True),
        id="buy_now_no_entry_price",
    ),
    pytest.param(
        "📊 #BNB/USDT\n🔰 Direction: Long\n🔰 Entry: 585 - 578\n🔰 Take Profit: 595 - 605 - 620\n"
        "🔰 Stop Loss: 565\n🔰 Leverage: Cross 10x\n\n⏰ 12.03.2025 08:00 UTC",
        Sig("BNB/USDT", "long", ("585", "578"), ("595", "605", "620"), "565", 10, "futures"),
        id="direction_label_date_footer",
    ),
    pytest.param(
        "BTC/USDT 🟢 LONG\nEntry: 64000 (market)\nTP: 65000\nSL: 63000",
        Sig("BTC/USDT", "long", ("64000",), ("65000",), "63000", None, None, True),
        id="market_after_entry_price",
    ),
    pytest.param(
        "#XRP/USDT LONG\nEntry: 0.5230 (CMP)\nTargets: 0.5350 - 0.5500\nSL: 0.5050",
        Sig("XRP/USDT", "long", ("0.5230",), ("0.5350", "0.5500"), "0.5050", None, None, True),
        id="cmp_after_entry_price",
    ),
    pytest.param(
        "#ETH/USDT LONG\nEntry: wait for the market to dip to 3050\nTP: 3200 - 3300\nSL: 2950",
        Sig("ETH/USDT", "long", ("3050",), ("3200", "3300"), "2950"),
        id="market_word_in_prose_is_no_market_entry",
    ),
    pytest.param(
        "#ETH/USDT LONG\nEntry: 3100, don't chase if the market pumps\nTP: 3200 - 3300\n"
        "SL: 3000",
        Sig("ETH/USDT", "long", ("3100",), ("3200", "3300"), "3000"),
        id="market_word_after_prose",
    ),
    pytest.param(
        "#ETH/USDT LONG\nEntry: 3100, if it breaks 3150 add more\nTP: 3200 - 3300\nSL: 3000",
        Sig("ETH/USDT", "long", ("3100",), ("3200", "3300"), "3000"),
        id="prose_after_a_comma_adds_no_entry",
    ),
    pytest.param(
        "#SOL/USDT SHORT\nEntry: 150\nTP: 145 - 140\nSL: 3% (154.5)",
        Sig("SOL/USDT", "short", ("150",), ("145", "140"), "154.5"),
        id="stop_percent_and_price",
    ),
    pytest.param(
        "#ETH/USDT LONG\nEntry zone: 3100-3050\nTargets: 3200-3300-3450\n"
        "Stop: Daily close below 2980",
        Sig("ETH/USDT", "long", ("3100", "3050"), ("3200", "3300", "3450"), "2980"),
        id="stop_on_candle_close",
    ),
    pytest.param(
        "#SUI/USDT LONG\nEntry Price: 1.8450\nTake Profit: 1.8800 / 1.9200 / 1.9800 / 2.0500\n"
        "Stop Loss: 1.7900\nLeverage: 10x-20x",
        Sig("SUI/USDT", "long", ("1.8450",), ("1.8800", "1.9200", "1.9800", "2.0500"), "1.7900",
            10, "futures"),
        id="leverage_range_words",
    ),
    pytest.param(
        "ETH/USDT\nLong\nEntry: 3100\nTarget 1 - 3150\nTarget 2 - 3200\nStop - 3050",
        Sig("ETH/USDT", "long", ("3100",), ("3150", "3200"), "3050"),
        id="dash_after_labels",
    ),
    pytest.param(
        "#BTC/USDT (LONG) 🟢\nLev: 10x Cross\nEntry: 64500 - 63800\nTP: 65500, 66500, 68000\n"
        "SL: 62900",
        Sig("BTC/USDT", "long", ("64500", "63800"), ("65500", "66500", "68000"), "62900", 10,
            "futures"),
        id="side_in_parentheses",
    ),
    pytest.param(
        "COIN: #ORDI/USDT\nSIDE: SHORT 📉\nENTRY: 42.5-43.2\nTAKE PROFIT:\n1️⃣ 41.8\n2️⃣ 40.9\n"
        "3️⃣ 39.5\nSTOPLOSS: 44.6\nLEVERAGE: 10X",
        Sig("ORDI/USDT", "short", ("42.5", "43.2"), ("41.8", "40.9", "39.5"), "44.6", 10,
            "futures"),
        id="upper_case_keycap_targets",
    ),
    pytest.param(
        "🚨 NEW SIGNAL 🚨\nPAIR: NEARUSDT\nTYPE: LONG\nENTRY: 5.12\nTP1: 5.20\nTP2: 5.28\n"
        "TP3: 5.40\nSL: 4.98",
        Sig("NEAR/USDT", "long", ("5.12",), ("5.20", "5.28", "5.40"), "4.98"),
        id="pair_type_labels",
    ),
    pytest.param(
        "#ENA/USDT Long\nEntry: 0.5210\nTargets: 0.5350 - 0.5500 - 0.5700 - 🚀🚀\n"
        "Stop: 0.4990",
        Sig("ENA/USDT", "long", ("0.5210",), ("0.5350", "0.5500", "0.5700"), "0.4990"),
        id="open_ended_targets",
    ),
    pytest.param(
        "#XLM/USDT LONG\nENTRY : 0.1120 - 0.1095\nTARGETS : 0.1150 - 0.1185 - 0.1220 - 0.1280\n"
        "SL : 0.1060\nLEVERAGE : 10X ISOLATED",
        Sig("XLM/USDT", "long", ("0.1120", "0.1095"), ("0.1150", "0.1185", "0.1220", "0.1280"),
            "0.1060", 10, "futures"),
        id="spaced_colons",
    ),
    pytest.param(
        "LONG #KAS\nEntry: 0,1450 - 0,1420\nTP: 0,1500 - 0,1560\nSL: 0,1380",
        Sig("KAS/USDT", "long", ("0.1450", "0.1420"), ("0.1500", "0.1560"), "0.1380"),
        id="comma_decimals_english",
    ),
    pytest.param(
        "#BTC/USDT LONG\nEntry: 65000\nTP: 66500\nSL: 64200\nIf it fails, SHORT below 63000",
        Sig("BTC/USDT", "long", ("65000",), ("66500",), "64200"),
        id="call_with_a_fallback_idea",
    ),
    pytest.param(
        "#ETH/USDT LONG\nEntry: 3000\nTP: 3100\nSL: 2900\nExpecting a short squeeze 🔥",
        Sig("ETH/USDT", "long", ("3000",), ("3100",), "2900"),
        id="short_squeeze_comment",
    ),
    pytest.param(
        "#BTC/USDT LONG\nEntry: 64000\nTP: 65000 - 66000\nSL ❌",
        Sig("BTC/USDT", "long", ("64000",), ("65000", "66000"), None),
        id="no_stop_cross_mark",
    ),
    pytest.param(
        "#ETH/USDT\nClose long, open SHORT 🔄\nEntry: 3000\nTP: 2900 - 2820\nSL: 3100",
        Sig("ETH/USDT", "short", ("3000",), ("2900", "2820"), "3100"),
        id="reversal_close_long_open_short",
    ),
    pytest.param(
        "#ADA/USDT LONG\nEntry: 0.45\nTP: 0.47 - 0.49\nSL: 0.43\nAfter TP2 move SL to TP1",
        Sig("ADA/USDT", "long", ("0.45",), ("0.47", "0.49"), "0.43"),
        id="call_with_a_trailing_plan",
    ),
    pytest.param(
        "#BTC/USDT LONG\nEntry: 64000\n🎯 Targets 🎯\n65000\n66000\n🛑 Stop Loss 🛑\n63000",
        Sig("BTC/USDT", "long", ("64000",), ("65000", "66000"), "63000"),
        id="stop_label_between_emojis",
    ),
    pytest.param(
        "BTC LONG entry 63.2k - 63k\nTP 65k\nSL 62k",
        Sig("BTC/USDT", "long", ("63200", "63000"), ("65000",), "62000"),
        id="k_abbreviated_prices",
    ),
    pytest.param(
        "#SOL/USDT LONG\nEntry: 150\nTP: +2% / +4% / +6%\nSL: -3%",
        Sig("SOL/USDT", "long", ("150",), ("153", "156", "159"), "145.5"),
        id="targets_and_stop_as_percentages",
    ),
    pytest.param(
        "BTC LONG 65000 TP 66000 SL 64000",
        Sig("BTC/USDT", "long", ("65000",), ("66000",), "64000"),
        id="one_liner_coin_side_price",
    ),
    pytest.param(
        "ETH long 3450-3420 targets 3500 3550 3600 stop 3380 20x",
        Sig("ETH/USDT", "long", ("3450", "3420"), ("3500", "3550", "3600"), "3380", 20,
            "futures"),
        id="one_liner_coin_side_zone_leverage_last",
    ),
    pytest.param(
        "SOL SHORT 150 - 152\nTargets 140, 135\nStop 160",
        Sig("SOL/USDT", "short", ("150", "152"), ("140", "135"), "160"),
        id="coin_side_zone_then_fields",
    ),
    pytest.param(
        "BTC LONG 20x 65000 TP 66000 SL 64000",
        Sig("BTC/USDT", "long", ("65000",), ("66000",), "64000", 20, "futures"),
        id="one_liner_leverage_before_price",
    ),
    pytest.param(
        "__#ETH/USDT__ SHORT\nEntry: 3\u00a0250 - 3\u00a0280\nTP: 3\u00a0200 / 3\u00a0150\n"
        "SL: 3\u00a0330",
        Sig("ETH/USDT", "short", ("3250", "3280"), ("3200", "3150"), "3330"),
        id="markdown_italic_pair_no_break_space_thousands",
    ),
    pytest.param(
        "#ＢＴＣ/ＵＳＤＴ ＬＯＮＧ\nEntry: ６５０００\nTP: ６６０００\nSL: ６４０００",
        Sig("BTC/USDT", "long", ("65000",), ("66000",), "64000"),
        id="fullwidth_letters_and_digits",
    ),
    pytest.param(
        "#SOL\u2060/USDT LONG\nEntry: 150.5\nTP: 153 - 156\nSL: 147",
        Sig("SOL/USDT", "long", ("150.5",), ("153", "156"), "147"),
        id="word_joiner_inside_pair",
    ),
    pytest.param(
        "#AVAX/USDT LONG\nEntry 1: 34.50\nEntry 2 (DCA): 33.20\nTP: 35.5 - 36.8 - 38\nSL: 32.2",
        Sig("AVAX/USDT", "long", ("34.50", "33.20"), ("35.5", "36.8", "38"), "32.2"),
        id="numbered_entry_with_a_note_in_parentheses",
    ),
    pytest.param(
        "#LINK/USDT LONG\nEntry: 14.80\nAdd more at: 14.20\nTargets: 15.30 - 15.90 - 16.60\n"
        "SL: 13.70",
        Sig("LINK/USDT", "long", ("14.80", "14.20"), ("15.30", "15.90", "16.60"), "13.70"),
        id="add_more_at_is_a_second_entry",
    ),
    pytest.param(
        "#OP/USDT SHORT\nLimit order: 1.92\nTP: 1.86 - 1.80\nSL: 1.99",
        Sig("OP/USDT", "short", ("1.92",), ("1.86", "1.80"), "1.99"),
        id="limit_order_line",
    ),
    pytest.param(
        "#ADAUSDT\nBuy Limit: 0.3850\nTake Profit: 0.3950\nStop Loss: 0.3780",
        Sig("ADA/USDT", "long", ("0.3850",), ("0.3950",), "0.3780"),
        id="buy_limit_label",
    ),
    pytest.param(
        "Bybit copy trade 🔔\nSymbol: SOLUSDT\nSide: Sell\nOrder type: Limit\nPrice: 151.20\n"
        "Take profit: 147.50\nStop loss: 153.80\nLeverage: 10x",
        Sig("SOL/USDT", "short", ("151.20",), ("147.50",), "153.80", 10, "futures"),
        id="copy_trade_price_label",
    ),
    pytest.param(
        "🔔 BTCUSDT.P Long Signal\nPrice: 64250\nTP: 64900\nSL: 63800\nTimeframe: 15m",
        Sig("BTC/USDT", "long", ("64250",), ("64900",), "63800", None, "futures"),
        id="tradingview_alert_price_label",
    ),
    pytest.param(
        "#BTC/USDT LONG\nMark price: 64500\nEntry: 64000\nTP: 65000\nSL: 63000",
        Sig("BTC/USDT", "long", ("64000",), ("65000",), "63000"),
        id="a_named_price_is_no_entry",
    ),
    pytest.param(
        "#BTC/USDT LONG\nEntry: 64000\nTP: 65000 - 66000\nSL: 63000\n"
        "After TP1 hit, move SL to breakeven",
        Sig("BTC/USDT", "long", ("64000",), ("65000", "66000"), "63000"),
        id="call_with_a_plan_after_tp1_hit",
    ),
    pytest.param(
        "#ETH/USDT SHORT\nEntry: 3250\nTP: 3180 - 3120\nSL: 3310\nOnce TP1 is reached, close 50%",
        Sig("ETH/USDT", "short", ("3250",), ("3180", "3120"), "3310"),
        id="call_with_a_plan_once_tp1_reached",
    ),
    pytest.param(
        "#BTC/USDT SHORT ⬇️\nEntry: 65000\nTP: 64000 (1:2 RR)\nSL: 65500",
        Sig("BTC/USDT", "short", ("65000",), ("64000",), "65500"),
        id="risk_reward_ratio_before_its_label",
    ),
    pytest.param(
        "#SOL/USDT LONG\nEntry: 150 - 148\nTP: 155 (1:2) / 160 (1:3)\nSL: 146",
        Sig("SOL/USDT", "long", ("150", "148"), ("155", "160"), "146"),
        id="ratios_between_targets",
    ),
    pytest.param(
        "⚡️ #BTC ⚡️\n🟢 LONG\nEntry: 64 000 - 63 500\nTP: 65 000 / 66 000\nSL: 62 800",
        Sig("BTC/USDT", "long", ("64000", "63500"), ("65000", "66000"), "62800"),
        id="space_grouped_thousands_on_a_line_without_round_numbers",
    ),
    pytest.param(
        "#LINK/USDT LONG\n1st entry: 14.80\n2nd entry: 14.40\nTP: 15.30 - 15.90\nSL: 13.90",
        Sig("LINK/USDT", "long", ("14.80", "14.40"), ("15.30", "15.90"), "13.90"),
        id="ordinal_entries",
    ),
    pytest.param(
        "#XRP/USDT 🚀\nBuy Now: 0.5200\nTarget: 0.5400 / 0.5600\nStoploss: 0.5000",
        Sig("XRP/USDT", "long", ("0.5200",), ("0.5400", "0.5600"), "0.5000", None, None, True),
        id="buy_now_label_with_price",
    ),
    pytest.param(
        "#ETH/USDT\nShort now: 3250\nTP: 3180 - 3120\nSL: 3300",
        Sig("ETH/USDT", "short", ("3250",), ("3180", "3120"), "3300", None, None, True),
        id="short_now_label_with_price",
    ),
    pytest.param(
        "#AVAX/USDT Long 🟢\nMasuk: 34.5\nTarget: 35.5 / 36.8\nSL: 33.2\n"
        "Jangan lupa pasang SL ya!",
        Sig("AVAX/USDT", "long", ("34.5",), ("35.5", "36.8"), "33.2"),
        id="indonesian_entry_label",
    ),
    pytest.param(
        "#BTC/USDT شراء\nالدخول: 64000\nالأهداف: 65000 - 66000\nوقف الخسارة: 63000\n"
        "Leverage: 10x",
        Sig("BTC/USDT", "long", ("64000",), ("65000", "66000"), "63000", 10, "futures"),
        id="arabic_labels",
    ),
    pytest.param(
        "#DOGE/USDT LONG\nPoint d'entrée: 0.1620\nObjectifs: 0.1680 - 0.1750\nStop: 0.1570\n"
        "Levier: 10x",
        Sig("DOGE/USDT", "long", ("0.1620",), ("0.1680", "0.1750"), "0.1570", 10, "futures"),
        id="french_labels",
    ),
    pytest.param(
        "#SOL/USDT LONG\nEntry: 150\nTP: 155 - 160\nSL: 145\n"
        "Setup invalidated if 4H closes below 145",
        Sig("SOL/USDT", "long", ("150",), ("155", "160"), "145"),
        id="invalidation_condition_is_still_a_call",
    ),
    pytest.param(
        "#BTC/USDT\nDon’t short here. LONG 🟢\nEntry: 64000\nTP: 65000\nSL: 63000",
        Sig("BTC/USDT", "long", ("64000",), ("65000",), "63000"),
        id="negated_side_is_not_the_side",
    ),
    pytest.param(
        "#BTCUSDT.P\nOrder: Sell Limit\nPrice: 65500\nTP: 64500\nSL: 66200",
        Sig("BTC/USDT", "short", ("65500",), ("64500",), "66200", None, "futures"),
        id="sell_limit_order_with_price_line",
    ),
    pytest.param("🟢 LONG #APT/USDT\nEntry: CMP\nTP: 2% 4% 6%\nSL: 3%",
                 Sig("APT/USDT", "long", (), (), None, at_market=True,
                     target_pcts=("2", "4", "6"), stop_pct="3"),
                 id="market_entry_percent_targets_and_stop"),
    pytest.param("#ETH/USDT SHORT now\nSL 2.5%",
                 Sig("ETH/USDT", "short", (), (), None, at_market=True, stop_pct="2.5"),
                 id="market_entry_percent_stop_only"),
    pytest.param("LONG #SOL/USDT\nEntry: market\nTP: 150, 160\nSL: 4%",
                 Sig("SOL/USDT", "long", (), ("150", "160"), None, at_market=True,
                     stop_pct="4"),
                 id="market_entry_price_targets_percent_stop"),
    pytest.param("#LTC LONG\nEntry 65 - 68\nTarget 1 - 72\nTarget 2 - 75\nSL 60",
                 Sig("LTC/USDT", "long", ("65", "68"), ("72", "75"), "60"),
                 id="two_digit_zone_beside_numbered_targets"),
    pytest.param("SHORT #BTC Entry 90-91.35 TP 87.48/84.96 SL 97.47 3x",
                 Sig("BTC/USDT", "short", ("90", "91.35"), ("87.48", "84.96"), "97.47", 3,
                     "futures"),
                 id="two_digit_zone_glued"),
    pytest.param("Scalp short BTC 64200\ntp 63800\nsl 64600",
                 Sig("BTC/USDT", "short", ("64200",), ("63800",), "64600"),
                 id="word_before_side_then_bare_coin"),
    pytest.param("Short BTC at 64200\nTP 63800\nSL 64600",
                 Sig("BTC/USDT", "short", ("64200",), ("63800",), "64600"),
                 id="side_bare_coin_at_price"),
    pytest.param("LONG ETH @ 3420\nTP 3480/3550\nSL 3360",
                 Sig("ETH/USDT", "long", ("3420",), ("3480", "3550"), "3360"),
                 id="side_bare_coin_at_sign_price"),
    pytest.param("Buy #LINK between 14.20 and 14.60\nSell at 15.10, 15.80, 16.50\n"
                 "Stop below 13.70",
                 Sig("LINK/USDT", "long", ("14.20", "14.60"), ("15.10", "15.80", "16.50"),
                     "13.70"),
                 id="buy_coin_between_then_sell_at_targets"),
    pytest.param("#ETH LONG\nSell: 3500 3600\nBuy: 3400\nSL 3300",
                 Sig("ETH/USDT", "long", ("3400",), ("3500", "3600"), "3300"),
                 id="sell_label_before_buy_line_in_a_long_call"),
    pytest.param("NEAR USDT PERP\n📈LONG\nEntry: 5.42\nTargets: 5.55 | 5.70 | 5.90\n"
                 "Stop-loss: 5.20\nLeverage: 10x cross",
                 Sig("NEAR/USDT", "long", ("5.42",), ("5.55", "5.70", "5.90"), "5.20", 10,
                     "futures"),
                 id="spaced_pair_perp"),
    pytest.param("SOL USDT\nSHORT\nEntry 142\nTP 138\nSL 146",
                 Sig("SOL/USDT", "short", ("142",), ("138",), "146"),
                 id="spaced_pair"),
    pytest.param("#ETH LONG\nEntry 3000\nTP 3100\nSL 2900\nUSE 5% OF YOUR USDT BALANCE",
                 Sig("ETH/USDT", "long", ("3000",), ("3100",), "2900"),
                 id="spaced_word_before_quote_in_prose_is_no_pair"),
    pytest.param("BTC scalp long from 66200, TP 66800, SL 65900",
                 Sig("BTC/USDT", "long", ("66200",), ("66800",), "65900"),
                 id="bare_coin_kind_side_from_price"),
    pytest.param("Long $SOL from 140\nTP 150\nSL 135",
                 Sig("SOL/USDT", "long", ("140",), ("150",), "135"),
                 id="side_tagged_coin_from_price"),
    pytest.param("ETH LONG @ 3420\nTP 3480/3550\nSL 3360",
                 Sig("ETH/USDT", "long", ("3420",), ("3480", "3550"), "3360"),
                 id="bare_coin_side_at_sign_price"),
    # --- audit batch 2: Arabic separators, stop and target labels, notes between targets
    pytest.param("#ADA/USDT شراء\nالدخول: ٠٫٤٥٠\nالأهداف: ٠٫٤٧٠ - ٠٫٤٩٠\nوقف الخسارة: ٠٫٤٣٠",
                 Sig("ADA/USDT", "long", ("0.450",), ("0.470", "0.490"), "0.430"),
                 id="arabic_decimal_separator"),
    pytest.param("#ADA/USDT شراء\nالدخول: ۰٫۴۵۰\nالأهداف: ۰٫۴۷۰ - ۰٫۴۹۰\nوقف الخسارة: ۰٫۴۳۰",
                 Sig("ADA/USDT", "long", ("0.450",), ("0.470", "0.490"), "0.430"),
                 id="persian_digits_with_arabic_decimal_separator"),
    pytest.param("#BTC/USDT شراء\nالدخول: ٦٤٬٠٠٠\nالأهداف: ٦٥٬٠٠٠ - ٦٦٬٥٠٠\nوقف الخسارة: ٦٣٬٠٠٠",
                 Sig("BTC/USDT", "long", ("64000",), ("65000", "66500"), "63000"),
                 id="arabic_thousands_separator"),
    pytest.param("#FET/USDT LONG\nEntry: 1.45 - 1.40\nTargets: 1.55, 1.68, 1.80\nCut loss: 1.32",
                 Sig("FET/USDT", "long", ("1.45", "1.40"), ("1.55", "1.68", "1.80"), "1.32"),
                 id="cut_loss_label"),
    pytest.param("#BTC/USDT LONG\nEntry: 64000\nTP: 65000\nCL: 63000",
                 Sig("BTC/USDT", "long", ("64000",), ("65000",), "63000"), id="cl_label"),
    pytest.param("#ETH/USDT LONG\nEntry: 3100\nTargets: 3150 (scalp) 3200 (swing) 3350 (position)"
                 "\nSL: 3040",
                 Sig("ETH/USDT", "long", ("3100",), ("3150", "3200", "3350"), "3040"),
                 id="word_notes_between_targets"),
    pytest.param("#ETH/USDT LONG\nEntry: 3100\nTargets: 3150, 3200, 3260 (short term) 3400 "
                 "(mid term)\nSL: 3040",
                 Sig("ETH/USDT", "long", ("3100",), ("3150", "3200", "3260", "3400"), "3040"),
                 id="term_notes_between_targets"),
    pytest.param("🟢 COMPRA #XRP/USDT\nPrecio de entrada: 0,5230\nTomar ganancias: 0,5350 - "
                 "0,5480\nStop loss: 0,5090\nApalancamiento: Cruzado 10x",
                 Sig("XRP/USDT", "long", ("0.5230",), ("0.5350", "0.5480"), "0.5090", 10,
                     "futures"), id="spanish_tomar_ganancias"),
    pytest.param("#ETC/USDT LONG\nEntry: 26.40\nTP① 27.00\nTP② 27.80\nTP③ 28.90\nSL 25.60",
                 Sig("ETC/USDT", "long", ("26.40",), ("27.00", "27.80", "28.90"), "25.60"),
                 id="circled_target_indexes"),
    # --- audit batch 2: entry labels and layouts in more languages
    pytest.param("#ATOM ЛОНГ\nТВХ: 8.20\nТП: 8.45 / 8.70\nСЛ: 7.95",
                 Sig("ATOM/USDT", "long", ("8.20",), ("8.45", "8.70"), "7.95"),
                 id="russian_tvh_entry"),
    pytest.param("#LDO/USDT СПОТ\nПокупка: 1.85 - 1.78\nПродажа: 2.05 / 2.20 / 2.45\nСтоп: 1.69",
                 Sig("LDO/USDT", "long", ("1.85", "1.78"), ("2.05", "2.20", "2.45"), "1.69",
                     market="spot"), id="russian_buy_then_sell_labels"),
    pytest.param("Mua #ARB spot\nVùng mua: 1.05 - 1.00\nMục tiêu: 1.15 - 1.25\nCắt lỗ: 0.94",
                 Sig("ARB/USDT", "long", ("1.05", "1.00"), ("1.15", "1.25"), "0.94",
                     market="spot"), id="vietnamese_buy_zone"),
    pytest.param("BELI #FET/USDT (SPOT)\nHarga beli: 1.45 - 1.40\nTarget jual: 1.55, 1.68, 1.80\n"
                 "Cut loss: 1.32",
                 Sig("FET/USDT", "long", ("1.45", "1.40"), ("1.55", "1.68", "1.80"), "1.32",
                     market="spot"), id="indonesian_buy_price_sell_targets"),
    pytest.param("#DOT/USDT (Spot)\nAccumulate: 6.20 - 5.90\nTargets: 6.80 / 7.50 / 8.40\n"
                 "SL: 5.55",
                 Sig("DOT/USDT", "long", ("6.20", "5.90"), ("6.80", "7.50", "8.40"), "5.55",
                     market="spot"), id="accumulate_label"),
    pytest.param("#XLM/USDT\nBuy stop: 0.1250\nTP: 0.1300 - 0.1350\nSL: 0.1210",
                 Sig("XLM/USDT", "long", ("0.1250",), ("0.1300", "0.1350"), "0.1210",
                     trigger="above"), id="buy_stop_order"),
    pytest.param("#XLM/USDT\nSell stop: 0.1250\nTP: 0.1200 - 0.1150\nSL: 0.1290",
                 Sig("XLM/USDT", "short", ("0.1250",), ("0.1200", "0.1150"), "0.1290",
                     trigger="below"), id="sell_stop_order"),
    pytest.param("#XLM/USDT\nBuy: 0.1250\nTP: 0.1300 - 0.1350\nSell stop: 0.1210",
                 Sig("XLM/USDT", "long", ("0.1250",), ("0.1300", "0.1350"), "0.1210"),
                 id="sell_stop_after_a_buy_is_the_stop_loss"),
    pytest.param("ARB 🔴 short 1.12-1.15, tp 1.05, sl 1.19",
                 Sig("ARB/USDT", "short", ("1.12", "1.15"), ("1.05",), "1.19"),
                 id="emoji_between_coin_and_side"),
    pytest.param("#IMX/USDT\nBUY 📥\n1.42 – 1.38\nSELL 📤\n1.52 – 1.60 – 1.72\nSTOP ⛔\n1.31",
                 Sig("IMX/USDT", "long", ("1.42", "1.38"), ("1.52", "1.60", "1.72"), "1.31"),
                 id="emoji_after_buy_and_sell_labels"),
    pytest.param("PAIR | SIDE | ENTRY | TP | SL\nSOLUSDT | SHORT | 152.4 | 148.0 / 145.5 | 155.9",
                 Sig("SOL/USDT", "short", ("152.4",), ("148.0", "145.5"), "155.9"),
                 id="table_with_a_header_row"),
    pytest.param("| Pair | Side | Entry | Targets | Stop |\n|---|---|---|---|---|\n"
                 "| #SOL/USDT | SHORT | 152.4 | 148.0 / 145.5 | 155.9 |",
                 Sig("SOL/USDT", "short", ("152.4",), ("148.0", "145.5"), "155.9"),
                 id="markdown_table_with_a_header_row"),
    pytest.param("BTC 做多\n入场: 64000-63500\n止盈: 65000 / 66000\n止损: 62800\n杠杆: 20x",
                 Sig("BTC/USDT", "long", ("64000", "63500"), ("65000", "66000"), "62800", 20,
                     "futures"), id="chinese_labels"),
    pytest.param("#ETH 做空 进场 3250 目标 3200 3150 止损 3310",
                 Sig("ETH/USDT", "short", ("3250",), ("3200", "3150"), "3310"),
                 id="chinese_one_line"),
    pytest.param("#BTC/USDT خرید\nورود: 64000\nتارگت: 65000 - 66000\nحد ضرر: 63000\nاهرم: 10x",
                 Sig("BTC/USDT", "long", ("64000",), ("65000", "66000"), "63000", 10, "futures"),
                 id="persian_labels"),
]


UPDATES = [
    pytest.param("Take 50% profit on #ETH and move SL to entry",
                 Upd("ETH/USDT", "move_sl", breakeven=True, share="0.5"),
                 id="partial_close_and_stop_to_entry"),
    pytest.param("TP1 hit ✅ #ETH take 50% profit, move SL to entry",
                 Upd("ETH/USDT", "move_sl", 1, breakeven=True),
                 id="a_targets_share_beside_a_moved_stop_stays_the_targets"),
    pytest.param("Close half of your #ETH position now", Upd("ETH/USDT", "close", share="0.5"),
                 id="partial_close_half"),
    pytest.param("Closed 50% of #SOL in profit, rest running with SL at entry",
                 Upd("SOL/USDT", "move_sl", breakeven=True, share="0.5"),
                 id="partial_close_percent"),
    pytest.param("BTC: book 50% profits here", Upd("BTC/USDT", "close", share="0.5"),
                 id="partial_close_book_profits"),
    pytest.param("Secure 25% of #LINK here", Upd("LINK/USDT", "close", share="0.25"),
                 id="partial_close_secure"),
    pytest.param("Sell 30% of #DOGE here", Upd("DOGE/USDT", "close", share="0.3"),
                 id="partial_close_sell"),
    pytest.param("#DOGE закрываем половину позиции", Upd("DOGE/USDT", "close", share="0.5"),
                 id="partial_close_russian_half"),
    pytest.param("#SOL close 100% now", Upd("SOL/USDT", "close"), id="close_all_by_percent"),
    pytest.param("Target 1 hit, take 50% profit #ETH", Upd("ETH/USDT", "target_hit", 1),
                 id="a_targets_share_stays_the_target"),
    pytest.param(
        "Binance Futures\n#SOL/USDT Take-Profit target 2 ✅\nProfit: 25.8% 📈\n"
        "Period: 3 Hours 10 Minutes ⏰",
        Upd("SOL/USDT", "target_hit", 2),
        id="cornix_tp_hit",
    ),
    pytest.param("#ETH/USDT Target 1 ✅", Upd("ETH/USDT", "target_hit", 1), id="target_check"),
    pytest.param(
        "✅ #ADA/USDT TP3 reached! 🚀 Profit 75% (x10)", Upd("ADA/USDT", "target_hit", 3),
        id="tp_reached_with_leverage",
    ),
    pytest.param(
        "#LINK TP1 ✅ TP2 ✅ TP3 ✅ 💰💰", Upd("LINK/USDT", "target_hit", 3), id="tp_ticks",
    ),
    pytest.param(
        "#AVAX/USDT\nSL moved to entry ✅", Upd("AVAX/USDT", "move_sl", breakeven=True),
        id="sl_moved_to_entry",
    ),
    pytest.param(
        "Move SL to breakeven 🔒 #BNB", Upd("BNB/USDT", "move_sl", breakeven=True),
        id="move_sl_breakeven",
    ),
    pytest.param(
        "#APT/USDT\nStop loss moved to 8.40 🔒", Upd("APT/USDT", "move_sl", new_stop="8.40"),
        id="stop_moved_to_price",
    ),
    pytest.param(
        "#SUI/USDT new SL 1.32", Upd("SUI/USDT", "move_sl", new_stop="1.32"), id="new_sl",
    ),
    pytest.param(
        "#FET/USDT TP3 ✅ Move SL to TP1", Upd("FET/USDT", "move_sl", 3, to_target=1),
        id="move_sl_to_a_target",
    ),
    pytest.param(
        "#TIA move SL to first target", Upd("TIA/USDT", "move_sl", to_target=1),
        id="move_sl_to_first_target",
    ),
    pytest.param(
        "Closing #MATIC manually in small profit", Upd("MATIC/USDT", "close"),
        id="closing_coin_manually",
    ),
    pytest.param("closing my BTC at 65000", Upd("BTC/USDT", "close"), id="closing_my_coin"),
    pytest.param(
        "🔥 #BTC/USDT TP1 hit (+25% with 20x)\nMove SL to entry",
        Upd("BTC/USDT", "move_sl", 1, breakeven=True), id="tp_hit_and_move_sl",
    ),
    pytest.param(
        "#DOGE/USDT Closed in profit 💰 +34%", Upd("DOGE/USDT", "close"), id="closed_in_profit",
    ),
    pytest.param("Closed in profit ✅", Upd(None, "close"), id="closed_in_profit_no_coin"),
    pytest.param(
        "Binance Futures\n#LTC/USDT Stoploss ⛔️\nLoss: 133.3% 📉", Upd("LTC/USDT", "stop_hit"),
        id="binance_killers_stoploss",
    ),
    pytest.param("SL hit ❌ -15%", Upd(None, "stop_hit"), id="sl_hit_no_coin"),
    pytest.param(
        "#XRP/USDT signal cancelled ❌ (entry not reached)", Upd("XRP/USDT", "cancel"),
        id="cancelled",
    ),
    pytest.param(
        "Cancel #FET, it never reached the entry", Upd("FET/USDT", "cancel"), id="cancel_order",
    ),
    pytest.param(
        "Close all #ETH positions now ⚠️", Upd("ETH/USDT", "close"), id="close_all_now",
    ),
    pytest.param(
        "Binance Futures\n#OP/USDT Closed due to opposite direction signal ⚠️",
        Upd("OP/USDT", "close"), id="closed_opposite_signal",
    ),
    pytest.param(
        "Binance Futures\n#DOT/USDT Entry 1 ✅\nAverage Entry Price: 6.45 💵",
        Upd("DOT/USDT", "other"), id="entry_filled",
    ),
    pytest.param(
        "#BTC/USDT Цель 1 достигнута ✅", Upd("BTC/USDT", "target_hit", 1), id="russian_target",
    ),
    pytest.param(
        "#SOL/USDT Стоп перенесен в безубыток", Upd("SOL/USDT", "move_sl", breakeven=True),
        id="russian_stop_to_breakeven",
    ),
    pytest.param(
        "#ETH Stop loss alcanzado ❌", Upd("ETH/USDT", "stop_hit"), id="spanish_stop_hit",
    ),
    pytest.param(
        "#SOL Hedef 2 ulaşıldı ✅", Upd("SOL/USDT", "target_hit", 2), id="turkish_target",
    ),
    pytest.param(
        "#AVAX HEDEF 1 ULAŞILDI ✅", Upd("AVAX/USDT", "target_hit", 1), id="turkish_upper_target",
    ),
    pytest.param("#SOL/USDT KAPATILDI", Upd("SOL/USDT", "close"), id="turkish_upper_closed"),
    pytest.param(
        "#DOGE/USDT LONG\nEntry: 0.080\nTarget 1: 0.084 ✅\nTarget 2: 0.088 ✅\nTarget 3: 0.092\n"
        "SL: 0.076\nProfit so far: 100% 🚀",
        Upd("DOGE/USDT", "target_hit", 2), id="call_repeated_with_ticks",
    ),
    pytest.param(
        "#WLD/USDT All take-profit targets achieved 😎\nProfit: 120% 📈",
        Upd("WLD/USDT", "target_hit"), id="all_targets",
    ),
    pytest.param(
        "Переводим стоп в безубыток #ETH", Upd("ETH/USDT", "move_sl", breakeven=True),
        id="russian_move_stop_now",
    ),
    pytest.param(
        "Previous #BTC trade closed in profit ✅", Upd("BTC/USDT", "close"),
        id="earlier_trade_named",
    ),
    pytest.param(
        "Close 50% of #AVAX and move SL to entry",
        Upd("AVAX/USDT", "move_sl", breakeven=True, share="0.5"),
        id="partial_profit_and_move_sl",
    ),
    pytest.param(
        "Update #SUI: Stop to breakeven after TP1 ✅",
        Upd("SUI/USDT", "move_sl", 1, breakeven=True), id="stop_to_breakeven_shorthand",
    ),
    pytest.param(
        "#OP Stop loss to 1.92", Upd("OP/USDT", "move_sl", new_stop="1.92"),
        id="stop_to_price_shorthand",
    ),
    pytest.param("Стоп сработал #BTC ❌", Upd("BTC/USDT", "stop_hit"), id="russian_stop_hit"),
    pytest.param(
        "#ETH/USDT LONG closed ✅ Profit: +58%", Upd("ETH/USDT", "close"), id="closed_with_pnl",
    ),
    pytest.param(
        "#SOL/USDT Stoploss hit -45% 📉", Upd("SOL/USDT", "stop_hit"), id="stoploss_hit_pnl",
    ),
    pytest.param(
        "#BTC/USDT Stop loss ❌ -12%", Upd("BTC/USDT", "stop_hit"), id="stop_loss_cross_mark",
    ),
    pytest.param(
        "**#SOL/USDT** ✅ __Target 3 reached__ 🚀", Upd("SOL/USDT", "target_hit", 3),
        id="markdown_bold_and_italic_target",
    ),
    pytest.param(
        "Previous call #ETH long at 3100 hit all targets 3200, 3300, 3400 🎯",
        Upd("ETH/USDT", "target_hit"), id="hit_all_targets_quoting_the_call",
    ),
    pytest.param(
        "#SOL/USDT all TPs hit 🎯🎯🎯", Upd("SOL/USDT", "target_hit"), id="all_tps_hit",
    ),
    pytest.param(
        "#BTC/USDT Ziel 1 erreicht ✅", Upd("BTC/USDT", "target_hit", 1), id="german_target",
    ),
    pytest.param(
        "#ETH/USDT Objectif 2 atteint ✅", Upd("ETH/USDT", "target_hit", 2), id="french_target",
    ),
    pytest.param(
        "#SOL/USDT TP1 tercapai 🎯", Upd("SOL/USDT", "target_hit", 1), id="indonesian_target",
    ),
    pytest.param("#LINK/USDT SL kena", Upd("LINK/USDT", "stop_hit"), id="indonesian_stop_hit"),
    pytest.param(
        "#OP/USDT Take profit now at 1.95 🤑", Upd("OP/USDT", "close"), id="take_profit_now",
    ),
    pytest.param("Book profits on $WIF now", Upd("WIF/USDT", "close"),
                 id="book_profits_on_coin_now"),
    pytest.param(
        "#ETH/USDT\nLast week's long: entry 3000 → TP 3300 hit ✅\nStop was 2900. "
        "Congrats to everyone!",
        Upd("ETH/USDT", "target_hit"), id="target_named_by_price_hit",
    ),
    pytest.param(
        "#SOL/USDT 🔥\nWe called the long at 140, target 160 reached, stop loss never touched 💪",
        Upd("SOL/USDT", "target_hit"), id="target_price_reached_is_no_index_16",
    ),
    pytest.param(
        "#BTC/USDT LONG was posted at 64000, now 66000 🔥 TP 65000 reached, SL at entry",
        # the stop standing at the entry now: the channel moved it, and so do its followers
        Upd("BTC/USDT", "move_sl", breakeven=True), id="quoted_call_with_target_price_reached",
    ),
    pytest.param("SOL closed in profit ✅", Upd("SOL/USDT", "close"), id="bare_coin_before_closed"),
    pytest.param(
        "Move SL to BE on AVAX", Upd("AVAX/USDT", "move_sl", breakeven=True),
        id="bare_coin_after_the_instruction",
    ),
    pytest.param("MOVE SL TO BE", Upd(None, "move_sl", breakeven=True), id="capitals_name_no_coin"),
    pytest.param("CANCEL THIS SIGNAL", Upd(None, "cancel"), id="cancel_this_names_no_coin"),
    pytest.param(
        "#ETH/USDT 🎯 TP3 DONE 🎯 Close remaining position", Upd("ETH/USDT", "close", 3),
        id="target_done_and_close_the_rest",
    ),
    pytest.param("#ETH/USDT Closed 50%, rest running with SL at entry",
                 Upd("ETH/USDT", "move_sl", breakeven=True, share="0.5"),
                 id="partial_closed_rest_with_stop_at_entry"),
    pytest.param("#ETH/USDT TP1 ✅ SL now at breakeven",
                 Upd("ETH/USDT", "move_sl", 1, breakeven=True), id="target_hit_stop_now_at_be"),
    # --- audit batch 2
    pytest.param("🎯 SOLUSDT — 2nd target hit", Upd("SOL/USDT", "target_hit", 2),
                 id="ordinal_target_hit"),
    pytest.param("First target reached on #AVAX 🎯", Upd("AVAX/USDT", "target_hit", 1),
                 id="ordinal_word_target_reached"),
    pytest.param("#FET 4/4 targets done 🔥", Upd("FET/USDT", "target_hit"),
                 id="every_target_counted_done"),
    pytest.param("#FET 2/4 targets done 🔥", Upd("FET/USDT", "target_hit", 2),
                 id="some_targets_counted_done"),
    pytest.param("#SOL/USDT تم تحقيق الهدف الأول ✅", Upd("SOL/USDT", "target_hit", 1),
                 id="arabic_first_target_reached"),
    pytest.param("Semua target tercapai #ADA 🎯", Upd("ADA/USDT", "target_hit"),
                 id="indonesian_all_targets"),
    pytest.param("#BTC TP1 ✅ will we hit TP2 today?", Upd("BTC/USDT", "target_hit", 1),
                 id="a_hit_beside_a_question_about_the_next"),
    pytest.param("#SUI/USDT signal is invalid now ❌ don't enter", Upd("SUI/USDT", "cancel"),
                 id="signal_invalid_is_a_cancel"),
    pytest.param("Close #SEI at market now, setup invalid", Upd("SEI/USDT", "close"),
                 id="a_close_for_an_invalid_setup_stays_a_close"),
    pytest.param("#NEAR: SL now 5.30 (in profit)", Upd("NEAR/USDT", "move_sl", new_stop="5.30"),
                 id="stop_now_at_a_price"),
    pytest.param("#AVAX/USDT Стоп переносим на 35.20",
                 Upd("AVAX/USDT", "move_sl", new_stop="35.20"), id="russian_stop_moved_to_price"),
    pytest.param("#AVAX/USDT Стоп переносим в безубыток",
                 Upd("AVAX/USDT", "move_sl", breakeven=True), id="russian_stop_then_verb_to_be"),
    pytest.param("#BNB/USDT Breakeven ✅ (stopped at entry)", Upd("BNB/USDT", "stop_hit"),
                 id="stopped_at_entry"),
    pytest.param("#SOL Stop girişe çekildi ✅", Upd("SOL/USDT", "move_sl", breakeven=True),
                 id="turkish_stop_to_entry"),
    pytest.param("#AVAX Stop oldu ❌", Upd("AVAX/USDT", "stop_hit"), id="turkish_stop_hit"),
    pytest.param("#BTC Mover el stop a punto de entrada",
                 Upd("BTC/USDT", "move_sl", breakeven=True), id="spanish_stop_to_entry"),
    pytest.param("#ETH Cerrar operación ahora", Upd("ETH/USDT", "close"), id="spanish_close_now"),
    pytest.param("#ETH cắt lỗ ❌", Upd("ETH/USDT", "stop_hit"), id="vietnamese_stop_hit"),
    pytest.param("#ADA TP1 tercapai ✅ geser SL ke entry",
                 Upd("ADA/USDT", "move_sl", 1, breakeven=True),
                 id="indonesian_target_hit_and_stop_to_entry"),
]

REJECTED = [
    # round 13: a stop move waiting for a target was an immediate move (a SignalUpdate cannot
    # say "later"); now nothing is done, the position's own settings govern
    pytest.param("#BTC/USDT Once TP1 reached, move SL to entry", Rej(_LATER_MOVE),
                 id="plan_alone_is_an_instruction"),
    pytest.param("#ETH/USDT Once TP 3180 is hit, move SL to entry", Rej(_LATER_MOVE),
                 id="plan_after_a_target_price"),
    pytest.param("GM fam ☀️ who's ready for altseason?", Rej(None), id="chat"),
    pytest.param("Went long BTC at 64200 yesterday, trailing it now with TP 66000 SL 64600",
                 Rej("informal: no Entry keyword and no tagged pair"),
                 id="own_trade_told_with_at_price"),
    pytest.param("Should I short ETH @ 3420? TP 3380 SL 3460",
                 Rej("informal: no Entry keyword and no tagged pair"),
                 id="question_side_coin_at_price"),
    pytest.param(
        "🚀 VIP access 50% OFF this week only! DM @admin to join", Rej(None), id="ad",
    ),
    pytest.param(
        "📊 Weekly Results\n#BTC/USDT ✅ +45%\n#SOL/USDT ✅ +80%\n#ARB/USDT ❌ -20%\n"
        "Total profit: +105%",
        Rej(None), id="weekly_results",
    ),
    pytest.param(
        "BTC is testing 64,000 resistance; if it breaks we may see 66,000. Support at 62,500.",
        Rej("informal: no Entry keyword and no tagged pair"), id="analysis",
    ),
    pytest.param(
        "#BTC/USDT LONG\nEntry: 64000\nTP: 62000\nSL: 66000",
        Rej("stop loss 66000 is at or above the entry for a long"),
        id="long_with_short_prices",
    ),
    pytest.param(
        "#ETH/USDT\nDirection: Short\nEntry: 3000\nTargets: 3100 - 3200\nStop: 2900",
        Rej("stop loss 2900 is at or below the entry for a short"),
        id="side_against_prices",
    ),
    pytest.param(
        "#ATOM/USDT\nEntry: 8.20\nTargets: 8.50 - 8.80",
        Rej("no side written, and targets and stop do not both imply one"), id="no_side",
    ),
    pytest.param(
        "Entry: 0.5\nTP: 0.55\nSL: 0.45", Rej("no symbol"), id="no_symbol",
    ),
    pytest.param(
        "#BNB/USDT LONG\nEntry: 600\nTP: 620\nSL: 580\nLeverage: 200x",
        Rej("leverage 200x is outside 1..125"), id="leverage_too_high",
    ),
    pytest.param(
        "#ETH/USDT LONG\nEntry: 3100\nTP: 3200\nSL: 3000\nReminder: this call is still active",
        Rej("a reminder, test or warning, not a new call"), id="reminder",
    ),
    pytest.param(
        "#BTC/USDT LONG\nEntry: 64000\nTP: 65000\nSL: 63000\n\n"
        "#ETH/USDT SHORT\nEntry: 3200\nTP: 3100\nSL: 3300",
        Rej("several symbols: a round-up, not one call"), id="two_calls_in_one",
    ),
    pytest.param(
        "#BTC/USDT scenarios\nLONG above 65000, TP 66500, SL 64200\n"
        "SHORT below 63000, TP 61500, SL 63800",
        Rej("no entry price or market entry"), id="two_scenarios_without_entry",
    ),
    pytest.param(
        "#ARB/USDT LONG\nEntry: ***\nTargets: ***\nStop: ***\nFull call in VIP 🔒", Rej(None),
        id="hidden_prices",
    ),
    pytest.param(
        "#BTC/USDT\nLONG: Entry 65000, TP 66500, SL 64200\nSHORT: Entry 63000, TP 61500, "
        "SL 63800",
        Rej("stop loss 64200 is at or above the entry for a long"), id="two_scenarios",
    ),
    pytest.param("🟢 Previous LONG closed in profit",
                 Rej("the follow-up is about an earlier trade it does not name"),
                 id="an_earlier_close_alone"),
    pytest.param("SOL closed in profit. BTC closed in loss.\n#ETH/USDT LONG Entry 3000 TP 3100 "
                 "SL 2900", Rej("the follow-up names another coin"),
                 id="two_results_beside_a_quoted_call"),
    pytest.param(
        "Partially close #ETH now",
        Rej("a partial close that does not say how much: nothing is closed"),
        id="partial_close_without_an_amount",
    ),
    pytest.param("Close 150% of #ETH now",
                 Rej("a partial close that does not say how much: nothing is closed"),
                 id="a_gain_is_not_a_share"),
    pytest.param("ETH lost half its value this week", Rej(None), id="half_is_not_a_close"),
    pytest.param("Booked 45% profit on #SOL ✅", Rej(None), id="a_result_brag_closes_nothing"),
    pytest.param(
        "#FET/USDT move stop to TP0", Rej("the stop moves to a target that does not exist "
                                         "(target 0)"), id="move_sl_to_target_zero",
    ),
    pytest.param(
        "#Sol Long\nEntry: 150\nTP: 160\nSL: 145", Rej("no symbol"), id="title_case_hashtag",
    ),
    pytest.param(
        "Should I short BTC 65000 with SL 66000? TP 60000?",
        Rej("informal: no Entry keyword and no tagged pair"), id="a_question_with_numbers",
    ),
    pytest.param(
        "BTC long 65000 worked great, hit tp 66000 sl 64000",
        Rej("informal: no Entry keyword and no tagged pair"), id="chat_about_a_past_trade",
    ),
    pytest.param(
        "Is #SOL a good buy at 150? Target 200? SL 130?",
        Rej("a question about prices, not a call"), id="question_with_a_tagged_coin",
    ),
    pytest.param(
        "Monthly PnL: +340%\nWin rate: 87%\nTotal signals: 45\nTP hit: 39\nSL hit: 6",
        Rej("a results summary, not a follow-up on one call"), id="stats_counting_sl_hits",
    ),
    pytest.param(
        "#SOL/USDT\nWatchlist: buy zone 140-145, targets 160/170, stop 135. Not active yet.",
        Rej("a reminder, test or warning, not a new call"), id="watchlist_setup",
    ),
    pytest.param(
        "#ETH/USDT LONG\nEntry: 3100\nTP: 3200 - 3300\nSL: 3000\nWaiting for confirmation, "
        "not entering yet",
        Rej("a reminder, test or warning, not a new call"), id="setup_waiting_for_confirmation",
    ),
    pytest.param(
        "Take some profit on #PEPE here",
        Rej(None), id="take_some_profit_is_no_close",
    ),
    pytest.param(
        "#DOGE/USDT\nOld signal from March: Buy 0.08, Sell 0.12, Stop 0.07 — 50% profit 🚀",
        Rej("a reminder, test or warning, not a new call"), id="old_signal_quoted",
    ),
    pytest.param(
        "Premium members got this yesterday:\n#AVAX/USDT LONG\nEntry: 30\nTP: 33 - 36\nSL: 28\n"
        "Already +20% 🚀 Join VIP!",
        Rej("a reminder, test or warning, not a new call"), id="promo_quoting_a_call_in_profit",
    ),
    pytest.param(
        "#ETH/USDT SHORT\nEntry: 3250\nTP: 3180\nSL: 3300\n\nUPDATE: this setup is no longer valid",
        Rej("a reminder, test or warning, not a new call"), id="call_withdrawn",
    ),
    pytest.param(
        "#ARB/USDT LONG 📈\nEntry: 1.05\nTP: 1.10 - 1.15\nSL: 1.00\nStatus: Closed ✅ +45%",
        Rej("a result post quoting a call, not a call"), id="call_with_status_closed",
    ),
    # --- audit batch 2: a negated instruction or a question is no follow-up
    pytest.param("Don't move your SL to breakeven yet on #LINK", Rej(None),
                 id="negated_stop_move"),
    pytest.param("Do not move SL to breakeven #LINK", Rej(None), id="do_not_move_the_stop"),
    pytest.param("Do NOT close #AVAX now", Rej(None), id="negated_close"),
    pytest.param("#BTC/USDT will we hit TP2 today? 🤔", Rej(None), id="question_about_a_target"),
    pytest.param("Will #BTC hit TP2 today?", Rej(None), id="question_will_it_hit"),
    pytest.param("Should we move SL to BE on #ETH?", Rej(None), id="question_about_the_stop"),
    pytest.param("#ETH first target not reached yet", Rej(None), id="target_not_reached"),
]


def D(value: str) -> Decimal:
    return Decimal(value)


@pytest.mark.parametrize(("text", "want"), SIGNALS)
def test_signal(text: str, want: Sig) -> None:
    result = parse_message(text)
    assert result.signal is not None, (result.kind, result.invalid_reason)
    got = result.signal
    assert got.symbol == want.symbol
    assert got.side is Side(want.side)
    assert [str(p) for p in got.entries] == list(want.entries)
    assert got.entry_is_market is want.at_market
    assert [str(p) for p in got.targets] == list(want.targets)
    assert (str(got.stop_loss) if got.stop_loss is not None else None) == want.stop
    assert got.leverage == want.leverage
    assert got.market is (MarketType(want.market) if want.market else None)
    assert got.entry_trigger == want.trigger
    assert [str(p) for p in got.target_pcts] == list(want.target_pcts)
    assert (str(got.stop_pct) if got.stop_pct is not None else None) == want.stop_pct
    assert all(isinstance(p, Decimal) for p in [*got.entries, *got.targets])


@pytest.mark.parametrize(("text", "want"), UPDATES)
def test_update(text: str, want: Upd) -> None:
    result = parse_message(text)
    assert result.kind == "update" and result.update is not None, result
    got = result.update
    assert (got.symbol, got.action, got.target_index) == (want.symbol, want.action, want.index)
    assert got.new_stop == (D(want.new_stop) if want.new_stop else None)
    assert got.to_breakeven is want.breakeven
    assert got.stop_to_target == want.to_target
    assert got.close_share == (D(want.share) if want.share else None)
    assert result.signal is None


@pytest.mark.parametrize(("text", "want"), REJECTED)
def test_rejected(text: str, want: Rej) -> None:
    result = parse_message(text)
    assert result.kind == "noise" and result.signal is None and result.update is None
    assert result.invalid_reason == (want.reason or NOTHING_FOUND)
    assert parse(text) is None


def test_corpus_size() -> None:
    assert len(SIGNALS) + len(UPDATES) + len(REJECTED) >= 60


@pytest.mark.parametrize(
    "text",
    ["sl ❌" + " -1" * 1300, "stop ⛔\n" + "-" * 3990, "closed half " * 330, "sl to " * 660,
     "3-" * 1990 + "5x", "entry: " + "market " * 560, "0,5 " * 990 + "8,125",
     "previous " * 440 + "closed", "close long " * 390, "#BTC/USDT " + "move sl to tp1 " * 250,
     "btc long " * 440 + "tp 1 sl 2", "abcdefghijklmnop" + " " * 3980 + "long 1",
     "eth " * 990 + "short 5 tp 4 sl 6", "closing " * 490 + "btc now",
     "closed my " * 390 + "eth in profit", "#eth long entry 5 tp " + "1% / " * 790 + "x",
     "#eth long entry 5 sl " + "1" * 3900 + "%", "entry 1 tp " + "9.9k " * 790,
     "x price:" * 490 + " 1 tp 2", "entry 2 (" * 440 + "a): 1", "add more " * 440 + "at 1",
     "buy limit " * 390 + "order 1", "#ｂｔｃ ＬＯＮＧ " * 300 + "tp 1", "__" * 1990 + "sl 1",
     "after " * 660 + "tp1 hit", "#btc entry 1 tp 2 sl 3 " + "1 ?" * 1300,
     "hit all " * 490 + "targets", "win " * 990 + "sl hit", "once the " * 440 + "tp2 ✅",
     "#eth long entry 5 tp 6 " + "1:2 " * 990, "entry 1 tp 2 " + "1 000 " * 660,
     "entry: 1\n" + "2nd " * 990 + "\ntp 2", "buy now " * 490 + ": 1 tp 2",
     "take " * 990 + "profit now", "book the " * 440 + "profits here", "not yet " * 490 + "x",
     "tp " + "1" * 3990 + " x", "target: $" + "1." * 1990 + "x", "already + " * 390 + "1",
     "signal " * 560 + "invalidated", "status " * 560 + ": closed",
     "will " * 300 + "move sl to 1 ?" * 200, "don't move sl " * 300, "first target " * 300 + "hit",
     "1/2 targets " * 330, "tp: 1 " + "(ab) " * 790 + "2",
     "entry | tp | sl\n" + "1 | 2 | 3\n" * 300,
     "cerrar " * 550 + "ahora", "sl now " * 600, "buy 📥 " * 500 + "1", "arb 🔴 " * 500 + "short 1",
     "#btc entry 1 tp 2 sl 0.5 " + "do not " * 560 + "long", "SOL " * 990 + "closed"],
)
def test_patterns_added_for_these_formats_stay_linear(text: str) -> None:
    assert fastest_parse_s(text) < 0.25  # a quadratic pattern takes seconds here
