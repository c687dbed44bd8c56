"""What the transports (REST API, Telegram commands) may ask of the trading engine.

One facade, so REST routes and bot commands call the same functions (STYLE.md: thin transports
over one facade). `verzek.engine.trading.TradingService` implements it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from verzek.domain.models import Position, Signal, SignalRecord, SignalSource
from verzek.domain.safety.state import SetBy


@dataclass(frozen=True)
class UserDecision:
    """What the engine decided for one user on one signal: one per account the signal was
    traded on (a user trading every enabled account gets one per account)."""

    user_id: str
    outcome: str  # "executed" | "skipped" | "failed"
    reason: str = ""  # the rule's code and sentence when skipped
    code: str = ""
    position_id: str | None = None
    account_id: str | None = None  # the exchange account decided on, when one was chosen


@dataclass(frozen=True)
class SubmitResult:
    signal_id: str
    kind: str  # "signal" | "update" | "noise" | "duplicate"
    decisions: list[UserDecision] = field(default_factory=list)
    invalid_reason: str | None = None


class TradingPort(Protocol):
    """The engine's facade."""

    def submit_text(self, text: str, source: SignalSource, *,
                    wait_s: float | None = None) -> SubmitResult:
        """Parse a message and run it through the pipeline: waiting for every user's
        decision, or (`wait_s`) at most that long, then an `Accepted` result while the
        fan-out runs on (`fanout_state`)."""
        ...

    def submit_signal(self, signal: Signal, source: SignalSource, *,
                      wait_s: float | None = None) -> SubmitResult:
        """Run an already structured signal through the same pipeline."""
        ...

    def fanout_state(self, signal_id: str, wait_s: float = 0.0) -> str:
        """"running", "done" or "interrupted"; `wait_s`: a running one is waited for first."""
        ...

    def wait_fanouts(self, timeout_s: float) -> bool:
        """Wait for every fan-out running on its own thread; True when none runs."""
        ...

    def recent_signals(self, limit: int, offset: int) -> list[SignalRecord]: ...

    def get_signal(self, signal_id: str) -> SignalRecord:
        """Raises NotFound."""
        ...

    def close_position(self, user_id: str, position_id: str) -> Position:
        """Close at market (manual). Raises NotFound, Conflict (already closed)."""
        ...

    def user_stats(self, user_id: str) -> dict[str, Any]:
        """{"today": {...}, "all_time": {...}, "daily": [{"date", ...} x 30]} with trades, wins,
        losses, win_rate, realised_pnl_usdt, volume_usdt."""
        ...

    def user_decisions(self, user_id: str, *, limit: int = 50, offset: int = 0,
                       ) -> list[dict[str, Any]]:
        """The user's own decisions on recent signals, newest first."""
        ...

    def user_safety(self, user_id: str) -> dict[str, Any]:
        """The user's trading state: new_positions_allowed, reason, their switches and the
        platform's."""
        ...

    def safety_status(self) -> dict[str, Any]: ...

    def set_kill_switch(self, *, active: bool, reason: str, close_positions: bool,
                        user_id: str | None = None, set_by: SetBy = "user",
                        ) -> dict[str, Any]:
        """`set_by` "admin": an operator's switch on a user, which the user cannot lift
        (Forbidden `set_by_operator`)."""
        ...

    def set_pause(self, *, paused: bool, until: datetime | None, reason: str,
                  user_id: str | None = None, set_by: SetBy = "user") -> dict[str, Any]:
        """`set_by` as for `set_kill_switch`."""
        ...

    def reset_breaker(self, user_id: str | None = None) -> dict[str, Any]: ...

    def set_breaker_thresholds(self, thresholds: dict[str, Any]) -> dict[str, Any]: ...

    def demo_balances(self, user_id: str) -> list[dict[str, Any]]:
        """The USDT of each of the user's paper accounts. Raises NotFound."""
        ...

    def set_demo_balance(self, user_id: str, usdt: Decimal,
                         account_id: str | None = None) -> list[dict[str, Any]]:
        """Set the free USDT of one paper account or all of them; Conflict for a live one."""
        ...

    def set_demo_prices(self, prices: dict[str, Decimal], pin: bool = False) -> dict[str, str]:
        """Only while the sim price feed runs; raises Conflict otherwise. `pin`: the walk
        leaves them where they are."""
        ...

    def demo_prices(self) -> dict[str, Any]:
        """The sim feed's prices now and the pinned symbols; Conflict for another feed."""
        ...

    def verify_account(self, user_id: str, account_id: str) -> dict[str, Any]:
        """Check an exchange account's keys; updates its status. Raises NotFound."""
        ...

    def system_status(self) -> dict[str, Any]: ...
