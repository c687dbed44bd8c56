"""Reconciliation: resolve every order intent without an outcome by looking it up, adopt what
the exchange has into its position, and flag orders carrying our prefix that nobody journaled.

Runs at start-up and every few minutes. "Not found" stays unknown until the exchange has
answered "not found" for the whole visibility window: counted from the first such answer after
the send's answer was lost or a look-up failed (kept in the intent journal), or from the intent
for one a crash left; only then is the intent marked not placed.
Every account that may hold our orders is scanned for strays, not only those with a client
built already; what is flagged is kept (`strays.FLAGGED`) and told to listeners (`on_flagged`).

The exchange work fans out across accounts on a bounded set of threads (`workers`): the look-ups
of the open intents, the cancels of leftover orders and the checks of futures positions run for
many (user, account) pairs at once, each account's own work in order on one thread (one
position's legs are looked up in the order they were journaled). A pass still returns only
once every account is done, so its counts are those of the sequential pass; whatever one
intent, leftover or position raises is logged with its user, account and order and ends only it.
"""

from __future__ import annotations

import contextvars
import logging
import threading
from collections import deque
from collections.abc import Callable, Hashable, Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any, TypeVar

from verzek.clock import Clock
from verzek.domain.models import (
    CloseReason,
    MarketType,
    Order,
    OrderSide,
    OrderStatus,
    OrderType,
    Position,
    PositionStatus,
    TradingMode,
)
from verzek.domain.positions import close
from verzek.engine.cancels import LEFTOVERS
from verzek.engine.intents import NOT_PLACED, PLACED, Intent, IntentJournal
from verzek.engine.pool import (
    ExchangePool,
    demo_account,
)
from verzek.engine.position_manager import PositionManager
from verzek.engine.strays import FlagBook, OnFlagged, ScannedAccount, StrayScanner
from verzek.engine.tracker import (
    add_order,
    applied_quantity,
    find_order,
    live_orders,
    new_order,
    set_order_status,
    waiting_breakout,
)
from verzek.errors import (
    ExchangeError,
    NotFound,
    OrderNotFound,
    TransientExchangeError,
    VerzekError,
)
from verzek.exchanges.base import Exchange, OrderResult
from verzek.logs import log_context
from verzek.store.repos import PositionRepository, UserRepository

logger = logging.getLogger(__name__)

# Accounts reconciled at once. Each account's look-ups run in order on one thread and can each
# take an exchange's whole timeout (seconds) in a fault; with this many accounts at once, the
# start-up pass (the API answers 503 until it is over) takes a few such waits, not one per
# intent. Kept well under the fan-out's pool: these are bursts of look-ups from one IP.
DEFAULT_WORKERS = 16

_T = TypeVar("_T")
_R = TypeVar("_R")


