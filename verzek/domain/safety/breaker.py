"""Circuit breakers: record trade results and exchange errors, trip, cool down, reset.

A user's breaker sees only that user's results, so one user's losses never pause another.
The platform breaker trips on a burst of exchange rejections. Functions return new breakers.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from verzek.domain.numeric import positive, to_decimal
from verzek.domain.safety.state import (
    Breaker,
    BreakerThresholds,
    ExchangeErrorEvent,
    TradeResult,
)

HUNDRED = Decimal(100)


def trip(breaker: Breaker, *, code: str, reason: str, now: datetime,
         cooldown_s: int | None) -> Breaker:
    """The breaker tripped at `now`; its window is cleared so it does not re-trip at once."""
    until = None if cooldown_s is None else now + timedelta(seconds=cooldown_s)
    return Breaker(tripped_at=now, until=until, code=code, reason=reason)


def reset(breaker: Breaker) -> Breaker:
    """An admin reset: untripped, counters cleared."""
    return Breaker()


def _settle(breaker: Breaker, now: datetime) -> Breaker:
    """A breaker whose cooldown ended starts again from a clean slate."""
    if breaker.tripped_at is not None and not breaker.is_tripped(now):
        return Breaker()
    return breaker


def record_trade(
    breaker: Breaker, thresholds: BreakerThresholds, *, pnl_usdt: Decimal,
    capital_usdt: Decimal, now: datetime,
) -> Breaker:
    """Add a closed trade's realised PnL; trips on loss ≥ `loss_pct` % of capital within the
    window (net of wins in it) or on `max_consecutive_losses` losses in a row."""
    pnl = to_decimal("pnl_usdt", pnl_usdt)
    capital = positive("capital_usdt", capital_usdt)
    breaker = _settle(breaker, now)
    if breaker.is_tripped(now):
        return breaker
    since = now - timedelta(seconds=thresholds.loss_window_s)
    results = [r for r in breaker.results if r.at > since]
    results.append(TradeResult(at=now, pnl_usdt=pnl, capital_usdt=capital))
    consecutive = breaker.consecutive_losses + 1 if pnl < 0 else 0
    loss = -sum((r.pnl_usdt for r in results), Decimal(0))
    limit = capital * thresholds.loss_pct / HUNDRED
    if loss >= limit:
        return trip(breaker, code="breaker_loss", now=now, cooldown_s=thresholds.cooldown_s,
                    reason=f"realised loss of {loss} USDT within {thresholds.loss_window_s} s "
                    f"reached {thresholds.loss_pct}% of the capital ({capital} USDT)")
    if consecutive >= thresholds.max_consecutive_losses:
        return trip(breaker, code="breaker_consecutive_losses", now=now,
                    cooldown_s=thresholds.cooldown_s,
                    reason=f"{consecutive} losing trades in a row")
    return breaker.model_copy(update={"results": results, "consecutive_losses": consecutive})


def record_error(
    breaker: Breaker, thresholds: BreakerThresholds, *, exchange: str, now: datetime
) -> Breaker:
    """Add an exchange rejection; trips when one exchange rejects `error_burst` times within
    `error_window_s` seconds."""
    breaker = _settle(breaker, now)
    if breaker.is_tripped(now):
        return breaker
    since = now - timedelta(seconds=thresholds.error_window_s)
    errors = [e for e in breaker.errors if e.at > since]
    errors.append(ExchangeErrorEvent(exchange=exchange, at=now))
    count = sum(1 for e in errors if e.exchange == exchange)
    if count >= thresholds.error_burst:
        return trip(breaker, code="breaker_exchange_errors", now=now,
                    cooldown_s=thresholds.cooldown_s,
                    reason=f"{exchange} rejected {count} requests within "
                    f"{thresholds.error_window_s} s")
    return breaker.model_copy(update={"errors": errors})
