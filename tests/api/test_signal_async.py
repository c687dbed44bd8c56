"""Accepted-then-poll: a submission is stored and refused (422, 409) at once, its fan-out is
waited for a bounded time, and one still running then answers 202 with a `Location` whose record
shows `fanout: running`, then `done` with the decisions. The fan-out is held on a gate (the
fault wrapper's "slow" order send waiting for an event), never on the clock: nothing sleeps, and
every wait has a timeout so a fault fails the test instead of hanging it."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.api.conftest import ADMIN_TOKEN, TV_SECRET, AuthActions, make_settings
from verzek.api.app import create_app
from verzek.clock import ManualClock
from verzek.domain.models import SignalSource
from verzek.engine.signal_log import SignalLog
from verzek.exchanges.faults import FaultyExchange
from verzek.runtime import Runtime, build_runtime

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
TEXT = "#ETH/USDT LONG\nEntry: 3000\nTargets: 3100 3200\nStop: 2900"
WEBHOOK = f"/api/webhooks/tradingview/{TV_SECRET}"
TIMEOUT_S = 10.0  # how long a test waits for what must happen: a fault fails, never hangs
QUICK = {"signal_wait_s": 0.05}  # the bound a held fan-out outlasts
PATIENT = {"signal_wait_s": 60.0}  # a bound no test reaches: a 202 then did not wait for it
OLD_ANSWER = {"signal_id", "kind", "decisions", "invalid_reason", "duplicate_of"}


class Gate:
    """Holds every paper order send until released."""

    def __init__(self) -> None:
        self.entered = threading.Event()  # a send is held
        self.release = threading.Event()

    def hold(self, _seconds: float) -> None:
        self.entered.set()
        self.release.wait(TIMEOUT_S)


def hold_orders(runtime: Runtime, gate: Gate) -> None:
    """Every paper exchange built from now on sends its orders through `gate`."""
    assert runtime.trading is not None
    runtime.trading.pool.wrap = lambda inner: FaultyExchange(
        inner, rate=1.0, clock=runtime.clock, faults=("slow",), sleeper=gate.hold)


@pytest.fixture
def gate(runtime: Runtime) -> Iterator[Gate]:
    held = Gate()
    hold_orders(runtime, held)
    yield held
    held.release.set()
    assert runtime.trading is not None and runtime.trading.wait_fanouts(TIMEOUT_S)


def _trader(client: FlaskClient, auth: AuthActions, email: str) -> str:
    user_id, headers = auth.user(email)
    resp = client.put(f"/api/users/{user_id}/settings/general", headers=headers,
                      json={"mode": "demo", "auto_trade": True})
    assert resp.status_code == 200, resp.get_json()
    resp = client.put("/api/demo/prices", headers=ADMIN, json={"prices": {"ETH/USDT": 3000}})
    assert resp.status_code == 200, resp.get_json()
    return user_id


def _finished(runtime: Runtime) -> None:
    assert runtime.trading is not None and runtime.trading.wait_fanouts(TIMEOUT_S)


def test_a_fast_fanout_answers_200_as_before(client: FlaskClient, auth: AuthActions) -> None:
    user_id = _trader(client, auth, "fast@example.com")
    resp = client.post("/api/signals", headers=ADMIN, json={"text": TEXT})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert set(body) == OLD_ANSWER and "Location" not in resp.headers
    (decision,) = body["decisions"]
    assert (decision["user_id"], decision["outcome"]) == (user_id, "executed")
    record = client.get(f"/api/signals/{body['signal_id']}", headers=ADMIN).get_json()
    assert record["fanout"] == "done" and record["decisions"] == [decision]
    hook = client.post(WEBHOOK, data="#BTC/USDT LONG\nEntry: 65000\nTarget: 66000\nStop: 64000",
                       content_type="text/plain")
    assert hook.status_code == 200 and "fanout" not in hook.get_json()


@pytest.mark.parametrize("settings_overrides", [QUICK])
def test_a_slow_fanout_answers_202_and_its_record_shows_it_running_then_done(
        client: FlaskClient, auth: AuthActions, runtime: Runtime, gate: Gate,
        settings_overrides: dict[str, Any]) -> None:
    user_id = _trader(client, auth, "slow@example.com")
    resp = client.post("/api/signals", headers=ADMIN, json={"text": TEXT})
    assert resp.status_code == 202, resp.get_json()
    body = resp.get_json()
    assert body == {"signal_id": body["signal_id"], "kind": "signal", "decisions": [],
                    "invalid_reason": None, "duplicate_of": None, "fanout": "running"}
    location = resp.headers["Location"]
    assert location == f"/api/signals/{body['signal_id']}"
    assert "Preference-Applied" not in resp.headers
    assert gate.entered.wait(TIMEOUT_S)

    running = client.get(location, headers=ADMIN)
    assert running.status_code == 200
    assert running.get_json()["fanout"] == "running" and running.get_json()["decisions"] == []
    listed = client.get("/api/signals", headers=ADMIN).get_json()["items"]
    assert [(s["id"], s["fanout"]) for s in listed] == [(body["signal_id"], "running")]

    gate.release.set()
    _finished(runtime)
    done = client.get(location, headers=ADMIN).get_json()
    assert done["fanout"] == "done"
    (decision,) = done["decisions"]
    assert (decision["user_id"], decision["outcome"]) == (user_id, "executed")
    positions = client.get(f"/api/users/{user_id}/positions", headers=ADMIN).get_json()
    assert [p["id"] for p in positions["items"]] == [decision["position_id"]]
    assert runtime.trading is not None
    assert body["signal_id"] not in SignalLog(runtime.settings.data_dir / "signals" /
                                              "log.jsonl").unfinished  # marked done


@pytest.mark.parametrize("settings_overrides", [PATIENT])
def test_the_record_long_polls_with_prefer_wait(
        client: FlaskClient, auth: AuthActions, runtime: Runtime, gate: Gate,
        settings_overrides: dict[str, Any]) -> None:
    """`Prefer: wait=N` on the record holds the answer until the fan-out ends (a poller asks
    once, not again and again); without it the answer is at once."""
    _trader(client, auth, "poll@example.com")
    resp = client.post("/api/signals", headers={**ADMIN, "Prefer": "respond-async"},
                       json={"text": TEXT})
    assert resp.status_code == 202
    location = resp.headers["Location"]
    assert gate.entered.wait(TIMEOUT_S)
    assert client.get(location, headers=ADMIN).get_json()["fanout"] == "running"
    answers: list[Any] = []
    poller = threading.Thread(target=lambda: answers.append(client.get(
        location, headers={**ADMIN, "Prefer": "wait=30"}).get_json()))
    poller.start()
    poller.join(0.2)  # held while the fan-out runs (a bound, not a sleep the test relies on)
    assert poller.is_alive() and answers == []
    gate.release.set()
    poller.join(TIMEOUT_S)
    (done,) = answers
    assert done["fanout"] == "done" and [d["outcome"] for d in done["decisions"]] == \
        ["executed"]
    missing = client.get("/api/signals/s0000000000000000", headers={**ADMIN,
                                                                      "Prefer": "wait=30"})
    assert missing.status_code == 404


@pytest.mark.parametrize("settings_overrides", [PATIENT])
@pytest.mark.parametrize("prefer", ["respond-async", "wait=0", "Respond-Async; x=1, wait=0",
                                    "respond-async, wait=0"])
def test_prefer_respond_async_answers_202_at_once(
        client: FlaskClient, auth: AuthActions, runtime: Runtime, gate: Gate, prefer: str,
        settings_overrides: dict[str, Any]) -> None:
    _trader(client, auth, "async@example.com")
    resp = client.post("/api/signals", headers={**ADMIN, "Prefer": prefer},
                       json={"text": TEXT})
    # the fan-out is held until the gate's timeout and the bound is 60 s: a 202 did not wait
    assert resp.status_code == 202, resp.get_json()
    assert resp.get_json()["fanout"] == "running"
    asked = "respond-async" in prefer.lower()
    assert resp.headers.get("Preference-Applied") == ("respond-async" if asked else None)
    gate.release.set()
    _finished(runtime)
    record = client.get(resp.headers["Location"], headers=ADMIN).get_json()
    assert record["fanout"] == "done" and len(record["decisions"]) == 1


@pytest.mark.parametrize("settings_overrides", [QUICK])
def test_the_webhook_answers_202_with_counts_only(
        client: FlaskClient, auth: AuthActions, runtime: Runtime, gate: Gate,
        settings_overrides: dict[str, Any]) -> None:
    user_id = _trader(client, auth, "hook@example.com")
    resp = client.post(WEBHOOK, data=TEXT, content_type="text/plain")
    assert resp.status_code == 202, resp.get_json()
    body = resp.get_json()
    assert body == {"signal_id": body["signal_id"], "kind": "signal", "invalid_reason": None,
                    "duplicate_of": None, "fanout": "running",
                    "outcomes": {"executed": 0, "skipped": 0, "failed": 0}}
    assert resp.headers["Location"] == f"/api/signals/{body['signal_id']}"
    gate.release.set()
    _finished(runtime)
    again = client.post(WEBHOOK, data=TEXT, content_type="text/plain")
    assert again.status_code == 200 and again.get_json()["kind"] == "duplicate"
    record = client.get(resp.headers["Location"], headers=ADMIN).get_json()
    assert record["fanout"] == "done" and record["decisions"][0]["user_id"] == user_id
    for answer in (resp, again):
        assert user_id not in json.dumps(answer.get_json())


@pytest.mark.parametrize("settings_overrides", [QUICK])
def test_a_duplicate_while_the_first_still_fans_out_is_a_duplicate(
        client: FlaskClient, auth: AuthActions, runtime: Runtime, gate: Gate,
        settings_overrides: dict[str, Any]) -> None:
    user_id = _trader(client, auth, "dup@example.com")
    first = client.post("/api/signals", headers=ADMIN, json={"text": TEXT})
    assert first.status_code == 202
    first_id = first.get_json()["signal_id"]
    assert gate.entered.wait(TIMEOUT_S)
    again = client.post("/api/signals", headers=ADMIN, json={"text": TEXT})
    assert again.status_code == 200
    assert again.get_json() == {"signal_id": first_id, "kind": "duplicate",
                                "duplicate_of": first_id, "decisions": [],
                                "invalid_reason": None}
    assert client.get(f"/api/signals/{first_id}", headers=ADMIN).get_json()["fanout"] == \
        "running"
    gate.release.set()
    _finished(runtime)
    listed = client.get("/api/signals", headers=ADMIN).get_json()
    assert [s["id"] for s in listed["items"]] == [first_id]  # the copy stored nothing
    positions = client.get(f"/api/users/{user_id}/positions", headers=ADMIN).get_json()
    assert len(positions["items"]) == 1  # and traded nothing


@pytest.mark.parametrize("settings_overrides", [QUICK])
def test_a_slow_follow_up_answers_202_too(
        client: FlaskClient, auth: AuthActions, runtime: Runtime, gate: Gate,
        settings_overrides: dict[str, Any]) -> None:
    user_id = _trader(client, auth, "close@example.com")
    gate.release.set()  # the call goes through
    call = client.post("/api/signals", headers=ADMIN, json={"text": TEXT})
    assert call.status_code in (200, 202)
    _finished(runtime)
    gate.entered.clear()
    gate.release.clear()  # the close order is held
    resp = client.post("/api/signals", headers=ADMIN, json={"text": "Close ETH now"})
    assert resp.status_code == 202, resp.get_json()
    assert (resp.get_json()["kind"], resp.get_json()["fanout"]) == ("update", "running")
    assert gate.entered.wait(TIMEOUT_S)
    assert client.get(resp.headers["Location"], headers=ADMIN).get_json()["fanout"] == \
        "running"
    gate.release.set()
    _finished(runtime)
    record = client.get(resp.headers["Location"], headers=ADMIN).get_json()
    assert record["fanout"] == "done"
    assert [d["user_id"] for d in record["decisions"]] == [user_id]


@pytest.mark.parametrize("settings_overrides", [PATIENT])
def test_refusals_are_still_answered_at_once(
        client: FlaskClient, auth: AuthActions, runtime: Runtime, gate: Gate,
        settings_overrides: dict[str, Any]) -> None:
    _trader(client, auth, "refused@example.com")
    async_ = {**ADMIN, "Prefer": "respond-async"}
    incomplete = {"symbol": "ETH/USDT", "side": "long", "entries": ["3000"]}
    resp = client.post("/api/signals", headers=async_, json=incomplete)
    assert resp.status_code == 422, resp.get_json()
    wrong_side = {"symbol": "ETH/USDT", "side": "long", "entries": ["3000"],
                  "targets": ["3100"], "stop_loss": "3100"}
    resp = client.post("/api/signals", headers=async_, json={"signal": wrong_side})
    assert resp.status_code == 409, resp.get_json()
    assert resp.get_json()["error"]["code"] == "inconsistent_signal"
    resp = client.post(WEBHOOK, json={"symbol": "ETH/USDT", "side": "long"},
                       headers={"Prefer": "respond-async"})
    assert resp.status_code == 422, resp.get_json()
    runtime.accepting.clear()  # shutting down: refused, not accepted
    resp = client.post("/api/signals", headers=async_, json={"text": TEXT})
    assert resp.status_code == 409, resp.get_json()
    runtime.accepting.set()
    assert client.get("/api/signals", headers=ADMIN).get_json()["total"] == 0
    assert not gate.entered.is_set()  # nothing was sent
    noise = client.post("/api/signals", headers=async_, json={"text": "gm, big pump soon"})
    assert noise.status_code == 200 and noise.get_json()["kind"] == "noise"  # no fan-out


def test_the_document_states_the_202_and_the_prefer_header(client: FlaskClient) -> None:
    doc = client.get("/openapi.json").get_json()
    for path in ("/api/signals", "/api/webhooks/tradingview/{secret}"):
        operation = doc["paths"][path]["post"]
        assert "202" in operation["responses"], path
        assert operation["responses"]["202"]["headers"]["Location"]["required"] is True
        assert any(p["name"] == "Prefer" and p["in"] == "header"
                   for p in operation["parameters"]), path
    schemas = doc["components"]["schemas"]
    assert "fanout" in schemas["SubmitAccepted"]["required"]
    assert "fanout" in schemas["WebhookAccepted"]["required"]
    assert "user_id" not in json.dumps(schemas["WebhookAccepted"])
    assert "fanout" in schemas["SignalOut"]["properties"]


def test_a_fanout_cut_off_at_shutdown_is_resumed_at_the_next_start(
        tmp_path: Path, clock: ManualClock, caplog: pytest.LogCaptureFixture) -> None:
    """The fan-out outlives its request and meets the shutdown a request's fan-out met: the
    grace runs out while an order is held, the store closes under it, it is logged with the
    signal's id, not marked done, and the next start finds it to resume."""
    data_dir = tmp_path / "data"
    rt = build_runtime(make_settings(data_dir, signal_wait_s=0.05, shutdown_grace_s=0.2),
                       clock=clock)
    gate = Gate()
    try:
        rt.accepting.set()
        hold_orders(rt, gate)
        app = create_app(rt, rt.settings)
        app.config["TESTING"] = True
        client = app.test_client()
        _trader(client, AuthActions(client), "cut@example.com")
        resp = client.post("/api/signals", headers=ADMIN, json={"text": TEXT})
        assert resp.status_code == 202, resp.get_json()
        signal_id = resp.get_json()["signal_id"]
        assert gate.entered.wait(TIMEOUT_S)
        with caplog.at_level(logging.WARNING, logger="verzek.engine.trading"):
            assert rt.stop() is False  # the held order outlasts the grace: cut off
            gate.release.set()
            assert rt.trading is not None
            assert rt.trading.signals.wait_fanout(signal_id, TIMEOUT_S)
        assert rt.trading.fanout_state(signal_id) == "interrupted"
        assert any(signal_id in r.getMessage() for r in caplog.records
                   if r.name == "verzek.engine.trading"), caplog.text
    finally:
        gate.release.set()
    again = build_runtime(make_settings(data_dir), clock=clock)
    try:
        assert again.trading is not None
        assert signal_id in again.trading.signals.unfinished
        assert again.trading.fanout_state(signal_id) == "interrupted"
    finally:
        again.stop()


