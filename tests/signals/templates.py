"""Signal layouts as real channels write them, rendered from a spec so a parse can be checked."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Spec:
    """A trade call as numbers written in plain form ("0.01234"); templates decide the layout."""

    base: str
    side: str  # "long" | "short"
    entries: tuple[str, ...]
    targets: tuple[str, ...]
    stop: str | None
    leverage: int | None
    quote: str = "USDT"


@dataclass(frozen=True)
class Template:
    name: str
    render: Callable[[Spec], str]
    market: Callable[[Spec], str | None] = lambda s: "futures" if s.leverage else None
    sides: tuple[str, ...] = ("long", "short")
    entries: tuple[int, int] = (1, 2)
    targets: tuple[int, int] = (1, 5)
    leverage: bool | None = None  # True: always one, False: never, None: either
    stop: bool = True
    market_entry: bool = False
    style: str = "plain"  # how numbers are written: plain | thousands | comma
    extra: dict[str, str] = field(default_factory=dict)


def fmt(value: str, style: str) -> str:
    """A plain number written the way a template's channel writes numbers."""
    head, _, tail = value.partition(".")
    if style == "thousands" and len(head) > 3:
        head = f"{int(head):,}"
    if style == "comma" and tail:
        return f"{head},{tail}"
    return f"{head}.{tail}" if tail else head


def _n(spec: Spec, values: tuple[str, ...], style: str, sep: str) -> str:
    return sep.join(fmt(v, style) for v in values)


def _s(spec: Spec, style: str = "plain") -> str:
    return fmt(spec.stop or "", style)


def _up(spec: Spec) -> str:
    return spec.side.upper()


def _cap(spec: Spec) -> str:
    return spec.side.capitalize()


def _lev(spec: Spec, text: str) -> str:
    return text.format(lev=spec.leverage) if spec.leverage else ""


def _numbered(values: tuple[str, ...], fmt_line: str, style: str = "plain") -> str:
    return "\n".join(fmt_line.format(i=i, v=fmt(v, style)) for i, v in enumerate(values, 1))


def _bk(s: Spec) -> str:  # Binance Killers style
    emoji = "🟢" if s.side == "long" else "🔴"
    return (
        f"📍Coin : #{s.base}/USDT\n\n{emoji} {_up(s)}\n\n"
        f"👉 Entry: {_n(s, s.entries, 'plain', ' - ')}"
        f"\n\n🌐 Leverage: {s.leverage}x\n\n"
        + _numbered(s.targets, "🎯 Target {i}: {v}") + f"\n\n❌ StopLoss: {s.stop}"
    )


def _cornix_buy_sell(s: Spec) -> str:
    return (f"#{s.base}/USDT\nBuy: {_n(s, s.entries, 'plain', ' ')}\n"
            f"Sell: {_n(s, s.targets, 'plain', ' ')}\nStop: {s.stop}")


def _cornix_lists(s: Spec) -> str:
    return (
        f"⚡️⚡️ #{s.base}/USDT ⚡️⚡️\nExchanges: Binance Futures\nSignal Type: Regular ({_cap(s)})\n"
        f"Leverage: Cross ({s.leverage}.0X)\n\nEntry Targets:\n"
        + _numbered(s.entries, "{i}) {v}") + "\n\nTake-Profit Targets:\n"
        + _numbered(s.targets, "{i}) {v}")
        + f"\n\nStop Targets:\n1) {s.stop}\n\nPublished By @trader"
    )


def _fri(s: Spec) -> str:  # Fed. Russian Insiders style
    return (f"{s.base}USDT {_up(s)} {'📈' if s.side == 'long' else '📉'}\n\n"
            f"Leverage: cross {s.leverage}x\nEntry: {_n(s, s.entries, 'plain', ' - ')}\n"
            f"Targets: {_n(s, s.targets, 'plain', ' - ')}\nStop-Loss: {s.stop}")


def _oneline(s: Spec) -> str:
    return (f"{_up(s)} #{s.base} Entry {_n(s, s.entries, 'plain', '-')} TP "
            f"{_n(s, s.targets, 'plain', '/')} SL {s.stop} {s.leverage}x")


def _dollar_tp(s: Spec) -> str:
    return (f"${s.base} {_up(s)}\nEntry: {_n(s, s.entries, 'plain', ' / ')}\n"
            + _numbered(s.targets, "TP{i}: {v}") + f"\nSL: {s.stop}")


