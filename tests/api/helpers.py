"""Test data: positions written straight through the repository, and data-dir snapshots."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from verzek.domain.models import (
    ExchangeName,
    Fill,
    MarketType,
    Order,
    OrderSide,
    OrderStatus,
    OrderType,
    Position,
    PositionStatus,
    Side,
    TradingMode,
)
from verzek.store.repos import PositionRepository


def make_position(user_id: str, position_id: str, now: datetime, *, symbol: str = "BTC/USDT:USDT",
                  exchange: ExchangeName = ExchangeName.BINANCE) -> Position:
    order = Order(client_order_id=f"vz-{position_id}-entry", leg="entry", side=OrderSide.BUY,
                  type=OrderType.MARKET, quantity=Decimal("0.01"), status=OrderStatus.FILLED,
                  filled_quantity=Decimal("0.01"), average_price=Decimal("65000"),
                  created_at=now)
    fill = Fill(trade_id=f"t-{position_id}", client_order_id=order.client_order_id,
                price=Decimal("65000"), quantity=Decimal("0.01"), at=now)
    return Position(id=position_id, user_id=user_id, account_id="a_demo", exchange=exchange,
                    market_type=MarketType.FUTURES, mode=TradingMode.DEMO, symbol=symbol,
                    side=Side.LONG, leverage=5, status=PositionStatus.OPEN,
                    quantity=Decimal("0.01"), entry_quantity=Decimal("0.01"),
                    cost_usdt=Decimal("650"), average_entry=Decimal("65000"),
                    orders=[order], fills=[fill], opened_at=now)


def add_positions(repo: PositionRepository, user_id: str, now: datetime, count: int = 1,
                  prefix: str = "p") -> list[str]:
    ids = [f"{prefix}{i}_{user_id}" for i in range(count)]
    repo.mutate(user_id, lambda ps: [*ps, *(make_position(user_id, i, now) for i in ids)])
    return ids


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under the data directory and its bytes."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not p.name.startswith(".instance")}


def user_files(root: Path, user_id: str) -> dict[str, bytes]:
    return {k: v for k, v in snapshot(root).items() if user_id in k}


def seed_paper(runtime: Any, user_id: str, symbol: str = "BTC/USDT:USDT",
               quantity: Decimal = Decimal("0.01")) -> None:
    """Put on the user's demo paper account the holding that `make_position` records, so
    closing that position through the real engine finds something to close."""
    from verzek.engine.pool import demo_account
    from verzek.exchanges.base import OrderRequest

    user = runtime.users.get(user_id)
    exchange = runtime.trading.pool.get(
        user, demo_account(user, MarketType.FUTURES, runtime.clock.now()))
    exchange.create_order(OrderRequest(symbol=symbol, side=OrderSide.BUY,
                                       type=OrderType.MARKET, quantity=quantity,
                                       client_order_id=f"seed{abs(hash(user_id)) % 10**9}"))
