"""A user's demo (paper) balances: read them, and set the USDT a paper account holds."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from verzek.domain.models import ExchangeAccount, MarketType, Position, User
from verzek.engine.pool import (
    ExchangePool,
    demo_account,
    is_paper,
    is_paper_position,
    position_account,
)
from verzek.errors import Conflict, InvalidInput, NotFound, VerzekError

MAX_DEMO_USDT = Decimal("1e15")  # exclusive: the largest figure the API takes


def paper_accounts(user: User, now: datetime,
                   holding: Iterable[Position] = ()) -> list[ExchangeAccount]:
    """Every account of the user that trades on paper: their demo accounts and, for a user in
    demo mode, every account plus the implicit futures and spot demo accounts; and the
    account of each open demo position in `holding` (a user gone live keeps seeing the paper
    account that holds their demo positions' margin until they close)."""
    accounts = [a for a in user.exchange_accounts if is_paper(user, a)]
    if user.settings.general.mode.value == "demo":
        known = {a.id for a in accounts}
        accounts += [a for a in (demo_account(user, MarketType.FUTURES, now),
                                 demo_account(user, MarketType.SPOT, now)) if a.id not in known]
    known = {a.id for a in accounts}
    for position in holding:
        if is_paper_position(position) and position.account_id not in known:
            try:
                accounts.append(position_account(user, position, now))
            except VerzekError:
                continue
            known.add(position.account_id)
    return accounts


def _entry(pool: ExchangePool, user: User, account: ExchangeAccount) -> dict[str, Any]:
    usdt = pool.get(user, account, paper=True).fetch_balance().get("USDT")
    return {"account_id": account.id, "exchange": account.exchange.value,
            "market_type": account.market_type.value, "usdt": {
                "free": str(usdt.free), "used": str(usdt.used), "total": str(usdt.total)}}


def read(pool: ExchangePool, user: User, now: datetime) -> list[dict[str, Any]]:
    return [_entry(pool, user, a) for a in paper_accounts(user, now)]


def set_usdt(pool: ExchangePool, user: User, amount: Decimal, now: datetime,
             account_id: str | None = None,
             holding: Iterable[Position] = ()) -> list[dict[str, Any]]:
    """Set the free USDT of one paper account (`account_id`) or of all of them; margin held
    by open demo positions stays where it is. A live account is never touched."""
    if not amount.is_finite() or amount < 0 or amount >= MAX_DEMO_USDT:
        raise InvalidInput(f"usdt must be a number from 0 to below {MAX_DEMO_USDT:.0e} (got "
                           f"{amount})",
                           details={"field": "usdt"})
    accounts = paper_accounts(user, now, holding)
    if account_id is not None:
        accounts = [a for a in accounts if a.id == account_id]
        if not accounts:
            if any(a.id == account_id for a in user.exchange_accounts):
                raise Conflict(f"account {account_id} trades live: its balance is the "
                               "exchange's", code="live_account")
            raise NotFound("no such exchange account", code="account_not_found")
    if not accounts:
        raise Conflict("this user has no demo account", code="no_demo_account")
    for account in accounts:
        pool.get(user, account, paper=True).set_balance(  # type: ignore[attr-defined]
            "USDT", amount)
    return [_entry(pool, user, a) for a in accounts]
