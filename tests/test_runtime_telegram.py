"""The whole runtime with Telegram on: an admin's private message to the bot becomes a trade
for an auto-trading user, a broadcast to both groups, and a notification to the linked user —
through the real python-telegram-bot client and a fake Bot API server on loopback. Also: REST
signals reach the groups, commands change what the REST API changes, and the forwarder's
messages are traded once across a crash (by their post date, so old calls stay old)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from telethon import events

from tests.telegram.fake_bot_api import TOKEN, FakeBotApiServer
from tests.telegram.test_forwarder import FakeClient, msg
from verzek.api.app import create_app
from verzek.clock import SystemClock
from verzek.config import load_settings
from verzek.domain import plans
from verzek.domain.models import PlanName, User, UserSettings
from verzek.runtime import Runtime, build_runtime
from verzek.store.docstore import DocumentStore
from verzek.telegram.format import HEADER
from verzek.telegram.forwarder import Forwarder
from verzek.telegram.progress import SourceProgress

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
VIP, TRIAL, ADMIN, USER_TG = -1001111, -1002222, 9001, 7777
SIGNAL = "#ETH/USDT LONG\nEntry: 3400\nTargets: 3450 - 3500\nStop: 3300\nLeverage 5x"
SOL_SIGNAL = "#SOL/USDT LONG\nEntry: 50\nTargets: 55 - 60\nStop: 45\nLeverage 5x"
ADMIN_TOKEN = "admin-token-0123456789"
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
SOURCE = -1000000000555  # the watched channel of tests.telegram.test_forwarder's messages


def _settings(data_dir: Path, server: FakeBotApiServer) -> Any:
    return load_settings({
        "VERZEK_DATA_DIR": str(data_dir), "VERZEK_PRICE_FEED": "sim",
        "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BOT_API_URL": server.url,
        "TELEGRAM_VIP_GROUP_ID": str(VIP), "TELEGRAM_TRIAL_GROUP_ID": str(TRIAL),
        "TELEGRAM_ADMIN_IDS": str(ADMIN), "VERZEK_ADMIN_TOKEN": ADMIN_TOKEN,
        "VERZEK_TRADINGVIEW_SECRET": "tv-secret-0123456789"}, dotenv=False)


@contextmanager
def running(data_dir: Path, server: FakeBotApiServer) -> Iterator[Runtime]:
    """The runtime started on `data_dir` with u1 (VIP, auto-trading) and pinned prices."""
    runtime = build_runtime(_settings(data_dir, server), clock=SystemClock())
    now = runtime.clock.now()
    if runtime.users.find("u1") is None:
        base = UserSettings().model_dump()
        base["general"]["auto_trade"] = True
        runtime.users.create(User(id="u1", email="u1@example.com", created_at=now,
                                  subscription=plans.subscribe(PlanName.VIP, now, 30),
                                  settings=UserSettings.model_validate(base)))
    assert runtime.trading is not None
    feed: Any = runtime.trading.pool.price_feed
    feed.pin("ETH/USDT:USDT", Decimal(3400))
    feed.pin("SOL/USDT:USDT", Decimal(50))
    runtime.start()
    try:
        bot = runtime.components["telegram"].bot
        assert bot is not None and bot.wait_ready(20)
        yield runtime
    finally:
        runtime.stop()


class WatchedProgress(SourceProgress):
    """The forwarder's progress, with a wait for the watermark (notified by every ack)."""

    def __init__(self, *, store: DocumentStore) -> None:
        super().__init__(store=store)
        self.changed = threading.Condition()

    def mark(self, chat_id: int, message_id: int) -> None:
        super().mark(chat_id, message_id)
        with self.changed:
            self.changed.notify_all()

    def wait_last_seen(self, chat_id: int, value: int, timeout_s: float = 20.0) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: self.last_seen(chat_id) == value, timeout_s)


