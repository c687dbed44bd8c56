"""A position stays on the exchange it was opened on: one opened in demo is closed, protected
and reconciled on paper after its owner switches to live, never on their real account
(audit 6, finding 2)."""

from __future__ import annotations

from decimal import Decimal

from tests.engine.conftest import Engine
from verzek.domain.models import (
    ExchangeAccount,
    ExchangeName,
    MarketType,
    OrderSide,
    OrderType,
    PositionStatus,
    SignalSource,
    TradingMode,
)
from verzek.engine.pool import is_paper_client
from verzek.exchanges.base import Exchange, OrderRequest
from verzek.exchanges.faults import FaultyExchange


def _demo_user_with_live_account(engine: Engine, market: MarketType) -> list[tuple[str, bool]]:
    """u1 trades in demo and has a live account (no keys); returns the clients built, as
    (account id, on paper), as the pool builds them."""
    built: list[tuple[str, bool]] = []

    def wrap(inner: Exchange) -> Exchange:
        built.append((getattr(inner, "account_id", "?"), is_paper_client(inner)))
        return FaultyExchange(inner, rate=0.0, clock=engine.clock)

    engine.trading.pool.wrap = wrap  # sees every client built (a live one without keys fails)
    account = ExchangeAccount(id="bn1", user_id="u1", exchange=ExchangeName.BINANCE,
                              market_type=market, mode=TradingMode.LIVE, status="verified",
                              created_at=engine.clock.now())
    engine.add_user("u1", general={"auto_trade": True, "mode": "demo"},
                    risk={"position_size_usdt": "100"})
    engine.runtime.users.update("u1", lambda u: u.model_copy(
        update={"exchange_accounts": [account]}))
    return built


def _go_live(engine: Engine) -> None:
    engine.runtime.users.update("u1", lambda u: u.model_copy(update={"settings": (
        u.settings.model_copy(update={"general": u.settings.general.model_copy(
            update={"mode": TradingMode.LIVE})}))}))


def test_a_demo_position_is_closed_on_paper_after_the_user_goes_live(engine: Engine) -> None:
    built = _demo_user_with_live_account(engine, MarketType.SPOT)
    engine.price("ETH/USDT", "100")
    engine.trading.submit_text("#ETH/USDT LONG\nEntry: 100\nTargets: 110\nStop: 91\nSpot",
                               SignalSource(kind="api"))
    (position,) = engine.positions("u1")
    assert position.mode is TradingMode.DEMO and position.quantity > 0
    _go_live(engine)
    closed = engine.trading.close_position("u1", position.id)
    assert closed.status is PositionStatus.CLOSED
    assert built == [("bn1", True)]  # the real account was never even built


def test_the_pool_keeps_one_client_per_account_and_mode(engine: Engine) -> None:
    _demo_user_with_live_account(engine, MarketType.FUTURES)
    pool = engine.trading.pool
    user = engine.runtime.users.get("u1")
    (account,) = user.exchange_accounts
    paper = pool.get(user, account, paper=True)
    assert pool.get(user, account) is paper  # a demo user: paper by default
    assert pool.cached("bn1", True) is paper and pool.cached("bn1", False) is None
    _go_live(engine)
    live_user = engine.runtime.users.get("u1")
    assert pool.get(live_user, account, paper=True) is paper


def test_reconciliation_checks_a_demo_position_on_paper_after_the_user_goes_live(
        engine: Engine) -> None:
    _demo_user_with_live_account(engine, MarketType.FUTURES)
    sym = "ETH/USDT:USDT"
    engine.price(sym, "100")
    engine.trading.submit_text("#ETH/USDT LONG\nEntry: 100\nTargets: 110\nStop: 91",
                               SignalSource(kind="api"))
    (position,) = engine.positions("u1")
    _go_live(engine)
    user = engine.runtime.users.get("u1")
    paper = engine.trading.pool.get(user, user.exchange_accounts[0], paper=True)
    # closed on the (paper) exchange outside the engine
    paper.create_order(OrderRequest(symbol=sym, side=OrderSide.SELL, type=OrderType.MARKET,
                                    quantity=position.quantity, reduce_only=True,
                                    client_order_id="manual-close-1"))
    engine.price(sym, Decimal("101"))
    counts = engine.trading.reconciler.run_once()
    assert counts["closed_outside"] == 1 and engine.positions("u1") == []


def test_a_user_gone_live_still_sees_the_paper_account_of_their_demo_positions(
        engine: Engine) -> None:
    """Its margin is held there until they close: the balance view listed no account and
    setting the demo balance was 409 no_demo_account."""
    engine.price("ETH/USDT:USDT", "100")
    engine.add_user("u2", general={"auto_trade": True, "mode": "demo"},
                    risk={"position_size_usdt": "100"})
    engine.trading.submit_text("#ETH/USDT LONG\nEntry: 100\nTargets: 110\nStop: 91\n5x",
                               SignalSource(kind="api"))
    (position,) = engine.positions("u2")
    engine.runtime.users.update("u2", lambda u: u.model_copy(update={"settings": (
        u.settings.model_copy(update={"general": u.settings.general.model_copy(
            update={"mode": TradingMode.LIVE})}))}))
    (entry,) = engine.trading.demo_balances("u2")
    assert entry["account_id"] == position.account_id
    assert Decimal(entry["usdt"]["used"]) > 0  # the position's margin
    (after,) = engine.trading.set_demo_balance("u2", Decimal("5000"))
    assert Decimal(after["usdt"]["free"]) == Decimal("5000")
    assert engine.trading.close_position("u2", position.id).status is PositionStatus.CLOSED
    assert engine.trading.demo_balances("u2") == []  # closed: a live user has none
