"""Build the right `Exchange` for an account: paper for demo, ccxt or Coinexx for live.

Credentials are decrypted here and only here, when a client is built; one client per
(account, exchange) is cached behind a lock and reused by every thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from verzek.clock import Clock
from verzek.domain.models import ExchangeAccount, ExchangeName, TradingMode
from verzek.errors import (
    AuthError,
    ExchangeUnavailable,
    SecretError,
    UnsupportedOperation,
    VerzekError,
)
from verzek.exchanges.base import Exchange, MarketInfo
from verzek.exchanges.ccxt_adapter import CCXT_IDS, CcxtExchange
from verzek.exchanges.coinexx import CoinexxExchange
from verzek.exchanges.metaapi import DEFAULT_REGION, MetaApiClient
from verzek.exchanges.paper import DocStore, PaperExchange, load_markets_snapshot
from verzek.exchanges.pricefeed import PriceFeed
from verzek.exchanges.resilient import BackoffRegistry
from verzek.store.secrets import SecretBox

logger = logging.getLogger(__name__)
MarketsLoader = Callable[[ExchangeName], dict[str, MarketInfo]]


def fetch_public_markets(exchange: ExchangeName, *, timeout_ms: int = 10_000,
                         ) -> dict[str, MarketInfo]:
    """Markets from the exchange's public endpoint (no keys); a `VerzekError` when the
    exchange cannot be reached or lists no supported market (Coinexx has no such endpoint:
    UnsupportedOperation)."""
    if exchange not in CCXT_IDS:
        raise UnsupportedOperation(f"{exchange.value} has no public market list")
    import ccxt

    from verzek.exchanges.ccxt_errors import map_ccxt_error
    from verzek.exchanges.ccxt_markets import is_supported, market_info_from_ccxt

    client = getattr(ccxt, CCXT_IDS[exchange])({"timeout": timeout_ms,
                                                 "options": {"fetchMargins": False}})
    client.has["fetchCurrencies"] = False
    try:
        raw = client.load_markets()
    except ccxt.BaseError as exc:
        raise map_ccxt_error(exc, exchange=exchange.value) from exc
    markets = {s: market_info_from_ccxt(m) for s, m in raw.items() if is_supported(m)}
    if not markets:
        raise ExchangeUnavailable(f"{exchange.value}: the public market list holds no "
                                  "supported market")
    return markets


def public_markets(exchange: ExchangeName, *, timeout_ms: int = 10_000) -> dict[str, MarketInfo]:
    """Markets from the exchange's public endpoint (no keys); the bundled snapshot otherwise."""
    if exchange in CCXT_IDS:
        try:
            return fetch_public_markets(exchange, timeout_ms=timeout_ms)
        except VerzekError as exc:
            logger.warning("%s public markets unreachable (%s): using the bundled snapshot",
                           exchange.value, type(exc).__name__)
    return load_markets_snapshot(exchange.value if exchange in CCXT_IDS else "binance")


# A Coinexx credentials payload as the REST API stores it (verzek/api/exchanges.py):
# {"metaapi_token", "metaapi_account_id"}, plus optional "region" and "symbol_suffix".
METAAPI_FIELDS = ("metaapi_token", "metaapi_account_id")
# The operator's Coinexx keys come from Settings.operator_credentials() under short names.
_OPERATOR_COINEXX_NAMES = {"token": "metaapi_token", "account_id": "metaapi_account_id"}


def metaapi_credentials(creds: dict[str, str], account_id: str) -> tuple[str, str]:
    """(token, MetaApi account id) of a Coinexx payload; AuthError naming what is missing."""
    missing = [name for name in METAAPI_FIELDS if not creds.get(name)]
    if missing:
        raise AuthError(f"coinexx account {account_id}: the stored credentials lack "
                        f"{' and '.join(missing)}; enter the MetaApi token and account id "
                        "again", details={"missing": missing})
    return creds["metaapi_token"], creds["metaapi_account_id"]


def _operator_names(exchange: ExchangeName, creds: dict[str, str]) -> dict[str, str]:
    if exchange != ExchangeName.COINEXX:
        return creds
    return {_OPERATOR_COINEXX_NAMES.get(k, k): v for k, v in creds.items()}


