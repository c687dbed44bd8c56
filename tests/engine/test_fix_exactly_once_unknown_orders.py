"""An order whose send was never answered stays UNKNOWN until reconciliation resolves it: a
"not found" within the visibility window (a cancel, a look-up) never makes it cancelled, and
its intent is journaled PLACED only once the exchange has shown it (DESIGN.md, "Exactly-once
orders"). A late fill is then adopted or flattened, never left on the exchange untracked."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.engine.conftest import Engine
from verzek.domain.models import OrderSide, OrderStatus, OrderType, PositionStatus, SignalSource
from verzek.engine.tracker import set_order_status
from verzek.errors import ExchangeUnavailable, NetworkError, OrderNotFound
from verzek.exchanges.base import OrderRequest, OrderResult
from verzek.exchanges.faults import FaultyExchange

D = Decimal
SYM = "ETH/USDT:USDT"
DCA = {"enabled": True, "deviation_pct": "2", "max_safety_orders": 2,
       "safety_order_usdt": "50"}


class Lagging(FaultyExchange):
    """Takes the first order `pick` selects, then loses the answer; its look-ups fail while
    the id is in `unreachable` and say "not found" (cancels too) while it is in `hidden`."""

    def __init__(self, inner: Any, **kw: Any) -> None:
        super().__init__(inner, rate=0.0, **kw)
        self.pick: Any = None
        self.lost: list[str] = []
        self.unreachable: set[str] = set()
        self.hidden: set[str] = set()

    def create_order(self, req: OrderRequest) -> OrderResult:
        result = super().create_order(req)
        if self.pick is not None and self.pick(req):
            self.pick = None
            self.lost.append(req.client_order_id)
            self.unreachable.add(req.client_order_id)
            raise NetworkError("read timeout after the order was sent (test)")
        return result

    def fetch_order(self, symbol: str, *, exchange_order_id: str | None = None,
                    client_order_id: str | None = None) -> OrderResult:
        if client_order_id in self.unreachable:
            raise ExchangeUnavailable("503 (test)")
        if client_order_id in self.hidden:
            raise OrderNotFound("not found (visibility lag, test)")
        return super().fetch_order(symbol, exchange_order_id=exchange_order_id,
                                   client_order_id=client_order_id)

    def cancel_order(self, symbol: str, *, exchange_order_id: str | None = None,
                     client_order_id: str | None = None) -> OrderResult:
        if client_order_id in self.hidden:
            raise OrderNotFound("unknown order (visibility lag, test)")
        return super().cancel_order(symbol, exchange_order_id=exchange_order_id,
                                    client_order_id=client_order_id)

    def lag(self, coid: str) -> None:
        """Look-ups answer again, but "not found" (the exchange's visibility lag)."""
        self.unreachable.discard(coid)
        self.hidden.add(coid)


def _lagging(engine: Engine) -> list[Lagging]:
    made: list[Lagging] = []

    def wrap(inner: Any) -> Lagging:
        made.append(Lagging(inner, clock=engine.clock))
        return made[-1]

    engine.trading.pool.wrap = wrap
    return made


def _exchange_long(engine: Engine) -> Decimal:
    return sum((p.quantity for p in engine.paper("u1").fetch_positions([SYM])), D(0))


def _tracked_long(engine: Engine) -> Decimal:
    return sum((p.quantity for p in engine.positions("u1")), D(0))


def test_a_channel_cancel_of_an_unanswered_entry_leaves_it_to_reconciliation(
        engine: Engine) -> None:
    made = _lagging(engine)
    engine.price(SYM, "100")
    engine.add_user("u1", general={"auto_trade": True},
                    risk={"position_size_usdt": "100", "price_collar_pct": "50"})
    engine.paper("u1").pick = lambda req: not req.reduce_only
    r = engine.trading.submit_text("#ETH/USDT LONG\nEntry: 100\nTargets: 110\nStop: 91",
                                   SignalSource(kind="telegram", chat_id=-1, message_id=1))
    assert [d.outcome for d in r.decisions] == ["executed"]
    (ex,) = made
    (coid,) = ex.lost
    (p,) = engine.positions("u1")
    assert [o.status.value for o in p.orders] == ["unknown"]
    ex.lag(coid)  # the exchange answers again, but does not show the order yet
    engine.clock.advance(2)
    engine.trading.submit_text("Cancel this signal", SignalSource(
        kind="telegram", chat_id=-1, message_id=2, reply_to_id=1))
    (p,) = engine.positions("u1")  # not closed: its entry may still fill
    assert p.status is PositionStatus.PENDING
    assert [o.status.value for o in p.orders] == ["unknown"]
    assert engine.trading.intents.is_open(coid)  # never journaled placed unseen
    ex.hidden.discard(coid)  # it shows up: it had filled
    engine.clock.advance(60)
    engine.trading.reconciler.run_once()
    assert _exchange_long(engine) == D(1) == _tracked_long(engine)
    assert engine.trading.intents.open_intents() == []


def _open_with_lost_dca(engine: Engine) -> tuple[Lagging, str]:
    made = _lagging(engine)
    engine.price(SYM, "2000")
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "200"},
                    strategy={"entry_type": "market"}, dca=DCA)
    engine.paper("u1").pick = lambda req: req.type is OrderType.LIMIT and \
        req.side is OrderSide.BUY  # the first DCA order
    r = engine.trading.submit_text("LONG #ETH/USDT\nEntry: market\nTP 2100\nSL 1800",
                                   SignalSource(kind="api"))
    assert [d.outcome for d in r.decisions] == ["executed"]
    (ex,) = made
    (coid,) = ex.lost
    (p,) = engine.positions("u1")
    assert next(o for o in p.orders if o.client_order_id == coid).status.value == "unknown"
    ex.lag(coid)
    return ex, coid


