"""A futures stop is replaced new-first: the old stop is cancelled only once its replacement
rests on the exchange, so the position never stands without one; a replacement the exchange
does not take leaves the old stop where it is."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.engine.conftest import Engine
from verzek.domain.models import OrderType, Position, SignalSource
from verzek.engine import protection
from verzek.engine.notifier import EventKind
from verzek.errors import ExchangeUnavailable, InvalidOrder
from verzek.exchanges.base import OrderRequest, OrderResult
from verzek.exchanges.faults import FaultyExchange

D = Decimal
SYM = "ETH/USDT:USDT"
SIGNAL = "#ETH/USDT LONG\nEntry: 100\nTargets: 110\nStop: 91\nLeverage: 10x"


class Watching(FaultyExchange):
    """Records every stop create and cancel, and how many stops rest at each cancel."""

    def __init__(self, inner: Any, **kw: Any) -> None:
        super().__init__(inner, rate=0.0, **kw)
        self.calls: list[tuple[str, str]] = []
        self.stops_at_cancel: list[int] = []
        self.refuse_stops: Exception | None = None

    def create_order(self, req: OrderRequest) -> OrderResult:
        if req.type is OrderType.STOP_MARKET:
            if self.refuse_stops is not None:
                raise self.refuse_stops
            self.calls.append(("create", req.client_order_id))
        return super().create_order(req)

    def cancel_order(self, symbol: str, *, exchange_order_id: str | None = None,
                     client_order_id: str | None = None) -> OrderResult:
        self.calls.append(("cancel", str(client_order_id)))
        self.stops_at_cancel.append(len(self.resting_stops()))
        return super().cancel_order(symbol, exchange_order_id=exchange_order_id,
                                    client_order_id=client_order_id)

    def resting_stops(self) -> list[OrderResult]:
        return [o for o in self.fetch_open_orders(SYM) if o.type is OrderType.STOP_MARKET]


def _open(engine: Engine) -> tuple[Watching, Position]:
    made: list[Watching] = []

    def wrap(inner: Any) -> Watching:
        made.append(Watching(inner, clock=engine.clock))
        return made[-1]

    engine.trading.pool.wrap = wrap
    engine.price(SYM, "100")
    engine.add_user("u1", general={"auto_trade": True})
    engine.trading.submit_text(SIGNAL, SignalSource(kind="api"))
    (ex,) = made
    (p,) = engine.positions("u1")
    (stop,) = ex.resting_stops()
    assert stop.client_order_id == next(o.client_order_id for o in p.orders if o.leg == "slr0")
    ex.calls.clear()
    return ex, p


def _move_stop(engine: Engine, p: Position, stop: str) -> Position:
    manager = engine.trading.manager
    with manager.locks.hold("u1"):
        p = manager.save(p.model_copy(update={"stop_loss": D(stop), "extra": {
            **p.extra, "stop_moved": True, "sl_rev": protection.sl_rev(p) + 1}}))
        return manager.arm(engine.paper("u1"), p)


def test_a_moved_stop_is_placed_before_the_old_one_is_cancelled(engine: Engine) -> None:
    ex, p = _open(engine)
    old = next(o.client_order_id for o in p.orders if o.leg == "slr0")
    p = _move_stop(engine, p, "95")
    new = next(o.client_order_id for o in p.orders if o.leg == "slr1")
    assert ex.calls == [("create", new), ("cancel", old)]
    assert ex.stops_at_cancel == [2]  # never fewer than one stop resting
    (resting,) = ex.resting_stops()
    assert resting.client_order_id == new


def test_a_resized_stop_of_the_same_revision_gets_an_id_of_its_own(engine: Engine) -> None:
    """A stop whose size no longer matches (same leg name): the replacement is a new order
    beside it, not the old one found again under its own id."""
    ex, p = _open(engine)
    manager = engine.trading.manager
    old = next(o for o in p.orders if o.leg == "slr0")
    with manager.locks.hold("u1"):
        p = manager.save(p.model_copy(update={"orders": [
            o.model_copy(update={"quantity": o.quantity * 2}) if o is old else o
            for o in p.orders]}))
        p = manager.arm(engine.paper("u1"), p)
    (resting,) = ex.resting_stops()
    assert resting.client_order_id != old.client_order_id
    assert resting.quantity == p.quantity
    assert ex.calls == [("create", resting.client_order_id), ("cancel", old.client_order_id)]


def test_the_old_stop_stays_while_its_replacement_is_not_taken(engine: Engine) -> None:
    ex, p = _open(engine)
    old = next(o.client_order_id for o in p.orders if o.leg == "slr0")
    ex.refuse_stops = ExchangeUnavailable("503 before the order was taken (test)",
                                          details={"not_sent": True})
    p = _move_stop(engine, p, "95")  # the new stop's outcome is unknown
    assert [o.client_order_id for o in ex.resting_stops()] == [old]
    assert ("cancel", old) not in ex.calls
    (p,) = engine.positions("u1")
    assert [o.status.value for o in p.orders if o.leg.startswith("slr1")] == ["unknown"]


def test_a_stop_refused_for_good_falls_back_to_the_monitor(engine: Engine) -> None:
    """Refused `MAX_REFUSALS` times, the new stop is given up (the owner told once) and the old
    one goes: the monitor closes at the stop price, as for any futures position without one."""
    ex, p = _open(engine)
    old = next(o.client_order_id for o in p.orders if o.leg == "slr0")
    ex.refuse_stops = InvalidOrder("binance -4131 PERCENT_PRICE (test)")
    p = _move_stop(engine, p, "95")
    manager = engine.trading.manager
    with manager.locks.hold("u1"):
        p = manager.arm(engine.paper("u1"), engine.positions("u1")[0])
    # refused twice: the old stop still protects the position
    assert [o.client_order_id for o in ex.resting_stops()] == [old]
    for _ in range(4):
        with manager.locks.hold("u1"):
            p = manager.arm(engine.paper("u1"), engine.positions("u1")[0])
    (p,) = engine.positions("u1")
    assert p.extra["refused_legs"]["slr1"]["count"] == 3
    assert ex.resting_stops() == []
    assert len(engine.events.of_kind(EventKind.ATTENTION)) == 1
    engine.tick(SYM, "94")
    assert engine.positions("u1") == []
