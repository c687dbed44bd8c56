"""`build_telegram`: each part exists only when its credentials are set; the notifier never
blocks or raises when the bot is down; a bot that cannot start reports why."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from verzek.api.app import create_app
from verzek.clock import ManualClock, SystemClock
from verzek.config import load_settings
from verzek.domain import plans
from verzek.engine.bus import SignalBus
from verzek.engine.notifier import Event, EventKind
from verzek.runtime import build_runtime
from verzek.store.docstore import DocumentStore
from verzek.store.repos import PositionRepository, UserRepository
from verzek.telegram.wiring import build_telegram

from .conftest import RecordingTrading, set_auto_trade_in
from .fake_bot_api import TOKEN, FakeBotApiServer

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
ADMIN_TOKEN = "admin-token-0123456789"


def _build(env: dict[str, str], store: DocumentStore, users: UserRepository,
           positions: PositionRepository, trading: RecordingTrading,
           clock: ManualClock) -> object:
    return build_telegram(load_settings(env, dotenv=False), bus=SignalBus(), store=store,
                          users=users, positions=positions, trading=trading,  # type: ignore[arg-type]
                          set_auto_trade=set_auto_trade_in(users), clock=clock)


def test_nothing_is_built_without_credentials(
        store: DocumentStore, users: UserRepository, positions: PositionRepository,
        trading: RecordingTrading, tg_clock: ManualClock) -> None:
    parts = _build({}, store, users, positions, trading, tg_clock)
    assert parts.bot is None and parts.forwarder is None and parts.notifier is None  # type: ignore[attr-defined]
    assert parts.links is not None  # type: ignore[attr-defined]


def test_everything_is_built_with_credentials(
        store: DocumentStore, users: UserRepository, positions: PositionRepository,
        trading: RecordingTrading, tg_clock: ManualClock) -> None:
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_VIP_GROUP_ID": "-1001",
           "TELEGRAM_TRIAL_GROUP_ID": "-1002", "TELEGRAM_ADMIN_IDS": "5,6",
           "TELEGRAM_API_ID": "12345", "TELEGRAM_API_HASH": "0123456789abcdef",
           "TELEGRAM_SESSION": "1BVtsFAKE", "TELEGRAM_SOURCES": "@signals,-1001",
           "TELEGRAM_TRIAL_DELAY_S": "30"}
    parts = _build(env, store, users, positions, trading, tg_clock)
    bot, forwarder = parts.bot, parts.forwarder  # type: ignore[attr-defined]
    assert bot.name == "telegram_bot" and bot.admin_ids == {5, 6}
    assert parts.broadcaster.trial_delay_s == 30  # type: ignore[attr-defined]
    assert forwarder.name == "telegram_forwarder"
    assert forwarder.sources == ("@signals", -1001)
    assert forwarder.exclude_chat_ids == {-1001, -1002}  # never watch our own groups
    assert forwarder.ignore_sender_ids == {7000001}  # nor our own bot
    assert bot.on_member is not None
    assert parts.access.group_of is plans.telegram_group  # type: ignore[attr-defined]
    assert not bot.is_alive() and bot.status()["state"] == "stopped"
    notifier = parts.notifier  # type: ignore[attr-defined]
    notifier.notify(Event(EventKind.BREAKER_TRIPPED, None, datetime(2026, 1, 1, tzinfo=UTC),
                          "tripped"))  # the bot is not running: dropped, never raised
    assert notifier.counters["dropped"] == 2


def test_bot_with_a_wrong_token_stops_with_the_reason(
        store: DocumentStore, users: UserRepository, positions: PositionRepository,
        trading: RecordingTrading, tg_clock: ManualClock) -> None:
    with FakeBotApiServer() as server:
        env = {"TELEGRAM_BOT_TOKEN": "123:wrong-token", "TELEGRAM_BOT_API_URL": server.url}
        bot = _build(env, store, users, positions, trading, tg_clock).bot  # type: ignore[attr-defined]
        bot.start()
        bot._thread.join(10)
        assert not bot.is_alive()
        assert bot.status()["state"] == "failed"
        assert "InvalidToken" in bot.status()["last_error"]


def test_bot_retries_while_the_api_is_unreachable_and_stops_on_request(
        store: DocumentStore, users: UserRepository, positions: PositionRepository,
        trading: RecordingTrading, tg_clock: ManualClock) -> None:
    with FakeBotApiServer() as server:
        url = server.url
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BOT_API_URL": url}  # nobody listens now
    bot = _build(env, store, users, positions, trading, tg_clock).bot  # type: ignore[attr-defined]
    bot.start()
    assert not bot.wait_ready(1.0)
    assert bot.is_alive() and "NetworkError" in (bot.status()["last_error"] or "")
    bot.stop(10)
    assert not bot.is_alive()


def _status(tmp_path: Path, env: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """/api/system/status while running and after the stop."""
    settings = load_settings({"VERZEK_DATA_DIR": str(tmp_path / "data"),
                              "VERZEK_PRICE_FEED": "sim", "VERZEK_ADMIN_TOKEN": ADMIN_TOKEN,
                              **env}, dotenv=False)
    runtime = build_runtime(settings, clock=SystemClock())
    runtime.start()
    try:
        bot = runtime.components["telegram"].bot
        if bot is not None:
            assert bot.wait_ready(10)
        client = create_app(runtime, settings).test_client()
        answer = client.get("/api/system/status",
                            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        assert answer.status_code == 200
        running = answer.get_json()["services"]
    finally:
        runtime.stop()
    return running, runtime.supervisor.status()


def test_system_status_reports_the_bot_off_running_and_stopped(tmp_path: Path) -> None:
    running, _ = _status(tmp_path / "off", {})
    assert running["telegram_bot"] == {"state": "off", "reason": "TELEGRAM_BOT_TOKEN is not set"}
    with FakeBotApiServer() as server:
        running, stopped = _status(tmp_path / "on", {"TELEGRAM_BOT_TOKEN": TOKEN,
                                                     "TELEGRAM_BOT_API_URL": server.url,
                                                     "TELEGRAM_VIP_GROUP_ID": "-1001111"})
    bot = running["telegram_bot"]
    assert bot["state"] == "running" and bot["bot_username"] == "verzek_test_bot"
    assert bot["polling"]["state"] == "polling" and bot["groups"] == {"VIP": -1001111}
    assert {"broadcaster", "notifications", "send"} <= set(bot)
    assert stopped["telegram_bot"]["state"] == "stopped"
    assert stopped["telegram_bot"]["polling"]["state"] == "stopped"


def test_forwarder_excludes_a_group_migrated_after_the_start(
        store: DocumentStore, users: UserRepository, positions: PositionRepository,
        trading: RecordingTrading, tg_clock: ManualClock) -> None:
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_VIP_GROUP_ID": "-1001",
           "TELEGRAM_API_ID": "12345", "TELEGRAM_API_HASH": "0123456789abcdef",
           "TELEGRAM_SESSION": "1BVtsFAKE", "TELEGRAM_SOURCES": "@signals"}
    parts = _build(env, store, users, positions, trading, tg_clock)
    parts.groups.record_migration(-1001, -1009001)  # type: ignore[attr-defined]
    assert -1009001 in parts.forwarder.exclude_chat_ids  # type: ignore[attr-defined]
