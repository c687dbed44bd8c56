"""The validated inputs of a DCA plan (`DcaParams`), from explicit values or a user's
settings; construction raises InvalidInput naming a bad field (ranges in `dca_bounds`)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from verzek.domain.dca_bounds import (
    MAX_LEVERAGE,
    MAX_ORDER_USDT,
    MAX_PRICE,
    MAX_SCALE,
    MAX_STEP,
    MIN_ORDER_USDT,
    MIN_PRICE,
    MIN_SCALE,
    MIN_STEP,
    check_order_sizes,
    percent,
    take_profit_percent,
)
from verzek.domain.margin import DEFAULT_MAINTENANCE_MARGIN_RATE, validate_mmr
from verzek.domain.models import DcaLevel, Side, UserSettings
from verzek.domain.numeric import (
    as_side,
    bounded,
    non_negative,
    optional_positive,
    positive,
    positive_int,
)
from verzek.domain.sizing import position_cap_usdt, symbol_room_usdt
from verzek.errors import InvalidInput

MAX_SAFETY_ORDERS = 100  # no exchange ladder is longer; bounds the work per plan


@dataclass(frozen=True)
class DcaParams:
    """Validated inputs of a plan; construction raises InvalidInput naming a bad field."""

    side: Side
    entry_price: Decimal
    base_order_usdt: Decimal
    safety_order_usdt: Decimal
    max_safety_orders: int
    deviation_pct: Decimal
    step_scale: Decimal = Decimal(1)
    volume_scale: Decimal = Decimal(1)
    explicit_levels: tuple[DcaLevel, ...] = ()
    take_profit_pct: Decimal | None = None
    leverage: int | None = None  # None: spot, no liquidation
    maintenance_margin_rate: Decimal = DEFAULT_MAINTENANCE_MARGIN_RATE
    max_position_usdt: Decimal | None = None
    symbol_room_usdt: Decimal | None = None  # what the per-symbol cap still allows
    price_step: Decimal | None = None
    amount_step: Decimal | None = None
    stop_price: Decimal | None = None  # a level at or past it is dropped: the stop acts first

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "side", as_side(self.side))
        set_(self, "entry_price", bounded("entry_price", self.entry_price, MIN_PRICE, MAX_PRICE))
        for name in ("base_order_usdt", "safety_order_usdt"):
            set_(self, name, bounded(name, getattr(self, name), MIN_ORDER_USDT, MAX_ORDER_USDT))
        set_(self, "deviation_pct", percent("deviation_pct", self.deviation_pct))
        for name in ("step_scale", "volume_scale"):
            set_(self, name, bounded(name, getattr(self, name), MIN_SCALE, MAX_SCALE))
        if self.take_profit_pct is not None:
            set_(self, "take_profit_pct", take_profit_percent(self.side, self.take_profit_pct))
        set_(self, "max_position_usdt",
             optional_positive("max_position_usdt", self.max_position_usdt))
        for name in ("price_step", "amount_step"):
            if getattr(self, name) is not None:
                set_(self, name, bounded(name, getattr(self, name), MIN_STEP, MAX_STEP))
        if self.stop_price is not None:
            set_(self, "stop_price", bounded("stop_price", self.stop_price, MIN_PRICE, MAX_PRICE))
        if self.symbol_room_usdt is not None:
            set_(self, "symbol_room_usdt",
                 non_negative("symbol_room_usdt", self.symbol_room_usdt))
        positive_int("max_safety_orders", self.max_safety_orders, allow_zero=True)
        if self.max_safety_orders > MAX_SAFETY_ORDERS:
            raise InvalidInput(f"max_safety_orders must be at most {MAX_SAFETY_ORDERS}",
                               details={"field": "max_safety_orders"})
        if self.leverage is not None and positive_int("leverage", self.leverage) > MAX_LEVERAGE:
            raise InvalidInput(f"leverage must be between 1 and {MAX_LEVERAGE} "
                               f"(got {self.leverage})", details={"field": "leverage"})
        set_(self, "maintenance_margin_rate", validate_mmr(self.maintenance_margin_rate))
        set_(self, "explicit_levels", tuple(self.explicit_levels))
        previous = Decimal(0)
        for index, level in enumerate(self.explicit_levels, start=1):
            deviation = percent(f"levels[{index}].deviation_pct", level.deviation_pct)
            positive(f"levels[{index}].size_multiplier", level.size_multiplier)
            if deviation <= previous:
                raise InvalidInput(
                    f"levels[{index}].deviation_pct must be larger than the level before it",
                    details={"field": f"levels[{index}].deviation_pct"},
                )
            previous = deviation
        check_order_sizes(self.safety_order_usdt, self.volume_scale, self.max_safety_orders,
                          self.explicit_levels)

    @classmethod
    def from_settings(
        cls, side: Side, entry_price: Decimal, base_order_usdt: Decimal, settings: UserSettings,
        *, symbol_exposure_usdt: Decimal = Decimal(0), **overrides: Any,
    ) -> DcaParams:
        """Parameters from a user's settings: DCA levels (none when DCA is off), the take
        profit in percent mode, the per-position cap and the room under the per-symbol cap.
        `overrides` set the rest (leverage, maintenance_margin_rate, price_step, …)."""
        dca = settings.dca
        explicit = tuple(dca.levels) if dca.enabled else ()
        count = (len(explicit) or dca.max_safety_orders) if dca.enabled else 0
        strategy = settings.strategy
        tp_pct = strategy.take_profit_pct if strategy.take_profit_mode == "percent" else None
        values: dict[str, Any] = {
            "safety_order_usdt": dca.safety_order_usdt, "max_safety_orders": count,
            "deviation_pct": dca.deviation_pct, "step_scale": dca.step_scale,
            "volume_scale": dca.volume_scale, "explicit_levels": explicit,
            "take_profit_pct": tp_pct, "max_position_usdt": position_cap_usdt(settings),
            "symbol_room_usdt": symbol_room_usdt(settings.risk, symbol_exposure_usdt),
        }
        values.update(overrides)
        return cls(side=side, entry_price=entry_price, base_order_usdt=base_order_usdt,
                   **values)