class ExchangeFactory:
    """Hands out one cached `Exchange` per (account, exchange); thread-safe."""

    def __init__(
        self, *, secret_box: SecretBox, clock: Clock, paper_store: DocStore,
        price_feed: PriceFeed, backoff: BackoffRegistry | None = None,
        paper_balance_usdt: Decimal = Decimal("10000"),
        paper_slippage_pct: Decimal = Decimal("0.05"),
        markets_loader: MarketsLoader = public_markets,
        operator_user_id: str | None = None,
        operator_credentials: dict[ExchangeName, dict[str, str]] | None = None,
        sleeper: Callable[[float], None] = time.sleep,
        client_options: dict[str, Any] | None = None,
    ) -> None:
        self._box = secret_box
        self._clock = clock
        self._paper_store = paper_store
        self._feed = price_feed
        self.backoff = backoff or BackoffRegistry(clock=clock)
        self._paper_balance = paper_balance_usdt
        self._paper_slippage = paper_slippage_pct
        self._markets_loader = markets_loader
        self._paper_markets: dict[ExchangeName, dict[str, MarketInfo]] = {}
        self._operator_user_id = operator_user_id
        self._operator_credentials = {
            exchange: _operator_names(exchange, creds)
            for exchange, creds in (operator_credentials or {}).items()}
        self._sleeper = sleeper
        self._client_options = client_options or {}
        self._cache: dict[tuple[str, ExchangeName], Exchange] = {}
        self._lock = threading.Lock()

    def get(self, account: ExchangeAccount) -> Exchange:
        key = (account.id, account.exchange)
        with self._lock:
            hit = self._cache.get(key)
            if hit is None:
                hit = self._cache[key] = self._build(account)
            return hit

    def forget(self, account_id: str) -> None:
        """Drop cached clients of an account (keys changed, account removed)."""
        with self._lock:
            for key in [k for k in self._cache if k[0] == account_id]:
                self._cache.pop(key).close()

    def _build(self, account: ExchangeAccount) -> Exchange:
        if account.mode is TradingMode.DEMO:
            return self._paper(account)
        creds = self._credentials(account)
        if account.exchange is ExchangeName.COINEXX:
            token, metaapi_account = metaapi_credentials(creds, account.id)
            client = MetaApiClient(token=token, account_id=metaapi_account,
                                   region=creds.get("region") or DEFAULT_REGION)
            return CoinexxExchange(account_id=account.id, client=client, clock=self._clock,
                                   symbol_suffix=creds.get("symbol_suffix", ""))
        return CcxtExchange(
            account_id=account.id, exchange=account.exchange, market_type=account.market_type,
            credentials=creds, clock=self._clock, backoff=self.backoff, testnet=account.testnet,
            sleeper=self._sleeper, ccxt_options=self._client_options.get(account.exchange.value))

    def _paper(self, account: ExchangeAccount) -> PaperExchange:
        markets = self._paper_markets.get(account.exchange)
        if markets is None:
            markets = self._paper_markets[account.exchange] = self._markets_loader(
                account.exchange)
        return PaperExchange(
            account_id=account.id, exchange=account.exchange, market_type=account.market_type,
            store=self._paper_store, price_feed=self._feed, clock=self._clock, markets=markets,
            starting_balance_usdt=self._paper_balance, slippage_pct=self._paper_slippage)

    def _credentials(self, account: ExchangeAccount) -> dict[str, str]:
        if account.credentials_ciphertext is None:
            operator = self._operator_credentials.get(account.exchange)
            if operator and account.user_id == self._operator_user_id:
                return operator
            raise AuthError(f"account {account.id} has no exchange credentials")
        if not self._box.allows_live_credentials:
            raise SecretError("live credentials need VERZEK_MASTER_KEYS set outside the data "
                              "directory; refusing to use keys under the generated demo key")
        payload = self._box.decrypt(account.credentials_ciphertext, account.user_id,
                                    account.exchange.value)
        return {k: str(v) for k, v in payload.items()}