@pytest.mark.parametrize("settings_overrides", [PATIENT])
def test_with_every_waiting_slot_taken_a_submission_answers_at_once(
        client: FlaskClient, auth: AuthActions, runtime: Runtime, gate: Gate,
        settings_overrides: dict[str, Any]) -> None:
    """Waits for fan-outs hold the server's handler threads: at most four at once, so the
    app's users are still answered; a submission finding none free answers 202 at once."""
    from verzek.api.signals import WAITING_SLOTS

    _trader(client, auth, "busy@example.com")
    taken = 0
    while WAITING_SLOTS.acquire(blocking=False):
        taken += 1
    try:
        assert taken == 4
        resp = client.post("/api/signals", headers=ADMIN, json={"text": TEXT})
        assert resp.status_code == 202, resp.get_json()
        assert "Preference-Applied" not in resp.headers
        record = client.get(resp.headers["Location"], headers={**ADMIN, "Prefer": "wait=30"})
        assert record.get_json()["fanout"] == "running"  # no slot: not held either
    finally:
        for _ in range(taken):
            WAITING_SLOTS.release()


@pytest.mark.parametrize("settings_overrides", [PATIENT])
@pytest.mark.parametrize("prefer", ["wait", "wait=abc", "wait=-1", "wait=1e3", "wait=;x"])
def test_an_unreadable_wait_preference_on_the_record_does_not_hold_it(
        client: FlaskClient, auth: AuthActions, runtime: Runtime, gate: Gate,
        settings_overrides: dict[str, Any], prefer: str) -> None:
    """RFC 7240: a preference that cannot be read is ignored; on the record that is no wait
    (a bare `wait` held the handler thread for the whole bound)."""
    _trader(client, auth, "garbled@example.com")
    resp = client.post("/api/signals", headers={**ADMIN, "Prefer": "respond-async"},
                       json={"text": TEXT})
    assert resp.status_code == 202 and gate.entered.wait(TIMEOUT_S)
    answers: list[Any] = []
    poller = threading.Thread(target=lambda: answers.append(client.get(
        resp.headers["Location"], headers={**ADMIN, "Prefer": prefer}).get_json()))
    poller.start()
    poller.join(TIMEOUT_S)  # answered at once, while the fan-out is still held
    assert not poller.is_alive() and answers[0]["fanout"] == "running"


