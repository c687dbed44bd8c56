"""Bot commands call the engine facade and repositories, and word the answers."""

from __future__ import annotations

from decimal import Decimal

from verzek.clock import ManualClock
from verzek.domain.models import PositionStatus
from verzek.engine.telegram_links import TelegramLinkService
from verzek.store.repos import PositionRepository, UserRepository
from verzek.telegram.commands import MAX_LISTED, NOT_LINKED, UserCommands
from verzek.telegram.format import MAX_MESSAGE_UNITS, split_text, utf16_len

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
    assert "Auto-trade: off" in status and "Today: 3 trades, PnL +12.5 USDT" in status
    assert "BTC/USDT LONG x5 — qty 0.5, entry 60000" in commands.run(77, "positions", [])
    waiting = make_position("p2", "u1").model_copy(update={
        "status": PositionStatus.PENDING, "quantity": Decimal(0), "average_entry": None,
        "extra": {"entry_trigger": {"direction": "above", "price": "65500", "quantity": "1",
                                    "expires_at": "2030-01-01T00:00:00+00:00"}}})
    positions.save(waiting)
    assert "entry waits for a cross above 65500" in commands.run(77, "positions", [])
    pnl = commands.run(77, "pnl", [])
    assert "Today: +12.5 USDT" in pnl and "All time: -4.2 USDT — 10 trades" in pnl
    assert "Trading: active" in status
    assert commands.run(77, "pause", []).startswith("⏸")
    assert trading.is_paused("u1") and "Trading: paused" in commands.run(77, "status", [])
    assert commands.run(77, "resume", []).startswith("▶️")
    assert "Trading: active" in commands.run(77, "status", [])
    assert ("set_pause", {"paused": False, "user_id": "u1"}) in trading.calls
    assert commands.run(77, "autotrade", ["on"]) == "🤖 Auto-trade switched on."
    assert users.get("u1").settings.general.auto_trade
    assert commands.run(77, "autotrade", []).startswith("Auto-trade is on.")
    assert commands.run(77, "join", []) == "Group invites are not available right now."
    assert commands.run(77, "unlink", []).startswith("🔓")
    assert commands.run(77, "status", []) == NOT_LINKED
    assert "/autotrade" in commands.run(77, "help", [])


def test_status_says_when_a_circuit_breaker_stops_new_positions(
        links: TelegramLinkService, trading: RecordingTrading, positions: PositionRepository,
        users: UserRepository, tg_clock: ManualClock) -> None:
    commands = _commands(links, trading, positions, users, tg_clock)
    commands.start(77, [links.issue_code("u1").code])
    trading.tripped.append({"user_id": "u1", "until": "2026-01-01T13:00:00+00:00",
                            "code": "consecutive_losses", "reason": "3 losses in a row"})
    assert "Trading: stopped by your circuit breaker until 2026-01-01 13:00 UTC (3 losses " \
        "in a row)" in commands.run(77, "status", [])
    trading.tripped.clear()
    trading.platform_reason = "The platform circuit breaker tripped: exchange errors."
    assert "Trading: stopped platform-wide (The platform circuit breaker tripped" in \
        commands.run(77, "status", [])
    trading.platform_reason = None
    assert "Trading: active" in commands.run(77, "status", [])


def test_unknown_commands_and_plain_text_get_a_helpful_answer(
        links: TelegramLinkService, trading: RecordingTrading, positions: PositionRepository,
        users: UserRepository, tg_clock: ManualClock) -> None:
    commands = _commands(links, trading, positions, users, tg_clock)
    unknown = commands.run(1, "balance", [])
    assert unknown.startswith("Unknown command /balance.\nCommands:\n/status")
    assert unknown.endswith(NOT_LINKED)  # and how to link, for an unlinked account
    assert commands.run(1, "help", []).endswith(NOT_LINKED)
    assert commands.other_text(1) == NOT_LINKED
    commands.start(77, [links.issue_code("u1").code])
    assert NOT_LINKED not in commands.run(77, "balance", [])
    assert NOT_LINKED not in commands.run(77, "HELP", [])
    assert commands.other_text(77) == "Send /help to see what I can do."


def test_positions_list_every_open_position_up_to_the_cap(
        links: TelegramLinkService, trading: RecordingTrading, positions: PositionRepository,
        users: UserRepository, tg_clock: ManualClock) -> None:
    commands = _commands(links, trading, positions, users, tg_clock)
    commands.start(77, [links.issue_code("u1").code])
    for i in range(MAX_LISTED + 2):
        positions.save(make_position(f"p{i:03d}", "u1"))
    answer = commands.run(77, "positions", [])
    lines = answer.splitlines()
    assert lines[0] == f"📈 Open positions ({MAX_LISTED + 2})"
    assert len(lines) == MAX_LISTED + 2 and lines[-1] == "… and 2 more (see the app)"
    assert utf16_len(answer) > MAX_MESSAGE_UNITS  # the bot sends it in several messages
    parts = split_text(answer)
    assert len(parts) > 1 and all(utf16_len(p) <= MAX_MESSAGE_UNITS for p in parts)
    assert "\n".join(parts) == answer  # cut between lines only
