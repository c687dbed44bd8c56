"""Strays are looked for on every account that may hold our orders, not only on clients built
already; a flagged stray is kept over restarts and told to its owner once (audit 6, finding
12)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from tests.engine.conftest import Engine, make_engine
from verzek.clock import ManualClock
from verzek.domain.models import (
    ExchangeAccount,
    ExchangeName,
    MarketType,
    OrderSide,
    OrderType,
    TradingMode,
)
from verzek.engine.notifier import EventKind
from verzek.exchanges.base import OrderRequest

SYM = "ETH/USDT:USDT"
STRAY = "vzstray0000000001"


def _user_with_account(engine: Engine, user_id: str, auto_trade: bool) -> ExchangeAccount:
    account = ExchangeAccount(id=f"acc-{user_id}", user_id=user_id,
                              exchange=ExchangeName.BINANCE, market_type=MarketType.FUTURES,
                              mode=TradingMode.DEMO, status="verified",
                              created_at=engine.clock.now())
    engine.add_user(user_id, general={"auto_trade": auto_trade})
    engine.runtime.users.update(user_id, lambda u: u.model_copy(
        update={"exchange_accounts": [account]}))
    return account


def _attention(engine: Engine) -> list[tuple[str | None, str | None]]:
    return [(e.user_id, e.data.get("client_order_id"))
            for e in engine.events.of_kind(EventKind.ATTENTION)]


def test_a_stray_on_an_account_no_client_was_built_for_is_flagged_kept_and_told_once(
        tmp_path: Path, clock: ManualClock) -> None:
    first = make_engine(tmp_path, clock)
    first.price(SYM, "100")
    account = _user_with_account(first, "u1", auto_trade=True)
    _user_with_account(first, "u2", auto_trade=False)  # neither trading nor holding
    user = first.runtime.users.get("u1")
    first.trading.pool.get(user, account).create_order(OrderRequest(
        symbol=SYM, side=OrderSide.BUY, type=OrderType.LIMIT, quantity=Decimal("0.1"),
        price=Decimal("50"), client_order_id=STRAY))
    first.runtime.stop()

    # after a restart: no client is built yet, nothing is journaled for this order
    second = make_engine(tmp_path, clock)
    try:
        second.price(SYM, "100")
        assert second.trading.pool.accounts() == []
        counts = second.trading.reconciler.run_once()
        assert counts["strays"] == 1
        flag = second.trading.reconciler.flagged[-1]
        assert flag["client_order_id"] == STRAY and flag["user_id"] == "u1"
        assert flag["account_id"] == account.id and flag["kind"] == "stray"
        assert _attention(second) == [("u1", STRAY)]
        assert second.trading.reconciler.run_once()["strays"] == 0
        assert len(_attention(second)) == 1
        assert second.trading.pool.cached("acc-u2", True) is None  # u2 was not scanned
    finally:
        second.runtime.stop()

    third = make_engine(tmp_path, clock)
    try:
        third.price(SYM, "100")
        assert [f["client_order_id"] for f in third.trading.reconciler.flagged] == [STRAY]
        assert third.trading.system_status()["flagged_orders"][-1]["client_order_id"] == STRAY
        assert third.trading.reconciler.run_once()["strays"] == 0  # not flagged again
        assert _attention(third) == []  # nor told again
    finally:
        third.runtime.stop()
