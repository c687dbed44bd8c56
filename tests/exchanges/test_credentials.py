"""verify_credentials: keys that can withdraw are refused, and an unreadable key is not "OK".

ccxt's fixtures record no /v5/user/query-api body (tests/data/exchanges/README, caveat 6):
the body here is DOCS, Bybit v5 "Get API Key Information", every documented field.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from typing import Any

import pytest
import responses

from tests.exchanges.venues import BinanceVenue, BybitVenue
from verzek.clock import ManualClock
from verzek.errors import TransientExchangeError
from verzek.exchanges.resilient import BackoffRegistry

QUERY_API = "https://api.bybit.com/v5/user/query-api"
KEY_INFO: dict[str, Any] = {  # DOCS: GET /v5/user/query-api, a master account's key
    "retCode": 0, "retMsg": "", "result": {
        "id": "13770661", "note": "verzek", "apiKey": "XXXXXXXXXXXXXXXXXX", "readOnly": 0,
        "secret": "", "permissions": {
            "ContractTrade": ["Order", "Position"], "Spot": ["SpotTrade"],
            "Wallet": ["AccountTransfer", "SubMemberTransfer", "Withdraw"],
            "Options": ["OptionsTrade"], "Derivatives": ["DerivativesTrade"],
            "Exchange": ["ExchangeHistory"], "Earn": [], "NFT": [], "BlockTrade": [],
            "Affiliate": [], "CopyTrading": []},
        "ips": ["*"], "type": 1, "deadlineDay": 66, "expiredAt": "2026-03-01T03:21:05Z",
        "createdAt": "2025-12-01T03:21:05Z", "unified": 0, "uta": 1, "userID": 24617703,
        "inviterID": 0, "vipLevel": "No VIP", "mktMakerLevel": "0", "affiliateID": 0,
        "rsaPublicKey": "", "isMaster": True, "parentUid": "0", "kycLevel": "LEVEL_1",
        "kycRegion": ""},
    "retExtInfo": {}, "time": 1700000000000}


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def test_bybit_key_that_can_withdraw_is_rejected(rsps: responses.RequestsMock,
                                                 clock: ManualClock) -> None:
    venue = BybitVenue(rsps)
    venue.balance()
    rsps.get(QUERY_API, json=KEY_INFO)
    report = venue.make_exchange(clock=clock,
                                 backoff=BackoffRegistry(clock=clock)).verify_credentials()
    assert not report.ok and report.can_withdraw is True and report.ip_restricted is False
    assert "withdrawal" in report.message


def test_bybit_key_without_withdrawal_bound_to_an_ip_is_accepted(
        rsps: responses.RequestsMock, clock: ManualClock) -> None:
    venue = BybitVenue(rsps)
    venue.balance()
    body = copy.deepcopy(KEY_INFO)
    body["result"]["permissions"]["Wallet"] = ["AccountTransfer"]
    body["result"]["ips"] = ["203.0.113.7"]
    rsps.get(QUERY_API, json=body)
    report = venue.make_exchange(clock=clock,
                                 backoff=BackoffRegistry(clock=clock)).verify_credentials()
    assert report.ok and report.can_withdraw is False and report.ip_restricted is True


@pytest.mark.parametrize("answer", [
    {"status": 200, "json": {"retCode": 10005, "retMsg": "Permission denied, please check "
                             "your API key permissions.", "result": {}, "retExtInfo": {},
                             "time": 1700000000000}},
    {"status": 200, "json": {"retCode": 0, "retMsg": "", "result": {}, "retExtInfo": {},
                             "time": 1700000000000}},  # no permissions in the answer
])
def test_bybit_key_info_that_cannot_be_read_is_not_ok(
        rsps: responses.RequestsMock, clock: ManualClock, answer: dict[str, Any]) -> None:
    venue = BybitVenue(rsps)
    venue.balance()
    rsps.get(QUERY_API, **answer)
    report = venue.make_exchange(clock=clock,
                                 backoff=BackoffRegistry(clock=clock)).verify_credentials()
    assert not report.ok and report.can_withdraw is None and report.ip_restricted is None
    assert report.message.startswith("could not verify the key's permissions on bybit")


@pytest.mark.parametrize("venue_cls,url", [
    (BinanceVenue, r"https://api\.binance\.com/sapi/v1/account/apiRestrictions.*"),
    (BybitVenue, r"https://api\.bybit\.com/v5/user/query-api.*")])
def test_an_exchange_away_during_the_permission_check_says_nothing_of_the_key(
        rsps: responses.RequestsMock, clock: ManualClock, venue_cls: Any, url: str) -> None:
    """A 503 made the report "not ok", and the key check then stored the keys as failed,
    which stopped the account's live trading until the user verified again by hand."""
    venue = venue_cls(rsps)
    venue.balance()
    rsps.get(re.compile(url), status=503, body="<html>503</html>")
    with pytest.raises(TransientExchangeError):
        venue.make_exchange(clock=clock, backoff=BackoffRegistry(clock=clock)
                            ).verify_credentials()
