"""Order sync: finds fills of resting orders with one open-orders call per account, then a
look-up only of our live orders no longer open there, and re-places protection a failure left
out. It runs every few seconds and once at start-up, before anything else."""

from __future__ import annotations

import logging
import threading
from typing import Any

from verzek.clock import Clock
from verzek.domain.models import OrderStatus, Position, PositionStatus, User
from verzek.engine.pool import ExchangePool
from verzek.engine.position_manager import PositionManager
from verzek.engine.tracker import live_orders
from verzek.errors import VerzekError
from verzek.logs import Throttle
from verzek.store.repos import PositionRepository, UserRepository

logger = logging.getLogger(__name__)


class OrderSync:
    """`run_once()` is one pass over every user with open positions, each under their lock."""

    def __init__(self, *, users: UserRepository, positions: PositionRepository,
                 pool: ExchangePool, manager: PositionManager, clock: Clock,
                 stopping: threading.Event | None = None) -> None:
        self._users = users
        self._positions = positions
        self._pool = pool
        self._manager = manager
        self._stopping = stopping or threading.Event()  # shutdown: no further user
        self._throttle = Throttle(60.0, clock)

    def run_once(self) -> int:
        """Find fills of resting orders: one open-orders call per account, then a look-up only
        of our live orders that are no longer open there; re-place missing protection."""
        synced = 0
        for user_id in self._positions.user_ids():
            if self._stopping.is_set():
                break  # shutdown: the next start's sync picks up from here
            raws = self._positions.open_raw(user_id)
            if not raws:
                continue
            user = self._users.find(user_id)
            if user is None:
                continue
            try:
                synced += self._sync_user(user, raws)
            except Exception:
                logger.exception("order sync failed for user %s", user_id)
        return synced

    def _sync_user(self, user: User, raws: list[dict[str, Any]]) -> int:
        by_account: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for raw in raws:  # an account's demo and live positions are on two clients
            by_account.setdefault((raw["account_id"], raw.get("mode", "")), []).append(raw)
        synced = 0
        for account_raws in by_account.values():
            first = Position.model_validate(account_raws[0])
            try:
                exchange = self._pool.for_position(user, first)
                still_open = {o.client_order_id: o for o in exchange.fetch_open_orders()}
            except VerzekError as exc:
                self._log_once(f"open:{first.account_id}", "open orders of %s: %s",
                               first.account_id, exc.message)
                continue
            with self._manager.locks.hold(user.id):
                for raw in account_raws:
                    current = self._reload_raw(user.id, raw["id"])
                    if current is None:
                        continue
                    changed = set()
                    for order in live_orders(current):
                        if order.status is OrderStatus.INTENDED:
                            continue
                        report = still_open.get(order.client_order_id)
                        if report is not None and report.filled_quantity == \
                                order.filled_quantity and report.status is order.status:
                            continue  # resting, nothing new
                        changed.add(order.client_order_id)
                    if changed:
                        current = self._manager.sync(exchange, current, only=changed)
                    if current.status is not PositionStatus.CLOSED:
                        self._manager.arm(exchange, current)  # protection a failure left out
                    synced += 1
        return synced

    def _reload_raw(self, user_id: str, position_id: str) -> Position | None:
        for raw in self._positions.open_raw(user_id):
            if raw["id"] == position_id:
                return Position.model_validate(raw)
        return None

    def _log_once(self, key: str, fmt: str, *args: object) -> None:
        allowed, held = self._throttle.allow(key)
        if allowed:
            logger.warning(fmt + " (%d similar held back)", *args, held)
