"""Orders a closing position could not cancel (the exchange timed out) are not forgotten: they
are queued for the reconciler, which cancels them on its next pass, and reports an order that
filled after the close, which a new position takes over and closes at market."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.engine.conftest import Engine
from verzek.domain.models import PositionStatus, SignalSource
from verzek.engine.cancels import LEFTOVERS
from verzek.engine.notifier import EventKind
from verzek.errors import NetworkError

SYM = "ETH/USDT:USDT"
DCA = {"enabled": True, "deviation_pct": "2", "max_safety_orders": 2, "safety_order_usdt": "50"}


class CancelOutage:
    """Every cancel on the user's paper exchange times out while `down`."""

    def __init__(self, engine: Engine) -> None:
        self.down = False
        paper = engine.paper("u1")
        real = paper.cancel_order

        def cancel_order(symbol: str, **ids: Any) -> Any:
            if self.down:
                raise NetworkError("timed out")
            return real(symbol, **ids)

        paper.cancel_order = cancel_order  # type: ignore[method-assign]


def _close_by_target_during_outage(engine: Engine) -> tuple[str, CancelOutage]:
    engine.price(SYM, "2000")
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "200"},
                    strategy={"tp_distribution": "whole"}, dca=DCA)
    result = engine.trading.submit_text("LONG #ETH/USDT\nEntry: market\nTP 2100\nSL 1800",
                                        SignalSource(kind="api"))
    (decision,) = result.decisions
    outage = CancelOutage(engine)
    outage.down = True
    engine.tick(SYM, "2100")  # the target fills; the stop and both DCA orders stay resting
    assert engine.positions("u1") == []
    return str(decision.position_id), outage


def _leftovers(engine: Engine) -> list[dict[str, Any]]:
    doc = engine.runtime.positions.store.read_shared(LEFTOVERS) or {}
    return list(doc.get("items", []))


def test_the_reconciler_cancels_what_a_close_left_resting(engine: Engine) -> None:
    pid, outage = _close_by_target_during_outage(engine)
    (item,) = _leftovers(engine)
    assert item["position_id"] == pid
    assert sorted(o["leg"][:3] for o in item["orders"]) == ["dca", "dca", "slr"]
    assert len(engine.paper("u1").fetch_open_orders(SYM)) == 3
    counts = engine.trading.reconciler.run_once()  # still down: nothing settled, kept
    assert counts["leftovers"] == 0 and len(_leftovers(engine)) == 1
    outage.down = False
    counts = engine.trading.reconciler.run_once()
    assert counts["leftovers"] == 3
    assert engine.paper("u1").fetch_open_orders(SYM) == []
    assert _leftovers(engine) == []
    assert engine.trading.reconciler.flagged == []
    (closed,) = engine.runtime.positions.closed_positions("u1")
    assert closed.status is PositionStatus.CLOSED


def test_a_leftover_that_filled_after_the_close_is_reported(engine: Engine) -> None:
    pid, outage = _close_by_target_during_outage(engine)
    # the first DCA buy fills for a position that is gone (the paper book matches it as an
    # exchange would; the monitor no longer watches the symbol for this account)
    engine.paper("u1").process_prices({SYM: Decimal("1950")})
    outage.down = False
    counts = engine.trading.reconciler.run_once()
    assert counts["leftovers"] == 3 and _leftovers(engine) == []
    (flag,) = engine.trading.reconciler.flagged
    assert flag["user_id"] == "u1" and pid in flag["reason"]
    assert flag["reason"].startswith("dca1") and "taken over and closed at market" in \
        flag["reason"]
    # a position took the late quantity over and closed it at market: nothing is held
    history = engine.runtime.positions.closed_positions("u1")
    (recovery,) = [p for p in history if p.extra.get("recovered_from") == pid]
    assert recovery.status is PositionStatus.CLOSED and recovery.quantity == 0
    assert engine.positions("u1") == []
    assert engine.paper("u1").fetch_positions() == []
    (attention,) = engine.events.of_kind(EventKind.ATTENTION)
    assert "after its position closed" in attention.message
