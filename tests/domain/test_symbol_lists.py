"""Whitelist and blacklist entries: a bare coin matches it against any quote and market, a pair
matches that pair however it is written."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.domain.conftest import T0, account, make_user
from verzek.domain import risk
from verzek.domain.models import Signal
from verzek.domain.risk import RiskContext, symbol_matches


def ctx(symbol: str, whitelist: list[str] = [], blacklist: list[str] = []) -> RiskContext:  # noqa: B006
    user = make_user(risk={"symbol_whitelist": whitelist, "symbol_blacklist": blacklist})
    return RiskContext(user=user, signal=Signal(symbol=symbol, side="long", entries=[Decimal(1)]),
                       signal_id="s1", now=T0, signal_received_at=T0,
                       current_price=Decimal(1), capital_usdt=Decimal(1000), account=account())


@pytest.mark.parametrize("entry,symbol,matches", [
    ("XRP", "XRP/USDT", True), ("xrp", "XRP/USDT", True), ("XRP", "XRP/USDT:USDT", True),
    ("XRP", "XRP/BTC", True), (" xrp ", "XRP/USDT", True),
    ("XRP/USDT", "XRP/USDT", True), ("XRPUSDT", "XRP/USDT", True),
    ("XRP/USDT:USDT", "XRP/USDT", True), ("xrp-usdt", "XRP/USDT:USDT", True),
    ("XRP/USDT", "XRP/BTC", False), ("XRPUSDT", "XRP/BTC", False),
    ("XRP", "XRPUP/USDT", False), ("BTC", "ETH/BTC", False), ("ETH", "ETH/BTC", True),
    ("ETHBTC", "ETH/BTC", True), ("", "XRP/USDT", False), ("USDT", "XRP/USDT", False),
])
def test_an_entry_names_a_coin_or_a_pair(entry: str, symbol: str, matches: bool) -> None:
    assert symbol_matches(entry, symbol) is matches


def test_a_blacklisted_coin_is_refused_on_any_market() -> None:
    for symbol in ("XRP/USDT", "XRP/USDT:USDT"):
        decision = risk.symbol_allowed(ctx(symbol, blacklist=["XRP"]))
        assert decision.code == "symbol_blacklisted"
        assert decision.message == f"{symbol} is on your blacklist (XRP)."
    assert risk.symbol_allowed(ctx("BTC/USDT", blacklist=["XRP"])).allowed


def test_a_whitelist_of_coins_lets_exactly_them_through() -> None:
    assert risk.symbol_allowed(ctx("ETH/USDT", whitelist=["BTC", "ETH"])).allowed
    assert risk.symbol_allowed(ctx("BTC/USDT:USDT", whitelist=["BTC", "ETH"])).allowed
    refused = risk.symbol_allowed(ctx("SOL/USDT", whitelist=["BTC", "ETH"]))
    assert refused.code == "symbol_not_whitelisted"
    assert refused.message == "SOL/USDT is not on your whitelist (BTC, ETH)."


def test_the_blacklist_wins_over_the_whitelist_and_blank_entries_are_ignored() -> None:
    assert risk.symbol_allowed(ctx("ETH/USDT", whitelist=["ETH"], blacklist=["eth/usdt"])).code \
        == "symbol_blacklisted"
    assert risk.symbol_allowed(ctx("ETH/USDT", whitelist=[" "])).allowed
