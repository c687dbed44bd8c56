"""Price monitor: each pass reads prices (`prices.py`), lets the paper exchange fill resting
orders, and acts on monitored DCA triggers, spot stops, trailing take profit and trailing stop,
breakout entries and stale entries; the order-sync pass (`order_sync.py`) hangs off it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from verzek.clock import Clock
from verzek.domain.decision import Decision
from verzek.domain.exits import is_crossed, is_stop_hit, trail_stop, trail_take_profit
from verzek.domain.models import (
    CloseReason,
    MarketType,
    OrderType,
    Position,
    PositionStatus,
)
from verzek.domain.positions import close, opening_side
from verzek.domain.safety.state import OrderPurpose
from verzek.engine import protection
from verzek.engine.entry_expiry import stale_entry
from verzek.engine.executor import OrderSpec
from verzek.engine.legs import DEAD, base_leg, fresh_leg
from verzek.engine.order_sync import OrderSync
from verzek.engine.pool import ExchangePool, is_paper_client
from verzek.engine.position_manager import PositionManager
from verzek.engine.prices import PriceFeeds, feed_key
from verzek.engine.tracker import LIVE_STATUSES, LIVE_VALUES, live_orders, waiting_breakout
from verzek.errors import NotFound, VerzekError
from verzek.exchanges.base import Exchange
from verzek.logs import Throttle, log_context
from verzek.store.repos import PositionRepository, UserRepository

logger = logging.getLogger(__name__)
ACTIVE = (PositionStatus.OPEN, PositionStatus.PARTIALLY_CLOSED, PositionStatus.PENDING)
_PENDING = PositionStatus.PENDING.value
_SPOT = MarketType.SPOT.value
# A monitored DCA buy the exchange (or a safety check) refused is tried again at its level,
# under a new name (the old one is answered "already refused"): first after this long, then
# twice as long after each further refusal, up to the cap (a long kill switch or a refusing
# exchange adds a few refused orders to the position, not one per price pass).
DCA_RETRY_S = 10.0
DCA_RETRY_MAX_S = 3600.0


class PriceMonitor:
    """`run_once()` is one pass: prices, paper matching, triggers, then fills to positions."""

    def __init__(self, *, users: UserRepository, positions: PositionRepository,
                 pool: ExchangePool, manager: PositionManager, clock: Clock,
                 stale_after_missed: int = 3, stopping: threading.Event | None = None) -> None:
        self._users = users
        self._positions = positions
        self._pool = pool
        self._manager = manager
        self._clock = clock
        # set when shutdown begins: a pass under way starts nothing new (fills it matched are
        # left to `flush_deferred`), so the stop is never held up by a long pass
        self._stopping = stopping or threading.Event()
        self._pass_now = clock.now()  # the time of the pass under way (read once per pass)
        self._throttle = Throttle(60.0, clock)
        self.prices = PriceFeeds(throttle=self._throttle, stale_after_missed=stale_after_missed)
        self.state = self.prices.state
        self.order_sync = OrderSync(users=users, positions=positions, pool=pool,
                                    manager=manager, clock=clock, stopping=self._stopping)
        # position id -> owner, of paper fills matched but not applied (owner busy, or the
        # sync failed): synced next pass, or by `flush_deferred()` at a clean stop
        self._deferred: dict[str, str] = {}
        # Asked before a breakout entry fires (safety stops, daily limits as they stand then);
        # a denial with `hold` keeps the wait, any other ends it (runtime wires BreakoutGate).
        self.entry_check: Callable[[Exchange, Position, Decimal], Decision] | None = None

    # --- which positions, on which exchange --------------------------------------------

    def _client(self, user_id: str, raw: dict[str, Any]) -> Exchange | None:
        """The position's exchange client: cached by account, built on first need."""
        paper = raw.get("mode") == "demo"
        exchange = self._pool.cached(raw["account_id"], paper)
        if exchange is not None:
            return exchange
        user = self._users.find(user_id)
        if user is None:
            return None
        position = Position.model_validate(raw)
        try:  # the account and mode it opened on: a demo position stays on paper
            return self._pool.for_position(user, position)
        except VerzekError as exc:
            self._log_once(f"pool:{position.account_id}", "no client for %s: %s",
                           position.account_id, exc.message)
            return None
        except Exception as exc:  # one account's fault never stops the pass for the rest
            self._log_once(f"pool:{position.account_id}", "no client for %s (user %s): %r",
                           position.account_id, user_id, exc)
            return None

    # --- one pass -------------------------------------------------------------------------

    def run_once(self) -> dict[str, int]:
        """Cheap checks on the stored positions; only a position whose trigger fires (or
        whose orders filled) is loaded in full and acted on, under its owner's lock."""
        if self._stopping.is_set():  # shutdown: no new paper fills nor actions
            return {"positions": 0, "prices": 0, "triggered": 0}
        groups: dict[int, tuple[Exchange, list[tuple[str, dict[str, Any]]]]] = {}
        count = 0
        unpriced: set[str] = set()  # symbols of positions no client was found for
        deferred, self._deferred = self._deferred, {}
        touched: set[str] = set()  # positions whose orders filled: synced this pass
        for user_id in self._positions.user_ids():
            for raw in self._positions.open_raw(user_id):
                if deferred and raw["id"] in deferred:
                    touched.add(raw["id"])
                exchange = self._client(user_id, raw)
                if exchange is None:
                    unpriced.add(raw["symbol"])
                    continue
                groups.setdefault(id(exchange), (exchange, []))[1].append((user_id, raw))
                count += 1
        feeds = {gid: feed_key(exchange) for gid, (exchange, _) in groups.items()}  # per client
        prices, held = self.prices.fetch(groups, feeds)
        self.prices.forget_unheld(held, unpriced)
        self._pass_now = self._clock.now()
        by_feed: dict[str, dict[str, Decimal]] = {}
        for (key, symbol), last in prices.items():
            by_feed.setdefault(key, {})[symbol] = last
        for gid, (exchange, _) in groups.items():
            if is_paper_client(exchange):
                touched |= self._match_paper(exchange, by_feed.get(feeds[gid], {}))
        triggered = 0
        strategies: dict[str, dict[str, Any]] = {}
        for gid, (exchange, items) in groups.items():
            feed = feeds[gid]
            for user_id, raw in items:
                price = prices.get((feed, raw["symbol"]))
                if self._stopping.is_set():
                    if raw["id"] in touched:
                        self._deferred[raw["id"]] = user_id
                    continue
                try:
                    if raw["id"] not in touched and (price is None or not self._wants(
                            user_id, raw, price, strategies)):
                        continue
                    triggered += 1
                    self._act(exchange, user_id, raw["id"], price, raw["id"] in touched)
                except Exception:
                    if raw["id"] in touched:  # its fills are not applied yet: again next pass
                        self._deferred[raw["id"]] = user_id
                    logger.exception("monitor failed on position %s of user %s (%s)",
                                     raw["id"], user_id, raw.get("symbol"))
        self.state.last_pass_at = self._clock.now().isoformat()
        return {"positions": count, "prices": len(prices), "triggered": triggered}

    def _act(self, exchange: Exchange, user_id: str, position_id: str,
             price: Decimal | None, touched: bool) -> None:
        with self._manager.locks.try_hold(user_id) as held, log_context(user_id=user_id):
            if not held:
                # The owner's lock is busy (a fan-out waiting on a slow exchange can hold it
                # for a minute): this single thread watches every user's stops, so it never
                # waits on one; the position is looked at again next pass.
                if touched:
                    self._deferred[position_id] = user_id
                self._log_once(f"busy:{user_id}", "user %s busy; position %s looked at "
                               "next pass", user_id, position_id)
                return
            try:
                current: Position | None = self._positions.get(user_id, position_id)
            except NotFound:
                return
            if current is None or current.status is PositionStatus.CLOSED:
                return
            if touched:
                current = self._manager.sync(exchange, current)
            if price is not None and current.status in ACTIVE:
                self.on_price(exchange, current, price)

    def flush_deferred(self, time_left: Callable[[], float] | None = None) -> int:
        """At a stop, once the loops have stopped: apply the paper fills a pass matched but
        could not apply (the owner was busy, the sync failed, shutdown began). The paper
        exchange fills in this process, so nothing else would find them before the next start.
        What is left when `time_left()` reaches 0, whose owner is still busy (a fan-out cut
        off at the deadline) or whose sync failed is left to the next start's order sync.
        Returns how many positions are left so (0: every fill this run made is applied)."""
        deferred, self._deferred = self._deferred, {}
        failed = 0
        for n, (position_id, user_id) in enumerate(deferred.items()):
            if time_left is not None and time_left() <= 0:
                self._deferred.update(dict(list(deferred.items())[n:]))
                break
            raw = next((r for r in self._positions.open_raw(user_id)
                        if r["id"] == position_id), None)
            exchange = self._client(user_id, raw) if raw is not None else None
            try:
                if exchange is not None:
                    self._act(exchange, user_id, position_id, None, True)
            except Exception:
                failed += 1
                logger.exception("fills of position %s not applied at stop", position_id)
        left = len(self._deferred) + failed
        if left:
            logger.warning("%d position(s) with fills not applied at the stop; the next "
                           "start's order sync applies them", left)
        return left

    def _wants(self, user_id: str, raw: dict[str, Any], price: Decimal,
               strategies: dict[str, dict[str, Any]]) -> bool:
        """Whether a monitored trigger may fire at `price` (decided on the stored dict)."""
        if (raw["status"] == _PENDING or (raw.get("extra") or {}).get("resting_entries")) \
                and stale_entry(raw, self._strategy(user_id, strategies), price,
                                self._pass_now) is not None:
            return True
        if raw["status"] == _PENDING:
            waiting = (raw.get("extra") or {}).get("entry_trigger")
            # a breakout entry: crossed now, or waited its time out
            return waiting is not None and not any(
                o["leg"] == "entry" for o in raw.get("orders", ())) and (
                _crossed(waiting, price) or _expired(waiting, self._clock.now()))
        if raw.get("average_entry") is None:
            return False
        long = raw["side"] == "long"
        stop = raw.get("stop_loss")
        if stop is not None:
            stop_d = Decimal(stop)
            if ((price <= stop_d) if long else (price >= stop_d)) and (
                    raw["market_type"] == _SPOT or not any(
                        o["leg"].startswith("sl") and o["status"] in LIVE_VALUES
                        for o in raw.get("orders", []))):
                return True
        strategy = self._strategy(user_id, strategies)
        if strategy.get("trailing_stop_pct") or (
                strategy.get("trailing_tp_activation_pct") and
                strategy.get("trailing_tp_callback_pct")):
            return True
        extra = raw.get("extra") or {}
        if extra.get("dca_execution") == "monitored":
            filled = int(raw.get("dca_levels_filled", 0))
            for level in extra.get("dca_levels", []):
                if int(level["level"]) > filled:
                    trigger = Decimal(level["price"])
                    return (price <= trigger) if long else (price >= trigger)
        return False

    def _strategy(self, user_id: str, strategies: dict[str, dict[str, Any]]) -> dict[str, Any]:
        """The user's strategy settings as stored (read once per pass)."""
        strategy = strategies.get(user_id)
        if strategy is None:
            doc = self._users.store.read_shared(f"users/{user_id}.json") or {}
            strategy = strategies[user_id] = doc.get("settings", {}).get("strategy", {})
        return strategy

    def _match_paper(self, exchange: Any, prices: dict[str, Decimal]) -> set[str]:
        """Let the paper exchange fill resting orders; return the positions to sync."""
        try:
            fills = exchange.process_prices({s: p for s, p in prices.items()
                                             if s in exchange.load_markets()})
        except VerzekError as exc:
            self._log_once(f"paper:{exchange.account_id}", "paper matching failed: %s",
                           exc.message)
            return set()
        except Exception as exc:  # one account's fault never stops the pass for the rest
            self._log_once(f"paper:{exchange.account_id}", "paper matching failed on account "
                           "%s: %r", exchange.account_id, exc)
            return set()
        touched: set[str] = set()
        coids = {f.get("client_order_id") for f in fills}
        if not coids:
            return touched
        liquidations = {f.get("symbol"): f for f in fills
                        if f.get("client_order_id") == "liquidation"}
        liquidated: dict[str, list[Position]] = {}
        for user_id in self._positions.user_ids():
            for raw in self._positions.open_raw(user_id):
                # the paper account's own: a live position on the same account (its user
                # went live) is the exchange's, never settled by a paper fill
                if raw["account_id"] != exchange.account_id or raw.get("mode") != "demo":
                    continue
                if raw["symbol"] in liquidations:
                    liquidated.setdefault(raw["symbol"], []).append(
                        Position.model_validate(raw))
                    continue
                if any(o["client_order_id"] in coids for o in raw.get("orders", [])):
                    touched.add(raw["id"])
        for symbol, positions in liquidated.items():
            self._liquidated(exchange, positions, liquidations[symbol])
        return touched

    def _liquidated(self, exchange: Exchange, positions: list[Position],
                    fill: dict[str, Any]) -> None:
        """Settle the positions the exchange liquidated as one: two calls on one coin are
        one position on a one-way futures account, so its loss and fee are shared by
        quantity, never booked whole on each."""
        fee = Decimal(str(fill.get("fee_usdt") or 0))
        pnl = Decimal(str(fill["pnl_usdt"])) if fill.get("pnl_usdt") is not None else None
        held = sum((p.quantity for p in positions), Decimal(0))
        # the exchange's quantity when it held more than these (a stray of ours, or not ours)
        whole = max(held, Decimal(str(fill.get("quantity") or 0)))
        fee_left, pnl_left = fee, pnl
        for i, position in enumerate(positions):
            last = i == len(positions) - 1 and whole == held
            share = position.quantity / whole if whole > 0 else Decimal(1) / len(positions)
            fee_i = fee_left if last else fee * share
            pnl_i = pnl_left if last or pnl is None else pnl * share
            fee_left -= fee_i
            if pnl_left is not None and pnl_i is not None:
                pnl_left -= pnl_i
            try:
                with self._manager.locks.hold(position.user_id):
                    self._manager.settle(exchange, position, CloseReason.LIQUIDATED,
                                         Decimal(str(fill["price"])), fee_usdt=fee_i,
                                         pnl_usdt=pnl_i)
            except Exception:
                logger.exception("liquidation of position %s of %s not settled",
                                 position.id, position.user_id)
                continue
            logger.error("position %s of %s liquidated at %s", position.id, position.user_id,
                         fill["price"])

    # --- triggers -------------------------------------------------------------------------------

    def on_price(self, exchange: Exchange, position: Position, price: Decimal) -> Position:
        """Monitored exits and DCA for one position at `price`."""
        if (live_orders(position, "entry") and not waiting_breakout(position)) or \
                position.extra.get("cancel_pending"):
            position = self._expire_entry(exchange, position, price)
        if position.status is PositionStatus.PENDING:
            waiting = waiting_breakout(position)
            if waiting is not None:
                return self._breakout_entry(exchange, position, waiting, price)
            return position
        if position.average_entry is None:
            return position
        strategy = self._manager.strategy_of(position)
        spot = position.market_type is MarketType.SPOT
        recently_failed = self._manager.close_recently_failed(position)
        if position.stop_loss is not None and not recently_failed and \
                is_stop_hit(position.side, position.stop_loss, price) and \
                (spot or not live_orders(position, "sl")):
            # Spot stops are ours to watch; a futures stop the exchange refused (a stop that
            # would trigger at once is rejected) or lost is closed at market the same way.
            return self._manager.close_market(exchange, position, "sl", CloseReason.STOP_LOSS)
        extra = dict(position.extra)
        if strategy.trailing_tp_activation_pct and strategy.trailing_tp_callback_pct:
            prev = extra.get("trail_extreme")
            extreme, should_close = trail_take_profit(
                position.side, average_entry=position.average_entry,
                activation_pct=strategy.trailing_tp_activation_pct,
                callback_pct=strategy.trailing_tp_callback_pct,
                extreme=Decimal(prev) if prev else None, price=price)
            if should_close:
                return self._manager.close_market(exchange, position, "trail",
                                                  CloseReason.TAKE_PROFIT)
            if extreme is not None and str(extreme) != prev:
                extra["trail_extreme"] = str(extreme)
                position = self._manager.save(position.model_copy(update={"extra": extra}))
        if strategy.trailing_stop_pct:
            new_stop = trail_stop(position.side, stop=position.stop_loss,
                                  trail_pct=strategy.trailing_stop_pct, price=price)
            if trail_step_due(position.stop_loss, new_stop, price,
                              strategy.trailing_stop_pct):
                extra = dict(position.extra)
                extra["stop_moved"] = True
                if not spot:
                    extra["sl_rev"] = protection.sl_rev(position) + 1
                position = self._manager.save(position.model_copy(
                    update={"stop_loss": new_stop, "extra": extra}))
                if not spot:
                    position = self._manager.arm(exchange, position)
        level = protection.next_monitored_dca(position)
        if level is not None:
            trigger = Decimal(level["price"])
            crossed = price <= trigger if position.side.value == "long" else price >= trigger
            leg = f"dca{level['level']}"
            if crossed and not self._dca_waits(position, leg):
                spec = OrderSpec(symbol=position.symbol, side=opening_side(position.side),
                                 type=OrderType.MARKET, quantity=Decimal(level["quantity"]),
                                 reference_price=price, leverage=position.leverage)
                # a fresh name after a refusal (a kill switch, a breaker, the exchange): the
                # executor answers a refused name "already refused" for good
                position, _ = self._manager.send(exchange, position, fresh_leg(position, leg),
                                                 spec, OrderPurpose.INCREASE)
        return position

    def _dca_waits(self, position: Position, leg: str) -> bool:
        """A monitored DCA level's buy is still live, or was refused too recently to try again
        (see `DCA_RETRY_S`)."""
        mine = [o for o in position.orders if base_leg(o.leg) == leg]
        if any(o.status in LIVE_STATUSES for o in mine):
            return True
        dead = [o.updated_at or o.created_at for o in mine if o.status in DEAD]
        if not dead:
            return False
        wait_s = min(DCA_RETRY_S * 2 ** min(len(dead) - 1, 20), DCA_RETRY_MAX_S)
        return (self._clock.now() - max(dead)).total_seconds() < wait_s

    def _expire_entry(self, exchange: Exchange, position: Position, price: Decimal) -> Position:
        """Cancel resting entries that waited too long, or (nothing filled) whose call reached
        its first target first; a position that filled nothing closes as cancelled."""
        strategy = self._manager.strategy_of(position).model_dump(mode="json")
        reason = stale_entry(position.model_dump(mode="json"), strategy, price,
                             self._clock.now())
        if reason is None:
            return position
        logger.info("resting entry of %s %s cancelled: %s", position.symbol, position.id,
                    reason)
        if position.quantity > 0:  # part filled: the rest of the entry no longer rests
            return self._manager.cancel_all(exchange, position, "entry")
        return self._manager.cancel_unfilled(exchange, position, why=reason)

    def _breakout_entry(self, exchange: Exchange, position: Position, waiting: dict[str, str],
                        price: Decimal) -> Position:
        """ "LONG above 65500": enter at market once the price crosses; cancel the wait when
        it outlives the user's `trigger_entry_ttl_h` uncrossed."""
        now = self._clock.now()
        if not _crossed(waiting, price):
            if _expired(waiting, now):
                logger.info("breakout entry of %s not reached by %s; cancelled",
                            position.symbol, waiting["expires_at"])
                return self._manager.save(close(position, CloseReason.CANCELLED, now))
            return position
        limit = Decimal(waiting.get("limit", "0"))
        if limit and price != limit and is_crossed(waiting["direction"], limit, price):
            # gapped past the trigger by more than the user's price collar: not chased
            logger.warning("breakout entry of %s skipped: %s is past the collar limit %s of "
                           "its trigger %s", position.symbol, price, waiting["limit"],
                           waiting["price"])
            return self._manager.save(close(position, CloseReason.CANCELLED, now))
        if self.entry_check is not None:
            try:
                decision = self.entry_check(exchange, position, price)
            except VerzekError as exc:  # the balance look-up failed: the next pass asks again
                decision = Decision.deny(exc.code, exc.message, hold=True)
            if not decision.allowed and decision.details.get("hold") and _expired(waiting, now):
                logger.info("breakout entry of %s held past %s; cancelled", position.symbol,
                            waiting["expires_at"])
                return self._manager.save(close(position, CloseReason.CANCELLED, now))
            if not decision.allowed and decision.details.get("hold"):
                self._log_once(f"hold:{position.id}", "breakout entry of %s held: %s",
                               position.symbol, decision.message)
                return position
            if not decision.allowed:
                logger.warning("breakout entry of %s cancelled at its cross: %s",
                               position.symbol, decision.message)
                return self._manager.save(close(position, CloseReason.CANCELLED, now))
        # Recorded with the entry order, not before it: the order is the mark that the wait is
        # over, and a crash in between leaves an intent the next pass resolves, never resends.
        fired = {**waiting, "fired_at": now.isoformat(), "fired_price": str(price)}
        position = position.model_copy(update={"extra": {
            **position.extra, "entry_trigger": fired, "first_entry": str(price)}})
        spec = OrderSpec(symbol=position.symbol, side=opening_side(position.side),
                         type=OrderType.MARKET, quantity=Decimal(waiting["quantity"]),
                         reference_price=price, leverage=position.leverage)
        position, result = self._manager.send(exchange, position, "entry", spec,
                                              OrderPurpose.OPEN)
        if result.status in ("rejected", "blocked") and position.quantity == 0:
            logger.warning("breakout entry of %s not placed (%s): %s", position.symbol,
                           result.status, result.message)
            position = self._manager.save(close(position, CloseReason.CANCELLED, now))
        return position

    def sync_orders(self) -> int:
        """One order-sync pass (see `OrderSync`)."""
        return self.order_sync.run_once()

    def stale_symbols(self) -> list[str]:
        return self.prices.stale_symbols()

    def status(self) -> dict[str, Any]:
        return self.prices.status()

    def _log_once(self, key: str, fmt: str, *args: object) -> None:
        allowed, held = self._throttle.allow(key)
        if allowed:
            logger.warning(fmt + " (%d similar held back)", *args, held)


def _crossed(waiting: dict[str, str], price: Decimal) -> bool:
    return is_crossed(waiting["direction"], Decimal(waiting["price"]), price)


def _expired(waiting: dict[str, str], now: datetime) -> bool:
    return now >= datetime.fromisoformat(waiting["expires_at"])


def trail_step_due(stop: Decimal | None, new_stop: Decimal, price: Decimal,
                   trail_pct: Decimal) -> bool:
    """Whether the trailing stop moves now: by at least a quarter of the trail's distance (on
    futures each move cancels and replaces the stop order on the exchange; a move per tick
    spends the account's rate limit and grows the position's order list without end)."""
    if stop is None:
        return True
    return abs(new_stop - stop) >= price * trail_pct / 400
