"""Channel follow-ups (target hit, close, cancel, move stop) applied to the positions that were
opened from the signal they concern, for every user who follows channel updates
(`route_update` says which positions those are), with one decision per position acted on.

A follow-up never turns into a loss the channel did not call: a stop move the market is
already past is not applied (placed, it would close the position at once), and "target N hit"
sells a share only while that sale is a profit for the user."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from decimal import Context, Decimal

from verzek.clock import Clock
from verzek.domain.exits import is_in_profit
from verzek.domain.margin import (
    DEFAULT_MAINTENANCE_MARGIN_RATE,
    is_beyond_liquidation,
    liquidation_price,
)
from verzek.domain.models import (
    CloseReason,
    MarginMode,
    MarketType,
    OrderStatus,
    OrderType,
    Position,
    PositionStatus,
    Side,
    SignalRecord,
    SignalUpdate,
    User,
)
from verzek.domain.numeric import plain
from verzek.domain.positions import closing_side
from verzek.domain.safety.state import OrderPurpose
from verzek.engine import protection
from verzek.engine.executor import OrderSpec
from verzek.engine.notifier import EventKind
from verzek.engine.ports import UserDecision
from verzek.engine.position_manager import PositionManager
from verzek.errors import VerzekError
from verzek.exchanges.base import Exchange, Ticker
from verzek.exchanges.multipliers import same_coin

logger = logging.getLogger(__name__)
TickerSource = Callable[[Exchange, str], Ticker]
Routed = list[tuple[Position, str]]  # a user's positions a follow-up acts on, each with a note


class UpdateApplier:
    """Applies one SignalUpdate to one user's position."""

    def __init__(self, *, manager: PositionManager, clock: Clock) -> None:
        self._manager = manager
        self._clock = clock

    def _market_price(self, exchange: Exchange, position: Position,
                      ticker: TickerSource | None) -> Decimal | None:
        """The market's last price, or None when it cannot be read now."""
        try:
            price = (ticker(exchange, position.symbol) if ticker is not None
                     else exchange.fetch_ticker(position.symbol)).last
        except VerzekError as exc:
            logger.warning("price of %s unread for a follow-up on %s: %s", position.symbol,
                           position.id, exc.code)
            return None
        return price if price and price > 0 else None

    def apply_each(self, user: User, routed: Routed, update: SignalUpdate, *,
                   current: Callable[[Position], Position],
                   exchange_of: Callable[[Position], Exchange],
                   ticker: TickerSource | None = None) -> list[UserDecision]:
        """Apply `update` to each of the user's routed positions (`route_update`; the caller
        holds the user's lock): one decision per position acted on, each naming its position
        and account. A user trading several accounts holds one position of a call per account;
        a failed close on one must not hide behind "executed" on another. `current` reads a
        position as saved now: one closed since it was routed is not acted on (a user none of
        whose positions is still open gets one "skipped" decision). `exchange_of` is the
        client a position was opened on. One position's unexpected error is its own "failed"
        decision; the user's other positions are still acted on."""
        decisions: list[UserDecision] = []
        for routed_position, note in routed:
            try:
                position = current(routed_position)
                if position.status is PositionStatus.CLOSED:
                    continue
                decisions.append(self.apply(exchange_of(position), user, position, update,
                                            note=note, ticker=ticker))
            except Exception as exc:
                decisions.append(_failed(user, routed_position, update, exc))
        if not decisions:
            return [UserDecision(user.id, "skipped", "The position this follow-up concerns "
                                 "closed before it arrived: nothing to apply it to.",
                                 "no_position")]
        return decisions

    def apply(self, exchange: Exchange, user: User, position: Position,
              update: SignalUpdate, *, note: str = "",
              ticker: TickerSource | None = None) -> UserDecision:
        """Apply `update` to `position`: its decision, naming the position and its account;
        `note` (why this position: see `route_update`) is added to the decision's reason;
        `ticker` reads the market price (shared by every user the follow-up reaches:
        `ExchangePool.ticker_memo`; default: a request each)."""
        decision = self._apply(exchange, user, position, update, ticker)
        if note:
            decision = replace(decision, reason=f"{decision.reason} {note}")
        return replace(decision, position_id=position.id, account_id=position.account_id)

    def _apply(self, exchange: Exchange, user: User, position: Position,
               update: SignalUpdate, ticker: TickerSource | None) -> UserDecision:
        if not user.settings.general.follow_channel_updates:
            return UserDecision(user.id, "skipped", "You do not follow channel updates.",
                                "not_following", position.id)
        action = update.action
        if action == "close" and update.close_share is not None:
            return self._close_share(exchange, user, position, update.close_share)[1]
        if action in ("close", "stop_hit"):
            reason = CloseReason.STOP_LOSS if action == "stop_hit" else CloseReason.CHANNEL
            return self._close(exchange, user, position, reason)[1]
        if action == "cancel":
            return self._cancel(exchange, user, position)
        if action == "move_sl":
            held = ""
            if update.close_share is not None:  # "take 50% profit and move SL to entry"
                held = self._profit_share_held(exchange, position, update.close_share, ticker)
                if not held:
                    position, taken = self._close_share(exchange, user, position,
                                                        update.close_share)
                    if taken.outcome != "executed" or \
                            position.status is PositionStatus.CLOSED:
                        return taken
            moved = self._move_stop(exchange, user, position, update, ticker)
            if held:
                return replace(moved, reason=f"{held} {moved.reason}")
            if update.close_share is not None:  # the share sold, then the stop's answer
                return replace(moved, reason=f"{taken.reason} {moved.reason}")
            return moved
        if action == "target_hit" and update.target_index:
            if not _follows_channel_targets(user, position):
                return UserDecision(user.id, "skipped", "Your take profit is your own "
                                    "percentage, not the channel's targets: its exits stay "
                                    "as they are.", "own_take_profit", position.id)
            return self._target(exchange, user, position, update.target_index, ticker)
        return UserDecision(user.id, "skipped", f"No action for a '{action}' update.",
                            "no_action", position.id)

    def _done(self, user: User, position: Position, what: str) -> UserDecision:
        return UserDecision(user.id, "executed", f"Position {position.id} {what}.",
                            "update_applied", position.id)

    def _close(self, exchange: Exchange, user: User, position: Position,
               reason: CloseReason) -> tuple[Position, UserDecision]:
        """Close at market: "failed" when the exchange refused the close order (the manager
        re-armed the position's stop and targets), never "closed" for a position still open."""
        before = {o.client_order_id for o in position.orders}
        position = self._manager.close_market(exchange, position, "chan", reason)
        if position.status is PositionStatus.CLOSED:
            return position, self._done(user, position, f"closed ({position.close_reason})")
        sent = [o for o in position.orders
                if o.client_order_id not in before and o.leg.startswith("chan")]
        if not sent:  # nothing held: the cancel of its entry awaits the exchange
            return position, self._done(user, position, "close asked: its entry's cancel is "
                                        "not confirmed yet, so it is asked again until it is")
        if sent[-1].status in (OrderStatus.REJECTED, OrderStatus.CANCELED):
            why = (f"the exchange did not take the close order ({sent[-1].status.value}); the "
                   f"position stays open, {_stays(position)}.")
            account = next((a.label or a.id for a in user.exchange_accounts
                            if a.id == position.account_id), position.account_id)
            self._manager.emit(EventKind.ATTENTION, position, f"The channel's close of your "
                               f"{position.symbol} {position.side.value} on account {account} "
                               f"failed: {why}", code="close_failed",
                               account_id=position.account_id)
            return position, UserDecision(user.id, "failed", why[0].upper() + why[1:],
                                          "close_failed", position.id)
        return position, self._done(user, position, "close order sent; its fill is not "
                                    "confirmed yet and is followed until it is")

    def _close_share(self, exchange: Exchange, user: User, position: Position,
                     share: Decimal) -> tuple[Position, UserDecision]:
        """ "Close 50%": that share of what is open, at market; targets and stop then cover
        the rest (the manager re-arms them after the fill). Nothing open yet: nothing to do."""
        if position.quantity == 0:
            return position, UserDecision(user.id, "skipped", "The position holds nothing "
                                          "yet; its entry has not filled.", "no_entry",
                                          position.id)
        qty = exchange.amount_to_precision(position.symbol, position.quantity * share)
        if qty >= position.quantity:
            return self._close(exchange, user, position, CloseReason.CHANNEL)
        if qty <= 0:
            return position, UserDecision(
                user.id, "skipped", f"{share:.0%} of {position.quantity} is below the "
                "exchange's smallest amount.", "below_minimum", position.id)
        if position.market_type.value == "spot":
            # the coins rest in the take-profit sells: free them first (re-placed for the rest
            # once the share is sold, or as they were if it is not)
            position = self._manager.cancel_all(exchange, position, "tp")
        leg = f"chanpart{1 + sum(o.leg.startswith('chanpart') for o in position.orders)}"
        spec = OrderSpec(symbol=position.symbol, side=closing_side(position.side),
                         type=OrderType.MARKET, quantity=qty,
                         reduce_only=position.market_type.value == "futures")
        position, result = self._manager.send(exchange, position, leg, spec,
                                              OrderPurpose.REDUCE)
        if not result.placed:
            position = self._manager.arm(exchange, position)
            return position, UserDecision(
                user.id, "failed", f"The exchange did not take the partial close "
                f"({result.message or result.status}).", "close_failed", position.id)
        return position, self._done(user, position, f"reduced by {qty} at market")

    def _profit_share_held(self, exchange: Exchange, position: Position, share: Decimal,
                           ticker: TickerSource | None) -> str:
        """Why the share of a "take 50% profit and move SL to entry" is not sold, or "": a
        profit taken is a sale on the profitable side of the user's average entry (fees
        aside), as for "target N hit"; below it (for a long) the sale would realise a loss
        the channel's own fills did not make. An unread price does not hold the share back
        (the channel asked for it; the stop move that follows says it found no price)."""
        if position.quantity == 0 or position.average_entry is None:
            return ""
        price = self._market_price(exchange, position, ticker)
        if price is None or is_in_profit(position.side, position.average_entry, price):
            return ""
        where = "below" if position.side is Side.LONG else "above"
        return (f"The channel says take {share:.0%} profit, but the market price here, "
                f"{plain(price)}, is {where} your average entry "
                f"{plain(position.average_entry)}: {_closing(position)} now would be at a "
                "loss, so nothing was sold.")

    def _cancel(self, exchange: Exchange, user: User, position: Position) -> UserDecision:
        """Cancel unfilled entries; a position that filled nothing is closed as cancelled."""
        position = self._manager.cancel_unfilled(exchange, position)
        if position.status is PositionStatus.CLOSED:
            return self._done(user, position, "cancelled before its entry filled")
        if position.quantity == 0:
            return self._done(user, position, "cancel asked; the exchange has not confirmed "
                              "it yet, so it is asked again until it does")
        pending = [lv for lv in position.extra.get("dca_levels") or []
                   if int(lv["level"]) > position.dca_levels_filled]
        if pending:  # the call is off: its DCA levels are not armed again by the next pass
            kept = [lv for lv in position.extra["dca_levels"] if lv not in pending]
            position = self._manager.save(position.model_copy(update={"extra": {
                **position.extra, "dca_levels": kept, "dca_cancelled": len(pending)}}))
        return self._done(user, position, "kept: its entry filled; unfilled orders cancelled"
                          + (f", {len(pending)} DCA level(s) dropped" if pending else ""))

    def _move_stop(self, exchange: Exchange, user: User, position: Position,
                   update: SignalUpdate, ticker: TickerSource | None) -> UserDecision:
        stop = update.new_stop
        if stop is not None:  # the call's units; the market's may bundle coins (1000PEPE)
            stop = stop * Decimal(str(position.extra.get("price_factor", "1")))
        if stop is None and update.stop_to_target:
            return UserDecision(user.id, "skipped", f"The call has no target "
                                f"{update.stop_to_target} to move the stop to.", "no_target",
                                position.id)
        to_entry = stop is None and (update.to_breakeven or update.new_stop is None)
        if to_entry:
            stop = protection.breakeven(position, user.settings.strategy)
        if stop is None:
            return UserDecision(user.id, "skipped", "The position has no entry yet.",
                                "no_entry", position.id)
        price = self._market_price(exchange, position, ticker)
        if price is None:
            return UserDecision(user.id, "failed", f"The market price of {position.symbol} "
                                f"could not be read, so the stop was not moved to {plain(stop)}"
                                f"; {_stays(position)}.", "no_price", position.id)
        if to_entry and position.average_entry is not None and \
                protection.stop_past_market(position, stop, price) and \
                not protection.stop_past_market(position, position.average_entry, price):
            stop = position.average_entry  # the market sits between: the entry itself
        if protection.stop_past_market(position, stop, price):
            # Placed, it would trigger at once and sell at market: a follow-up moves a stop,
            # it never closes the position (the channel sends "close" for that).
            why = (f"the new stop {plain(stop)} is past the market price {plain(price)}: it "
                   f"would close the position at once; {_stays(position)}.")
            self._manager.emit(EventKind.SIGNAL_SKIPPED, position, f"The channel's stop move "
                               f"on {position.symbol} is not applied: {why}",
                               code="stop_past_market", stop=str(stop), price=str(price))
            return UserDecision(user.id, "skipped", why[0].upper() + why[1:],
                                "stop_past_market", position.id)
        liquidation = _isolated_liquidation(user, position)
        if liquidation is not None and is_beyond_liquidation(position.side, stop, liquidation):
            # as at the opening (the stop_beyond_liquidation rule): the position would be
            # liquidated before such a stop acts, so it protects nothing (a digit dropped
            # from the channel's price, most often)
            why = (f"the new stop {plain(stop)} lies at or beyond the position's liquidation "
                   f"price (about {_approx(liquidation)} at {position.leverage}x from "
                   f"{plain(position.average_entry)}): it would be liquidated before the stop "
                   f"acts; {_stays(position)}.")
            self._manager.emit(EventKind.SIGNAL_SKIPPED, position, f"The channel's stop move "
                               f"on {position.symbol} is not applied: {why}",
                               code="stop_beyond_liquidation", stop=str(stop),
                               liquidation_price=str(liquidation))
            return UserDecision(user.id, "skipped", why[0].upper() + why[1:],
                                "stop_beyond_liquidation", position.id)
        extra = {**position.extra, "stop_moved": True,
                 "sl_rev": protection.sl_rev(position) + 1}
        position = self._manager.save(position.model_copy(
            update={"stop_loss": stop, "extra": extra}))
        position = self._manager.arm(exchange, position)
        past = protection.dca_levels_past_stop(position)
        return self._done(user, position, f"stop moved to {plain(stop)}" + (
            f"; {past} DCA level(s) at or past it are no longer armed" if past else ""))

    def _target(self, exchange: Exchange, user: User, position: Position,
                index: int, ticker: TickerSource | None) -> UserDecision:
        """The channel's "target N hit": target N's share sold at market when its own order
        did not fill, but only when that sale is a profit for the user: the market here must
        be on the profitable side of the user's average entry (fees aside). The channel may
        quote another exchange, or a price this account's fill did not get, so "at or past
        the target" would leave a near miss unsold while "in profit" takes it; below the
        entry the sale would realise a loss, so the take-profit orders rest as they are."""
        i = index - 1
        if i < 0 or i >= len(position.targets) or position.targets[i].hit:
            return UserDecision(user.id, "skipped", f"Target {index} is already done.",
                                "target_done", position.id)
        if position.quantity == 0 or position.average_entry is None:
            return UserDecision(user.id, "skipped", "The position holds nothing yet; its "
                                "entry has not filled.", "no_entry", position.id)
        price = self._market_price(exchange, position, ticker)
        if price is None:
            return UserDecision(user.id, "failed", f"The market price of {position.symbol} "
                                f"could not be read, so target {index} was not taken; the "
                                "take-profit orders stay.", "no_price", position.id)
        if not is_in_profit(position.side, position.average_entry, price):
            where = "below" if position.side is Side.LONG else "above"
            return UserDecision(
                user.id, "skipped", f"The channel reports target {index} hit, but the market "
                f"price here, {plain(price)}, is {where} your average entry "
                f"{plain(position.average_entry)}: {_closing(position)} now would be at a "
                "loss. Your "
                f"take-profit orders stay (target {index} at "
                f"{plain(position.targets[i].price)}).", "target_not_in_profit", position.id)
        stop_before = position.stop_loss
        position = self._manager.cancel_all(exchange, position, f"tp{index}r")
        target = position.targets[i]
        if target.hit or position.quantity == 0:
            return self._done(user, position, f"target {index} had filled")
        qty = min(target.quantity or position.quantity, position.quantity)
        if i == len(position.targets) - 1 or not any(
                not t.hit for j, t in enumerate(position.targets) if j > i):
            qty = position.quantity  # the last target closes what remains
        spec = OrderSpec(symbol=position.symbol, side=closing_side(position.side),
                         type=OrderType.MARKET, quantity=qty,
                         reduce_only=position.market_type.value == "futures")
        # the fill marks target `index` hit, spreads what is left over the targets not hit
        # yet and re-arms (the position manager's reaction to a target's fill)
        position, result = self._manager.send(exchange, position, f"chantp{index}", spec,
                                              OrderPurpose.REDUCE)
        if not result.placed:
            position = self._manager.arm(exchange, position)  # its take-profit back
            return UserDecision(user.id, "failed", f"The exchange did not take the sale of "
                                f"target {index} ({result.message or result.status}); the "
                                "take-profit orders stay.", "close_failed", position.id)
        moved = f"; stop moved to {plain(position.stop_loss)}" \
            if position.stop_loss != stop_before and position.stop_loss is not None else ""
        return self._done(user, position, f"target {index} taken at market{moved}")