def test_arm_never_doubles_a_dca_level_whose_order_is_unknown(engine: Engine) -> None:
    ex, coid = _open_with_lost_dca(engine)
    (p,) = engine.positions("u1")
    # the plan for level 1 changes: its unknown order is stale and arm cancels it
    levels = [dict(lv) for lv in p.extra["dca_levels"]]
    levels[0]["quantity"] = str(D(levels[0]["quantity"]) * 2)
    manager = engine.trading.manager
    with manager.locks.hold("u1"):
        p = manager.save(p.model_copy(update={"extra": {**p.extra, "dca_levels": levels}}))
        p = manager.arm(engine.paper("u1"), p)
    level1 = [o for o in p.orders if o.leg.startswith("dca1")]
    assert [(o.client_order_id, o.status.value) for o in level1] == [(coid, "unknown")]
    buys = [c for c in ex.received if c not in {o.client_order_id for o in p.orders
                                                if not o.leg.startswith("dca1")}]
    assert buys == [coid]  # no second order for the level while the first may still fill
    assert engine.trading.intents.is_open(coid)


@pytest.mark.parametrize("how", ["manual", "kill_switch"])
def test_a_close_leaves_an_unknown_dca_to_reconciliation_and_its_late_fill_is_flattened(
        engine: Engine, how: str) -> None:
    ex, coid = _open_with_lost_dca(engine)
    (p,) = engine.positions("u1")
    if how == "manual":
        engine.trading.close_position("u1", p.id)
    else:
        engine.trading.set_kill_switch(active=True, reason="test", close_positions=True)
        assert engine.trading.wait_enforced()
    assert engine.positions("u1") == []
    assert engine.trading.intents.is_open(coid)  # not taken for cancelled
    ex.hidden.discard(coid)  # it shows up, resting, and the price fills it
    engine.price(SYM, "1950")
    ex.process_prices()
    assert _exchange_long(engine) > 0
    engine.clock.advance(60)
    engine.trading.reconciler.run_once()
    assert _exchange_long(engine) == 0  # taken over and flattened, nothing untracked
    assert engine.trading.intents.open_intents() == []


def test_confirm_journals_placed_only_for_orders_the_exchange_showed(engine: Engine) -> None:
    _, coid = _open_with_lost_dca(engine)
    (p,) = engine.positions("u1")
    manager = engine.trading.manager
    with manager.locks.hold("u1"):
        # any path that calls the order gone without the exchange saying so
        manager.save(set_order_status(p, coid, OrderStatus.CANCELED,
                                      engine.clock.now()))
    assert engine.trading.intents.is_open(coid)
    assert engine.trading.intents.outcome(coid) is None
