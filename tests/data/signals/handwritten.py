"""Hand-written corpus messages: odd signals, follow-ups, invalid calls and channel noise."""

from __future__ import annotations

from typing import Any


def sig(symbol: str, side: str, entries: list[str], targets: list[str], stop: str | None,
        leverage: int | None = None, market: str | None = None,
        entry_is_market: bool = False) -> dict[str, Any]:
    return {"symbol": symbol, "side": side, "entries": entries, "entry_is_market": entry_is_market,
            "targets": targets, "stop_loss": stop, "leverage": leverage, "market": market}


def upd(symbol: str | None, action: str, index: int | None = None) -> dict[str, Any]:
    return {"symbol": symbol, "action": action, "target_index": index}


SIGNALS: list[tuple[str, str, dict[str, Any]]] = [
    ("ru_spaced_thousands", "#BTC/USDT ЛОНГ\nВход: 64 000 - 63 500\nЦели: 65 000 / 66 000\n"
     "Стоп: 62 000\nПлечо: 10x", sig("BTC/USDT", "long", ["64000", "63500"],
                                     ["65000", "66000"], "62000", 10, "futures")),
    ("stop_with_timeframe", "ETH/USDT LONG\nEntry: 2450\nTargets: 2500, 2550, 2600\n"
     "SL: 2380 (4H close below)", sig("ETH/USDT", "long", ["2450"], ["2500", "2550", "2600"],
                                      "2380")),
    ("comma_thousands_decimals", "$BTC SHORT\nEntry: 65,250.5\nTP1: 64,000\nTP2: 63,100.25\n"
     "SL: 66,500", sig("BTC/USDT", "short", ["65250.5"], ["64000", "63100.25"], "66500")),
    ("target_index_not_price", "#SOL/USDT Long\nEntry: 1.5\nTarget 1: 1.6\nTarget 2: 1.7\n"
     "Target 3: 1.8\nStop: 1.4", sig("SOL/USDT", "long", ["1.5"], ["1.6", "1.7", "1.8"], "1.4")),
    ("bare_short", "SHORT ETH\nEntry 3100\nTP 3000 2900\nSL 3200",
     sig("ETH/USDT", "short", ["3100"], ["3000", "2900"], "3200")),
    ("no_side_cornix", "#LINK/USDT\nBuy: 14.2 13.9\nSell: 14.8 15.5 16.3\nStop: 13.1",
     sig("LINK/USDT", "long", ["14.2", "13.9"], ["14.8", "15.5", "16.3"], "13.1")),
    ("perp_suffix", "BTCUSDTPERP SHORT\nEntry: 67000\nTP: 66000 - 65000\nSL: 68000",
     sig("BTC/USDT", "short", ["67000"], ["66000", "65000"], "68000", None, "futures")),
    ("lowercase_hashtag", "#doge long 🚀\nentry: 0.1234\ntargets: 0.13 / 0.14\nstop: 0.118",
     sig("DOGE/USDT", "long", ["0.1234"], ["0.13", "0.14"], "0.118")),
    ("tiny_price", "#PEPE/USDT LONG\nEntry: 0.00001234 - 0.00001200\n"
     "Targets: 0.00001300 - 0.00001400\nSL: 0.00001100",
     sig("PEPE/USDT", "long", ["0.00001234", "0.00001200"], ["0.00001300", "0.00001400"],
         "0.00001100")),
    ("btc_quote", "LINK/BTC BUY\nBuy zone: 0.0002100 - 0.0002050\nTargets: 0.000225, 0.000240\n"
     "Stop: 0.000195", sig("LINK/BTC", "long", ["0.0002100", "0.0002050"],
                           ["0.000225", "0.000240"], "0.000195")),
    ("no_stop", "#AVAX/USDT SHORT\nEntry: 35.5\nTargets: 34, 33, 32\nLeverage: 10x",
     sig("AVAX/USDT", "short", ["35.5"], ["34", "33", "32"], None, 10, "futures")),
    ("move_sl_instruction", "#ADA/USDT LONG\nEntry: 0.45\nTP1: 0.47\nTP2: 0.49\nSL: 0.43\n"
     "After TP1 move SL to entry.", sig("ADA/USDT", "long", ["0.45"], ["0.47", "0.49"], "0.43")),
    ("bullet_checks", "✅ #XRP/USDT\n✅ LONG\n✅ Entry: 0.52\n✅ TP: 0.55 - 0.58\n✅ SL: 0.50",
     sig("XRP/USDT", "long", ["0.52"], ["0.55", "0.58"], "0.50")),
    ("usdc_pair", "ETHUSDC Long\nEntry: 2400\nTP: 2500\nSL: 2300\nSpot",
     sig("ETH/USDC", "long", ["2400"], ["2500"], "2300", None, "spot")),
    ("percent_stop_only", "#OP/USDT LONG\nEntry: 1.85\nTargets: 1.95 - 2.05\nStop: 5%",
     sig("OP/USDT", "long", ["1.85"], ["1.95", "2.05"], "1.7575")),  # 5 % below the entry
    ("entry_now_with_price", "#INJ/USDT SHORT\nEntry: now (24.5)\nTP: 23.5 - 22.8\nSL: 25.6\n"
     "Cross 20x", sig("INJ/USDT", "short", ["24.5"], ["23.5", "22.8"], "25.6", 20, "futures",
                      True)),
    ("cornix_orders", "Client: Binance Futures\nTrade Type: Regular (Long)\n"
     "Leverage: Isolated (10.0X)\nSymbol: #SUI/USDT\nEntry Orders:\n1) 1.2345 - 50.0%\n"
     "2) 1.2100 - 50.0%\nTake-Profit Orders:\n1) 1.2600 - 25.0%\n2) 1.2900 - 25.0%\n"
     "3) 1.3200 - 50.0%\nStop-loss: 1.1800\nTrailing Configuration:\n"
     "Stop: Moving Target - Trigger: Target (1)",
     sig("SUI/USDT", "long", ["1.2345", "1.2100"], ["1.2600", "1.2900", "1.3200"], "1.1800", 10,
         "futures")),
    ("tp_dash_footer", "🔥 #AVAX/USDT SHORT 🔥\nLeverage 20x\n\nEntry: 36.40 - 36.90\n"
     "TP1 - 35.80\nTP2 - 35.20\nTP3 - 34.50\nSL - 37.80\n\n⚠️ Use max 2% of your portfolio",
     sig("AVAX/USDT", "short", ["36.40", "36.90"], ["35.80", "35.20", "34.50"], "37.80", 20,
         "futures")),
    ("spot_no_stop", "#FET/USDT (SPOT)\nBuy: 1.45 - 1.50\nSell: 1.60 - 1.75 - 1.90\nSL: 1.30",
     sig("FET/USDT", "long", ["1.45", "1.50"], ["1.60", "1.75", "1.90"], "1.30", None, "spot")),
    ("ru_direction", "#SOL/USDT\nНаправление: ЛОНГ\nВход: 145-147\nЦели: 150, 155, 160\n"
     "Стоп: 140\nПлечо: x10", sig("SOL/USDT", "long", ["145", "147"], ["150", "155", "160"],
                                   "140", 10, "futures")),
    ("dollar_prices", "$LINK LONG 🚀\nEntry: $14.20\nTargets: $14.80 / $15.40\nStop: $13.60",
     sig("LINK/USDT", "long", ["14.20"], ["14.80", "15.40"], "13.60")),
    ("sell_zone_short", "SELL #XRP/USDT\nSell zone: 0.6200 - 0.6300\nTargets: 0.6000 - 0.5800\n"
     "SL: 0.6500", sig("XRP/USDT", "short", ["0.6200", "0.6300"], ["0.6000", "0.5800"], "0.6500")),
    ("range_with_to", "#ARB/USDT LONG\nEntry: 1.05 to 1.08\nTargets: 1.12, 1.15, 1.20\n"
     "Stop: 0.99", sig("ARB/USDT", "long", ["1.05", "1.08"], ["1.12", "1.15", "1.20"], "0.99")),
    ("date_line", "#NEAR/USDT SHORT\n27.11.2026 14:30 UTC\nEntry: 5.40\nTargets: 5.20 5.00\n"
     "Stop: 5.65", sig("NEAR/USDT", "short", ["5.40"], ["5.20", "5.00"], "5.65")),
    ("keycap_entries", "#TIA/USDT LONG\nEntry:\n1️⃣ 10.50\n2️⃣ 10.20\nTargets:\n1️⃣ 10.90\n"
     "2️⃣ 11.30\nStop: 9.80", sig("TIA/USDT", "long", ["10.50", "10.20"], ["10.90", "11.30"],
                                  "9.80")),
    ("cross_on_symbol_line", "📌 #WIF/USDT Cross 25x LONG\nEntry 2.35 - 2.30\n"
     "Target 2.42 - 2.50 - 2.60\nSL 2.20", sig("WIF/USDT", "long", ["2.35", "2.30"],
                                              ["2.42", "2.50", "2.60"], "2.20", 25, "futures")),
    ("medal_targets", "🔥 #CTSI/USDT (Long📈, x20) 🔥\n\nEntry - 0.1553\nSL - 0.1498\n\n"
     "Take-Profit:\n🥉 0.1568 (40% of profit)\n🥈 0.1584 (60% of profit)\n"
     "🥇 0.1599 (80% of profit)\n🚀 0.1615 (100% of profit)",
     sig("CTSI/USDT", "long", ["0.1553"], ["0.1568", "0.1584", "0.1599", "0.1615"], "0.1498", 20,
         "futures")),
    ("term_sublists", "SIGNAL ID: #1234\nCOIN: $AVAX/USDT (3-5x)\nDirection: LONG📈\n"
     "ENTRY: 35.10 - 36.20\nOTE: 35.70\n\nTARGETS\nShort Term: 36.50 - 37.00 - 37.50\n"
     "Mid Term: 38.50 - 40.00\n\nSTOP LOSS: 33.90\nThis message cannot be forwarded",
     sig("AVAX/USDT", "long", ["35.10", "36.20"], ["36.50", "37.00", "37.50", "38.50", "40.00"],
         "33.90", 3, "futures")),  # (3-5x): the range's lower end
    ("side_coin_price", "Buy $BONK 0.00002150\nTP 0.00002300 0.00002450\nSL 0.00002000",
     sig("BONK/USDT", "long", ["0.00002150"], ["0.00002300", "0.00002450"], "0.00002000")),
    ("invalidation_stop", "BTC/USDT 4H\nLong entry: 64200\nTargets: 65500 | 66800 | 68000\n"
     "Invalidation: 62900", sig("BTC/USDT", "long", ["64200"], ["65500", "66800", "68000"],
                                "62900")),
    ("allocation_percents", "BYBIT\nOPUSDT SHORT\nLeverage: Cross 25x\nEntry: 1.912\n"
     "Target 1: 1.890 - 30%\nTarget 2: 1.871 - 20%\nTarget 3: 1.850 - 50%\nStoploss: 1.975",
     sig("OP/USDT", "short", ["1.912"], ["1.890", "1.871", "1.850"], "1.975", 25, "futures")),
    ("pair_label_side_null", "BYBIT\nPair: ADA LONG\nLeverage: Cross 10x\n"
     "Entry zone: 0.4410 - 0.4480\nTargets: 0.4550 - 0.4600 - 0.4680 - null\nSL: 0.4290",
     sig("ADA/USDT", "long", ["0.4410", "0.4480"], ["0.4550", "0.4600", "0.4680"], "0.4290", 10,
         "futures")),
    ("forex_gold", "XAUUSD BUY\nEntry Zone: 2050.00 - 2052.00\nStop Loss: 2045.00\n"
     "TP1: 2060.00\nTP2: 2070.00", sig("XAU/USD", "long", ["2050.00", "2052.00"],
                                        ["2060.00", "2070.00"], "2045.00")),
    ("at_sign_one_line", "EURUSD LONG @ 1.0850 STOP 1.0800 TARGET 1.0900",
     sig("EUR/USD", "long", ["1.0850"], ["1.0900"], "1.0800")),
    ("arrow_targets", "#BTC/USDT LONG\nEntry 64000\nTP1 → 65000\nTP2 → 66000\nSL → 63000",
     sig("BTC/USDT", "long", ["64000"], ["65000", "66000"], "63000")),
    ("timeframe_first_stop", "#ETH/USDT LONG\nEntry: 3100\nTP: 3200 3300\n"
     "SL: 4H close below 3000", sig("ETH/USDT", "long", ["3100"], ["3200", "3300"], "3000")),
    ("stop_mentions_entry", "#ETH/USDT LONG\nEntry: 3100\nTP: 3200 3300\n"
     "Stop loss: 5% below entry (2945)", sig("ETH/USDT", "long", ["3100"], ["3200", "3300"],
                                            "2945")),
    ("dollar_suffix", "#SOL/USDT LONG 🟢\nEntry Zone: 140$ - 142$\nTargets: 145$ - 150$\n"
     "SL: 135$", sig("SOL/USDT", "long", ["140", "142"], ["145", "150"], "135")),
    ("t_labels", "Long #ATOM\nEntry 8.10 - 8.00\nT1 8.30\nT2 8.50\nT3 8.80\nStop 7.80",
     sig("ATOM/USDT", "long", ["8.10", "8.00"], ["8.30", "8.50", "8.80"], "7.80")),
    ("dca_in_entry", "#BNB/USDT LONG\nEntry: 580 (DCA 565)\nTP: 595 / 610 / 630\nSL: 550",
     sig("BNB/USDT", "long", ["580", "565"], ["595", "610", "630"], "550")),
    ("exchange_ticks_footer", "#AAVE/USDT LONG\nEntry Price 95.2\nTP1 97\nTP2 99.5\n"
     "TP3 102\nSL 91.8\n\n✅ Binance ✅ Bybit ✅ OKX",
     sig("AAVE/USDT", "long", ["95.2"], ["97", "99.5", "102"], "91.8")),
    ("risk_amount_footer", "#MATIC/USDT LONG\nEntry: 0.72\nTPs: 0.74, 0.76, 0.79\n"
     "SL: 0.69\nRisk: High ⚠️\nAmount: 3%",
     sig("MATIC/USDT", "long", ["0.72"], ["0.74", "0.76", "0.79"], "0.69")),
]

