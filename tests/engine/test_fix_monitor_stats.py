"""Daily stats count a trade closed at exactly 0 PnL as breakeven, not as a loss (audit 6,
item 13)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from verzek.domain.models import (
    ExchangeName,
    MarketType,
    Position,
    PositionStatus,
    Side,
    TradingMode,
)
from verzek.engine.stats import StatsBook

NOW = datetime(2025, 3, 1, 12, tzinfo=UTC)


class History:
    """The closed-position history, empty (the stats read it once per user)."""

    def closed_positions(self, user_id: str) -> list[Position]:
        return []

    def open_positions(self, user_id: str) -> list[Position]:
        return []


def closed(pid: str, pnl: str) -> Position:
    return Position(id=pid, user_id="u1", account_id="a1", exchange=ExchangeName.BINANCE,
                    market_type=MarketType.FUTURES, mode=TradingMode.DEMO, symbol="ETH/USDT",
                    side=Side.LONG, status=PositionStatus.CLOSED, entry_quantity=Decimal(1),
                    realised_pnl_usdt=Decimal(pnl), opened_at=NOW, closed_at=NOW)


def test_a_zero_pnl_trade_is_breakeven_not_a_loss() -> None:
    book = StatsBook(History())  # type: ignore[arg-type]
    for pid, pnl in (("w", "5"), ("l", "-3"), ("even", "0")):
        book.record_close(closed(pid, pnl))
    today = book.summary("u1", NOW)["today"]
    assert (today["trades"], today["wins"], today["losses"]) == (3, 1, 1)
    assert today["breakeven"] == 1 and today["realised_pnl_usdt"] == "2"
