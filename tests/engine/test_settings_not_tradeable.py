"""Settings that cannot be traded are refused where they are set, and a user who holds such
settings from before gets a clear skip, not an internal error on every signal."""

from __future__ import annotations

from tests.engine.conftest import Engine
from verzek.domain.models import SignalSource

SYM = "ETH/USDT:USDT"
CALL = "#ETH/USDT LONG\nEntry: 100\nTargets: 104 - 108\nStop: 91\nLeverage 10x"


def test_an_explicit_distribution_without_shares_is_a_clear_skip(engine: Engine) -> None:
    engine.price(SYM, "100")
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "100"},
                    strategy={"tp_distribution": "explicit"})
    (decision,) = engine.trading.submit_text(CALL, SignalSource(kind="api")).decisions
    assert (decision.outcome, decision.code) == ("skipped", "invalid_settings")
    assert decision.reason.startswith("Your settings cannot be traded: an explicit "
                                      "distribution needs tp_distribution_pcts")
    assert engine.positions("u1") == [] and engine.paper("u1").fetch_open_orders() == []
