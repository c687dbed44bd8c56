"""Bot commands call the engine facade and repositories, and word the answers."""

from __future__ import annotations

from verzek.clock import ManualClock
from verzek.engine.telegram_links import TelegramLinkService
from verzek.store.repos import PositionRepository, UserRepository
from verzek.telegram.commands import NOT_LINKED, UserCommands

from .conftest import RecordingTrading, make_position, set_auto_trade_in


def _commands(links: TelegramLinkService, trading: RecordingTrading,
              positions: PositionRepository, users: UserRepository,
              clock: ManualClock) -> UserCommands:
    return UserCommands(links=links, trading=trading, positions=positions,  # type: ignore[arg-type]
                        set_auto_trade=set_auto_trade_in(users), clock=clock)


def test_unlinked_users_are_told_how_to_link(
        links: TelegramLinkService, trading: RecordingTrading, positions: PositionRepository,
        users: UserRepository, tg_clock: ManualClock) -> None:
    commands = _commands(links, trading, positions, users, tg_clock)
    assert commands.run(1, "status", []) == NOT_LINKED
    assert NOT_LINKED in commands.start(1, [])
    assert commands.start(1, ["BADCODE"]).startswith("❌ this link code is unknown")
    assert trading.calls == []


def test_linked_user_commands(
        links: TelegramLinkService, trading: RecordingTrading, positions: PositionRepository,
        users: UserRepository, tg_clock: ManualClock) -> None:
    commands = _commands(links, trading, positions, users, tg_clock)
    answer = commands.start(77, [links.issue_code("u1").code])
    assert answer.startswith("✅ Linked to u1@example.com")
    positions.save(make_position("p1", "u1"))
    status = commands.run(77, "status", [])
    assert "Plan: free" in status and "Open positions: 1" in status
    assert "Auto-trade: off" in status and "Today: 3 trades, PnL +12.50 USDT" in status
    assert "BTC/USDT LONG x5 — qty 0.5, entry 60000" in commands.run(77, "positions", [])
    pnl = commands.run(77, "pnl", [])
    assert "Today: +12.50 USDT" in pnl and "All time: -4.2 USDT — 10 trades" in pnl
    assert commands.run(77, "pause", []).startswith("⏸")
    assert users.get("u1").paused
    assert commands.run(77, "resume", []).startswith("▶️")
    assert ("set_pause", {"paused": False, "user_id": "u1"}) in trading.calls
    assert commands.run(77, "autotrade", ["on"]) == "🤖 Auto-trade switched on."
    assert users.get("u1").settings.general.auto_trade
    assert commands.run(77, "autotrade", []).startswith("Auto-trade is on.")
    assert commands.run(77, "join", []) == "Group invites are not available right now."
    assert commands.run(77, "unlink", []).startswith("🔓")
    assert commands.run(77, "status", []) == NOT_LINKED
    assert "/autotrade" in commands.run(77, "help", [])