BTC = "#BTC/USDT LONG\nEntry: 65000\nTargets: 66000 67000\nStop: 64000"


@pytest.mark.parametrize("settings_overrides", [QUICK])
def test_a_close_sent_while_its_call_fans_out_waits_for_it(
        client: FlaskClient, auth: AuthActions, runtime: Runtime, gate: Gate,
        settings_overrides: dict[str, Any]) -> None:
    """"Close ETH now" sent right after the ETH call answered 202 routed against the positions
    opened so far (none): "no open position", and the call then opened the position the admin
    had closed. The close now acts once the call has decided every user."""
    user_id = _trader(client, auth, "order@example.com")
    client.put("/api/demo/prices", headers=ADMIN, json={"prices": {"BTC/USDT": 65000}})
    assert client.post("/api/signals", headers=ADMIN, json={"text": BTC}).status_code == 202
    assert gate.entered.wait(TIMEOUT_S)  # BTC's entry is held; ETH's fan-out queues behind
    eth = client.post("/api/signals", headers=ADMIN, json={"text": TEXT})
    assert eth.status_code == 202
    close = client.post("/api/signals", headers=ADMIN, json={"text": "Close ETH now"})
    assert close.status_code == 202 and close.get_json()["kind"] == "update"
    gate.release.set()
    _finished(runtime)
    done = client.get(close.headers["Location"], headers=ADMIN).get_json()
    assert done["fanout"] == "done"
    assert [(d["outcome"], d["code"]) for d in done["decisions"]] == \
        [("executed", "update_applied")]
    positions = client.get(f"/api/users/{user_id}/positions?status=all",
                           headers=ADMIN).get_json()["items"]
    eth_positions = [p for p in positions if p["symbol"].startswith("ETH")]
    assert [p["status"] for p in eth_positions] == ["closed"]


