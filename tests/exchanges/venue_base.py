"""The base of the fake exchange venues: `responses` routes serving exchange JSON to real ccxt.

Recorded bodies (tests/data/exchanges, from ccxt's fixtures) are used where they exist; the
exchange echoes the client order id we sent, so the handlers put it back into the body.
Bodies marked DOCS are written from the exchange's API documentation because ccxt records
none (futures orders on Binance, cancel, leverage, margin mode, error answers).

Leverage and margin mode are stateful, as on the exchanges: a venue holds a (leverage, mode)
for its symbol, changes it when told, and answers a request that changes nothing with the
exchange's own "already set" answer (counted in `Holding.unchanged`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
import responses

from tests.exchanges.fakes import serve_markets
from verzek.clock import ManualClock
from verzek.domain.models import ExchangeName, MarginMode, MarketType
from verzek.exchanges.ccxt_adapter import CcxtExchange
from verzek.exchanges.resilient import BackoffRegistry

Reply = tuple[int, dict[str, str], str]
KEYS = {"api_key": "AKfake0123456789", "api_secret": "SKfake0123456789"}


def sent_params(request: Any) -> dict[str, Any]:
    """Query string and body of a sent request, as one dict."""
    out: dict[str, Any] = dict(parse_qsl(urlsplit(request.url).query))
    body = request.body
    if isinstance(body, bytes):
        body = body.decode()
    if body:
        if body.lstrip().startswith("{"):
            out.update(json.loads(body))
        else:
            out.update(parse_qsl(body))
    return out


def reply(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    return status, headers or {}, json.dumps(body)


@dataclass
class Holding:
    """What the venue holds for its symbol's leverage and margin mode."""

    leverage: int
    mode: MarginMode
    unchanged: int = 0  # requests that changed nothing: answered "already set"


class Venue:
    """One exchange's fake: arrange answers, then inspect what ccxt sent."""

    name: ExchangeName
    symbol = "BTC/USDT:USDT"
    other_symbol = "ETH/USDT:USDT"
    create_url: re.Pattern[str]
    cid_field: str  # where the client order id travels in a create request
    ccxt_options: dict[str, Any] = {}
    retry_after_s: float  # the Retry-After its 429 answer carries
    ban_status = 418

    def __init__(self, rsps: responses.RequestsMock) -> None:
        self.rsps = rsps
        self.holding = Holding(20, MarginMode.CROSS)
        self._served: set[str] = set()
        serve_markets(rsps, self.name.value)

    def make_exchange(self, *, clock: ManualClock, backoff: BackoffRegistry,
                      market_type: MarketType = MarketType.FUTURES) -> CcxtExchange:
        return CcxtExchange(
            account_id="acc1", exchange=self.name, market_type=market_type,
            credentials=dict(KEYS), clock=clock, backoff=backoff,
            ccxt_options=dict(self.ccxt_options), sleeper=clock.advance)

    def serve_once(self, key: str, method: str, url: Any, callback: Any) -> None:
        """Register a stateful route once (a second registration would shadow the first)."""
        if key not in self._served:
            self._served.add(key)
            self.rsps.add_callback(method, url, callback=callback)

    # --- inspection -----------------------------------------------------------------------

    def creates(self) -> list[dict[str, Any]]:
        return [sent_params(c.request) for c in self.rsps.calls
                if c.request.method == "POST" and self.create_url.search(c.request.url)
                and "cancel" not in c.request.url]

    def create_requests(self) -> int:
        return len(self.creates())

    def sent_to(self, pattern: str) -> list[dict[str, Any]]:
        """Params of every request whose URL matches `pattern`."""
        return [sent_params(c.request) for c in self.rsps.calls
                if re.search(pattern, c.request.url)]

    def last_call(self) -> Any:
        return self.rsps.calls[-1].request

    def call_count(self) -> int:
        return len(self.rsps.calls)

    def futures_settings(self) -> tuple[int, MarginMode]:
        return self.holding.leverage, self.holding.mode

    def check_limit_sent(self, price: Decimal) -> None:
        sent = self.creates()[-1]
        value = sent.get("price") or sent.get("priceRp")
        assert Decimal(str(value)) == price, sent

    def check_reduce_only_sent(self) -> None:
        sent = self.creates()[-1]
        assert str(sent.get("reduceOnly")).lower() == "true", sent

    def check_stop_sent(self, stop: Decimal) -> None:
        sent = self.creates()[-1]
        value = sent.get("triggerPrice") or sent.get("stopPxRp")
        assert Decimal(str(value)) == stop, sent
        assert str(sent.get("reduceOnly")).lower() == "true", sent
        assert (sent.get(self.cid_field) or sent.get("clientAlgoId")) is not None, sent

    # --- arranging ------------------------------------------------------------------------

    def create(self, outcome: str, req: Any = None) -> None:
        """outcome: filled, open, stop, insufficient, duplicate, timeout, 5xx, 429, ban."""
        if outcome == "timeout":
            self.rsps.add(responses.POST, self.create_url,
                          body=requests.exceptions.ReadTimeout("Read timed out."))
            return
        if outcome == "5xx":
            self.rsps.add(responses.POST, self.create_url, status=503,
                          body="<html>503 Service Unavailable</html>")
            return

        def answer(request: Any) -> Reply:
            return self.create_reply(outcome, sent_params(request))

        self.rsps.add_callback(responses.POST, self.create_url, callback=answer)

    def create_reply(self, outcome: str, sent: dict[str, Any]) -> Reply:
        raise NotImplementedError

    def rate_limited(self, status: int, retry_after: str | None) -> Reply:
        headers = {"Retry-After": retry_after} if retry_after else {}
        return reply(self.rate_limit_body(), status, headers)

    def rate_limit_body(self) -> dict[str, Any]:
        raise NotImplementedError

    def leverage(self, holding: tuple[int, MarginMode] = (20, MarginMode.CROSS)) -> None:
        """Serve leverage and margin mode, the venue holding `holding` for the symbol."""
        self.holding = Holding(*holding)
        self.serve_futures_settings()

    def serve_futures_settings(self) -> None:
        raise NotImplementedError

    def ticker(self) -> None: ...
    def tickers(self) -> None: ...
    def balance(self) -> None: ...
    def lookup(self, cid: str, found: bool) -> None: ...
    def cancel(self, cid: str) -> None: ...
    def open_orders(self, cid: str) -> None: ...
    def closed_orders(self, cid: str) -> None: ...
    def positions(self) -> None: ...
