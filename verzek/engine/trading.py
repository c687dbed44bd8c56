"""TradingService: the engine's facade (`TradingPort`) for the REST API, the bot and the bus."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from verzek.clock import Clock
from verzek.domain.models import (
    CloseReason,
    OrderStatus,
    Position,
    PositionStatus,
    Signal,
    SignalRecord,
    SignalSource,
    SignalUpdate,
    User,
)
from verzek.domain.safety.state import SetBy
from verzek.engine import demo_balance, demo_prices, signal_log, valuation, verification
from verzek.engine.bus import BusMessage, NotHandled
from verzek.engine.call_keys import call_keys, repeatable
from verzek.engine.intents import IntentJournal
from verzek.engine.kill_switch import KillSwitchEnforcer
from verzek.engine.monitor import PriceMonitor
from verzek.engine.notifier import Event, EventKind, Notifier
from verzek.engine.orchestrator import Orchestrator
from verzek.engine.originals import Originals
from verzek.engine.pool import ExchangePool
from verzek.engine.ports import SubmitResult, UserDecision
from verzek.engine.position_manager import PositionManager
from verzek.engine.reconcile import Reconciler
from verzek.engine.safety_service import SafetyService
from verzek.engine.signal_checks import refuse_inconsistent
from verzek.engine.signal_log import FanoutState, SignalLog
from verzek.engine.stats import StatsBook
from verzek.engine.updates import UpdateApplier, no_open_position, route_update
from verzek.errors import Conflict, DiskFault, InvalidInput, NotFound, VerzekError
from verzek.exchanges.base import Exchange
from verzek.exchanges.multipliers import same_coin
from verzek.logs import log_context
from verzek.signals import content_hash, parse_message, validate
from verzek.signals.render import field_lines
from verzek.store.repos import PositionRepository, UserRepository

logger = logging.getLogger(__name__)


# How long a follow-up waits for the call it is about to finish deciding its users
FOLLOW_UP_WAIT_S = 120


@dataclass(frozen=True)
class Accepted(SubmitResult):
    """A submission answered while its fan-out still runs (the caller stopped waiting):
    `decisions` are those recorded so far; the record tells the rest (`get_signal`,
    `fanout_state`)."""


class TradingService:
    """One facade over the engine; every transport calls these methods."""

    def __init__(
        self, *, users: UserRepository, positions: PositionRepository, signals: SignalLog,
        intents: IntentJournal, safety: SafetyService, pool: ExchangePool,
        manager: PositionManager, orchestrator: Orchestrator, monitor: PriceMonitor,
        reconciler: Reconciler, stats: StatsBook, notifier: Notifier, clock: Clock,
        accepting: Any = None, status_provider: Any = None, bus: Any = None,
    ) -> None:
        self._bus = bus
        self.users = users
        self.positions = positions
        self.signals = signals
        self.intents = intents
        self.safety = safety
        self.pool = pool
        self.manager = manager
        self.orchestrator = orchestrator
        self.monitor = monitor
        self.reconciler = reconciler
        self.stats = stats
        self._notifier = notifier
        self._clock = clock
        self._accepting = accepting
        self._status_provider = status_provider
        self._updates = UpdateApplier(manager=manager, clock=clock)
        self._originals = Originals(signals=signals)
        self._kill = KillSwitchEnforcer(users=users, positions=positions, safety=safety,
                                        pool=pool, manager=manager, clock=clock)
        manager.on_closed.append(self._on_closed)
        safety.on_change.append(self._on_safety_change)
        reconciler.on_flagged.append(self._on_flagged)

    # --- intake ----------------------------------------------------------------------------

    def on_bus_message(self, message: BusMessage) -> None:
        """SignalBus subscriber: every message from Telegram, the bot or a webhook.

        A message refused for a passing reason (shutting down, the disk refusing writes) is
        not acknowledged (`NotHandled`), so the forwarder offers it again after a restart;
        a repeat is harmless: the source key `msg:<chat>:<id>` is remembered (persisted)."""
        if message.meta.get("processed"):
            return  # the API ran it already and published it for the broadcaster
        try:
            self.submit_text(message.text, message.source, received_at=message.received_at,
                             publish=False)
        except DiskFault as exc:
            raise NotHandled(exc.message) from exc
        except Conflict as exc:
            if self._accepting is not None and not self._accepting.is_set():
                raise NotHandled(exc.message) from exc
            raise

    def submit_text(self, text: str, source: SignalSource,
                    received_at: datetime | None = None, *, publish: bool = True,
                    wait_s: float | None = None) -> SubmitResult:
        """Parse and run a message; with `publish`, hand it to the bus for the broadcaster
        once every user is decided. `wait_s`: see `_submit`."""
        if not text or not text.strip():
            raise InvalidInput("the message is empty", details={"field": "text"})
        parsed = parse_message(text)

        def announce(result: SubmitResult) -> None:
            if publish and self._bus is not None and result.kind in ("signal", "update"):
                self._bus.publish(BusMessage(text=text, source=source,
                                             received_at=received_at or self._clock.now(),
                                             origin=source.kind,
                                             meta={"processed": True,
                                                   "signal_id": result.signal_id}))

        return self._submit(text, source, parsed.kind, parsed.signal, parsed.update,
                            parsed.invalid_reason, received_at, wait_s=wait_s, then=announce)

    def submit_signal(self, signal: Signal, source: SignalSource, *,
                      publish: bool = True, refuse_invalid: bool = False,
                      wait_s: float | None = None) -> SubmitResult:
        """Run a structured signal; with `publish`, hand it to the bus for the broadcaster
        (its text: `raw_text`, else a plain rendering; the Signal itself in `meta`). With
        `refuse_invalid`, prices that cannot be traded as written raise InvalidInput naming
        the field (`signal_checks`) and nothing is stored; else they are recorded as noise.
        `wait_s`: see `_submit`."""
        if refuse_invalid:
            refuse_inconsistent(signal)
        text = signal.raw_text or _render_signal(signal)
        if signal.entry_trigger is not None and (len(signal.entries) != 1
                                                 or signal.entry_is_market):
            # a trigger without its one price would enter at once: recorded, never traded
            return self._submit(text, source, "noise", None, None, "a breakout entry "
                                "(entry_trigger) needs exactly one entry price and no market "
                                "entry", None)
        if signal.stop_pct is not None and signal.stop_pct >= 100:
            return self._submit(text, source, "noise", None, None, "a stop 100% or more from "
                                "the entry (stop_pct) is no price", None)
        # the checks a written call passes (a stop or target on the wrong side, targets out of
        # order, a misread price): recorded as noise with the reason, like an unreadable text
        why = validate.check(signal.side, [] if signal.entry_is_market else signal.entries,
                             signal.targets, signal.stop_loss, signal.leverage)
        if why is not None:
            return self._submit(text, source, "noise", None, None, why, None)

        def announce(result: SubmitResult) -> None:
            if publish and self._bus is not None and result.kind == "signal":
                self._bus.publish(BusMessage(text=text, source=source,
                                             received_at=self._clock.now(), origin=source.kind,
                                             meta={"processed": True,
                                                   "signal_id": result.signal_id,
                                                   "signal": signal,
                                                   "rendered": not signal.raw_text}))

        return self._submit(text, source, "signal", signal, None, None, None, wait_s=wait_s,
                            then=announce)

    def _submit(self, text: str, source: SignalSource, kind: str, signal: Signal | None,
                update: SignalUpdate | None, invalid: str | None,
                received_at: datetime | None, *, wait_s: float | None = None,
                then: Callable[[SubmitResult], None] | None = None) -> SubmitResult:
        """Deduplicate and persist the message (refusals raise here), then fan it out to the
        users it concerns and record each decision; `then` runs after a fan-out that ended
        (the broadcaster's copy). With `wait_s` None the fan-out runs in the caller's thread;
        else on its own (`_detach`), waited for at most wait_s: still running then, the
        answer is `Accepted` and the fan-out goes on."""
        if self._accepting is not None and not self._accepting.is_set():
            raise Conflict("the service is shutting down and takes no new signals")
        disk_error = self.positions.store.last_error
        if disk_error is not None:
            raise DiskFault(f"trading is paused: the disk refused a write ({disk_error}); it "
                            "resumes by itself once writes succeed again",
                            details={"disk": disk_error})
        chash = content_hash(text)
        record = SignalRecord(id=f"s{uuid.uuid4().hex[:16]}",
                              received_at=received_at or self._clock.now(), source=source,
                              content_hash=chash, kind=kind,  # type: ignore[arg-type]
                              signal=signal, update=update, invalid_reason=invalid,
                              text=text[:1000] if kind == "noise" else "")
        target = self._update_target(record, update) if update is not None else None
        # The same text is the same call (a cross-post); a follow-up's text is the same only
        # about the same call: "Target 1 ✅" under today's call is not the one under yesterday's
        keys = [f"hash:{chash}" if update is None else
                f"hash:{chash}:{target.id if target is not None else '-'}"]
        if source.chat_id is not None and source.message_id is not None:
            keys.insert(0, f"msg:{source.chat_id}:{source.message_id}")
        # The same trade in other words (a call as text and again as structured JSON, or
        # cross-posted reworded) within the hour is the same call: it traded twice. Kept per
        # hour, and the previous hour's is asked too: the same prices days later are a call.
        calls, kept = call_keys(signal, record.received_at) \
            if kind == "signal" and signal is not None else ([], [])
        if kind in ("signal", "update"):
            with self._originals.deciding():
                fresh = [self.safety.remember_signal(k) for k in keys]
                # asked, not remembered: a repeat does not stretch the window hour by hour
                seen = [k for k in calls if self.safety.seen_signal(k)]
                keys, fresh = [*keys, *seen], [*fresh, *(False for _ in seen)]
                if all(fresh):
                    for k in kept:
                        self.safety.remember_signal(k)
                    keys.extend(kept)
                    self._originals.note(keys, record.id)
                else:
                    # named by its first copy's id ("" when that is no longer kept); the keys
                    # first seen now (a cross-post's message) lead there too
                    old = [k for k, new in zip(keys, fresh, strict=True) if not new]
                    original = self._originals.find(old, record, target)
                    if original is not None and update is not None and \
                            repeatable(update) and \
                            self.signals.fanout_state(original) == "interrupted":
                        # its first copy was cut off (a restart) before deciding its users,
                        # and is not resumed: the same words again are how it is retried (only
                        # a follow-up that does nothing more the second time: a partial close
                        # cut after its orders went out would sell again)
                        logger.info("follow-up %s was cut off before it acted: %s takes it "
                                    "again", original, record.id)
                        self._originals.note(keys, record.id)
                    else:
                        if original is not None:
                            self._originals.note([k for k in keys if k not in old], original)
                        logger.info("duplicate signal ignored (%s), first taken as %s", keys,
                                    original or "a record no longer kept")
                        return SubmitResult(original or "", "duplicate", [], None)
        self.signals.add(record)
        if wait_s is None or kind == "noise":  # noise: no one to decide for
            if kind != "signal":
                result = self._fan_out(record, target)
            else:  # known running, for a follow-up from another source to wait for
                self.signals.begin_fanout(record.id)
                complete = False
                try:
                    result = self._fan_out(record, target)
                    complete = True
                finally:
                    self.signals.end_fanout(record.id, complete=complete)
            if then is not None:
                then(result)
            return result
        return self._detach(record, lambda: self._fan_out(record, target), then, wait_s)

    def _fan_out(self, record: SignalRecord, target: SignalRecord | None) -> SubmitResult:
        """Every concerned user's decision on a stored record, recorded on the signal log."""
        kind, signal, update = record.kind, record.signal, record.update
        decisions: list[UserDecision] = []
        if kind == "update" and update is not None:
            self._after_calls(record, target, every=update.all_positions)
        if kind == "signal" and signal is not None:
            decisions = self.orchestrator.open_signal(record)
        elif kind == "update" and update is not None and update.all_positions and \
                record.source.chat_id is not None:
            decisions = self._close_all(update, record)
        elif kind == "update" and update is not None:
            decisions = self._apply_update(target, update, record) if target is not None \
                else [no_open_position(None, update)]
        self.signals.add_decisions(record.id, [_decision_dict(d) for d in decisions])
        if kind in ("signal", "update"):
            self.signals.finish(record.id)
        logger.info("signal %s from %s: %s", record.id, _source_text(record.source),
                    _outcome_text(record, decisions))
        return SubmitResult(record.id, kind, decisions, record.invalid_reason)

    def _after_calls(self, record: SignalRecord, target: SignalRecord | None, *,
                     every: bool) -> None:
        """A follow-up acts once the call it is about has decided every user (`every`: once
        every running call has): sent right after a call answered 202, "Close ETH now"
        routed against the positions opened so far, and the call then opened the position
        it meant to close. Waited for at most FOLLOW_UP_WAIT_S, then applied to what is open."""
        calls = [c for c in self.signals.running_fanouts()  # calls, not other follow-ups
                 if (r := self._record_or_none(c)) is not None and r.kind == "signal"] \
            if every else \
            [target.id] if target is not None else []
        deadline = self._clock.monotonic() + FOLLOW_UP_WAIT_S
        for call in calls:
            if call != record.id and not self.signals.wait_fanout(
                    call, deadline - self._clock.monotonic()):
                logger.warning("follow-up %s: call %s still fans out after %d s; applied to "
                               "the positions open now", record.id, call, FOLLOW_UP_WAIT_S)

    def _detach(self, record: SignalRecord, fan_out: Callable[[], SubmitResult],
                then: Callable[[SubmitResult], None] | None, wait_s: float) -> SubmitResult:
        """Run a fan-out on a thread of its own and wait for it at most wait_s: its answer,
        or the error it raised, when it ended by then; else `Accepted`. The thread does not
        depend on the caller's: it runs to the end whenever the caller stops waiting. It is a
        daemon, like the service threads: at shutdown (`Runtime.stop`) the orchestrator's
        pools finish the work they hold within the grace, and a fan-out cut short there (a
        pool stopped, the store closed) is logged and not marked done, so the next start
        resumes a signal's (no user is served twice). `wait_fanouts` waits for them."""
        outcome: list[SubmitResult | BaseException] = []

        def run() -> None:
            with log_context(signal_id=record.id):
                try:
                    result = fan_out()
                except BaseException as exc:  # told to the waiter, if one still waits
                    outcome.append(exc)
                    _log_cut_short(record, exc)
                    self.signals.end_fanout(record.id, complete=False)
                    return
                if then is not None:
                    try:
                        then(result)
                    except Exception:  # the users are decided: only the copy is missing
                        logger.exception("signal %s: not handed to the broadcaster", record.id)
                outcome.append(result)
                self.signals.end_fanout(record.id, complete=True)

        self.signals.begin_fanout(record.id)
        try:
            threading.Thread(target=run, name=f"fanout-{record.id}", daemon=True).start()
        except BaseException:
            self.signals.end_fanout(record.id, complete=False)
            raise
        if self.signals.wait_fanout(record.id, wait_s) and outcome:
            ended = outcome[0]
            if isinstance(ended, BaseException):
                raise ended
            return ended
        logger.info("signal %s: answered while its fan-out runs on", record.id)
        so_far = [_decision_of(d) for d in self.signals.get(record.id).decisions]
        return Accepted(record.id, record.kind, so_far, record.invalid_reason)

    def fanout_state(self, signal_id: str, wait_s: float = 0.0) -> FanoutState:
        """Where a signal's fan-out stands: running, done or interrupted (`signal_log`);
        with `wait_s`, a running one is waited for at most that long first (a long poll)."""
        if wait_s > 0:
            self.signals.wait_fanout(signal_id, wait_s)
        return self.signals.fanout_state(signal_id)

    def wait_fanouts(self, timeout_s: float) -> bool:
        """Wait at most timeout_s (all together) for every fan-out running on its own thread
        to end; True when none runs any more (shutdown: before the pools stop)."""
        deadline = self._clock.monotonic() + timeout_s
        for signal_id in self.signals.running_fanouts():
            if not self.signals.wait_fanout(signal_id, deadline - self._clock.monotonic()):
                return False
        return not self.signals.running_fanouts()

    def resume_unfinished(self) -> int:
        """After a crash: finish fan-outs that were cut short (no user is served twice)."""
        resumed = 0
        for signal_id in list(self.signals.unfinished):
            record = self.signals.get(signal_id)
            done = {d["user_id"] for d in record.decisions}
            users = [u for u in self.orchestrator.eligible_users() if u.id not in done]
            decisions = self.orchestrator.open_signal(record, users)
            self.signals.add_decisions(signal_id, [_decision_dict(d) for d in decisions])
            self.signals.finish(signal_id)
            resumed += 1
        self.signals.unfinished = []
        return resumed

    def _apply_update(self, target: SignalRecord, update: SignalUpdate,
                      record: SignalRecord) -> list[UserDecision]:
        """Apply a follow-up to the open positions it concerns (`updates.route_update`: those
        opened from the call `target`, else, for a stop move or close, a user's position from
        an earlier call of the channel on that coin); an answer even when none is open."""
        if update.stop_to_target and update.new_stop is None and target.signal is not None \
                and update.stop_to_target <= len(target.signal.targets):
            # "move SL to TP1": the price of the call's own target 1, whatever targets the
            # user's take-profit mode placed
            update = update.model_copy(update={
                "new_stop": target.signal.targets[update.stop_to_target - 1]})
        src = record.source
        replied_to = self.signals.by_message(src.chat_id, src.reply_to_id) \
            if src.reply_to_id is not None and src.chat_id is not None else None
        replied = replied_to is not None and replied_to.id == target.id
        open_by_user = {uid: self.positions.open_positions(uid)
                        for uid in self.positions.user_ids()}
        routed = route_update(target, update, open_by_user, self._record_or_none,
                              chat_id=src.chat_id if src.kind == "telegram" else None,
                              replied=replied)
        if not routed:
            return [no_open_position(target, update)]
        return self._apply_routed(routed, update)

    def _close_all(self, update: SignalUpdate, record: SignalRecord) -> list[UserDecision]:
        """ "Close all positions now" from a chat (a watched channel, an admin's chat with the
        bot): every open position opened from that chat's calls (of one side for "close all
        longs"), for every user; other chats' calls are not its to close."""
        chat = str(record.source.chat_id)
        routed: dict[str, list[tuple[Position, str]]] = {}
        for user_id in self.positions.user_ids():
            for position in self.positions.open_positions(user_id):
                call = self._record_or_none(position.signal_id) if position.signal_id else None
                if call is None or call.signal is None or \
                        call.source.kind != record.source.kind or \
                        str(call.source.chat_id) != chat or (
                            update.all_side is not None and position.side is not update.all_side):
                    continue
                routed.setdefault(user_id, []).append((position, ""))
        if not routed:
            which = f"{update.all_side.value} " if update.all_side is not None else ""
            return [UserDecision("", "skipped", f"No open {which}position from this channel's "
                                 "calls to close.", "no_open_position")]
        return self._apply_routed(routed, update)

    def _apply_routed(self, routed: dict[str, list[tuple[Position, str]]],
                      update: SignalUpdate) -> list[UserDecision]:
        """Apply `update` to each user's routed positions, users in parallel: one decision
        per position acted on (`UpdateApplier.apply_each`)."""
        users = [u for u in (self.users.find(uid) for uid in routed) if u is not None]
        if not users:
            return []
        ticker = self.pool.ticker_memo()  # one price read per symbol for all of them

        def run(user: User) -> list[UserDecision]:
            return self._updates.apply_each(
                user, routed[user.id], update, ticker=ticker,
                current=lambda p: self.positions.get(user.id, p.id),
                exchange_of=lambda p: self._exchange(user, p))

        return self.orchestrator.fan_out_each(users, run)

    def _record_or_none(self, signal_id: str) -> SignalRecord | None:
        try:
            return self.signals.get(signal_id)
        except NotFound:
            return None

    def _update_target(self, record: SignalRecord, update: SignalUpdate) -> SignalRecord | None:
        """The call a follow-up is about: the message it replies to, else the newest call on
        its coin, else (no coin named) the chat's newest call. A follow-up from a watched chat
        acts only on that chat's calls; one naming a coin never on a call on another coin.
        The operators' own channels (the API, a webhook, an admin writing to the bot) reach
        a call from any source."""
        src = record.source
        if src.reply_to_id is not None and src.chat_id is not None:
            replied = self.signals.by_message(src.chat_id, src.reply_to_id)
            if replied is not None and replied.signal is not None and (
                    update.symbol is None or same_coin(replied.signal.symbol, update.symbol)):
                return replied
        if update.symbol:
            # "Close ATOM long": the newest long call on ATOM (the newest call may be a short)
            side = update.all_side if not update.all_positions else None
            own = self.signals.latest_for(update.symbol, src.chat_id, side=side) \
                if src.chat_id is not None else None
            if own is not None or src.kind == "telegram":
                return own
            return self.signals.latest_for(update.symbol, side=side)
        if src.chat_id is not None:
            return self.signals.latest_for(None, src.chat_id)
        return None

    # --- positions ---------------------------------------------------------------------------

    def _exchange(self, user: User, position: Position) -> Exchange:
        """The client of the account and mode (demo or live) the position was opened in: a
        user who switched mode since must not have a demo position closed on their real
        account, nor a live one on paper."""
        return self.pool.for_position(user, position)

    def close_position(self, user_id: str, position_id: str,
                       reason: CloseReason = CloseReason.MANUAL) -> Position:
        user = self.users.get(user_id)
        with self.manager.locks.hold(user_id):
            position = self.positions.get(user_id, position_id)
            if position.status is PositionStatus.CLOSED:
                raise Conflict("the position is closed already")
            closed = self.manager.close_market(self._exchange(user, position), position,
                                               "close", reason)
        if closed.status is not PositionStatus.CLOSED:
            last = next((o for o in reversed(closed.orders) if o.leg.startswith("close")), None)
            if last is not None and last.status in (OrderStatus.REJECTED,
                                                    OrderStatus.CANCELED):
                raise Conflict("the exchange did not take the close order; the position is "
                               "still open", code="close_failed",
                               details={"order_status": last.status.value})
        return closed

    def _on_closed(self, position: Position) -> None:
        self.stats.record_close(position)
        if position.close_reason is CloseReason.KILL_SWITCH:
            # an operator's (or the user's) decision to stop, not a trade the strategy lost:
            # it must not trip the user's breaker, which would outlast the switch (the day's
            # loss limit still counts it: the money is gone all the same)
            return
        capital: Decimal | None
        try:
            user = self.users.get(position.user_id)
            capital = self._exchange(user, position).fetch_balance().get("USDT").total
        except Exception:  # the result still counts, against the last capital seen
            logger.warning("balance after closing %s unavailable: the result counts against "
                           "the last capital seen", position.id)
            capital = None
        self.safety.record_trade_result(position.user_id, position.realised_pnl_usdt,
                                        capital if capital is not None and capital > 0 else None)

    def user_stats(self, user_id: str) -> dict[str, Any]:
        self.users.get(user_id)
        return self.stats.summary(user_id, self._clock.now())

    def user_decisions(self, user_id: str, *, limit: int = 50, offset: int = 0,
                       ) -> list[dict[str, Any]]:
        """The user's decisions on recent signals, newest first (`signal_log.decisions_of`)."""
        self.users.get(user_id)
        return signal_log.decisions_of(self.signals, user_id, limit=limit, offset=offset)

    def user_decisions_total(self, user_id: str) -> int:
        """How many decisions of the user are kept (`signal_log.decisions_total`)."""
        return signal_log.decisions_total(self.signals, user_id)

    def user_safety(self, user_id: str) -> dict[str, Any]:
        """Whether the user may open positions now and what holds them back: their own kill
        switch, pause and breaker, and the platform's."""
        self.users.get(user_id)
        return self.safety.status(user_id)

    # --- safety -----------------------------------------------------------------------------

    def safety_status(self) -> dict[str, Any]:
        return self.safety.status()

    def set_kill_switch(self, *, active: bool, reason: str, close_positions: bool,
                        user_id: str | None = None, set_by: SetBy = "user",
                        ) -> dict[str, Any]:
        return self.safety.set_kill_switch(active=active, reason=reason,
                                           close_positions=close_positions, user_id=user_id,
                                           set_by=set_by)

    def set_pause(self, *, paused: bool, until: datetime | None, reason: str,
                  user_id: str | None = None, set_by: SetBy = "user") -> dict[str, Any]:
        return self.safety.set_pause(paused=paused, until=until, reason=reason,
                                     user_id=user_id, set_by=set_by)

    def reset_breaker(self, user_id: str | None = None) -> dict[str, Any]:
        return self.safety.reset_breaker(user_id)

    def set_breaker_thresholds(self, thresholds: dict[str, Any]) -> dict[str, Any]:
        return self.safety.set_thresholds(thresholds)

    def _on_flagged(self, flag: dict[str, Any]) -> None:
        """An order reconciliation flagged (a stray with our prefix, an order of a position
        that is gone or closed): an error a human should look at, told to its owner (or to
        the admins when the owner is unknown)."""
        self._notifier.notify(Event(EventKind.ATTENTION, flag.get("user_id"), self._clock.now(),
                                    f"Order {flag.get('client_order_id')} on account "
                                    f"{flag.get('account_id') or '?'} needs attention: "
                                    f"{flag.get('reason')}", dict(flag)))

    def _on_safety_change(self, kind: str, data: dict[str, Any]) -> None:
        if kind == "breaker_tripped":
            self._notifier.notify(Event(EventKind.BREAKER_TRIPPED, data.get("user_id"),
                                        self._clock.now(), str(data.get("reason")), data))
        if kind == "kill_switch" and data.get("active"):
            self._kill.start(data.get("user_id"))

    def wait_enforced(self, timeout_s: float = 30.0) -> bool:
        """Wait for kill-switch enforcement started so far (shutdown and tests)."""
        return self._kill.wait(timeout_s)

    def enforce_kill_switch(self, user_id: str | None) -> int:
        """Do what an active kill switch asks (see `KillSwitchEnforcer.run`)."""
        return self._kill.run(user_id)

    def sync_orders(self) -> int:
        """One order-sync pass (the runtime's periodic `order_sync`): an active kill switch is
        enforced on every open position first, then fills of resting orders are synced."""
        try:
            self.enforce_kill_switch(None)
        except Exception:  # fills are still synced this pass
            logger.exception("kill switch enforcement pass failed")
        return self.monitor.sync_orders()

    # --- demo, accounts, status ------------------------------------------------------------------

    def demo_balances(self, user_id: str) -> list[dict[str, Any]]:
        """Each paper account's USDT and every asset it holds, valued at the monitor's last
        fresh prices (`valuation.paper_entry`)."""
        return valuation.paper_entries(self.pool, self.users.get(user_id), self.monitor.prices,
                                       self._clock.now(),
                                       holding=self.positions.open_positions(user_id))

    def set_demo_balance(self, user_id: str, usdt: Decimal,
                         account_id: str | None = None) -> list[dict[str, Any]]:
        user = self.users.get(user_id)
        with self.manager.locks.hold(user_id):  # not while this user's orders are in flight
            holding = self.positions.open_positions(user_id)
            done = demo_balance.set_usdt(self.pool, user, usdt, self._clock.now(), account_id,
                                         holding)
        return valuation.paper_entries(self.pool, user, self.monitor.prices, self._clock.now(),
                                       [a["account_id"] for a in done], holding)

    def position_marks(self, rows: list[dict[str, Any]]) -> dict[str, tuple[Decimal, Decimal]]:
        """position id -> (mark price, unrealised PnL in USDT) of the open stored rows whose
        price the monitor read lately; from memory, no exchange call."""
        return valuation.position_marks(self.monitor.prices, rows, self._clock.now())

    def demo_prices(self) -> dict[str, Any]:
        return demo_prices.read_prices(self.pool.price_feed)

    def set_demo_prices(self, prices: dict[str, Decimal], pin: bool = False) -> dict[str, str]:
        unknown = sorted(s for s in prices if not self.pool.paper_listed(s)
                         and not self.pool.paper_listed(demo_prices.counterpart(s)))
        if unknown:  # a price nobody can trade at: a typo, most often
            raise NotFound(f"not listed on any paper exchange: {', '.join(unknown)}; use a "
                           "market symbol such as BTC/USDT or BTC/USDT:USDT",
                           code="unknown_symbol", details={"unknown_symbols": unknown})
        # a coin its perpetual trades bundled ("PEPE/USDT": the futures market is
        # 1000PEPE/USDT:USDT) moves the bundle too, at its multiple; it stayed at the
        # snapshot's price, and a demo call was judged against that
        bundled: dict[str, Decimal] = {}
        for symbol, price in prices.items():
            for form in (symbol, demo_prices.counterpart(symbol)):
                if not self.pool.paper_listed(form):
                    for bundle, factor in self.pool.paper_bundles(form).items():
                        bundled.setdefault(bundle, Decimal(format(
                            (price * factor).normalize(), "f")))
        # a symbol no paper market lists stands for its counterpart (the coin's other form)
        # and bundle: it is not kept itself (it took a random walk no one trades on)
        listed = {s: p for s, p in prices.items() if self.pool.paper_listed(s)}
        for symbol, price in prices.items():
            if symbol not in listed:
                listed.setdefault(demo_prices.counterpart(symbol), price)
        prices = {**{s: p for s, p in bundled.items() if s not in listed}, **listed}
        answer = demo_prices.set_prices(self.pool.price_feed, self.positions.store, prices, pin,
                                        listed=self.pool.paper_listed)
        logger.info("demo prices set by an admin%s: %s", " (pinned)" if pin else "",
                    ", ".join(f"{symbol} {price}" for symbol, price in sorted(answer.items())))
        return answer

    def verify_account(self, user_id: str, account_id: str) -> dict[str, Any]:
        """Check an account's keys; its owner reads a message chosen by the outcome's class,
        never the exchange's own words (`verification`)."""
        return verification.verify_account(self.pool, self.users, user_id, account_id)

    def recent_signals(self, limit: int, offset: int) -> list[SignalRecord]:
        return self.signals.recent(limit, offset)

    def signals_page(self, limit: int, offset: int) -> tuple[list[SignalRecord], int]:
        """One page of the signals kept (newest first: the reverse of the order they were
        taken in, the same after a restart) and how many are kept."""
        kept = self.signals.recent(signal_log.KEEP, 0)
        return kept[offset:offset + limit], len(kept)

    def get_signal(self, signal_id: str) -> SignalRecord:
        return self.signals.get(signal_id)

    def system_status(self) -> dict[str, Any]:
        base = self._status_provider() if self._status_provider else {}
        return {**base, "last_signal_at": self.signals.last_received_at,
                "prices": self.monitor.status(),
                "open_intents": len(self.intents.open_intents()),
                "reconciliation": self.reconciler.last_run,
                "flagged_orders": self.reconciler.flagged[-20:],
                "safety": {"new_positions_allowed":
                           self.safety.status()["new_positions_allowed"]}}


def _render_signal(signal: Signal) -> str:
    """A structured signal without its message as plain text, every field on its own line
    (it is the signal's content for deduplication, and what the groups are shown)."""
    return "\n".join([f"{signal.symbol} {signal.side.value.upper()}", *field_lines(signal)])


def _decision_of(d: dict[str, Any]) -> UserDecision:
    """A recorded decision (`_decision_dict`) back as the engine's."""
    return UserDecision(str(d.get("user_id", "")), str(d.get("outcome", "")),
                        str(d.get("reason", "")), str(d.get("code", "")),
                        d.get("position_id"), d.get("account_id"))


def _log_cut_short(record: SignalRecord, exc: BaseException) -> None:
    """A fan-out on its own thread that raised: said with the signal's id; a trade signal's
    is not marked done, so the next start resumes it."""
    resumed = " (resumed at the next start)" if record.kind == "signal" else ""
    if isinstance(exc, VerzekError):  # expected: the disk, the store closed at shutdown
        logger.warning("fan-out of signal %s cut short%s: %s", record.id, resumed, exc)
    else:
        logger.error("fan-out of signal %s failed%s", record.id, resumed, exc_info=exc)


def _decision_dict(d: UserDecision) -> dict[str, Any]:
    return {"user_id": d.user_id, "outcome": d.outcome, "reason": d.reason, "code": d.code,
            "position_id": d.position_id, "account_id": d.account_id}


def _source_text(source: SignalSource) -> str:
    """Where a signal came from, for the log: "telegram chat -100123 message 42", "api"."""
    where: str = source.kind
    if source.chat_id is not None:
        where += f" chat {source.chat_id}"
    if source.message_id is not None:
        where += f" message {source.message_id}"
    return where


def _outcome_text(record: SignalRecord, decisions: list[UserDecision]) -> str:
    """What a signal was read as and what came of it, for the log line an operator follows
    one call by: "LONG ETH/USDT, 998 executed, 2 skipped"."""
    if record.signal is not None:
        what = f"{record.signal.side.value.upper()} {record.signal.symbol}"
    elif record.update is not None:
        what = f"{record.update.action} {record.update.symbol or ''}".rstrip()
    else:
        return f"no trade ({record.invalid_reason or 'not a call'})"
    counts: dict[str, int] = {}
    for d in decisions:
        counts[d.outcome] = counts.get(d.outcome, 0) + 1
    return ", ".join([what] + [f"{n} {outcome}" for outcome, n in sorted(counts.items())]) \
        if counts else f"{what}, no user concerned"
