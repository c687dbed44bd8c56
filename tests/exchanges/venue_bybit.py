"""The fake Bybit v5 venue: an order book that answers the way /v5/order/* do.

/v5/order/realtime lists only active orders (New, PartiallyFilled, Untriggered);
/v5/order/history lists the others and honours the `orderStatus` filter ccxt's
fetch_closed_orders adds (orderStatus=Filled), so a look-up that asks for filled orders only
misses a cancelled one — exactly as on Bybit. Both filter by category, symbol, orderId and
orderLinkId. Unified accounts set the margin mode account-wide (/v5/account/set-margin-mode),
classic ones per symbol (/v5/position/switch-isolated).
"""

from __future__ import annotations

import copy
import re
from decimal import Decimal
from typing import Any

import responses

from tests.exchanges.fakes import recorded
from tests.exchanges.venue_base import Reply, Venue, reply, sent_params
from verzek.domain.models import ExchangeName, MarginMode, MarketType

V5 = "https://api.bybit.com/v5"
ACTIVE = frozenset({"New", "PartiallyFilled", "Untriggered"})
ACCOUNT_MODES = {"ISOLATED_MARGIN": MarginMode.ISOLATED, "REGULAR_MARGIN": MarginMode.CROSS}


def envelope(result: Any, code: int = 0, msg: str = "OK") -> dict[str, Any]:
    return {"retCode": code, "retMsg": msg, "result": result, "retExtInfo": {},
            "time": 1700000000000}


