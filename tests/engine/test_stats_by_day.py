"""Daily stats and the daily loss limit book every realised figure on the UTC day it happened,
once: a partial exit before midnight counts on its day, the close after midnight only what it
realised itself (an end-to-end review found the whole position's PnL on the close day, and
its partial loss counted against both days' limit)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.engine.conftest import Engine
from verzek.domain.models import (
    CloseReason,
    Fill,
    Order,
    OrderSide,
    OrderType,
    Position,
    PositionStatus,
    Side,
    SignalSource,
)
from verzek.domain.positions import apply_fill, close
from verzek.engine.stats import StatsBook

D = Decimal
SYM = "ETH/USDT:USDT"
DAY1, DAY2 = "2026-01-01", "2026-01-02"


def _submit(engine: Engine, text: str) -> Any:
    (decision,) = engine.trading.submit_text(text, SignalSource(kind="api")).decisions
    return decision


def _daily(engine: Engine) -> dict[str, dict[str, Any]]:
    return {d["date"]: d for d in engine.trading.user_stats("u1")["daily"]}


def _exit_pnl(fill: Fill, entry: Fill) -> Decimal:
    """A long's exit against its one entry, net of the exit's fee."""
    return (fill.price - entry.price) * fill.quantity - fill.fee_usdt


def test_targets_before_midnight_and_the_close_after_count_on_their_days(
        engine: Engine) -> None:
    engine.clock.advance(23 * 3600)  # 2026-01-01 23:00 UTC
    engine.price(SYM, "100")
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "300"},
                    strategy={"tp_distribution": "explicit",
                              "tp_distribution_pcts": ["30", "30", "40"]})
    assert _submit(engine, "#ETH/USDT LONG\nEntry: 100\nTargets: 105, 110, 120\nStop: 91\n"
                           "10x").outcome == "executed"
    engine.tick(SYM, "105")
    engine.tick(SYM, "110")  # TP1 and TP2 fill on day 1
    (p,) = engine.positions("u1")
    assert p.quantity == D("1.200")
    entry, tp1, tp2 = p.fills
    day1_pnl = -entry.fee_usdt + _exit_pnl(tp1, entry) + _exit_pnl(tp2, entry)
    day1_volume = sum((f.price * f.quantity for f in p.fills), D(0))
    # the partial exits are in day 1's figures while the position is still open
    today = engine.trading.user_stats("u1")["today"]
    assert D(today["realised_pnl_usdt"]) == day1_pnl > 0
    assert D(today["volume_usdt"]) == day1_volume == D("300") + D("94.5") + D("99")
    assert today["trades"] == 0
    assert engine.trading.stats.today("u1", engine.positions("u1"), engine.clock.now()) == \
        (1, day1_pnl)  # opened today and still open: a trade of today's for the limit

    engine.clock.advance(2 * 3600)  # 2026-01-02 01:00 UTC
    engine.price(SYM, "108")
    closed = engine.trading.close_position("u1", p.id)
    assert closed.status is PositionStatus.CLOSED
    last = closed.fills[-1]
    day2_pnl = _exit_pnl(last, entry)
    assert day1_pnl + day2_pnl == closed.realised_pnl_usdt
    daily = _daily(engine)
    assert D(daily[DAY1]["realised_pnl_usdt"]) == day1_pnl
    assert D(daily[DAY1]["volume_usdt"]) == day1_volume
    assert (daily[DAY1]["trades"], daily[DAY1]["wins"]) == (0, 0)
    assert D(daily[DAY2]["realised_pnl_usdt"]) == day2_pnl
    assert D(daily[DAY2]["volume_usdt"]) == D("1.2") * D("108")
    assert (daily[DAY2]["trades"], daily[DAY2]["wins"], daily[DAY2]["losses"]) == (1, 1, 0)
    all_time = engine.trading.user_stats("u1")["all_time"]
    assert D(all_time["realised_pnl_usdt"]) == closed.realised_pnl_usdt
    assert engine.trading.stats.today("u1", [], engine.clock.now()) == (1, day2_pnl)
    # after a restart the figures come back the same from the history
    rebuilt = StatsBook(engine.runtime.positions).summary("u1", engine.clock.now())
    assert {d["date"]: d for d in rebuilt["daily"]} == daily


def _loss_user(engine: Engine, **strategy: Any) -> None:
    engine.add_user("u1", general={"auto_trade": True}, strategy=strategy,
                    risk={"position_size_usdt": "1000", "max_daily_loss_pct": "1"})


def test_a_partial_loss_of_yesterday_does_not_count_against_todays_limit(
        engine: Engine) -> None:
    engine.clock.advance(23 * 3600)
    engine.price(SYM, "100")
    _loss_user(engine)
    assert _submit(engine, "#ETH/USDT LONG\nEntry: 100\nTarget: 150\nStop: 60\n2x"
                   ).outcome == "executed"
    engine.price(SYM, "80")
    assert _submit(engine, "Close 50% of #ETH now").outcome == "executed"
    (p,) = engine.positions("u1")
    assert p.quantity == D("5.000") and p.status is PositionStatus.PARTIALLY_CLOSED
    # day 1 lost about 100 USDT of 10,000: its limit (1 %) holds new trades back
    engine.price("SOL/USDT:USDT", "100")
    refused = _submit(engine, "#SOL/USDT LONG\nEntry: 100\nTarget: 150\nStop: 60\n2x")
    assert (refused.outcome, refused.code) == ("skipped", "max_daily_loss")

    engine.clock.advance(3600)  # 2026-01-02 00:00 UTC
    engine.price(SYM, "100")
    closed = engine.trading.close_position("u1", p.id)  # the rest closes at its entry
    assert closed.realised_pnl_usdt < D("-100")
    day2_pnl = -closed.fills[-1].fee_usdt
    assert engine.trading.stats.today("u1", [], engine.clock.now()) == (1, day2_pnl)
    assert D(_daily(engine)[DAY2]["realised_pnl_usdt"]) == day2_pnl
    taken = _submit(engine, "#SOL/USDT LONG\nEntry: 100\nTarget: 151\nStop: 61\n2x")
    assert taken.outcome == "executed", taken


def test_todays_loss_counts_in_full_whatever_yesterdays_partial_profit(engine: Engine) -> None:
    engine.clock.advance(23 * 3600)
    engine.price(SYM, "100")
    _loss_user(engine, tp_distribution="explicit", tp_distribution_pcts=["50", "50"])
    assert _submit(engine, "#ETH/USDT LONG\nEntry: 100\nTargets: 120, 150\nStop: 70\n2x"
                   ).outcome == "executed"
    engine.tick(SYM, "120")  # TP1: +100 USDT on day 1
    (p,) = engine.positions("u1")
    assert p.quantity == D("5.000")

    engine.clock.advance(3600)  # 2026-01-02 00:00 UTC
    engine.tick(SYM, "70")  # the rest stops out: -150 USDT on day 2, -50 for the trade
    (closed,) = engine.runtime.positions.closed_positions("u1")
    assert closed.close_reason is CloseReason.STOP_LOSS
    assert D("-100") < closed.realised_pnl_usdt < 0
    _, day2_pnl = engine.trading.stats.today("u1", [], engine.clock.now())
    assert day2_pnl == D("-150") - closed.fills[-1].fee_usdt
    daily = _daily(engine)
    assert (daily[DAY2]["trades"], daily[DAY2]["losses"]) == (1, 1)
    assert D(daily[DAY1]["realised_pnl_usdt"]) + day2_pnl == closed.realised_pnl_usdt
    engine.price("SOL/USDT:USDT", "100")
    refused = _submit(engine, "#SOL/USDT LONG\nEntry: 100\nTarget: 150\nStop: 60\n2x")
    assert (refused.outcome, refused.code) == ("skipped", "max_daily_loss")


# --- every realised figure on its day, whatever the path: a property ------------------------

T0 = datetime(2026, 3, 1, 20, tzinfo=UTC)


class Positions:
    """The position repository as the stats read it: the history, and the open positions."""

    def __init__(self, closed: list[Position], open_: list[Position]) -> None:
        self.closed, self.open = closed, open_

    def closed_positions(self, user_id: str) -> list[Position]:
        return list(self.closed)

    def open_positions(self, user_id: str) -> list[Position]:
        return list(self.open)


Step = tuple[bool, int, int, int, int]  # add?, price, quantity, fee in bp, hours after
step = st.tuples(st.booleans(), st.integers(1, 900), st.integers(1, 9), st.integers(0, 30),
                 st.integers(0, 20))
trade = st.tuples(st.sampled_from([Side.LONG, Side.SHORT]), st.integers(0, 60),
                  st.lists(step, min_size=1, max_size=8),
                  st.sampled_from(["open", "fill", "settle"]), st.integers(1, 900))


class Oracle:
    """What each UTC day should show, from the position's PnL as each fill moved it."""

    def __init__(self) -> None:
        self.days: dict[str, dict[str, Any]] = {}

    def add(self, at: datetime, field: str, amount: Decimal | int) -> None:
        day = self.days.setdefault(at.date().isoformat(), {
            "trades": 0, "realised_pnl_usdt": D(0), "volume_usdt": D(0)})
        day[field] += amount


