"""Rules on who may trade: auto-trade switch, user pause, plan features and the account."""

from __future__ import annotations

from verzek.domain.decision import Decision
from verzek.domain.models import ExchangeAccount, MarketType, Side, TradingMode, User
from verzek.domain.plans import allowed_dca_levels, dca_cap_note, wanted_dca_levels
from verzek.domain.risk.context import RiskContext


def auto_trade_enabled(ctx: RiskContext) -> Decision:
    """The user switched auto-trading on."""
    if not ctx.user.settings.general.auto_trade:
        return Decision.deny("auto_trade_off", "Auto-trading is switched off in your settings.")
    return Decision.allow("auto_trade_on", "Auto-trading is on.")


def user_not_paused(ctx: RiskContext) -> Decision:
    """The user is not paused (by themselves, an admin or the daily-loss limit)."""
    user = ctx.user
    if user.paused and (user.paused_until is None or ctx.now < user.paused_until):
        until = f" until {user.paused_until.isoformat()}" if user.paused_until else ""
        return Decision.deny("user_paused", f"Your trading is paused{until}.",
                             paused_until=user.paused_until)
    return Decision.allow("user_active", "Your trading is not paused.")


def plan_allows_trade(ctx: RiskContext) -> Decision:
    """The plan allows auto-trading, and live trading when the account is live."""
    plan = ctx.features
    if not plan.auto_trade:
        return Decision.deny("plan_no_auto_trade",
                             f"The {plan.name.value} plan does not include auto-trading.")
    if ctx.mode is TradingMode.LIVE and not plan.live_trading:
        return Decision.deny("plan_no_live_trading",
                             f"The {plan.name.value} plan trades in demo only; upgrade to trade "
                             "live.")
    return Decision.allow("plan_allows_trade", f"The {plan.name.value} plan allows this trade.")


def plan_allows_dca(ctx: RiskContext) -> Decision:
    """The DCA levels the engine places fit the plan. The engine plans them from the settings
    as the plan applies them (`plans.effective_dca`): DCA set on a plan without DCA automation
    trades without levels, more levels than the plan allows are capped — both allowed, and
    said. A plan built beyond the plan (which the engine never does) is refused: a guard."""
    plan = ctx.features
    built = ctx.dca_plan.safety_order_count if ctx.dca_plan is not None else 0
    if built and not plan.dca_automation:
        return Decision.deny("plan_no_dca",
                             f"The {plan.name.value} plan does not include DCA automation.")
    if built > plan.max_dca_levels:
        return Decision.deny(
            "plan_dca_levels", f"{built} DCA levels planned; the {plan.name.value} plan allows "
            f"at most {plan.max_dca_levels}.", levels=built, limit=plan.max_dca_levels)
    dca = ctx.user.settings.dca
    note = dca_cap_note(dca, plan)
    if note is not None:
        code = "dca_not_in_plan" if not plan.dca_automation else "dca_capped"
        return Decision.allow(code, note, levels=allowed_dca_levels(dca, plan),
                              wanted=wanted_dca_levels(dca))
    if not wanted_dca_levels(dca):
        return Decision.allow("no_dca", "No DCA levels are planned.")
    return Decision.allow("dca_allowed", f"{wanted_dca_levels(dca)} DCA levels are within the "
                          "plan.")


def spot_no_short(ctx: RiskContext) -> Decision:
    """A short needs a futures account: on spot, selling would sell coins the user holds (an
    open long's) rather than open a short."""
    if ctx.market is MarketType.SPOT and ctx.signal.side is Side.SHORT:
        account = f" {ctx.account.label or ctx.account.id}" if ctx.account else ""
        return Decision.deny(
            "spot_no_short", f"Spot accounts cannot short; the {ctx.signal.symbol} short is not "
            f"traded on spot account{account}. Trade shorts on a futures account.")
    return Decision.allow("side_ok", f"A {ctx.signal.side.value} can be traded on "
                          f"{ctx.market.value}.")


def on_paper(user: User, account: ExchangeAccount) -> bool:
    """Demo users, and demo accounts, trade on paper: the identical pipeline, no real orders
    (where a NEW position opens; an existing one stays where it opened)."""
    return user.settings.general.mode is TradingMode.DEMO or account.mode is TradingMode.DEMO


def exchange_account_usable(ctx: RiskContext) -> Decision:
    """An enabled account, and one within the plan's number of accounts (the default account
    first, then the oldest)."""
    account = ctx.account
    if account is None:
        return Decision.deny("no_account", "No exchange account is chosen for this trade.")
    name = account.label or account.id
    if not account.enabled or account.status == "disabled":
        return Decision.deny("account_disabled", f"Exchange account {name} is disabled.")
    if account.status == "failed" and not on_paper(ctx.user, account):  # paper needs no keys
        return Decision.deny(
            "account_keys_failed", f"The API keys of exchange account {name} failed their "
            f"last check ({account.status_message or 'refused'}): fix them and verify the "
            "account again.")
    # the plan's accounts: the user's default first, then the oldest (a plan changed down
    # leaves more enabled than it allows; the one the user trades on by default stays usable)
    default = ctx.user.settings.general.default_account_id
    enabled = sorted((a for a in ctx.user.exchange_accounts if a.enabled),
                     key=lambda a: (a.id != default, a.created_at, a.id))
    allowed_ids = {a.id for a in enabled[: ctx.features.max_exchange_accounts]}
    # a demo user's implicit paper account (no account of theirs for the market) is no account
    # of the plan's number
    if account.id in {a.id for a in enabled} and account.id not in allowed_ids:
        return Decision.deny(
            "plan_account_limit",
            f"The {ctx.features.name.value} plan allows {ctx.features.max_exchange_accounts} "
            f"exchange account(s); account {account.label or account.id} is beyond it.")
    return Decision.allow("account_ok", "The exchange account is enabled.")