def _dash_spot(s: Spec) -> str:
    return (f"{s.base}-USDT (Spot)\nBuy zone: {_n(s, s.entries, 'plain', '-')}\n"
            f"Targets: {_n(s, s.targets, 'plain', ', ')}\nStop-loss: {s.stop}")


def _ru(s: Spec) -> str:
    side = "ЛОНГ" if s.side == "long" else "ШОРТ"
    return (f"🚀 {side} #{s.base}/USDT\nВход: {_n(s, s.entries, 'comma', ' - ')}\n"
            f"Цели: {_n(s, s.targets, 'comma', ' / ')}\nСтоп: {_s(s, 'comma')}\n"
            + _lev(s, "Плечо: {lev}x"))


def _ru2(s: Spec) -> str:
    side = "Лонг" if s.side == "long" else "Шорт"
    return (f"{s.base}USDT — {side}\nТочка входа: {_n(s, s.entries, 'plain', ' и ')}\n"
            f"Тейки:\n" + _numbered(s.targets, "{i}. {v}") + f"\nСтоп-лосс: {s.stop}\n"
            + _lev(s, "Плечо x{lev}"))


def _es(s: Spec) -> str:
    side = "LARGO" if s.side == "long" else "CORTO"
    return (f"#{s.base}/USDT {'🟢' if s.side == 'long' else '🔴'} {side}\n"
            f"Zona de entrada: {_n(s, s.entries, 'plain', ' - ')}\n"
            f"Objetivos: {_n(s, s.targets, 'plain', ' - ')}\nStop Loss: {s.stop}\n"
            + _lev(s, "Apalancamiento: {lev}x"))


def _pt(s: Spec) -> str:
    return (f"{s.base}/USDT - COMPRA (SPOT)\nEntrada: {_n(s, s.entries, 'comma', ' - ')}\n"
            "Alvos:\n" + _numbered(s.targets, "Alvo {i}: {v}", "comma")
            + f"\nStop: {_s(s, 'comma')}")


def _tr(s: Spec) -> str:
    return (f"#{s.base}USDT {_up(s)}\nGiriş: {_n(s, s.entries, 'plain', ' - ')}\n"
            f"Hedefler: {_n(s, s.targets, 'plain', ' - ')}\nStop: {s.stop}\n"
            + _lev(s, "Kaldıraç: {lev}x"))


def _vi(s: Spec) -> str:
    return (f"{s.base}/USDT - {_up(s)}\nVào lệnh: {_n(s, s.entries, 'plain', ' - ')}\n"
            f"Mục tiêu: {_n(s, s.targets, 'plain', ' - ')}\nCắt lỗ: {s.stop}\n"
            + _lev(s, "Đòn bẩy: x{lev}"))


def _de(s: Spec) -> str:
    return (f"{s.base}/USDT {_cap(s)}\nEinstieg: {_n(s, s.entries, 'plain', ' - ')}\n"
            f"Ziele: {_n(s, s.targets, 'plain', ', ')}\nStopp: {s.stop}\n"
            + _lev(s, "Hebel: {lev}x"))


def _thousands(s: Spec) -> str:
    return (f"{s.base}/USDT {_up(s)}\nEntry: {_n(s, s.entries, 'thousands', ' - ')}\n"
            + _numbered(s.targets, "TP{i}: {v}", "thousands") + f"\nSL: {_s(s, 'thousands')}")


def _lev_x(s: Spec) -> str:
    return (f"{s.base}/USDT {_up(s)}\nLev x{s.leverage}\n"
            f"Entry: {_n(s, s.entries, 'plain', ' - ')}\n"
            + _numbered(s.targets, "Target {i}: {v}") + f"\nStop Loss: {s.stop}")


def _cmp(s: Spec) -> str:
    return (f"#{s.base} {_up(s)}\nEntry: CMP\nTargets: {_n(s, s.targets, 'plain', ' - ')}\n"
            f"SL: {s.stop}\nLeverage {s.leverage}x")


def _buy_now(s: Spec) -> str:
    return (f"BUY ${s.base} now 🚀\nTargets: {_n(s, s.targets, 'plain', ', ')}\nStop: {s.stop}\n"
            "Spot only")


