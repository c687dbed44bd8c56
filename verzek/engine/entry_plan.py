"""Entry planning: one user's trade on one account decided before any order is sent — the
market and its units, the price, leverage, size and DCA levels, every risk rule asked — and
the pending position it opens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from verzek.clock import Clock
from verzek.domain import plans
from verzek.domain.dca import DcaParams, DcaPlan, build_plan
from verzek.domain.decision import Decision
from verzek.domain.exits import distribution_weights
from verzek.domain.models import (
    DcaSettings,
    ExchangeAccount,
    MarketType,
    OrderStatus,
    OrderType,
    Position,
    PositionStatus,
    Signal,
    SignalRecord,
    TakeProfitTarget,
    User,
)
from verzek.domain.numeric import plain
from verzek.domain.plans import PlanFeatures
from verzek.domain.positions import opening_side
from verzek.domain.risk import RiskContext, check
from verzek.domain.risk.exposure import leverage_within_caps
from verzek.domain.risk.stops import fixed_stop
from verzek.domain.sizing import position_cap_usdt, position_size_usdt
from verzek.engine.entry_prices import (
    entry_span,
    exchange_symbol,
    in_market_units,
    pct_exits,
    waiting_trigger,
    with_pct_prices,
)
from verzek.engine.executor import OrderSpec
from verzek.engine.pool import ExchangePool, is_paper, is_paper_client
from verzek.engine.protection import stop_rule
from verzek.engine.stats import StatsBook
from verzek.exchanges.base import Exchange, MarketInfo
from verzek.exchanges.multipliers import dot_thousands_factor, price_factor

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
    notes: tuple[str, ...] = ()  # what the user's settings asked for and the plan left out


class EntryPlanner:
    """Plans entries for the orchestrator; reads the exchange (markets, ticker, balance), sends
    nothing."""

    def __init__(self, *, pool: ExchangePool, stats: StatsBook, clock: Clock) -> None:
        self._pool = pool
        self._stats = stats
        self._clock = clock

    def prepare(self, record: SignalRecord, user: User, account: ExchangeAccount,
                existing: list[Position]) -> Prepared | Decision:
        """The user's trade on the account as it will be sent, or why it is not (every risk
        rule asked): market, price, leverage, size, DCA levels, the call in market units."""
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
        # the DCA the plan allows: none on a plan without it, at most its levels (said below)
        effective_dca = plans.effective_dca(dca, features)
        first_fill, dca_anchor = entry_span(signal, price, user.settings.strategy)
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
            entry_price=first_fill, last_close_at=self._stats.last_close(user.id, symbol),
            # the market's highest when the exchange states it, or on paper (which refuses
            # past it); a default standing in for a listing without one is no cap
            market_max_leverage=market.max_leverage if market.max_leverage > 1 and (
                market.leverage_stated or is_paper_client(exchange)) else None,
        )
        base_ctx = RiskContext(**ctx_kwargs)
        leverage = base_ctx.leverage
        base_usdt = base_ctx.base_order_usdt
        dca_plan = None
        if effective_dca.enabled:
            effective = user.settings.model_copy(update={"dca": effective_dca})
            dca_plan = build_plan(DcaParams.from_settings(
                signal.side, dca_anchor, base_usdt, effective,
                symbol_exposure_usdt=ctx_kwargs["symbol_exposure_usdt"],
                leverage=leverage if account.market_type is MarketType.FUTURES else None,
                price_step=market.price_step, amount_step=market.amount_step,
                # a level at or past the stop never fills while the position is open
                stop_price=fixed_stop(signal.side, user.settings.strategy, first_fill,
                                      signal.stop_loss)))
        decision = check(RiskContext(**ctx_kwargs, dca_plan=dca_plan, plan=features))
        if not decision.allowed:
            return decision
        quantity = exchange.amount_to_precision(symbol, base_usdt / price)
        trades = "buys" if signal.side.value == "long" else "sells"  # a short sells
        if quantity <= 0 or quantity < market.min_amount:
            return Decision.deny(
                "below_minimum", f"{base_usdt} USDT {trades} {quantity} {market.base} at "
                f"{price}, "
                f"below the exchange's minimum amount {market.min_amount or market.amount_step}"
                "; raise the position size.")
        if quantity * price < market.min_notional:
            return Decision.deny(
                "below_min_notional", f"{base_usdt} USDT {trades} {quantity} {market.base} at "
                f"{price} on the exchange's {market.amount_step} step, worth "
                f"{quantity * price} USDT, below the exchange's minimum order value of "
                f"{market.min_notional} USDT; raise the position size.")
        levels = [{"level": str(lv.level), "price": str(lv.price), "quantity": str(lv.quantity),
                   "quote": str(lv.quote)}
                  for lv in (dca_plan.levels if dca_plan else ()) if lv.level > 0]
        return Prepared(user, account, exchange, market, price, leverage, base_usdt, levels,
                        signal, factor, measure_again, first_fill if levels else None,
                        (*_capped_note(user, capital), *_leverage_note(base_ctx),
                         *dca_notes(dca, features, dca_plan)))

    def new_position(self, record: SignalRecord, p: Prepared, pid: str) -> Position:
        """The pending position a prepared trade opens (not saved: its entry's intent carries
        it)."""
        signal = p.signal
        strategy = p.user.settings.strategy
        now = self._clock.now()
        extra: dict[str, Any] = {
            "first_entry": str(p.price), "max_active_dca":
            p.user.settings.dca.max_active_safety_orders,
            "dca_execution": p.user.settings.dca.execution if p.levels else None,
            "dca_levels": p.levels,
            "signal_stop": str(signal.stop_loss) if signal.stop_loss else None,
            # the stop is the position's as opened: a settings change is for later trades
            "stop_rule": stop_rule(strategy),
            # what a stop's exit pays (taker), for a breakeven that covers the fees
            "exit_fee_rate": str(p.market.taker_fee),
        }
        if p.pct_exits:
            extra["pct_exits"] = p.pct_exits
        if p.dca_base is not None:
            extra["dca_base"] = str(p.dca_base)
        if p.notes:
            extra["plan_notes"] = list(p.notes)
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


def _leverage_note(ctx: RiskContext) -> tuple[str, ...]:
    """Where the leverage came from, when the call did not set it: "Leverage reduced from 50x
    to 20x by the market's highest.", or, for a call naming none, that the user's maximum is
    used (it read as the call's)."""
    decision = leverage_within_caps(ctx)
    if decision.code == "leverage_capped":
        return (decision.message,)
    if ctx.market is MarketType.FUTURES and ctx.signal.leverage is None:
        return (f"The call names no leverage: {ctx.leverage}x, the most your settings and "
                "plan allow, is used (lower max_leverage in your risk settings to trade "
                "such calls with less).",)
    return ()


def dca_notes(dca: DcaSettings, features: PlanFeatures,
              dca_plan: DcaPlan | None) -> tuple[str, ...]:
    """The DCA levels the user's settings ask for that the trade leaves out, and why: the
    plan's features (no DCA, or fewer levels), or the plan's own drops (an investment cap,
    the stop loss, the exchange's amount step...)."""
    if not dca.enabled:
        return ()
    cap = plans.dca_cap_note(dca, features)
    notes: list[str] = [cap] if cap else []
    seen: set[str] = set()
    for drop in dca_plan.dropped if dca_plan else ():
        if drop.code in seen:  # the levels after a blocking one carry its code
            continue
        if drop.code != "below_amount_step":
            seen.add(drop.code)
        notes.append(f"DCA level {drop.level} left out: {drop.reason}.")
    return tuple(notes)


def _capped_note(user: User, capital: Decimal) -> tuple[str, ...]:
    """Why the base order is smaller than the size setting gives: the position cap."""
    size = position_size_usdt(user.settings.risk, capital)
    cap = position_cap_usdt(user.settings)
    if cap is None or size <= cap:
        return ()
    return (f"Base order sized down to your position cap of {plain(cap)} USDT (your size "
            f"setting gives {plain(size.quantize(Decimal('0.01')))} USDT).",)


def entry_summary(position: Position) -> str:
    """The executed decision in words: each entry order sent and where it stands, the DCA
    levels planned and what the plan left out."""
    parts = []
    for order in position.orders:
        if not order.leg.startswith("entry"):
            continue
        what = f"{order.side.value} {plain(order.quantity)} {position.symbol}"
        price = order.average_price or order.price
        if order.status is OrderStatus.FILLED:
            parts.append(f"{what} filled" + (f" at {plain(price)}" if price else ""))
        elif order.type is OrderType.MARKET:
            parts.append(f"{what} at market ({order.status.value})")
        else:
            parts.append(f"{what} limit at {plain(order.price)} ({order.status.value}, "
                         "waiting to fill)")
    text = "Entry placed" + (": " + "; ".join(parts) if parts else "")
    if position.market_type is MarketType.FUTURES:
        text += f", {position.leverage}x"
    text += "."
    levels = position.extra.get("dca_levels") or []
    if levels:
        text += f" {len(levels)} DCA level{'s' if len(levels) > 1 else ''} planned."
    notes = position.extra.get("plan_notes") or []
    return " ".join([text, *notes])


def breakout_wait(p: Prepared, position: Position, signal: Signal,
                  now: datetime) -> Position | None:
    """A breakout call ("LONG above 105") not reached yet: the position waiting for the
    monitor to see the cross (nothing is sent), with its quantity, limit (the price collar from
    the trigger: a gap far past it is not chased) and expiry; None when the entry goes now."""
    exchange = p.exchange
    waiting = waiting_trigger(signal, p.price)
    if waiting is None:
        return None
    qty = exchange.amount_to_precision(position.symbol, p.base_usdt / waiting)
    ttl = timedelta(hours=p.user.settings.strategy.trigger_entry_ttl_h)
    collar = p.user.settings.risk.price_collar_pct / 100
    limit = waiting * (1 + collar if signal.entry_trigger == "above" else 1 - collar)
    return position.model_copy(update={"extra": {**position.extra, "entry_trigger": {
        "direction": signal.entry_trigger, "price": str(waiting), "quantity": str(qty),
        "limit": str(limit), "expires_at": (now + ttl).isoformat()}}})


def entry_specs(p: Prepared, position: Position, signal: Signal) -> list[tuple[str, OrderSpec]]:
    """The entry order(s) by the user's strategy: market, a limit at the zone's edge, or split
    across the zone; a limit never rests a buy above the market (or a sell below)."""
    exchange = p.exchange
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
        parts = _split_parts(p, position.symbol, side.value, entries)
        for i, (px, qty) in enumerate(parts, start=1):
            specs.append((f"entry{i}", OrderSpec(
                symbol=position.symbol, side=side, type=OrderType.LIMIT, quantity=qty,
                price=exchange.price_to_precision(position.symbol, px),
                leverage=p.leverage)))
    return specs


def _split_parts(p: Prepared, symbol: str, side: str, entries: list[Decimal],
                 ) -> list[tuple[Decimal, Decimal]]:
    """(price, quantity) of each part of a split entry across the zone: the parts the user
    set, or as many as the market's minimum order (amount and value) allows, down to one (a
    100 USDT entry in 3 parts of BTC is 0 BTC each: it was an internal error)."""
    exchange, market = p.exchange, p.market
    low, high = min(entries), max(entries)
    parts: list[tuple[Decimal, Decimal]] = []
    for n in range(p.user.settings.strategy.split_entries, 0, -1):
        prices = [low + (high - low) * i / max(n - 1, 1) for i in range(n)]
        prices = [min(px, p.price) if side == "buy" else max(px, p.price) for px in prices]
        parts = [(px, exchange.amount_to_precision(symbol, p.base_usdt / n / px))
                 for px in prices]
        if all(qty > 0 and qty >= market.min_amount and qty * px >= market.min_notional
               for px, qty in parts):
            break
    return parts