FALLBACK_ACTIONS = ("move_sl", "close")  # what reaches a user's older call (see below)


def route_update(target: SignalRecord, update: SignalUpdate,
                 open_positions: Mapping[str, list[Position]],
                 record_of: Callable[[str], SignalRecord | None], *,
                 chat_id: object = None, replied: bool = False,
                 ) -> dict[str, list[tuple[Position, str]]]:
    """The open positions a follow-up about the call `target` acts on, per user id, each with
    a note for the decision (empty for a position of `target` itself).

    A user's positions opened from `target`, when they hold one. A user who holds none (theirs
    closed already, on its stop or a target, or was never opened) but holds an open position
    on the same coin and side from an earlier call of the same channel gets the stop move or
    close applied to it, from the newest such call: a channel means its latest call on the
    coin, and for this user the older call is what the channel still runs there. Left alone,
    it kept its old stop while the follow-up answered nothing. Not when the follow-up replied
    to `target` (it names that one call), and not for a target hit, a stop hit or a cancel:
    those are about the latest call's own targets, stop and entries.

    `chat_id`: the follow-up's chat when it came from a watched chat, whose calls alone it
    reaches (None: the operators' channels reach a call from any source)."""
    routed: dict[str, list[tuple[Position, str]]] = {}
    call = target.signal
    for user_id, positions in open_positions.items():
        own = [p for p in positions if p.signal_id == target.id]
        if own:
            routed[user_id] = [(p, "") for p in own]
            continue
        if replied or call is None or update.action not in FALLBACK_ACTIONS:
            continue
        earlier: list[tuple[datetime, Position]] = []
        for position in positions:
            record = record_of(position.signal_id) if position.signal_id else None
            if record is None or record.signal is None or position.side is not call.side \
                    or not same_coin(record.signal.symbol, call.symbol) or \
                    record.received_at > target.received_at or \
                    (chat_id is not None and str(record.source.chat_id) != str(chat_id)):
                continue
            earlier.append((record.received_at, position))
        if earlier:
            newest = max(at for at, _ in earlier)
            routed[user_id] = [(p, f"(Applied to your position from the earlier "
                                f"{call.symbol} call {p.signal_id}: you hold none from the "
                                f"latest call {target.id}.)")
                               for at, p in earlier if at == newest]
    if update.all_side is not None:
        # "Close ATOM short": the shorts alone (a long of the coin's latest call was closed)
        routed = {user_id: kept for user_id, pairs in routed.items()
                  if (kept := [(p, n) for p, n in pairs if p.side is update.all_side])}
    return routed


