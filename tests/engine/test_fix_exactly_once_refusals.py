"""Refusals and failures feed the right breaker: a leg the exchange refuses for good is given
up (its owner told once), not re-sent every pass; one user's refused orders count against that
user only; transient failures are counted for the exchange's error rate; paper venues are
counted apart from live ones and never stop live trading; a trade's result counts without a
balance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from tests.engine.conftest import Engine
from verzek.domain.models import OrderSide, OrderType, SignalSource
from verzek.domain.safety import BreakerThresholds, OrderPurpose, SafetyManager
from verzek.engine.executor import OrderSpec, venue_of
from verzek.engine.notifier import EventKind
from verzek.engine.pool import demo_account
from verzek.errors import ExchangeError, ExchangeUnavailable, InvalidOrder
from verzek.exchanges.base import OrderRequest, OrderResult
from verzek.exchanges.faults import FaultyExchange

D = Decimal
SYM = "ETH/USDT:USDT"
SIGNAL = "#ETH/USDT LONG\nEntry: 100\nTargets: 110\nStop: 91"
T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)


class Refusing(FaultyExchange):
    """Refuses the orders `refuse` selects with `error`, counting them."""

    def __init__(self, inner: Any, **kw: Any) -> None:
        super().__init__(inner, rate=0.0, **kw)
        self.refuse: Any = lambda req: False
        self.error: Exception = InvalidOrder("binance -4131 PERCENT_PRICE filter (test)")
        self.refused: list[str] = []

    def create_order(self, req: OrderRequest) -> OrderResult:
        if self.refuse(req):
            self.refused.append(req.client_order_id)
            raise self.error
        return super().create_order(req)


def _refusing(engine: Engine, *, live: bool = False, refuse: Any = None,
              ) -> dict[str, Refusing]:
    made: dict[str, Refusing] = {}

    def wrap(inner: Any) -> Any:
        ex = Refusing(inner, clock=engine.clock)
        if refuse is not None:
            ex.refuse = refuse
        made[inner.account_id] = ex
        # a client that does not show its paper book stands for a live exchange
        return FaultyExchange(ex, rate=0.0, clock=engine.clock) if live else ex

    engine.trading.pool.wrap = wrap
    return made


def _users(engine: Engine, *ids: str) -> None:
    for uid in ids:
        engine.add_user(uid, general={"auto_trade": True},
                        risk={"position_size_usdt": "100", "price_collar_pct": "50"})


def _send(engine: Engine, uid: str, n: int, leg: str) -> None:
    user = engine.runtime.users.get(uid)
    from verzek.domain.models import MarketType

    account = demo_account(user, MarketType.FUTURES, engine.clock.now())
    exchange = engine.trading.pool.get(user, account)
    for i in range(n):
        engine.trading.manager._executor.send(
            exchange, OrderSpec(symbol=SYM, side=OrderSide.SELL, type=OrderType.LIMIT,
                                quantity=D("0.1"), price=D("150"), reduce_only=True),
            user_id=uid, account_id=account.id, position_id=f"p-{uid}",
            leg=f"{leg}{i}", purpose=OrderPurpose.REDUCE)


def test_a_take_profit_refused_for_good_is_given_up_not_resent_every_pass(
        engine: Engine) -> None:
    made = _refusing(engine, refuse=lambda req: req.reduce_only and
                     req.type is OrderType.LIMIT)  # every take profit
    engine.price(SYM, "100")
    _users(engine, "u1", "u2")
    engine.trading.submit_text(SIGNAL, SignalSource(kind="api"))
    for _ in range(12):
        engine.clock.advance(10)
        engine.trading.monitor.sync_orders()
    for uid in ("u1", "u2"):
        (p,) = engine.positions(uid)
        refused = p.extra["refused_legs"]["tp1r0"]
        assert refused["count"] == 3 and refused["code"] == "invalid_order"
        assert "not sent again" in p.extra["attention"]
    assert sorted(len(ex.refused) for ex in made.values()) == [3, 3]
    attention = engine.events.of_kind(EventKind.ATTENTION)
    assert sorted(e.user_id or "" for e in attention) == ["u1", "u2"]  # once each
    status = engine.trading.safety.status()
    assert status["new_positions_allowed"] and not status["platform_breaker"]["code"]
    _users(engine, "u3")
    r = engine.trading.submit_text("#ETH/USDT SHORT\nEntry: 100\nTargets: 90\nStop: 109",
                                   SignalSource(kind="api"))
    assert {d.user_id: d.code for d in r.decisions}["u3"] == "executed"


def test_one_users_refused_orders_trip_only_that_users_breaker(engine: Engine) -> None:
    made = _refusing(engine)
    engine.price(SYM, "100")
    _users(engine, "u1", "u2")
    _send(engine, "u1", 0, "warm")  # build the client
    for ex in made.values():
        ex.refuse = lambda req: True
    _send(engine, "u1", 10, "tpx")
    safety = engine.trading.safety
    assert safety.check_new_position("u2").allowed
    denied = safety.check_new_position("u1")
    assert not denied.allowed and denied.code == "breaker_order_refusals"
    assert not safety.status()["platform_breaker"]["code"]


def test_unexplained_refusals_of_a_live_venue_trip_the_platform_a_paper_ones_never(
        engine: Engine) -> None:
    engine.price(SYM, "100")
    _users(engine, "u1")
    paper = _refusing(engine)
    _send(engine, "u1", 0, "warm")
    (ex,) = paper.values()
    ex.refuse = lambda req: True
    ex.error = ExchangeError("binance: unmapped refusal (test)")
    _send(engine, "u1", 20, "pp")
    assert engine.trading.safety.check_new_position("u9").allowed
    assert engine.trading.safety.status()["exchange_errors"]["paper:binance"] == {
        "rejected": 20, "transient": 0}

    engine.trading.pool.wrap = None  # type: ignore[assignment]
    _users(engine, "u2")
    live = _refusing(engine, live=True)
    _send(engine, "u2", 0, "warm")
    (lex,) = live.values()
    lex.refuse = lambda req: True
    lex.error = ExchangeError("binance: unmapped refusal (test)")
    _send(engine, "u2", 10, "lv")
    denied = engine.trading.safety.check_new_position("u9")
    assert not denied.allowed and denied.code == "breaker_exchange_errors_platform"


def test_transient_send_failures_are_counted_for_the_exchange(engine: Engine) -> None:
    made = _refusing(engine)
    engine.price(SYM, "100")
    _users(engine, "u1")
    _send(engine, "u1", 0, "warm")
    (ex,) = made.values()
    ex.refuse = lambda req: True
    ex.error = ExchangeUnavailable("502 before the order was taken (test)")
    _send(engine, "u1", 1, "tr")  # proven absent twice, 60 s apart (the visibility window)
    assert len(ex.refused) == 2
    rates = engine.trading.safety.status()["exchange_errors"]  # the error window is 60 s
    assert rates == {"paper:binance": {"rejected": 0, "transient": 1}}


def test_venues_are_named_paper_apart_from_live(engine: Engine) -> None:
    engine.price(SYM, "100")
    _users(engine, "u1")
    assert venue_of(engine.paper("u1")) == ("paper:binance", True)


# --- the domain rules behind them --------------------------------------------------------------

def _at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_transient_bursts_trip_only_when_asked_and_never_from_paper() -> None:
    safety = SafetyManager()
    for i in range(50):  # counted by default, never tripping
        assert safety.record_exchange_error("bybit", _at(i / 10), transient=True).allowed
    assert len(safety.state.platform_breaker.errors) == 50
    safety.set_thresholds(BreakerThresholds(transient_error_burst=3, cooldown_s=None))
    for i in range(5):
        assert safety.record_exchange_error("paper:bybit", _at(100 + i), transient=True,
                                            paper=True).allowed
    assert safety.record_exchange_error("bybit", _at(120), transient=True).allowed
    assert safety.record_exchange_error("bybit", _at(121)).allowed  # a refusal: apart
    assert safety.record_exchange_error("bybit", _at(121), transient=True).allowed
    tripped = safety.record_exchange_error("bybit", _at(122), transient=True)
    assert not tripped.allowed and "failed transiently" in tripped.message
    assert safety.check_new_position("u1", _at(123)).code == "breaker_exchange_errors_platform"


def test_refusals_never_count_against_the_platform_or_another_user() -> None:
    safety = SafetyManager()
    safety.set_thresholds(BreakerThresholds(error_burst=3))
    for i in range(2):
        assert safety.record_order_refusal("u1", "binance", _at(i)).allowed
    tripped = safety.record_order_refusal("u1", "binance", _at(3))
    assert not tripped.allowed and tripped.code == "breaker_order_refusals"
    assert not safety.check_new_position("u1", _at(4)).allowed
    assert safety.check_new_position("u2", _at(4)).allowed
    assert safety.check_send("u1", _at(4), OrderPurpose.REDUCE).allowed


def test_a_result_without_a_balance_still_counts() -> None:
    safety = SafetyManager()
    safety.set_thresholds(BreakerThresholds(max_consecutive_losses=2, loss_pct=D("10")))
    assert safety.record_trade_result("u1", D(-1), None, T0).allowed
    tripped = safety.record_trade_result("u1", D(-1), None, _at(1))
    assert tripped.code == "breaker_consecutive_losses"
    other = SafetyManager()
    assert other.record_trade_result("u2", D(-50), D(1000), T0).allowed
    # the balance unread: measured against the capital the window's last result carried
    tripped = other.record_trade_result("u2", D(51), None, _at(1))
    assert tripped.allowed
    tripped = other.record_trade_result("u2", D(-120), None, _at(2))
    assert tripped.code == "breaker_loss"
