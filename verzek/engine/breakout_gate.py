"""The second look before a breakout entry fires ("LONG above 65500"), maybe hours after its call:
the safety stops and the daily limits as they stand at the cross, not as they stood then.

A pause, a tripped breaker or a disk fault *holds* the wait (it may still fire once lifted,
within the price collar and before it expires); a kill switch, or a daily limit reached since,
ends it — told to the user like a skipped signal, and the daily loss limit pauses them as it
does for a new signal.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from verzek.clock import Clock
from verzek.domain.decision import Decision
from verzek.domain.models import Position, Signal, User
from verzek.domain.risk import RiskContext, daily_loss, daily_trades
from verzek.engine.notifier import Event, EventKind, Notifier
from verzek.engine.safety_service import SafetyService
from verzek.engine.stats import StatsBook
from verzek.engine.tracker import waiting_breakout
from verzek.exchanges.base import Exchange
from verzek.store.repos import PositionRepository, UserRepository


class BreakoutGate:
    """`check(exchange, position, price)`: may the waiting entry fire now? A denial carrying
    `hold` keeps the wait; any other denial ends it."""

    def __init__(self, *, users: UserRepository, positions: PositionRepository,
                 safety: SafetyService, stats: StatsBook, notifier: Notifier,
                 clock: Clock) -> None:
        self._users = users
        self._positions = positions
        self._safety = safety
        self._stats = stats
        self._notifier = notifier
        self._clock = clock

    def check(self, exchange: Exchange, position: Position, price: Decimal) -> Decision:
        gate = self._safety.check_new_position(position.user_id)
        if not gate.allowed:
            if gate.code.startswith("kill_switch"):
                return gate
            return Decision.deny(gate.code, gate.message, hold=True)
        if self._positions.store.last_error is not None:
            return Decision.deny("disk_fault", "Trading is paused: the disk refused a write "
                                 f"({self._positions.store.last_error}).", hold=True)
        user = self._users.find(position.user_id)
        if user is None:
            return Decision.deny("no_user", "The user no longer exists.")
        now = self._clock.now()
        # The waiting position held its slot in today's trades since it was armed: the others
        # are counted, it is not counted twice.
        others = [p for p in self._positions.open_positions(user.id) if p.id != position.id]
        trades, pnl = self._stats.today(user.id, others, now)
        capital = exchange.fetch_balance().get("USDT").total
        if capital <= 0:
            return Decision.deny("no_capital", "The account holds no USDT.")
        trigger = waiting_breakout(position) or {}
        ctx = RiskContext(
            user=user, signal=Signal(symbol=position.symbol, side=position.side,
                                     entries=[Decimal(trigger.get("price", price))]),
            signal_id=position.signal_id or "", now=now, signal_received_at=now,
            current_price=price, capital_usdt=capital, market=position.market_type,
            open_positions=len(others), daily_trades=trades, daily_realised_pnl_usdt=pnl)
        for rule in (daily_trades, daily_loss):
            decision = rule(ctx)
            if not decision.allowed:
                self._refused(user, position, decision)
                return decision
        return Decision.allow("entry_ok", "The entry may fire.")

    def _refused(self, user: User, position: Position, decision: Decision) -> None:
        until = decision.details.get("paused_until")
        if isinstance(until, datetime) and until > self._clock.now():
            # the daily loss limit's pause, as at a signal (`Orchestrator._skip`)
            reason = decision.details.get("pause_reason", decision.message)
            self._safety.set_pause(paused=True, until=until, reason=reason, user_id=user.id,
                                   set_by="limit")
        self._notifier.notify(Event(
            EventKind.SIGNAL_SKIPPED, user.id, self._clock.now(),
            f"Breakout entry on {position.symbol} cancelled: {decision.message}",
            {"signal_id": position.signal_id, "code": decision.code,
             "position_id": position.id}))
