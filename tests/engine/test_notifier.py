"""Notifier fan-out: a failing notifier never stops the others."""

from __future__ import annotations

from datetime import UTC, datetime

from verzek.engine.notifier import Event, EventKind, FanoutNotifier, RecordingNotifier


class _Broken:
    def notify(self, event: Event) -> None:
        raise RuntimeError("telegram down")


def test_fanout_survives_a_failing_notifier() -> None:
    rec = RecordingNotifier()
    fan = FanoutNotifier(_Broken(), rec)
    event = Event(EventKind.POSITION_OPENED, "u1", datetime(2026, 1, 1, tzinfo=UTC), "opened")
    fan.notify(event)
    assert rec.of_kind(EventKind.POSITION_OPENED) == [event]
