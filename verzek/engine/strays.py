"""What reconciliation flags for a human, kept over restarts, and the scan for strays: open
orders carrying our prefix that the intent journal does not know, on every account that may
hold our orders."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from verzek.clock import Clock
from verzek.domain.models import ExchangeAccount, Position, TradingMode
from verzek.engine.intents import IntentJournal
from verzek.engine.pool import ExchangePool, is_paper, is_paper_client, position_account
from verzek.errors import StoreError, VerzekError
from verzek.exchanges.base import Exchange, OrderResult
from verzek.exchanges.client_ids import is_ours
from verzek.logs import Throttle
from verzek.store.docstore import DocumentStore
from verzek.store.repos import PositionRepository, UserRepository

logger = logging.getLogger(__name__)
FLAGGED = "flagged_orders.json"  # what reconciliation flagged for a human, kept over restarts
FLAGGED_KEPT = 1000  # the newest ones; a stray is flagged (and told) once
OnFlagged = Callable[[dict[str, Any]], None]


class FlagBook:
    """The flags raised so far (the newest `FLAGGED_KEPT`, on disk) and who is told of each."""

    def __init__(self, *, store: DocumentStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self.items: list[dict[str, Any]] = list((store.read(FLAGGED) or {}).get("items", []))
        self.on_flagged: list[OnFlagged] = []  # told of every new flag (the user is notified)

    def add(self, flag: dict[str, Any], *, notify: bool = True) -> None:
        """Record a flag (kept over restarts) and, with `notify`, tell the listeners; a
        failing disk or listener never stops reconciliation."""
        flag = {**flag, "at": self._clock.now().isoformat()}
        self.items.append(flag)
        del self.items[:-FLAGGED_KEPT]
        try:
            self._store.update(FLAGGED, lambda doc: {
                "schema_version": 1,
                "items": [*(doc or {}).get("items", []), flag][-FLAGGED_KEPT:]})
        except StoreError as exc:
            logger.error("flag of order %s not kept on disk: %s", flag.get("client_order_id"),
                         exc)
        for listener in list(self.on_flagged) if notify else []:
            try:
                listener(flag)
            except Exception:
                logger.exception("flag listener failed on %s", flag.get("client_order_id"))


@dataclass(frozen=True)
class ScannedAccount:
    """An account the stray scan checks: its id, its owner, its client."""

    account_id: str
    user_id: str | None
    exchange: Exchange


# (accounts, fetch) -> each account's open orders (None: not fetched, said by `fetch`)
AccountMap = Callable[[list[ScannedAccount], Callable[[ScannedAccount], list[OrderResult] | None]],
                      list[list[OrderResult] | None]]


class StrayScanner:
    """Flags open orders with our prefix that nobody journaled (each once)."""

    def __init__(self, *, intents: IntentJournal, users: UserRepository,
                 positions: PositionRepository, pool: ExchangePool, flags: FlagBook,
                 clock: Clock, map_accounts: AccountMap | None = None) -> None:
        # how `scan` fetches the accounts' open orders: one after the other, or (the
        # reconciler's) several accounts at once; the flagging after it is one thread's
        self._map_accounts: AccountMap = map_accounts or (
            lambda accounts, fetch: [fetch(a) for a in accounts])
        self._intents = intents
        self._users = users
        self._positions = positions
        self._pool = pool
        self._flags = flags
        self._clock = clock
        self._throttle = Throttle(600.0, clock)

    def scan(self) -> int:
        """Look for strays on every account that may hold our orders: each enabled account
        of every user who trades automatically or holds an open position (on the real
        exchange for a live account, on paper where the user trades in demo), the account
        and mode of every open position, and every client built so far."""
        now = self._clock.now()
        holders = set(self._positions.user_ids())
        scans: dict[tuple[str, bool], tuple[str | None, Exchange]] = {}
        for user in self._users.all():
            raws = self._positions.open_raw(user.id) if user.id in holders else []
            if not user.settings.general.auto_trade and not raws:
                continue
            wanted: dict[tuple[str, bool], ExchangeAccount] = {}
            for account in user.exchange_accounts:
                if not account.enabled:
                    continue
                if account.mode is TradingMode.LIVE:
                    wanted[(account.id, False)] = account
                if is_paper(user, account):
                    wanted[(account.id, True)] = account
            for raw in raws:
                key = (raw["account_id"], raw.get("mode") == TradingMode.DEMO.value)
                if key not in wanted:
                    try:
                        wanted[key] = position_account(user, Position.model_validate(raw), now)
                    except VerzekError:
                        continue
            for (account_id, paper), account in wanted.items():
                try:
                    scans[(account_id, paper)] = (user.id,
                                                  self._pool.get(user, account, paper=paper))
                except VerzekError as exc:
                    self._log_once(f"client:{account_id}:{paper}", "stray check on %s "
                                   "skipped: no client (%s)", account_id, exc.message)
        for account_id, exchange in self._pool.accounts():
            scans.setdefault((account_id, is_paper_client(exchange)),
                             (self._pool.owners.get(account_id), exchange))
        accounts = [ScannedAccount(account_id, user_id, exchange)
                    for (account_id, _), (user_id, exchange) in scans.items()]
        fetched = self._map_accounts(accounts, self._open_orders)
        return sum(len(self._flag(orders, a.account_id, a.user_id))
                   for a, orders in zip(accounts, fetched, strict=True) if orders is not None)

    def flag_strays(self, exchange: Exchange, account_id: str, *,
                    user_id: str | None = None) -> list[str]:
        """Open orders with our prefix on this account that the journal does not know."""
        orders = self._open_orders(ScannedAccount(account_id, user_id, exchange))
        return [] if orders is None else self._flag(orders, account_id, user_id)

    def _open_orders(self, account: ScannedAccount) -> list[OrderResult] | None:
        """The account's open orders, or None (logged) when the exchange did not answer."""
        try:
            return account.exchange.fetch_open_orders()
        except VerzekError as exc:
            self._log_once(f"open:{account.account_id}", "stray check on %s skipped: %s",
                           account.account_id, exc.message)
            return None

    def _flag(self, open_orders: list[OrderResult], account_id: str,
              user_id: str | None) -> list[str]:
        known = self._intents.all_client_ids()
        already = {f["client_order_id"] for f in self._flags.items}
        strays = [o for o in open_orders
                  if is_ours(o.client_order_id) and o.client_order_id not in known
                  and o.client_order_id not in already]
        for order in strays:
            logger.error("order %s on account %s carries our prefix but is not journaled",
                         order.client_order_id, account_id)
            self._flags.add({"client_order_id": order.client_order_id, "user_id": user_id,
                        "account_id": account_id, "kind": "stray",
                        "symbol": order.symbol,
                        "side": order.side.value if order.side is not None else None,
                        "quantity": str(order.quantity),
                        "reason": "open on the exchange, not in the journal: nobody tracks it; "
                                  "cancel it on the exchange or tell support"})
        return [o.client_order_id for o in strays]

    def _log_once(self, key: str, fmt: str, *args: object) -> None:
        allowed, held = self._throttle.allow(key)
        if allowed:
            logger.warning(fmt + " (%d similar held back)", *args, held)
