"""The live safety manager: the pure domain SafetyManager behind a lock, persisted on change."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from verzek.clock import Clock
from verzek.domain.decision import Decision
from verzek.domain.safety.manager import SafetyManager
from verzek.domain.safety.state import (
    BreakerThresholds,
    ExchangeErrorEvent,
    OrderPurpose,
    SafetyState,
    SetBy,
)
from verzek.errors import CorruptFile, Forbidden
from verzek.store.docstore import DocumentStore

logger = logging.getLogger(__name__)
T = TypeVar("T")
DOC = "safety.json"


class SafetyService:
    """Thread-safe facade over SafetyManager; every change is written to `safety.json`."""

    def __init__(self, *, store: DocumentStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self._lock = threading.RLock()
        doc = store.read(DOC)
        if doc is None:
            self._manager = SafetyManager()
        else:
            try:
                self._manager = SafetyManager(SafetyState.model_validate(doc))
            except ValueError as exc:
                raise CorruptFile(f"{store.root / DOC} does not hold a valid safety state "
                                  f"({exc.__class__.__name__}); it was left untouched") from None
        # Listeners learn about kill switches and breaker trips (the engine acts on them).
        self.on_change: list[Callable[[str, dict[str, Any]], None]] = []

    def _persist(self) -> None:
        self._store.write(DOC, self._manager.state.model_dump(mode="json"))

    def _change(self, fn: Callable[[SafetyManager], T],
                persist: Callable[[T], bool] = lambda _: True) -> T:
        with self._lock:
            result = fn(self._manager)
            if persist(result):
                self._persist()
            return result

    # --- checks (no persistence) -------------------------------------------------------

    def check_new_position(self, user_id: str) -> Decision:
        with self._lock:
            return self._manager.check_new_position(user_id, self._clock.now())

    def check_send(self, user_id: str, purpose: OrderPurpose) -> Decision:
        """Asked at the moment of sending every order."""
        with self._lock:
            return self._manager.check_send(user_id, self._clock.now(), purpose)

    def kill_requested(self, user_id: str) -> tuple[bool, bool]:
        """(cancel open orders, close positions) that a kill switch asks of this user now."""
        with self._lock:
            actions = self._manager.required_actions(user_id)
            return actions.cancel_open_orders, actions.close_positions

    # --- changes ------------------------------------------------------------------------

    def set_kill_switch(self, *, active: bool, reason: str, close_positions: bool,
                        user_id: str | None = None, set_by: SetBy = "user",
                        ) -> dict[str, Any]:
        """`set_by` "admin" for an operator's switch on a user: the user cannot lift it, nor
        change its reason; a user's "on" over it can only add the closing of positions."""
        now = self._clock.now()
        operators: list[bool] = []  # the operator's switch stays: whether closing was added

        def change(m: SafetyManager) -> None:
            held = m.state.user_kill.get(user_id) if user_id is not None else None
            if _operator_holds(held is not None and held.active, held, set_by, active,
                               "stopped your trading; only an operator can lift it"):
                assert held is not None
                added = close_positions and not held.close_positions  # a user may close more
                if added:
                    m.set_kill_switch(True, now=held.since or now, user_id=user_id,
                                      close_positions=True, reason=held.reason,
                                      set_by="admin")
                operators.append(added)
                return
            m.set_kill_switch(active, now=now, user_id=user_id,
                              close_positions=close_positions, reason=reason, set_by=set_by)

        self._change(change)
        if operators:
            logger.warning("kill switch ON for %s asked by the user: the operator's switch "
                           "stays%s", user_id, ", now closing positions" if operators[0]
                           else " as it is")
        else:
            logger.warning("kill switch %s for %s by %s%s: %s", "ON" if active else "off",
                           user_id or "the platform", _who(set_by, user_id),
                           ", closing positions" if active and close_positions else "",
                           reason or "-")
        self._emit("kill_switch", {"active": active, "user_id": user_id,
                                   "close_positions": close_positions, "reason": reason})
        return self.status(user_id)

    def set_pause(self, *, paused: bool, until: datetime | None, reason: str,
                  user_id: str | None = None, set_by: SetBy = "user") -> dict[str, Any]:
        """`set_by` as for `set_kill_switch`: an operator's pause on a user is theirs to end
        or change; a user's own pause over it changes nothing (not its end, not its reason)."""
        now = self._clock.now()
        operators: list[bool] = []

        def change(m: SafetyManager) -> None:
            held = m.state.user_pause.get(user_id) if user_id is not None else None
            if _operator_holds(held is not None and held.in_force(now), held, set_by, paused,
                               "paused your trading; only an operator can resume it"):
                assert user_id is not None
                m.pause_beneath(now=now, user_id=user_id, until=until, reason=reason)
                operators.append(True)
                return
            if held is not None and held.in_force(now) and _limit_holds(held, set_by, paused,
                                                                        until):
                operators.append(True)
                return
            if paused:
                m.pause(now=now, user_id=user_id, until=until, reason=reason, set_by=set_by)
            else:
                m.resume(user_id=user_id, now=now, reason=reason, set_by=set_by)

        self._change(change)
        if operators:
            if set_by == "limit":
                logger.warning("daily loss limit reached for %s: the longer pause in force "
                               "stays as it is", user_id)
            else:
                logger.warning("trading pause ON for %s asked by the user: the operator's "
                               "pause stays as it is, the user's holds once it ends", user_id)
            return self.status(user_id)
        logger.warning("trading pause %s for %s by %s%s: %s", "ON" if paused else "off",
                       user_id or "the platform", _who(set_by, user_id),
                       f" until {until.isoformat()}" if paused and until else "",
                       reason or "-")
        return self.status(user_id)

    def reset_breaker(self, user_id: str | None = None) -> dict[str, Any]:
        """An admin clears the platform's breaker, or only `user_id`'s own; the answer is the
        status of what was reset (the platform's, or that user's)."""
        with self._lock:
            state = self._manager.state
            before = state.platform_breaker if user_id is None else \
                state.user_breakers.get(user_id)
            held = "was not tripped"  # a reset still clears its counters
            if before is not None and before.is_tripped(self._clock.now()):
                held = f"was tripped ({before.code or '-'}: {before.reason or '-'})"
            self._change(lambda m: m.reset_breaker(user_id=user_id))
        # logged like a kill switch or a pause: whose breaker, and what it held then
        logger.warning("circuit breaker reset for %s: %s",
                       f"user {user_id}" if user_id is not None else "the platform", held)
        return self.status(user_id)

    def set_thresholds(self, thresholds: dict[str, Any]) -> dict[str, Any]:
        merged = {**self.thresholds().model_dump(), **thresholds}
        validated = BreakerThresholds.model_validate(merged)
        self._change(lambda m: m.set_thresholds(validated))
        logger.warning("circuit breaker thresholds changed by an admin: %s", ", ".join(
            f"{name}={value}" for name, value in sorted(thresholds.items())) or "-")
        return self.status()

    def thresholds(self) -> BreakerThresholds:
        with self._lock:
            return self._manager.state.thresholds

    def record_trade_result(self, user_id: str, pnl_usdt: Decimal,
                            capital_usdt: Decimal | None) -> Decision:
        """A closed trade's result for the user's breaker; `capital_usdt` None when the
        balance could not be read (the result is never dropped for that)."""
        now = self._clock.now()
        decision = self._change(
            lambda m: m.record_trade_result(user_id, pnl_usdt, capital_usdt, now))
        if not decision.allowed:
            self._emit("breaker_tripped", {"user_id": user_id, "reason": decision.message})
        return decision

    def record_exchange_error(self, exchange: str, *, transient: bool = False,
                              paper: bool = False) -> Decision:
        """An exchange error for the platform breaker (see `SafetyManager`)."""
        now = self._clock.now()
        with self._lock:  # told once, when it trips
            before = self._tripped(None)
            # A transient failure that trips nothing is rate data only: written with the next
            # change, not once per failure while an exchange is down (a restart may lose it).
            decision = self._change(lambda m: m.record_exchange_error(
                exchange, now, transient=transient, paper=paper),
                persist=lambda d: not (transient and d.allowed))
        if not decision.allowed and not before:
            self._emit("breaker_tripped", {"user_id": None, "reason": decision.message})
        return decision

    def record_order_refusal(self, user_id: str, exchange: str) -> Decision:
        """A refusal of one of the user's own orders, for that user's breaker only."""
        now = self._clock.now()
        with self._lock:  # told once, when it trips
            before = self._tripped(user_id)
            decision = self._change(lambda m: m.record_order_refusal(user_id, exchange, now))
        if not decision.allowed and not before:
            self._emit("breaker_tripped", {"user_id": user_id, "reason": decision.message})
        return decision

    def _tripped(self, user_id: str | None) -> bool:
        with self._lock:
            state = self._manager.state
            breaker = state.platform_breaker if user_id is None else \
                state.user_breakers.get(user_id)
            return breaker is not None and breaker.is_tripped(self._clock.now())

    def remember_signal(self, key: str) -> bool:
        """True when `key` is new (and now remembered); False when seen within the TTL."""
        now = self._clock.now()
        return self._change(lambda m: m.idempotency.remember(key, now))

    def seen_signal(self, key: str) -> bool:
        """Whether `key` was remembered within the TTL (nothing is remembered)."""
        now = self._clock.now()
        with self._lock:
            return self._manager.idempotency.seen(key, now)

    def expire(self) -> int:
        now = self._clock.now()
        return self._change(lambda m: m.idempotency.expire(now))

    def _emit(self, kind: str, data: dict[str, Any]) -> None:
        for listener in list(self.on_change):
            try:
                listener(kind, data)
            except Exception:
                logger.exception("safety listener failed on %s", kind)

    def status(self, user_id: str | None = None) -> dict[str, Any]:
        with self._lock:
            state = self._manager.state.model_dump(mode="json")
            now = self._clock.now()
            new_positions = self._manager.check_new_position(user_id or "-", now)
            rates = error_rates(self._manager.state.platform_breaker.errors, now,
                                self._manager.state.thresholds.error_window_s)
            tripped = {uid for uid, breaker in self._manager.state.user_breakers.items()
                       if breaker.is_tripped(now)}
            # `active` is what was set; `in_force` whether it applies now (a pause whose
            # `until` has passed is set but no longer holds anything back)
            state["platform_pause"]["in_force"] = \
                self._manager.state.platform_pause.in_force(now)
            for uid, pause in self._manager.state.user_pause.items():
                # the pause in force: an operator's that ended shows the user's own beneath
                shown = pause.current(now) or pause
                state["user_pause"][uid] = {"beneath": None, **shown.model_dump(mode="json"),
                                            "in_force": shown.in_force(now)}
        state.pop("idempotency", None)
        reason = None if new_positions.allowed else new_positions.message
        if user_id is not None:
            return {
                "user_id": user_id,
                "kill_switch": state["user_kill"].get(user_id),
                "pause": state["user_pause"].get(user_id),
                "breaker": state["user_breakers"].get(user_id),
                "breaker_tripped": user_id in tripped,
                "platform_kill_switch": state["platform_kill"],
                "platform_pause": state["platform_pause"],
                # this user's: their own switches and breaker, and the platform's
                "new_positions_allowed": new_positions.allowed,
                "reason": reason,
            }
        state["exchange_errors"] = rates
        # The platform's alone (its kill switch, pause and breaker): a user may still be
        # blocked by their own, listed in `tripped_user_breakers`, `user_kill`, `user_pause`.
        state["platform_new_positions_allowed"] = new_positions.allowed
        state["platform_reason"] = reason
        state["tripped_user_breakers"] = [
            {"user_id": uid, **{key: state["user_breakers"][uid][key]
                                for key in ("tripped_at", "until", "code", "reason")}}
            for uid in sorted(tripped)]
        # kept for clients written before the fields above: the same platform-wide values
        state["new_positions_allowed"] = new_positions.allowed
        state["reason"] = reason
        return state