def _emoji_heavy(s: Spec) -> str:
    return (f"🔥🔥 #{s.base}/USDT 🔥🔥\n📈 Direction: {_up(s)} 📈\n"
            f"💰 Entry Price: {_n(s, s.entries, 'plain', ' - ')}\n"
            + _numbered(s.targets, "✅ Take Profit {i}: {v}") + f"\n⛔️ Stop Loss: {s.stop}")


def _pair_label(s: Spec) -> str:
    return (f"Pair: {s.base}/USDT\nPosition: {_cap(s)}\nEntry Price: {s.entries[0]}\n"
            f"Take Profit: {s.targets[0]}\nStop Loss: {s.stop}\nLeverage: {s.leverage}x")


def _breakout(s: Spec) -> str:
    word = "above" if s.side == "long" else "below"
    return (f"#{s.base}/USDT ({_cap(s)})\nEnter {word} {s.entries[0]}\n"
            f"Targets: {_n(s, s.targets, 'plain', ' - ')}\nStop: {s.stop}")


def _lower_perp(s: Spec) -> str:
    return (f"{s.base}USDT.P 15m {s.side}\nentry {_n(s, s.entries, 'plain', ' ')}\n"
            f"tp {_n(s, s.targets, 'plain', ' ')}\nsl {s.stop}")


def _spot_zone(s: Spec) -> str:
    return (f"🟢 {s.base}/USDT BUY SPOT\nBuy Zone: {_n(s, s.entries, 'plain', ' - ')}\n"
            f"Sell Targets: {_n(s, s.targets, 'plain', ' / ')}\nStop: {s.stop}")


def _coin_side(s: Spec) -> str:
    return (f"Coin: {s.base}\nSide: {'BUY' if s.side == 'long' else 'SELL'}\n"
            f"Entry: {_n(s, s.entries, 'plain', '-')}\nTP: {_n(s, s.targets, 'plain', ', ')}\n"
            f"SL: {s.stop}\nCross {s.leverage}x")


def _keycaps(s: Spec) -> str:
    keys = ["1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣"]
    lines = "\n".join(f"{keys[i]} {v}" for i, v in enumerate(s.targets))
    return (f"#{s.base}USDT | {_up(s)}\nEntry zone: {_n(s, s.entries, 'plain', ' - ')}\n"
            f"Targets:\n{lines}\nStop: {s.stop}\nIsolated {s.leverage}X")


def _inline_numbered(s: Spec) -> str:
    targets = " ".join(f"{i}) {v}" for i, v in enumerate(s.targets, 1))
    return (f"{_up(s)} {s.base}/USDT\nEntries: {_n(s, s.entries, 'plain', ' & ')}\n"
            f"Targets: {targets}\nStop loss: {s.stop}")


def _percent(s: Spec) -> str:
    sign = "+" if s.side == "long" else "-"
    lines = "\n".join(f"TP{i}: {v} ({sign}{i * 3}%)" for i, v in enumerate(s.targets, 1))
    return (f"#{s.base}/USDT {_up(s)}\nEntry: {_n(s, s.entries, 'plain', ' - ')}\n{lines}\n"
            f"SL: {s.stop} (-5%)\n{_lev(s, 'Leverage: {lev}x')}")


def _many(s: Spec) -> str:
    return (f"{_cap(s)} #{s.base}\n\nEntry: {_n(s, s.entries, 'plain', ' - ')}\n\n"
            f"TP: {_n(s, s.targets, 'plain', ' - ')}\n\nSL: {s.stop}\n\n"
            f"Leverage: {s.leverage}x - {min(125, (s.leverage or 1) * 2)}x")


def _pipes(s: Spec) -> str:
    emoji = "🟢" if s.side == "long" else "🔴"
    return (f"{emoji} {_up(s)} {emoji}\n#{s.base}/USDT\n"
            f"Entry zone: {_n(s, s.entries, 'plain', ' - ')}"
            f"\nTakeProfit: {_n(s, s.targets, 'plain', ' | ')}\nStopLoss: {s.stop}")


def _futures_dir(s: Spec) -> str:
    return (f"{s.base}/USDT (Futures)\nDirection: {_cap(s)}\nEntry: {s.entries[0]}\n"
            f"TP: {_n(s, s.targets, 'plain', ' ')}\nSL: {s.stop}\nLev: {s.leverage}x")


