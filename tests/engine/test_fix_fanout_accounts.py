"""A user trading every enabled account gets one decision per account and every position
opened is protected at once; an entry that failed is told to the user; an entry is never sent
at leverage or margin the exchange did not confirm (audit 6, findings 8, 11 and 12)."""

from __future__ import annotations

from typing import Any

from tests.engine.conftest import Engine
from verzek.domain.models import (
    ExchangeAccount,
    ExchangeName,
    MarketType,
    OrderType,
    SignalSource,
    TradingMode,
)
from verzek.engine.notifier import EventKind
from verzek.errors import ExchangeError, ExchangeUnavailable, InvalidOrder
from verzek.exchanges.base import OrderRequest, OrderResult
from verzek.exchanges.faults import FaultyExchange

SYM = "ETH/USDT:USDT"
SIGNAL = "#ETH/USDT LONG\nEntry: 100\nTargets: 110 120\nStop: 91\nLeverage 10x"


def _two_accounts(engine: Engine) -> None:
    now = engine.clock.now()
    accounts = [ExchangeAccount(id=f"acc{i}", user_id="u1", exchange=ExchangeName.BINANCE,
                                market_type=MarketType.FUTURES, mode=TradingMode.DEMO,
                                status="verified", created_at=now, label=f"main{i}")
                for i in (1, 2)]
    engine.add_user("u1", general={"auto_trade": True, "trade_all_accounts": True},
                    risk={"position_size_usdt": "100"})
    engine.runtime.users.update("u1", lambda u: u.model_copy(
        update={"exchange_accounts": accounts}))
    engine.price(SYM, "100")


def _resting(engine: Engine, account_id: str) -> set[OrderType]:
    (position,) = [p for p in engine.positions("u1") if p.account_id == account_id]
    return {o.type for o in position.orders if o.status.value == "open"}


def test_every_account_traded_has_its_decision_and_its_protection(engine: Engine) -> None:
    _two_accounts(engine)
    result = engine.trading.submit_text(SIGNAL, SignalSource(kind="api"))
    by_account = {d.account_id: d for d in result.decisions}
    assert set(by_account) == {"acc1", "acc2"}
    assert all(d.outcome == "executed" and d.position_id for d in by_account.values())
    assert by_account["acc1"].position_id != by_account["acc2"].position_id
    # both protected by the fan-out itself, not a later order-sync pass
    for account_id in ("acc1", "acc2"):
        assert {OrderType.LIMIT, OrderType.STOP_MARKET} <= _resting(engine, account_id)
    # the signal's record keeps both decisions too
    record = engine.trading.get_signal(result.signal_id)
    assert sorted(d["account_id"] for d in record.decisions) == ["acc1", "acc2"]


def test_a_failed_entry_on_one_account_is_that_accounts_decision_and_told(
        engine: Engine) -> None:
    _two_accounts(engine)

    class RefusesAcc2(FaultyExchange):
        def create_order(self, req: OrderRequest) -> OrderResult:
            if self.inner.account_id == "acc2" and not req.reduce_only:
                raise InvalidOrder("refused (test)")
            return super().create_order(req)

    engine.trading.pool.wrap = lambda inner: RefusesAcc2(inner, rate=0.0, clock=engine.clock)
    result = engine.trading.submit_text(SIGNAL, SignalSource(kind="api"))
    by_account = {d.account_id: d for d in result.decisions}
    assert by_account["acc1"].outcome == "executed"
    assert by_account["acc2"].outcome == "failed" and by_account["acc2"].code == "entry_failed"
    # the exchange's own reason is passed on, not only "rejected"
    assert "refused (test)" in by_account["acc2"].reason, by_account["acc2"].reason
    assert {OrderType.LIMIT, OrderType.STOP_MARKET} <= _resting(engine, "acc1")
    (told,) = engine.events.of_kind(EventKind.ATTENTION)
    assert told.user_id == "u1" and told.data["code"] == "entry_failed"
    assert "refused (test)" in told.message
    assert told.data["account_id"] == "acc2" and "main2" in told.message


class Settings(FaultyExchange):
    """Counts orders sent; `configure_futures` answers with `error` when set."""

    error: Exception | None = None
    sent: list[str] = []

    def configure_futures(self, symbol: str, *, leverage: Any, margin_mode: Any) -> None:
        if Settings.error is not None:
            raise Settings.error
        super().configure_futures(symbol, leverage=leverage, margin_mode=margin_mode)

    def create_order(self, req: OrderRequest) -> OrderResult:
        Settings.sent.append(req.client_order_id)
        return super().create_order(req)


def _settings_engine(engine: Engine, error: Exception | None) -> None:
    Settings.error, Settings.sent = error, []
    engine.trading.pool.wrap = lambda inner: Settings(inner, rate=0.0, clock=engine.clock)
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "100"})
    engine.price(SYM, "100")


def test_leverage_the_exchange_refused_skips_the_user_and_sends_nothing(
        engine: Engine) -> None:
    _settings_engine(engine, ExchangeError("leverage 10 is not allowed (test)"))
    result = engine.trading.submit_text(SIGNAL, SignalSource(kind="api"))
    (decision,) = result.decisions
    assert decision.outcome == "skipped" and decision.code == "leverage_not_set"
    assert "10x" in decision.reason and "no order was sent" in decision.reason
    assert Settings.sent == [] and engine.positions("u1") == []
    (skipped,) = engine.events.of_kind(EventKind.SIGNAL_SKIPPED)
    assert skipped.data["code"] == "leverage_not_set"


def test_leverage_not_answered_skips_the_user_too(engine: Engine) -> None:
    _settings_engine(engine, ExchangeUnavailable("503 (test)"))
    (decision,) = engine.trading.submit_text(SIGNAL, SignalSource(kind="api")).decisions
    assert decision.outcome == "skipped" and decision.code == "leverage_not_set"
    assert Settings.sent == [] and engine.positions("u1") == []

