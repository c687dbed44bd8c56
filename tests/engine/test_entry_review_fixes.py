"""Entry planning as the end-to-end review found it wanting: a short on a spot account, a stop
beyond liquidation, DCA levels past the stop, DCA on a plan without it, coin names in the
symbol lists, and the sentences a skip reads."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.engine.conftest import Engine
from verzek.domain.models import (
    ExchangeAccount,
    ExchangeName,
    MarketType,
    OrderSide,
    PlanName,
    SignalSource,
    TradingMode,
)

API = SignalSource(kind="api")
LTC_SPOT, LTC_PERP = "LTC/USDT", "LTC/USDT:USDT"


def _accounts(engine: Engine, *markets: MarketType, **general: Any) -> None:
    now = engine.clock.now()
    accounts = [ExchangeAccount(id=f"acc-{m.value}", user_id="erin", exchange=ExchangeName.BINANCE,
                                market_type=m, mode=TradingMode.DEMO, status="verified",
                                created_at=now, label=f"{m.value} main") for m in markets]
    engine.add_user("erin", general={"auto_trade": True, "default_account_id": accounts[0].id,
                                     **general},
                    risk={"position_size_usdt": "100"})
    engine.runtime.users.update("erin", lambda u: u.model_copy(
        update={"exchange_accounts": accounts}))


def _decide(engine: Engine, text: str) -> list[Any]:
    return list(engine.trading.submit_text(text, API).decisions)


# --- 1. a short on spot ----------------------------------------------------------------------

def test_a_short_on_a_spot_account_is_skipped_and_leaves_the_long_alone(engine: Engine) -> None:
    engine.price(LTC_SPOT, "95")
    _accounts(engine, MarketType.SPOT)
    (long,) = _decide(engine, "#LTC/USDT LONG\nEntry: 95\nTargets: 99\nStop: 91")
    assert long.outcome == "executed", long.reason
    (held,) = engine.positions("erin")
    (short,) = _decide(engine, "#LTC/USDT SHORT\nEntry: 95\nTargets: 91\nStop: 99")
    assert (short.outcome, short.code) == ("skipped", "spot_no_short")
    assert short.reason.startswith("Spot accounts cannot short;")
    (still,) = engine.positions("erin")  # no second position, nothing of the long sold
    assert still.id == held.id and still.quantity == held.quantity
    assert not [o for o in still.orders if o.side is OrderSide.SELL and o.status.value ==
                "filled"]


def test_trading_every_account_skips_the_spot_one_and_shorts_on_futures(
        engine: Engine) -> None:
    engine.price(LTC_SPOT, "95")
    engine.price(LTC_PERP, "95")
    _accounts(engine, MarketType.SPOT, MarketType.FUTURES, trade_all_accounts=True)
    decisions = {d.account_id: d for d in _decide(
        engine, "#LTC/USDT SHORT\nEntry: 95\nTargets: 91\nStop: 99")}
    assert decisions["acc-spot"].code == "spot_no_short"
    assert decisions["acc-futures"].outcome == "executed", decisions["acc-futures"].reason
    (short,) = engine.positions("erin")
    assert short.account_id == "acc-futures" and short.side.value == "short"


# --- 2. a stop beyond liquidation -------------------------------------------------------------

ETH = "ETH/USDT:USDT"


def test_a_stop_beyond_liquidation_is_skipped_before_any_order(engine: Engine) -> None:
    engine.price(ETH, "3000")
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "300"})
    (decision,) = _decide(engine, "#ETH/USDT LONG\nEntry: 3000\nTargets: 3300\nStop: 2650\n10x")
    assert (decision.outcome, decision.code) == ("skipped", "stop_beyond_liquidation")
    assert "The stop 2650 lies at or beyond the liquidation price (about 2715)" in decision.reason
    assert "use at most 8x leverage" in decision.reason
    assert engine.positions("u1") == []
    (ok,) = _decide(engine, "#ETH/USDT LONG\nEntry: 3000\nTargets: 3300\nStop: 2650\n8x")
    assert ok.outcome == "executed", ok.reason


def test_dca_levels_that_fill_before_the_stop_keep_it_ahead_of_liquidation(
        engine: Engine) -> None:
    # 10x from 3000: alone liquidated at 2715; with 3 levels of 300 USDT down to 2865 the
    # average is about 2932 and the liquidation about 2654, so a stop at 2700 acts first
    engine.price(ETH, "3000")
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "300"},
                    dca={"enabled": True, "safety_order_usdt": "300", "max_safety_orders": 3,
                         "deviation_pct": "1.5"})
    (decision,) = _decide(engine, "#ETH/USDT LONG\nEntry: 3000\nTargets: 3300\nStop: 2700\n10x")
    assert decision.outcome == "executed", decision.reason
    assert "3 DCA levels planned." in decision.reason


# --- 3. DCA levels past the stop --------------------------------------------------------------

def test_dca_levels_past_the_stop_are_not_placed_and_the_decision_says_so(
        engine: Engine) -> None:
    engine.price(ETH, "3000")
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "100"},
                    dca={"enabled": True, "safety_order_usdt": "50", "max_safety_orders": 3,
                         "deviation_pct": "2", "step_scale": "1.5"})
    # levels at 2940, 2850, 2715: the stop 2880 leaves only the first
    (decision,) = _decide(engine, "#ETH/USDT LONG\nEntry: 3000\nTargets: 3300\nStop: 2880\n5x")
    assert decision.outcome == "executed", decision.reason
    assert "1 DCA level planned." in decision.reason
    assert "DCA level 2 left out: at 2850 it lies at or past the stop loss 2880, which closes " \
           "the position before it could fill; it and every later level are dropped." in \
           decision.reason
    (p,) = engine.positions("u1")
    assert [Decimal(lv["price"]) for lv in p.extra["dca_levels"]] == [Decimal(2940)]
    assert not [o for o in p.orders if o.leg.startswith("dca") and Decimal(o.price or 0) <
                Decimal(2880)]


def test_a_shorts_dca_levels_above_its_stop_are_dropped(engine: Engine) -> None:
    engine.price("BTC/USDT:USDT", "95000")
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "200"},
                    dca={"enabled": True, "safety_order_usdt": "100", "max_safety_orders": 3,
                         "deviation_pct": "2"})
    (decision,) = _decide(engine,
                          "#BTC/USDT SHORT\nEntry: 95000\nTargets: 90000\nStop: 96000\n5x")
    assert decision.outcome == "executed", decision.reason
    assert "planned" not in decision.reason
    (p,) = engine.positions("u1")
    assert p.extra["dca_levels"] == []
    assert "DCA level 1 left out: at 96900 it lies at or past the stop loss 96000" in \
        decision.reason


# --- 4. DCA on a plan without it --------------------------------------------------------------

def test_dca_on_the_free_plan_trades_without_levels_and_says_so(engine: Engine) -> None:
    engine.price(ETH, "100")
    engine.add_user("u1", PlanName.FREE, general={"auto_trade": True},
                    risk={"position_size_usdt": "100"},
                    dca={"enabled": True, "max_safety_orders": 2})
    (decision,) = _decide(engine, "#ETH/USDT LONG\nEntry: 100\nTargets: 104\nStop: 95\n5x")
    assert decision.outcome == "executed", decision.reason
    assert decision.reason.endswith(
        "DCA is not part of the free plan: traded without DCA levels.")
    (p,) = engine.positions("u1")
    assert p.extra["dca_levels"] == [] and p.extra["dca_execution"] is None


def test_a_lapsed_pro_plan_trades_without_dca(engine: Engine) -> None:
    engine.add_user("u1", PlanName.PRO, general={"auto_trade": True},
                    risk={"position_size_usdt": "100"},
                    dca={"enabled": True, "max_safety_orders": 2})
    engine.clock.advance(31 * 86400)  # the 30-day subscription lapsed: free from now on
    engine.price(ETH, "100")
    (decision,) = _decide(engine, "#ETH/USDT LONG\nEntry: 100\nTargets: 104\nStop: 95\n5x")
    assert decision.outcome == "executed", decision.reason
    assert "DCA is not part of the free plan" in decision.reason


# --- 5. coin names in the symbol lists --------------------------------------------------------

def test_a_blacklisted_coin_and_a_whitelist_of_coins(engine: Engine) -> None:
    engine.price("XRP/USDT:USDT", "2")
    engine.price(ETH, "100")
    engine.add_user("u1", general={"auto_trade": True}, risk={
        "position_size_usdt": "100", "symbol_blacklist": ["xrp"],
        "symbol_whitelist": ["BTC", "ETH", "XRP"]})
    (xrp,) = _decide(engine, "#XRP/USDT LONG\nEntry: 2\nTargets: 2.1\nStop: 1.95\n5x")
    assert (xrp.outcome, xrp.code) == ("skipped", "symbol_blacklisted")
    (eth,) = _decide(engine, "#ETH/USDT LONG\nEntry: 100\nTargets: 104\nStop: 95\n5x")
    assert eth.outcome == "executed", eth.reason


# --- 6. sentences -----------------------------------------------------------------------------

def test_a_single_entry_outside_the_collar_is_named_as_a_price(engine: Engine) -> None:
    engine.price(ETH, "2900")
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "100"})
    (decision,) = _decide(engine, "#ETH/USDT LONG\nEntry: 2700\nTargets: 3000\nStop: 2600\n5x")
    assert decision.code == "price_outside_collar"
    assert "away from the entry 2700;" in decision.reason


def test_the_daily_loss_skip_and_the_pause_it_starts_read_cleanly(engine: Engine) -> None:
    engine.price(ETH, "100")
    engine.price("SOL/USDT:USDT", "150")
    engine.add_user("u1", general={"auto_trade": True},
                    risk={"position_size_usdt": "300", "max_daily_loss_pct": "0.1"})
    (opened,) = _decide(engine, "#ETH/USDT LONG\nEntry: 100\nTargets: 120\nStop: 95\n5x")
    assert opened.outcome == "executed", opened.reason
    engine.tick(ETH, "94")  # the stop closes it at a loss
    assert engine.positions("u1") == []
    sol = "#SOL/USDT LONG\nEntry: 150\nTargets: 160\nStop: 145\n5x"
    (first,) = _decide(engine, sol)
    assert first.code == "max_daily_loss"
    assert first.reason.startswith("Today's loss of ")
    loss = first.reason.removeprefix("Today's loss of ").split(" USDT")[0]
    assert Decimal(loss) == Decimal(loss).quantize(Decimal("0.01"))  # to the cent
    assert first.reason.endswith("; new positions are paused until 2026-01-02 00:00 UTC.")
    assert ".." not in first.reason
    (later,) = _decide(engine, sol.replace("150", "151"))
    assert later.code == "paused_user"
    assert later.reason.startswith("Your new positions are paused until 2026-01-02 00:00 UTC: ")
    assert ".." not in later.reason and "+00:00" not in later.reason
    assert later.reason.count("2026-01-02") == 1  # the pause's date, not the cause's again
