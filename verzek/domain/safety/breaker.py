"""Circuit breakers: record trade results and exchange errors, trip, cool down, reset.

A user's breaker sees only that user's results and the refusals of that user's own orders
(funds, keys, an order's shape), so one user's losses or refusals never pause another.
The platform breaker trips on a burst of one exchange's rejections the engine cannot explain
(and, when `transient_error_burst` is set, of its transient failures); every venue is counted
apart, paper ("paper:<name>") apart from live, and a paper venue never trips it.
Functions return new breakers.
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
MAX_ERROR_EVENTS = 1000  # kept per breaker within the window (an outage must not grow it)


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
    capital_usdt: Decimal | None, now: datetime,
) -> Breaker:
    """Add a closed trade's realised PnL; trips on loss ≥ `loss_pct` % of capital within the
    window (net of wins in it) or on `max_consecutive_losses` losses in a row. While tripped,
    results are not counted: after the cooldown the breaker starts from a clean slate.

    `capital_usdt` is the balance after this trade; the loss is measured against the capital
    the window started with (that balance less the window's net result), as the daily loss
    limit is: against the balance after the losses, each loss shrank the limit (10 % of 6.61
    USDT, for a balance the losses had emptied). None (the balance could not be read): the
    result still counts, measured against the latest capital a result in the window carried."""
    pnl = to_decimal("pnl_usdt", pnl_usdt)
    after = None if capital_usdt is None else positive("capital_usdt", capital_usdt)
    breaker = _settle(breaker, now)
    if breaker.is_tripped(now):
        return breaker
    since = now - timedelta(seconds=thresholds.loss_window_s)
    results = [r for r in breaker.results if r.at > since]
    loss = -sum((r.pnl_usdt for r in results), pnl)
    capital: Decimal | None
    if after is not None:
        capital = after + loss if after + loss > 0 else after
    else:
        capital = next((r.capital_usdt for r in reversed(results)
                        if r.capital_usdt is not None), None)
    results.append(TradeResult(at=now, pnl_usdt=pnl, capital_usdt=capital))
    consecutive = breaker.consecutive_losses + 1 if pnl < 0 else 0
    if capital is not None and loss >= capital * thresholds.loss_pct / HUNDRED:
        return trip(breaker, code="breaker_loss", now=now, cooldown_s=thresholds.cooldown_s,
                    reason=f"realised loss of {loss:.2f} USDT within {thresholds.loss_window_s} "
                    f"s reached {thresholds.loss_pct}% of the capital ({capital:.2f} USDT)")
    if consecutive >= thresholds.max_consecutive_losses:
        return trip(breaker, code="breaker_consecutive_losses", now=now,
                    cooldown_s=thresholds.cooldown_s,
                    reason=f"{_count_of(consecutive, 'losing trade')} in a row")
    return breaker.model_copy(update={"results": results, "consecutive_losses": consecutive})


def _count_of(count: int, noun: str) -> str:
    """"1 losing trade", "3 losing trades"."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _window(breaker: Breaker, thresholds: BreakerThresholds, event: ExchangeErrorEvent,
            now: datetime) -> list[ExchangeErrorEvent]:
    since = now - timedelta(seconds=thresholds.error_window_s)
    errors = [e for e in breaker.errors if e.at > since]
    errors.append(event)
    return errors[-MAX_ERROR_EVENTS:]


def _count(errors: list[ExchangeErrorEvent], exchange: str, transient: bool) -> int:
    return sum(1 for e in errors if e.exchange == exchange and e.transient is transient)


def record_error(
    breaker: Breaker, thresholds: BreakerThresholds, *, exchange: str, now: datetime,
    transient: bool = False, paper: bool = False,
) -> Breaker:
    """Add an exchange error of the venue `exchange`; trips when one venue rejects
    `error_burst` times within `error_window_s` seconds, or fails transiently
    `transient_error_burst` times (when set). A `paper` venue is counted, never trips."""
    breaker = _settle(breaker, now)
    if breaker.is_tripped(now):
        return breaker
    errors = _window(breaker, thresholds,
                     ExchangeErrorEvent(exchange=exchange, at=now, transient=transient), now)
    count = _count(errors, exchange, transient)
    limit = thresholds.transient_error_burst if transient else thresholds.error_burst
    if not paper and limit is not None and count >= limit:
        what = "failed transiently on" if transient else "rejected"
        return trip(breaker, code="breaker_exchange_errors", now=now,
                    cooldown_s=thresholds.cooldown_s,
                    reason=f"{exchange} {what} {_count_of(count, 'request')} within "
                    f"{thresholds.error_window_s} s")
    return breaker.model_copy(update={"errors": errors})


def record_refusal(
    breaker: Breaker, thresholds: BreakerThresholds, *, exchange: str, now: datetime,
) -> Breaker:
    """Add a refusal of one of the user's own orders (funds, keys, the order's shape) to that
    user's breaker; trips it when `error_burst` come within `error_window_s` seconds."""
    breaker = _settle(breaker, now)
    if breaker.is_tripped(now):
        return breaker
    errors = _window(breaker, thresholds, ExchangeErrorEvent(exchange=exchange, at=now), now)
    count = _count(errors, exchange, False)
    if count >= thresholds.error_burst:
        return trip(breaker, code="breaker_order_refusals", now=now,
                    cooldown_s=thresholds.cooldown_s,
                    reason=f"{exchange} refused {count} of your orders within "
                    f"{thresholds.error_window_s} s")
    return breaker.model_copy(update={"errors": errors})
