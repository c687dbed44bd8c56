"""DCA levels are planned from the price the entry is expected to fill at (a resting limit's
edge, the nearest split price, the breakout's trigger, else the market) and move with the
real first fill: a safety order never rests above a long's entry (below a short's)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.engine.conftest import Engine
from verzek.domain.models import PositionStatus, SignalSource

D = Decimal
SYM = "ETH/USDT:USDT"
DCA = {"enabled": True, "deviation_pct": "2", "max_safety_orders": 2,
       "safety_order_usdt": "50"}


def _open(engine: Engine, text: str, entry_type: str, deviation: str = "2") -> Any:
    engine.price(SYM, "2000")
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "200"},
                    strategy={"entry_type": entry_type},
                    dca={**DCA, "deviation_pct": deviation})
    result = engine.trading.submit_text(text, SignalSource(kind="api"))
    assert result.decisions[0].outcome == "executed", result.decisions
    (p,) = engine.positions("u1")
    return p


def _levels(p: Any) -> list[tuple[Decimal, Decimal]]:
    return [(D(lv["price"]), D(lv["quantity"])) for lv in p.extra["dca_levels"]]


def test_a_limit_long_plans_its_levels_below_the_resting_entry(engine: Engine) -> None:
    p = _open(engine, "LONG #ETH/USDT\nEntry 1950 - 1940\nTP 2100\nSL 1800", "limit")
    # from 1940 (the zone's lower edge), not from the 2000 the market stood at: 2 % and 4 %
    assert [price for price, _ in _levels(p)] == [D("1901.2"), D("1862.4")]
    engine.tick(SYM, "1939")
    (p,) = engine.positions("u1")
    assert p.status is PositionStatus.OPEN and p.average_entry == D("1940")
    dca = sorted((o.price for o in p.orders if o.leg.startswith("dca")
                  and o.status.value == "open"), reverse=True)
    assert dca == [D("1901.2"), D("1862.4")]
    assert all(price < p.average_entry for price in dca)


def test_a_limit_short_plans_its_levels_above_the_resting_entry(engine: Engine) -> None:
    p = _open(engine, "SHORT #ETH/USDT\nEntry 2050 - 2060\nTP 1900\nSL 2200", "limit")
    assert [price for price, _ in _levels(p)] == [D("2101.2"), D("2142.4")]



def test_levels_move_with_the_real_fill_keeping_their_quote(slipping: Engine) -> None:
    """A market long at 2000 fills at 2010: the levels planned at 1960 and 1920 move to 1969.8
    and 1929.6, each still buying about 50 USDT."""
    p = _open(slipping, "LONG #ETH/USDT\nEntry: market\nTP 2100\nSL 1800", "market")
    assert p.average_entry == D("2010")
    assert p.extra["dca_planned_from"] == "2000"
    levels = _levels(p)
    assert [price for price, _ in levels] == [D("1969.8"), D("1929.6")]
    for (price, quantity), level in zip(levels, p.extra["dca_levels"], strict=True):
        quote = D(level["quote"])  # what the plan gave the level, floored to ETH's 0.001 step
        assert quote - price * D("0.001") < price * quantity <= quote
    resting = {o.leg: o.price for o in p.orders if o.leg.startswith("dca")}
    assert resting == {"dca1": D("1969.8"), "dca2": D("1929.6")}


def test_a_market_entry_filled_as_planned_keeps_its_levels(engine: Engine) -> None:
    p = _open(engine, "LONG #ETH/USDT\nEntry: market\nTP 2100\nSL 1800", "market")
    assert [price for price, _ in _levels(p)] == [D("1960"), D("1920")]
    assert "dca_planned_from" not in p.extra


def test_a_split_entry_plans_its_levels_beyond_its_last_leg(engine: Engine) -> None:
    """Zone 1950 - 1900 in two legs: the safety orders lie below 1900, the last leg, so none
    fills before the entry is complete; legs filled at their own prices move nothing."""
    engine.price(SYM, "2000")
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "200"},
                    strategy={"entry_type": "split", "split_entries": 2}, dca=DCA)
    result = engine.trading.submit_text("LONG #ETH/USDT\nEntry 1950 - 1900\nTP 2100\nSL 1750",
                                        SignalSource(kind="api"))
    assert result.decisions[0].outcome == "executed", result.decisions
    (p,) = engine.positions("u1")
    assert [price for price, _ in _levels(p)] == [D("1862"), D("1824")]
    engine.tick(SYM, "1949")  # the 1950 leg fills at its price
    (p,) = engine.positions("u1")
    assert p.average_entry == D("1950")
    assert [price for price, _ in _levels(p)] == [D("1862"), D("1824")]
    assert "dca_planned_from" not in p.extra


def test_moved_levels_go_onto_the_tick_away_from_the_entry(slipping: Engine) -> None:
    """A moved level off the tick was rounded to the nearest one, which may be toward the
    entry: the buy then filled before its deviation (a long's 1940.454 rested at 1940.45,
    1975.227 at 1975.23)."""
    p = _open(slipping, "LONG #ETH/USDT\nEntry: market\nTP 2100\nSL 1800", "market",
              deviation="1.73")
    assert p.average_entry == D("2010")
    # planned 1965.4 and 1930.8 from 2000; x 2010/2000 = 1975.227 and 1940.454
    assert [price for price, _ in _levels(p)] == [D("1975.22"), D("1940.45")]


def test_a_shorts_moved_levels_go_up_onto_the_tick(slipping: Engine) -> None:
    p = _open(slipping, "SHORT #ETH/USDT\nEntry: market\nTP 1900\nSL 2200", "market",
              deviation="1.73")
    assert p.average_entry == D("1990")
    # planned 2034.6 and 2069.2 from 2000; x 1990/2000 = 2024.427 and 2058.854
    assert [price for price, _ in _levels(p)] == [D("2024.43"), D("2058.86")]
