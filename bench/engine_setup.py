"""Shared set-up for the engine benchmarks: a real runtime on a temp dir with many users and
open positions written straight to the store, every account served by the fake exchange."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.fakes import LatencyExchange
from verzek.clock import SystemClock
from verzek.config import load_settings
from verzek.domain import plans
from verzek.domain.models import (
    ExchangeName,
    MarketType,
    OrderSide,
    OrderStatus,
    OrderType,
    PlanName,
    Position,
    PositionStatus,
    Side,
    TakeProfitTarget,
    TradingMode,
    User,
    UserSettings,
)
from verzek.engine.tracker import new_order
from verzek.runtime import Runtime, build_runtime

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def populate(root: Path, users: int, positions: int, symbols: int) -> None:
    """Users and open futures positions (entry filled, TP and SL resting) as JSON files."""
    (root / "users").mkdir(parents=True)
    (root / "positions").mkdir()
    base = UserSettings().model_dump(mode="json")
    base["general"]["auto_trade"] = True
    sub = plans.subscribe(PlanName.VIP, NOW, 365).model_dump(mode="json")
    per_user = positions // users
    for u in range(users):
        uid = f"u{u:05d}"
        user = User(id=uid, email=f"{uid}@example.com", created_at=NOW,
                    settings=UserSettings.model_validate(base)).model_dump(mode="json")
        user["subscription"] = sub
        (root / "users" / f"{uid}.json").write_text(json.dumps(user))
        docs: list[dict[str, Any]] = []
        for k in range(per_user):
            n = u * per_user + k
            symbol = f"C{n % symbols:03d}/USDT:USDT"
            orders = [
                new_order(f"vz{n:030d}"[:32], "entry", OrderSide.BUY, OrderType.MARKET,
                          Decimal("1"), NOW, status=OrderStatus.FILLED),
                new_order(f"vt{n:030d}"[:32], "tp1r0", OrderSide.SELL, OrderType.LIMIT,
                          Decimal("1"), NOW, price=Decimal("110"), reduce_only=True,
                          status=OrderStatus.OPEN),
                new_order(f"vs{n:030d}"[:32], "slr0", OrderSide.SELL, OrderType.STOP_MARKET,
                          Decimal("1"), NOW, stop_price=Decimal("90"), reduce_only=True,
                          status=OrderStatus.OPEN),
            ]
            p = Position(id=f"p{n:07d}", user_id=uid, signal_id="s1",
                         account_id=f"demo-{uid}-futures", exchange=ExchangeName.BINANCE,
                         market_type=MarketType.FUTURES, mode=TradingMode.DEMO, symbol=symbol,
                         side=Side.LONG, leverage=10, status=PositionStatus.OPEN,
                         quantity=Decimal("1"), entry_quantity=Decimal("1"),
                         cost_usdt=Decimal("100"), average_entry=Decimal("100"),
                         stop_loss=Decimal("90"),
                         targets=[TakeProfitTarget(price=Decimal("110"), quantity=Decimal(1))],
                         orders=orders, opened_at=NOW, extra={"first_entry": "100"})
            docs.append(p.model_dump(mode="json"))
        (root / "positions" / f"{uid}.json").write_text(
            json.dumps({"schema_version": 1, "positions": docs}))


def build(root: Path, latency_s: float = 0.0) -> Runtime:
    settings = load_settings({"VERZEK_DATA_DIR": str(root), "VERZEK_PRICE_FEED": "sim"})
    runtime = build_runtime(settings, clock=SystemClock())
    assert runtime.trading is not None
    runtime.trading.pool.wrap = lambda _inner: LatencyExchange(  # type: ignore[assignment]
        latency_s=latency_s, price=Decimal("100"))
    return runtime
