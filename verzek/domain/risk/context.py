"""What a pre-trade risk rule sees: one user, one signal, one account and their counters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from verzek.domain.dca import DcaPlan
from verzek.domain.decision import Decision
from verzek.domain.models import ExchangeAccount, MarketType, Signal, TradingMode, User
from verzek.domain.numeric import non_negative, positive, positive_int, to_decimal
from verzek.domain.plans import PlanFeatures, effective_plan
from verzek.domain.sizing import effective_leverage, position_cap_usdt, position_size_usdt
from verzek.errors import InvalidInput


@dataclass(frozen=True)
class RiskContext:
    """Everything the rules need, gathered by the engine; validated on construction."""

    user: User
    signal: Signal
    signal_id: str
    now: datetime
    signal_received_at: datetime
    current_price: Decimal
    capital_usdt: Decimal
    account: ExchangeAccount | None = None
    market: MarketType = MarketType.FUTURES
    open_positions: int = 0
    daily_trades: int = 0
    daily_realised_pnl_usdt: Decimal = Decimal(0)  # today (UTC), net of fees; losses negative
    symbol_exposure_usdt: Decimal = Decimal(0)  # notional already open on this symbol
    total_exposure_usdt: Decimal = Decimal(0)  # notional open on every symbol
    min_notional_usdt: Decimal = Decimal(0)  # the exchange's minimum order value
    free_usdt: Decimal | None = None  # what the account can spend now; None: the capital
    fee_rate: Decimal = Decimal(0)  # the entry's fee, a share of its notional
    already_executed: bool = False  # this user already acted on this signal
    last_close_at: datetime | None = None  # the user's last close on this symbol
    dca_plan: DcaPlan | None = None  # the plan the engine would place, when DCA is on
    # where the first entry is expected to fill (a breakout's trigger, a zone's edge nearest
    # the market); None: the current price
    entry_price: Decimal | None = None
    plan: PlanFeatures | None = None  # None: the user's effective plan at `now`
    market_max_leverage: int | None = None  # the market's highest leverage, when it says

    def __post_init__(self) -> None:
        for name in ("now", "signal_received_at", "last_close_at"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise InvalidInput(f"{name} must carry a timezone (UTC)", details={"field": name})
        object.__setattr__(self, "current_price", positive("current_price", self.current_price))
        object.__setattr__(self, "capital_usdt", positive("capital_usdt", self.capital_usdt))
        for name in ("symbol_exposure_usdt", "total_exposure_usdt", "min_notional_usdt",
                     "fee_rate"):
            object.__setattr__(self, name, non_negative(name, getattr(self, name)))
        if self.entry_price is not None:
            object.__setattr__(self, "entry_price", positive("entry_price", self.entry_price))
        if self.free_usdt is not None:
            object.__setattr__(self, "free_usdt", non_negative("free_usdt", self.free_usdt))
        pnl = to_decimal("daily_realised_pnl_usdt", self.daily_realised_pnl_usdt)
        object.__setattr__(self, "daily_realised_pnl_usdt", pnl)
        positive_int("open_positions", self.open_positions, allow_zero=True)
        positive_int("daily_trades", self.daily_trades, allow_zero=True)
        if self.plan is None:
            object.__setattr__(self, "plan", effective_plan(self.user.subscription, self.now))

    @property
    def features(self) -> PlanFeatures:
        """The plan's features in force (never None after construction)."""
        assert self.plan is not None
        return self.plan

    @property
    def mode(self) -> TradingMode:
        """Demo or live: the account's mode, or the user's when no account is chosen."""
        return self.account.mode if self.account else self.user.settings.general.mode

    @property
    def leverage(self) -> int:
        """The leverage the engine will use: min(signal, user cap, plan cap, the market's
        highest); 1 on spot."""
        return effective_leverage(self.market, self.signal.leverage,
                                  self.user.settings.risk.max_leverage, self.features.max_leverage,
                                  self.market_max_leverage)

    @property
    def expected_entry_price(self) -> Decimal:
        """Where the first entry is expected to fill: `entry_price`, else the current price."""
        return self.entry_price if self.entry_price is not None else self.current_price

    @property
    def base_order_usdt(self) -> Decimal:
        """The base order's notional: fixed, or a percent of the capital; at most the
        position cap (a size above it is sized down to it, not refused: the cap is the
        largest position the user wants, and DCA then has no room left)."""
        size = position_size_usdt(self.user.settings.risk, self.capital_usdt)
        cap = position_cap_usdt(self.user.settings)
        return min(size, cap) if cap is not None else size

    @property
    def planned_investment_usdt(self) -> Decimal:
        """The notional once every planned order fills (the base order alone without DCA)."""
        if self.dca_plan is not None and self.dca_plan.levels:
            return self.dca_plan.max_investment
        return self.base_order_usdt


RiskRule = Callable[[RiskContext], Decision]
