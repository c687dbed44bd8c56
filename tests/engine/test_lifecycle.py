"""Price paths through the real engine: DCA levels, take profit, stop loss, partial targets
with move-to-breakeven, trailing take profit, shorts."""

from __future__ import annotations

from decimal import Decimal

from tests.engine.conftest import Engine
from verzek.domain.models import CloseReason, PositionStatus, SignalSource
from verzek.engine.notifier import EventKind

D = Decimal
SYM = "ETH/USDT:USDT"
TAKER = D("0.0005")  # binance perpetual taker fee in the bundled snapshot
MAKER = D("0.0002")


def _fees(engine: Engine) -> tuple[D, D]:
    m = engine.paper("u1").market(SYM)
    return m.taker_fee, m.maker_fee


def _open(engine: Engine, text: str, **settings: object) -> None:
    engine.add_user("u1", general={"auto_trade": True}, **settings)
    result = engine.trading.submit_text(text, SignalSource(kind="api"))
    assert [d.outcome for d in result.decisions] == ["executed"], result.decisions


def _closed(engine: Engine) -> object:
    (closed,) = engine.runtime.positions.closed_positions("u1")
    return closed


def test_dca_three_levels_then_take_profit(engine: Engine) -> None:
    engine.price(SYM, "100")
    _open(engine, "#ETH/USDT LONG\nEntry: 100\nStop: 90\nLeverage 10x",
          risk={"position_size_usdt": "100", "price_collar_pct": "50"},
          strategy={"take_profit_mode": "percent", "take_profit_pct": "2",
                    "stop_loss_mode": "signal"},
          dca={"enabled": True, "max_safety_orders": 3, "safety_order_usdt": "50",
               "deviation_pct": "1.5", "step_scale": "1.2", "volume_scale": "1.5"})
    taker, maker = _fees(engine)
    (p,) = engine.positions("u1")
    levels = {int(lv["level"]): lv for lv in p.extra["dca_levels"]}
    assert [levels[i]["price"] for i in (1, 2, 3)] == ["98.50", "96.70", "94.54"]
    fills = [(D("100"), D("1.000"), taker)]
    for n in (1, 2, 3):
        engine.tick(SYM, levels[n]["price"])
        fills.append((D(levels[n]["price"]), D(levels[n]["quantity"]), maker))
        (p,) = engine.positions("u1")
        assert p.dca_levels_filled == n
    qty = sum(q for _, q, _ in fills)
    cost = sum(px * q for px, q, _ in fills)
    avg = cost / qty
    (p,) = engine.positions("u1")
    assert p.quantity == qty and p.average_entry == avg
    (tp,) = [o for o in p.orders if o.leg.startswith("tp") and o.status.value == "open"]
    assert tp.leg == "tp1r3" and tp.quantity == qty
    tp_price = tp.price
    assert tp_price == engine.paper("u1").price_to_precision(SYM, avg * D("1.02"))
    engine.tick(SYM, "99.50")
    closed = _closed(engine)
    entry_fees = sum(px * q * r for px, q, r in fills)
    exit_fee = tp_price * qty * maker
    assert closed.close_reason is CloseReason.TAKE_PROFIT
    assert closed.fees_usdt == entry_fees + exit_fee
    # exactly the proceeds less the cost and the fees: no residue of the rounded average
    assert closed.realised_pnl_usdt == tp_price * qty - cost - entry_fees - exit_fee
    assert closed.realised_pnl_usdt == closed.realised_pnl_usdt.quantize(D("1E-12"))
    kinds = [e.kind for e in engine.events.events]
    assert kinds.count(EventKind.DCA_FILLED) == 3
    assert EventKind.POSITION_CLOSED in kinds
    stats = engine.trading.user_stats("u1")
    assert stats["today"]["trades"] == 1 and stats["today"]["wins"] == 1
    assert D(stats["today"]["realised_pnl_usdt"]) == closed.realised_pnl_usdt
    # nothing left resting on the paper exchange
    assert engine.paper("u1").fetch_open_orders() == []


