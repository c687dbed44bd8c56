"""Reconciliation closes an intent only once the position holding its order is durable: a
save that fails on the way leaves the intent open, and the next run finishes the job."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.engine.conftest import Engine
from verzek.domain.models import OrderSide, OrderType, SignalSource
from verzek.domain.safety.state import OrderPurpose
from verzek.engine.executor import OrderSpec
from verzek.errors import DiskFault

SYM = "ETH/USDT:USDT"
SIGNAL = "#ETH/USDT LONG\nEntry: 100\nTargets: 104 - 108\nStop Loss: 91\nLeverage: 10x"


def test_a_failed_save_leaves_the_intent_open_until_a_later_run_adopts_it(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    engine.price(SYM, "100")
    engine.add_user("u1", general={"auto_trade": True})
    engine.trading.submit_text(SIGNAL, SignalSource(kind="api"))
    (position,) = engine.positions("u1")
    # an order whose position save a crash cut off: on the exchange, intent open
    result = engine.trading.manager._executor.send(
        engine.paper("u1"), OrderSpec(symbol=SYM, side=OrderSide.SELL, type=OrderType.LIMIT,
                                      quantity=Decimal("0.1"), price=Decimal("150"),
                                      reduce_only=True),
        user_id="u1", account_id=position.account_id, position_id=position.id,
        leg="tp9r0", purpose=OrderPurpose.REDUCE)
    coid = result.client_order_id
    assert [i.client_order_id for i in engine.trading.intents.open_intents()] == [coid]

    repo = engine.runtime.positions
    real_save = repo.save

    def refuse(_position: object) -> None:
        raise DiskFault("the disk refused a write (test)")

    monkeypatch.setattr(repo, "save", refuse)
    counts = engine.trading.reconciler.run_once()
    assert counts["unknown"] == 1
    assert [i.client_order_id for i in engine.trading.intents.open_intents()] == [coid]
    assert coid not in {o.client_order_id for o in engine.positions("u1")[0].orders}

    monkeypatch.setattr(repo, "save", real_save)
    counts = engine.trading.reconciler.run_once()
    assert counts["adopted"] == 1
    assert engine.trading.intents.open_intents() == []
    (adopted,) = engine.positions("u1")
    order = next(o for o in adopted.orders if o.client_order_id == coid)
    assert order.status.value == "open" and order.price == Decimal("150")
