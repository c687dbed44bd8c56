"""A small synchronous client of the MetaApi REST API (the MetaTrader bridge Coinexx needs).

We call the REST API with `requests` rather than the async `metaapi-cloud-sdk`: every call the
exchange layer makes is a request/answer, the engine calls adapters from worker threads, and a
sync client needs no event-loop thread of its own. Errors are mapped onto our hierarchy here:
HTTP status first, then MetaTrader's trade return codes (MT5 `TRADE_RETCODE_*`).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import requests

from verzek import errors as vz

logger = logging.getLogger(__name__)
DEFAULT_REGION = "new-york"

# MetaTrader trade return codes (MQL5 docs, "Trade Server Return Codes"), as MetaApi answers.
TRADE_OK = frozenset({10008, 10009, 10010})  # PLACED, DONE, DONE_PARTIAL
TRADE_ERRORS: dict[int, type[vz.VerzekError]] = {
    10019: vz.InsufficientFunds,  # NO_MONEY
    10014: vz.InvalidOrder,  # INVALID_VOLUME
    10015: vz.InvalidOrder,  # INVALID_PRICE
    10016: vz.InvalidOrder,  # INVALID_STOPS
    10017: vz.InvalidOrder,  # TRADE_DISABLED
    10018: vz.InvalidOrder,  # MARKET_CLOSED
    10006: vz.InvalidOrder,  # REJECT
    10013: vz.InvalidOrder,  # INVALID
    10022: vz.InvalidOrder,  # INVALID_EXPIRATION
    10030: vz.InvalidOrder,  # INVALID_FILL
    10027: vz.AuthError,  # CLIENT_DISABLES_AT: autotrading disabled in the terminal
    10024: vz.RateLimited,  # TOO_MANY_REQUESTS
    10004: vz.ExchangeUnavailable,  # REQUOTE: not executed, price moved
    10020: vz.ExchangeUnavailable,  # PRICE_CHANGED
    10021: vz.ExchangeUnavailable,  # PRICE_OFF: no quotes
    10031: vz.ExchangeUnavailable,  # CONNECTION: no connection to the trade server
    10011: vz.OutcomeUnknown,  # ERROR: request processing error
    10012: vz.OutcomeUnknown,  # TIMEOUT
}


def trade_error(answer: dict[str, Any]) -> vz.VerzekError | None:
    """None when the trade answer is a success; else our error for its return code."""
    code = answer.get("numericCode")
    if code in TRADE_OK:
        return None
    cls = TRADE_ERRORS.get(int(code)) if isinstance(code, int) else None
    cls = cls or vz.InvalidOrder
    text = f"coinexx: {answer.get('stringCode')} ({code}): {answer.get('message', '')}"[:300]
    details = {"exchange": "coinexx", "code": code}
    if cls is vz.RateLimited:
        return vz.RateLimited(text, retry_after_s=1.0, details=details)
    return cls(text, details=details)


class MetaApiClient:
    """Calls for one MetaTrader account; the token goes in the `auth-token` header only."""

    def __init__(self, *, token: str, account_id: str, region: str = DEFAULT_REGION,
                 session: requests.Session | None = None, timeout_s: float = 30.0) -> None:
        self.base = (f"https://mt-client-api-v1.{region}.agiliumtrade.ai"
                     f"/users/current/accounts/{account_id}")
        self._session = session or requests.Session()
        self._headers = {"auth-token": token, "Accept": "application/json"}
        self._timeout_s = timeout_s
        self._lock = threading.Lock()

    def call(self, method: str, path: str, *, json: Any = None,
             params: dict[str, Any] | None = None, trading: bool = False) -> Any:
        """One request; `trading`: a lost answer means the outcome is unknown."""
        try:
            with self._lock:
                resp = self._session.request(method, self.base + path, json=json, params=params,
                                             headers=self._headers, timeout=self._timeout_s)
        except requests.RequestException as exc:
            err_cls = vz.OutcomeUnknown if trading else vz.NetworkError
            raise err_cls(f"coinexx: MetaApi unreachable ({type(exc).__name__})") from exc
        if resp.status_code < 400:
            return resp.json() if resp.content else None
        raise self._http_error(resp, trading=trading)

    @staticmethod
    def _http_error(resp: requests.Response, *, trading: bool) -> vz.VerzekError:
        try:
            body = resp.json()
        except ValueError:
            body = {}
        name = str(body.get("error", "")) if isinstance(body, dict) else ""
        text = f"coinexx: MetaApi HTTP {resp.status_code} {name}"
        details = {"exchange": "coinexx", "status": resp.status_code, "error": name}
        status = resp.status_code
        if status in (401, 403):
            return vz.AuthError(text, details=details)
        if status == 404:
            return vz.OrderNotFound(text, details=details)
        if status == 429:
            retry = resp.headers.get("Retry-After")
            return vz.RateLimited(text, retry_after_s=float(retry) if retry else 1.0,
                                  details=details)
        if status >= 500:
            return (vz.OutcomeUnknown if trading else vz.ExchangeUnavailable)(text,
                                                                             details=details)
        return vz.InvalidOrder(text, details=details)

    def close(self) -> None:
        self._session.close()
