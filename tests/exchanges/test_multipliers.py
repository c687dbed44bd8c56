"""Markets that price a bundle of coins (1000PEPE, SHIB1000): finding them, and the factor."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from verzek.exchanges.multipliers import find_market, price_factor, same_coin, split_multiplier

D = Decimal
LISTING = {"BTC/USDT:USDT": 0, "1000PEPE/USDT:USDT": 0, "PEPE/USDT": 0, "1INCH/USDT:USDT": 0,
           "SHIB1000/USDT:USDT": 0, "1000SATS/USDT": 0, "PEPE/USDC:USDC": 0}


def test_split_reads_a_multiplier_before_or_after_the_coin_and_nothing_else() -> None:
    assert split_multiplier("1000PEPE") == ("PEPE", D(1000))
    assert split_multiplier("10000LADYS") == ("LADYS", D(10000))
    assert split_multiplier("SHIB1000") == ("SHIB", D(1000))
    assert split_multiplier("1INCH") == ("1INCH", D(1))  # a name, not a multiplier
    assert split_multiplier("BTC") == ("BTC", D(1))
    assert split_multiplier("1000") == ("1000", D(1))


def test_a_listed_symbol_is_itself() -> None:
    assert find_market(LISTING, "BTC/USDT:USDT") == ("BTC/USDT:USDT", D(1))
    assert find_market(LISTING, "1000SATS/USDT") == ("1000SATS/USDT", D(1))


def test_a_coin_only_listed_bundled_is_found_with_its_factor() -> None:
    assert find_market(LISTING, "PEPE/USDT:USDT") == ("1000PEPE/USDT:USDT", D(1000))
    assert find_market(LISTING, "1000PEPE/USDT") == ("PEPE/USDT", D("0.001"))
    assert find_market(LISTING, "SHIB/USDT:USDT") == ("SHIB1000/USDT:USDT", D(1000))
    # the same bundle written the other way round is the same unit
    assert find_market(LISTING, "1000SHIB/USDT:USDT") == ("SHIB1000/USDT:USDT", D(1))


def test_quote_and_settlement_must_match_and_unknown_coins_are_none() -> None:
    assert find_market(LISTING, "PEPE/BUSD:BUSD") is None
    assert find_market(LISTING, "PEPE/USDC:USDC") == ("PEPE/USDC:USDC", D(1))
    assert find_market(LISTING, "DOGE/USDT:USDT") is None
    assert find_market(LISTING, "PEP/USDT:USDT") is None  # a prefix of a name is not the coin


def test_the_factor_follows_the_prices_the_channel_quoted() -> None:
    # "#PEPE entry 0.000015" while 1000PEPE trades at 0.015: the call's prices x1000
    assert price_factor(D(1000), D("0.000015"), D("0.0151")) == D(1000)
    # "#PEPE entry 0.015": the channel already quoted 1000PEPE's price
    assert price_factor(D(1000), D("0.015"), D("0.0151")) == D(1)
    assert price_factor(D("0.001"), D("0.015"), D("0.0000151")) == D("0.001")
    assert price_factor(D(1000), None, D("0.0151")) == D(1000)  # nothing to compare: units
    assert price_factor(D(1), D("5"), D("0.0151")) == D(1)


@given(st.decimals(min_value=D("0.00000001"), max_value=D("100000"), places=8),
       st.sampled_from([D(100), D(1000), D(10000), D(1000000)]),
       st.decimals(min_value=D("0.9"), max_value=D("1.1"), places=4))
def test_the_nearer_unit_always_wins(price: Decimal, nominal: Decimal, drift: Decimal) -> None:
    market = price * drift
    assert price_factor(nominal, price / nominal, market) == nominal
    assert price_factor(nominal, price, market) == 1
    assert price_factor(1 / nominal, price * nominal, market) == 1 / nominal


def test_same_coin_sees_through_bundles_but_not_quotes() -> None:
    assert same_coin("PEPE/USDT", "1000PEPE/USDT") and same_coin("SHIB1000/USDT", "SHIB/USDT")
    assert same_coin("BTC/USDT", "BTC/USDT")
    assert not same_coin("PEPE/USDT", "PEPE/USDC") and not same_coin("ETH/USDT", "ETC/USDT")


def test_dots_grouping_thousands_are_read_only_when_every_price_has_three_decimals() -> None:
    from verzek.exchanges.multipliers import dot_thousands_factor

    btc = [D("96.500"), D("97.200"), D("95.000"), D("98.100")]
    assert dot_thousands_factor(btc, D("96800")) == D(1000)
    assert dot_thousands_factor(btc, D("96.8")) == 1  # a coin that is priced so
    assert dot_thousands_factor([D("145.250"), D("150.000")], D("145.3")) == 1
    assert dot_thousands_factor([D("96.500"), D("95.5")], D("96800")) == 1  # mixed writing
    assert dot_thousands_factor([D("64.000")], D("100000")) == 1  # too far either way: collar
    assert dot_thousands_factor([], D("96800")) == 1