def test_short_mirrors_the_long(engine: Engine) -> None:
    engine.price(SYM, "100")
    _open(engine, "#ETH/USDT SHORT\nEntry: 100\nStop: 110\nLeverage 10x",
          risk={"position_size_usdt": "100", "price_collar_pct": "50"},
          strategy={"take_profit_mode": "percent", "take_profit_pct": "2"},
          dca={"enabled": True, "max_safety_orders": 2, "safety_order_usdt": "50",
               "deviation_pct": "1.5", "step_scale": "1.2", "volume_scale": "1.5"})
    (p,) = engine.positions("u1")
    levels = {int(lv["level"]): lv for lv in p.extra["dca_levels"]}
    assert [levels[i]["price"] for i in (1, 2)] == ["101.50", "103.30"]
    engine.tick(SYM, "101.50")
    engine.tick(SYM, "103.30")
    (p,) = engine.positions("u1")
    assert p.dca_levels_filled == 2 and p.average_entry < D("103.30")
    engine.tick(SYM, "95")
    closed = _closed(engine)
    assert closed.close_reason is CloseReason.TAKE_PROFIT and closed.realised_pnl_usdt > 0
    assert closed.quantity == 0


def test_stop_loss_path(engine: Engine) -> None:
    engine.price(SYM, "100")
    _open(engine, "#ETH/USDT LONG\nEntry: 100\nTarget: 110\nStop: 95\nLeverage 5x",
          risk={"position_size_usdt": "100"})
    taker, _ = _fees(engine)
    engine.tick(SYM, "94")
    closed = _closed(engine)
    assert closed.close_reason is CloseReason.STOP_LOSS
    # stop-market fills at the market price when triggered (no slippage in these tests)
    assert closed.realised_pnl_usdt == (D("94") - D("100")) * D("1.000") - \
        D("100") * taker - D("94") * taker
    assert EventKind.STOP_HIT in [e.kind for e in engine.events.events]
    assert engine.trading.user_stats("u1")["today"]["losses"] == 1


def test_spot_stop_is_monitored_and_closes_at_market(engine: Engine) -> None:
    engine.price("ETH/USDT", "100")
    _open(engine, "#ETH/USDT BUY spot\nEntry: 100\nTarget: 110\nStop: 95",
          risk={"position_size_usdt": "100"})
    (p,) = engine.positions("u1")
    assert p.market_type.value == "spot"
    assert not any(o.leg.startswith("sl") for o in p.orders)
    engine.tick("ETH/USDT", "94")
    closed = _closed(engine)
    assert closed.close_reason is CloseReason.STOP_LOSS and closed.quantity == 0


def test_partial_targets_with_move_to_breakeven(engine: Engine) -> None:
    engine.price(SYM, "100")
    _open(engine, "#ETH/USDT LONG\nEntry: 100\nTargets: 105, 110, 120\nStop: 91\n10x",
          risk={"position_size_usdt": "300"},
          strategy={"tp_distribution": "explicit", "tp_distribution_pcts": ["30", "30", "40"],
                    "move_sl_to_breakeven_after_tp1": True})
    (p,) = engine.positions("u1")
    tps = sorted((o for o in p.orders if o.leg.startswith("tp")), key=lambda o: o.leg)
    assert [o.quantity for o in tps] == [D("0.900"), D("0.900"), D("1.200")]
    engine.tick(SYM, "105")
    (p,) = engine.positions("u1")
    assert p.targets[0].hit and p.quantity == D("2.100")
    assert p.stop_loss == p.average_entry  # breakeven
    live_sl = [o for o in p.orders if o.leg.startswith("sl") and o.status.value == "open"]
    assert [o.stop_price for o in live_sl] == [p.average_entry]
    engine.tick(SYM, "110")
    engine.tick(SYM, "100")  # back to breakeven: the rest stops out at entry
    closed = _closed(engine)
    assert closed.quantity == 0
    assert [t.hit for t in closed.targets] == [True, True, False]
    assert EventKind.TARGET_HIT in [e.kind for e in engine.events.events]


