"""Subscription plans as one table of features, the effective plan at a time, and trials."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Literal

from verzek.domain.models import DcaSettings, PlanName, Subscription, TradingMode, User

TelegramGroup = Literal["TRIAL", "VIP"]


@dataclass(frozen=True, slots=True)
class PlanFeatures:
    """What a plan allows; risk rules read these, nothing branches on the plan's name."""

    name: PlanName
    auto_trade: bool
    live_trading: bool
    dca_automation: bool
    max_dca_levels: int
    max_exchange_accounts: int
    telegram_group: TelegramGroup
    trial_days: int  # days of access to `telegram_group` from sign-up; 0: for the whole plan
    max_leverage: int


PLANS: MappingProxyType[PlanName, PlanFeatures] = MappingProxyType({
    PlanName.FREE: PlanFeatures(
        name=PlanName.FREE, auto_trade=True, live_trading=False, dca_automation=False,
        max_dca_levels=0, max_exchange_accounts=1, telegram_group="TRIAL", trial_days=3,
        max_leverage=10,
    ),
    PlanName.PRO: PlanFeatures(
        name=PlanName.PRO, auto_trade=True, live_trading=True, dca_automation=True,
        max_dca_levels=3, max_exchange_accounts=1, telegram_group="VIP", trial_days=0,
        max_leverage=20,
    ),
    PlanName.VIP: PlanFeatures(
        name=PlanName.VIP, auto_trade=True, live_trading=True, dca_automation=True,
        max_dca_levels=10, max_exchange_accounts=5, telegram_group="VIP", trial_days=0,
        max_leverage=50,
    ),
})


def plan_features(name: PlanName) -> PlanFeatures:
    """The feature row of a plan."""
    return PLANS[PlanName(name)]


def is_expired(subscription: Subscription, now: datetime) -> bool:
    """Whether a paid subscription has reached its expiry (free never expires)."""
    return (
        subscription.plan is not PlanName.FREE
        and subscription.expires_at is not None
        and now >= subscription.expires_at
    )


def effective_plan(subscription: Subscription, now: datetime) -> PlanFeatures:
    """The plan in force at `now`: a lapsed paid plan falls back to free (no new entries on
    live, no DCA automation), while the engine keeps managing positions already open."""
    if is_expired(subscription, now):
        return PLANS[PlanName.FREE]
    return PLANS[subscription.plan]


def plan_caps(user: User, now: datetime) -> PlanFeatures:
    """The caps the risk rules apply to `user` at `now`."""
    return effective_plan(user.subscription, now)


def wanted_dca_levels(dca: DcaSettings) -> int:
    """How many safety orders the user's DCA settings ask for: the explicit levels (at most
    `max_safety_orders` of them) or `max_safety_orders` generated ones; 0 with DCA off."""
    if not dca.enabled:
        return 0
    return min(len(dca.levels), dca.max_safety_orders) if dca.levels else dca.max_safety_orders


def allowed_dca_levels(dca: DcaSettings, features: PlanFeatures) -> int:
    """How many safety orders the engine places under the plan: what the settings ask for,
    capped by the plan; 0 on a plan without DCA automation."""
    if not features.dca_automation:
        return 0
    return min(wanted_dca_levels(dca), features.max_dca_levels)


def effective_dca(dca: DcaSettings, features: PlanFeatures) -> DcaSettings:
    """The DCA settings as the engine applies them under the plan: off on a plan without DCA
    automation (a free or lapsed plan), at most the plan's number of levels otherwise."""
    allowed = allowed_dca_levels(dca, features)
    return dca.model_copy(update={"enabled": dca.enabled and allowed > 0,
                                  "max_safety_orders": allowed, "levels": dca.levels[:allowed]})


def dca_cap_note(dca: DcaSettings, features: PlanFeatures) -> str | None:
    """What the plan takes from the user's DCA settings, in a sentence, or None: all of it on
    a plan without DCA automation, the levels above its cap otherwise."""
    wanted = wanted_dca_levels(dca)
    plan = features.name.value
    if wanted and not features.dca_automation:
        return f"DCA is not part of the {plan} plan: traded without DCA levels."
    if wanted > features.max_dca_levels:
        return (f"DCA limited to {features.max_dca_levels} of the {wanted} levels set: the "
                f"{plan} plan allows {features.max_dca_levels}.")
    return None


def new_subscription(now: datetime, *, trial: bool = True) -> Subscription:
    """A new user's subscription: free, with the TRIAL group open for the trial days (none
    with `trial` False: an e-mail that had an account before has had its trial)."""
    days = PLANS[PlanName.FREE].trial_days if trial else 0
    return Subscription(plan=PlanName.FREE, started_at=now,
                        trial_ends_at=now + timedelta(days=days))


def subscribe(plan: PlanName, now: datetime, days: int | None) -> Subscription:
    """A subscription to `plan` from `now` for `days` (None: until cancelled)."""
    expires = None if days is None else now + timedelta(days=days)
    return Subscription(plan=plan, started_at=now, expires_at=expires)


def telegram_group(user: User, now: datetime) -> TelegramGroup | None:
    """The Telegram group the user may be in at `now`, or None once a free trial ended."""
    features = effective_plan(user.subscription, now)
    if features.trial_days == 0:
        return features.telegram_group
    trial_end = user.subscription.trial_ends_at or (
        user.created_at + timedelta(days=features.trial_days))
    return features.telegram_group if now < trial_end else None


def allowed_mode(user: User, now: datetime) -> TradingMode:
    """The user's trading mode as the plan allows it: live falls back to demo without it."""
    wanted = user.settings.general.mode
    if wanted is TradingMode.LIVE and not effective_plan(user.subscription, now).live_trading:
        return TradingMode.DEMO
    return wanted
