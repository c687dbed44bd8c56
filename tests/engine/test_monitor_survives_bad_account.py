"""One account's fault never stops the price monitor for everyone: an account whose market
type changed under its open orders (its paper client no longer lists their symbols) broke
every pass with a KeyError, and another user's stop was not acted on."""

from __future__ import annotations

from decimal import Decimal

from tests.engine.conftest import Engine
from verzek.domain.models import (
    CloseReason,
    ExchangeAccount,
    ExchangeName,
    MarketType,
    SignalSource,
    TradingMode,
)

FUT = "ETH/USDT:USDT"


def test_a_stop_is_acted_on_while_another_account_holds_unlisted_orders(
        engine: Engine) -> None:
    engine.price(FUT, "100")
    engine.price("LINK/USDT", "20")
    engine.add_user("u2", general={"auto_trade": True}, risk={"position_size_usdt": "100"},
                    strategy={"entry_type": "limit"})
    spot = ExchangeAccount(id="sp2", user_id="u2", exchange=ExchangeName.BINANCE,
                           market_type=MarketType.SPOT, mode=TradingMode.DEMO,
                           created_at=engine.clock.now())
    engine.runtime.users.update("u2", lambda u: u.model_copy(
        update={"exchange_accounts": [spot]}))
    result = engine.trading.submit_text(
        "#LINK/USDT LONG\nEntry: 19.5\nTarget: 25\nStop: 16\nSpot", SignalSource(kind="api"))
    assert [d.outcome for d in result.decisions] == ["executed"], result.decisions
    (resting,) = engine.positions("u2")  # a limit buy resting on LINK/USDT
    assert resting.quantity == 0 and resting.market_type is MarketType.SPOT
    # the account turned futures under it (as a PATCH once allowed): its client is rebuilt
    engine.runtime.users.update("u2", lambda u: u.model_copy(update={"exchange_accounts": [
        spot.model_copy(update={"market_type": MarketType.FUTURES})]}))
    engine.trading.set_demo_balance("u2", Decimal("5000"))  # builds its futures client
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "100"})
    engine.runtime.users.update("u2", lambda u: u.model_copy(update={"settings": (
        u.settings.model_copy(update={"general": u.settings.general.model_copy(
            update={"auto_trade": False})}))}))
    engine.trading.submit_text("#ETH/USDT LONG\nEntry: 100\nTarget: 110\nStop: 95\n5x",
                               SignalSource(kind="api"))
    assert len(engine.positions("u1")) == 1
    engine.tick(FUT, "94")  # through u1's stop
    engine.tick(FUT, "94")
    assert engine.positions("u1") == []
    (closed,) = engine.runtime.positions.closed_positions("u1")
    assert closed.close_reason is CloseReason.STOP_LOSS
    assert engine.trading.monitor.run_once()["positions"] >= 1  # the pass goes on