def _build(n: int, side: Side, start_h: int, steps: list[Step], end: str, settle: int,
           oracle: Oracle) -> Position:
    opened = T0 + timedelta(hours=start_h)
    pos = Position(id=f"p{n}", user_id="u1", account_id="a1", exchange="binance",
                   market_type="futures", mode="demo", symbol="BTC/USDT:USDT", side=side,
                   opened_at=opened)
    opening = OrderSide.BUY if side is Side.LONG else OrderSide.SELL
    closing = OrderSide.SELL if side is Side.LONG else OrderSide.BUY
    at = opened
    for k, (add, price, qty, fee_bp, gap_h) in enumerate(steps):
        quantity = D(qty)
        if k == 0 or pos.quantity == 0:
            add = True
        elif not add:
            quantity = min(quantity, pos.quantity)
        if not add and k == len(steps) - 1 and end == "fill":
            quantity = pos.quantity  # the final close
        at += timedelta(hours=gap_h)
        coid = f"{pos.id}-o{k}"
        order = Order(client_order_id=coid, leg="entry" if add else f"tp{k}",
                      side=opening if add else closing, type=OrderType.MARKET,
                      quantity=quantity, created_at=at)
        fill = Fill(trade_id=f"{coid}-t", client_order_id=coid, price=D(price),
                    quantity=quantity, fee_usdt=D(price) * quantity * fee_bp / 10000, at=at)
        before = pos.realised_pnl_usdt
        pos = apply_fill(pos.model_copy(update={"orders": [*pos.orders, order]}), fill,
                         order.side, order.leg)
        oracle.add(at, "realised_pnl_usdt", pos.realised_pnl_usdt - before)
        oracle.add(at, "volume_usdt", fill.price * fill.quantity)
        if pos.status is PositionStatus.CLOSED:
            break
    if end == "settle" and pos.status is not PositionStatus.CLOSED:
        at += timedelta(hours=5)
        before = pos.realised_pnl_usdt
        pos = close(pos, CloseReason.LIQUIDATED, at, settle_price=D(settle), fee_usdt=D("0.5"))
        oracle.add(at, "realised_pnl_usdt", pos.realised_pnl_usdt - before)
    if pos.status is PositionStatus.CLOSED:
        assert pos.closed_at is not None
        oracle.add(pos.closed_at, "trades", 1)
    return pos


