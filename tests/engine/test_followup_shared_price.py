"""A follow-up reaching every user of a call reads the market price once per symbol, fresh at
the follow-up (not once per user: 1,000 users were 1,000 ticker requests on one message)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.engine.conftest import Engine
from verzek.domain.models import SignalSource
from verzek.exchanges.paper import PaperExchange

SYM = "ETH/USDT:USDT"
LONG = "#ETH/USDT LONG\nEntry: 3000\nTargets: 3060 3120 3180\nStop: 2900"


def test_one_price_read_serves_every_user(engine: Engine, monkeypatch: pytest.MonkeyPatch,
                                          ) -> None:
    engine.price(SYM, "3000")
    for uid in ("u1", "u2", "u3"):
        engine.add_user(uid, general={"auto_trade": True}, risk={"position_size_usdt": "100"})
    opened = engine.trading.submit_text(LONG, SignalSource(kind="api")).decisions
    assert [d.outcome for d in opened] == ["executed"] * 3
    engine.price(SYM, "3050")  # above the entry: a stop moved to it rests
    reads: list[str] = []
    real = PaperExchange.fetch_ticker

    def counted(self: PaperExchange, symbol: str) -> Any:
        reads.append(symbol)
        return real(self, symbol)

    monkeypatch.setattr(PaperExchange, "fetch_ticker", counted)
    moved = engine.trading.submit_text("ETH move SL to entry", SignalSource(kind="api"))
    assert [d.outcome for d in moved.decisions] == ["executed"] * 3, moved.decisions
    assert reads.count(SYM) == 1
