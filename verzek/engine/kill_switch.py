"""Kill-switch enforcement: what an active kill switch asks of the open positions it covers —
resting opening orders cancelled, and positions closed at market when it says so. Run on its
own thread at the flip, and again by every order-sync pass until nothing is left to do; each
run fans out across users on a bounded set of threads (in order within one user, under that
user's lock), so one user's order whose outcome is unknown holds back only that user."""

from __future__ import annotations

import contextvars
import logging
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

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

# Threads one enforcement run uses at most. Each user's turn can wait out an exchange's
# visibility window (tens of seconds) on an order whose outcome is unknown; with this many
# users at once, the platform's users are covered in a few such windows, not one per user.
DEFAULT_WORKERS = 32


@dataclass
class _Progress:
    """What one enforcement run has done so far (read by `KillSwitchEnforcer.progress`)."""

    started_at: datetime
    users: int
    positions: int  # open positions of the covered users when the run started
    users_done: int = 0
    users_failed: int = 0  # users whose turn raised (their positions were not gone through)
    acted: int = 0
    closed: int = 0
    failed: int = 0  # positions whose cancel or close raised; retried by the next pass
    finished_at: datetime | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, *, users_done: int = 0, users_failed: int = 0, acted: int = 0,
            closed: int = 0, failed: int = 0) -> None:
        with self.lock:
            self.users_done += users_done
            self.users_failed += users_failed
            self.acted += acted
            self.closed += closed
            self.failed += failed

    def is_running(self) -> bool:
        with self.lock:
            return self.finished_at is None

    def as_dict(self) -> dict[str, Any]:
        with self.lock:
            return {"running": self.finished_at is None, "users": self.users,
                    "users_done": self.users_done, "users_failed": self.users_failed,
                    "positions": self.positions,
                    "acted": self.acted, "closed": self.closed, "failed": self.failed,
                    "started_at": self.started_at.isoformat(),
                    "finished_at": self.finished_at.isoformat() if self.finished_at else None}


class KillSwitchEnforcer:
    """`start(user_id)` at a flip (returns at once), `run(user_id)` in a pass; idempotent."""

    def __init__(self, *, users: UserRepository, positions: PositionRepository,
                 safety: SafetyService, pool: ExchangePool, manager: PositionManager,
                 clock: Clock, workers: int = DEFAULT_WORKERS) -> None:
        self._users = users
        self._positions = positions
        self._safety = safety
        self._pool = pool
        self._manager = manager
        self._clock = clock
        self._workers = max(1, workers)
        self._threads: list[threading.Thread] = []
        self._threads_lock = threading.Lock()
        self._throttle = Throttle(60.0, clock)
        self._last: _Progress | None = None
        self._last_lock = threading.Lock()

    def start(self, user_id: str | None) -> None:
        """Enforce on its own thread: the flip itself returns at once, and sends already in
        flight are stopped by the check every send makes."""
        thread = threading.Thread(target=self.run, args=(user_id,), name="kill-switch",
                                  daemon=True)
        with self._threads_lock:
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
        thread.start()

    def wait(self, timeout_s: float = 30.0) -> bool:
        """Wait for the enforcement started so far (shutdown and tests)."""
        with self._threads_lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout_s)
        return not any(t.is_alive() for t in threads)

    def progress(self) -> dict[str, Any] | None:
        """The run in progress, else the latest one that found open positions to cover: the
        users and positions it covers, how many it has acted on, closed and failed so far,
        and whether it is still running. None before any such run. A run is not displaced
        while it runs: the flip's run shows until it is over, then each order-sync pass that
        still finds positions under a kill switch shows what is left."""
        with self._last_lock:
            last = self._last
        return last.as_dict() if last is not None else None

    def _show(self, progress: _Progress) -> None:
        with self._last_lock:
            shown = self._last
            if shown is None or not shown.is_running():
                self._last = progress

    def run(self, user_id: str | None) -> int:
        """Do what an active kill switch asks of every open position it covers (of `user_id`,
        or of everyone): cancel resting opening orders (entries, DCA), and close at market
        when it asks to close positions. Users run in parallel (at most `workers` at once),
        each user's positions in order under the user's lock; a user or position that fails
        is logged and does not stop the others. Idempotent: run on the flip and again by
        every order-sync pass, so an entry in flight at the flip, a position found after a
        restart and a close that failed are all caught. Returns how many positions it acted
        on, once every covered user's turn is over."""
        ids = [user_id] if user_id else self._positions.user_ids()
        covered = [uid for uid in ids if self._safety.kill_requested(uid)[0]]
        if not covered:
            return 0  # no kill switch covers anyone (or it was lifted meanwhile)
        progress = _Progress(started_at=self._clock.now(), users=len(covered),
                             positions=sum(self._count_open(uid) for uid in covered))
        if progress.positions:
            self._show(progress)
        try:
            acted = self._fan_out(covered, progress)
        finally:
            with progress.lock:
                progress.finished_at = self._clock.now()
        if acted:
            logger.warning("kill switch enforced on %d position(s)", acted)
        return acted

    # --- fan-out ---------------------------------------------------------------------------

    def _fan_out(self, user_ids: list[str], progress: _Progress) -> int:
        """Every user's turn, on up to `workers` threads of this run. The threads are daemons,
        as the flip's own thread is: an exchange that never answers cannot hold up the
        process's exit (its order is reconciled at the next start)."""
        if len(user_ids) == 1:  # one user (a user's own switch): no thread to start
            return self._enforce_user(user_ids[0], progress)
        todo = deque(user_ids)
        totals: list[int] = []
        guard = threading.Lock()

        def work() -> None:
            while True:
                with guard:
                    if not todo:
                        return
                    uid = todo.popleft()
                acted = self._enforce_user(uid, progress)
                with guard:
                    totals.append(acted)

        threads = []
        for n in range(min(self._workers, len(user_ids))):
            context = contextvars.copy_context()  # the caller's log context, one per thread
            threads.append(threading.Thread(target=context.run, args=(work,),
                                            name=f"kill-switch-{n + 1}", daemon=True))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return sum(totals)

    def _enforce_user(self, uid: str, progress: _Progress) -> int:
        """One user's turn; whatever it raises is logged with the user and ends only it."""
        with log_context(user_id=uid):
            try:
                cancel, close_all = self._safety.kill_requested(uid)
                if not cancel:
                    return 0  # the switch was lifted while this user waited for a thread
                user = self._users.find(uid)
                if user is None:
                    return 0
                with self._manager.locks.hold(uid):
                    return self._enforce_for(user, close_all, progress)
            except Exception:
                progress.add(users_failed=1)
                logger.exception("kill switch enforcement failed for user %s", uid)
                return 0
            finally:
                progress.add(users_done=1)

    def _count_open(self, uid: str) -> int:
        try:
            return len(self._positions.open_raw(uid))
        except Exception:  # counted for progress only; the user's turn reports the failure
            return 0

    def _enforce_for(self, user: User, close_all: bool, progress: _Progress) -> int:
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
                progress.add(failed=1)
                allowed, held = self._throttle.allow(f"kill:{position.id}")
                if allowed:
                    logger.exception("kill switch enforcement failed on position %s (%d "
                                     "similar held back); retried next pass", position.id, held)
                continue
            acted += 1
            closed = after.status is PositionStatus.CLOSED
            progress.add(acted=1, closed=int(closed))
            if close_all:
                done = closed
                what = "closed" if done else "not closed yet, tried again next pass"
            else:
                done = closed or not _has_opening_orders(after)
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
