"""Safety state survives a restart: the real SafetyService over the real DocumentStore, opened
again on the same directory as runtime.build_runtime opens it (issue 3: "all state and
thresholds persist across restarts"; the idempotency TTL survives a restart)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from verzek.clock import ManualClock
from verzek.domain.models import SCHEMA_VERSION
from verzek.domain.safety.idempotency import DEFAULT_TTL_S
from verzek.domain.safety.state import OrderPurpose
from verzek.engine.safety_service import DOC, SafetyService
from verzek.store.docstore import DocumentStore


def open_service(root: Path, clock: ManualClock) -> SafetyService:
    """A fresh store and service on `root`, as a restarted process builds them."""
    store = DocumentStore(root, schema_version=SCHEMA_VERSION)
    store.clean_temp_files()
    store.load_all()
    return SafetyService(store=store, clock=clock)


def test_every_kind_of_safety_state_survives_a_restart(tmp_path: Path,
                                                       clock: ManualClock) -> None:
    root = tmp_path / "data"
    before = open_service(root, clock)
    until = clock.now() + timedelta(hours=2)
    before.set_thresholds({"max_consecutive_losses": 2, "loss_pct": "50",
                           "cooldown_s": None, "error_burst": 3})
    before.set_kill_switch(active=True, reason="exchange incident", close_positions=True)
    before.set_kill_switch(active=True, reason="user asked", close_positions=False,
                           user_id="u1")
    before.set_pause(paused=True, until=until, reason="news", user_id="u2")
    before.set_pause(paused=True, until=until, reason="maintenance")
    before.record_trade_result("u3", Decimal("-1"), Decimal(1000))
    tripped = before.record_trade_result("u3", Decimal("-1"), Decimal(1000))
    assert not tripped.allowed and tripped.code == "breaker_consecutive_losses"
    assert before.remember_signal("signal:abc")
    assert (root / DOC).is_file()

    after = open_service(root, clock)

    thresholds = after.thresholds()
    assert thresholds.max_consecutive_losses == 2 and thresholds.loss_pct == Decimal(50)
    assert thresholds.cooldown_s is None and thresholds.error_burst == 3
    assert thresholds == before.thresholds()
    for user_id in (None, "u1", "u2", "u3", "u4"):
        assert after.status(user_id) == before.status(user_id)
    platform = after.status()
    assert platform["platform_kill"]["active"] and platform["platform_kill"]["close_positions"]
    assert platform["platform_kill"]["reason"] == "exchange incident"
    assert datetime.fromisoformat(platform["platform_pause"]["until"]) == until
    u1 = after.status("u1")
    assert u1["kill_switch"]["active"] and not u1["kill_switch"]["close_positions"]
    assert after.status("u2")["pause"]["reason"] == "news"
    breaker = after.status("u3")["breaker"]
    assert breaker["code"] == "breaker_consecutive_losses" and breaker["until"] is None
    assert not after.remember_signal("signal:abc")  # still remembered: a duplicate


def test_decisions_after_a_restart_follow_the_restored_state(tmp_path: Path,
                                                             clock: ManualClock) -> None:
    root = tmp_path / "data"
    before = open_service(root, clock)
    before.set_thresholds({"max_consecutive_losses": 1, "cooldown_s": None})
    before.set_kill_switch(active=True, reason="", close_positions=True, user_id="u1")
    before.set_pause(paused=True, until=clock.now() + timedelta(hours=1), reason="",
                     user_id="u2")
    before.record_trade_result("u3", Decimal("-5"), Decimal(1000))

    after = open_service(root, clock)
    assert after.check_send("u1", OrderPurpose.INCREASE).code == "kill_switch_user"
    assert after.check_send("u1", OrderPurpose.REDUCE).allowed  # closing is always allowed
    assert after.kill_requested("u1") == (True, True)
    assert after.check_new_position("u2").code == "paused_user"
    assert after.check_new_position("u3").code == "breaker_consecutive_losses"
    assert after.check_new_position("u4").allowed  # one user's stops never touch another's

    clock.advance(3600)  # the pause ends at its `until`, also after a restart
    assert open_service(root, clock).check_new_position("u2").allowed
    # the breaker waits for an admin; the reset is persisted too
    assert not open_service(root, clock).check_new_position("u3").allowed
    open_service(root, clock).reset_breaker("u3")
    assert open_service(root, clock).check_new_position("u3").allowed


def test_switching_off_is_persisted_as_well(tmp_path: Path, clock: ManualClock) -> None:
    root = tmp_path / "data"
    service = open_service(root, clock)
    service.set_kill_switch(active=True, reason="x", close_positions=True)
    service.set_pause(paused=True, until=None, reason="y")
    service = open_service(root, clock)
    service.set_kill_switch(active=False, reason="", close_positions=False)
    service.set_pause(paused=False, until=None, reason="")
    restarted = open_service(root, clock)
    assert not restarted.status()["platform_kill"]["active"]
    assert not restarted.status()["platform_pause"]["active"]
    assert restarted.check_new_position("u1").allowed


def test_a_remembered_key_expires_after_its_ttl_across_restarts(tmp_path: Path,
                                                               clock: ManualClock) -> None:
    root = tmp_path / "data"
    first = open_service(root, clock)
    assert first.remember_signal("signal:old")
    clock.advance(3600)
    assert first.remember_signal("signal:new")

    clock.advance(DEFAULT_TTL_S - 3600 - 1)  # one second before "old" expires
    second = open_service(root, clock)
    assert not second.remember_signal("signal:old")  # repeating it keeps its first-seen time
    assert second.expire() == 0

    clock.advance(1)  # "old" is TTL seconds old: expired, though no process saw it happen
    third = open_service(root, clock)
    assert third.expire() == 1
    fourth = open_service(root, clock)
    assert not fourth.remember_signal("signal:new")  # an hour younger: still remembered
    assert fourth.remember_signal("signal:old")  # new again after its TTL

    clock.advance(3600)
    assert open_service(root, clock).remember_signal("signal:new")