def test_trailing_take_profit(engine: Engine) -> None:
    engine.price(SYM, "100")
    _open(engine, "#ETH/USDT LONG\nEntry: 100\nStop: 91\n10x",
          risk={"position_size_usdt": "100", "price_collar_pct": "50"},
          strategy={"take_profit_mode": "percent", "take_profit_pct": "50",
                    "trailing_tp_activation_pct": "5", "trailing_tp_callback_pct": "2"})
    (p,) = engine.positions("u1")
    assert not any(o.leg.startswith("tp") for o in p.orders)  # trailing: monitored
    for price in ("103", "106", "110", "108.5"):
        engine.tick(SYM, price)
        assert engine.positions("u1"), price
    engine.tick(SYM, "107.7")  # 2% below the 110 high
    closed = _closed(engine)
    assert closed.close_reason is CloseReason.TAKE_PROFIT
    assert closed.realised_pnl_usdt > D("7")


def test_manual_close(engine: Engine) -> None:
    engine.price(SYM, "100")
    _open(engine, "#ETH/USDT LONG\nEntry: 100\nTarget: 120\nStop: 91\n10x")
    (p,) = engine.positions("u1")
    engine.price(SYM, "101")
    closed = engine.trading.close_position("u1", p.id)
    assert closed.status is PositionStatus.CLOSED
    assert closed.close_reason is CloseReason.MANUAL
    assert engine.paper("u1").fetch_open_orders() == []


def test_liquidation_closes_the_position_and_cleans_up(engine: Engine) -> None:
    engine.price(SYM, "100")
    _open(engine, "#ETH/USDT LONG\nEntry: 100\nTarget: 120\nStop: 80\nLeverage 10x",
          risk={"position_size_usdt": "100", "price_collar_pct": "50"},
          strategy={"stop_loss_mode": "none"})  # a stop beyond liquidation is refused
    engine.tick(SYM, "85")  # through the ~90.5 liquidation price before the stop
    closed = _closed(engine)
    assert closed.close_reason is CloseReason.LIQUIDATED and closed.quantity == 0
    assert closed.realised_pnl_usdt < 0
    assert engine.paper("u1").fetch_open_orders() == []
    assert engine.trading.user_stats("u1")["today"]["losses"] == 1
    assert EventKind.POSITION_CLOSED in [e.kind for e in engine.events.events]


def test_dca_and_stop_filled_in_one_pass_lose_no_fill(engine: Engine) -> None:
    engine.price(SYM, "100")
    _open(engine, "#ETH/USDT LONG\nEntry: 100\nTarget: 120\nStop: 98\nLeverage 5x",
          risk={"position_size_usdt": "100"},
          dca={"enabled": True, "max_safety_orders": 1, "safety_order_usdt": "50",
               "deviation_pct": "1.5"})
    engine.tick(SYM, "97")  # the DCA buy at 98.50 and the stop at 98 fill in the same pass
    engine.tick(SYM, "97")  # the stop re-placed for what the DCA added fills too
    closed = _closed(engine)
    assert closed.quantity == 0 and closed.close_reason is CloseReason.STOP_LOSS
    paper = engine.paper("u1")
    ours = {f["trade_id"] for f in paper.fetch_fills() if f["client_order_id"] != "liquidation"}
    assert ours == {f.trade_id for f in closed.fills}  # every exchange fill is counted
    assert paper.fetch_positions() == []  # nothing left open on the exchange


