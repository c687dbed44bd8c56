"""A follow-up cut off at a restart (journaled begun, never done) reads interrupted and is not
resumed; the same words again retry it only when doing it again changes nothing more (a whole
close, a cancel, a stop moved): a partial close may have sold before the cut, and a retry sold
again (50 % then another 25 %)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.engine.conftest import Engine, make_engine
from tests.engine.test_followup_target_hits import _open as open_one
from verzek.clock import ManualClock
from verzek.domain.models import SignalSource

SYM = "ETH/USDT:USDT"
CLOSE_HALF = "ETH close 50% now"


def test_a_cut_partial_close_sent_again_is_a_duplicate(engine: Engine, tmp_path: Path,
                                                       clock: ManualClock) -> None:
    open_one(engine, "#ETH/USDT LONG\nEntry: 3000\nTargets: 3060 3120\nStop: 2900",
             size="300")
    engine.tick(SYM, "3030")
    (before,) = engine.positions("u1")
    first = engine.trading.submit_text(CLOSE_HALF, SignalSource(kind="api"), wait_s=30)
    assert [d.code for d in first.decisions] == ["update_applied"], first.decisions
    (half,) = engine.positions("u1")
    assert half.quantity == before.quantity / 2
    engine.runtime.stop()
    # the process died after the close filled, before the follow-up's "done" row
    log = tmp_path / "data" / "signals" / "log.jsonl"
    rows = [json.loads(x) for x in log.read_text().splitlines() if x.strip()]
    log.write_text("".join(json.dumps(r) + "\n" for r in rows
                           if not (r.get("t") == "done" and r.get("id") == first.signal_id)))
    again = make_engine(tmp_path, clock)
    try:
        assert again.trading.fanout_state(first.signal_id) == "interrupted"
        again.runtime.accepting.set()
        retry = again.trading.submit_text(CLOSE_HALF, SignalSource(kind="api"))
        assert (retry.kind, retry.signal_id) == ("duplicate", first.signal_id)
        (kept,) = again.positions("u1")
        assert kept.quantity == half.quantity
    finally:
        again.runtime.stop()
