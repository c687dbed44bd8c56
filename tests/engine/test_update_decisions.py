"""A channel follow-up that acts on several positions of one user (one per exchange account
for a user trading every enabled account) records one decision per position acted on, each
naming its position and account. Before, the user's last position's decision stood for all:
a close refused on one account hid behind "executed" on the other (end-to-end review)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from tests.engine.conftest import Engine
from verzek.domain.models import (
    ExchangeAccount,
    ExchangeName,
    MarketType,
    OrderType,
    PositionStatus,
    SignalSource,
    SignalUpdate,
    TradingMode,
)
from verzek.engine.notifier import EventKind
from verzek.engine.updates import UpdateApplier
from verzek.errors import AuthError, InvalidOrder
from verzek.exchanges.base import OrderRequest, OrderResult
from verzek.exchanges.faults import FaultyExchange

FUT, SPOT = "ARB/USDT:USDT", "ARB/USDT"
CALL = "#ARB/USDT LONG\nEntry: 1\nTargets: 1.1 1.2\nStop: 0.95"


class Refusing(FaultyExchange):
    """Refuses the market close orders of the accounts in `refuse_close`; its cancels raise
    AuthError on the accounts in `auth_lost` (keys revoked meanwhile)."""

    refuse_close: set[str] = set()
    auth_lost: set[str] = set()

    def create_order(self, req: OrderRequest) -> OrderResult:
        if self.inner.account_id in Refusing.refuse_close and req.reduce_only and \
                req.type is OrderType.MARKET:
            raise InvalidOrder("close refused (test)")
        return super().create_order(req)

    def cancel_order(self, symbol: str, *, exchange_order_id: str | None = None,
                     client_order_id: str | None = None) -> OrderResult:
        if self.inner.account_id in Refusing.auth_lost:
            raise AuthError("API key revoked (test)")
        return super().cancel_order(symbol, exchange_order_id=exchange_order_id,
                                    client_order_id=client_order_id)


def _user(engine: Engine, second: MarketType = MarketType.FUTURES, call: str = CALL,
          entry_type: str = "market") -> dict[str, str]:
    """u1 trading two demo accounts (acc1 futures, acc2 `second`) opens a position of
    `call` on each: their ids by account."""
    Refusing.refuse_close, Refusing.auth_lost = set(), set()
    engine.trading.pool.wrap = lambda inner: Refusing(inner, rate=0.0, clock=engine.clock)
    now = engine.clock.now()
    accounts = [ExchangeAccount(id=f"acc{i}", user_id="u1", exchange=ExchangeName.BINANCE,
                                market_type=market, mode=TradingMode.DEMO, status="verified",
                                created_at=now, label=f"main{i}")
                for i, market in ((1, MarketType.FUTURES), (2, second))]
    engine.add_user("u1", general={"auto_trade": True, "trade_all_accounts": True},
                    risk={"position_size_usdt": "100", "margin_mode": "isolated"},
                    strategy={"entry_type": entry_type})
    engine.runtime.users.update("u1", lambda u: u.model_copy(
        update={"exchange_accounts": accounts}))
    engine.price(FUT, "1")
    engine.price(SPOT, "1")
    opened = [d for d in engine.trading.submit_text(call, SignalSource(kind="api")).decisions
              if d.user_id == "u1"]
    assert [d.outcome for d in opened] == ["executed"] * 2, opened
    return {str(d.account_id): str(d.position_id) for d in opened}


def _follow(engine: Engine, text: str) -> tuple[str, dict[str, Any]]:
    """The follow-up's record id and u1's decisions by account (one each, no other)."""
    result = engine.trading.submit_text(text, SignalSource(kind="api"))
    assert result.kind == "update", result
    mine = [d for d in result.decisions if d.user_id == "u1"]
    by_account = {d.account_id: d for d in mine}
    assert len(by_account) == len(mine), mine
    return result.signal_id, by_account


def _status(engine: Engine, position_id: str) -> PositionStatus:
    return engine.runtime.positions.get("u1", position_id).status


def test_a_close_of_two_accounts_positions_records_a_decision_for_each(
        engine: Engine) -> None:
    engine.add_user("u2", general={"auto_trade": True, "follow_channel_updates": False},
                    risk={"position_size_usdt": "100"})  # one account
    ids = _user(engine)
    assert len(engine.positions("u2")) == 1
    signal_id, by_account = _follow(engine, "Close #ARB now")
    assert set(by_account) == {"acc1", "acc2"}
    for account_id, decision in by_account.items():
        assert (decision.outcome, decision.code) == ("executed", "update_applied"), decision
        assert decision.position_id == ids[account_id]
        assert decision.reason == f"Position {ids[account_id]} closed (channel)."
        assert _status(engine, ids[account_id]) is PositionStatus.CLOSED
    # the signal's record, the outcome counts and the user's own list say the same
    record = engine.trading.get_signal(signal_id)
    mine = [d for d in record.decisions if d["user_id"] == "u1"]
    assert sorted((d["account_id"], d["position_id"], d["outcome"]) for d in mine) == [
        ("acc1", ids["acc1"], "executed"), ("acc2", ids["acc2"], "executed")]
    # a user none of whose positions is to act on keeps a single decision
    (theirs,) = [d for d in record.decisions if d["user_id"] == "u2"]
    assert (theirs["outcome"], theirs["code"]) == ("skipped", "not_following")
    assert Counter(d["outcome"] for d in record.decisions) == {"executed": 2, "skipped": 1}
    listed = [d for d in engine.trading.user_decisions("u1") if d["signal_id"] == signal_id]
    assert sorted((d["account_id"], d["position_id"]) for d in listed) == [
        ("acc1", ids["acc1"]), ("acc2", ids["acc2"])]


def test_a_close_refused_on_one_account_is_that_accounts_failure(engine: Engine) -> None:
    ids = _user(engine)
    Refusing.refuse_close = {"acc2"}
    _, by_account = _follow(engine, "Close #ARB now")
    assert (by_account["acc1"].outcome, by_account["acc1"].position_id) == (
        "executed", ids["acc1"])
    assert _status(engine, ids["acc1"]) is PositionStatus.CLOSED
    refused = by_account["acc2"]
    assert (refused.outcome, refused.code, refused.position_id) == (
        "failed", "close_failed", ids["acc2"])
    assert refused.reason == ("The exchange did not take the close order (rejected); the "
                              "position stays open, the stop stays at 0.95.")
    kept = engine.runtime.positions.get("u1", ids["acc2"])
    assert kept.status is PositionStatus.OPEN
    assert any(o.type is OrderType.STOP_MARKET and o.status.value == "open"
               for o in kept.orders)  # its stop re-armed
    (told,) = engine.events.of_kind(EventKind.ATTENTION)
    assert told.user_id == "u1" and told.data["code"] == "close_failed"
    assert told.data["account_id"] == "acc2" and told.data["position_id"] == ids["acc2"]
    assert "on account main2" in told.message and "stays open" in told.message


def test_an_error_on_one_position_is_its_decision_and_the_other_still_closes(
        engine: Engine) -> None:
    ids = _user(engine)
    Refusing.auth_lost = {"acc1"}
    _, by_account = _follow(engine, "Close #ARB now")
    lost = by_account["acc1"]
    assert (lost.outcome, lost.code, lost.position_id) == ("failed", "internal_error",
                                                           ids["acc1"])
    assert "API key revoked (test)" in lost.reason
    assert _status(engine, ids["acc1"]) is PositionStatus.OPEN
    assert (by_account["acc2"].outcome, by_account["acc2"].position_id) == (
        "executed", ids["acc2"])
    assert _status(engine, ids["acc2"]) is PositionStatus.CLOSED


def test_a_close_naming_the_side_reaches_each_account(engine: Engine) -> None:
    ids = _user(engine)
    _, wrong = _follow(engine, "Close ARB short")
    assert wrong == {}  # no short: the longs are not this follow-up's
    _, by_account = _follow(engine, "Close ARB long")
    assert {a: (d.outcome, d.position_id) for a, d in by_account.items()} == {
        a: ("executed", pid) for a, pid in ids.items()}
    assert all(_status(engine, pid) is PositionStatus.CLOSED for pid in ids.values())


def test_a_stop_move_reaches_each_account(engine: Engine) -> None:
    ids = _user(engine)
    _, by_account = _follow(engine, "ARB new SL 0.97")
    for account_id, decision in by_account.items():
        assert (decision.outcome, decision.position_id) == ("executed", ids[account_id])
        assert decision.reason == f"Position {ids[account_id]} stop moved to 0.97."
        assert str(engine.runtime.positions.get("u1", ids[account_id]).stop_loss) == "0.97"
    assert set(by_account) == {"acc1", "acc2"}


def test_a_stop_move_applied_on_one_account_and_not_the_other_says_both(
        engine: Engine) -> None:
    """0.85 lies beyond the isolated 10x futures position's liquidation price: not applied
    there; the spot position takes it."""
    ids = _user(engine, MarketType.SPOT)
    _, by_account = _follow(engine, "ARB new SL 0.85")
    futures, spot = by_account["acc1"], by_account["acc2"]
    assert (futures.outcome, futures.code, futures.position_id) == (
        "skipped", "stop_beyond_liquidation", ids["acc1"])
    assert (spot.outcome, spot.code, spot.position_id) == ("executed", "update_applied",
                                                           ids["acc2"])
    assert str(engine.runtime.positions.get("u1", ids["acc1"]).stop_loss) == "0.95"
    assert str(engine.runtime.positions.get("u1", ids["acc2"]).stop_loss) == "0.85"


def test_a_target_hit_takes_its_share_on_each_account(engine: Engine) -> None:
    ids = _user(engine)
    engine.price(FUT, "1.05")  # in profit, short of target 1: its own order did not fill
    _, by_account = _follow(engine, "ARB TP1 hit")
    assert set(by_account) == {"acc1", "acc2"}
    for account_id, decision in by_account.items():
        assert (decision.outcome, decision.position_id) == ("executed", ids[account_id])
        p = engine.runtime.positions.get("u1", ids[account_id])
        assert p.targets[0].hit and p.status is PositionStatus.PARTIALLY_CLOSED
        assert p.quantity == 50, p.quantity


def test_a_profit_share_and_stop_move_reaches_each_account(engine: Engine) -> None:
    ids = _user(engine)
    engine.price(FUT, "1.05")
    _, by_account = _follow(engine, "#ARB take 50% profit and move SL to entry")
    assert set(by_account) == {"acc1", "acc2"}
    for account_id, decision in by_account.items():
        assert (decision.outcome, decision.position_id) == ("executed", ids[account_id])
        assert "reduced by 50 at market" in decision.reason, decision.reason
        assert engine.runtime.positions.get("u1", ids[account_id]).quantity == 50


def test_a_cancel_reaches_each_accounts_resting_entry(engine: Engine) -> None:
    resting = CALL.replace("Entry: 1", "Entry: 0.97").replace("Stop: 0.95", "Stop: 0.93")
    ids = _user(engine, call=resting, entry_type="limit")
    assert all(_status(engine, pid) is PositionStatus.PENDING for pid in ids.values())
    _, by_account = _follow(engine, "Cancel #ARB")
    assert {a: (d.outcome, d.position_id) for a, d in by_account.items()} == {
        a: ("executed", pid) for a, pid in ids.items()}
    assert all(_status(engine, pid) is PositionStatus.CLOSED for pid in ids.values())


def test_positions_all_closed_since_routed_leave_one_skipped_decision(
        engine: Engine) -> None:
    """A close (the monitor's, the user's) can come between routing and acting: nothing is
    acted on, and the user has one decision saying so, as before."""
    ids = _user(engine)
    routed = [(engine.runtime.positions.get("u1", pid), "") for pid in ids.values()]
    for pid in ids.values():
        engine.trading.close_position("u1", pid)
    applier = UpdateApplier(manager=engine.trading.manager, clock=engine.clock)
    user = engine.runtime.users.get("u1")

    def unused(position: Any) -> Any:
        raise AssertionError("a closed position is not acted on")

    (decision,) = applier.apply_each(
        user, routed, SignalUpdate(symbol="ARB/USDT", action="close"),
        current=lambda p: engine.runtime.positions.get("u1", p.id), exchange_of=unused)
    assert (decision.user_id, decision.outcome, decision.code) == ("u1", "skipped",
                                                                   "no_position")
    assert decision.position_id is None


def test_a_position_closed_since_routed_is_skipped_over_and_the_other_acted_on(
        engine: Engine) -> None:
    ids = _user(engine)
    routed = [(engine.runtime.positions.get("u1", pid), "") for pid in ids.values()]
    engine.trading.close_position("u1", ids["acc1"])
    applier = UpdateApplier(manager=engine.trading.manager, clock=engine.clock)
    user = engine.runtime.users.get("u1")
    (decision,) = applier.apply_each(
        user, routed, SignalUpdate(symbol="ARB/USDT", action="close"),
        current=lambda p: engine.runtime.positions.get("u1", p.id),
        exchange_of=lambda p: engine.trading.pool.for_position(user, p))
    assert (decision.outcome, decision.account_id, decision.position_id) == (
        "executed", "acc2", ids["acc2"])
    assert _status(engine, ids["acc2"]) is PositionStatus.CLOSED
