"""TradingView alerts sent as JSON in the shape alert templates use ({"ticker": "{{ticker}}",
"action": "{{strategy.order.action}}", "price": "{{close}}", "tp": ..., "sl": ...}), read as the
one-line call they stand for ("BINANCE:BTCUSDT.P buy 65000 TP 66000 SL 64000"), which the
message parser then reads like any other: one reader, one set of refusals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

# each part of the call, with the names alert templates give it (lower case, first found wins)
FIELDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("coin", ("ticker", "symbol", "pair", "coin", "instrument")),
    ("side", ("action", "side", "direction", "order_action", "signal", "position")),
    ("entry", ("entry", "price", "entry_price", "limit", "close")),
    ("targets", ("tp", "tps", "take_profit", "takeprofit", "targets", "target", "tp1")),
    ("stop", ("sl", "stop", "stop_loss", "stoploss", "sl_price")),
    ("leverage", ("leverage", "lev")),
)
OUR_KEYS = frozenset({"text", "signal"})  # our own shapes: validated as they are
MAX_VALUE = 64  # one value's characters: a price, a ticker, a word


def is_alert(body: Any) -> bool:
    """A JSON object in an alert template's shape rather than one of ours."""
    if not isinstance(body, dict):
        return False
    lower = {str(k).lower(): v for k, v in body.items()}
    symbol = lower.get("symbol")
    if OUR_KEYS & lower.keys() or (isinstance(symbol, str) and "/" in symbol):
        return False  # ours: {"text"}, {"signal"}, or a structured signal on "BTC/USDT"
    return bool(lower.keys() & set(FIELDS[0][1])) and bool(lower.keys() & set(FIELDS[1][1]))


def alert_text(body: dict[str, Any]) -> str:
    """The one-line call an alert stands for; a value of the wrong kind (an object, a very
    long string) is left out, so the parser refuses what is missing with its own reason."""
    lower = {str(k).lower(): v for k, v in body.items()}
    parts: dict[str, list[str]] = {}
    for part, names in FIELDS:
        value = next((lower[n] for n in names if n in lower), None)
        values = value if isinstance(value, list) else [value]
        words = [_word(v) for v in values
                 if isinstance(v, str | int | float | Decimal) and not isinstance(v, bool)
                 and 0 < len(_word(v)) <= MAX_VALUE]
        if words:
            parts[part] = words
    line = [*parts.get("coin", [])[:1], *parts.get("side", [])[:1], *parts.get("entry", [])[:1]]
    if "targets" in parts:
        line += ["TP", *parts["targets"]]
    if "stop" in parts:
        line += ["SL", parts["stop"][0]]
    if "leverage" in parts:
        line += [f"Leverage {parts['leverage'][0].rstrip('xX')}x"]
    return " ".join(line)


def _word(value: str | int | float | Decimal) -> str:
    """A value as written: a JSON number is read as a Decimal ("65000.5"), in plain notation."""
    return format(value, "f") if isinstance(value, Decimal) else str(value).strip()
