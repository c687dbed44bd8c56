"""The fake Phemex venue: USDT perpetuals (/g-orders, /g-positions) and spot (/spot/orders).

Leverage and margin mode of a USDT perpetual are one signed value, as on Phemex: PUT
/g-positions/leverage?leverageRr=N holds isolated at N when N > 0 and cross at |N| when
N < 0, and the account positions report it back (leverageRr, crossMargin). Phemex has no
"not modified" error code: an unchanged value is answered with code 0.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import responses

from tests.exchanges.fakes import recorded
from tests.exchanges.venue_base import Reply, Venue, reply, sent_params
from verzek.domain.models import ExchangeName, MarginMode, MarketType

API = "https://api.phemex.com"
# DOCS: Phemex spot "Place order" response (Public-Spot-API-en.md).
SPOT_ORDER = {"orderID": "d1d09454-cabc-4a23-89a7-59d43363f16d", "clOrdID": "", "priceEp": 0,
              "action": "New", "trigger": "UNSPECIFIED", "pegPriceType": "UNSPECIFIED",
              "stopDirection": "UNSPECIFIED", "bizError": 0, "symbol": "sBTCUSDT",
              "side": "Buy", "baseQtyEv": 0, "ordType": "Limit",
              "timeInForce": "GoodTillCancel", "ordStatus": "Created", "cumFeeEv": 0,
              "cumBaseQtyEv": 0, "cumQuoteQtyEv": 0, "leavesBaseQtyEv": 0,
              "leavesQuoteQtyEv": 0, "avgPriceEp": 0, "cumBaseAmountEv": 0,
              "cumQuoteAmountEv": 0, "quoteQtyEv": 0, "qtyType": "ByBase", "stopPxEp": 0,
              "pegOffsetValueEp": 0}
# DOCS: /md/v2/ticker/24hr answers the perpetual ticker in real ("Rp") fields.
TICKER = {"closeRp": "60000", "fundingRateRr": "0.0001", "highRp": "61000",
          "indexPriceRp": "60001", "lowRp": "59000", "markPriceRp": "60000.5",
          "openInterestRv": "0", "openRp": "59500", "predFundingRateRr": "0.0001",
          "symbol": "BTCUSDT", "timestamp": "1700000000000000000", "turnoverRv": "1000000",
          "volumeRq": "100", "bidRp": "59999.9", "askRp": "60000.1", "lastRp": "60000"}


class PhemexVenue(Venue):
    name = ExchangeName.PHEMEX
    create_url = re.compile(re.escape(API) + r"/g-orders$")
    cid_field = "clOrdID"
    retry_after_s = 5.0

    def __init__(self, rsps: responses.RequestsMock,
                 market_type: MarketType = MarketType.FUTURES) -> None:
        super().__init__(rsps)
        self.spot = market_type is MarketType.SPOT
        if self.spot:
            self.symbol, self.other_symbol = "BTC/USDT", "ETH/USDT"
            self.create_url = re.compile(re.escape(API) + r"/spot/orders$")

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

    @staticmethod
    def _spot_order(cid: str, status: str, sent: dict[str, Any]) -> dict[str, Any]:
        qty = int(sent.get("baseQtyEv", 1000000))
        data = dict(SPOT_ORDER, clOrdID=cid, ordStatus=status, side=sent.get("side", "Buy"),
                    ordType=sent.get("ordType", "Market"), baseQtyEv=qty,
                    priceEp=int(sent.get("priceEp", 0)))
        if status == "Filled":
            data.update(cumBaseQtyEv=qty, avgPriceEp=6000000000000, leavesBaseQtyEv=0)
        else:
            data.update(leavesBaseQtyEv=qty)
        return data

    def create_reply(self, outcome: str, sent: dict[str, Any]) -> Reply:
        errors = {  # DOCS: Phemex error codes (HTTP 200, "code" set)
            "insufficient": (11082, "TE_CANNOT_COVER_ESTIMATE_ORDER_LOSS"),
            "duplicate": ((10001, "OM_DUPLICATE_ORDERID") if self.spot
                          else (11085, "TE_CL_ORD_ID_DUPLICATE")),
        }
        if outcome in errors:
            code, msg = errors[outcome]
            return reply({"code": code, "msg": msg, "data": None})
        if outcome == "429":
            return self.rate_limited(429, "5")
        if outcome == "ban":
            return self.rate_limited(429, "60")
        if self.spot:
            status = "Filled" if outcome == "filled" else "New"
            return reply({"code": 0, "msg": "", "data": self._spot_order(sent["clOrdID"],
                                                                         status, sent)})
        status = {"filled": "Filled", "open": "New", "stop": "Untriggered"}[outcome]
        return reply({"code": 0, "msg": "", "data": self._order(sent["clOrdID"], status, sent)})

    def rate_limit_body(self) -> dict[str, Any]:
        return {"code": 429, "msg": "Too many requests"}

    def ticker(self) -> None:
        self.rsps.get(re.compile(re.escape(API) + r"/md/v2/ticker/24hr\?.*"),
                      json={"error": None, "id": 0, "result": TICKER})

    def tickers(self) -> None:
        eth = dict(TICKER, symbol="ETHUSDT", lastRp="3000.1", bidRp="3000", askRp="3000.1",
                   closeRp="3000.1", markPriceRp="3000.05")
        self.rsps.get(re.compile(re.escape(API) + r"/md/v2/ticker/24hr/all.*"),
                      json={"error": None, "id": 0, "result": [TICKER, eth]})

    def balance(self) -> None:
        self.serve_account_positions()

    def positions(self) -> None:
        self.serve_account_positions()

    def lookup(self, cid: str, found: bool) -> None:
        if self.spot:  # GET /api-data/spots/orders/by-order-id answers {"rows": [...]}
            rows = [self._spot_order(cid, "Filled", {})] if found else []
            self.rsps.get(re.compile(re.escape(API) + r"/api-data/spots/orders/by-order-id.*"),
                          json={"code": 0, "msg": "", "data": {"total": len(rows),
                                                               "rows": rows}})
            return
        data = [self._order(cid, "Filled", {})] if found else []
        self.rsps.get(re.compile(re.escape(API) + r"/api-data/g-futures/orders/by-order-id.*"),
                      json={"code": 0, "msg": "", "data": data})

    def cancel(self, cid: str) -> None:
        self.rsps.delete(re.compile(re.escape(API) + r"/g-orders/cancel.*"),
                         json={"code": 0, "msg": "",
                               "data": self._order(cid, "Canceled", {"ordType": "Limit"})})

    def open_orders(self, cid: str) -> None:
        body = copy.deepcopy(recorded("phemex", "fetchOpenOrders"))  # LTCUSDT limit, New
        body["data"]["rows"][0].update(symbol="BTCUSDT", clOrdID=cid, priceRp="50000",
                                       orderQtyRq="0.01", leavesQtyRq="0.01")
        self.rsps.get(re.compile(re.escape(API) + r"/g-orders/activeList.*"), json=body)

    def closed_orders(self, cid: str) -> None:
        body = copy.deepcopy(recorded("phemex", "fetchClosedOrders", 1))  # v2 orderList row
        body["data"][0].update(symbol="BTCUSDT", clOrdId=cid, ordStatus="7", ordType="1",
                               orderQtyRq="0.01", execQtyRq="0.01", leavesQtyRq="0",
                               execPriceRp="60000", cumValueRv="600", leavesValueRv="0")
        self.rsps.get(re.compile(re.escape(API) + r"/exchange/order/v2/orderList.*"),
                      json=body)

    # --- leverage and margin mode: one signed value ---------------------------------------

    def serve_account_positions(self) -> None:
        def answer(request: Any) -> Reply:
            body = copy.deepcopy(recorded("phemex", "fetchPositions"))  # BTCUSDT isolated 5x
            for p in body["data"]["positions"]:
                if p["symbol"] == "BTCUSDT":
                    cross = self.holding.mode is MarginMode.CROSS
                    p.update(crossMargin=cross, leverageRr=str(
                        -self.holding.leverage if cross else self.holding.leverage))
            return reply(body)

        self.serve_once("accountPositions", responses.GET,
                        re.compile(re.escape(API) + r"/g-accounts/accountPositions.*"), answer)

    def serve_futures_settings(self) -> None:
        def set_leverage(request: Any) -> Reply:  # DOCS: hedged-perpetual "Set Leverage"
            value = int(sent_params(request)["leverageRr"])
            held = (abs(value), MarginMode.CROSS if value < 0 else MarginMode.ISOLATED)
            if held == (self.holding.leverage, self.holding.mode):
                self.holding.unchanged += 1
            self.holding.leverage, self.holding.mode = held
            return reply({"code": 0, "msg": "", "data": "OK"})

        self.serve_once("leverage", responses.PUT,
                        re.compile(re.escape(API) + r"/g-positions/leverage.*"), set_leverage)
        self.serve_account_positions()