def test_two_dca_levels_and_the_stop_filled_in_one_pass_then_a_fast_target(
        engine: Engine) -> None:
    """The crash campaign's case: a jump fills both DCA sells and the stop of a short at once,
    and the market is back below the targets before they are re-placed. Every fill counts
    before anything is re-armed, so the targets are sized for what the exchange holds and the
    position never closes while the exchange still holds some of it."""
    engine.price(SYM, "100")
    _open(engine, "#ETH/USDT SHORT\nEntry: 100\nTargets: 97 - 96\nStop: 103\nLeverage 5x",
          risk={"position_size_usdt": "100"},
          dca={"enabled": True, "max_safety_orders": 2, "safety_order_usdt": "50",
               "deviation_pct": "1", "execution": "limit"})
    (position,) = engine.positions("u1")
    assert sorted(o.leg for o in position.orders if o.status.value == "open") == \
        ["dca1", "dca2", "slr0", "tp1r0", "tp2r0"]
    paper = engine.paper("u1")
    engine.price(SYM, "104")
    paper.process_prices()  # DCA sells at 101 and 102.01, and the stop at 103, all fill
    engine.price(SYM, "95")  # and the market is below both targets before we look
    engine.trading.monitor.sync_orders()
    held = sum((p.quantity for p in paper.fetch_positions()), D(0))
    ours = engine.positions("u1") + engine.runtime.positions.closed_positions("u1")
    open_qty = sum((p.quantity for p in ours if p.status is not PositionStatus.CLOSED), D(0))
    assert open_qty == held  # what we track is what the exchange holds
    fills = {f["trade_id"] for f in paper.fetch_fills() if f["client_order_id"] != "liquidation"}
    assert fills == {f.trade_id for p in ours for f in p.fills}  # none ignored


def test_a_dca_buy_filled_after_the_target_closed_the_position_is_flattened(
        engine: Engine) -> None:
    """The target fills, then the market falls through a DCA buy before the engine cancels
    it: the exchange holds that buy while the position is closed. The position reopens for
    it and closes it at market, so the exchange holds nothing the engine does not track."""
    engine.price(SYM, "100")
    _open(engine, "#ETH/USDT LONG\nEntry: 100\nTargets: 104\nStop: 81\nLeverage 5x",
          risk={"position_size_usdt": "100"},
          dca={"enabled": True, "max_safety_orders": 1, "safety_order_usdt": "50",
               "deviation_pct": "2", "execution": "limit"})
    (position,) = engine.positions("u1")
    assert sorted(o.leg for o in position.orders if o.status.value == "open") == \
        ["dca1", "slr0", "tp1r0"]
    paper = engine.paper("u1")
    engine.price(SYM, "104")
    paper.process_prices()  # the target fills: the exchange position is flat
    engine.clock.advance(1)
    engine.price(SYM, "97")
    paper.process_prices()  # the DCA buy at 98 fills before anyone cancels it
    engine.trading.monitor.sync_orders()
    assert engine.positions("u1") == []
    assert sum((p.quantity for p in paper.fetch_positions()), D(0)) == 0  # nothing left over
    closed = _closed(engine)
    assert closed.close_reason is CloseReason.TAKE_PROFIT  # type: ignore[attr-defined]
    legs = [o.leg for o in closed.orders if o.filled_quantity > 0]  # type: ignore[attr-defined]
    assert sorted(legs) == ["dca1", "entry", "flat0", "tp1r0"]
    fills = {f["trade_id"] for f in paper.fetch_fills() if f["client_order_id"] != "liquidation"}
    assert fills == {f.trade_id for f in closed.fills}  # type: ignore[attr-defined]
    dca = next(o for o in closed.orders if o.leg == "dca1")  # type: ignore[attr-defined]
    flat = next(o for o in closed.orders if o.leg == "flat0")  # type: ignore[attr-defined]
    assert flat.filled_quantity == dca.filled_quantity > 0
    # PnL counts the late round trip (bought at 98, sold at 97) and every fee
    side = {o.client_order_id: o.side.value for o in closed.orders}  # type: ignore[attr-defined]
    cash = sum(((1 if side[f.client_order_id] == "sell" else -1) * f.price * f.quantity
                - f.fee_usdt for f in closed.fills), D(0))  # type: ignore[attr-defined]
    assert closed.realised_pnl_usdt == cash  # type: ignore[attr-defined]
    kinds = [e.kind for e in engine.events.events if e.user_id == "u1"]
    assert EventKind.ATTENTION in kinds and kinds.count(EventKind.POSITION_CLOSED) == 1
