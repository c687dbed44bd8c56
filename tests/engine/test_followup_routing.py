"""Which positions a follow-up acts on. "LINK new SL 18.5" is about the channel's newest LINK
call; for a user whose position from it closed already, the channel still runs their open LINK
position from its earlier call, so the stop move (or close) goes there, and the answer says
so. A follow-up no open position takes answers "no open position", never nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.engine.conftest import Engine
from verzek.domain.models import SignalSource, SignalUpdate
from verzek.engine.updates import no_open_position, route_update

D = Decimal
SYM = "LINK/USDT:USDT"


def _two_calls_the_newest_stopped_out(engine: Engine) -> tuple[str, str]:
    engine.price(SYM, "18")
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "90"})
    first = engine.trading.submit_text("#LINK/USDT LONG\nEntry: 18\nTarget: 20\nStop: 17",
                                       SignalSource(kind="api"))
    engine.tick(SYM, "19")
    engine.clock.advance(60)  # past the ticker cache
    second = engine.trading.submit_text("#LINK/USDT LONG\nEntry: 19\nTarget: 21\nStop: 18.8",
                                        SignalSource(kind="api"))
    assert [d.outcome for d in first.decisions + second.decisions] == ["executed"] * 2
    engine.tick(SYM, "18.7")  # the newest call's position stops out; the first one's stays
    (still,) = engine.positions("u1")
    assert still.signal_id == first.signal_id and still.stop_loss == D(17)
    return first.signal_id, second.signal_id


def _route(engine: Engine, latest: str, text_action: str = "move_sl",
           **kw: Any) -> dict[str, list[tuple[Any, str]]]:
    trading = engine.trading
    open_by_user = {uid: trading.positions.open_positions(uid)
                    for uid in trading.positions.user_ids()}

    def record_of(signal_id: str) -> Any:
        try:
            return trading.signals.get(signal_id)
        except Exception:
            return None

    return route_update(trading.signals.get(latest), _stop_move(text_action), open_by_user,
                        record_of, **kw)


def _stop_move(action: str = "move_sl") -> SignalUpdate:
    return SignalUpdate(symbol="LINK/USDT", action=action,  # type: ignore[arg-type]
                        new_stop=D("18.5"))


def test_a_stop_move_reaches_the_open_position_of_the_earlier_call(engine: Engine) -> None:
    first, latest = _two_calls_the_newest_stopped_out(engine)
    routed = _route(engine, latest)
    ((position, note),) = routed["u1"]
    assert position.signal_id == first
    assert note == (f"(Applied to your position from the earlier LINK/USDT call {first}: you "
                    f"hold none from the latest call {latest}.)")
    user = engine.runtime.users.get("u1")
    exchange = engine.trading.pool.for_position(user, position)
    with engine.trading.manager.locks.hold("u1"):
        decision = engine.trading._updates.apply(exchange, user, position, _stop_move(),
                                                 note=note)
    assert decision.outcome == "executed"
    assert decision.reason == f"Position {position.id} stop moved to 18.5. {note}"
    (p,) = engine.positions("u1")
    assert p.stop_loss == D("18.5")
    assert [o.stop_price for o in p.orders
            if o.leg.startswith("sl") and o.status.value == "open"] == [D("18.5")]


def test_a_reply_to_the_newest_call_or_a_target_hit_does_not_reach_an_earlier_call(
        engine: Engine) -> None:
    _, latest = _two_calls_the_newest_stopped_out(engine)
    assert _route(engine, latest, replied=True) == {}
    assert _route(engine, latest, "target_hit") == {}
    assert _route(engine, latest, chat_id=-100) == {}  # a watched chat's follow-up: its calls
    answer = no_open_position(engine.trading.signals.get(latest), _stop_move())
    assert (answer.outcome, answer.code) == ("skipped", "no_open_position")
    assert answer.reason == (f"No open position for call {latest} (LINK/USDT): nothing to "
                             "apply this follow-up to.")


def test_the_api_answer_to_a_stop_move_on_a_closed_newest_call(engine: Engine) -> None:
    first, _ = _two_calls_the_newest_stopped_out(engine)
    (decision,) = engine.trading.submit_text("LINK new SL 18.5",
                                             SignalSource(kind="api")).decisions
    assert decision.outcome == "executed" and first in decision.reason
    assert engine.positions("u1")[0].stop_loss == D("18.5")
