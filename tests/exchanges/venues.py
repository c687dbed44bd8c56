"""Fake exchange venues for the contract suite: `responses` routes serving exchange JSON.

Recorded bodies (tests/data/exchanges, from ccxt's fixtures) are used where they exist; the
exchange echoes the client order id we sent, so the handlers put it back into the body.
Bodies marked DOCS are written from the exchange's API documentation because ccxt records
none (futures orders on Binance, cancel, leverage, margin mode, error answers).
"""

from __future__ import annotations

import copy
import json
import re
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
import responses

from tests.exchanges.fakes import recorded, serve_markets
from verzek.clock import ManualClock
from verzek.domain.models import ExchangeName, MarketType
from verzek.exchanges.ccxt_adapter import CcxtExchange
from verzek.exchanges.resilient import BackoffRegistry

Reply = tuple[int, dict[str, str], str]
BINANCE_BRACKETS = {"BTC/USDT:USDT": [["0", "0.004"], ["50000", "0.005"], ["250000", "0.01"]]}


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


class Venue:
    """One exchange's fake: arrange answers, then inspect what ccxt sent."""

    name: ExchangeName
    symbol = "BTC/USDT:USDT"
    create_url: re.Pattern[str]
    cid_field: str  # where the client order id travels in a create request
    ccxt_options: dict[str, Any] = {}

    def __init__(self, rsps: responses.RequestsMock) -> None:
        self.rsps = rsps
        serve_markets(rsps, self.name.value)

    def make_exchange(self, *, clock: ManualClock, backoff: BackoffRegistry) -> CcxtExchange:
        return CcxtExchange(
            account_id="acc1", exchange=self.name, market_type=MarketType.FUTURES,
            credentials={"api_key": "AKfake0123456789", "api_secret": "SKfake0123456789"},
            clock=clock, backoff=backoff, ccxt_options=dict(self.ccxt_options),
            sleeper=clock.advance)

    # --- inspection -----------------------------------------------------------------------

    def creates(self) -> list[dict[str, Any]]:
        return [sent_params(c.request) for c in self.rsps.calls
                if c.request.method == "POST" and self.create_url.search(c.request.url)
                and "cancel" not in c.request.url]

    def last_call(self) -> Any:
        return self.rsps.calls[-1].request

    # --- arranging ------------------------------------------------------------------------

    def call_count(self) -> int:
        return len(self.rsps.calls)

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

        def reply(request: Any) -> Reply:
            return self.create_reply(outcome, sent_params(request))

        self.rsps.add_callback(responses.POST, self.create_url, callback=reply)

    def create_reply(self, outcome: str, sent: dict[str, Any]) -> Reply:
        raise NotImplementedError

    def rate_limited(self, status: int, retry_after: str | None) -> Reply:
        headers = {"Retry-After": retry_after} if retry_after else {}
        return status, headers, json.dumps(self.rate_limit_body())

    def rate_limit_body(self) -> dict[str, Any]:
        raise NotImplementedError

    def ticker(self) -> None: ...
    def balance(self) -> None: ...
    def lookup(self, cid: str, found: bool) -> None: ...
    def cancel(self, cid: str) -> None: ...
    def leverage(self, already: bool = False) -> None: ...
    ban_status = 418


