"""A call on a coin the exchange lists only as a bundle (1000PEPE on futures, plain PEPE on
spot) trades that market, every price converted into its units; follow-ups too."""

from __future__ import annotations

from decimal import Decimal

from tests.engine.conftest import Engine
from verzek.domain.models import PositionStatus, SignalSource

D = Decimal
PEPE_CALL = """#PEPE/USDT LONG
Entry: 0.000015
Targets: 0.0000160 - 0.0000170
Stop: 0.0000140
Leverage 5x"""


def _open(engine: Engine, text: str, **risk: str) -> object:
    engine.add_user("u1", general={"auto_trade": True},
                    risk={"position_size_usdt": "150", **risk})
    (decision,) = engine.trading.submit_text(text, SignalSource(kind="api")).decisions
    return decision


def test_a_call_on_pepe_trades_1000pepe_futures_at_1000_times_its_prices(
        engine: Engine) -> None:
    engine.price("1000PEPE/USDT:USDT", "0.015")
    decision = _open(engine, PEPE_CALL)
    assert decision.outcome == "executed", decision.reason  # type: ignore[attr-defined]
    (p,) = engine.positions("u1")
    assert p.symbol == "1000PEPE/USDT:USDT" and p.status is PositionStatus.OPEN
    assert p.extra["price_factor"] == "1000"
    assert p.quantity == D(10000)  # 150 USDT / 0.015 per 1,000 PEPE
    assert p.stop_loss == D("0.0140")
    assert [t.price for t in p.targets] == [D("0.0160"), D("0.0170")]
    tp = {o.leg: o for o in p.orders}
    assert tp["tp1r0"].price == D("0.016") and tp["slr0"].stop_price == D("0.014")
    # "move the stop to 0.0000145" is in the call's units too
    result = engine.trading.submit_text("PEPE move SL to 0.0000145", SignalSource(kind="api"))
    assert [d.outcome for d in result.decisions] == ["executed"]
    (p,) = engine.positions("u1")
    assert p.stop_loss == D("0.0145")


def test_a_call_quoting_the_bundles_price_is_not_converted(engine: Engine) -> None:
    engine.price("1000PEPE/USDT:USDT", "0.015")
    decision = _open(engine, "#PEPE/USDT LONG\nEntry: 0.0150\nTarget: 0.0160\nStop: 0.0140")
    assert decision.outcome == "executed", decision.reason  # type: ignore[attr-defined]
    (p,) = engine.positions("u1")
    assert p.symbol == "1000PEPE/USDT:USDT" and "price_factor" not in p.extra
    assert p.stop_loss == D("0.0140") and p.targets[0].price == D("0.0160")


def test_a_call_on_1000pepe_for_a_spot_account_trades_pepe_at_a_thousandth(
        engine: Engine) -> None:
    engine.price("PEPE/USDT", "0.000015")
    decision = _open(engine, "#1000PEPE/USDT BUY spot\nEntry: 0.015\nTarget: 0.016\n"
                             "Stop: 0.014")
    assert decision.outcome == "executed", decision.reason  # type: ignore[attr-defined]
    (p,) = engine.positions("u1")
    assert p.symbol == "PEPE/USDT" and p.extra["price_factor"] == "0.001"
    assert p.quantity == D(10000000) and p.stop_loss == D("0.000014")


def test_a_coin_the_exchange_does_not_list_in_any_bundle_is_skipped(engine: Engine) -> None:
    decision = _open(engine, "#NOSUCHCOIN/USDT LONG\nEntry: 1\nTarget: 1.1\nStop: 0.9")
    assert decision.outcome == "skipped"  # type: ignore[attr-defined]
    assert "has no market NOSUCHCOIN/USDT:USDT" in decision.reason  # type: ignore[attr-defined]
    assert engine.positions("u1") == []


def test_a_follow_up_naming_the_coin_reaches_the_call_on_its_bundle(engine: Engine) -> None:
    engine.price("1000PEPE/USDT:USDT", "0.015")
    _open(engine, "#1000PEPE/USDT LONG\nEntry: 0.015\nTarget: 0.016\nStop: 0.014")
    (p,) = engine.positions("u1")
    assert p.symbol == "1000PEPE/USDT:USDT"
    result = engine.trading.submit_text("Close PEPE now", SignalSource(kind="api"))
    assert [d.outcome for d in result.decisions] == ["executed"]
    assert engine.positions("u1") == []


def test_the_listing_is_scanned_once_per_symbol_even_when_nothing_is_found(
        engine: Engine, monkeypatch: object) -> None:
    import verzek.engine.pool as pool_module

    scans: list[str] = []
    real = pool_module.find_market

    def counted(markets, symbol):  # type: ignore[no-untyped-def]
        scans.append(symbol)
        return real(markets, symbol)

    monkeypatch.setattr(pool_module, "find_market", counted)  # type: ignore[attr-defined]
    for uid in ("u1", "u2", "u3"):
        engine.add_user(uid, general={"auto_trade": True})
    result = engine.trading.submit_text("#NOSUCHCOIN/USDT LONG\nEntry: 1\nTarget: 1.1\n"
                                        "Stop: 0.9", SignalSource(kind="api"))
    assert [d.outcome for d in result.decisions] == ["skipped"] * 3
    assert scans == ["NOSUCHCOIN/USDT:USDT"]
    engine.clock.advance(3600)  # an hour on, a listing may have the coin: looked up again
    engine.trading.submit_text("#NOSUCHCOIN/USDT LONG\nEntry: 2\nTarget: 2.2\nStop: 1.8",
                               SignalSource(kind="api"))
    assert scans == ["NOSUCHCOIN/USDT:USDT"] * 2


def test_a_btc_call_with_dots_grouping_thousands_trades_at_the_prices_meant(
        engine: Engine) -> None:
    engine.price("BTC/USDT:USDT", "96800")
    decision = _open(engine, "🚨 #BTC/USDT SHORT\nEntry: 96.500 - 97.200\n"
                             "TP: 95.000 / 93.800\nSL: 98.100", position_size_usdt="1000")
    assert decision.outcome == "executed", decision.reason  # type: ignore[attr-defined]
    (p,) = engine.positions("u1")
    assert [t.price for t in p.targets] == [D(95000), D(93800)]
    assert p.stop_loss == D(98100) and p.extra["price_factor"] == "1000"
    # a follow-up written the same way moves the stop to the price meant
    engine.trading.submit_text("#BTC/USDT new SL 97.500", SignalSource(kind="api"))
    (p,) = engine.positions("u1")
    assert p.stop_loss == D(97500)
