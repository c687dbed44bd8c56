"""Leverage, base-order size and cap room the engine uses for a new position."""

from __future__ import annotations

from decimal import Decimal

import pytest

from verzek.domain.models import MarketType, RiskSettings, UserSettings
from verzek.domain.sizing import (
    effective_leverage,
    position_cap_usdt,
    position_size_usdt,
    symbol_room_usdt,
)
from verzek.errors import InvalidInput

D = Decimal


def test_effective_leverage() -> None:
    assert effective_leverage(MarketType.FUTURES, 20, 10, 50) == 10
    assert effective_leverage(MarketType.FUTURES, 20, 30, 15) == 15
    assert effective_leverage(MarketType.FUTURES, 3, 30, 15) == 3
    assert effective_leverage(MarketType.FUTURES, None, 30, 15) == 15
    assert effective_leverage(MarketType.SPOT, 20, 30, 15) == 1


def test_position_size_fixed_and_percent() -> None:
    assert position_size_usdt(RiskSettings(position_size_usdt=D(75)), D(1)) == D(75)
    pct = RiskSettings(position_size_mode="percent", position_size_pct=D(2))
    assert position_size_usdt(pct, D(5000)) == D(100)
    with pytest.raises(InvalidInput, match="capital_usdt"):
        position_size_usdt(pct, D("NaN"))


def test_caps() -> None:
    settings = UserSettings()
    assert position_cap_usdt(settings) is None
    settings.risk.max_position_usdt = D(300)
    settings.dca.max_investment_usdt = D(200)
    assert position_cap_usdt(settings) == D(200)
    assert symbol_room_usdt(settings.risk, D(10)) is None
    settings.risk.max_symbol_exposure_usdt = D(100)
    assert symbol_room_usdt(settings.risk, D(30)) == D(70)
    assert symbol_room_usdt(settings.risk, D(130)) == D(0)
    with pytest.raises(InvalidInput):
        symbol_room_usdt(settings.risk, D(-1))