class BinanceVenue(Venue):
    name = ExchangeName.BINANCE
    create_url = re.compile(r"https://fapi\.binance\.com/fapi/v1/(order|algoOrder)$")
    cid_field = "newClientOrderId"
    ccxt_options = {"leverageBrackets": BINANCE_BRACKETS}

    @staticmethod
    def _order(cid: str, status: str, kind: str, sent: dict[str, Any]) -> dict[str, Any]:
        # DOCS: USDⓈ-M "New Order (TRADE)" response.
        filled = status == "FILLED"
        qty = sent.get("quantity", "0.010")
        return {"orderId": 4611875134427365377, "symbol": "BTCUSDT", "status": status,
                "clientOrderId": cid, "price": sent.get("price", "0"),
                "avgPrice": "60010.00" if filled else "0.00", "origQty": qty,
                "executedQty": qty if filled else "0", "cumQty": qty if filled else "0",
                "cumQuote": "600.10" if filled else "0", "timeInForce": "GTC", "type": kind,
                "reduceOnly": sent.get("reduceOnly") == "true", "closePosition": False,
                "side": sent.get("side", "BUY"), "positionSide": "BOTH", "stopPrice": "0",
                "workingType": "CONTRACT_PRICE", "priceProtect": False, "origType": kind,
                "updateTime": 1700000000000}

    def create_reply(self, outcome: str, sent: dict[str, Any]) -> Reply:
        errors = {  # DOCS: Binance USDⓈ-M error codes
            "insufficient": {"code": -2019, "msg": "Margin is insufficient."},
            "duplicate": {"code": -4116, "msg": "ClientOrderId is duplicated."},
            "would_trigger": {"code": -2021, "msg": "Order would immediately trigger."},
        }
        if outcome in errors:
            return 400, {}, json.dumps(errors[outcome])
        if outcome == "429":
            return self.rate_limited(429, "7")
        if outcome == "ban":
            return self.rate_limited(418, "120")
        if "clientAlgoId" in sent:  # DOCS: "New Algo Order (TRADE)" response
            return 200, {}, json.dumps({
                "algoId": 2146760, "clientAlgoId": sent["clientAlgoId"],
                "algoType": "CONDITIONAL", "orderType": sent.get("type"), "symbol": "BTCUSDT",
                "side": sent.get("side"), "positionSide": "BOTH", "timeInForce": "GTC",
                "quantity": sent.get("quantity"), "algoStatus": "NEW",
                "triggerPrice": sent.get("triggerPrice"), "price": "0",
                "workingType": "CONTRACT_PRICE", "reduceOnly": True,
                "createTime": 1700000000000, "updateTime": 1700000000000})
        status = "FILLED" if outcome == "filled" else "NEW"
        return 200, {}, json.dumps(self._order(sent["newClientOrderId"], status,  # DOCS
                                               sent.get("type", "MARKET"), sent))

    def rate_limit_body(self) -> dict[str, Any]:
        return {"code": -1003, "msg": "Too many requests; current limit is 2400 requests per "
                                      "minute."}

    def ticker(self) -> None:
        body = copy.deepcopy(recorded("binance", "fetchTicker"))  # spot body, same fields
        self.rsps.get(re.compile(r"https://fapi\.binance\.com/fapi/v1/ticker/24hr.*"), json=body)

    def balance(self) -> None:
        self.rsps.get(re.compile(r"https://fapi\.binance\.com/fapi/v3/account.*"),
                      json=recorded("binance", "fetchBalance", 1))

    def lookup(self, cid: str, found: bool) -> None:
        url = re.compile(r"https://fapi\.binance\.com/fapi/v1/(order|algoOrder)\?.*")
        if found:
            self.rsps.get(url, json=self._order(cid, "FILLED", "MARKET", {}))
        else:  # DOCS: -2013 NO_SUCH_ORDER
            self.rsps.get(url, status=400, json={"code": -2013, "msg": "Order does not exist."})

    def cancel(self, cid: str) -> None:
        order = self._order(cid, "CANCELED", "LIMIT", {"price": "50000"})
        self.rsps.delete(re.compile(r"https://fapi\.binance\.com/fapi/v1/order\?.*"), json=order)

    def leverage(self, already: bool = False) -> None:
        # DOCS: "Change Initial Leverage" and "Change Margin Type" responses.
        self.rsps.post("https://fapi.binance.com/fapi/v1/leverage",
                       json={"leverage": 5, "maxNotionalValue": "1000000", "symbol": "BTCUSDT"})
        if already:
            self.rsps.post("https://fapi.binance.com/fapi/v1/marginType", status=400,
                           json={"code": -4046, "msg": "No need to change margin type."})
        else:
            self.rsps.post("https://fapi.binance.com/fapi/v1/marginType",
                           json={"code": 200, "msg": "success"})


class BybitVenue(Venue):
    name = ExchangeName.BYBIT
    create_url = re.compile(r"https://api\.bybit\.com/v5/order/create$")
    cid_field = "orderLinkId"
    ccxt_options = {"enableUnifiedAccount": True, "enableUnifiedMargin": False}
    ban_status = 403

    def create_reply(self, outcome: str, sent: dict[str, Any]) -> Reply:
        errors = {  # DOCS: Bybit v5 error codes (answered with HTTP 200)
            "insufficient": {"retCode": 110007, "retMsg": "ab not enough for new order"},
            "duplicate": {"retCode": 110072, "retMsg": "OrderLinkedID is duplicate"},
        }
        if outcome in errors:
            return 200, {}, json.dumps({**errors[outcome], "result": {}, "retExtInfo": {},
                                        "time": 1700000000000})
        if outcome == "429":
            return self.rate_limited(429, "3")
        if outcome == "ban":
            return 403, {}, "access too frequent"  # DOCS: Bybit's IP ban is a bare 403
        body = copy.deepcopy(recorded("bybit", "createOrder", 1))
        body["result"]["orderLinkId"] = sent["orderLinkId"]
        return 200, {}, json.dumps(body)

    def rate_limit_body(self) -> dict[str, Any]:
        return {"retCode": 10006, "retMsg": "Too many visits!", "result": {}, "retExtInfo": {},
                "time": 1700000000000}

    def ticker(self) -> None:
        self.rsps.get(re.compile(r"https://api\.bybit\.com/v5/market/tickers.*"),
                      json=recorded("bybit", "fetchTicker"))

    def balance(self) -> None:
        self.rsps.get(re.compile(r"https://api\.bybit\.com/v5/account/wallet-balance.*"),
                      json=recorded("bybit", "fetchBalance"))

    def lookup(self, cid: str, found: bool) -> None:
        open_body = copy.deepcopy(recorded("bybit", "fetchOpenOrder"))
        closed = copy.deepcopy(recorded("bybit", "fetchClosedOrder"))
        open_body["result"]["list"] = []
        if found:
            closed["result"]["list"][0]["orderLinkId"] = cid
        else:
            closed["result"]["list"] = []
        self.rsps.get(re.compile(r"https://api\.bybit\.com/v5/order/realtime.*"), json=open_body)
        self.rsps.get(re.compile(r"https://api\.bybit\.com/v5/order/history.*"), json=closed)

    def cancel(self, cid: str) -> None:  # DOCS: v5 "Cancel Order" response
        self.rsps.post("https://api.bybit.com/v5/order/cancel", json={
            "retCode": 0, "retMsg": "OK", "result": {"orderId": "c6f055d9-7f21-4079-913d",
                                                     "orderLinkId": cid},
            "retExtInfo": {}, "time": 1700000000000})

    def leverage(self, already: bool = False) -> None:  # DOCS: v5 "Set Leverage"
        ok = {"retCode": 0, "retMsg": "OK", "result": {}, "retExtInfo": {}, "time": 1}
        same = {"retCode": 110043, "retMsg": "Set leverage not modified", "result": {},
                "retExtInfo": {}, "time": 1}
        self.rsps.post("https://api.bybit.com/v5/position/set-leverage",
                       json=same if already else ok)
        self.rsps.post("https://api.bybit.com/v5/account/set-margin-mode", json={
            "retCode": 0, "retMsg": "Request accepted", "result": {"reasons": []}})