def _forwarder(runtime: Runtime) -> Forwarder:
    assert runtime.bus is not None
    return Forwarder(client_factory=lambda: None, sources=(SOURCE,), bus=runtime.bus,
                     progress=WatchedProgress(store=runtime.store), clock=runtime.clock)


def test_admin_signal_trades_broadcasts_and_notifies(tmp_path: Path) -> None:
    with FakeBotApiServer() as server:
        settings = _settings(tmp_path / "data", server)
        runtime = build_runtime(settings, clock=SystemClock())
        clock = runtime.clock
        now = clock.now()
        base = UserSettings().model_dump()
        base["general"]["auto_trade"] = True
        runtime.users.create(User(id="u1", email="u1@example.com", created_at=now,
                                  subscription=plans.subscribe(PlanName.VIP, now, 30),
                                  settings=UserSettings.model_validate(base)))
        runtime.trading.pool.price_feed.pin("ETH/USDT:USDT", 3400)  # type: ignore[union-attr]
        runtime.start()
        try:
            client = create_app(runtime, settings).test_client()
            answer = client.post("/api/users/u1/telegram/link",
                                 headers={"Authorization": "Bearer admin-token-0123456789"})
            assert answer.status_code == 200, answer.get_json()
            code = answer.get_json()["code"]
            server.api.inject_private_text(USER_TG, f"/start {code}")
            assert server.api.wait_for(lambda: runtime.users.get("u1").telegram_user_id
                                       == USER_TG, 20)
            server.api.inject_private_text(ADMIN, SIGNAL)
            assert server.api.wait_for(
                lambda: len(server.api.sent(VIP)) == 1 and len(server.api.sent(TRIAL)) == 1, 20)
            vip = server.api.sent(VIP)[0]
            assert vip.startswith("🚨 New Signal Alert") and "ETH/USDT" in vip
            assert server.api.sent(TRIAL) == [vip]
            assert server.api.wait_for(lambda: len(runtime.positions.open_positions("u1")) == 1,
                                       20)
            assert server.api.wait_for(
                lambda: any("ETH" in t and "pen" in t for t in server.api.sent(USER_TG)), 20)
            # the bot's own broadcast coming back through getUpdates is not broadcast again
            server.api.inject_group_text(VIP, vip, from_user={"id": 1, "is_bot": True,
                                                              "first_name": "bot"})
            server.api.inject_private_text(ADMIN, "gm")
            # the next call is broadcast next: an echo taken as a call would come before it
            server.api.inject_private_text(ADMIN, SIGNAL.replace("ETH", "SOL"))
            assert server.api.wait_for(lambda: len(server.api.sent(VIP)) >= 2, 20)
            assert len(server.api.sent(VIP)) == 2 and "SOL/USDT" in server.api.sent(VIP)[1]
        finally:
            runtime.stop()
        status = runtime.supervisor.status()
        assert status["telegram_bot"]["state"] in ("stopped", "running")


def _ask(server: FakeBotApiServer, text: str, prefix: str) -> str:
    """Send `text` as the linked user; the bot's answer starting with `prefix` (notifications
    may come in between)."""
    before = len(server.api.sent(USER_TG))
    server.api.inject_private_text(USER_TG, text)
    found: list[str] = []

    def answered() -> bool:
        found[:] = [t for t in server.api.sent(USER_TG)[before:] if t.startswith(prefix)]
        return bool(found)

    assert server.api.wait_for(answered, 20), server.api.sent(USER_TG)[before:]
    return found[0]


