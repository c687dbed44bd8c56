"""A market entry with its targets and stop written as percentages ("Entry: CMP, TP 2% 4%,
SL 3%"): measured from the price the engine enters at, placed like any other call's."""

from __future__ import annotations

from decimal import Decimal

from tests.engine.conftest import Engine
from verzek.domain.models import OrderType, PositionStatus, SignalSource

D = Decimal
SYM = "ETH/USDT:USDT"


def _trade(engine: Engine, text: str) -> object:
    engine.price(SYM, "2000")
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "200"})
    result = engine.trading.submit_text(text, SignalSource(kind="api"))
    assert result.kind == "signal", result
    (decision,) = result.decisions
    return decision


def test_a_long_at_market_gets_targets_and_stop_from_its_entry_price(engine: Engine) -> None:
    decision = _trade(engine, "🟢 LONG #ETH/USDT\nEntry: CMP\nTP: 2% 4% 6%\nSL: 3%")
    assert decision.outcome == "executed", decision  # type: ignore[attr-defined]
    (p,) = engine.positions("u1")
    assert p.status is PositionStatus.OPEN
    assert [t.price for t in p.targets] == [D("2040"), D("2080"), D("2120")]
    assert p.stop_loss == D("1940")
    live = {o.leg: o for o in p.orders if o.status.value == "open"}
    assert {leg[:3] for leg in live} == {"tp1", "tp2", "tp3", "slr"}
    stop = next(o for leg, o in live.items() if leg.startswith("sl"))
    assert stop.type is OrderType.STOP_MARKET and stop.stop_price == D("1940")


def test_a_short_at_market_measures_down_and_keeps_a_stop_alone(engine: Engine) -> None:
    decision = _trade(engine, "#ETH/USDT SHORT now\nSL 2.5%\nTP: 150%")
    assert decision.outcome == "executed", decision  # type: ignore[attr-defined]
    (p,) = engine.positions("u1")
    assert p.side.value == "short" and p.stop_loss == D("2050")
    # a short cannot gain 150 %: that target is dropped, the stop kept, and the user's own
    # take profit (2 % from the average entry by default) stands in for the call's
    assert [t.price for t in p.targets] == [D("1960")]


def test_the_signal_keeps_the_percentages_as_written(engine: Engine) -> None:
    _trade(engine, "LONG #ETH/USDT\nEntry: market\nTargets: +5% / +10%\nStop: 4%")
    (record,) = engine.trading.recent_signals(1, 0)
    assert record.signal is not None
    assert record.signal.targets == [] and record.signal.target_pcts == [D("5"), D("10")]
    assert record.signal.stop_pct == D("4")



def test_percent_exits_are_measured_from_the_fill_not_the_ticker(slipping: Engine) -> None:
    """A long at 2000 fills at 2010: "TP 2%" is 2050.20, not 2040."""
    decision = _trade(slipping, "🟢 LONG #ETH/USDT\nEntry: CMP\nTP: 2% 4%\nSL: 3%")
    assert decision.outcome == "executed", decision  # type: ignore[attr-defined]
    (p,) = slipping.positions("u1")
    assert p.average_entry == D("2010")
    assert [t.price for t in p.targets] == [D("2050.2"), D("2090.4")]
    assert p.stop_loss == D("1949.7")
    live = {o.leg[:2]: o for o in p.orders if o.status.value == "open"}
    assert live["tp"].price in (D("2050.2"), D("2090.4"))
    assert live["sl"].stop_price == D("1949.7")
    assert p.extra["pct_exits_from"] == "2010" and "pct_exits" not in p.extra


def test_a_short_measures_down_from_its_fill(slipping: Engine) -> None:
    _trade(slipping, "#ETH/USDT SHORT now\nTP 1% 150%\nSL 2%")
    (p,) = slipping.positions("u1")
    assert p.average_entry == D("1990")  # a sell slips down
    assert [t.price for t in p.targets] == [D("1970.1")]  # 150 % dropped, as before
    assert p.stop_loss == D("2029.8")


def test_written_prices_are_not_measured_again(slipping: Engine) -> None:
    _trade(slipping, "LONG #ETH/USDT\nEntry: CMP\nTP 2100 2200\nSL 1900")
    (p,) = slipping.positions("u1")
    assert [t.price for t in p.targets] == [D("2100"), D("2200")]
    assert p.stop_loss == D("1900") and "pct_exits_from" not in p.extra


def test_a_percent_stop_fixed_from_the_first_entry_uses_its_fill(engine: Engine) -> None:
    """A limit entry below the market: the user's own 4 % stop is measured from the 1950 the
    entry filled at, not from the 2000 the market stood at when the call came."""
    engine.price(SYM, "2000")
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "200"},
                    strategy={"entry_type": "limit", "stop_loss_mode": "percent",
                              "stop_loss_pct": "4"})
    result = engine.trading.submit_text("LONG #ETH/USDT\nEntry 1950\nTP 2100",
                                        SignalSource(kind="api"))
    assert result.decisions[0].outcome == "executed", result.decisions
    engine.tick(SYM, "1949")
    (p,) = engine.positions("u1")
    assert p.status is PositionStatus.OPEN and p.average_entry == D("1950")
    assert p.stop_loss == D("1872")
