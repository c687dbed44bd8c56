"""Channel follow-ups (target hit, close, cancel, move stop) applied to the positions that were
opened from the signal they concern, for every user who follows channel updates."""

from __future__ import annotations

import logging
from decimal import Decimal

from verzek.clock import Clock
from verzek.domain.models import (
    CloseReason,
    OrderType,
    Position,
    PositionStatus,
    SignalUpdate,
    User,
)
from verzek.domain.positions import closing_side
from verzek.domain.safety.state import OrderPurpose
from verzek.engine import protection
from verzek.engine.executor import OrderSpec
from verzek.engine.ports import UserDecision
from verzek.engine.position_manager import PositionManager
from verzek.exchanges.base import Exchange

logger = logging.getLogger(__name__)


class UpdateApplier:
    """Applies one SignalUpdate to one user's position."""

    def __init__(self, *, manager: PositionManager, clock: Clock) -> None:
        self._manager = manager
        self._clock = clock

    def apply(self, exchange: Exchange, user: User, position: Position,
              update: SignalUpdate) -> UserDecision:
        if not user.settings.general.follow_channel_updates:
            return UserDecision(user.id, "skipped", "You do not follow channel updates.",
                                "not_following", position.id)
        action = update.action
        if action == "close" and update.close_share is not None:
            return self._close_share(exchange, user, position, update.close_share)[1]
        if action in ("close", "stop_hit"):
            reason = CloseReason.STOP_LOSS if action == "stop_hit" else CloseReason.CHANNEL
            position = self._manager.close_market(exchange, position, "chan", reason)
            return self._done(user, position, f"closed ({position.close_reason})")
        if action == "cancel":
            return self._cancel(exchange, user, position)
        if action == "move_sl":
            if update.close_share is not None:  # "take 50% profit and move SL to entry"
                position, taken = self._close_share(exchange, user, position,
                                                    update.close_share)
                if taken.outcome != "executed" or position.status is PositionStatus.CLOSED:
                    return taken
            return self._move_stop(exchange, user, position, update)
        if action == "target_hit" and update.target_index:
            if not _follows_channel_targets(user, position):
                return UserDecision(user.id, "skipped", "Your take profit is your own "
                                    "percentage, not the channel's targets: its exits stay "
                                    "as they are.", "own_take_profit", position.id)
            return self._target(exchange, user, position, update.target_index)
        return UserDecision(user.id, "skipped", f"No action for a '{action}' update.",
                            "no_action", position.id)

    def _done(self, user: User, position: Position, what: str) -> UserDecision:
        return UserDecision(user.id, "executed", f"Position {position.id} {what}.",
                            "update_applied", position.id)

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
            position = self._manager.close_market(exchange, position, "chan",
                                                  CloseReason.CHANNEL)
            return position, self._done(user, position, f"closed ({position.close_reason})")
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
                   update: SignalUpdate) -> UserDecision:
        stop = update.new_stop
        if stop is not None:  # the call's units; the market's may bundle coins (1000PEPE)
            stop = stop * Decimal(str(position.extra.get("price_factor", "1")))
        if stop is None and update.stop_to_target:
            return UserDecision(user.id, "skipped", f"The call has no target "
                                f"{update.stop_to_target} to move the stop to.", "no_target",
                                position.id)
        if stop is None and (update.to_breakeven or update.new_stop is None):
            stop = position.average_entry
        if stop is None:
            return UserDecision(user.id, "skipped", "The position has no entry yet.",
                                "no_entry", position.id)
        extra = {**position.extra, "stop_moved": True,
                 "sl_rev": protection.sl_rev(position) + 1}
        position = self._manager.save(position.model_copy(
            update={"stop_loss": stop, "extra": extra}))
        position = self._manager.arm(exchange, position)
        return self._done(user, position, f"stop moved to {stop}")

    def _target(self, exchange: Exchange, user: User, position: Position,
                index: int) -> UserDecision:
        """Take the target's share at market when its order did not fill on the exchange."""
        i = index - 1
        if i < 0 or i >= len(position.targets) or position.targets[i].hit:
            return UserDecision(user.id, "skipped", f"Target {index} is already done.",
                                "target_done", position.id)
        prefix = f"tp{index}r"
        position = self._manager.cancel_all(exchange, position, prefix)
        target = position.targets[i]
        if position.targets[i].hit or position.quantity == 0:
            return self._done(user, position, f"target {index} had filled")
        qty = min(target.quantity or position.quantity, position.quantity)
        if i == len(position.targets) - 1 or not any(
                not t.hit for j, t in enumerate(position.targets) if j > i):
            qty = position.quantity  # the last target closes what remains
        spec = OrderSpec(symbol=position.symbol, side=closing_side(position.side),
                         type=OrderType.MARKET, quantity=qty,
                         reduce_only=position.market_type.value == "futures")
        position, result = self._manager.send(exchange, position, f"chantp{index}", spec,
                                              OrderPurpose.REDUCE)
        if result.placed and position.status is not PositionStatus.CLOSED:
            strategy = self._manager.strategy_of(position)
            position = self._manager.save(protection.after_target(position, strategy, i))
            position = self._manager.arm(exchange, position)
        return self._done(user, position, f"target {index} taken at market")


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
