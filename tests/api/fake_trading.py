"""A small in-memory TradingPort for API tests: keeps state, raises NotFound / Conflict like the
engine. Swap for `verzek.engine.trading.TradingService` once the engine lands."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from verzek.clock import Clock
from verzek.domain.models import (
    CloseReason,
    PositionStatus,
    Signal,
    SignalRecord,
    SignalSource,
)
from verzek.engine.ports import SubmitResult, UserDecision
from verzek.errors import Conflict, NotFound
from verzek.store.repos import PositionRepository, UserRepository


class FakeTrading:
    """Implements `verzek.engine.ports.TradingPort` over the real repositories."""

    def __init__(self, *, users: UserRepository, positions: PositionRepository, clock: Clock,
                 sim_prices: bool = True) -> None:
        self.users, self.positions, self.clock = users, positions, clock
        self.sim_prices = sim_prices
        self.signals: list[SignalRecord] = []
        self.safety: dict[str, Any] = {"platform_kill": {"active": False}, "user_kill": {},
                                       "platform_pause": {"active": False}, "user_pause": {},
                                       "thresholds": {"loss_pct": "10"}}
        self.prices: dict[str, Decimal] = {}

    def _record(self, kind: str, source: SignalSource, text: str,
                signal: Signal | None) -> SubmitResult:
        signal_id = "s_" + secrets.token_hex(6)
        decisions = [UserDecision(user_id=u.id, outcome="skipped", reason="auto trade is off",
                                  code="auto_trade_off") for u in self.users.all()]
        self.signals.insert(0, SignalRecord(
            id=signal_id, received_at=self.clock.now(), source=source,
            content_hash=hashlib.sha256(text.encode()).hexdigest(),
            kind="signal" if signal else "noise", signal=signal,
            decisions=[d.__dict__ for d in decisions]))
        return SubmitResult(signal_id=signal_id, kind=kind, decisions=decisions)

    def submit_text(self, text: str, source: SignalSource) -> SubmitResult:
        return self._record("noise", source, text, None)

    def submit_signal(self, signal: Signal, source: SignalSource) -> SubmitResult:
        return self._record("signal", source, signal.model_dump_json(), signal)

    def recent_signals(self, limit: int, offset: int) -> list[SignalRecord]:
        return self.signals[offset:offset + limit]

    def get_signal(self, signal_id: str) -> SignalRecord:
        for record in self.signals:
            if record.id == signal_id:
                return record
        raise NotFound("no such signal")

    def close_position(self, user_id: str, position_id: str) -> Any:
        self.users.get(user_id)
        closed: list[Any] = []

        def close(positions: list[Any]) -> list[Any]:
            for p in positions:
                if p.id == position_id:
                    new = p.model_copy(update={"status": PositionStatus.CLOSED,
                                               "close_reason": CloseReason.MANUAL,
                                               "closed_at": self.clock.now(),
                                               "quantity": Decimal(0)})
                    closed.append(new)
                    return [new if q.id == position_id else q for q in positions]
            return positions

        self.positions.mutate(user_id, close)
        if not closed:
            for p in self.positions.closed_positions(user_id):
                if p.id == position_id:
                    raise Conflict("the position is closed already", code="already_closed")
            raise NotFound("no such position")
        return closed[0]

    def user_stats(self, user_id: str) -> dict[str, Any]:
        self.users.get(user_id)
        zero = {"trades": 0, "wins": 0, "losses": 0, "win_rate": "0",
                "realised_pnl_usdt": "0", "volume_usdt": "0"}
        today = self.clock.now().date()
        return {"today": zero, "all_time": zero,
                "daily": [{"date": (today - timedelta(days=i)).isoformat(), **zero}
                          for i in range(30)]}

    def safety_status(self) -> dict[str, Any]:
        return self.safety

    def set_kill_switch(self, *, active: bool, reason: str, close_positions: bool,
                        user_id: str | None = None, set_by: str = "user") -> dict[str, Any]:
        switch = {"active": active, "reason": reason, "close_positions": close_positions}
        if user_id is None:
            self.safety["platform_kill"] = switch
        else:
            self.safety["user_kill"][user_id] = switch
        return switch

    def set_pause(self, *, paused: bool, until: datetime | None, reason: str,
                  user_id: str | None = None, set_by: str = "user") -> dict[str, Any]:
        pause = {"active": paused, "until": until.isoformat() if until else None,
                 "reason": reason}
        if user_id is None:
            self.safety["platform_pause"] = pause
        else:
            self.safety["user_pause"][user_id] = pause
        return pause

    def reset_breaker(self, user_id: str | None = None) -> dict[str, Any]:
        return {"tripped": False}

    def set_breaker_thresholds(self, thresholds: dict[str, Any]) -> dict[str, Any]:
        self.safety["thresholds"] = {**self.safety["thresholds"],
                                     **{k: str(v) for k, v in thresholds.items()}}
        return self.safety["thresholds"]

    def demo_prices(self) -> dict[str, Any]:
        if not self.sim_prices:
            raise Conflict("the sim price feed is not running")
        return {"prices": {s: str(p) for s, p in self.prices.items()}, "pinned": []}

    def set_demo_prices(self, prices: dict[str, Decimal], pin: bool = False) -> dict[str, str]:
        if not self.sim_prices:
            raise Conflict("the sim price feed is not running")
        self.prices.update(prices)
        return {k: str(v) for k, v in self.prices.items()}

    def verify_account(self, user_id: str, account_id: str) -> dict[str, Any]:
        def mark(user: Any) -> Any:
            accounts = [a.model_copy(update={"status": "verified"}) if a.id == account_id
                        else a for a in user.exchange_accounts]
            if accounts == user.exchange_accounts and not any(
                    a.id == account_id for a in accounts):
                raise NotFound("no such exchange account")
            return user.model_copy(update={"exchange_accounts": accounts})

        self.users.update(user_id, mark)
        return {"ok": True, "balance_usdt": "10000"}

    def system_status(self) -> dict[str, Any]:
        """The engine's part; the real one also carries the runtime's status."""
        return {"last_signal_at": None, "prices": {"fresh": True}}
