"""Binance, Bybit and Phemex through ccxt: spot and USDT-margined perpetuals, live or testnet.

One instance per (account, exchange), its ccxt client used under a lock (ccxt's sync rate
limiter is not thread-safe). Everything ccxt raises is mapped in `ccxt_errors.py`; nothing of
ccxt leaves this module. A transient failure while creating an order becomes `OutcomeUnknown`.
"""

from __future__ import annotations

import decimal
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

import ccxt
import requests

from verzek.clock import Clock
from verzek.domain.models import (
    ExchangeName,
    MarginMode,
    MarketType,
    OrderSide,
    OrderStatus,
    OrderType,
)
from verzek.errors import (
    BelowMinimum,
    DuplicateOrder,
    ExchangeUnavailable,
    InvalidOrder,
    NetworkError,
    OrderNotFound,
    OutcomeUnknown,
    RateLimited,
    TransientExchangeError,
    UnsupportedOperation,
    VerzekError,
)
from verzek.exchanges import ccxt_convert as conv
from verzek.exchanges.base import (
    Balance,
    CredentialReport,
    Exchange,
    MarketInfo,
    OrderRequest,
    OrderResult,
    PositionInfo,
    Ticker,
)
from verzek.exchanges.ccxt_errors import AMBIGUOUS_DUPLICATE, DEFAULT_BAN_S, map_ccxt_error
from verzek.exchanges.ccxt_futures import FuturesSettings
from verzek.exchanges.ccxt_markets import install_throttle, is_supported, market_info_from_ccxt
from verzek.exchanges.client_ids import check_client_order_id
from verzek.exchanges.credentials import credential_report
from verzek.exchanges.resilient import BackoffRegistry

logger = logging.getLogger(__name__)
T = TypeVar("T")
CCXT_IDS = {ExchangeName.BINANCE: "binance", ExchangeName.BYBIT: "bybit",
            ExchangeName.PHEMEX: "phemex"}
LIVE = (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED)