def no_open_position(target: SignalRecord | None, update: SignalUpdate) -> UserDecision:
    """The answer to a follow-up no open position takes (no user is named)."""
    if target is None and update.symbol is None:
        return UserDecision("", "skipped", "The follow-up names no coin and answers no call, "
                            "so it applies to nothing: name the coin (\"move SL to entry on "
                            "ETH\") or reply to the call.", "no_call")
    if target is None:
        return UserDecision("", "skipped", f"No call on {update.symbol} to apply this "
                            "follow-up to.", "no_call")
    symbol = target.signal.symbol if target.signal is not None else "its coin"
    return UserDecision("", "skipped", f"No open position for call {target.id} ({symbol}): "
                        "nothing to apply this follow-up to.", "no_open_position")


def _failed(user: User, position: Position, update: SignalUpdate,
            exc: Exception) -> UserDecision:
    """A follow-up that raised on one position, logged, as that position's decision."""
    if isinstance(exc, VerzekError):  # expected: an account gone, the exchange down
        logger.warning("follow-up %s on position %s of user %s failed: %s", update.action,
                       position.id, user.id, exc)
    else:
        logger.exception("follow-up %s on position %s of user %s failed", update.action,
                         position.id, user.id, exc_info=exc)
    return UserDecision(user.id, "failed", f"{type(exc).__name__}: {exc}", "internal_error",
                        position.id, position.account_id)