def _newline_targets(s: Spec) -> str:
    return (f"#{s.base}/USDT {_up(s)}\n\nEntry:\n{_n(s, s.entries, 'plain', chr(10))}\n\n"
            f"Targets:\n{_n(s, s.targets, 'plain', chr(10))}\n\nStop:\n{s.stop}")


def _sl_slash(s: Spec) -> str:
    return (f"#{s.base} {_cap(s)}\nEntry @ {s.entries[0]}\nTPs: {_n(s, s.targets, 'plain', ' - ')}"
            f"\nS/L: {s.stop}")


def _entry_numbered(s: Spec) -> str:
    return (f"{_up(s)} — {s.base}/USDT\n" + _numbered(s.entries, "Entry {i}: {v}") + "\n"
            + _numbered(s.targets, "Target {i} - {v}")
            + f"\nStop: {s.stop}\nLeverage: {s.leverage}")


def _buy_between(s: Spec) -> str:
    return (f"${s.base} — BUY (spot)\nBuy between {s.entries[0]} and {s.entries[1]}\n"
            f"Sell targets: {_n(s, s.targets, 'plain', ' - ')}\nStop-Loss: {s.stop}")


def _hash_long(s: Spec) -> str:
    return (f"#{_up(s)} #{s.base}USDT\n#Binance #Futures\n\n"
            f"Entry: {_n(s, s.entries, 'plain', ' - ')}"
            f"\nTake-Profit: {_n(s, s.targets, 'plain', ' - ')}\nStop-Loss: {s.stop}\n"
            f"Leverage: Isolated {s.leverage}x")


def _bybit_style(s: Spec) -> str:
    return (f"📊 {s.base}/USDT\n{'🟢 Long' if s.side == 'long' else '🔴 Short'} | "
            f"Cross {s.leverage}x\n\n📥 Entry: {_n(s, s.entries, 'plain', ' — ')}\n"
            + _numbered(s.targets, "🎯 TP {i} - {v}") + f"\n🛑 SL {s.stop}")


def _fx_spaced(s: Spec) -> str:
    return (f"{s.base}/USDT  {_up(s)}\n\nENTRY  :  {_n(s, s.entries, 'plain', '  -  ')}\n"
            + _numbered(s.targets, "T{i}  :  {v}") + f"\nSTOP  :  {s.stop}")


def _spot(s: Spec) -> str | None:
    return "spot"


def _fut(s: Spec) -> str | None:
    return "futures"


TEMPLATES: tuple[Template, ...] = (
    Template("binance_killers", _bk, leverage=True),
    Template("cornix_buy_sell", _cornix_buy_sell, sides=("long",), leverage=False),
    Template("cornix_lists", _cornix_lists, market=_fut, leverage=True),
    Template("fed_russian_insiders", _fri, leverage=True),
    Template("one_line", _oneline, leverage=True, targets=(2, 4)),
    Template("dollar_tp_numbered", _dollar_tp, leverage=False),
    Template("dash_pair_spot", _dash_spot, market=_spot, sides=("long",), leverage=False),
    Template("russian", _ru, style="comma"),
    Template("russian_2", _ru2, targets=(2, 4)),
    Template("spanish", _es),
    Template("portuguese_spot", _pt, market=_spot, sides=("long",), leverage=False, style="comma"),
    Template("turkish", _tr),
    Template("vietnamese", _vi),
    Template("german", _de),
    Template("thousands", _thousands, leverage=False, style="thousands"),
    Template("lev_x", _lev_x, leverage=True),
    Template("entry_cmp", _cmp, leverage=True, market_entry=True, entries=(0, 0)),
    Template("buy_now_spot", _buy_now, market=_spot, sides=("long",), leverage=False,
             market_entry=True, entries=(0, 0)),
    Template("emoji_heavy", _emoji_heavy, leverage=False),
    Template("pair_label", _pair_label, leverage=True, entries=(1, 1), targets=(1, 1)),
    Template("breakout", _breakout, leverage=False, entries=(1, 1)),
    Template("lowercase_perp", _lower_perp, market=_fut, leverage=False),
    Template("spot_buy_zone", _spot_zone, market=_spot, sides=("long",), leverage=False),
    Template("coin_side_label", _coin_side, leverage=True),
    Template("keycap_targets", _keycaps, leverage=True),
    Template("inline_numbered", _inline_numbered, leverage=False),
    Template("percent_annotated", _percent),
    Template("leverage_range", _many, leverage=True, entries=(1, 3)),
    Template("pipes", _pipes, leverage=False),
    Template("futures_direction", _futures_dir, market=_fut, leverage=True, entries=(1, 1)),
    Template("newline_lists", _newline_targets, leverage=False),
    Template("s_slash_l", _sl_slash, leverage=False, entries=(1, 1)),
    Template("entry_numbered", _entry_numbered, leverage=True, entries=(1, 3)),
    Template("buy_between_spot", _buy_between, market=_spot, sides=("long",), leverage=False,
             entries=(2, 2)),
    Template("hashtag_side", _hash_long, market=_fut, leverage=True),
    Template("bybit_emoji", _bybit_style, leverage=True),
    Template("fx_spaced", _fx_spaced, leverage=False),
)

