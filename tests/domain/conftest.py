"""Small builders for domain tests: a worked-example plan, users, signals and times."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from verzek.domain.dca import DcaParams
from verzek.domain.models import Side

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


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