class BybitVenue(Venue):
    name = ExchangeName.BYBIT
    create_url = re.compile(re.escape(V5) + r"/order/create$")
    cid_field = "orderLinkId"
    ccxt_options = {"enableUnifiedAccount": True, "enableUnifiedMargin": False}
    retry_after_s = 3.0
    ban_status = 403

    def __init__(self, rsps: responses.RequestsMock,
                 market_type: MarketType = MarketType.FUTURES) -> None:
        super().__init__(rsps)
        self.spot = market_type is MarketType.SPOT
        if self.spot:
            self.symbol, self.other_symbol = "BTC/USDT", "ETH/USDT"
        self.book: list[dict[str, Any]] = []
        self.refuse_switch: list[dict[str, str]] = []  # set-margin-mode 3400045 reasons

    @property
    def category(self) -> str:
        return "spot" if self.spot else "linear"

    # --- the order book -------------------------------------------------------------------

    def add_order(self, cid: str, status: str, *, qty: str = "0.01", filled: str = "0",
                  kind: str = "Limit", price: str = "50000") -> dict[str, Any]:
        """One order in the book, from the recorded v5 order (history entry) shape."""
        order = copy.deepcopy(recorded("bybit", "fetchClosedOrder")["result"]["list"][0])
        done = Decimal(filled)
        value = done * Decimal("60000")
        order.update({
            "orderId": f"bb-{len(self.book) + 1:04d}", "orderLinkId": cid, "symbol": "BTCUSDT",
            "orderStatus": status, "orderType": kind, "price": price, "qty": qty,
            "cumExecQty": filled, "cumExecValue": str(value),
            "leavesQty": str(Decimal(qty) - done) if status in ACTIVE else "0",
            "avgPrice": "60000" if done else "", "side": "Buy", "reduceOnly": False,
            "cumExecFee": str(value * Decimal("0.00055")),
            "cumFeeDetail": {"USDT": str(value * Decimal("0.00055"))},
            "timeInForce": "IOC" if kind == "Market" else "GTC",
            "rejectReason": "EC_PostOnlyWillTakeLiquidity" if status == "Rejected"
            else "EC_NoError"})
        self.book.append({**order, "_category": self.category})
        self.serve_book()
        return order

    def serve_book(self) -> None:
        self.serve_once("realtime", responses.GET, re.compile(re.escape(V5) + r"/order/realtime"),
                        lambda request: self._book_reply(request, active=True))
        self.serve_once("history", responses.GET, re.compile(re.escape(V5) + r"/order/history"),
                        lambda request: self._book_reply(request, active=False))

    def _book_reply(self, request: Any, *, active: bool) -> Reply:
        q = sent_params(request)
        rows = [o for o in self.book if (o["orderStatus"] in ACTIVE) == active
                and o["_category"] == q.get("category")
                and all(o[k] == q[k] for k in ("symbol", "orderId", "orderLinkId",
                                                "orderStatus") if k in q)]
        listed = [{k: v for k, v in o.items() if k != "_category"} for o in rows]
        return reply(envelope({"nextPageCursor": "", "category": q.get("category"),
                               "list": listed}))

    # --- orders -----------------------------------------------------------------------------

    def create_reply(self, outcome: str, sent: dict[str, Any]) -> Reply:
        errors = {  # DOCS: Bybit v5 error codes (answered with HTTP 200)
            "insufficient": (110007, "ab not enough for new order"),
            "duplicate": ((170141, "Duplicate clientOrderId") if sent.get("category") == "spot"
                          else (110072, "OrderLinkedID is duplicate")),
        }
        if outcome in errors:
            code, msg = errors[outcome]
            return reply(envelope({}, code, msg))
        if outcome == "429":
            return self.rate_limited(429, "3")
        if outcome == "ban":
            return 403, {}, "access too frequent"  # DOCS: Bybit's IP ban is a bare 403
        body = copy.deepcopy(recorded("bybit", "createOrder", 1))
        body["result"]["orderLinkId"] = sent["orderLinkId"]
        return reply(body)

    def rate_limit_body(self) -> dict[str, Any]:
        return envelope({}, 10006, "Too many visits!")

    def lookup(self, cid: str, found: bool) -> None:
        if found:
            self.add_order(cid, "Filled", kind="Market", filled="0.01")
        self.serve_book()

    def cancel(self, cid: str) -> None:  # DOCS: v5 "Cancel Order" response
        self.rsps.post(f"{V5}/order/cancel", json=envelope(
            {"orderId": "c6f055d9-7f21-4079-913d", "orderLinkId": cid}))

    def open_orders(self, cid: str) -> None:
        self.add_order(cid, "New")

    def closed_orders(self, cid: str) -> None:
        self.add_order(cid, "Filled", kind="Market", filled="0.01")

    # --- market data and account ----------------------------------------------------------

    def ticker(self) -> None:
        self.rsps.get(re.compile(re.escape(V5) + r"/market/tickers.*"),
                      json=recorded("bybit", "fetchTicker"))

    def tickers(self) -> None:
        body = copy.deepcopy(recorded("bybit", "fetchTicker"))  # linear BTCUSDT
        eth = dict(body["result"]["list"][0], symbol="ETHUSDT", lastPrice="3000.10",
                   bid1Price="3000.00", ask1Price="3000.10", markPrice="3000.05")
        body["result"]["list"].append(eth)
        self.rsps.get(re.compile(re.escape(V5) + r"/market/tickers.*"), json=body)

    def balance(self) -> None:
        self.rsps.get(re.compile(re.escape(V5) + r"/account/wallet-balance.*"),
                      json=recorded("bybit", "fetchBalance"))

    def positions(self) -> None:
        body = copy.deepcopy(recorded("bybit", "fetchPositions"))  # LTCUSDT, long 1.2
        body["result"]["list"][0].update(symbol="BTCUSDT", avgPrice="60000", markPrice="60100")
        self.rsps.get(re.compile(re.escape(V5) + r"/position/list.*"), json=body)

    # --- leverage and margin mode ---------------------------------------------------------

    def serve_futures_settings(self) -> None:
        def set_leverage(request: Any) -> Reply:  # DOCS: v5 "Set Leverage"
            sent = sent_params(request)
            assert sent["buyLeverage"] == sent["sellLeverage"], sent
            value = int(sent["buyLeverage"])
            if value == self.holding.leverage:
                self.holding.unchanged += 1
                return reply(envelope({}, 110043, "Set leverage not modified"))
            self.holding.leverage = value
            return reply(envelope({}))

        def set_margin_mode(request: Any) -> Reply:  # DOCS: v5 "Set Margin Mode" (account)
            mode = ACCOUNT_MODES[sent_params(request)["setMarginMode"]]
            if self.refuse_switch and mode is not self.holding.mode:
                return reply(envelope({"reasons": self.refuse_switch}, 3400045,
                                      "Set margin mode failed"))
            if mode is self.holding.mode:
                self.holding.unchanged += 1  # an unchanged account mode is accepted (retCode 0)
            self.holding.mode = mode
            return reply(envelope({"reasons": []}, msg="Request accepted"))

        def switch_isolated(request: Any) -> Reply:  # DOCS: v5 "Switch Cross/Isolated Margin"
            sent = sent_params(request)
            mode = MarginMode.ISOLATED if int(sent["tradeMode"]) == 1 else MarginMode.CROSS
            if mode is self.holding.mode:
                self.holding.unchanged += 1
                return reply(envelope({}, 110026, "Cross/isolated margin mode is not modified"))
            self.holding.mode, self.holding.leverage = mode, int(sent["buyLeverage"])
            return reply(envelope({}))

        self.serve_once("set-leverage", responses.POST, f"{V5}/position/set-leverage",
                        set_leverage)
        self.serve_once("set-margin-mode", responses.POST, f"{V5}/account/set-margin-mode",
                        set_margin_mode)
        self.serve_once("switch-isolated", responses.POST, f"{V5}/position/switch-isolated",
                        switch_isolated)
