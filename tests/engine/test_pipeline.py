"""End to end through the real engine, the paper exchange and the sim feed."""

from __future__ import annotations

from decimal import Decimal

from tests.engine.conftest import Engine
from verzek.domain.models import (
    ExchangeAccount,
    ExchangeName,
    MarketType,
    PlanName,
    PositionStatus,
    SignalSource,
    TradingMode,
)
from verzek.engine.notifier import EventKind

SIGNAL = """#ETH/USDT LONG
Entry: 100
Targets: 104 - 108
Stop Loss: 91
Leverage: 10x"""


def test_one_signal_three_users_get_exactly_their_orders(engine: Engine) -> None:
    engine.price("ETH/USDT:USDT", "100")
    engine.add_user("uvip", PlanName.VIP, general={"auto_trade": True},
                    risk={"position_size_usdt": "100"},
                    dca={"enabled": True, "max_safety_orders": 3, "safety_order_usdt": "50"})
    engine.add_user("upro", PlanName.PRO, general={"auto_trade": True},
                    risk={"position_size_usdt": "200", "max_leverage": 5})
    engine.add_user("ufree", PlanName.FREE, general={"auto_trade": True},
                    risk={"symbol_blacklist": ["ETH/USDT"]})
    engine.add_user("uoff", PlanName.VIP)  # auto-trade off: not eligible at all
    result = engine.trading.submit_text(SIGNAL, SignalSource(kind="api"))
    assert result.kind == "signal"
    by_user = {d.user_id: d for d in result.decisions}
    assert set(by_user) == {"uvip", "upro", "ufree"}
    assert by_user["uvip"].outcome == "executed"
    assert by_user["upro"].outcome == "executed"
    assert by_user["ufree"].outcome == "skipped"
    assert by_user["ufree"].code == "symbol_blocked" or "ETH" in by_user["ufree"].reason
    # the skip is recorded on the signal
    record = engine.trading.get_signal(result.signal_id)
    assert {d["user_id"]: d["outcome"] for d in record.decisions}["ufree"] == "skipped"

    (vip,) = engine.positions("uvip")
    assert vip.status is PositionStatus.OPEN and vip.quantity == Decimal("1.000")
    assert vip.leverage == 10
    legs = sorted(o.leg for o in vip.orders)
    assert legs == ["dca1", "dca2", "dca3", "entry", "slr0", "tp1r0", "tp2r0"]
    tps = {o.leg: o for o in vip.orders if o.leg.startswith("tp")}
    assert tps["tp1r0"].quantity + tps["tp2r0"].quantity == Decimal("1.000")
    assert tps["tp1r0"].price == Decimal("104")

    (pro,) = engine.positions("upro")
    assert pro.leverage == 5 and pro.quantity == Decimal("2.000")
    assert sorted(o.leg for o in pro.orders) == ["entry", "slr0", "tp1r0", "tp2r0"]
    assert engine.positions("ufree") == []
    skipped = engine.events.of_kind(EventKind.SIGNAL_SKIPPED)
    assert [e.user_id for e in skipped] == ["ufree"]


def test_same_signal_twice_is_a_duplicate(engine: Engine) -> None:
    engine.price("ETH/USDT:USDT", "100")
    engine.add_user("u1", general={"auto_trade": True})
    first = engine.trading.submit_text(SIGNAL, SignalSource(kind="telegram", chat_id=-1,
                                                            message_id=5))
    again = engine.trading.submit_text(SIGNAL, SignalSource(kind="telegram", chat_id=-2,
                                                            message_id=9))
    assert first.kind == "signal" and again.kind == "duplicate"
    assert len(engine.positions("u1")) == 1


def test_noise_is_logged_and_trades_nothing(engine: Engine) -> None:
    engine.add_user("u1", general={"auto_trade": True})
    result = engine.trading.submit_text("gm everyone, big pump soon 🚀", SignalSource())
    assert result.kind == "noise" and result.decisions == []
    assert engine.positions("u1") == []


def test_a_size_below_the_exchange_minimum_is_skipped_with_the_reason(engine: Engine) -> None:
    engine.price("BTC/USDT:USDT", "65000")
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "50"})
    result = engine.trading.submit_text(
        "#BTC/USDT LONG\nEntry: 65000\nTarget: 66000\nStop: 64000\n5x", SignalSource())
    (decision,) = result.decisions
    assert decision.outcome == "skipped" and decision.code == "below_minimum"
    assert "raise the position size" in decision.reason
    assert engine.positions("u1") == []


def test_a_market_sized_in_contracts_of_another_size_is_skipped(engine: Engine) -> None:
    """Orders are sized in base units: a market of 0.01-ETH contracts is skipped with the
    reason rather than traded 100 times too small (or too large)."""
    import dataclasses

    engine.price("ETH/USDT:USDT", "100")
    engine.add_user("u1", general={"auto_trade": True})
    paper = engine.paper("u1")
    real = paper.market
    paper.market = lambda symbol: dataclasses.replace(  # type: ignore[method-assign]
        real(symbol), contract_size=Decimal("0.01"))
    (decision,) = engine.trading.submit_text(SIGNAL, SignalSource()).decisions
    assert decision.outcome == "skipped" and decision.code == "unsupported_market"
    assert "contracts of 0.01 ETH" in decision.reason
    assert engine.positions("u1") == [] and paper.fetch_open_orders() == []


