"""The exchange contract against the real ccxt client for Binance, Bybit and Phemex."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import responses

from tests.exchanges.contract import ExchangeContract
from tests.exchanges.venues import BinanceVenue, BybitVenue, PhemexVenue, Venue


class _CcxtContract(ExchangeContract):
    venue_class: type[Venue]

    @pytest.fixture
    def venue(self) -> Iterator[Any]:
        with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
            yield self.venue_class(rsps)


class TestBinanceContract(_CcxtContract):
    venue_class = BinanceVenue


class TestBybitContract(_CcxtContract):
    venue_class = BybitVenue


class TestPhemexContract(_CcxtContract):
    venue_class = PhemexVenue


def test_binance_sets_margin_mode_and_leverage_before_first_futures_order(
        clock: Any) -> None:
    from decimal import Decimal

    from tests.exchanges.contract import order
    from verzek.domain.models import MarginMode, OrderSide, OrderType
    from verzek.exchanges.resilient import BackoffRegistry, replace_stop_loss

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        venue = BinanceVenue(rsps)
        venue.leverage((5, MarginMode.ISOLATED))  # the symbol is so already: -4046
        venue.create("filled")
        ex = venue.make_exchange(clock=clock, backoff=BackoffRegistry(clock=clock))
        req = order(venue.symbol, leverage=5, margin_mode=MarginMode.ISOLATED)
        ex.create_order(req)
        ex.create_order(order(venue.symbol, client_order_id="vz2", leverage=5,
                              margin_mode=MarginMode.ISOLATED))
        paths = [c.request.url.split("?")[0].rsplit("/", 1)[-1] for c in rsps.calls
                 if c.request.method == "POST"]
        assert paths == ["marginType", "leverage", "order", "order"]  # set once, then cached
        venue.cancel("vzold")
        stop = order(venue.symbol, side=OrderSide.SELL, type=OrderType.STOP_MARKET,
                     stop_price=Decimal("55000"), reduce_only=True, client_order_id="vzsl2")
        outcome = replace_stop_loss(ex, stop, old_client_order_id="vzold", clock=clock,
                                    sleeper=clock.advance)
        assert outcome.placed
        methods = [c.request.method for c in rsps.calls[-2:]]
        assert methods == ["POST", "DELETE"]  # new stop first, then the old one cancelled


@pytest.mark.parametrize(("msg", "found", "expected"), [
    ("Duplicate order sent.", True, "DuplicateOrder"),
    ("Order would trigger immediately.", False, "WouldTriggerImmediately"),
    ("Account has insufficient balance for requested action.", False, "InsufficientFunds"),
])
def test_binance_spot_2010_is_resolved_by_lookup_not_by_text(
        clock: Any, msg: str, found: bool, expected: str) -> None:
    """-2010 NEW_ORDER_REJECTED covers several causes (Binance spot error docs): ccxt's table
    picks out insufficient balance; a duplicate is proven by finding the client id."""
    import re

    from tests.exchanges.contract import CID, order
    from tests.exchanges.fakes import recorded
    from verzek.domain.models import ExchangeName, MarketType
    from verzek.exchanges.ccxt_adapter import CcxtExchange
    from verzek.exchanges.resilient import BackoffRegistry

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        BinanceVenue(rsps)
        rsps.post("https://api.binance.com/api/v3/order", status=400,
                  json={"code": -2010, "msg": msg})
        body = dict(recorded("binance", "fetchOrder"), symbol="BTCUSDT", clientOrderId=CID)
        url = re.compile(r"https://api\.binance\.com/api/v3/order\?.*")
        if found:
            rsps.get(url, json=body)
        else:
            rsps.get(url, status=400, json={"code": -2013, "msg": "Order does not exist."})
        ex = CcxtExchange(account_id="a", exchange=ExchangeName.BINANCE,
                          market_type=MarketType.SPOT,
                          credentials={"api_key": "k" * 16, "api_secret": "s" * 16},
                          clock=clock, backoff=BackoffRegistry(clock=clock),
                          sleeper=clock.advance)
        with pytest.raises(Exception) as info:
            ex.create_order(order("BTC/USDT"))
        assert type(info.value).__name__ == expected


def test_verify_credentials_rejects_withdrawal_keys(clock: Any) -> None:
    from verzek.exchanges.resilient import BackoffRegistry

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        venue = BinanceVenue(rsps)
        venue.balance()
        # DOCS: GET /sapi/v1/account/apiRestrictions
        rsps.get(re.compile(r"https://api\.binance\.com/sapi/v1/account/apiRestrictions.*"),
                 json={"ipRestrict": False, "createTime": 1698645219000,
                       "enableReading": True, "enableWithdrawals": True,
                       "enableInternalTransfer": False, "enableMargin": False,
                       "enableFutures": True, "permitsUniversalTransfer": False,
                       "enableVanillaOptions": False, "enableFixApiTrade": False,
                       "enableFixReadOnly": False, "enableSpotAndMarginTrading": True,
                       "enablePortfolioMarginTrading": False})
        report = venue.make_exchange(clock=clock,
                                     backoff=BackoffRegistry(clock=clock)).verify_credentials()
        assert not report.ok and report.can_withdraw is True and report.ip_restricted is False


def test_verify_credentials_reports_bybit_ip_restriction(clock: Any) -> None:
    from verzek.exchanges.resilient import BackoffRegistry

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        venue = BybitVenue(rsps)
        venue.balance()
        # DOCS: GET /v5/user/query-api ("Get API Key Information")
        rsps.get("https://api.bybit.com/v5/user/query-api", json={
            "retCode": 0, "retMsg": "", "result": {
                "id": "13770661", "note": "verzek", "apiKey": "XXXXXXXXXX", "readOnly": 0,
                "permissions": {"ContractTrade": ["Order", "Position"], "Spot": ["SpotTrade"],
                                "Wallet": ["AccountTransfer"], "Options": [],
                                "Derivatives": [], "Exchange": []},
                "ips": ["203.0.113.7"], "type": 1, "unified": 1, "uta": 1},
            "retExtInfo": {}, "time": 1700000000000})
        report = venue.make_exchange(clock=clock,
                                     backoff=BackoffRegistry(clock=clock)).verify_credentials()
        assert report.ok and report.can_withdraw is False and report.ip_restricted is True


def test_bybit_spot_market_buy_quantity_is_in_base_units(clock: Any) -> None:
    from decimal import Decimal

    from tests.exchanges.contract import CID, order
    from verzek.domain.models import ExchangeName, MarketType
    from verzek.exchanges.ccxt_adapter import CcxtExchange
    from verzek.exchanges.resilient import BackoffRegistry

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        venue = BybitVenue(rsps)
        venue.create("filled")
        ex = CcxtExchange(account_id="a", exchange=ExchangeName.BYBIT,
                          market_type=MarketType.SPOT,
                          credentials={"api_key": "k" * 16, "api_secret": "s" * 16},
                          clock=clock, backoff=BackoffRegistry(clock=clock),
                          sleeper=clock.advance, ccxt_options=dict(BybitVenue.ccxt_options))
        assert ex.create_order(order("BTC/USDT", quantity=Decimal("0.0123"))).client_order_id \
            == CID
        (sent,) = venue.creates()
        assert sent["marketUnit"] == "baseCoin" and Decimal(sent["qty"]) == Decimal("0.0123")
        assert sent["category"] == "spot" and sent["orderLinkId"] == CID


@pytest.mark.parametrize(("name", "market_type", "host"), [
    ("binance", "spot", "testnet.binance.vision"),
    ("binance", "futures", "demo-api.binance.com"),  # demo trading, markets first
    ("bybit", "futures", "api-testnet.bybit.com"),
    ("phemex", "futures", "testnet-api.phemex.com"),
])
def test_testnet_accounts_talk_to_the_testnet(clock: Any, name: str, market_type: str,
                                              host: str) -> None:
    from verzek.domain.models import ExchangeName, MarketType
    from verzek.errors import ExchangeUnavailable
    from verzek.exchanges.ccxt_adapter import CcxtExchange
    from verzek.exchanges.resilient import BackoffRegistry

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add(responses.GET, re.compile(r"https://.*"), status=503, body="down")
        ex = CcxtExchange(account_id="a", exchange=ExchangeName(name),
                          market_type=MarketType(market_type), testnet=True,
                          credentials={"api_key": "k" * 16, "api_secret": "s" * 16},
                          clock=clock, backoff=BackoffRegistry(clock=clock),
                          sleeper=clock.advance)
        ticker_symbol = "BTC/USDT" if market_type == "spot" else "BTC/USDT:USDT"
        with pytest.raises(ExchangeUnavailable):
            ex.fetch_ticker(ticker_symbol)
        hosts = {c.request.url.split("/")[2] for c in rsps.calls}
        assert host in hosts, hosts
        assert not any(h in ("api.binance.com", "fapi.binance.com", "api.bybit.com",
                             "api.phemex.com") for h in hosts), hosts


def test_binance_stop_already_crossed_is_its_own_refusal(clock: Any) -> None:
    """-2021 "Order would immediately trigger" (a stop the price has crossed) comes back as
    WouldTriggerImmediately: the engine closes at market, and it is no sign of exchange
    trouble for the platform breaker."""
    from decimal import Decimal

    from tests.exchanges.contract import order
    from verzek.domain.models import OrderSide, OrderType
    from verzek.errors import WouldTriggerImmediately
    from verzek.exchanges.resilient import BackoffRegistry

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        venue = BinanceVenue(rsps)
        venue.create("would_trigger")
        ex = venue.make_exchange(clock=clock, backoff=BackoffRegistry(clock=clock))
        stop = order(venue.symbol, side=OrderSide.SELL, type=OrderType.STOP_MARKET,
                     stop_price=Decimal("55000"), reduce_only=True, client_order_id="vzsl9")
        with pytest.raises(WouldTriggerImmediately) as info:
            ex.create_order(stop)
        assert info.value.code == "would_trigger_immediately"


def test_a_market_sized_in_contracts_of_another_size_is_refused_before_sending(
        clock: Any) -> None:
    """The engine sizes orders in base units: on a market of 0.01-BTC contracts an order for
    0.5 BTC would go out as 0.5 contracts (0.005 BTC), or the other way round 100 times too
    large. The adapter refuses such a market rather than send a wrongly sized order."""
    import dataclasses
    from decimal import Decimal

    from tests.exchanges.contract import order
    from verzek.errors import UnsupportedOperation
    from verzek.exchanges.resilient import BackoffRegistry

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        venue = BinanceVenue(rsps)
        venue.create("filled")
        ex = venue.make_exchange(clock=clock, backoff=BackoffRegistry(clock=clock))
        real = ex.market("BTC/USDT:USDT")
        ex.market = lambda symbol: dataclasses.replace(  # type: ignore[method-assign]
            real, contract_size=Decimal("0.01"))
        with pytest.raises(UnsupportedOperation, match=r"contracts of 0\.01 BTC"):
            ex.create_order(order("BTC/USDT:USDT", quantity=Decimal("0.5")))
        assert venue.creates() == []


def test_phemex_closed_orders_leave_out_the_live_ones_its_list_carries(clock: Any) -> None:
    """Phemex's v2 orderList (ccxt's fetchClosedOrders) also lists live orders: ccxt's own
    recorded answer holds an order in status 5 (New). Only finished ones are closed."""
    import copy

    from tests.exchanges.contract import CID
    from tests.exchanges.fakes import recorded
    from verzek.domain.models import OrderStatus
    from verzek.exchanges.resilient import BackoffRegistry

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        venue = PhemexVenue(rsps)
        body = copy.deepcopy(recorded("phemex", "fetchClosedOrders", 1))
        live = dict(body["data"][0], symbol="BTCUSDT")  # as recorded: ordStatus "5"
        done = dict(live, clOrdId=CID, ordStatus="7", execQtyRq="0.2", leavesQtyRq="0",
                    orderId="0d1e8f60-5c8b-4e8b-9a53-6d2b1f0b7a11")
        body["data"] = [live, done]
        rsps.get(re.compile(r"https://api\.phemex\.com/exchange/order/v2/orderList.*"),
                 json=body)
        ex = venue.make_exchange(clock=clock, backoff=BackoffRegistry(clock=clock))
        closed = ex.fetch_closed_orders(venue.symbol)
        assert [(o.client_order_id, o.status) for o in closed] == [(CID, OrderStatus.FILLED)]
