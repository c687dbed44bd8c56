"""Small builders for domain tests: a worked-example plan, users, signals and times.

Users are always built through pydantic validation (never by assigning to a field, which
pydantic does not re-validate), so a NaN or a negative setting fails here as it would at the
API rather than slipping into a rule.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from verzek.domain.dca import DcaParams
from verzek.domain.models import (
    ExchangeAccount,
    PlanName,
    Side,
    Subscription,
    TradingMode,
    User,
    UserSettings,
)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def account(n: int = 1, mode: TradingMode = TradingMode.DEMO, enabled: bool = True,
            now: datetime = T0) -> ExchangeAccount:
    """Exchange account a<n> of user u1, created n days after the 10th day before `now`."""
    return ExchangeAccount(id=f"a{n}", user_id="u1", exchange="binance", mode=mode,
                           enabled=enabled, created_at=now - timedelta(days=10 - n))


def make_user(plan: PlanName = PlanName.VIP, *, now: datetime = T0,
              **settings: dict[str, Any]) -> User:
    """User u1 on `plan` with auto-trade on; `settings` update sections, e.g.
    risk={"max_position_usdt": 100}. Every value goes through validation."""
    sections = UserSettings().model_dump()
    sections["general"]["auto_trade"] = True
    for section, values in settings.items():
        sections[section].update(values)
    return User.model_validate({
        "id": "u1", "email": "u@example.com", "created_at": now - timedelta(days=30),
        "subscription": Subscription(plan=plan, started_at=now - timedelta(days=1)),
        "settings": sections, "exchange_accounts": [account(now=now)],
    })


def with_fields(user: User, **fields: Any) -> User:
    """A copy of `user` with top-level fields changed, validated again (model_copy alone does
    not validate)."""
    return User.model_validate({**user.model_dump(), **fields})


def worked_params(**overrides: Any) -> DcaParams:
    """The issue's worked example: long, 100 / 50, 1.5 %, ×1.2 steps, ×1.5 volume, 5 levels."""
    values: dict[str, Any] = dict(
        side=Side.LONG, entry_price=Decimal(100), base_order_usdt=Decimal(100),
        safety_order_usdt=Decimal(50), max_safety_orders=5, deviation_pct=Decimal("1.5"),
        step_scale=Decimal("1.2"), volume_scale=Decimal("1.5"), take_profit_pct=Decimal(2),
    )
    values.update(overrides)
    return DcaParams(**values)


@pytest.fixture
def t0() -> datetime:
    return T0
