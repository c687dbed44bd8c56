"""Plans table, effective plan at expiry, trials, Telegram groups and the allowed mode."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from verzek.domain.models import PlanName, Subscription, TradingMode, User, UserSettings
from verzek.domain.plans import (
    PLANS,
    allowed_mode,
    effective_plan,
    new_subscription,
    plan_features,
    subscribe,
    telegram_group,
)

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def user(subscription: Subscription, mode: TradingMode = TradingMode.DEMO) -> User:
    settings = UserSettings()
    settings.general.mode = mode
    return User(id="u1", email="u@example.com", created_at=T0, subscription=subscription,
                settings=settings)


def test_the_table_matches_the_issue() -> None:
    free, pro, vip = PLANS[PlanName.FREE], PLANS[PlanName.PRO], PLANS[PlanName.VIP]
    assert (free.telegram_group, free.trial_days, free.live_trading, free.dca_automation,
            free.max_exchange_accounts) == ("TRIAL", 3, False, False, 1)
    assert (pro.telegram_group, pro.live_trading, pro.auto_trade, pro.max_dca_levels,
            pro.max_exchange_accounts) == ("VIP", True, True, 3, 1)
    assert (vip.telegram_group, vip.live_trading, vip.max_dca_levels,
            vip.max_exchange_accounts) == ("VIP", True, 10, 5)
    assert plan_features(PlanName.PRO) is pro


def test_expired_plan_falls_back_to_free() -> None:
    sub = subscribe(PlanName.PRO, T0, days=30)
    assert effective_plan(sub, T0 + timedelta(days=30) - timedelta(seconds=1)).name is PlanName.PRO
    assert effective_plan(sub, T0 + timedelta(days=30)).name is PlanName.FREE
    assert effective_plan(subscribe(PlanName.VIP, T0, None), T0 + timedelta(days=9999)).name \
        is PlanName.VIP


def test_new_user_defaults() -> None:
    sub = new_subscription(T0)
    assert sub.plan is PlanName.FREE and sub.trial_ends_at == T0 + timedelta(days=3)
    settings = UserSettings()
    assert settings.general.auto_trade is False and settings.general.mode is TradingMode.DEMO


def test_trial_group_for_three_days() -> None:
    u = user(new_subscription(T0))
    assert telegram_group(u, T0 + timedelta(days=3) - timedelta(seconds=1)) == "TRIAL"
    assert telegram_group(u, T0 + timedelta(days=3)) is None
    legacy = user(Subscription())  # no trial end stored: counted from sign-up
    assert telegram_group(legacy, T0 + timedelta(days=2)) == "TRIAL"
    assert telegram_group(user(subscribe(PlanName.PRO, T0, 30)), T0) == "VIP"


def test_live_mode_needs_a_live_plan() -> None:
    assert allowed_mode(user(Subscription(), TradingMode.LIVE), T0) is TradingMode.DEMO
    paid = user(subscribe(PlanName.PRO, T0, 30), TradingMode.LIVE)
    assert allowed_mode(paid, T0) is TradingMode.LIVE
    assert allowed_mode(paid, T0 + timedelta(days=31)) is TradingMode.DEMO
