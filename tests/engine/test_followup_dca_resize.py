"""DCA levels moved with the entry's real fill keep their planned quantities (the plan's
quantity moved with the prices, rounded once, to the nearest step): rounding the plan's
already rounded quote down again lost a step on every level of a long filled above its
reference, and whole levels of a breakout. Each level's quote is what it costs at its new
price."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.engine.conftest import Engine
from verzek.domain.models import SignalSource

D = Decimal


def _levels(p: Any) -> list[tuple[Decimal, Decimal, Decimal]]:
    return [(D(lv["price"]), D(lv["quantity"]), D(lv["quote"])) for lv in p.extra["dca_levels"]]


def _resting_dca(p: Any) -> dict[str, tuple[Decimal | None, Decimal]]:
    return {o.leg: (o.price, o.quantity) for o in p.orders
            if o.leg.startswith("dca") and o.status.value == "open"}


def test_a_long_filled_above_its_reference_keeps_each_levels_quantity(
        slipping: Engine) -> None:
    """Planned from 2000: 50 USDT at 1960 is 0.025 ETH, at 1920 0.026 ETH. The entry fills at
    2010 (0.5 % slip): the levels move to 1969.8 and 1929.6 and still buy 0.025 and 0.026
    (50 USDT buys 0.0253 and 0.0259 there), not 0.024 and 0.025."""
    sym = "ETH/USDT:USDT"
    slipping.price(sym, "2000")
    slipping.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "200"},
                      dca={"enabled": True, "deviation_pct": "2", "max_safety_orders": 2,
                           "safety_order_usdt": "50"})
    (decision,) = slipping.trading.submit_text(
        "LONG #ETH/USDT\nEntry: market\nTP 2100\nSL 1800\n5x", SignalSource(kind="api")).decisions
    assert decision.outcome == "executed", decision
    (p,) = slipping.positions("u1")
    assert p.average_entry == D("2010")
    assert _levels(p) == [(D("1969.8"), D("0.025"), D("49.245")),
                          (D("1929.6"), D("0.026"), D("50.1696"))]
    assert _resting_dca(p) == {"dca1": (D("1969.8"), D("0.025")),
                               "dca2": (D("1929.6"), D("0.026"))}


def test_a_breakout_keeps_every_planned_level(engine: Engine) -> None:
    """Planned from the trigger 65000: 0.001, 0.002 and 0.004 BTC at 2, 4 and 6 %. The entry
    crosses at 65500: every level moves up with it and keeps its quantity (before: level 1
    dropped, then 0.001 and 0.003)."""
    sym = "BTC/USDT:USDT"
    engine.price(sym, "64000")
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "655"},
                    dca={"enabled": True, "deviation_pct": "2", "max_safety_orders": 3,
                         "safety_order_usdt": "70", "volume_scale": "2"})
    (decision,) = engine.trading.submit_text(
        "#BTC/USDT LONG above 65000\nTarget: 70000\nStop: 58000\n5x",
        SignalSource(kind="api")).decisions
    assert decision.code == "entry_waiting", decision
    (p,) = engine.positions("u1")
    planned = [(price, qty) for price, qty, _ in _levels(p)]
    assert [qty for _, qty in planned] == [D("0.001"), D("0.002"), D("0.004")]
    engine.tick(sym, "65500")
    (p,) = engine.positions("u1")
    assert p.average_entry == D("65500")
    levels = _levels(p)
    assert [qty for _, qty, _ in levels] == [D("0.001"), D("0.002"), D("0.004")]
    for (old_price, _), (price, qty, quote) in zip(planned, levels, strict=True):
        assert price > old_price and quote == price * qty
    assert sorted(q for _, q in _resting_dca(p).values()) == [D("0.001"), D("0.002"),
                                                              D("0.004")]
