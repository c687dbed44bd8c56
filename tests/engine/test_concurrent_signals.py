"""Two signals fanned out at the same moment both finish: each one's first pass held (leased)
users the other waited for, and neither second pass could start; every worker hung and the
filled entries were left without a stop or a position record (journey 12)."""

from __future__ import annotations

import threading

from tests.engine.conftest import Engine
from verzek.domain.models import SignalSource

CALLS = ("#ETH/USDT LONG\nEntry: 100\nTargets: 110\nStop: 91",
         "#SOL/USDT LONG\nEntry: 50\nTargets: 55\nStop: 46")


def test_two_signals_at_once_both_finish_for_every_user(engine: Engine) -> None:
    engine.price("ETH/USDT:USDT", "100")
    engine.price("SOL/USDT:USDT", "50")
    users = [f"u{i}" for i in range(24)]
    for user_id in users:
        engine.add_user(user_id, general={"auto_trade": True},
                        risk={"position_size_usdt": "50"})
    start = threading.Barrier(len(CALLS))
    outcomes: dict[str, list[str]] = {}

    def submit(text: str) -> None:
        start.wait()
        result = engine.trading.submit_text(text, SignalSource(kind="api"))
        outcomes[text] = [d.outcome for d in result.decisions]

    threads = [threading.Thread(target=submit, args=(text,), daemon=True) for text in CALLS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "the two fan-outs deadlocked"
    for text in CALLS:
        assert outcomes[text] == ["executed"] * len(users), outcomes[text]
    for user_id in users:
        positions = engine.positions(user_id)
        assert sorted(p.symbol for p in positions) == ["ETH/USDT:USDT", "SOL/USDT:USDT"]
        assert all(p.stop_loss is not None for p in positions)
