"""Fake exchange venues for the contract suite: Binance here, Bybit and Phemex beside it.

See `venue_base.py` for the rules every venue follows (recorded bodies first, DOCS bodies
where ccxt records none, stateful leverage and margin mode with real "already set" answers).
"""

from __future__ import annotations

import copy
import re
from decimal import Decimal
from typing import Any

import responses

from tests.exchanges.fakes import recorded
from tests.exchanges.venue_base import Reply, Venue, reply, sent_params
from tests.exchanges.venue_bybit import BybitVenue
from tests.exchanges.venue_phemex import PhemexVenue
from verzek.domain.models import ExchangeName, MarginMode, MarketType

__all__ = ["VENUES", "BinanceVenue", "BybitVenue", "PhemexVenue", "Venue", "sent_params"]
BINANCE_BRACKETS = {"BTC/USDT:USDT": [["0", "0.004"], ["50000", "0.005"], ["250000", "0.01"]]}
FAPI = "https://fapi.binance.com/fapi"
SPOT_API = "https://api.binance.com/api/v3"


class BinanceVenue(Venue):
    name = ExchangeName.BINANCE
    create_url = re.compile(r"https://fapi\.binance\.com/fapi/v1/(order|algoOrder)$")
    cid_field = "newClientOrderId"
    ccxt_options = {"leverageBrackets": BINANCE_BRACKETS}
    retry_after_s = 7.0

    def __init__(self, rsps: responses.RequestsMock,
                 market_type: MarketType = MarketType.FUTURES) -> None:
        super().__init__(rsps)
        self.spot = market_type is MarketType.SPOT
        if self.spot:
            self.symbol, self.other_symbol = "BTC/USDT", "ETH/USDT"
            self.create_url = re.compile(re.escape(SPOT_API) + r"/order$")

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

    @staticmethod
    def _spot_order(cid: str, status: str, sent: dict[str, Any]) -> dict[str, Any]:
        body = copy.deepcopy(recorded("binance", "createOrder"))  # spot POST /api/v3/order
        qty = sent.get("quantity", "0.01000000")
        filled = status == "FILLED"
        body.update({"symbol": "BTCUSDT", "clientOrderId": cid, "status": status,
                     "type": sent.get("type", "MARKET"), "side": sent.get("side", "BUY"),
                     "origQty": qty, "price": sent.get("price", "0.00000000"),
                     "executedQty": qty if filled else "0.00000000",
                     "cummulativeQuoteQty": "600.10000000" if filled else "0.00000000",
                     "icebergQty": "0.00000000", "fills": []})
        return body

    def create_reply(self, outcome: str, sent: dict[str, Any]) -> Reply:
        errors = {  # DOCS: Binance error codes
            "insufficient": {"code": -2019, "msg": "Margin is insufficient."},
            # spot answers a repeated id with -2010 NEW_ORDER_REJECTED "Duplicate order sent."
            "duplicate": ({"code": -2010, "msg": "Duplicate order sent."} if self.spot
                          else {"code": -4116, "msg": "ClientOrderId is duplicated."}),
            "would_trigger": {"code": -2021, "msg": "Order would immediately trigger."},
        }
        if outcome in errors:
            return reply(errors[outcome], 400)
        if outcome == "429":
            return self.rate_limited(429, "7")
        if outcome == "ban":
            return self.rate_limited(418, "120")
        status = "FILLED" if outcome == "filled" else "NEW"
        if self.spot:
            return reply(self._spot_order(sent["newClientOrderId"], status, sent))
        if "clientAlgoId" in sent:  # DOCS: "New Algo Order (TRADE)" response
            return reply({
                "algoId": 2146760, "clientAlgoId": sent["clientAlgoId"],
                "algoType": "CONDITIONAL", "orderType": sent.get("type"), "symbol": "BTCUSDT",
                "side": sent.get("side"), "positionSide": "BOTH", "timeInForce": "GTC",
                "quantity": sent.get("quantity"), "algoStatus": "NEW",
                "triggerPrice": sent.get("triggerPrice"), "price": "0",
                "workingType": "CONTRACT_PRICE", "reduceOnly": True,
                "createTime": 1700000000000, "updateTime": 1700000000000})
        return reply(self._order(sent["newClientOrderId"], status,  # DOCS
                                 sent.get("type", "MARKET"), sent))

    def rate_limit_body(self) -> dict[str, Any]:
        return {"code": -1003, "msg": "Too many requests; current limit is 2400 requests per "
                                      "minute."}

    def ticker(self) -> None:
        body = copy.deepcopy(recorded("binance", "fetchTicker"))  # spot body, same fields
        self.rsps.get(re.compile(re.escape(FAPI) + r"/v1/ticker/24hr.*"), json=body)

    def tickers(self) -> None:
        body = recorded("binance", "fetchTickers")  # BTCUSDT and ETHUSDT, same fields
        url = (re.escape(SPOT_API) + r"/ticker(/24hr)?" if self.spot
               else re.escape(FAPI) + r"/v1/ticker/24hr")
        self.rsps.get(re.compile(url + r"(\?.*)?$"), json=body)

    def balance(self) -> None:
        self.rsps.get(re.compile(re.escape(FAPI) + r"/v3/account.*"),
                      json=recorded("binance", "fetchBalance", 1))

    def lookup(self, cid: str, found: bool) -> None:
        if self.spot:
            url = re.compile(re.escape(SPOT_API) + r"/order\?.*")
            body = dict(recorded("binance", "fetchOrder"), symbol="BTCUSDT", clientOrderId=cid)
        else:
            url = re.compile(re.escape(FAPI) + r"/v1/(order|algoOrder)\?.*")
            body = self._order(cid, "FILLED", "MARKET", {})
        if found:
            self.rsps.get(url, json=body)
        else:  # DOCS: -2013 NO_SUCH_ORDER
            self.rsps.get(url, status=400, json={"code": -2013, "msg": "Order does not exist."})

    def cancel(self, cid: str) -> None:
        order = self._order(cid, "CANCELED", "LIMIT", {"price": "50000"})
        self.rsps.delete(re.compile(re.escape(FAPI) + r"/v1/order\?.*"), json=order)

    def open_orders(self, cid: str) -> None:
        # Recorded: a USDⓈ-M order list (portfolio-margin UM openOrders, the same shape).
        body = copy.deepcopy(recorded("binance", "fetchOpenOrders", 1))
        body[0].update(symbol="BTCUSDT", clientOrderId=cid, price="50000")
        self.rsps.get(re.compile(re.escape(FAPI) + r"/v1/openOrders\?.*"), json=body)

    def closed_orders(self, cid: str) -> None:
        # Recorded: UM allOrders (ccxt's fetchClosedOrders filters allOrders by status).
        body = copy.deepcopy(recorded("binance", "fetchOrders"))
        body[0].update(clientOrderId=cid, positionSide="BOTH")
        self.rsps.get(re.compile(re.escape(FAPI) + r"/v1/allOrders\?.*"), json=body)

    def positions(self) -> None:
        self.rsps.get(re.compile(re.escape(FAPI) + r"/v3/positionRisk\?.*"),
                      json=recorded("binance", "fetchPositions", 1))

    def serve_futures_settings(self) -> None:
        def margin_type(request: Any) -> Reply:  # DOCS: "Change Margin Type"
            mode = {"ISOLATED": MarginMode.ISOLATED,
                    "CROSSED": MarginMode.CROSS}[sent_params(request)["marginType"]]
            if mode is self.holding.mode:
                self.holding.unchanged += 1
                return reply({"code": -4046, "msg": "No need to change margin type."}, 400)
            self.holding.mode = mode
            return reply({"code": 200, "msg": "success"})

        def leverage(request: Any) -> Reply:  # DOCS: "Change Initial Leverage"
            value = int(sent_params(request)["leverage"])
            if value == self.holding.leverage:
                self.holding.unchanged += 1  # Binance answers an unchanged leverage normally
            self.holding.leverage = value
            return reply({"leverage": value, "maxNotionalValue": "1000000",
                          "symbol": "BTCUSDT"})

        self.serve_once("marginType", responses.POST, f"{FAPI}/v1/marginType", margin_type)
        self.serve_once("leverage", responses.POST, f"{FAPI}/v1/leverage", leverage)


VENUES: dict[str, type[Venue]] = {"binance": BinanceVenue, "bybit": BybitVenue,
                                  "phemex": PhemexVenue}
PRICE = Decimal("60000")
