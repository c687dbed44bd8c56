"""ccxt helpers: unified markets into our `MarketInfo`, and ccxt's limiter on our clock."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from verzek.domain.models import MarketType
from verzek.exchanges.base import MarketInfo

DEFAULT_FUTURES_MAX_LEVERAGE = 20  # when the market list does not say (Binance's does not)


def dec(value: Any, default: Decimal | None = None) -> Decimal | None:
    """A Decimal from a ccxt number or string; floats go through str() to keep their digits."""
    if value is None or value == "":
        return default
    return Decimal(str(value))


def is_supported(m: dict[str, Any]) -> bool:
    """USDT spot markets and USDT-margined linear perpetuals only."""
    if m.get("quote") != "USDT" or m.get("active") is False:
        return False
    if m.get("spot"):
        return True
    return bool(m.get("swap") and m.get("linear") and m.get("settle") == "USDT")


def market_info_from_ccxt(m: dict[str, Any]) -> MarketInfo:
    precision = m.get("precision") or {}
    limits = m.get("limits") or {}
    is_spot = bool(m.get("spot"))
    leverage_max = (limits.get("leverage") or {}).get("max")
    return MarketInfo(
        symbol=m["symbol"],
        market_type=MarketType.SPOT if is_spot else MarketType.FUTURES,
        base=m["base"],
        quote=m["quote"],
        amount_step=dec(precision.get("amount"), Decimal("0.00000001")),  # type: ignore[arg-type]
        price_step=dec(precision.get("price"), Decimal("0.00000001")),  # type: ignore[arg-type]
        # No published minimum: one amount step is the least the exchange can take.
        min_amount=dec((limits.get("amount") or {}).get("min"))  # type: ignore[arg-type]
        or dec(precision.get("amount"), Decimal(0)),
        min_notional=dec((limits.get("cost") or {}).get("min"), Decimal(0)),  # type: ignore[arg-type]
        contract_size=dec(m.get("contractSize"), Decimal(1)),  # type: ignore[arg-type]
        taker_fee=dec(m.get("taker"), Decimal("0.001")),  # type: ignore[arg-type]
        maker_fee=dec(m.get("maker"), Decimal("0.001")),  # type: ignore[arg-type]
        max_leverage=1 if is_spot else int(leverage_max or DEFAULT_FUTURES_MAX_LEVERAGE),
        exchange_id=str(m.get("id", "")),
        leverage_stated=not is_spot and bool(leverage_max),
    )


def market_info_to_json(info: MarketInfo) -> dict[str, Any]:
    return {
        "symbol": info.symbol, "market_type": info.market_type.value, "base": info.base,
        "quote": info.quote, "amount_step": str(info.amount_step),
        "price_step": str(info.price_step), "min_amount": str(info.min_amount),
        "min_notional": str(info.min_notional), "contract_size": str(info.contract_size),
        "taker_fee": str(info.taker_fee), "maker_fee": str(info.maker_fee),
        "max_leverage": info.max_leverage, "exchange_id": info.exchange_id,
        "leverage_stated": info.leverage_stated,
    }


def market_info_from_json(d: dict[str, Any]) -> MarketInfo:
    return MarketInfo(
        symbol=d["symbol"], market_type=MarketType(d["market_type"]), base=d["base"],
        quote=d["quote"], amount_step=Decimal(d["amount_step"]),
        price_step=Decimal(d["price_step"]), min_amount=Decimal(d["min_amount"]),
        min_notional=Decimal(d["min_notional"]), contract_size=Decimal(d["contract_size"]),
        taker_fee=Decimal(d["taker_fee"]), maker_fee=Decimal(d["maker_fee"]),
        max_leverage=int(d["max_leverage"]), exchange_id=d.get("exchange_id", ""),
        leverage_stated=bool(d.get("leverage_stated", False)),
    )


def install_throttle(client: Any, *, monotonic: Callable[[], float],
                     sleeper: Callable[[float], None]) -> None:
    """Replace ccxt's limiter sleep (rateLimit ms x cost between requests) with ours.

    Same spacing as ccxt's sync `throttle`, timed by the injected clock and sleeper so tests
    never sleep for real. Callers serialise requests per client (ccxt's is not thread-safe).
    """
    last = [float("-inf")]

    def throttle(cost: float | None = None) -> None:
        gap_s = client.rateLimit * (1 if cost is None else cost) / 1000
        wait_s = gap_s - (monotonic() - last[0])
        if wait_s > 0:
            sleeper(wait_s)
        last[0] = monotonic()

    client.throttle = throttle
