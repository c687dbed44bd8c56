"""Rules on the trade's size: leverage, size and minimum, caps, liquidation of the plan."""

from __future__ import annotations

from decimal import Decimal

from verzek.domain.decision import Decision
from verzek.domain.exits import is_crossed
from verzek.domain.models import MarketType
from verzek.domain.numeric import plain
from verzek.domain.risk.context import RiskContext
from verzek.domain.sizing import position_cap_usdt


def leverage_within_caps(ctx: RiskContext) -> Decision:
    """The leverage used is min(signal, user cap, plan cap, market's highest): never above a
    cap."""
    leverage = ctx.leverage
    wanted = ctx.signal.leverage
    if ctx.market is MarketType.FUTURES and wanted is not None and wanted > leverage:
        by = "the market's highest" if ctx.market_max_leverage == leverage and leverage < min(
            ctx.user.settings.risk.max_leverage, ctx.features.max_leverage) else \
            "your and your plan's caps"
        return Decision.allow("leverage_capped", f"Leverage reduced from {wanted}x to "
                              f"{leverage}x by {by}.", leverage=leverage)
    return Decision.allow("leverage_ok", f"Leverage {leverage}x.", leverage=leverage)


def position_size(ctx: RiskContext) -> Decision:
    """The base order's margin and fee fit what the account can spend now (its free balance,
    not what open positions hold), and every order meets the exchange minimum: each piece of
    a split entry, each DCA level."""
    size = ctx.base_order_usdt
    margin = size / ctx.leverage
    needed = margin + size * ctx.fee_rate
    free = ctx.capital_usdt if ctx.free_usdt is None else min(ctx.free_usdt, ctx.capital_usdt)
    if needed > free:
        held = "" if free == ctx.capital_usdt else \
            f" of your {ctx.capital_usdt:.2f} USDT ({ctx.capital_usdt - free:.2f} USDT is " \
            "held by open positions and orders)"
        what = f"costs {margin:.2f} USDT" if ctx.market is MarketType.SPOT else \
            f"needs {margin:.2f} USDT of margin"
        fee = f" plus {needed - margin:.2f} USDT of fees" if needed > margin else ""
        return Decision.deny("insufficient_capital", f"The order {what}{fee}; {free:.2f} USDT "
                             f"is free{held}.",
                             margin_usdt=margin, capital_usdt=ctx.capital_usdt, free_usdt=free)
    smallest = size
    strategy = ctx.user.settings.strategy
    signal = ctx.signal
    waiting = signal.entry_trigger is not None and bool(signal.entries) and \
        not is_crossed(signal.entry_trigger, signal.entries[0], ctx.current_price)
    if strategy.entry_type == "split" and signal.entries and not signal.entry_is_market \
            and not waiting:
        smallest = size / strategy.split_entries  # one order per piece (`_place_entry`)
    if ctx.dca_plan is not None and ctx.dca_plan.levels:
        smallest = min(smallest, *(level.quote for level in ctx.dca_plan.levels))
    if smallest < ctx.min_notional_usdt:
        return Decision.deny("below_min_notional", f"An order of {plain(smallest)} USDT is "
                             f"below the exchange minimum of {plain(ctx.min_notional_usdt)} "
                             "USDT; raise the position size.",
                             order_usdt=smallest, min_usdt=ctx.min_notional_usdt)
    return Decision.allow("size_ok", f"Base order {plain(size)} USDT.", size_usdt=size)


def _cap_check(code: str, what: str, used: Decimal, cap: Decimal | None) -> Decision | None:
    if cap is not None and used > cap:
        return Decision.deny(code, f"This trade would bring {what} to {plain(used)} USDT, "
                             f"above the cap of {plain(cap)} USDT.", used_usdt=used,
                             cap_usdt=cap)
    return None


def exposure_caps(ctx: RiskContext) -> Decision:
    """The planned notional (base order plus every planned DCA level) stays within the
    per-position, per-symbol and total-exposure caps; reaching a cap exactly is allowed."""
    risk = ctx.user.settings.risk
    planned = ctx.planned_investment_usdt
    position_cap = position_cap_usdt(ctx.user.settings)
    checks = (
        _cap_check("position_cap", "the position", planned, position_cap),
        _cap_check("symbol_cap", f"{ctx.signal.symbol} exposure",
                   ctx.symbol_exposure_usdt + planned, risk.max_symbol_exposure_usdt),
        _cap_check("total_exposure_cap", "your total exposure",
                   ctx.total_exposure_usdt + planned, risk.max_total_exposure_usdt),
    )
    for failure in checks:
        if failure is not None:
            return failure
    return Decision.allow("caps_ok", f"{plain(planned)} USDT fits every cap.", planned_usdt=planned)


def dca_within_liquidation(ctx: RiskContext) -> Decision:
    """No planned DCA level lies beyond liquidation, unless the user allowed it."""
    plan = ctx.dca_plan
    if plan is None or not plan.has_levels_beyond_liquidation:
        return Decision.allow("liquidation_ok", "Every DCA level fills before liquidation.")
    beyond = [lvl.level for lvl in plan.levels if lvl.beyond_liquidation]
    if ctx.user.settings.risk.allow_dca_beyond_liquidation:
        return Decision.allow("liquidation_accepted", f"DCA levels {beyond} lie beyond "
                              "liquidation; you allowed that.", levels=beyond)
    return Decision.deny("dca_beyond_liquidation", f"DCA levels {beyond} lie beyond the "
                         "liquidation price; lower the leverage or the levels.", levels=beyond)
