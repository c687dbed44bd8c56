"""Kill-switch enforcement: what an active kill switch asks of the open positions it covers —
resting opening orders cancelled, and positions closed at market when it says so. Run on its
own thread at the flip, and again by every order-sync pass until nothing is left to do."""

from __future__ import annotations

import logging
import threading

from verzek.clock import Clock
from verzek.domain.models import (
    CloseReason,
    OrderStatus,
    OrderType,
    Position,
    PositionStatus,
    User,
)
from verzek.domain.positions import closing_side
from verzek.engine.pool import ExchangePool
from verzek.engine.position_manager import PositionManager
from verzek.engine.safety_service import SafetyService
from verzek.engine.tracker import live_orders
from verzek.logs import Throttle, log_context
from verzek.store.repos import PositionRepository, UserRepository

logger = logging.getLogger(__name__)


class KillSwitchEnforcer:
    """`start(user_id)` at a flip (returns at once), `run(user_id)` in a pass; idempotent."""

    def __init__(self, *, users: UserRepository, positions: PositionRepository,
                 safety: SafetyService, pool: ExchangePool, manager: PositionManager,
                 clock: Clock) -> None:
        self._users = users
        self._positions = positions
        self._safety = safety
        self._pool = pool
        self._manager = manager
        self._threads: list[threading.Thread] = []
        self._throttle = Throttle(60.0, clock)

    def start(self, user_id: str | None) -> None:
        """Enforce on its own thread: the flip itself returns at once, and sends already in
        flight are stopped by the check every send makes."""
        thread = threading.Thread(target=self.run, args=(user_id,), name="kill-switch",
                                  daemon=True)
        self._threads.append(thread)
        thread.start()

    def wait(self, timeout_s: float = 30.0) -> bool:
        """Wait for the enforcement started so far (shutdown and tests)."""
        for thread in list(self._threads):
            thread.join(timeout_s)
        return not any(t.is_alive() for t in self._threads)

    def run(self, user_id: str | None) -> int:
        """Do what an active kill switch asks of every open position it covers (of `user_id`,
        or of everyone): cancel resting opening orders (entries, DCA), and close at market
        when it asks to close positions. Idempotent: run on the flip and again by every
        order-sync pass, so an entry in flight at the flip, a position found after a restart
        and a close that failed are all caught. Returns how many positions it acted on."""
        ids = [user_id] if user_id else self._positions.user_ids()
        acted = 0
        for uid in ids:
            cancel, close_all = self._safety.kill_requested(uid)
            if not cancel:
                continue  # no kill switch covers this user (or it was lifted meanwhile)
            user = self._users.find(uid)
            if user is None:
                continue
            try:
                with self._manager.locks.hold(uid), log_context(user_id=uid):
                    acted += self._enforce_for(user, close_all)
            except Exception:
                logger.exception("kill switch enforcement failed for user %s", uid)
        if acted:
            logger.warning("kill switch enforced on %d position(s)", acted)
        return acted

    def _enforce_for(self, user: User, close_all: bool) -> int:
        acted = 0
        for position in self._positions.open_positions(user.id):
            if close_all:
                if _close_in_flight(position) or self._manager.close_recently_failed(position):
                    continue  # resolved by order sync; a refused close is retried after 30 s
            elif not _has_opening_orders(position):
                continue
            try:
                exchange = self._pool.for_position(user, position)
                if close_all:
                    after = self._manager.close_market(exchange, position, "kill",
                                                       CloseReason.KILL_SWITCH)
                else:  # a trade that filled nothing ends: lifting the switch later does
                    after = self._manager.cancel_unfilled(  # not bring it back
                        exchange, position, "the kill switch is on", CloseReason.KILL_SWITCH)
            except Exception:
                allowed, held = self._throttle.allow(f"kill:{position.id}")
                if allowed:
                    logger.exception("kill switch enforcement failed on position %s (%d "
                                     "similar held back); retried next pass", position.id, held)
                continue
            acted += 1
            if close_all:
                done = after.status is PositionStatus.CLOSED
                what = "closed" if done else "not closed yet, tried again next pass"
            else:
                done = after.status is PositionStatus.CLOSED or not _has_opening_orders(after)
                what = "opening orders cancelled" if done else \
                    "cancel not confirmed yet, tried again next pass"
            logger.warning("kill switch: position %s (%s) %s", position.id, position.symbol,
                           what)
        return acted


def _close_in_flight(position: Position) -> bool:
    """A close at market was sent and its outcome is not known yet (or a crash left it
    journaled): sending another could close twice; order sync and reconciliation settle it."""
    closing = closing_side(position.side)
    return any(o.type is OrderType.MARKET and o.side is closing for o in live_orders(position))


def _has_opening_orders(position: Position) -> bool:
    """Something a cancel-only kill switch still has to stop: a resting entry or DCA order,
    or a position that filled nothing (a breakout still waiting, a cancel not confirmed)."""
    return position.quantity == 0 or any(
        o.status is not OrderStatus.INTENDED
        for o in [*live_orders(position, "entry"), *live_orders(position, "dca")])