class PhemexVenue(Venue):
    name = ExchangeName.PHEMEX
    create_url = re.compile(r"https://api\.phemex\.com/g-orders$")
    cid_field = "clOrdID"

    @staticmethod
    def _order(cid: str, status: str, sent: dict[str, Any]) -> dict[str, Any]:
        data = copy.deepcopy(recorded("phemex", "createOrder", 1)["data"])
        data.update({"clOrdID": cid, "symbol": "BTCUSDT", "ordStatus": status,
                     "side": sent.get("side", "Buy"), "orderType": sent.get("ordType", "Market"),
                     "orderQtyRq": sent.get("orderQtyRq", "0.01"),
                     "priceRp": sent.get("priceRp", "0")})
        if status == "Filled":
            data.update({"cumQtyRq": data["orderQtyRq"], "cumValueRv": "600.1",
                         "execStatus": "MakerFill"})
        return data

    def create_reply(self, outcome: str, sent: dict[str, Any]) -> Reply:
        errors = {  # DOCS: Phemex error codes (HTTP 200, "code" set)
            "insufficient": {"code": 11082, "msg": "TE_CANNOT_COVER_ESTIMATE_ORDER_LOSS"},
            "duplicate": {"code": 11085, "msg": "TE_CL_ORD_ID_DUPLICATE"},
        }
        if outcome in errors:
            return 200, {}, json.dumps({**errors[outcome], "data": None})
        if outcome == "429":
            return self.rate_limited(429, "5")
        if outcome == "ban":
            return self.rate_limited(429, "60")
        status = {"filled": "Filled", "open": "New", "stop": "Untriggered"}[outcome]
        return 200, {}, json.dumps({"code": 0, "msg": "",
                                    "data": self._order(sent["clOrdID"], status, sent)})

    def rate_limit_body(self) -> dict[str, Any]:
        return {"code": 429, "msg": "Too many requests"}

    def ticker(self) -> None:
        # DOCS: /md/v2/ticker/24hr answers the perpetual ticker in real ("Rp") fields.
        self.rsps.get(re.compile(r"https://api\.phemex\.com/md/v2/ticker/24hr.*"), json={
            "error": None, "id": 0, "result": {
                "closeRp": "60000", "fundingRateRr": "0.0001", "highRp": "61000",
                "indexPriceRp": "60001", "lowRp": "59000", "markPriceRp": "60000.5",
                "openInterestRv": "0", "openRp": "59500", "predFundingRateRr": "0.0001",
                "symbol": "BTCUSDT", "timestamp": "1700000000000000000",
                "turnoverRv": "1000000", "volumeRq": "100", "bidRp": "59999.9",
                "askRp": "60000.1", "lastRp": "60000"}})

    def balance(self) -> None:
        self.rsps.get(re.compile(r"https://api\.phemex\.com/g-accounts/accountPositions.*"),
                      json=recorded("phemex", "fetchBalance", 1))

    def lookup(self, cid: str, found: bool) -> None:
        data = [self._order(cid, "Filled", {})] if found else []
        self.rsps.get(re.compile(r"https://api\.phemex\.com/api-data/g-futures/orders/"
                                 r"by-order-id.*"), json={"code": 0, "msg": "", "data": data})

    def cancel(self, cid: str) -> None:
        self.rsps.delete(re.compile(r"https://api\.phemex\.com/g-orders/cancel.*"),
                         json={"code": 0, "msg": "",
                               "data": self._order(cid, "Canceled", {"ordType": "Limit"})})

    def leverage(self, already: bool = False) -> None:  # DOCS: "Set Leverage" answers 0 / OK
        self.rsps.put(re.compile(r"https://api\.phemex\.com/g-positions/leverage.*"),
                      json={"code": 0, "msg": "OK", "data": "OK"})


VENUES: dict[str, type[Venue]] = {"binance": BinanceVenue, "bybit": BybitVenue,
                                  "phemex": PhemexVenue}
PRICE = Decimal("60000")