def test_a_rest_json_signal_is_broadcast_to_vip_and_trial(tmp_path: Path) -> None:
    with FakeBotApiServer() as server, running(tmp_path / "data", server) as runtime:
        client = create_app(runtime, runtime.settings).test_client()
        body = {"signal": {"symbol": "ETH/USDT", "side": "long", "entries": ["3400"],
                           "targets": ["3450", "3500"], "stop_loss": "3300", "leverage": 5}}
        answer = client.post("/api/signals", json=body, headers=AUTH)
        assert answer.status_code == 200 and answer.get_json()["kind"] == "signal"
        assert server.api.wait_for(
            lambda: len(server.api.sent(VIP)) == 1 and len(server.api.sent(TRIAL)) == 1, 20)
        expected = (f"{HEADER}\n\n📊 Summary\nPair: ETH/USDT\nSide: LONG\nEntry: 3400\n"
                    "Targets: 3450, 3500\nStop loss: 3300\nLeverage: 5x")
        assert server.api.sent(VIP) == [expected] and server.api.sent(TRIAL) == [expected]
        # a webhook's structured signal with its own message: the message and the summary
        raw = "SOL breakout long 50, targets 55/60, stop 45"
        flat = {"symbol": "SOL/USDT", "side": "long", "entries": ["50"],
                "targets": ["55", "60"], "stop_loss": "45", "raw_text": raw}
        answer = client.post("/api/webhooks/tradingview/tv-secret-0123456789", json=flat)
        assert answer.status_code == 200 and answer.get_json()["kind"] == "signal"
        assert server.api.wait_for(lambda: len(server.api.sent(TRIAL)) == 2, 20)
        assert server.api.sent(TRIAL)[1].startswith(f"{HEADER}\n\n{raw}\n\n📊 Summary\n"
                                                    "Pair: SOL/USDT")
        assert server.api.wait_for(lambda: len(server.api.sent(VIP)) == 2, 20)


def test_commands_change_and_report_what_the_rest_api_does(tmp_path: Path) -> None:
    with FakeBotApiServer() as server, running(tmp_path / "data", server) as runtime:
        client = create_app(runtime, runtime.settings).test_client()
        code = client.post("/api/users/u1/telegram/link", headers=AUTH).get_json()["code"]
        _ask(server, f"/start {code}", "✅ Linked")
        answer = client.post("/api/signals", json={"text": SIGNAL}, headers=AUTH)
        assert [d["outcome"] for d in answer.get_json()["decisions"]] == ["executed"]
        position = runtime.positions.open_positions("u1")[0]

        status = _ask(server, "/status", "📋 Status")
        assert "Plan: vip" in status and "Auto-trade: on" in status
        assert "Trading: active" in status and "Open positions: 1" in status
        listed = _ask(server, "/positions", "📈 Open positions (1)")
        assert position.id in listed and "ETH/USDT" in listed
        closed = client.post(f"/api/users/u1/positions/{position.id}/close", headers=AUTH)
        assert closed.status_code == 200
        today = client.get("/api/users/u1/stats", headers=AUTH).get_json()["today"]
        assert today["trades"] == 1
        pnl = _ask(server, "/pnl", "💰 Profit and loss")
        amount = Decimal(str(today["realised_pnl_usdt"]))
        assert f"Today: {'+' if amount > 0 else ''}{amount} USDT — 1 trades" in pnl

        def user_pause() -> Any:
            return client.get("/api/safety/status", headers=AUTH).get_json()["user_pause"]

        _ask(server, "/pause", "⏸ Trading paused")
        assert user_pause()["u1"]["active"] is True  # where POST /api/users/u1/pause puts it
        assert "Trading: paused" in _ask(server, "/status", "📋 Status")
        refused = client.post("/api/signals", json={"text": SOL_SIGNAL}, headers=AUTH)
        assert [d["code"] for d in refused.get_json()["decisions"]] == ["paused_user"]
        _ask(server, "/resume", "▶️ Trading resumed")
        assert "u1" not in user_pause()
        assert "Trading: active" in _ask(server, "/status", "📋 Status")

        def auto_trade() -> bool:
            general = client.get("/api/users/u1/settings/general", headers=AUTH).get_json()
            return bool(general["settings"]["auto_trade"])

        _ask(server, "/autotrade off", "🤖 Auto-trade switched off")
        assert auto_trade() is False
        _ask(server, "/autotrade on", "🤖 Auto-trade switched on")
        assert auto_trade() is True


