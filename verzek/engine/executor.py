"""Exactly-once order sending: journal the intent, ask safety at the moment of sending, send
once, resolve any doubt by look-up, journal the outcome (DESIGN.md, "Exactly-once orders")."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from verzek.clock import Clock
from verzek.domain.models import OrderSide, OrderType
from verzek.domain.safety.state import OrderPurpose
from verzek.engine.intents import (
    BLOCKED,
    NOT_PLACED,
    PLACED,
    REJECTED,
    Intent,
    IntentJournal,
)
from verzek.engine.pool import paper_inner
from verzek.engine.safety_service import SafetyService
from verzek.errors import (
    AuthError,
    DiskFault,
    DuplicateOrder,
    ExchangeError,
    InsufficientFunds,
    InvalidOrder,
    OrderNotFound,
    TransientExchangeError,
    WouldTriggerImmediately,
)
from verzek.exchanges.base import Exchange, OrderRequest, OrderResult
from verzek.exchanges.client_ids import make_client_order_id
from verzek.exchanges.resilient import DEFAULT_VISIBILITY_WINDOW_S, place_order_exactly_once
from verzek.logs import log_context

logger = logging.getLogger(__name__)
# Answers that say nothing of anybody's health: a duplicate id or a missing order is resolved
# by look-up, and a stop the price has crossed already is the market moving (the stop is hit).
NOT_COUNTED = (DuplicateOrder, OrderNotFound, WouldTriggerImmediately)
# Refusals of one user's own order (no funds, keys refused, below the minimum, a price or size
# the exchange's filters refuse): they count against that user's breaker only, never the
# platform's, which one user's retries would otherwise trip for everybody.
USER_REFUSALS = (InsufficientFunds, AuthError, InvalidOrder)
MAX_ATTEMPTS = 50  # ids per leg over its whole life
NEW_SENDS_PER_CALL = 2  # proven-absent re-issues within one call; later calls go on


@dataclass(frozen=True)
class OrderSpec:
    """An order as the engine means it, before it has a client id."""

    symbol: str
    side: OrderSide
    type: OrderType
    quantity: Decimal
    price: Decimal | None = None
    stop_price: Decimal | None = None
    reduce_only: bool = False
    reference_price: Decimal | None = None
    leverage: int | None = None


@dataclass(frozen=True)
class SendResult:
    """What became of a send: placed (with the exchange's answer), or not, and why."""

    status: str  # "placed" | "rejected" | "blocked" | "unknown"
    client_order_id: str
    result: OrderResult | None = None
    code: str = ""
    message: str = ""

    @property
    def placed(self) -> bool:
        return self.status == PLACED


class OrderExecutor:
    """Sends orders exactly once; the only code path that calls `create_order`."""

    def __init__(
        self, *, intents: IntentJournal, safety: SafetyService, clock: Clock,
        sleeper: Callable[[float], None],
        visibility_window_s: float = DEFAULT_VISIBILITY_WINDOW_S,
    ) -> None:
        self._intents = intents
        self._safety = safety
        self._clock = clock
        self._sleeper = sleeper
        self.visibility_window_s = visibility_window_s

    def send(
        self, exchange: Exchange, spec: OrderSpec, *, user_id: str, account_id: str,
        position_id: str, leg: str, purpose: OrderPurpose,
        position_doc: dict[str, Any] | None = None,
    ) -> SendResult:
        """Send one leg of a position; repeated calls for the same leg never send twice.

        `position_doc` (a new position's first order) is journaled with the intent, so the
        position need not be saved before the send to survive a crash."""
        with log_context(user_id=user_id, symbol=spec.symbol,
                         exchange=str(getattr(exchange, "name", "-"))):
            new_sends = 0
            coid = ""
            for attempt in range(MAX_ATTEMPTS):
                coid = make_client_order_id(position_id, user_id, leg, attempt)
                known = self._intents.outcome(coid)
                if known == NOT_PLACED:
                    continue  # proven absent earlier: the next attempt gets a new id
                if known is not None or self._intents.is_known(coid):
                    return self._resume(exchange, spec, coid, known)
                if new_sends == NEW_SENDS_PER_CALL:
                    break
                new_sends += 1
                result = self._send_new(exchange, spec, coid, user_id=user_id,
                                        account_id=account_id, position_id=position_id,
                                        leg=leg, attempt=attempt, purpose=purpose,
                                        position_doc=position_doc)
                if result is not None:
                    return result
            return SendResult(REJECTED, coid, code="not_placed",
                              message=f"order not placed after {new_sends} attempt(s); "
                              "it is tried again on the next pass")

    def confirm(self, position: Any) -> int:
        """Journal PLACED for the position's orders whose intents are still open and whose
        order the exchange has shown (`note_answered`). An order the engine only presumes
        gone ("not found" within the visibility window) keeps its intent open, so
        reconciliation looks it up again and a late fill is never lost."""
        placed = [(order.client_order_id, order.exchange_order_id) for order in position.orders
                  if order.status.value not in ("intended", "unknown")
                  and self._intents.is_open(order.client_order_id)
                  and self._intents.is_answered(order.client_order_id)]
        self._intents.record_placed(placed, at=self._clock.now())  # one fsync for them all
        return len(placed)

    def note_answered(self, client_order_id: str) -> None:
        """The exchange answered for this order (a send, a look-up, a cancel)."""
        self._intents.mark_answered(client_order_id)

    def is_unresolved(self, client_order_id: str) -> bool:
        """Journaled and sent (perhaps), its outcome not yet known: "not found" for such an
        order is no proof it is gone until reconciliation's visibility window has passed."""
        return self._intents.is_open(client_order_id)

    def _resume(self, exchange: Exchange, spec: OrderSpec, coid: str,
                known: str | None) -> SendResult:
        """The intent exists already (a retry after a crash or an unknown outcome)."""
        if known in (REJECTED, BLOCKED):
            return SendResult(known, coid, code="already_" + known)
        try:
            found = exchange.fetch_order(spec.symbol, client_order_id=coid)
        except (OrderNotFound, TransientExchangeError):
            return SendResult("unknown", coid, code="outcome_unknown",
                              message="an earlier send of this order is not resolved yet")
        self.note_answered(coid)
        return SendResult(PLACED, coid, found)

    def _send_new(
        self, exchange: Exchange, spec: OrderSpec, coid: str, *, user_id: str,
        account_id: str, position_id: str, leg: str, attempt: int, purpose: OrderPurpose,
        position_doc: dict[str, Any] | None = None,
    ) -> SendResult | None:
        now = self._clock.now()
        self._intents.record_intent(Intent(
            client_order_id=coid, user_id=user_id, account_id=account_id,
            position_id=position_id, leg=leg, symbol=spec.symbol, side=spec.side.value,
            type=spec.type.value, quantity=spec.quantity, price=spec.price,
            stop_price=spec.stop_price, reduce_only=spec.reduce_only, attempt=attempt, at=now,
            position=position_doc))
        decision = self._safety.check_send(user_id, purpose)  # at the moment of sending
        if not decision.allowed:
            self._intents.record_outcome(coid, BLOCKED, at=self._clock.now(), code=decision.code)
            return SendResult(BLOCKED, coid, code=decision.code, message=decision.message)
        request = OrderRequest(
            symbol=spec.symbol, side=spec.side, type=spec.type, quantity=spec.quantity,
            client_order_id=coid, price=spec.price, stop_price=spec.stop_price,
            reduce_only=spec.reduce_only, reference_price=spec.reference_price,
            leverage=spec.leverage)
        try:
            outcome = place_order_exactly_once(
                exchange, request, clock=self._clock, sleeper=self._sleeper,
                visibility_window_s=self.visibility_window_s)
        except TransientExchangeError as exc:
            logger.warning("order %s (%s) outcome unknown: %s; reconciliation will resolve it",
                           coid, leg, exc.code)
            # Its answer and look-ups failed: journaled, so after a restart a "not found"
            # counts its window from the first one seen then, not from the intent's time.
            try:
                self._intents.record_lookup_failed(coid, at=self._clock.now())
            except DiskFault:
                logger.error("order %s: its failed look-up could not be journaled", coid)
            if not (isinstance(exc.details, dict) and exc.details.get("not_sent")):
                self._count_error(exchange, user_id, exc)  # not our own back-off
            return SendResult("unknown", coid, code=exc.code, message=exc.message)
        except ExchangeError as exc:
            self._intents.record_outcome(coid, REJECTED, at=self._clock.now(), code=exc.code)
            self._count_error(exchange, user_id, exc)
            logger.warning("order %s (%s) rejected: %s", coid, leg, exc.message)
            return SendResult(REJECTED, coid, code=exc.code, message=exc.message)
        if not outcome.placed or outcome.order is None:
            self._intents.record_outcome(coid, NOT_PLACED, at=self._clock.now())
            logger.warning("order %s (%s) proven not placed; re-issuing under a new id",
                           coid, leg)
            # the send failed in transit (it never reached the book): the exchange's error rate
            self._count_error(exchange, user_id, None)
            return None
        self.note_answered(coid)
        # The PLACED outcome is journaled by the position manager once the position holding
        # this order is saved: until then reconciliation treats the intent as open, so a
        # failed save (a crash, a full disk) cannot leave an order nobody tracks.
        return SendResult(PLACED, coid, outcome.order)

    def _count_error(self, exchange: Exchange, user_id: str,
                     exc: ExchangeError | TransientExchangeError | None) -> None:
        """Feed the breakers: a refusal of the user's own order to that user's breaker; a
        transient failure (`exc` None: a send proven lost in transit) or a refusal nobody can
        explain to the platform breaker, per venue, a paper venue apart from the live one.
        Never disturbs the send whose error it counts."""
        if isinstance(exc, NOT_COUNTED):
            return
        venue, paper = venue_of(exchange)
        try:
            if isinstance(exc, USER_REFUSALS):
                self._safety.record_order_refusal(user_id, venue)
            else:
                self._safety.record_exchange_error(
                    venue, transient=not isinstance(exc, ExchangeError), paper=paper)
        except Exception:
            logger.exception("could not count an error of %s for the breakers", venue)


def venue_of(exchange: Exchange) -> tuple[str, bool]:
    """The venue an exchange client trades on, as the breakers count it ("binance", or
    "paper:binance" for a paper client of that venue), and whether it is paper."""
    name = getattr(exchange, "name", "exchange")
    name = str(getattr(name, "value", name))
    paper = paper_inner(exchange) is not None
    return (f"paper:{name}" if paper else name), paper
