"""A trade skipped because the exchange did not answer says so in words (it said "binance:
NetworkError"), and an exchange's own refusal reaches the decision without query strings or
key-like tokens."""

from __future__ import annotations

from typing import Any

from tests.engine.conftest import Engine
from verzek.domain.models import SignalSource
from verzek.errors import InvalidOrder, NetworkError

CALL = "#ETH/USDT LONG\nEntry: 100\nTarget: 110\nStop: 95\n5x"


class Failing:
    def __init__(self, inner: Any, error: Exception) -> None:
        self._inner, self._error = inner, error

    def fetch_balance(self) -> Any:
        raise self._error

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _decide(engine: Engine, error: Exception) -> Any:
    engine.price("ETH/USDT:USDT", "100")
    engine.trading.pool.wrap = lambda inner: Failing(inner, error)  # type: ignore
    engine.add_user("u1", general={"auto_trade": True})
    (decision,) = engine.trading.submit_text(CALL, SignalSource(kind="api")).decisions
    return decision


def test_an_exchange_that_does_not_answer_is_said_in_words(engine: Engine) -> None:
    decision = _decide(engine, NetworkError("binance: NetworkError"))
    assert decision.outcome == "skipped"
    assert decision.reason == ("binance could not be reached or did not answer "
                               f"({decision.code}) while this trade was prepared; nothing was "
                               "sent.")


def test_an_exchange_refusal_keeps_its_words_without_query_strings(engine: Engine) -> None:
    signed = ("binance GET https://api.binance.com/api/v3/account?timestamp=1&signature="
              "3f1c0d9e8b7a6f5e4d3c2b1a09f8e7d6c5b4a3f2 refused")
    decision = _decide(engine, InvalidOrder(signed))
    assert decision.outcome == "skipped"
    assert "signature" not in decision.reason and "3f1c0d9e8b7a" not in decision.reason
    assert decision.reason.startswith("binance GET https://api.binance.com/api/v3/account?")