def error_rates(errors: list[ExchangeErrorEvent], now: datetime,
                window_s: int) -> dict[str, dict[str, int]]:
    """Per venue ("binance", "paper:binance"), the refusals and transient failures recorded
    within the error window: the exchanges' error rate as the platform breaker sees it."""
    since = now - timedelta(seconds=window_s)
    rates: dict[str, dict[str, int]] = {}
    for event in errors:
        if event.at > since:
            counts = rates.setdefault(event.exchange, {"rejected": 0, "transient": 0})
            counts["transient" if event.transient else "rejected"] += 1
    return rates


def _operator_holds(in_force: bool, held: Any, by: SetBy, on: bool, refusal: str) -> bool:
    """Whether an operator's stop (`held`, in force) stays as it is against a user's request
    (`by` "user"): a request to lift it is refused (403 `set_by_operator`); one to set it again
    leaves it the operator's, with their end and reason (True)."""
    if not in_force or held is None or held.set_by != "admin" or by != "user":
        return False
    if not on:
        details = {"reason": held.reason}
        if getattr(held, "until", None) is not None:
            details["until"] = held.until
        raise Forbidden(f"an operator {refusal}", code="set_by_operator", details=details)
    return True


def _limit_holds(held: Any, by: SetBy, on: bool, until: datetime | None) -> bool:
    """Whether a pause in force stays as it is against the daily loss limit's, or the limit's
    against the user. The user's "resume" under the limit's pause is refused (403
    `daily_loss_limit`): it answered "trading allowed" while every call was still skipped for
    the limit. The limit's pause leaves a longer pause as it is (a user's own for a month was
    cut to the next UTC day)."""
    if held.set_by == "limit" and by == "user":
        if not on:
            raise Forbidden(f"the daily loss limit paused your new positions until "
                            f"{held.until.isoformat() if held.until else 'the next UTC day'}; "
                            "they resume by themselves then", code="daily_loss_limit",
                            details={"reason": held.reason, "until": held.until})
        # the user's own pause replaces it only when it lasts longer (a shorter one, then a
        # resume, lifted the limit's pause in two calls)
        return until is not None and held.until is not None and until <= held.until
    return by == "limit" and (held.until is None or (until is not None and held.until >= until))


def _who(set_by: SetBy, user_id: str | None) -> str:
    """Who acted, for the log: the platform's switches are an admin's alone."""
    if set_by == "limit":
        return "the daily loss limit"
    return "an admin" if set_by == "admin" or user_id is None else "the user"
