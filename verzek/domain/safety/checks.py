"""Pure safety decisions over a SafetyState at a given `now`: may this user open or send?"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from verzek.domain.decision import Decision
from verzek.domain.safety.state import OrderPurpose, SafetyState
from verzek.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class SafetyActions:
    """What the engine must do for a user now: cancel open orders, close positions."""

    cancel_open_orders: bool = False
    close_positions: bool = False
    reason: str = ""


def _aware(now: datetime) -> None:
    if now.tzinfo is None:
        raise InvalidInput("now must carry a timezone (UTC)", details={"field": "now"})


def kill_decision(state: SafetyState, user_id: str, purpose: OrderPurpose) -> Decision | None:
    """A refusal when a kill switch is on and the order would add exposure."""
    if purpose is OrderPurpose.REDUCE:
        return None
    if state.platform_kill.active:
        return Decision.deny("kill_switch_platform", "Trading is stopped platform-wide (kill "
                             f"switch){_why(state.platform_kill.reason)}.")
    user_kill = state.user_kill.get(user_id)
    if user_kill is not None and user_kill.active:
        return Decision.deny("kill_switch_user",
                             f"Your trading is stopped (kill switch){_why(user_kill.reason)}.")
    return None


def pause_decision(state: SafetyState, user_id: str, now: datetime) -> Decision | None:
    """A refusal when a platform or user pause is in force."""
    if state.platform_pause.in_force(now):
        return Decision.deny("paused_platform", "New positions are paused platform-wide"
                             f"{_until(state.platform_pause.until)}"
                             f"{_why(state.platform_pause.reason)}.")
    held = state.user_pause.get(user_id)
    pause = held.current(now) if held is not None else None
    if pause is not None:
        return Decision.deny("paused_user", f"Your new positions are paused{_until(pause.until)}"
                             f"{_why(pause.reason)}.")
    return None


def breaker_decision(state: SafetyState, user_id: str, now: datetime) -> Decision | None:
    """A refusal when the platform's or this user's circuit breaker holds."""
    if state.platform_breaker.is_tripped(now):
        breaker = state.platform_breaker
        return Decision.deny(f"{breaker.code}_platform", "The platform circuit breaker tripped: "
                             f"{breaker.reason}{_until(breaker.until, admin=True)}.")
    breaker_or_none = state.user_breakers.get(user_id)
    if breaker_or_none is not None and breaker_or_none.is_tripped(now):
        return Decision.deny(breaker_or_none.code, "Your circuit breaker tripped: "
                             f"{breaker_or_none.reason}"
                             f"{_until(breaker_or_none.until, admin=True)}.")
    return None


def check_new_position(state: SafetyState, user_id: str, now: datetime) -> Decision:
    """May `user_id` open a new position at `now`? (kill switch, pause, breaker)"""
    return check_send(state, user_id, now, OrderPurpose.OPEN)


def check_send(
    state: SafetyState, user_id: str, now: datetime, purpose: OrderPurpose = OrderPurpose.OPEN
) -> Decision:
    """May an order for `purpose` be sent at `now`? Ask at the moment of sending, not when the
    signal arrived. Kill switches block opening and DCA orders; pauses and breakers block new
    positions; closing orders are always allowed."""
    _aware(now)
    purpose = OrderPurpose(purpose)
    found = kill_decision(state, user_id, purpose)
    if found is None and purpose is OrderPurpose.OPEN:
        found = pause_decision(state, user_id, now) or breaker_decision(state, user_id, now)
    return found or Decision.allow("safety_ok", "No safety stop applies.")


def required_actions(state: SafetyState, user_id: str) -> SafetyActions:
    """What the kill switches ask the engine to do for `user_id`'s orders and positions."""
    for switch in (state.platform_kill, state.user_kill.get(user_id)):
        if switch is not None and switch.active:
            return SafetyActions(cancel_open_orders=True, close_positions=switch.close_positions,
                                 reason=switch.reason)
    return SafetyActions()


def _why(reason: str) -> str:
    """": reason" to end a sentence with (its own closing period dropped: the sentence adds
    one)."""
    reason = reason.strip().rstrip(".").rstrip()
    return f": {reason}" if reason else ""


def _until(until: datetime | None, *, admin: bool = False) -> str:
    if until is not None:
        return f" until {until.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    return " until an admin resets it" if admin else ""
