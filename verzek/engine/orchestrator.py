"""Orchestrator: a signal in, a decision and (maybe) a position out, for every eligible user.

Deduplicate (source message id, content hash) → persist → fan out across users on a bounded
pool (in order within one user): gate through safety and every risk rule, plan, choose the
account, set leverage, place the entry, protect it, arm the DCA levels.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from verzek.clock import Clock
from verzek.domain import plans
from verzek.domain.dca import DcaParams, build_plan
from verzek.domain.decision import Decision
from verzek.domain.exits import distribution_weights
from verzek.domain.models import (
    CloseReason,
    ExchangeAccount,
    MarketType,
    OrderType,
    Position,
    PositionStatus,
    Signal,
    SignalRecord,
    TakeProfitTarget,
    TradingMode,
    User,
)
from verzek.domain.positions import close, opening_side
from verzek.domain.risk import RiskContext, check
from verzek.domain.safety.state import OrderPurpose
from verzek.engine.entry_prices import (
    entry_span,
    exchange_symbol,
    in_market_units,
    pct_exits,
    position_id_for,
    waiting_trigger,
    with_pct_prices,
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
from verzek.errors import (
    DiskFault,
    ExchangeError,
    InvalidInput,
    TransientExchangeError,
    VerzekError,
)
from verzek.exchanges.base import Exchange, MarketInfo
from verzek.exchanges.multipliers import dot_thousands_factor, price_factor
from verzek.logs import log_context
from verzek.store.repos import PositionRepository, UserRepository

logger = logging.getLogger(__name__)
ZERO = Decimal(0)


@dataclass(frozen=True)
class Prepared:
    """Everything decided for one user and account before any order is sent."""

    user: User
    account: ExchangeAccount
    exchange: Exchange
    market: MarketInfo
    price: Decimal
    leverage: int
    base_usdt: Decimal
    levels: list[dict[str, str]]
    signal: Signal  # in the market's units (see `in_market_units`)
    factor: Decimal = Decimal(1)  # the call's prices x factor = the market's
    pct_exits: dict[str, Any] | None = None  # measured again from the entry's fill
    dca_base: Decimal | None = None  # the expected first fill: DCA levels re-based from it


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
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fanout")
        # The second pass of a new signal's fan-out (see `open_signal`) runs apart: its tasks
        # never wait behind first-pass tasks of another fan-out that may wait for its leases.
        self._books = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fanout-book")

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

        sent = list(self._executor.map(first, users))
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
        self._books.shutdown(wait=wait, cancel_futures=not wait)

    # --- one user ----------------------------------------------------------------------------

    def _accounts_for(self, user: User, signal: Signal) -> list[ExchangeAccount]:
        general = user.settings.general
        enabled = [a for a in user.exchange_accounts if a.enabled]
        if signal.market is not None:
            matching = [a for a in enabled if a.market_type is signal.market]
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
            return [UserDecision(user.id, "skipped", "No exchange account is chosen for this "
                                 "trade.", "no_account")]
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
            # open, or opened and closed already (a fan-out resumed after a crash must not
            # trade a signal again for a user whose position from it has come and gone)
            return UserDecision(user.id, "skipped", f"You already executed signal {record.id}.",
                                "duplicate_signal", pid)
        gate = self._safety.check_new_position(user.id)
        if not gate.allowed:
            return self._skip(user, record, gate)
        if self._positions.store.last_error is not None:
            return self._skip(user, record, Decision.deny(
                "disk_fault", "Trading is paused: the disk refused a write "
                f"({self._positions.store.last_error})."))
        try:
            prepared = self._prepare(record, user, account, existing)
        except (ExchangeError, TransientExchangeError, InvalidInput) as exc:
            return self._skip(user, record, Decision.deny(exc.code, exc.message))
        if isinstance(prepared, Decision):
            return self._skip(user, record, prepared)
        unconfirmed = self._configure_futures(prepared)
        if unconfirmed is not None:
            return self._skip(user, record, unconfirmed)
        # Not saved yet: the entry's intent carries it (one durable write less per user).
        position = self._new_position(record, prepared, pid)
        placed = self._place_entry(prepared, position, prepared.signal, defer=defer)
        if isinstance(placed, Sent):
            return Pending(record, user, account, prepared, position, placed)
        return self._entry_decision(record, user, account, placed)

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
            return UserDecision(user.id, "executed", f"The entry waits for the price to cross "
                                f"{trigger['direction']} {trigger['price']}.", "entry_waiting",
                                pid)
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
        return UserDecision(user.id, "executed", "Entry placed.", "executed", pid)

    def _skip(self, user: User, record: SignalRecord, decision: Decision) -> UserDecision:
        until = decision.details.get("paused_until")
        if isinstance(until, datetime) and until > self._clock.now():
            # The daily loss limit pauses the user until the next UTC day (persisted).
            self._safety.set_pause(paused=True, until=until, reason=decision.message,
                                   user_id=user.id)
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

    def _prepare(self, record: SignalRecord, user: User, account: ExchangeAccount,
                 existing: list[Position]) -> Prepared | Decision:
        signal = record.signal
        assert signal is not None
        now = self._clock.now()
        exchange = self._pool.get(user, account)
        market, nominal = self._pool.resolve_market(
            exchange, exchange_symbol(signal.symbol, account.market_type))
        symbol = market.symbol
        opposite = [p for p in existing if p.account_id == account.id and p.symbol == symbol
                    and p.side is not signal.side and p.market_type is MarketType.FUTURES]
        if opposite:
            # A one-way futures account nets a long and a short on one symbol into one
            # position: holding both would leave the engine tracking what the exchange has not.
            return Decision.deny(
                "opposite_position_open", f"A {opposite[0].side.value} {symbol} position is "
                "open on this account; close it before opening the other side.")
        held = next((p.leverage for p in existing if p.account_id == account.id and
                     p.symbol == symbol and p.market_type is MarketType.FUTURES), None)
        if held is not None and held != signal.leverage:
            # The exchange holds one leverage per symbol: a second trade at another one would
            # change the open position's too (or be refused); it joins at the open one's.
            signal = signal.model_copy(update={"leverage": held})
        if market.contract_size != 1:
            return Decision.deny(
                "unsupported_market", f"{symbol} on {account.exchange.value} trades in "
                f"contracts of {market.contract_size} {market.base}; only markets sized in "
                f"{market.base} itself are supported.")
        price = self._pool.ticker(exchange, symbol).last
        written = [*signal.entries, *signal.targets,
                   *([signal.stop_loss] if signal.stop_loss is not None else [])]
        # the call's prices x factor = the market's: a bundle ("PEPE" trading 1000PEPE), or
        # dots grouping thousands ("96.500" for BTC at 96,800)
        factor = price_factor(nominal, written[0] if written else None, price) \
            if nominal != 1 else dot_thousands_factor(written, price)
        if factor != 1:
            signal = in_market_units(signal, factor)
        measure_again = pct_exits(signal)
        signal = with_pct_prices(signal, price, exchange, symbol)
        balance = exchange.fetch_balance().get("USDT")
        capital = balance.total
        if capital <= 0:
            return Decision.deny("no_capital", "The account holds no USDT.")
        features = plans.plan_caps(user, now)
        dca = user.settings.dca
        levels_allowed = min(dca.max_safety_orders, features.max_dca_levels) \
            if features.dca_automation and dca.enabled else 0
        trades_today, pnl_today = self._stats.today(user.id, existing, now)
        ctx_kwargs: dict[str, Any] = dict(
            user=user, signal=signal, signal_id=record.id, now=now,
            signal_received_at=record.received_at, current_price=price, capital_usdt=capital,
            account=account, market=account.market_type,
            open_positions=len(existing),
            daily_trades=trades_today, daily_realised_pnl_usdt=pnl_today,
            symbol_exposure_usdt=sum((p.cost_usdt for p in existing if p.symbol == symbol),
                                     ZERO),
            total_exposure_usdt=sum((p.cost_usdt for p in existing), ZERO),
            min_notional_usdt=market.min_notional, fee_rate=market.taker_fee,
            # free and used both zero with a total: an exchange that does not report them
            free_usdt=max(balance.free, ZERO) if balance.free or balance.used else None,
        )
        base_ctx = RiskContext(**ctx_kwargs)
        leverage = base_ctx.leverage
        base_usdt = base_ctx.base_order_usdt
        dca_plan = None
        first_fill, dca_anchor = entry_span(signal, price, user.settings.strategy)
        if levels_allowed:
            effective = user.settings.model_copy(update={"dca": dca.model_copy(update={
                "max_safety_orders": levels_allowed, "levels": dca.levels[:levels_allowed]})})
            dca_plan = build_plan(DcaParams.from_settings(
                signal.side, dca_anchor, base_usdt, effective,
                symbol_exposure_usdt=ctx_kwargs["symbol_exposure_usdt"],
                leverage=leverage if account.market_type is MarketType.FUTURES else None,
                price_step=market.price_step, amount_step=market.amount_step))
        decision = check(RiskContext(**ctx_kwargs, dca_plan=dca_plan, plan=features))
        if not decision.allowed:
            return decision
        quantity = exchange.amount_to_precision(symbol, base_usdt / price)
        if quantity <= 0 or quantity < market.min_amount:
            return Decision.deny(
                "below_minimum", f"{base_usdt} USDT buys {quantity} {market.base} at {price}, "
                f"below the exchange's minimum amount {market.min_amount or market.amount_step}"
                "; raise the position size.")
        if quantity * price < market.min_notional:
            return Decision.deny(
                "below_min_notional", f"{base_usdt} USDT buys {quantity} {market.base} at "
                f"{price} on the exchange's {market.amount_step} step, worth "
                f"{quantity * price} USDT, below the exchange's minimum order value of "
                f"{market.min_notional} USDT; raise the position size.")
        levels = [{"level": str(lv.level), "price": str(lv.price), "quantity": str(lv.quantity),
                   "quote": str(lv.quote)}
                  for lv in (dca_plan.levels if dca_plan else ()) if lv.level > 0]
        return Prepared(user, account, exchange, market, price, leverage, base_usdt, levels,
                        signal, factor, measure_again, first_fill if levels else None)

    def _new_position(self, record: SignalRecord, p: Prepared, pid: str) -> Position:
        signal = p.signal
        strategy = p.user.settings.strategy
        now = self._clock.now()
        extra: dict[str, Any] = {
            "first_entry": str(p.price), "max_active_dca":
            p.user.settings.dca.max_active_safety_orders,
            "dca_execution": p.user.settings.dca.execution if p.levels else None,
            "dca_levels": p.levels,
            "signal_stop": str(signal.stop_loss) if signal.stop_loss else None,
        }
        if p.pct_exits:
            extra["pct_exits"] = p.pct_exits
        if p.dca_base is not None:
            extra["dca_base"] = str(p.dca_base)
        if p.factor != 1:
            # the call's prices x factor = this market's (follow-ups quoting prices too)
            extra["price_factor"] = str(p.factor)
        targets: list[TakeProfitTarget] = []
        if strategy.take_profit_mode == "signal_targets" and signal.targets:
            targets = [TakeProfitTarget(price=t) for t in signal.targets]
            weights = distribution_weights(len(targets), strategy.tp_distribution,
                                           strategy.tp_distribution_pcts)
            extra["tp_weights"] = [str(w) for w in weights]
        else:
            extra["tp_pct"] = str(strategy.take_profit_pct)
        return Position(
            id=pid, user_id=p.user.id, signal_id=record.id, account_id=p.account.id,
            exchange=p.account.exchange, market_type=p.account.market_type,
            mode=p.account.mode if not is_paper(p.user, p.account) else p.account.mode.DEMO,
            symbol=p.market.symbol, side=signal.side, leverage=p.leverage,
            status=PositionStatus.PENDING, stop_loss=signal.stop_loss, targets=targets,
            opened_at=now, extra=extra)

    def _place_entry(self, p: Prepared, position: Position, signal: Signal, *,
                     defer: bool = False) -> Position | Sent:
        """Send the entry order(s). With `defer`, a single entry order is only dispatched:
        its answer comes back as Sent, for `_finish_entry` to apply (several orders, a
        split entry, are applied one by one: each one's record is in the next one's
        position)."""
        exchange = p.exchange
        waiting = waiting_trigger(signal, p.price)
        if waiting is not None:
            # a breakout not reached yet: nothing is sent until the monitor sees the cross
            qty = exchange.amount_to_precision(position.symbol, p.base_usdt / waiting)
            ttl = timedelta(hours=p.user.settings.strategy.trigger_entry_ttl_h)
            # the price collar, from the trigger: a gap far past it is not chased
            collar = p.user.settings.risk.price_collar_pct / 100
            limit = waiting * (1 + collar if signal.entry_trigger == "above" else 1 - collar)
            return position.model_copy(update={"extra": {**position.extra, "entry_trigger": {
                "direction": signal.entry_trigger, "price": str(waiting), "quantity": str(qty),
                "limit": str(limit), "expires_at": (self._clock.now() + ttl).isoformat()}}})
        entry_type = p.user.settings.strategy.entry_type
        entries = [] if signal.entry_is_market else list(signal.entries)
        side = opening_side(position.side)
        specs: list[tuple[str, OrderSpec]] = []
        if entry_type == "market" or not entries:
            qty = exchange.amount_to_precision(position.symbol, p.base_usdt / p.price)
            specs.append(("entry", OrderSpec(symbol=position.symbol, side=side,
                                             type=OrderType.MARKET, quantity=qty,
                                             reference_price=p.price, leverage=p.leverage)))
        elif entry_type == "limit":
            edge = min(entries) if side.value == "buy" else max(entries)
            # Never rest a buy above the market (or a sell below): that would fill at once.
            edge = min(edge, p.price) if side.value == "buy" else max(edge, p.price)
            qty = exchange.amount_to_precision(position.symbol, p.base_usdt / edge)
            specs.append(("entry", OrderSpec(symbol=position.symbol, side=side,
                                             type=OrderType.LIMIT, quantity=qty,
                                             price=exchange.price_to_precision(
                                                 position.symbol, edge),
                                             leverage=p.leverage)))
        else:
            n = p.user.settings.strategy.split_entries
            low, high = min(entries), max(entries)
            prices = [low + (high - low) * i / max(n - 1, 1) for i in range(n)]
            for i, px in enumerate(prices, start=1):
                px = min(px, p.price) if side.value == "buy" else max(px, p.price)
                qty = exchange.amount_to_precision(position.symbol, p.base_usdt / n / px)
                specs.append((f"entry{i}", OrderSpec(
                    symbol=position.symbol, side=side, type=OrderType.LIMIT, quantity=qty,
                    price=exchange.price_to_precision(position.symbol, px),
                    leverage=p.leverage)))
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