def _isolated_liquidation(user: User, position: Position) -> Decimal | None:
    """The approximate liquidation price of an isolated-margin futures position as it
    stands; None on spot, on cross margin (the balance backs it) or before an entry."""
    if position.market_type is not MarketType.FUTURES or position.average_entry is None or \
            user.settings.risk.margin_mode is not MarginMode.ISOLATED:
        return None
    return liquidation_price(position.side, position.average_entry, position.leverage,
                             DEFAULT_MAINTENANCE_MARGIN_RATE)


def _approx(price: Decimal) -> str:
    return plain(Context(prec=6).plus(price))


def _stays(position: Position) -> str:
    if position.stop_loss is None:
        return "the position stays without a stop"
    return f"the stop stays at {plain(position.stop_loss)}"


def _follows_channel_targets(user: User, position: Position) -> bool:
    """Whether the position's targets are the channel's (take_profit_mode "signal_targets"
    when it opened): only then does "Target 1 hit" take a share. A percent take profit is one
    target of the user's own; read as the channel's last, it would close the whole position.
    A position records its mode when it opens (`tp_weights` or `tp_pct`); the user's current
    setting decides for one that recorded neither."""
    if "tp_weights" in position.extra:
        return True
    if "tp_pct" in position.extra:
        return False
    return user.settings.strategy.take_profit_mode == "signal_targets"


def _closing(position: Position) -> str:
    """What taking profit does now: a long sells, a short buys back."""
    return "selling" if position.side is Side.LONG else "buying back"