def test_a_follow_up_cut_at_shutdown_reads_interrupted_after_a_restart(
        tmp_path: Path, clock: ManualClock) -> None:
    """Only trade signals were known unfinished after a restart: a close cut off at shutdown
    (no user decided) read `done`."""
    data_dir = tmp_path / "data"
    rt = build_runtime(make_settings(data_dir, signal_wait_s=0.05, shutdown_grace_s=0.2),
                       clock=clock)
    gate = Gate()
    try:
        rt.accepting.set()
        hold_orders(rt, gate)
        app = create_app(rt, rt.settings)
        app.config["TESTING"] = True
        client = app.test_client()
        user_id = _trader(client, AuthActions(client), "cut@example.com")
        gate.release.set()
        assert client.post("/api/signals", headers=ADMIN, json={"text": TEXT}).status_code \
            in (200, 202)
        _finished(rt)
        gate.entered.clear()
        gate.release.clear()  # the close order is held
        resp = client.post("/api/signals", headers=ADMIN, json={"text": "Close ETH now"})
        assert resp.status_code == 202, resp.get_json()
        update_id = resp.get_json()["signal_id"]
        assert gate.entered.wait(TIMEOUT_S)
        assert rt.stop() is False  # the grace ends while the close is held: cut off
        gate.release.set()
        assert rt.trading is not None and rt.trading.signals.wait_fanout(update_id, TIMEOUT_S)
        assert rt.trading.fanout_state(update_id) == "interrupted"
    finally:
        gate.release.set()
    again = build_runtime(make_settings(data_dir), clock=clock)
    try:
        assert again.trading is not None
        assert again.trading.get_signal(update_id).decisions == []
        assert again.trading.fanout_state(update_id) == "interrupted"
        # not resumed; the same words again are no duplicate of it: the retry acts
        again.accepting.set()
        retry = again.trading.submit_text("Close ETH now", SignalSource(kind="api"))
        assert retry.kind == "update" and retry.signal_id != update_id
        (decision,) = retry.decisions  # its close is sent (the cut one's is reconciled)
        assert (decision.outcome, decision.code) == ("executed", "update_applied")
        assert [p.id for p in again.positions.open_positions(user_id)] in (
            [], [decision.position_id])
    finally:
        again.stop()


