"""Pre-trade risk rules: one small function per rule, one `RiskRule` interface, run in order.

Each rule takes a `RiskContext` and returns a `Decision` with a machine code and a sentence,
so a user can later see why a trade was skipped. Rules decide; the engine acts.
"""

from __future__ import annotations

from verzek.domain.decision import Decision
from verzek.domain.risk.access import (
    auto_trade_enabled,
    exchange_account_usable,
    plan_allows_dca,
    plan_allows_trade,
    spot_no_short,
    user_not_paused,
)
from verzek.domain.risk.context import RiskContext, RiskRule
from verzek.domain.risk.exposure import (
    dca_within_liquidation,
    exposure_caps,
    leverage_within_caps,
    position_size,
)
from verzek.domain.risk.limits import concurrent_positions, daily_loss, daily_trades, next_utc_day
from verzek.domain.risk.market import (
    cooldown_passed,
    exits_ahead,
    normalise_symbol,
    not_duplicate,
    price_in_collar,
    signal_fresh,
    symbol_allowed,
    symbol_matches,
)
from verzek.domain.risk.stops import stop_within_liquidation

DEFAULT_RULES: tuple[RiskRule, ...] = (
    auto_trade_enabled,
    user_not_paused,
    plan_allows_trade,
    plan_allows_dca,
    exchange_account_usable,
    spot_no_short,
    symbol_allowed,
    not_duplicate,
    signal_fresh,
    concurrent_positions,
    daily_trades,
    daily_loss,
    cooldown_passed,
    leverage_within_caps,
    position_size,
    exposure_caps,
    dca_within_liquidation,
    stop_within_liquidation,
    price_in_collar,
    exits_ahead,
)


def evaluate_all(ctx: RiskContext, rules: tuple[RiskRule, ...] = DEFAULT_RULES) -> list[Decision]:
    """Every rule's decision, in order (for the signal record and the user's history)."""
    return [rule(ctx) for rule in rules]


def first_failure(ctx: RiskContext, rules: tuple[RiskRule, ...] = DEFAULT_RULES) -> Decision | None:
    """The first refusing decision, or None when every rule allows the trade."""
    for rule in rules:
        decision = rule(ctx)
        if not decision.allowed:
            return decision
    return None


def check(ctx: RiskContext, rules: tuple[RiskRule, ...] = DEFAULT_RULES) -> Decision:
    """One verdict: the first refusal, or an allow carrying the leverage and size to use."""
    failure = first_failure(ctx, rules)
    if failure is not None:
        return failure
    return Decision.allow("allowed", "Every risk rule allows this trade.",
                          leverage=ctx.leverage, size_usdt=ctx.base_order_usdt)


__all__ = [
    "DEFAULT_RULES", "Decision", "RiskContext", "RiskRule", "auto_trade_enabled", "check",
    "concurrent_positions", "cooldown_passed", "daily_loss", "daily_trades",
    "dca_within_liquidation", "evaluate_all", "exchange_account_usable", "exits_ahead",
    "exposure_caps", "first_failure", "leverage_within_caps", "next_utc_day", "normalise_symbol",
    "not_duplicate", "plan_allows_dca", "plan_allows_trade", "position_size", "price_in_collar",
    "signal_fresh", "spot_no_short", "stop_within_liquidation", "symbol_allowed",
    "symbol_matches", "user_not_paused",
]
