"""SafetyManager: holds the safety state and answers "may I?" — no lock and no IO here; the
engine wraps it with a lock and persists `to_json()` through the store after each change."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from verzek.domain.decision import Decision
from verzek.domain.safety import breaker as breakers
from verzek.domain.safety import checks
from verzek.domain.safety.checks import SafetyActions
from verzek.domain.safety.idempotency import IdempotencyRegistry
from verzek.domain.safety.state import (
    Breaker,
    BreakerThresholds,
    KillSwitch,
    OrderPurpose,
    OwnPause,
    Pause,
    SafetyState,
    SetBy,
)
from verzek.errors import InvalidInput


def _aware(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise InvalidInput("now must carry a timezone (UTC)", details={"field": "now"})
    return now


class SafetyManager:
    """Kill switches, pauses, circuit breakers and the idempotency registry of the platform."""

    def __init__(self, state: SafetyState | None = None) -> None:
        self._state = state if state is not None else SafetyState()

    @property
    def state(self) -> SafetyState:
        """The current state (persist it after every change)."""
        return self._state

    @property
    def idempotency(self) -> IdempotencyRegistry:
        """Signal ids and client order ids seen, with their TTL."""
        return self._state.idempotency

    def check_new_position(self, user_id: str, now: datetime) -> Decision:
        """May `user_id` open a new position now?"""
        return checks.check_new_position(self._state, user_id, now)

    def check_send(
        self, user_id: str, now: datetime, purpose: OrderPurpose = OrderPurpose.OPEN
    ) -> Decision:
        """May an order be sent now? Call it at the moment of sending."""
        return checks.check_send(self._state, user_id, now, purpose)

    def required_actions(self, user_id: str) -> SafetyActions:
        """Orders to cancel and positions to close because of a kill switch."""
        return checks.required_actions(self._state, user_id)

    def set_kill_switch(
        self, active: bool, *, now: datetime, user_id: str | None = None,
        close_positions: bool = False, reason: str = "", set_by: SetBy = "user",
    ) -> SafetyActions:
        """Flip the platform's (no `user_id`) or a user's kill switch; returns what to do."""
        switch = KillSwitch(active=active, close_positions=close_positions and active,
                            reason=reason, since=_aware(now) if active else None,
                            set_by=set_by if user_id is not None else "admin")
        if user_id is None:
            self._state.platform_kill = switch
        else:
            self._state.user_kill[user_id] = switch
        if not active:
            return SafetyActions()
        return SafetyActions(cancel_open_orders=True, close_positions=close_positions,
                             reason=reason)

    def pause(
        self, *, now: datetime, user_id: str | None = None, until: datetime | None = None,
        reason: str = "", set_by: SetBy = "user",
    ) -> None:
        """Pause new positions platform-wide or for one user, optionally until a time."""
        if until is not None and _aware(until) <= _aware(now):
            raise InvalidInput("a pause must end after now", details={"field": "until"})
        pause = Pause(active=True, until=until, reason=reason, since=_aware(now),
                      set_by=set_by if user_id is not None else "admin")
        if user_id is None:
            self._state.platform_pause = pause
            return
        held = self._state.user_pause.get(user_id)
        if set_by != "user" and held is not None:
            # an operator's (or the limit's) pause over the user's own keeps it beneath: it
            # holds again when theirs ends (it was dropped, and the user traded unasked)
            pause = pause.model_copy(update={"beneath": held.own(now)})
        self._state.user_pause[user_id] = pause

    def pause_beneath(self, *, now: datetime, user_id: str, until: datetime | None = None,
                      reason: str = "") -> None:
        """The user's own pause asked under a pause that is not theirs: kept beneath it, in
        force once that one ends (the one on top stays as it is)."""
        if until is not None and _aware(until) <= _aware(now):
            raise InvalidInput("a pause must end after now", details={"field": "until"})
        held = self._state.user_pause.get(user_id)
        own = OwnPause(active=True, until=until, reason=reason, since=_aware(now),
                       set_by="user")
        if held is None or not held.in_force(now):
            self._state.user_pause[user_id] = Pause.model_validate(own.model_dump())
        else:
            self._state.user_pause[user_id] = held.model_copy(update={"beneath": own})

    def resume(self, *, user_id: str | None = None, now: datetime | None = None,
               reason: str = "", set_by: SetBy = "user") -> None:
        """End the platform's or a user's pause; the platform's keeps when and why it ended
        (an operator reads who resumed, when and why). An operator's resume of their own
        pause on a user leaves the user's own beneath it in force."""
        if user_id is None:
            self._state.platform_pause = Pause(
                reason=reason, since=_aware(now) if now is not None else None, set_by="admin")
            return
        held = self._state.user_pause.pop(user_id, None)
        if held is not None and held.set_by != "user" and set_by != "user" and now is not None:
            own = held.own(_aware(now))
            if own is not None:
                self._state.user_pause[user_id] = Pause.model_validate(own.model_dump())

    def record_trade_result(
        self, user_id: str, pnl_usdt: Decimal, capital_usdt: Decimal | None, now: datetime
    ) -> Decision:
        """Feed a closed trade's realised PnL to the user's breaker; says if it tripped.
        `capital_usdt` None when the balance could not be read: the result counts all the same
        (see `breaker.record_trade`)."""
        old = self._state.user_breakers.get(user_id, Breaker())
        new = breakers.record_trade(old, self._state.thresholds_for(user_id), pnl_usdt=pnl_usdt,
                                    capital_usdt=capital_usdt, now=_aware(now))
        self._state.user_breakers[user_id] = new
        return self._breaker_decision(new, now)

    def record_exchange_error(self, exchange: str, now: datetime, *, transient: bool = False,
                              paper: bool = False) -> Decision:
        """Feed an exchange error of venue `exchange` to the platform breaker: a rejection the
        engine cannot explain, or (`transient`) a 5xx, timeout, 429 or unknown outcome. A
        `paper` venue is counted for its error rate but never trips the platform breaker.
        Says if it tripped."""
        new = breakers.record_error(self._state.platform_breaker, self._state.thresholds,
                                    exchange=exchange, now=_aware(now), transient=transient,
                                    paper=paper)
        self._state.platform_breaker = new
        return self._breaker_decision(new, now)

    def record_order_refusal(self, user_id: str, exchange: str, now: datetime) -> Decision:
        """Feed a refusal of one of the user's own orders (insufficient funds, keys refused, an
        order below the minimum or otherwise shaped wrong) to that user's breaker only: one
        user's refusals never stop another. Says if it tripped."""
        old = self._state.user_breakers.get(user_id, Breaker())
        new = breakers.record_refusal(old, self._state.thresholds_for(user_id),
                                      exchange=exchange, now=_aware(now))
        self._state.user_breakers[user_id] = new
        return self._breaker_decision(new, now)

    def reset_breaker(self, *, user_id: str | None = None) -> None:
        """An admin resets the platform's or a user's circuit breaker."""
        if user_id is None:
            self._state.platform_breaker = breakers.reset(self._state.platform_breaker)
        else:
            self._state.user_breakers.pop(user_id, None)

    def set_thresholds(
        self, thresholds: BreakerThresholds, *, user_id: str | None = None
    ) -> None:
        """Set the platform's breaker thresholds, or one user's own."""
        validated = BreakerThresholds.model_validate(thresholds.model_dump())
        if user_id is None:
            self._state.thresholds = validated
        else:
            self._state.user_thresholds[user_id] = validated

    def to_json(self) -> str:
        """The state as JSON text, for the store."""
        return self._state.model_dump_json()

    @classmethod
    def from_json(cls, text: str) -> SafetyManager:
        """A manager from the store's JSON text (raises pydantic's ValidationError if bad)."""
        return cls(SafetyState.model_validate_json(text))

    @staticmethod
    def _breaker_decision(breaker: Breaker, now: datetime) -> Decision:
        if breaker.is_tripped(now):
            return Decision.deny(breaker.code, f"Circuit breaker tripped: {breaker.reason}.")
        return Decision.allow("breaker_ok", "The circuit breaker holds no stop.")