class _LastResponse:
    """What the last HTTP answer said (status, Retry-After), captured by a requests hook."""

    def __init__(self) -> None:
        self.status: int | None = None
        self.retry_after_s: float | None = None

    def hook(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.status = response.status_code
        raw = response.headers.get("Retry-After")
        try:
            self.retry_after_s = float(raw) if raw is not None else None
        except ValueError:
            self.retry_after_s = None


class CcxtExchange(Exchange):
    """One account on Binance, Bybit or Phemex; `market_type` picks spot or perpetuals."""

    def __init__(
        self, *, account_id: str, exchange: ExchangeName, market_type: MarketType,
        credentials: dict[str, str], clock: Clock, backoff: BackoffRegistry,
        testnet: bool = False, session: requests.Session | None = None, timeout_ms: int = 10_000,
        ccxt_options: dict[str, Any] | None = None, sleeper: Callable[[float], None] = time.sleep,
    ) -> None:
        self.name = exchange
        self.account_id = account_id
        self.market_type = market_type
        self._clock = clock
        self._backoff = backoff
        self._lock = threading.RLock()
        self._markets: dict[str, MarketInfo] | None = None
        self._futures_set: dict[str, tuple[int | None, MarginMode | None]] = {}
        self._last = _LastResponse()
        config: dict[str, Any] = {
            "apiKey": credentials.get("api_key"), "secret": credentials.get("api_secret"),
            "enableRateLimit": True, "timeout": timeout_ms,
            "options": {"defaultType": "spot" if market_type is MarketType.SPOT else "swap",
                        # Binance: margin pairs are a signed call we do not need.
                        "fetchMargins": False, **(ccxt_options or {})},
        }
        client = getattr(ccxt, CCXT_IDS[exchange])(config)
        client.enableLastJsonResponse = True
        # ccxt's limiter, timed by our clock and sleeper (tests never sleep for real).
        install_throttle(client, monotonic=clock.monotonic, sleeper=sleeper)
        # Currencies come from a signed endpoint on Binance and Bybit; we do not need them,
        # and market loading must not depend on the key.
        client.has["fetchCurrencies"] = False
        if session is not None:
            client.session = session
        client.session.hooks["response"].append(self._last.hook)
        if testnet:
            # Binance futures have no testnet in ccxt any more: demo trading serves them.
            if exchange is ExchangeName.BINANCE and market_type is MarketType.FUTURES:
                client.enable_demo_trading(True)
            else:
                client.set_sandbox_mode(True)
        self._client = client
        self.testnet = testnet
        self._futures = FuturesSettings(exchange=exchange, account_id=account_id, client=client,
                                        call=self._call)

    # --- the one door to ccxt ---------------------------------------------------------------

    def _call(self, fn: Callable[..., T], *args: Any, creating: bool = False, **kw: Any) -> T:
        exchange = self.name.value
        wait = self._backoff.remaining_s(exchange)
        if wait > 0:
            raise RateLimited(f"{exchange} is backing off", retry_after_s=wait,
                              details={"not_sent": True})
        # ccxt changes the thread's decimal context (rounding, traps) in its precision
        # helpers; a local context keeps that from leaking into our money maths.
        with self._lock, decimal.localcontext():
            self._client.last_json_response = None
            self._last.status = None
            try:
                result = fn(*args, **kw)
            except ccxt.BaseError as exc:
                raise self._translate(exc, creating=creating) from exc
            if self._last.status is not None and self._client.last_json_response is None:
                # Every endpoint we call answers JSON. ccxt hands on an empty body or a proxy's
                # HTML page as text, which reads as "no positions", an empty balance or an
                # order without id: an answer that says nothing is not an answer.
                bad = ccxt.BadResponse(f"HTTP {self._last.status} answer without JSON")
                raise self._translate(bad, creating=creating)
            return result

    def _translate(self, exc: ccxt.BaseError, *, creating: bool) -> VerzekError:
        body = self._client.last_json_response
        code = text = None
        if isinstance(body, dict):
            raw = body.get("code", body.get("retCode"))
            code = str(raw) if raw is not None else None
            text = str(body.get("msg") or body.get("retMsg") or "") or None
        status = self._last.status
        err = map_ccxt_error(exc, exchange=self.name.value, code=code, status=status,
                             retry_after_s=self._last.retry_after_s, text=text)
        if status in (418, 429) and not isinstance(err, RateLimited):
            # The HTTP status decides when an exchange's body code is not in ccxt's table
            # (Phemex answers 429 with {"code": 429}, which ccxt calls ExchangeError).
            err = RateLimited(err.message, retry_after_s=self._last.retry_after_s,
                              details=err.details)
        if isinstance(err, RateLimited):
            # 429 slow down; 418 Binance's IP ban after ignored 429s; 403 Bybit's IP ban.
            # The back-off is shared by every client of this exchange.
            if err.retry_after_s is None:
                err.retry_after_s = DEFAULT_BAN_S.get(status or 0, 1.0)
            self._backoff.ban(self.name.value, err.retry_after_s)
        if creating and isinstance(err, NetworkError | ExchangeUnavailable):
            return OutcomeUnknown(f"{self.name.value}: order outcome unknown ({err.message})",
                                  details=err.details)
        if isinstance(exc, ccxt.InvalidOrder) and code in AMBIGUOUS_DUPLICATE.get(
                self.name.value, frozenset()):
            err.details = {**(err.details or {}), "maybe_duplicate": True}
        return err

    # --- metadata -----------------------------------------------------------------------------

    def load_markets(self, *, reload: bool = False) -> dict[str, MarketInfo]:
        if self._markets is None or reload:
            raw = self._call(self._client.load_markets, reload)
            self._markets = {s: market_info_from_ccxt(m) for s, m in raw.items()
                             if is_supported(m)}
        return self._markets

    def amount_to_precision(self, symbol: str, amount: Decimal) -> Decimal:
        self.market(symbol)
        try:
            with self._lock, decimal.localcontext():
                return Decimal(self._client.amount_to_precision(symbol, float(amount)))
        except ccxt.InvalidOrder as exc:  # ccxt: amount rounds to zero
            raise BelowMinimum(f"{symbol}: quantity {amount} rounds to zero") from exc

    def price_to_precision(self, symbol: str, price: Decimal) -> Decimal:
        self.market(symbol)
        with self._lock, decimal.localcontext():
            return Decimal(self._client.price_to_precision(symbol, float(price)))

    def fetch_ticker(self, symbol: str) -> Ticker:
        self.market(symbol)
        return conv.ticker_from_ccxt(self._call(self._client.fetch_ticker, symbol))

    def fetch_tickers(self, symbols: list[str]) -> dict[str, Ticker]:
        raw = self._call(self._client.fetch_tickers, symbols)
        return {s: conv.ticker_from_ccxt(t) for s, t in raw.items() if s in symbols}

    def fetch_balance(self) -> Balance:
        return conv.balance_from_ccxt(self._call(self._client.fetch_balance))

    def verify_credentials(self) -> CredentialReport:
        self.fetch_balance()  # AuthError propagates: the caller marks the account failed
        return credential_report(self.name, self._client, self._call, testnet=self.testnet)

    # --- orders -------------------------------------------------------------------------------

    def _order_params(self, req: OrderRequest, m: MarketInfo) -> dict[str, Any]:
        params: dict[str, Any] = {"clientOrderId": req.client_order_id}
        if req.reduce_only:
            params["reduceOnly"] = True
        if self.name is ExchangeName.BYBIT and m.market_type is MarketType.SPOT \
                and req.type is OrderType.MARKET:
            # Bybit reads a spot market BUY's qty as quote (USDT) unless told otherwise.
            params["marketUnit"] = "baseCoin"
        if req.type is OrderType.STOP_MARKET:
            # A conditional market order (not a stop attached to an entry): triggerPrice.
            # A buy stop fires when the price rises to it, a sell stop when it falls to it.
            params["triggerPrice"] = float(
                self.price_to_precision(req.symbol, req.stop_price or Decimal(0)))
            if self.name is not ExchangeName.BINANCE:
                params["triggerDirection"] = ("ascending" if req.side is OrderSide.BUY
                                              else "descending")
        return params

    def _prepare_futures(self, req: OrderRequest) -> None:
        wanted = (req.leverage, req.margin_mode)
        if wanted == (None, None) or self._futures_set.get(req.symbol) == wanted:
            return
        self.configure_futures(req.symbol, leverage=req.leverage, margin_mode=req.margin_mode)
        self._futures_set[req.symbol] = wanted

    def create_order(self, req: OrderRequest) -> OrderResult:
        check_client_order_id(req.client_order_id)
        m = self.market(req.symbol)
        if req.stop_loss is not None or req.take_profit is not None:
            raise UnsupportedOperation("attached stop loss / take profit: send a reduce-only "
                                       "stop-market order instead")
        if req.type is OrderType.LIMIT and req.price is None:
            raise InvalidOrder("a limit order needs a price")
        if req.type is OrderType.STOP_MARKET and req.stop_price is None:
            raise InvalidOrder("a stop-market order needs a stop price")
        if m.contract_size != 1:
            # The engine sizes orders in base units; a market quoted in contracts of another
            # size would receive an order that many times too large or too small.
            raise UnsupportedOperation(
                f"{self.name.value} {req.symbol} trades in contracts of {m.contract_size} "
                f"{m.base}; only markets sized in {m.base} itself are supported")
        amount = self.amount_to_precision(req.symbol, req.quantity)
        reference = req.reference_price
        if reference is None and req.type is OrderType.MARKET and not req.reduce_only \
                and m.min_notional:
            reference = self.fetch_ticker(req.symbol).last
        self.check_minimums(req, reference_price=reference)
        if m.market_type is MarketType.FUTURES:
            self._prepare_futures(req)
        price = (float(self.price_to_precision(req.symbol, req.price))
                 if req.type is OrderType.LIMIT and req.price else None)
        kind = "limit" if req.type is OrderType.LIMIT else "market"
        try:
            raw = self._call(self._client.create_order, req.symbol, kind, req.side.value,
                             float(amount), price, self._order_params(req, m), creating=True)
        except InvalidOrder as exc:
            if (exc.details or {}).get("maybe_duplicate"):
                self._raise_if_duplicate(req, exc)
            raise
        if not isinstance(raw, dict) or raw.get("id") is None:
            # An empty or foreign answer names no order: it may exist or not, look it up.
            raise OutcomeUnknown(f"{self.name.value}: the answer to {req.client_order_id} "
                                 "names no order", details={"exchange": self.name.value})
        return conv.order_from_ccxt(raw, fallback_client_id=req.client_order_id)

    def _raise_if_duplicate(self, req: OrderRequest, exc: InvalidOrder) -> None:
        """Binance -2010 covers duplicates among other rejections: the look-up decides."""
        try:
            self.fetch_order(req.symbol, client_order_id=req.client_order_id)
        except OrderNotFound:
            return
        except TransientExchangeError as lookup_exc:  # cannot tell: it may exist
            raise OutcomeUnknown(f"{self.name.value}: -2010 and the look-up failed",
                                 details=exc.details) from lookup_exc
        raise DuplicateOrder(f"{self.name.value}: client order id {req.client_order_id} exists",
                             details=exc.details) from exc

    def cancel_order(self, symbol: str, *, exchange_order_id: str | None = None,
                     client_order_id: str | None = None) -> OrderResult:
        params = self._client_id_params(client_order_id) if exchange_order_id is None else {}
        try:
            raw = self._call(self._client.cancel_order, exchange_order_id, symbol, params)
        except OrderNotFound:
            if not self._has_algo_orders(symbol):
                raise
            raw = self._call(self._client.cancel_order, exchange_order_id, symbol,
                             {**params, "trigger": True})
        result = conv.order_from_ccxt(raw, fallback_client_id=client_order_id or "")
        if raw.get("status") is None:  # Bybit acknowledges a cancel with the ids only
            result = replace(result, status=OrderStatus.CANCELED)
        return result

    def _client_id_params(self, client_order_id: str | None) -> dict[str, Any]:
        if client_order_id is None:
            raise InvalidOrder("an exchange order id or a client order id is needed")
        if self.name is ExchangeName.BYBIT:
            return {"orderLinkId": client_order_id}
        return {"clientOrderId": client_order_id}

    def fetch_order(self, symbol: str, *, exchange_order_id: str | None = None,
                    client_order_id: str | None = None) -> OrderResult:
        if self.name is ExchangeName.BYBIT:
            return self._bybit_fetch_order(symbol, exchange_order_id, client_order_id)
        params = self._client_id_params(client_order_id) if exchange_order_id is None else {}
        try:
            raw = self._call(self._client.fetch_order, exchange_order_id, symbol, params)
        except OrderNotFound:
            if not self._has_algo_orders(symbol):
                raise
            # Binance USDⓈ-M stop orders live on the algo-order endpoint (clientAlgoId).
            raw = self._call(self._client.fetch_order, exchange_order_id, symbol,
                             {**params, "trigger": True})
        return conv.order_from_ccxt(raw, fallback_client_id=client_order_id or "")

    def _has_algo_orders(self, symbol: str) -> bool:
        return (self.name is ExchangeName.BINANCE
                and self.market(symbol).market_type is MarketType.FUTURES)

    def _bybit_fetch_order(self, symbol: str, exchange_order_id: str | None,
                           client_order_id: str | None) -> OrderResult:
        """Bybit's v5 has no single-order endpoint for every case: open, then history.

        The history is read without a status filter (ccxt's fetch_closed_orders adds
        orderStatus=Filled): a cancelled, rejected or partly filled then cancelled order with
        our id must be found too, or it would pass for "not placed" and be sent again.
        """
        params = ({"orderId": exchange_order_id} if exchange_order_id is not None
                  else self._client_id_params(client_order_id))
        for fetch in (self._client.fetch_open_orders,
                      self._client.fetch_canceled_and_closed_orders):
            for raw in self._call(fetch, symbol, None, None, dict(params)):
                info = raw.get("info") or {}
                if (client_order_id is not None and info.get("orderLinkId") == client_order_id) \
                        or (exchange_order_id is not None and raw.get("id") == exchange_order_id):
                    return conv.order_from_ccxt(raw, fallback_client_id=client_order_id or "")
        raise OrderNotFound(f"bybit: no order {client_order_id or exchange_order_id} on {symbol}")

    def fetch_open_orders(self, symbol: str | None = None) -> list[OrderResult]:
        return [conv.order_from_ccxt(o) for o in self._call(self._client.fetch_open_orders,
                                                            symbol)]

    def fetch_closed_orders(self, symbol: str, since: datetime | None = None,
                            ) -> list[OrderResult]:
        since_ms = int(since.timestamp() * 1000) if since else None
        orders = [conv.order_from_ccxt(o) for o in self._call(self._client.fetch_closed_orders,
                                                              symbol, since_ms)]
        # Phemex's closed-order list (v2 orderList) also carries live orders, and ccxt passes
        # them on: a closed list holds finished orders only.
        return [o for o in orders if o.status not in LIVE]

    # --- futures --------------------------------------------------------------------------------

    def fetch_positions(self, symbols: list[str] | None = None) -> list[PositionInfo]:
        raw = self._call(self._client.fetch_positions, symbols)
        return [p for p in (conv.position_from_ccxt(r) for r in raw) if p is not None]

    def set_leverage(self, symbol: str, leverage: int) -> None:
        self._futures.set_leverage(self.market(symbol).symbol, leverage)

    def set_margin_mode(self, symbol: str, mode: MarginMode, *,
                        leverage: int | None = None) -> None:
        self._futures.set_margin_mode(self.market(symbol).symbol, mode, leverage=leverage)

    def configure_futures(self, symbol: str, *, leverage: int | None,
                          margin_mode: MarginMode | None) -> None:
        self._futures.configure(self.market(symbol).symbol, leverage=leverage,
                                margin_mode=margin_mode)

    def close(self) -> None:
        with self._lock:
            self._client.session.close()
