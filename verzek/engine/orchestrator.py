"""Orchestrator: a signal in, a decision and (maybe) a position out, for every eligible user.

Deduplicate (source message id, content hash) → persist → fan out across users on a bounded
pool (in order within one user): gate through safety and every risk rule, plan, choose the
account, set leverage, place the entry, protect it, arm the DCA levels.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from verzek.clock import Clock
from verzek.domain import plans
from verzek.domain.decision import Decision
from verzek.domain.models import (
    CloseReason,
    ExchangeAccount,
    MarketType,
    OrderType,
    Position,
    PositionStatus,
    Signal,
    SignalRecord,
    TradingMode,
    User,
)
from verzek.domain.positions import close
from verzek.domain.safety.state import OrderPurpose
from verzek.engine.entry_plan import (
    EntryPlanner,
    Prepared,
    breakout_wait,
    entry_specs,
    entry_summary,
)
from verzek.engine.entry_prices import (
    position_id_for,
)
from verzek.engine.executor import OrderSpec, SendResult
from verzek.engine.locks import Lease
from verzek.engine.notifier import Event, EventKind, Notifier
from verzek.engine.pool import ExchangePool, demo_account, is_paper
from verzek.engine.ports import UserDecision
from verzek.engine.position_manager import PositionManager
from verzek.engine.safety_service import SafetyService
from verzek.engine.stats import StatsBook
from verzek.engine.tracker import waiting_breakout
from verzek.engine.verification import redacted, verified_before_live
from verzek.errors import (
    DiskFault,
    ExchangeError,
    InvalidInput,
    SecretError,
    TransientExchangeError,
    VerzekError,
)
from verzek.logs import log_context
from verzek.store.repos import PositionRepository, UserRepository

logger = logging.getLogger(__name__)
ZERO = Decimal(0)


@dataclass(frozen=True)
class Sent:
    """An entry order dispatched whose answer is not applied to its position yet."""

    leg: str
    spec: OrderSpec
    result: SendResult


@dataclass
class Pending:
    """A user's entry sent in the first pass of a fan-out, finished in the second (its
    answer applied, the position saved, the decision made) under the same user lock."""

    record: SignalRecord
    user: User
    account: ExchangeAccount
    prepared: Prepared
    position: Position
    sent: Sent
    lease: Lease | None = None


class Orchestrator:
    """Runs signals through every user's pipeline, in parallel across users."""

    def __init__(
        self, *, users: UserRepository, positions: PositionRepository, pool: ExchangePool,
        manager: PositionManager, safety: SafetyService, notifier: Notifier, clock: Clock,
        stats: StatsBook, workers: int = 64,
    ) -> None:
        self._stats = stats
        self._users = users
        self._positions = positions
        self._pool = pool
        self._manager = manager
        self._safety = safety
        self._notifier = notifier
        self._clock = clock
        self._workers = workers
        self._planner = EntryPlanner(pool=pool, stats=stats, clock=clock)
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fanout")
        # The second pass of a new signal's fan-out (see `open_signal`) runs apart: its tasks
        # never wait behind first-pass tasks of another fan-out that may wait for its leases.
        self._books = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fanout-book")
        # The first pass runs on its own pool, one signal at a time: two signals' first passes
        # at once each held (leased) a user the other waited for, and neither second pass
        # could start (every worker hung, filled entries left without a stop); on the shared
        # pool, a follow-up's or another signal's protection tasks waiting for leased users
        # could take every worker the first pass needed to finish.
        self._entries = ThreadPoolExecutor(max_workers=workers,
                                           thread_name_prefix="fanout-entry")
        self._entries_lock = threading.Lock()

    # --- fan-out -------------------------------------------------------------------------

    def fan_out(self, users: list[User], fn: Callable[[User], UserDecision]) -> list[UserDecision]:
        """Run `fn` for every user on the pool; one user's failure is that user's decision."""
        return self.fan_out_each(users, lambda user: [fn(user)])

    def fan_out_each(self, users: list[User], fn: Callable[[User], list[UserDecision]],
                     ) -> list[UserDecision]:
        """`fan_out` for a step with several decisions per user (one per account traded)."""
        def guarded(user: User) -> list[UserDecision]:
            with log_context(user_id=user.id):
                try:
                    with self._manager.locks.hold(user.id):
                        return fn(user)
                except Exception as exc:
                    return [_failed(user.id, exc)]
        return [d for per_user in self._executor.map(guarded, users) for d in per_user]

    def eligible_users(self) -> list[User]:
        return [u for u in self._users.all() if u.settings.general.auto_trade]

    def open_signal(self, record: SignalRecord, users: list[User] | None = None,
                    ) -> list[UserDecision]:
        """Every eligible user's decision on a new trade signal (positions opened on the way)."""
        assert record.signal is not None
        listed = users if users is not None else self.eligible_users()
        targets = list({u.id: u for u in listed}.values())  # once each: see `_send_entries`
        with log_context(signal_id=record.id, symbol=record.signal.symbol):
            decisions = self._send_entries(record, targets)
            # Every entry first, then every position's protection: the last user's entry does
            # not wait for the first users' take-profit and stop orders. Every position opened
            # is protected, one per account for a user trading on several.
            opened: dict[str, list[str]] = {}
            for d in decisions:
                if d.outcome == "executed" and d.position_id:
                    opened.setdefault(d.user_id, []).append(d.position_id)
            by_id = {u.id: u for u in targets if u.id in opened}
            self.fan_out_each(list(by_id.values()),
                              lambda user: self._protect(user, opened[user.id]))
            return decisions

    def _send_entries(self, record: SignalRecord, users: list[User]) -> list[UserDecision]:
        """Every user's entry, in two passes so the last user's entry is not held back by
        the first users' bookkeeping: the first pass gates, plans and sends each entry under
        the user's lock, which it then hands off (a lease) rather than release; the second,
        once every entry is out, applies each answer, saves the position and decides, under
        the same lock. Nobody sees a user between the passes: a concurrent signal, the
        monitor, a close or the kill switch waits (or skips the user) until the second pass
        is done. Each user is listed once: a second first pass of one user in this fan-out
        would wait for a lease only this fan-out's second pass releases."""
        def first(user: User) -> list[UserDecision | Pending]:
            with log_context(user_id=user.id):
                try:
                    with self._manager.locks.hold(user.id):
                        out = self._open_for_user(record, user)
                        pending = [o for o in out if isinstance(o, Pending)]
                        if pending:
                            pending[0].lease = self._manager.locks.hand_off(user.id)
                        return out
                except Exception as exc:
                    return [_failed(user.id, exc)]

        def second(pending: Pending) -> UserDecision:
            assert pending.lease is not None
            with log_context(user_id=pending.user.id), \
                    self._manager.locks.adopt(pending.user.id, pending.lease):
                try:
                    return self._finish_entry(pending)
                except Exception as exc:
                    return replace(_failed(pending.user.id, exc), account_id=pending.account.id)

        with self._entries_lock:
            sent = list(self._entries.map(first, users))
            pending = [o for out in sent for o in out if isinstance(o, Pending)]
            finished: dict[int, UserDecision] = {}
            try:
                finished = dict(zip((id(p) for p in pending), self._books.map(second, pending),
                                    strict=True))
            finally:
                for p in pending:  # a second pass that never ran must not keep a user locked
                    if p.lease is not None and self._manager.locks.drop(p.user.id, p.lease):
                        logger.error("entry of user %s not finished; its lock was freed",
                                     p.user.id)
        return [finished[id(o)] if isinstance(o, Pending) else o for out in sent for o in out]

    def _protect(self, user: User, position_ids: list[str]) -> list[UserDecision]:
        """Arm the take profit, stop and DCA orders of each position opened; one position's
        failure does not leave the others bare (order sync arms it again later)."""
        done: list[UserDecision] = []
        for position_id in position_ids:
            try:
                position = self._positions.get(user.id, position_id)
                if position.status in (PositionStatus.OPEN, PositionStatus.PARTIALLY_CLOSED):
                    self._manager.arm(self._pool.for_position(user, position), position)
                done.append(UserDecision(user.id, "executed", "protected", "protected",
                                         position_id))
            except Exception as exc:
                done.append(_failed(user.id, exc))
        return done

    def shutdown(self, wait: bool = True) -> None:
        self._executor.shutdown(wait=wait, cancel_futures=not wait)
        self._entries.shutdown(wait=wait, cancel_futures=not wait)
        self._books.shutdown(wait=wait, cancel_futures=not wait)

    # --- one user ----------------------------------------------------------------------------

    def _accounts_for(self, user: User, signal: Signal) -> list[ExchangeAccount]:
        general = user.settings.general
        enabled = [a for a in user.exchange_accounts if a.enabled]
        if signal.market is not None:
            matching = [a for a in enabled if a.market_type is signal.market]
            if signal.market is MarketType.SPOT and not matching:
                # a spot call is never a leveraged perpetual (it became one at the user's
                # maximum leverage, open to liquidation): a demo user's paper spot account,
                # else none (said by the caller); a futures call may trade spot (a 1x buy)
                enabled = []
            else:
                enabled = matching or enabled
        if not enabled:
            if general.mode is TradingMode.DEMO:  # a demo user trades on an implicit paper
                market = signal.market or MarketType.FUTURES  # account; a live one needs one
                return [demo_account(user, market, self._clock.now())]
            return []
        if general.trade_all_accounts:
            return enabled
        default = next((a for a in enabled if a.id == general.default_account_id), None)
        return [default or enabled[0]]

    def _open_for_user(self, record: SignalRecord, user: User,
                       ) -> list[UserDecision | Pending]:
        """One decision per account the user trades this signal on (several with "trade
        every enabled account"); one account's failure is that account's decision only.
        A user trading one account may get a Pending instead: the entry is sent, and
        `_finish_entry` makes the decision (see `_send_entries`)."""
        signal = record.signal
        assert signal is not None
        accounts = self._accounts_for(user, signal)
        if not accounts:
            enabled = [a for a in user.exchange_accounts if a.enabled]
            why = ("your exchange accounts are all disabled: enable one" if
                   user.exchange_accounts and not enabled else
                   "this is a spot call and none of your enabled accounts is a spot account "
                   "(a spot call is not traded with leverage): add or enable one" if enabled
                   and signal.market is MarketType.SPOT else
                   "live trading needs an exchange account with your API keys: add one, or "
                   "switch to demo mode to trade on paper")
            return [UserDecision(user.id, "skipped", f"No exchange account to trade this call "
                                 f"on: {why}.", "no_account")]
        decisions: list[UserDecision | Pending] = []
        for account in accounts:
            try:
                decision = self._open_on_account(record, user, account,
                                                 defer=len(accounts) == 1)
            except Exception as exc:
                decision = _failed(user.id, exc)
            decisions.append(decision if isinstance(decision, Pending)
                             else replace(decision, account_id=account.id))
        return decisions

    def _open_on_account(self, record: SignalRecord, user: User, account: ExchangeAccount,
                         *, defer: bool = False) -> UserDecision | Pending:
        signal = record.signal
        assert signal is not None
        pid = position_id_for(record.id, user.id, account.id)
        existing = [p for p in self._positions.open_positions(user.id)]
        if any(p.id == pid for p in existing) or self._positions.is_archived(user.id, pid):
            # open, or opened and closed already: a fan-out resumed after a crash must not
            # trade a signal again, and its record says what the user's position from it did
            return self._traded_before(user, record, pid)
        gate = self._safety.check_new_position(user.id)
        if not gate.allowed:
            return self._skip(user, record, gate)
        now = self._clock.now()
        features = plans.plan_caps(user, now)
        if not features.live_trading and not is_paper(user, account):
            # asked before the exchange is (the risk rule would refuse it after a balance read
            # that fails with the exchange's error when it is away): a plan that lapsed
            lapsed = " (your subscription has expired)" \
                if plans.is_expired(user.subscription, now) else ""
            return self._skip(user, record, Decision.deny(
                "plan_no_live_trading", f"The {features.name.value} plan trades in demo only"
                f"{lapsed}; upgrade to trade live, or switch to demo mode."))
        if self._positions.store.last_error is not None:
            return self._skip(user, record, Decision.deny(
                "disk_fault", "Trading is paused: the disk refused a write "
                f"({self._positions.store.last_error})."))
        if not is_paper(user, account):
            account, refused = verified_before_live(self._pool, self._users, user, account)
            if refused is not None:
                return self._skip(user, record, Decision.deny(*refused))
        try:
            prepared = self._planner.prepare(record, user, account, existing)
        except TransientExchangeError as exc:  # its words are a class name ("NetworkError")
            return self._skip(user, record, Decision.deny(
                exc.code, f"{account.exchange.value} could not be reached or "
                f"did not answer ({exc.code}) while this trade was prepared; nothing was sent."))
        except (ExchangeError, InvalidInput) as exc:  # an exchange's text: no query strings
            return self._skip(user, record, Decision.deny(exc.code, redacted(exc.message)))
        except SecretError:  # the operator's master keys, not the user's: an internal error
            logger.error("stored keys of account %s (user %s) cannot be decrypted with the "
                         "configured master keys (VERZEK_MASTER_KEYS)", account.id, user.id)
            return self._skip(user, record, Decision.deny(
                "credentials_unreadable", f"The service cannot read the stored API keys of "
                f"exchange account {account.label or account.id} (an operator's setting); "
                "nothing was sent. The operator has been told."))
        if isinstance(prepared, Decision):
            return self._skip(user, record, prepared)
        unconfirmed = self._configure_futures(prepared)
        if unconfirmed is not None:
            return self._skip(user, record, unconfirmed)
        # Not saved yet: the entry's intent carries it (one durable write less per user).
        try:
            position = self._planner.new_position(record, prepared, pid)
        except InvalidInput as exc:  # settings stored before a check refused them
            return self._skip(user, record, Decision.deny(
                "invalid_settings", f"Your settings cannot be traded: {exc.message}; fix them "
                "and the next signal trades."))
        placed = self._place_entry(prepared, position, prepared.signal, defer=defer)
        if isinstance(placed, Sent):
            return Pending(record, user, account, prepared, position, placed)
        return self._entry_decision(record, user, account, placed)

    def _traded_before(self, user: User, record: SignalRecord, pid: str) -> UserDecision:
        """The decision for a user whose position from this call exists already (a fan-out
        resumed after a restart): executed when its entry filled, else failed; it read
        "skipped: you already executed" for users who had traded."""
        position = self._positions.get(user.id, pid)
        if position.entry_quantity > 0:
            state = "open" if position.status is not PositionStatus.CLOSED else "closed since"
            return UserDecision(user.id, "executed", f"Traded before a restart: position {pid} "
                                f"({state}); {entry_summary(position)}", "executed", pid)
        if position.status is not PositionStatus.CLOSED:
            return UserDecision(user.id, "executed", f"Entry placed before a restart: position "
                                f"{pid} waits for its fill.", "executed", pid)
        return UserDecision(user.id, "failed", f"The entry of position {pid} was placed before "
                            "a restart and closed unfilled.", "entry_failed", pid)

    def _finish_entry(self, pending: Pending) -> UserDecision:
        """The second pass of a deferred entry: its answer applied, then the decision."""
        sent = pending.sent
        position = pending.position
        position, _ = self._manager.take(pending.prepared.exchange, position, sent.leg,
                                         sent.spec, sent.result, protect=False)
        return replace(self._entry_decision(pending.record, pending.user, pending.account,
                                            position), account_id=pending.account.id)

    def _entry_decision(self, record: SignalRecord, user: User, account: ExchangeAccount,
                        position: Position) -> UserDecision:
        """The decision on a position whose entry orders were sent (or whose breakout waits)."""
        pid = position.id
        trigger = waiting_breakout(position)
        if trigger is not None:
            self._manager.save(position)
            message = (f"The {position.symbol} {position.side.value} entry waits for the price "
                       f"to cross {trigger['direction']} {trigger['price']}.")
            self._tell_resting(record, account, position, message)
            return UserDecision(user.id, "executed", message, "entry_waiting", pid)
        if position.status is PositionStatus.PENDING and not any(
                o.status.value in ("open", "partially_filled", "unknown", "filled")
                for o in position.orders):
            reason = next((o.status.value for o in position.orders), "not sent")
            if position.extra.get("entry_refused"):
                reason = f"{reason}: {position.extra['entry_refused']}"
            self._manager.save(close(position, CloseReason.CANCELLED, self._clock.now()))
            message = f"The entry order was not placed ({reason})."
            self._notifier.notify(Event(
                EventKind.ATTENTION, user.id, self._clock.now(),
                f"Your {position.symbol} {position.side.value} entry on account "
                f"{account.label or account.id} was not placed ({reason}); no position was "
                "opened.", {"signal_id": record.id, "code": "entry_failed",
                            "account_id": account.id, "position_id": pid,
                            "symbol": position.symbol}))
            return UserDecision(user.id, "failed", message, "entry_failed", pid)
        summary = entry_summary(position)
        if position.mode is TradingMode.DEMO and user.settings.general.mode is TradingMode.LIVE:
            # a live user trading a demo account: say it is not their real money
            summary += (f" On paper: account {account.label or account.id} is a demo "
                        "account, no real order was sent.")
        if position.status is PositionStatus.PENDING:  # nothing filled yet: said at placing
            self._tell_resting(record, account, position, summary)
        return UserDecision(user.id, "executed", summary, "executed", pid)

    def _tell_resting(self, record: SignalRecord, account: ExchangeAccount, position: Position,
                      message: str) -> None:
        """An entry that did not fill at once is told when placed (its fill, later, is told
        as the position opening)."""
        self._notifier.notify(Event(
            EventKind.ENTRY_PLACED, position.user_id, self._clock.now(), message,
            {"signal_id": record.id, "position_id": position.id, "account_id": account.id,
             "symbol": position.symbol}))

    def _skip(self, user: User, record: SignalRecord, decision: Decision) -> UserDecision:
        until = decision.details.get("paused_until")
        if isinstance(until, datetime) and until > self._clock.now():
            # The daily loss limit pauses the user until the next UTC day (persisted).
            reason = decision.details.get("pause_reason", decision.message)  # the cause
            self._safety.set_pause(paused=True, until=until, reason=reason, user_id=user.id,
                                   set_by="limit")
        self._notifier.notify(Event(EventKind.SIGNAL_SKIPPED, user.id, self._clock.now(),
                                    f"Signal {record.signal.symbol if record.signal else ''} "
                                    f"skipped: {decision.message}",
                                    {"signal_id": record.id, "code": decision.code}))
        return UserDecision(user.id, "skipped", decision.message, decision.code)

    def _configure_futures(self, p: Prepared) -> Decision | None:
        """Set the leverage and margin mode the position is sized for; None once the exchange
        confirmed both ("already set" counts), else the reason to skip: an entry sent at
        whatever the account holds would trade at a leverage the position does not record."""
        if p.account.market_type is not MarketType.FUTURES:
            return None
        margin_mode = p.user.settings.risk.margin_mode
        try:
            self._pool.ensure_futures_settings(p.exchange, p.account.id, p.market.symbol,
                                               p.leverage, margin_mode)
        except (ExchangeError, TransientExchangeError) as exc:
            logger.warning("leverage/margin not set on %s, entry not sent: %s",
                           p.market.symbol, exc.message)
            return Decision.deny(
                "leverage_not_set", f"The exchange did not confirm {p.leverage}x leverage and "
                f"{margin_mode.value} margin on {p.market.symbol} ({exc.message}); no order "
                "was sent.", exchange_code=exc.code)
        return None

    def _place_entry(self, p: Prepared, position: Position, signal: Signal, *,
                     defer: bool = False) -> Position | Sent:
        """Send the entry order(s). With `defer`, a single entry order is only dispatched:
        its answer comes back as Sent, for `_finish_entry` to apply (several orders, a
        split entry, are applied one by one: each one's record is in the next one's
        position)."""
        exchange = p.exchange
        waiting = breakout_wait(p, position, signal, self._clock.now())
        if waiting is not None:  # a breakout not reached yet: nothing is sent until the cross
            return waiting
        specs = entry_specs(p, position, signal)
        if any(spec.type is OrderType.LIMIT for _, spec in specs):
            # the monitor's cheap pass looks for entries to expire only where some rested
            position = position.model_copy(
                update={"extra": {**position.extra, "resting_entries": True}})
        if defer and len(specs) == 1:
            leg, spec = specs[0]
            try:
                spec, result = self._manager.dispatch(exchange, position, leg, spec,
                                                      OrderPurpose.OPEN)
            except VerzekError as exc:
                logger.warning("entry %s failed: %s", leg, exc.message)
                return position
            return Sent(leg, spec, result)
        for leg, spec in specs:
            try:
                position, result = self._manager.send(exchange, position, leg, spec,
                                                      OrderPurpose.OPEN, protect=False)
            except VerzekError as exc:
                logger.warning("entry %s failed: %s", leg, exc.message)
                continue
            if result.status == "blocked":
                break
        return position


def _failed(user_id: str, exc: Exception) -> UserDecision:
    """An unexpected failure of one user's (or account's) pipeline, logged, as its decision."""
    closed = isinstance(exc, DiskFault) and isinstance(exc.details, dict) \
        and exc.details.get("closed")
    if closed:  # the store closed under it at the shutdown deadline: expected
        logger.warning("pipeline for user %s cut off at shutdown: %s", user_id, exc)
    else:
        logger.exception("pipeline failed for user %s", user_id, exc_info=exc)
    return UserDecision(user_id, "failed", f"{type(exc).__name__}: {exc}", "internal_error")
