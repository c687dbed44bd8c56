""""Close ATOM short" closes shorts only: it closed the user's ATOM long (journey 10)."""

from __future__ import annotations

from tests.engine.conftest import Engine
from verzek.domain.models import PositionStatus, SignalSource

SYM = "ATOM/USDT:USDT"


def test_a_close_naming_a_side_leaves_the_other_side_open(engine: Engine) -> None:
    engine.price(SYM, "6.1")
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "100"})
    call = engine.trading.submit_text("ATOM/USDT LONG\nEntry 6.1\nTP 6.3 6.5\nSL 5.8\n"
                                      "Leverage 5x", SignalSource(kind="api"))
    assert call.decisions[0].outcome == "executed", call.decisions
    (position,) = engine.positions("u1")
    wrong = engine.trading.submit_text("Close ATOM short", SignalSource(kind="api"))
    assert wrong.kind == "update"
    assert all(d.outcome != "executed" for d in wrong.decisions), wrong.decisions
    assert engine.runtime.positions.get("u1", position.id).status is PositionStatus.OPEN
    right = engine.trading.submit_text("Close ATOM long", SignalSource(kind="api"))
    assert [d.outcome for d in right.decisions] == ["executed"], right.decisions
    assert engine.runtime.positions.get("u1", position.id).status is PositionStatus.CLOSED


def test_a_side_named_close_reaches_that_sides_call_when_a_newer_call_is_the_other_side(
        engine: Engine) -> None:
    """The follow-up was tied to the coin's newest call (a short) and then kept to longs:
    the long stayed open (journey 12)."""
    engine.price(SYM, "6.1")
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "100"})
    engine.add_user("u2", general={"auto_trade": False}, risk={"position_size_usdt": "100"})
    assert engine.trading.submit_text("ATOM/USDT LONG\nEntry 6.1\nTP 6.3 6.5\nSL 5.8\n"
                                      "Leverage 5x", SignalSource(kind="api")
                                      ).decisions[0].outcome == "executed"
    (long,) = engine.positions("u1")
    engine.runtime.users.update("u1", lambda u: u.model_copy(update={"settings": (
        u.settings.model_copy(update={"general": u.settings.general.model_copy(
            update={"auto_trade": False})}))}))
    engine.trading.submit_text("ATOM/USDT SHORT\nEntry 6.1\nTP 5.9\nSL 6.4",
                               SignalSource(kind="api"))
    closed = engine.trading.submit_text("Close ATOM long", SignalSource(kind="api"))
    assert [d.outcome for d in closed.decisions] == ["executed"], closed.decisions
    assert engine.runtime.positions.get("u1", long.id).status is PositionStatus.CLOSED
