"""A position's stop follows the rule it was opened with: a change of the user's strategy
settings is for later trades. Switching the stop mode to "none" removed an open position's
stop at its next DCA fill (its stop order cancelled, never placed again, on a position now
twice the size), and switching to "signal" moved a percent stop out to the call's wider one;
both unasked and untold."""

from __future__ import annotations

from decimal import Decimal

from tests.engine.conftest import Engine
from verzek.domain.models import SignalSource

SYM = "ETH/USDT:USDT"
D = Decimal


def _open(engine: Engine, **strategy: object) -> None:
    engine.price(SYM, "100")
    engine.add_user("u1", general={"auto_trade": True},
                    risk={"position_size_usdt": "100", "price_collar_pct": "50"},
                    dca={"enabled": True, "max_safety_orders": 2, "safety_order_usdt": "100",
                         "deviation_pct": "2", "execution": "limit"},
                    strategy=strategy)
    opened = engine.trading.submit_text("#ETH/USDT LONG\nEntry: 100\nTarget: 110\nStop: 90\n5x",
                                        SignalSource(kind="api"))
    assert [d.outcome for d in opened.decisions] == ["executed"]


def _change_strategy(engine: Engine, **values: object) -> None:
    def change(user):  # type: ignore[no-untyped-def]
        strategy = user.settings.strategy.model_copy(update=values)
        return user.model_copy(update={"settings": user.settings.model_copy(
            update={"strategy": strategy})})
    engine.runtime.users.update("u1", change)


def _stops(engine: Engine) -> list[tuple[Decimal | None, Decimal]]:
    """(stop price, quantity) of each live stop order of the position, as the exchange has
    them open."""
    (position,) = engine.positions("u1")
    resting = {o.client_order_id for o in engine.paper("u1").fetch_open_orders()}
    return [(o.stop_price, o.quantity) for o in position.orders
            if o.leg.startswith("sl") and o.client_order_id in resting]


def test_stop_mode_none_set_later_keeps_the_open_positions_stop(engine: Engine) -> None:
    _open(engine)  # the call's stop, 90
    (position,) = engine.positions("u1")
    assert position.stop_loss == D("90")
    _change_strategy(engine, stop_loss_mode="none")
    engine.tick(SYM, "97.9")  # DCA level 1 (98) fills
    (position,) = engine.positions("u1")
    assert position.dca_levels_filled == 1 and position.quantity > D("1")
    assert position.stop_loss == D("90")
    engine.clock.advance(15)
    engine.trading.sync_orders()
    assert _stops(engine) == [(D("90"), position.quantity)]


def test_a_percent_stop_is_not_moved_to_the_calls_wider_one(engine: Engine) -> None:
    _open(engine, stop_loss_mode="percent", stop_loss_pct="3", sl_recompute_on_dca=True)
    (position,) = engine.positions("u1")
    assert position.stop_loss == D("97")
    _change_strategy(engine, stop_loss_mode="signal")
    engine.tick(SYM, "97.9")  # DCA 1 fills: recomputed 3 % from the new average entry
    (position,) = engine.positions("u1")
    assert position.dca_levels_filled == 1
    assert position.stop_loss is not None and position.stop_loss > D("94")
    assert position.stop_loss == (position.average_entry * D("0.97")).quantize(D("0.01"))


def test_a_new_trade_takes_the_changed_settings(engine: Engine) -> None:
    _open(engine)
    _change_strategy(engine, stop_loss_mode="percent", stop_loss_pct="4")
    engine.price("BTC/USDT:USDT", "50000")
    engine.trading.submit_text("#BTC/USDT LONG\nEntry: 50000\nTarget: 52000\nStop: 45000\n5x",
                               SignalSource(kind="api"))
    btc = next(p for p in engine.positions("u1") if p.symbol == "BTC/USDT:USDT")
    assert btc.stop_loss == D("48000")