INVALID: list[tuple[str, str]] = [
    ("long_stop_above", "#BTC/USDT LONG\nEntry: 65000\nTargets: 66000 - 67000\nSL: 66500"),
    ("short_targets_above", "#ETH/USDT SHORT\nEntry: 3000\nTargets: 3100 - 3200\nSL: 3300"),
    ("long_target_below", "SOL/USDT LONG\nEntry: 150\nTP1: 145\nTP2: 160\nSL: 140"),
    ("short_stop_below", "$DOGE SHORT\nEntry: 0.12\nTP: 0.11\nSL: 0.115"),
    ("scale_misread", "#ARB/USDT LONG\nEntry: 1.2\nTargets: 1.3 - 40\nSL: 1.1"),
    ("leverage_too_high", "#BNB/USDT LONG\nEntry: 600\nTP: 620\nSL: 580\nLeverage: 500x"),
]

UPDATES: list[tuple[str, dict[str, Any]]] = [
    ("#BTC/USDT Target 1 reached ✅\nProfit: 25.5% 📈\nPeriod: 2 Hours",
     upd("BTC/USDT", "target_hit", 1)),
    ("TP2 ✅ #ETH", upd("ETH/USDT", "target_hit", 2)),
    ("All targets achieved 🔥🔥 #SOL/USDT", upd("SOL/USDT", "target_hit")),
    ("Close BTC", upd("BTC/USDT", "close")),
    ("Closed manually ✋", upd(None, "close")),
    ("Signal Cancelled ❌", upd(None, "cancel")),
    ("SL moved to entry", upd(None, "move_sl")),
    ("Move SL to breakeven #AVAX", upd("AVAX/USDT", "move_sl")),
    ("Stop loss hit #DOGE 😔", upd("DOGE/USDT", "stop_hit")),
    ("#LINK/USDT Take-Profit target 3 ✅\nProfit: 45% 📈\nPeriod: 5 Hours 12 Minutes ⏰\n"
     "(Stop Loss: 13.1)", upd("LINK/USDT", "target_hit", 3)),
    ("Binance Futures\n#XRP/USDT\nTarget 1 ✅\nTarget 2 ✅\nTarget 3 ✅",
     upd("XRP/USDT", "target_hit", 3)),
    ("#ADAUSDT stopped out. On to the next one.", upd("ADA/USDT", "stop_hit")),
    ("Цель 2 достигнута ✅ #TON", upd("TON/USDT", "target_hit", 2)),
    ("#OP cancel this signal, entry not triggered", upd("OP/USDT", "cancel")),
    ("Please close #WIF now, market looks weak", upd("WIF/USDT", "close")),
    ("#SUI/USDT new SL: 1.45", upd("SUI/USDT", "move_sl")),
    ("Move stop to 0.85 on $FET", upd("FET/USDT", "move_sl")),
    ("Hit TP1 on #ARB 🎯", upd("ARB/USDT", "target_hit", 1)),
    ("🎯 #BNB/USDT TP3 done, +30%", upd("BNB/USDT", "target_hit", 3)),
    ("SL hit on #NEAR, -10%", upd("NEAR/USDT", "stop_hit")),
    ("#1000PEPE/USDT Target 2 ✅ Profit: 60% (20x)", upd("1000PEPE/USDT", "target_hit", 2)),
    ("#BTC closed in profit +18% 💰", upd("BTC/USDT", "close")),
    ("Objetivo 1 alcanzado ✅ #SOL", upd("SOL/USDT", "target_hit", 1)),
    ("#ETH/USDT All take-profit targets achieved 😎\nProfit: 120%",
     upd("ETH/USDT", "target_hit")),
    ("Отмена сигнала по #ATOM", upd("ATOM/USDT", "cancel")),
    ("#LTC/USDT Stop Loss triggered ❌", upd("LTC/USDT", "stop_hit")),
    ("Stop moved to breakeven on #INJ after TP1 ✅", upd("INJ/USDT", "move_sl", 1)),
    ("#DOT/USDT Entry 1 filled ✅", upd("DOT/USDT", "other")),
    ("$TIA Target 4 hit 🚀🚀", upd("TIA/USDT", "target_hit", 4)),
    ("Exit now #MATIC, invalidated", upd("MATIC/USDT", "close")),
    ("#KAS/USDT\nTP1 ✅ TP2 ✅", upd("KAS/USDT", "target_hit", 2)),
    ("Alvo 2 atingido ✅ #LINK", upd("LINK/USDT", "target_hit", 2)),
    ("🏆 #SOL/USDT\nLONG from 140\nAll 3 targets done!\nProfit: 45% 🚀",
     upd("SOL/USDT", "target_hit")),
    ("#XRP/USDT: Entry 2 filled at 0.49, avg 0.5", upd("XRP/USDT", "other")),
    ("Binance Futures\n#OP/USDT All entry targets achieved\nAverage Entry Price: 1.874 💵",
     upd("OP/USDT", "other")),
    ("Binance Futures\n#OP/USDT Closed at stoploss after reaching take profit ⚠️",
     upd("OP/USDT", "stop_hit")),
    ("Binance Futures\n#ADA/USDT Cancelled ❌\nTarget achieved before entering the entry zone",
     upd("ADA/USDT", "cancel")),
    ("✅ XAUUSD TP1 HIT\n🔒 Move SL to Breakeven", upd("XAU/USD", "move_sl", 1)),
    ("#BTC/USDT Trade closed at breakeven", upd("BTC/USDT", "close")),
    ("Hedef 1 ulaşıldı ✅ #AVAX", upd("AVAX/USDT", "target_hit", 1)),
    ("Signal canceled for #APT, price ran away", upd("APT/USDT", "cancel")),
    ("#OP/USDT: SL → 1.90", upd("OP/USDT", "move_sl")),
    ("Book 50% profit on #INJ now and move SL to entry", upd("INJ/USDT", "move_sl")),
    ("#DOGE/USDT 🎯 Target 3 done ✅ 150% profit", upd("DOGE/USDT", "target_hit", 3)),
    ("#BTC/USDT LONG\nEntry: 64000\nTP1: 65000 ✅\nTP2: 66000 ✅\nTP3: 67000\nSL: 63000\n"
     "Profit: +62% with 20x", upd("BTC/USDT", "target_hit", 2)),
    ("Binance Futures, Bybit USDT\n#1INCH/USDT Closed due to reversal signal ⚠️ Profit: 12%",
     upd("1INCH/USDT", "close")),
]

