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
     sig("OP/USDT", "long", ["1.85"], ["1.95", "2.05"], None)),
    ("entry_now_with_price", "#INJ/USDT SHORT\nEntry: now (24.5)\nTP: 23.5 - 22.8\nSL: 25.6\n"
     "Cross 20x", sig("INJ/USDT", "short", ["24.5"], ["23.5", "22.8"], "25.6", 20, "futures",
                      True)),
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
    ("#BTC/USDT Trade closed at breakeven", upd("BTC/USDT", "close")),
    ("Hedef 1 ulaşıldı ✅ #AVAX", upd("AVAX/USDT", "target_hit", 1)),
    ("Signal canceled for #APT, price ran away", upd("APT/USDT", "cancel")),
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
]
