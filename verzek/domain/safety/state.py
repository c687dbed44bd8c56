"""The safety manager's persisted state: kill switches, pauses, breakers, thresholds, keys."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import Field

from verzek.domain.models import (
    SCHEMA_VERSION,
    Model,
    Money,
    PositiveDecimal,
    UtcDatetime,
)
from verzek.domain.safety.idempotency import IdempotencyRegistry


class OrderPurpose(StrEnum):
    """Why an order is sent; safety blocks by purpose (reducing is always allowed)."""

    OPEN = "open"  # the entry of a new position
    INCREASE = "increase"  # a DCA order of an open position
    REDUCE = "reduce"  # take profit, stop loss, close


# "limit": the daily loss limit's pause (until the next UTC day), the user's to wait out
SetBy = Literal["admin", "user", "limit"]


class KillSwitch(Model):
    """When active: no new order of any kind but closing ones; open orders are cancelled."""

    active: bool = False
    close_positions: bool = False  # also close open positions at market
    reason: str = ""
    since: UtcDatetime | None = None
    set_by: SetBy = "user"  # a user's own: "admin" when an operator set it (they alone lift it)


class OwnPause(Model):
    """When in force: no new positions; open positions keep their TP, SL and DCA."""

    active: bool = False
    until: UtcDatetime | None = None  # None: until resumed
    reason: str = ""
    since: UtcDatetime | None = None
    set_by: SetBy = "user"  # a user's own: "admin" when an operator set it (they alone lift it)

    def in_force(self, now: datetime) -> bool:
        """Whether the pause applies at `now`."""
        return self.active and (self.until is None or now < self.until)


class Pause(OwnPause):
    """A pause, with the user's own it covers (an operator's over the user's)."""

    # the user's own pause an operator's covers: in force again when the operator's ends
    beneath: OwnPause | None = None

    def current(self, now: datetime) -> OwnPause | None:
        """The pause in force at `now`: this one, else the user's own beneath it, else none."""
        if self.in_force(now):
            return self
        if self.beneath is not None and self.beneath.in_force(now):
            return self.beneath
        return None

    def own(self, now: datetime) -> OwnPause | None:
        """The user's own pause in force at `now`, on top or beneath an operator's."""
        if self.set_by == "user" and self.in_force(now):
            return OwnPause.model_validate(self.model_dump(exclude={"beneath"}))
        if self.beneath is not None and self.beneath.in_force(now):
            return self.beneath
        return None


class BreakerThresholds(Model):
    """When a circuit breaker trips and how long it stays tripped."""

    loss_pct: PositiveDecimal = Decimal("10")  # realised loss ≥ this % of capital in the window
    loss_window_s: int = Field(default=3600, ge=1)
    max_consecutive_losses: int = Field(default=5, ge=1)
    error_burst: int = Field(default=10, ge=1)  # exchange rejections in the error window
    error_window_s: int = Field(default=60, ge=1)
    # transient failures (5xx, timeouts, 429, unknown outcomes) of one exchange in the error
    # window that trip the platform breaker; None: counted for the error rate, never tripping
    # (the engine resolves them by look-up, and fault campaigns must keep trading through them)
    transient_error_burst: int | None = Field(default=None, ge=1)
    cooldown_s: int | None = Field(default=3600, ge=1)  # None: until an admin resets it


class TradeResult(Model):
    at: UtcDatetime
    pnl_usdt: Money
    capital_usdt: PositiveDecimal | None = None  # None: the balance could not be read then


class ExchangeErrorEvent(Model):
    exchange: str  # the venue: "binance" (live) or "paper:binance" (demo), counted apart
    at: UtcDatetime
    transient: bool = False  # a 5xx, timeout, 429 or unknown outcome, not a refusal


class Breaker(Model):
    """A circuit breaker: the recent results it watches and whether it is tripped."""

    tripped_at: UtcDatetime | None = None
    until: UtcDatetime | None = None  # None while tripped: until an admin resets it
    code: str = ""
    reason: str = ""
    results: list[TradeResult] = Field(default_factory=list)
    consecutive_losses: int = 0
    errors: list[ExchangeErrorEvent] = Field(default_factory=list)

    def is_tripped(self, now: datetime) -> bool:
        """Whether the breaker holds at `now` (its cooldown not yet over)."""
        return self.tripped_at is not None and (self.until is None or now < self.until)


class SafetyState(Model):
    """Everything the safety manager knows; persisted as one JSON document."""

    schema_version: int = SCHEMA_VERSION
    platform_kill: KillSwitch = Field(default_factory=lambda: KillSwitch(set_by="admin"))
    user_kill: dict[str, KillSwitch] = Field(default_factory=dict)
    platform_pause: Pause = Field(default_factory=lambda: Pause(set_by="admin"))
    user_pause: dict[str, Pause] = Field(default_factory=dict)
    thresholds: BreakerThresholds = Field(default_factory=BreakerThresholds)
    user_thresholds: dict[str, BreakerThresholds] = Field(default_factory=dict)
    platform_breaker: Breaker = Field(default_factory=Breaker)
    user_breakers: dict[str, Breaker] = Field(default_factory=dict)
    idempotency: IdempotencyRegistry = Field(default_factory=IdempotencyRegistry)

    def thresholds_for(self, user_id: str) -> BreakerThresholds:
        """The user's own thresholds, or the platform's."""
        return self.user_thresholds.get(user_id, self.thresholds)