COINS = (
    "BTC", "ETH", "SOL", "XRP", "DOGE", "ADA", "AVAX", "LINK", "DOT", "MATIC", "1000PEPE",
    "1INCH", "SHIB", "1000SHIB", "ARB", "OP", "INJ", "SUI", "APT", "SEI", "TIA", "WLD", "FET",
    "RNDR", "NEAR",
    "ATOM", "LTC", "BCH", "ETC", "FIL", "ICP", "HBAR", "KAS", "TON", "JUP", "PYTH", "BONK", "WIF",
    "FLOKI", "1000SATS", "ORDI", "STX", "IMX", "GALA", "SAND", "MANA", "AXS", "CHZ", "ENS", "LDO",
    "AAVE", "UNI", "CRV", "DYDX", "GMX", "PENDLE", "STRK", "ZRO", "NOT", "PEOPLE", "TURBO", "MEME",
)
SCALES = ("0.00001234", "0.0004567", "0.01234", "0.1234", "1.234", "12.34", "145.6", "2345",
          "65000")


def sig(value: Decimal, digits: int = 5) -> str:
    """`value` rounded to `digits` significant digits, written plainly without trailing zeros."""
    exponent = value.adjusted() - digits + 1
    rounded = value.quantize(Decimal(1).scaleb(exponent))
    text = format(rounded.normalize(), "f")
    return text


def make_spec(rng: random.Random, template: Template, base: str, scale: Decimal) -> Spec:
    """A consistent random trade call that fits `template`'s constraints."""
    side = rng.choice(template.sides)
    sign = 1 if side == "long" else -1
    entry = scale * Decimal(str(round(rng.uniform(0.8, 1.25), 3)))
    n_entries = rng.randint(*template.entries)
    entries = [entry * (1 - sign * Decimal("0.015") * i) for i in range(n_entries)]
    n_targets = rng.randint(*template.targets)
    step = Decimal(str(round(rng.uniform(0.012, 0.04), 3)))
    targets = [entry * (1 + sign * step * i) for i in range(1, n_targets + 1)]
    low_end = entries[-1] if entries else entry
    stop = low_end * (1 - sign * Decimal(str(round(rng.uniform(0.02, 0.08), 3))))
    if template.leverage is True or (template.leverage is None and rng.random() < 0.5):
        leverage: int | None = rng.choice((2, 3, 5, 10, 15, 20, 25, 31, 50, 75))
    else:
        leverage = None
    return Spec(base, side, tuple(_plain(v, template) for v in entries),
                tuple(_plain(v, template) for v in targets), _plain(stop, template), leverage)


def _plain(value: Decimal, template: Template) -> str:
    text = sig(value)
    head, _, tail = text.partition(".")
    if template.style == "comma" and len(tail) == 3 and head != "0":
        text = sig(value, len(head) + 2)  # "1,234" would read as thousands: write two decimals
    return text


def expected(template: Template, spec: Spec) -> dict[str, object]:
    """The labelled parse of `template` rendered with `spec`: what the parser must return."""
    return {
        "symbol": f"{spec.base}/{spec.quote}",
        "side": spec.side,
        "entries": list(spec.entries),
        "entry_is_market": template.market_entry,
        "targets": list(spec.targets),
        "stop_loss": spec.stop,
        "leverage": spec.leverage,
        "market": template.market(spec),
    }