def test_a_symbol_that_is_not_base_quote_is_refused() -> None:
    import pytest

    from verzek.domain.models import MarketType
    from verzek.engine.entry_prices import exchange_symbol
    from verzek.errors import InvalidInput

    assert exchange_symbol("BTC/USDT", MarketType.FUTURES) == "BTC/USDT:USDT"
    assert exchange_symbol("BTC/USDT:USDT", MarketType.SPOT) == "BTC/USDT"
    for bad in ("BTCUSDT", "/USDT", "A/B/C"):
        with pytest.raises(InvalidInput):
            exchange_symbol(bad, MarketType.FUTURES)


def test_a_refused_close_is_an_error_not_a_silent_success(engine: Engine) -> None:
    import pytest

    from verzek.errors import Conflict, InsufficientFunds
    from verzek.exchanges.faults import FaultyExchange

    class RefuseReduce(FaultyExchange):
        def create_order(self, req):  # type: ignore[no-untyped-def]
            if req.reduce_only and req.type.value == "market":
                raise InsufficientFunds("refused (test)")
            return super().create_order(req)

    engine.trading.pool.wrap = lambda inner: RefuseReduce(inner, rate=0.0, clock=engine.clock)
    engine.price("ETH/USDT:USDT", "100")
    engine.add_user("u1", general={"auto_trade": True})
    engine.trading.submit_text(SIGNAL, SignalSource())
    (p,) = engine.positions("u1")
    with pytest.raises(Conflict, match="still open"):
        engine.trading.close_position("u1", p.id)
    (still,) = engine.positions("u1")
    assert still.quantity == p.quantity
    live = {o.leg[:2] for o in still.orders if o.status.value == "open"}
    assert {"tp", "sl"} <= live  # protection put back after the refused close


def test_the_opposite_side_on_the_same_symbol_is_refused(engine: Engine) -> None:
    engine.price("ETH/USDT:USDT", "100")
    engine.add_user("u1", general={"auto_trade": True})
    engine.trading.submit_text(SIGNAL, SignalSource())
    result = engine.trading.submit_text(
        "#ETH/USDT SHORT\nEntry: 100\nTarget: 95\nStop: 104\n5x", SignalSource())
    (decision,) = result.decisions
    assert decision.outcome == "skipped" and decision.code == "opposite_position_open"
    assert len(engine.positions("u1")) == 1


def test_a_live_user_without_an_exchange_account_is_skipped_not_traded_on_paper(
        engine: Engine) -> None:
    engine.price("ETH/USDT:USDT", "100")
    engine.add_user("ulive", general={"auto_trade": True, "mode": "live"})
    engine.add_user("udemo", general={"auto_trade": True, "mode": "demo"})
    result = engine.trading.submit_text(SIGNAL, SignalSource(kind="api"))
    by_user = {d.user_id: d for d in result.decisions}
    assert (by_user["ulive"].outcome, by_user["ulive"].code) == ("skipped", "no_account")
    assert by_user["ulive"].reason == (
        "No exchange account to trade this call on: live trading needs an exchange account "
        "with your API keys: add one, or switch to demo mode to trade on paper.")
    assert engine.positions("ulive") == []
    assert by_user["udemo"].outcome == "executed"
    (demo,) = engine.positions("udemo")
    assert demo.mode.value == "demo"


def test_a_live_user_trading_a_demo_account_is_told_it_is_on_paper(engine: Engine) -> None:
    engine.price("ETH/USDT:USDT", "100")
    engine.add_user("ulive", general={"auto_trade": True, "mode": "live"})
    account = ExchangeAccount(id="paper1", user_id="ulive", label="Practice",
                              exchange=ExchangeName.BINANCE, market_type=MarketType.FUTURES,
                              mode=TradingMode.DEMO, created_at=engine.clock.now())
    engine.runtime.users.update("ulive", lambda u: u.model_copy(
        update={"exchange_accounts": [account]}))
    (decision,) = engine.trading.submit_text(SIGNAL, SignalSource(kind="api")).decisions
    assert decision.outcome == "executed"
    assert decision.reason.endswith("On paper: account Practice is a demo account, no real "
                                    "order was sent.")
    (p,) = engine.positions("ulive")
    assert p.mode is TradingMode.DEMO


def test_a_user_whose_accounts_are_all_disabled_is_told_so(engine: Engine) -> None:
    engine.price("ETH/USDT:USDT", "100")
    engine.add_user("ulive", general={"auto_trade": True, "mode": "live"})
    account = ExchangeAccount(id="bn1", user_id="ulive", exchange=ExchangeName.BINANCE,
                              market_type=MarketType.FUTURES, mode=TradingMode.LIVE,
                              enabled=False, created_at=engine.clock.now())
    engine.runtime.users.update("ulive", lambda u: u.model_copy(
        update={"exchange_accounts": [account]}))
    (decision,) = engine.trading.submit_text(SIGNAL, SignalSource(kind="api")).decisions
    assert (decision.outcome, decision.code) == ("skipped", "no_account")
    assert "your exchange accounts are all disabled: enable one" in decision.reason
