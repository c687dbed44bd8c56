"""Retry and exactly-once policies around any `Exchange`, written once for every adapter.

`place_order_exactly_once` never sends the same request twice: a transient failure or a
duplicate answer is resolved by looking the order up by its client id until the exchange's
visibility window has passed. `with_retry` retries reads on transient errors, honouring
`RateLimited.retry_after_s`. `BackoffRegistry` holds one shared "banned until" per exchange.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from verzek.clock import Clock
from verzek.errors import (
    DuplicateOrder,
    OrderNotFound,
    OutcomeUnknown,
    RateLimited,
    TransientExchangeError,
)
from verzek.exchanges.base import Exchange, OrderRequest, OrderResult
from verzek.logs import log_context

logger = logging.getLogger(__name__)
T = TypeVar("T")
Sleeper = Callable[[float], None]

# Binance documents a recvWindow of up to 60 s and order visibility lags of seconds; 60 s of
# "not found" is what we wait before calling an order "not placed".
DEFAULT_VISIBILITY_WINDOW_S = 60.0


class BackoffRegistry:
    """Per-exchange "do not call before" times, shared by every client of that exchange."""

    def __init__(self, *, clock: Clock) -> None:
        self._clock = clock
        self._until: dict[str, float] = {}
        self._lock = threading.Lock()

    def ban(self, exchange: str, seconds: float) -> None:
        """Nobody calls `exchange` for `seconds` (a later existing ban is kept)."""
        until = self._clock.monotonic() + max(0.0, seconds)
        with self._lock:
            self._until[exchange] = max(self._until.get(exchange, 0.0), until)
        logger.warning("backing off %s for %.1f s", exchange, seconds)

    def remaining_s(self, exchange: str) -> float:
        with self._lock:
            until = self._until.get(exchange, 0.0)
        return max(0.0, until - self._clock.monotonic())


@dataclass(frozen=True, slots=True)
class PlacementOutcome:
    """The answer of `place_order_exactly_once`: the order, or proof it was not placed."""

    order: OrderResult | None
    placed: bool
    resolved_by_lookup: bool = False


def with_retry(
    fn: Callable[[], T], *, sleeper: Sleeper, attempts: int = 4, base_delay_s: float = 0.5,
    max_delay_s: float = 30.0,
) -> T:
    """Call `fn`, retrying transient errors with exponential backoff; reads only.

    Never wrap `create_order` in this: use `place_order_exactly_once`.
    """
    delay = base_delay_s
    for attempt in range(1, attempts + 1):
        try:
            return fn()
        except OutcomeUnknown:
            raise
        except TransientExchangeError as exc:
            if attempt == attempts:
                raise
            wait = delay
            if isinstance(exc, RateLimited) and exc.retry_after_s is not None:
                wait = max(wait, exc.retry_after_s)
            logger.info("transient %s (%s), retry %d in %.1f s", exc.code, exc, attempt, wait)
            sleeper(min(wait, max_delay_s))
            delay = min(delay * 2, max_delay_s)
    raise AssertionError("unreachable")  # pragma: no cover


def lookup_until_visible(
    exchange: Exchange, req: OrderRequest, *, clock: Clock, sleeper: Sleeper,
    visibility_window_s: float, poll_s: float = 2.0,
) -> OrderResult | None:
    """The order by client id; None once the window has passed without the exchange seeing it.

    Transient failures of the look-up itself keep us looking; if the window ends while the
    exchange still cannot answer, OutcomeUnknown is raised: nothing is proven either way.
    """
    deadline = clock.monotonic() + visibility_window_s
    delay = poll_s
    last_error: Exception | None = None
    while True:
        try:
            return exchange.fetch_order(req.symbol, client_order_id=req.client_order_id)
        except OrderNotFound:
            last_error = None
        except TransientExchangeError as exc:
            last_error = exc
            if isinstance(exc, RateLimited) and exc.retry_after_s:
                delay = max(delay, exc.retry_after_s)
        if clock.monotonic() >= deadline:
            if last_error is not None:
                raise OutcomeUnknown(
                    f"order {req.client_order_id} could not be looked up within "
                    f"{visibility_window_s:.0f} s; still unknown",
                    details={"client_order_id": req.client_order_id}) from last_error
            return None
        sleeper(min(delay, max(0.0, deadline - clock.monotonic())) or poll_s)
        delay = min(delay * 2, 15.0)


def place_order_exactly_once(
    exchange: Exchange, req: OrderRequest, *, clock: Clock, sleeper: Sleeper,
    visibility_window_s: float = DEFAULT_VISIBILITY_WINDOW_S,
) -> PlacementOutcome:
    """Send `req` once; resolve any doubt by look-up, never by sending it again.

    Returns `placed=False` only when the order was proven absent after the visibility window:
    the caller may then re-issue it under a NEW client order id. Raises OutcomeUnknown when
    the exchange could not even be asked; permanent errors (InsufficientFunds, BelowMinimum,
    InvalidOrder, AuthError) pass through: the order was refused and does not exist.
    """
    with log_context(symbol=req.symbol, exchange=str(getattr(exchange, "name", "-"))):
        duplicate = False
        try:
            return PlacementOutcome(exchange.create_order(req), placed=True)
        except DuplicateOrder:
            logger.warning("client id %s already known: looking it up", req.client_order_id)
            duplicate = True
            window = visibility_window_s
        except TransientExchangeError as exc:
            if isinstance(exc.details, dict) and exc.details.get("not_sent"):
                raise  # refused by our own back-off before any request: retry later, same id
            # Anything else may have reached the exchange: a look-up is cheap next to a
            # double fill.
            logger.warning("order %s outcome unknown (%s): looking it up",
                           req.client_order_id, exc.code)
            window = visibility_window_s
        found = lookup_until_visible(exchange, req, clock=clock, sleeper=sleeper,
                                     visibility_window_s=window)
        if found is not None:
            return PlacementOutcome(found, placed=True, resolved_by_lookup=True)
        if duplicate:
            # The exchange said the id exists; not seeing it is no proof of absence.
            raise OutcomeUnknown(f"order {req.client_order_id} reported duplicate but not found",
                                 details={"client_order_id": req.client_order_id})
        logger.warning("order %s not visible after %.0f s: not placed", req.client_order_id,
                       window)
        return PlacementOutcome(None, placed=False, resolved_by_lookup=True)


def replace_stop_loss(
    exchange: Exchange, new: OrderRequest, *, old_client_order_id: str | None,
    clock: Clock, sleeper: Sleeper, visibility_window_s: float = DEFAULT_VISIBILITY_WINDOW_S,
) -> PlacementOutcome:
    """Swap a position's exchange-side stop: place the new reduce-only stop, then cancel the old.

    New first, so the position is never without a stop; a reduce-only pair cannot close more
    than the position holds. An old stop already gone (filled, cancelled) is fine.
    """
    if not (new.reduce_only and new.stop_price is not None):
        raise ValueError("a stop loss is a reduce-only stop-market order")
    outcome = place_order_exactly_once(exchange, new, clock=clock, sleeper=sleeper,
                                       visibility_window_s=visibility_window_s)
    if outcome.placed and old_client_order_id and old_client_order_id != new.client_order_id:
        try:
            with_retry(lambda: exchange.cancel_order(new.symbol,
                                                     client_order_id=old_client_order_id),
                       sleeper=sleeper)
        except OrderNotFound:
            logger.info("old stop %s already gone", old_client_order_id)
    return outcome
