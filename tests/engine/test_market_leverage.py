"""A call's leverage above the market's highest is traded at the market's highest, and the
decision says so: a 50x call on a 20x market (a VIP user allowing 50x) was skipped because the
exchange refused 50x (journey 10)."""

from __future__ import annotations

from tests.engine.conftest import Engine
from verzek.domain.models import SignalSource

SYM = "BTC/USDT:USDT"


def test_leverage_above_the_markets_highest_is_capped_to_it(engine: Engine) -> None:
    engine.price(SYM, "95000")
    engine.add_user("u1", general={"auto_trade": True},
                    risk={"position_size_usdt": "200", "max_leverage": 50})
    market = engine.paper("u1").market(SYM)
    assert market.max_leverage < 50
    result = engine.trading.submit_text(
        "#BTC/USDT LONG entry 95000 TP 95500 SL 94700 lev 50x", SignalSource(kind="api"))
    (decision,) = result.decisions
    assert decision.outcome == "executed", decision
    (position,) = engine.positions("u1")
    assert position.leverage == market.max_leverage
    assert decision.reason.startswith(f"Entry placed: buy 0.002 {SYM} filled at 95000, "
                                      f"{market.max_leverage}x.")
    assert f"Leverage reduced from 50x to {market.max_leverage}x by the market's highest." \
        in decision.reason


def test_a_call_naming_no_leverage_says_the_users_maximum_is_used(engine: Engine) -> None:
    engine.price(SYM, "95000")
    engine.add_user("u1", general={"auto_trade": True},
                    risk={"position_size_usdt": "200", "max_leverage": 7})
    (decision,) = engine.trading.submit_text(
        "#BTC/USDT LONG entry 95000 TP 95500 SL 94700", SignalSource(kind="api")).decisions
    assert decision.outcome == "executed", decision
    assert ", 7x." in decision.reason
    assert "The call names no leverage: 7x, the most your settings and plan allow" \
        in decision.reason


def test_only_a_stated_maximum_caps_a_live_trade() -> None:
    """ccxt's Binance listing states no maximum leverage: the default standing in for it (20)
    capped every live 50x trade (BTCUSDT allows 125x). Bybit's states one."""
    from verzek.exchanges.ccxt_markets import (
        market_info_from_ccxt,
        market_info_from_json,
        market_info_to_json,
    )

    base = {"symbol": "BTC/USDT:USDT", "base": "BTC", "quote": "USDT", "spot": False,
            "precision": {"amount": 0.001, "price": 0.1}, "limits": {}}
    binance = market_info_from_ccxt(base)
    bybit = market_info_from_ccxt({**base, "limits": {"leverage": {"max": 100}}})
    assert not binance.leverage_stated and bybit.leverage_stated and bybit.max_leverage == 100
    assert market_info_from_json(market_info_to_json(bybit)).leverage_stated
    assert not market_info_from_json({**market_info_to_json(bybit),
                                      "leverage_stated": False}).leverage_stated