def test_a_forwarded_call_is_traded_once_across_a_crash_before_and_after_handling(
        tmp_path: Path) -> None:
    data = tmp_path / "data"
    with FakeBotApiServer() as server:
        now = SystemClock().now()
        history = {SOURCE: [msg(1, "good morning", date=now)]}
        with running(data, server) as first:
            fw = _forwarder(first)
            progress = fw.progress
            assert isinstance(progress, WatchedProgress)
            asyncio.run(fw.catch_up(FakeClient(history), SOURCE))  # first sight: from 1 on
            history[SOURCE].append(msg(2, SIGNAL, date=now))
            asyncio.run(fw.on_new_message(events.NewMessage.Event(history[SOURCE][-1])))
            assert progress.wait_last_seen(SOURCE, 2)  # handled by the engine and the bot
            assert server.api.wait_for(lambda: len(server.api.sent(VIP)) == 1, 20)
            # The engine stops before it gets to 3: the process dies with 3 on the bus.
            assert first.bus is not None
            first.bus.stop(10)
            history[SOURCE].append(msg(3, SOL_SIGNAL, date=now))
            asyncio.run(fw.on_new_message(events.NewMessage.Event(history[SOURCE][-1])))
            assert first.bus.status()["subscribers"]["orchestrator"]["queued"] == 1
            assert progress.last_seen(SOURCE) == 2
        with running(data, server) as second:
            # and say the acknowledgement of 2 never reached the disk either
            second.store.write(SourceProgress.DOC,
                               {"chats": {str(SOURCE): {"last_seen": 1, "ahead": []}}})
            fw = _forwarder(second)
            assert asyncio.run(fw.catch_up(FakeClient(history), SOURCE)) == 2  # 2 and 3 again
            assert isinstance(fw.progress, WatchedProgress)
            assert fw.progress.wait_last_seen(SOURCE, 3)
            assert server.api.wait_for(lambda: len(server.api.sent(TRIAL)) == 2, 20)
            assert server.api.wait_for(lambda: len(server.api.sent(VIP)) == 2, 20)
            assert ["ETH/USDT" in server.api.sent(VIP)[0], "SOL/USDT" in server.api.sent(VIP)[1]
                    ] == [True, True]  # 2 was not broadcast again before 3
            assert sorted(p.symbol for p in second.positions.open_positions("u1")) == [
                "ETH/USDT:USDT", "SOL/USDT:USDT"]  # 2 not traded twice, 3 traded once
            assert second.trading is not None
            records = [r for r in second.trading.recent_signals(100, 0)
                       if r.source.chat_id == SOURCE]
            assert sorted(r.source.message_id or 0 for r in records) == [2, 3]


def test_a_caught_up_call_older_than_the_age_limit_is_recorded_not_traded(
        tmp_path: Path) -> None:
    with FakeBotApiServer() as server, running(tmp_path / "data", server) as runtime:
        now = runtime.clock.now()
        history = {SOURCE: [msg(1, "good morning", date=now - timedelta(hours=2))]}
        fw = _forwarder(runtime)
        asyncio.run(fw.catch_up(FakeClient(history), SOURCE))
        posted = now - timedelta(hours=1)  # posted during an outage, read only now
        history[SOURCE].append(msg(2, SIGNAL, date=posted))
        assert asyncio.run(fw.catch_up(FakeClient(history), SOURCE)) == 1
        assert isinstance(fw.progress, WatchedProgress)
        assert fw.progress.wait_last_seen(SOURCE, 2)
        assert runtime.trading is not None
        record = runtime.trading.signals.by_message(SOURCE, 2)
        assert record is not None and record.kind == "signal"
        assert record.received_at == posted
        assert [(d["user_id"], d["outcome"], d["code"]) for d in record.decisions] == [
            ("u1", "skipped", "signal_stale")]
        assert runtime.positions.open_positions("u1") == []
