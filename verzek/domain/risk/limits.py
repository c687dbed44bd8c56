"""Rules on how much the user trades: concurrent positions, daily trades, daily loss."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from verzek.domain.decision import Decision
from verzek.domain.risk.context import RiskContext

HUNDRED = Decimal(100)


def next_utc_day(now: datetime) -> datetime:
    """Midnight UTC after `now`: when a daily-loss pause ends and daily counters reset."""
    return (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)


def concurrent_positions(ctx: RiskContext) -> Decision:
    """Fewer open positions than `max_concurrent_positions`."""
    limit = ctx.user.settings.risk.max_concurrent_positions
    if ctx.open_positions >= limit:
        return Decision.deny("max_concurrent_positions",
                             f"You have {_count(ctx.open_positions, 'open position')}; the "
                             f"limit is {limit}.",
                             count=ctx.open_positions, limit=limit)
    return Decision.allow("concurrent_ok", f"{ctx.open_positions} of {limit} positions open.")


def daily_trades(ctx: RiskContext) -> Decision:
    """Fewer trades today (UTC) than `max_daily_trades`."""
    limit = ctx.user.settings.risk.max_daily_trades
    if ctx.daily_trades >= limit:
        return Decision.deny("max_daily_trades",
                             f"You made {_count(ctx.daily_trades, 'trade')} today; the limit "
                             f"is {limit}.",
                             count=ctx.daily_trades, limit=limit)
    return Decision.allow("daily_trades_ok", f"{ctx.daily_trades} of {limit} trades today.")


def daily_loss(ctx: RiskContext) -> Decision:
    """Today's realised loss is below `max_daily_loss_pct` % of the capital the day started
    with (the balance now less today's realised result: a limit that shrank with each loss
    allowed less than the user set); at or beyond it the user is paused until the next UTC
    day (`details["paused_until"]`)."""
    limit_pct = ctx.user.settings.risk.max_daily_loss_pct
    start_of_day = max(ctx.capital_usdt - ctx.daily_realised_pnl_usdt, Decimal(0))
    limit_usdt = start_of_day * limit_pct / HUNDRED
    loss_usdt = -ctx.daily_realised_pnl_usdt
    if loss_usdt >= limit_usdt:
        until = next_utc_day(ctx.now)
        # `pause_reason` is the cause alone, for the pause this starts: the pause's own message
        # says until when ("Your new positions are paused until …: today's loss …").
        cause = (f"today's loss of {loss_usdt:.2f} USDT reached your daily limit of "
                 f"{limit_pct}% of your capital ({limit_usdt:.2f} USDT)")
        return Decision.deny(
            "max_daily_loss", f"{cause[0].upper()}{cause[1:]}; new positions are paused until "
            f"{utc_text(until)}.", loss_usdt=loss_usdt, limit_usdt=limit_usdt,
            paused_until=until, pause_reason=cause)
    return Decision.allow("daily_loss_ok", "Today's loss is within the limit.")


def utc_text(moment: datetime) -> str:
    """A time for a sentence: 2026-11-30 00:00 UTC."""
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def _count(n: int, noun: str) -> str:
    """ "1 open position", "2 open positions"."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
