"""Safety manager: kill switches, trading pauses, circuit breakers and idempotency keys.

State is a pydantic model (`SafetyState`) that round-trips through JSON; decisions are pure
functions of the state and a `now`. `SafetyManager` holds a state without locks or IO.
"""

from __future__ import annotations

from verzek.domain.safety.checks import (
    SafetyActions,
    check_new_position,
    check_send,
    required_actions,
)
from verzek.domain.safety.idempotency import IdempotencyRegistry
from verzek.domain.safety.manager import SafetyManager
from verzek.domain.safety.state import (
    Breaker,
    BreakerThresholds,
    KillSwitch,
    OrderPurpose,
    Pause,
    SafetyState,
)

__all__ = [
    "Breaker", "BreakerThresholds", "IdempotencyRegistry", "KillSwitch", "OrderPurpose", "Pause",
    "SafetyActions", "SafetyManager", "SafetyState", "check_new_position", "check_send",
    "required_actions",
]