@settings(max_examples=150, deadline=None)
@given(trades=st.lists(trade, min_size=1, max_size=6), recorded=st.integers(0, 6))
def test_each_day_shows_what_was_realised_on_it_and_the_days_add_up(
        trades: list[tuple[Side, int, list[Step], str, int]], recorded: int) -> None:
    """Each day's PnL, volume and trades are what the fills of that day (and the settlements,
    and the closes) made of the positions; over all days the PnL is the realised PnL of the
    closed positions plus what the open ones realised so far (partial exits, fees) — also
    when a close reaches the book both from the history and from `record_close` (a restart
    between the archive and the count), and through `today` for the daily limits."""
    oracle = Oracle()
    built = [_build(n, *t, oracle=oracle) for n, t in enumerate(trades)]
    closed = [p for p in built if p.status is PositionStatus.CLOSED]
    open_ = [p for p in built if p.status is not PositionStatus.CLOSED]
    book = StatsBook(Positions(closed[recorded:], open_))  # type: ignore[arg-type]
    for position in closed[:recorded] + closed:  # the history's ones a second time
        book.record_close(position)
    last = max(datetime.fromisoformat(d) for d in oracle.days).replace(tzinfo=UTC)
    summary = book.summary("u1", last, days=(last - T0).days + 2)
    daily = {d["date"]: d for d in summary["daily"]}
    for day, expected in oracle.days.items():
        got = daily[day]
        assert (got["trades"], D(got["realised_pnl_usdt"]), D(got["volume_usdt"])) == \
            (expected["trades"], expected["realised_pnl_usdt"], expected["volume_usdt"]), day
        noon = datetime.fromisoformat(day).replace(tzinfo=UTC, hour=12)
        opened = sum(1 for p in open_ if p.opened_at.date() == noon.date())
        assert book.today("u1", open_, noon) == (
            expected["trades"] + opened, expected["realised_pnl_usdt"]), day
    assert sum(d["trades"] for d in daily.values()) == len(closed)
    total = sum((p.realised_pnl_usdt for p in built), D(0))
    assert D(summary["all_time"]["realised_pnl_usdt"]) == total
    assert sum((D(d["realised_pnl_usdt"]) for d in daily.values()), D(0)) == total