@pytest.mark.parametrize("settings_overrides", [QUICK])
def test_a_close_waits_for_a_call_fanning_out_in_its_callers_thread(
        client: FlaskClient, auth: AuthActions, runtime: Runtime, gate: Gate,
        settings_overrides: dict[str, Any]) -> None:
    """A call from the Telegram bus runs its fan-out in the caller's thread; it was not known
    as running, so a close sent through the API meanwhile found no position to close."""
    user_id = _trader(client, auth, "bus@example.com")
    assert runtime.trading is not None
    call = threading.Thread(target=lambda: runtime.trading.submit_text(  # type: ignore[union-attr]
        TEXT, SignalSource(kind="api")))
    call.start()
    assert gate.entered.wait(TIMEOUT_S)  # the call's entry is held
    close = client.post("/api/signals", headers={**ADMIN, "Prefer": "respond-async"},
                        json={"text": "Close ETH now"})
    assert close.status_code == 202
    gate.release.set()
    call.join(TIMEOUT_S)
    _finished(runtime)
    done = client.get(close.headers["Location"], headers=ADMIN).get_json()
    assert [(d["outcome"], d["code"]) for d in done["decisions"]] == \
        [("executed", "update_applied")]
    positions = client.get(f"/api/users/{user_id}/positions?status=all",
                           headers=ADMIN).get_json()["items"]
    assert [p["status"] for p in positions] == ["closed"]