NOISE: list[str] = [
    "Good morning traders ☀️ Big week ahead, stay disciplined!",
    "🚀 JOIN OUR VIP CHANNEL 🚀\n90% accuracy, 10 signals a day!\nDM @admin for 50% off",
    "Weekly results 📊\n#BTC +45%\n#ETH +30%\n#SOL -10%\nTotal: +65% profit",
    "🎁 GIVEAWAY 🎁\n$500 USDT to 5 winners! Like, share and join t.me/+AbCdEfGh",
    "Bitcoin looks bullish on the 4H chart, could break 70000 soon.",
    "Market update: BTC dominance rising, alts bleeding. Be careful with leverage.",
    "Register on Bybit with our link and get a $30 bonus: https://bybit.com/invite?ref=XYZ",
    "Don't forget: never risk more than 2% per trade. Stop loss is your friend.",
    "#BTC Target 1 ✅\n#ETH Target 2 ✅\n#SOL Target 3 ✅\nWhat a day! 🔥",
    "New video on YouTube: how to use leverage safely 📺",
    "Analysis: ETH/USDT is forming an ascending triangle. Resistance at 3500, support 3200.",
    "Premium members made 300% this month. Last 3 spots at a discount! 👇",
    "Happy new year to all our members 🎉",
    "Who is still holding DOGE? 🐶",
    "⚠️ Binance maintenance tonight at 02:00 UTC, futures trading paused 30 minutes.",
    "LONG or SHORT? Vote below 👇",
    "Results for November: 84 signals, 71 wins, 13 losses. Win rate 84.5%",
    "Our bot is now live on Cornix! Connect your account and auto-trade our signals.",
    "BTC 65000 ETH 3200 SOL 150 — prices right now",
    "I closed my laptop for today, see you tomorrow guys",
    "Free signal tomorrow at 14:00 UTC, stay tuned!",
    "📢 Promo code VERZEK20 gives 20% off your first month",
    "Stop loss hunting is real. Market makers swept 64000 lows.",
    "Recap: #AVAX hit all targets, #LINK stopped, #DOT cancelled",
    "Funding rates are negative across the board, shorts are crowded.",
    "Take profit is never a bad idea in this market 💰",
    "Top gainers today: #WIF +35%, #BONK +22%, #PEPE +18%",
    "Fear & Greed index: 78 (Extreme Greed)",
    "Entry level course starts Monday. Learn to trade in 30 days!",
    "Thanks for the 10k subscribers! 🙏",
    "Sell everything? No. Buy everything? Also no. Patience.",
    "Long-term I'm bullish on ETH, short-term we may see 2800.",
    "Check pinned message for rules",
    "📈 BTC/USDT 1H chart attached",
    "BTC analysis: support 62000, resistance 66000. Break above 66000 targets 68000.",
    "Should I short BTC at 65000 with SL 66000? TP 60000?",
    "🔥 Our last #SOL signal: Entry 140 → TP 160 (+14%)! Join VIP",
    "If you missed the BTC long at 60000, don't chase. Wait for a retest around 61000, TP 63000.",
    "Last week results:\n#BTC LONG Entry 60000 TP 62000 ✅\n#ETH SHORT Entry 3000 TP 2900 ✅",
    "#BTC/USDT LONG\nEntry: 64000\nTP1: 65000\nTP2: 66000\nSL: 63000\n\nResult: +45% 🚀",
    "#SOL/USDT SHORT\nEntry: 150\nTargets: 145 - 140\nStop: 155\nProfit: +38% in 6 hours 🔥",
    "Reminder: #BTC/USDT LONG is still active. Entry 64000, TP 66000, SL 63000.",
    "#ETH/USDT\nEntry: 3100\nTP: 3200\nSL: 3000\n(this was a test, ignore)",
    "Premium signal preview: #ARB/USDT LONG\nEntry: ***\nTargets: ***\nStop: ***\nJoin VIP",
    "📊 Yesterday's calls:\n#BTC/USDT LONG Entry 64000 → 66000 ✅\n#ETH/USDT SHORT Entry 3200",
    "Market open: #BTC/USDT 65000 | #ETH/USDT 3200 | #SOL/USDT 150",
    "When BTC hits 70000 I'll go long, TP 75000, SL 68000. Not a signal yet.",
    "How to read our calls (example):\n#BTC/USDT LONG\nEntry: 100\nTP: 110\nSL: 90",
]
