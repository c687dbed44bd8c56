"""The whole runtime with Telegram on: an admin's private message to the bot becomes a trade
for an auto-trading user, a broadcast to both groups, and a notification to the linked user —
through the real python-telegram-bot client and a fake Bot API server on loopback."""

from __future__ import annotations

from pathlib import Path

from tests.telegram.fake_bot_api import TOKEN, FakeBotApiServer
from verzek.api.app import create_app
from verzek.clock import SystemClock
from verzek.config import load_settings
from verzek.domain import plans
from verzek.domain.models import PlanName, User, UserSettings
from verzek.runtime import build_runtime

VIP, TRIAL, ADMIN, USER_TG = -1001111, -1002222, 9001, 7777
SIGNAL = "#ETH/USDT LONG\nEntry: 3400\nTargets: 3450 - 3500\nStop: 3300\nLeverage 5x"


def test_admin_signal_trades_broadcasts_and_notifies(tmp_path: Path) -> None:
    with FakeBotApiServer() as server:
        settings = load_settings({
            "VERZEK_DATA_DIR": str(tmp_path / "data"), "VERZEK_PRICE_FEED": "sim",
            "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BOT_API_URL": server.url,
            "TELEGRAM_VIP_GROUP_ID": str(VIP), "TELEGRAM_TRIAL_GROUP_ID": str(TRIAL),
            "TELEGRAM_ADMIN_IDS": str(ADMIN), "VERZEK_ADMIN_TOKEN": "admin-token-0123456789"})
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
