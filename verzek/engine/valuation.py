"""What open positions and paper holdings are worth at the price monitor's last fresh prices:
read from memory on every API request, never an exchange call (the position list is the hot
read path)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from verzek.domain.models import (
    ExchangeAccount,
    MarketType,
    Position,
    PositionStatus,
    Side,
    User,
)
from verzek.domain.positions import gross_pnl
from verzek.engine.demo_balance import paper_accounts
from verzek.engine.pool import ExchangePool
from verzek.engine.prices import PriceFeeds
from verzek.errors import NotFound

QUOTE = "USDT"
_CLOSED = PositionStatus.CLOSED.value


def position_marks(feeds: PriceFeeds, rows: Iterable[dict[str, Any]], now: datetime,
                   ) -> dict[str, tuple[Decimal, Decimal]]:
    """position id -> (mark price, unrealised PnL in USDT) of each open stored row (a dict, as
    the store holds it) whose symbol has a fresh price; a row without one is left out."""
    out: dict[str, tuple[Decimal, Decimal]] = {}
    for row in rows:
        if row.get("status") == _CLOSED:
            continue
        mark = feeds.position_mark(row["id"], now)
        if mark is None:
            continue
        entry, quantity = row.get("average_entry"), Decimal(str(row.get("quantity") or 0))
        # `unrealised_pnl`'s own formula, on the row's fields: a Position model per row (even
        # `model_construct`) costs a hundred times more on this hot path
        pnl = Decimal(0) if entry is None or quantity == 0 else \
            gross_pnl(Side(row["side"]), Decimal(str(entry)), mark, quantity)
        out[row["id"]] = (mark, pnl)
    return out


def _assets(venue: str, market_type: MarketType, currencies: dict[str, Any],
            feeds: PriceFeeds, now: datetime) -> list[dict[str, Any]]:
    """Every currency the account holds (USDT always), with its value in USDT where the
    price of its USDT spot market is known and fresh."""
    out = []
    for currency in sorted(currencies, key=lambda c: (c != QUOTE, c)):
        entry = currencies[currency]
        if currency != QUOTE and entry.total == 0:
            continue
        price: Decimal | None = Decimal(1) if currency == QUOTE else (
            feeds.paper_mark(venue, f"{currency}/{QUOTE}", now)
            if market_type is MarketType.SPOT else None)
        out.append({"asset": currency, "free": str(entry.free), "used": str(entry.used),
                    "total": str(entry.total),
                    "price_usdt": None if price is None else str(price),
                    "value_usdt": None if price is None else str(entry.total * price)})
    return out


def paper_entry(pool: ExchangePool, user: User, account: ExchangeAccount, feeds: PriceFeeds,
                now: datetime) -> dict[str, Any]:
    """One paper account: its USDT, every asset it holds and the total value in USDT (None
    while an asset held has no fresh price)."""
    balance = pool.get(user, account, paper=True).fetch_balance()
    usdt = balance.get(QUOTE)
    assets = _assets(account.exchange.value, account.market_type, balance.currencies, feeds,
                     now)
    values = [a["value_usdt"] for a in assets]
    total = None if None in values else str(sum((Decimal(v) for v in values), Decimal(0)))
    return {"account_id": account.id, "exchange": account.exchange.value,
            "market_type": account.market_type.value,
            "usdt": {"free": str(usdt.free), "used": str(usdt.used), "total": str(usdt.total)},
            "assets": assets, "value_usdt": total}


def paper_entries(pool: ExchangePool, user: User, feeds: PriceFeeds, now: datetime,
                  account_ids: list[str] | None = None,
                  holding: Iterable[Position] = ()) -> list[dict[str, Any]]:
    """The user's paper accounts (those named in `account_ids`, in that order, when given;
    `holding`: their open positions, see `demo_balance.paper_accounts`)."""
    accounts = paper_accounts(user, now, holding)
    if account_ids is not None:
        by_id = {a.id: a for a in accounts}
        missing = [i for i in account_ids if i not in by_id]
        if missing:
            raise NotFound("no such exchange account", code="account_not_found")
        accounts = [by_id[i] for i in account_ids]
    return [paper_entry(pool, user, a, feeds, now) for a in accounts]