class Reconciler:
    """Makes the journal, the positions and the exchanges agree."""

    def __init__(self, *, intents: IntentJournal, users: UserRepository,
                 positions: PositionRepository, pool: ExchangePool, manager: PositionManager,
                 clock: Clock, visibility_window_s: float,
                 workers: int = DEFAULT_WORKERS) -> None:
        self._intents = intents
        self._users = users
        self._positions = positions
        self._pool = pool
        self._manager = manager
        self._clock = clock
        self._window = timedelta(seconds=visibility_window_s)
        self._workers = max(1, workers)
        self.flags = FlagBook(store=positions.store, clock=clock)
        # the stray scan fetches the accounts' open orders on the reconciler's threads
        self.strays = StrayScanner(
            intents=intents, users=users, positions=positions, pool=pool, flags=self.flags,
            clock=clock, map_accounts=lambda accounts, fetch: self._fan_out(
                accounts, lambda a: (a.account_id, id(a.exchange)), fetch, _fetch_failed))
        self.last_run: dict[str, int] = {}

    @property
    def flagged(self) -> list[dict[str, Any]]:
        """The flags raised so far, oldest first."""
        return self.flags.items

    @property
    def on_flagged(self) -> list[OnFlagged]:
        """Told of every new flag."""
        return self.flags.on_flagged

    def flag_strays(self, exchange: Exchange, account_id: str, *,
                    user_id: str | None = None) -> list[str]:
        """Open orders with our prefix on this account that the journal does not know."""
        return self.strays.flag_strays(exchange, account_id, user_id=user_id)

    def _exchange_for(self, user_id: str, account_id: str, market_type: Any,
                      paper: bool | None = None) -> Exchange | None:
        """The account's client; `paper`: the mode of the position the order belongs to (None
        when unknown: the mode new positions of the account open in)."""
        user = self._users.find(user_id)
        if user is None:
            return None
        account = next((a for a in user.exchange_accounts if a.id == account_id), None)
        if account is None:
            account = demo_account(user, market_type, self._clock.now())
            if account.id != account_id:
                return None
        return self._pool.get(user, account, paper=paper)

    def run_once(self) -> dict[str, int]:
        counts = {"adopted": 0, "not_placed": 0, "unknown": 0, "cleaned": 0, "strays": 0}
        for outcome in self._fan_out(self._intents.open_intents(),
                                     lambda i: (i.user_id, i.account_id),
                                     self._resolve_one, self._resolve_failed):
            counts[outcome] += 1
        counts["cleaned"] = self._clean_unsent()
        counts["strays"] = self.strays.scan()
        counts["closed_outside"] = self._match_exchange_positions()
        counts["leftovers"] = self._cancel_leftovers()
        self.last_run = counts
        if any(counts[k] for k in ("adopted", "not_placed", "cleaned", "strays",
                                   "closed_outside", "leftovers")):
            logger.warning("reconciliation: %s", counts)
        return counts

    def _fan_out(self, items: Sequence[_T], key: Callable[[_T], Hashable],
                 work: Callable[[_T], _R], failed: Callable[[_T, Exception], _R]) -> list[_R]:
        """`work` on every item, the items of one `key` (an account) in their order on one
        thread, the keys on up to `workers` threads at once; `failed` stands for an item
        whose work raised (and logs it), so one item never stops the others. Returns the
        results in the order of `items` once every item is done. The threads are daemons
        (as the kill switch's): an exchange that never answers cannot hold up the process's
        exit, and what it left open is reconciled at the next start."""
        groups: dict[Hashable, list[int]] = {}
        for n, item in enumerate(items):
            groups.setdefault(key(item), []).append(n)
        results: list[Any] = [None] * len(items)

        def run_group(indexes: list[int]) -> None:
            for n in indexes:
                try:
                    results[n] = work(items[n])
                except Exception as exc:
                    results[n] = failed(items[n], exc)

        if self._workers == 1 or len(groups) <= 1:
            for indexes in groups.values():
                run_group(indexes)
            return results
        todo = deque(groups.values())
        guard = threading.Lock()

        def worker() -> None:
            while True:
                with guard:
                    if not todo:
                        return
                    indexes = todo.popleft()
                run_group(indexes)

        threads = [threading.Thread(target=contextvars.copy_context().run, args=(worker,),
                                    name=f"reconcile-{n + 1}", daemon=True)
                   for n in range(min(self._workers, len(groups)))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return results

    def _resolve_one(self, intent: Intent) -> str:
        with log_context(user_id=intent.user_id, symbol=intent.symbol):
            return self._resolve(intent)

    @staticmethod
    def _resolve_failed(intent: Intent, exc: Exception) -> str:
        """An intent whose reconciliation raised stays open (unknown): the next pass looks
        its order up again, it is never sent again."""
        logger.error("reconciliation of order %s (user %s, account %s, position %s) failed; "
                     "it stays open for the next pass", intent.client_order_id,
                     intent.user_id, intent.account_id, intent.position_id, exc_info=exc)
        return "unknown"

    def _resolve(self, intent: Intent) -> str:
        paper: bool | None = None
        try:
            position = self._positions.get(intent.user_id, intent.position_id)
            market_type = position.market_type
            paper = position.mode is TradingMode.DEMO
        except NotFound:
            position, market_type = None, None
            if intent.position is not None and intent.position.get("mode") is not None:
                paper = intent.position["mode"] == TradingMode.DEMO.value
        if market_type is None:
            market_type = MarketType.FUTURES if ":" in intent.symbol else MarketType.SPOT
        exchange = self._exchange_for(intent.user_id, intent.account_id, market_type, paper)
        if exchange is None:
            return "unknown"
        try:
            report = exchange.fetch_order(intent.symbol, client_order_id=intent.client_order_id)
        except OrderNotFound:
            # "Not found" proves nothing until the exchange has said so without a break for
            # the whole visibility window: counted from the intent, an order hidden behind
            # failing look-ups (the send's own, or ours) would be called absent the moment
            # the exchange answers again, and its later fill go untracked.
            now = self._clock.now()
            since = self._intents.record_not_found(intent.client_order_id, at=now)
            if now - since < self._window:
                return "unknown"
            # the position first, the outcome last: a failure in between leaves the intent
            # open, and the next run does both again
            if position is not None:
                with self._manager.locks.hold(intent.user_id):
                    self._mark_not_placed(intent)
            self._intents.record_outcome(intent.client_order_id, NOT_PLACED,
                                         at=self._clock.now())
            return "not_placed"
        except TransientExchangeError:
            self._intents.record_lookup_failed(intent.client_order_id, at=self._clock.now())
            return "unknown"
        if position is None and intent.position is not None:
            # A crash came between the send and the first save: recreate the position.
            with self._manager.locks.hold(intent.user_id):
                position = self._manager.save(Position.model_validate(intent.position))
        if position is None:
            self.flags.add({"client_order_id": intent.client_order_id, "user_id": intent.user_id,
                        "account_id": intent.account_id, "kind": "position_missing",
                        "reason": f"the order exists on the exchange but its position "
                                  f"{intent.position_id} does not"})
            logger.error("order %s exists on the exchange but its position %s does not",
                         intent.client_order_id, intent.position_id)
            self._placed(intent, report)
            return "adopted"
        with self._manager.locks.hold(intent.user_id):
            current = self._positions.get(intent.user_id, intent.position_id)
            if current.status is PositionStatus.CLOSED:
                report, action = self._cancel_for_closed(exchange, intent, report)
                # filled as (or after) its position closed: held on the exchange, tracked
                # by nobody, so a new position takes it over and closes it at market
                order = _order_of(current, intent)
                recovery = self._manager.recover_late_fill(exchange, current, order, report)
                if recovery is not None:
                    action += f"; its fill taken over by position {recovery.id} " + (
                        "and closed" if recovery.status is PositionStatus.CLOSED
                        else "(close pending)")
                # the user hears of it unless it was cleaned up with nothing untracked left,
                # or the take-over told them already
                untracked = report.status in (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED) \
                    or report.filled_quantity > applied_quantity(current,
                                                                 order.client_order_id)
                self._flag_closed(intent, report, action,
                                  notify=recovery is None and untracked)
                self._placed(intent, report)
                return "adopted"
            order = _order_of(current, intent)
            current = self._manager.save(add_order(current, order.model_copy(
                update={"status": OrderStatus.UNKNOWN})))
            # Applying the exchange's answer saves the position again, and that save journals
            # PLACED: the intent closes only once the position holding the order is durable.
            self._manager.sync_order(exchange, current, find_order(current, order.client_order_id)
                                     or order, report)
        return "adopted"

    def _placed(self, intent: Intent, report: OrderResult) -> None:
        self._intents.record_outcome(intent.client_order_id, PLACED, at=self._clock.now(),
                                     exchange_order_id=report.exchange_order_id)

    def _cancel_for_closed(self, exchange: Exchange, intent: Intent,
                           report: OrderResult) -> tuple[OrderResult, str]:
        """An order sent for a position that is closed by now: a resting one is cancelled (it
        must not trade for a position nobody tracks). The latest report (what filled before
        the cancel counts) and what was done."""
        action = "left as it is"
        if report.status in (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED):
            try:
                cancelled = exchange.cancel_order(intent.symbol,
                                                  client_order_id=intent.client_order_id)
                action = "cancelled"
                if cancelled.filled_quantity >= report.filled_quantity:
                    report = cancelled
            except (TransientExchangeError, ExchangeError) as exc:
                action = f"not cancelled ({exc.code})"
        return report, action

    def _flag_closed(self, intent: Intent, report: OrderResult, action: str, *,
                     notify: bool) -> None:
        """Tell an operator about an order of a closed position, and what became of it."""
        self.flags.add({"client_order_id": intent.client_order_id, "user_id": intent.user_id,
                    "account_id": intent.account_id, "kind": "closed_position_order",
                    "reason": f"order of closed position {intent.position_id}, "
                              f"{report.status.value} on the exchange, {action}"},
                   notify=notify)
        logger.error("order %s (%s) of closed position %s is %s on the exchange: %s",
                     intent.client_order_id, intent.leg, intent.position_id,
                     report.status.value, action)

    def _cancel_leftovers(self) -> int:
        """Cancel the orders closed positions left resting (their cancel was not confirmed
        at the close); a fill since the close is reported. Returns how many were settled.
        Accounts run in parallel, each account's positions in order."""
        doc = self._positions.store.read_shared(LEFTOVERS) or {}
        settled: set[str] = set()
        for done in self._fan_out(doc.get("items", []),
                                  lambda i: (i["user_id"], i["account_id"]),
                                  self._cancel_leftovers_of, self._leftovers_failed):
            settled |= done
        if settled:
            self._positions.store.update(LEFTOVERS, lambda current: {
                "schema_version": 1, "items": [
                    {**i, "orders": left} for i in (current or {}).get("items", [])
                    if (left := [o for o in i["orders"] if o["coid"] not in settled])]})
        return len(settled)

    def _cancel_leftovers_of(self, item: dict[str, Any]) -> set[str]:
        """One closed position's leftover orders: the client ids settled."""
        with log_context(user_id=item["user_id"], symbol=item.get("symbol")):
            try:
                exchange = self._exchange_for(item["user_id"], item["account_id"],
                                              MarketType(item["market_type"]),
                                              self._paper_of(item["user_id"],
                                                             item["position_id"]))
            except VerzekError as exc:
                logger.warning("leftover orders of %s wait: %s", item["position_id"],
                               exc.message)
                return set()
            if exchange is None:
                return {o["coid"] for o in item["orders"]}  # the user or account is gone
            settled: set[str] = set()
            for order in item["orders"]:
                try:
                    if self._cancel_leftover(exchange, item, order):
                        settled.add(order["coid"])
                except Exception:  # this order waits for the next pass; the others go on
                    logger.exception("leftover order %s of closed position %s (user %s, "
                                     "account %s) failed; asked again next pass",
                                     order.get("coid"), item["position_id"], item["user_id"],
                                     item["account_id"])
            return settled

    @staticmethod
    def _leftovers_failed(item: dict[str, Any], exc: Exception) -> set[str]:
        logger.error("leftover orders of closed position %s (user %s, account %s) failed; "
                     "asked again next pass", item.get("position_id"), item.get("user_id"),
                     item.get("account_id"), exc_info=exc)
        return set()

    def _cancel_leftover(self, exchange: Exchange, item: dict[str, Any],
                         order: dict[str, str]) -> bool:
        """True once the order is gone from the book (cancelled, filled or never there)."""
        coid, symbol = order["coid"], item["symbol"]
        try:
            report = exchange.cancel_order(symbol, client_order_id=coid)
        except OrderNotFound:
            try:  # filled or gone since: read it once, so a fill is never lost
                report = exchange.fetch_order(symbol, client_order_id=coid)
            except OrderNotFound:
                return True
            except TransientExchangeError:
                return False
        except (TransientExchangeError, ExchangeError) as exc:
            logger.warning("leftover order %s of closed position %s not cancelled yet: %s",
                           coid, item["position_id"], exc.code)
            return False
        if report.status in (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED):
            return False  # the cancel was taken but not done yet: looked at again next pass
        if report.filled_quantity > Decimal(order["filled"]):
            filled = report.filled_quantity - Decimal(order["filled"])
            taken = self._take_over(exchange, item, coid, report)
            action = "taken over and closed at market" if taken else \
                "flatten it on the exchange"
            self.flags.add({"client_order_id": coid, "user_id": item["user_id"],
                        "account_id": item["account_id"], "kind": "late_fill",
                        "reason": f"{order['leg']} of closed position {item['position_id']} "
                                  f"filled {filled} after the close: {action}"},
                       notify=not taken)  # a take-over tells the user itself
            logger.error("order %s (%s) of closed position %s filled %s %s after the close: %s",
                         coid, order["leg"], item["position_id"], filled, symbol, action)
        return True

    def _take_over(self, exchange: Exchange, item: dict[str, Any], coid: str,
                   report: OrderResult) -> bool:
        """An entry or DCA leftover that filled: a new position takes the quantity over and
        closes it at market (`PositionManager.recover_late_fill`). False when it cannot."""
        user_id = item["user_id"]
        closed = next((p for p in self._positions.closed_positions(user_id)
                       if p.id == item["position_id"]), None)
        order = find_order(closed, coid) if closed is not None else None
        if closed is None or order is None:
            return False
        try:
            with self._manager.locks.hold(user_id):
                return self._manager.recover_late_fill(exchange, closed, order,
                                                       report) is not None
        except VerzekError as exc:
            logger.error("late fill of %s not taken over: %s", coid, exc.message)
            return False

    def _mark_not_placed(self, intent: Intent) -> None:
        position = self._positions.get(intent.user_id, intent.position_id)
        if position.status is PositionStatus.CLOSED:
            return
        position = set_order_status(position, intent.client_order_id, OrderStatus.REJECTED,
                                    self._clock.now())
        position = self._close_if_empty(position)
        if position.status is PositionStatus.CLOSED:
            # its signal's decision said "Entry placed … (unknown)": the close notice says
            # why it closes (it closed quietly, and the user missed the trade unaware)
            position = position.model_copy(update={"extra": {
                **position.extra, "entry_cancelled": "the entry was not placed: the exchange "
                "never showed the order after its answer was lost, so nothing was bought"}})
        self._manager.save(position)

    def _close_if_empty(self, position: Position) -> Position:
        """A pending position whose every entry failed is closed as cancelled."""
        if position.status is PositionStatus.PENDING and not live_orders(position) and \
                position.quantity == 0 and waiting_breakout(position) is None:
            return close(position, CloseReason.CANCELLED, self._clock.now())
        return position

    def _clean_unsent(self) -> int:
        """Orders a crash left INTENDED with no journaled intent were never sent."""
        cleaned = 0
        known = self._intents.all_client_ids()
        for user_id in self._positions.user_ids():
            with self._manager.locks.hold(user_id):
                for position in self._positions.open_positions(user_id):
                    changed = position
                    for order in position.orders:
                        if order.status is OrderStatus.INTENDED and \
                                order.client_order_id not in known:
                            changed = set_order_status(changed, order.client_order_id,
                                                       OrderStatus.CANCELED, self._clock.now())
                    changed = self._close_if_empty(changed)
                    if changed is not position:
                        self._manager.save(changed)
                        cleaned += 1
        return cleaned

    def _match_exchange_positions(self) -> int:
        """Futures positions the exchange no longer holds (liquidated or closed outside us,
        perhaps while we were down) are settled at the market price, never left open.
        Accounts run in parallel, each account's positions in order."""
        ours: list[tuple[str, Position]] = []
        for user_id in self._positions.user_ids():
            open_futures = [p for p in self._positions.open_positions(user_id)
                            if p.market_type.value == "futures" and p.quantity > 0]
            if open_futures and self._users.find(user_id) is not None:
                ours.extend((user_id, p) for p in open_futures)
        return sum(self._fan_out(ours, lambda o: (o[0], o[1].account_id, o[1].mode),
                                 self._match_position, self._match_failed))

    def _match_position(self, owned: tuple[str, Position]) -> int:
        """1 when the exchange no longer holds the position and it was settled, else 0."""
        user_id, position = owned
        with log_context(user_id=user_id, symbol=position.symbol):
            try:
                exchange = self._exchange_for(user_id, position.account_id,
                                              position.market_type,
                                              position.mode is TradingMode.DEMO)
                if exchange is None:
                    return 0
                held = [i for i in exchange.fetch_positions([position.symbol])
                        if i.side is position.side and i.quantity > 0]
                if held:
                    return 0
                price = exchange.fetch_ticker(position.symbol).last
            except VerzekError as exc:
                logger.info("position check of %s deferred: %s", position.id, exc.code)
                return 0
            with self._manager.locks.hold(user_id):
                current = self._positions.get(user_id, position.id)
                if current.status is PositionStatus.CLOSED or current.quantity == 0:
                    return 0
                # Our own orders may have closed it (a fill made while we were away):
                # count those fills before calling anything "closed outside".
                current = self._manager.sync(exchange, current)
                if current.status is PositionStatus.CLOSED:
                    return 0
                try:
                    if any(i.side is current.side and i.quantity > 0 for i in
                           exchange.fetch_positions([current.symbol])):
                        return 0
                except VerzekError:
                    return 0
                reason = CloseReason.MANUAL  # closed where we cannot see why
                logger.error("position %s (%s %s) is no longer on the exchange: settled "
                             "at %s as %s", current.id, current.side.value,
                             current.symbol, price, reason.value)
                self._manager.settle(exchange, current, reason, price)
                return 1

    @staticmethod
    def _match_failed(owned: tuple[str, Position], exc: Exception) -> int:
        user_id, position = owned
        logger.error("position check of %s (user %s, account %s) failed; checked again next "
                     "pass", position.id, user_id, position.account_id, exc_info=exc)
        return 0

    def _paper_of(self, user_id: str, position_id: str) -> bool | None:
        """Whether the position (open or closed) was opened in demo; None when it is gone."""
        try:
            return self._positions.get(user_id, position_id).mode is TradingMode.DEMO
        except NotFound:
            return None


def _fetch_failed(account: ScannedAccount, exc: Exception) -> None:
    """A stray check whose fetch raised unexpectedly: logged, the account is checked again
    next pass; the others go on."""
    logger.error("stray check on account %s (user %s) failed", account.account_id,
                 account.user_id, exc_info=exc)


def _order_of(position: Position, intent: Intent) -> Order:
    """The position's order for the intent, or one rebuilt from the intent (status unknown)."""
    return find_order(position, intent.client_order_id) or new_order(
        intent.client_order_id, intent.leg, OrderSide(intent.side), OrderType(intent.type),
        intent.quantity, intent.at, price=intent.price, stop_price=intent.stop_price,
        reduce_only=intent.reduce_only, status=OrderStatus.UNKNOWN)
