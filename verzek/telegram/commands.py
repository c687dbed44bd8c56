"""Bot commands for linked users, as plain functions of (Telegram user, command, arguments).

Each command calls the same services as the REST API (the engine's TradingPort, the
repositories, the link service); this module only words the answers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Protocol

from verzek.clock import Clock
from verzek.domain.models import Position, User
from verzek.domain.safety.state import KillSwitch, Pause
from verzek.engine.ports import TradingPort
from verzek.engine.telegram_links import TelegramLinkService
from verzek.engine.tracker import waiting_breakout
from verzek.errors import VerzekError

logger = logging.getLogger(__name__)

USER_COMMANDS: dict[str, str] = {
    "status": "your trading status",
    "positions": "your open positions",
    "pnl": "profit and loss, today and all time",
    "pause": "pause new trades",
    "resume": "resume trading",
    "autotrade": "auto-trading on or off: /autotrade on|off",
    "join": "an invite link to your Telegram group",
    "unlink": "unlink this Telegram account",
    "help": "this list",
}

MAX_LISTED = 100  # rows of /positions; the bot splits a long answer into several messages
NOT_LINKED = ("This Telegram account is not linked to a VerzekAutoTrader account yet. "
              "In the app, choose 'Link Telegram' and send the code here as /start CODE.")


class OpenPositions(Protocol):
    def open_positions(self, user_id: str) -> list[Position]: ...


class InviteIssuer(Protocol):
    def invite_link(self, user_id: str) -> Any: ...


AutoTradeSetter = Callable[[str, bool], Any]


class UserCommands:
    """Answers `/start`, `/status`, `/positions`, `/pnl`, `/pause`, `/resume`, `/autotrade`,
    `/join`, `/unlink` and `/help` for the Telegram user who sent them."""

    def __init__(self, *, links: TelegramLinkService, trading: TradingPort,
                 positions: OpenPositions, set_auto_trade: AutoTradeSetter, clock: Clock,
                 access: InviteIssuer | None = None) -> None:
        self._links = links
        self._trading = trading
        self._positions = positions
        self._set_auto_trade = set_auto_trade
        self._clock = clock
        self._access = access

    def attach_access(self, access: InviteIssuer) -> None:
        """Give `/join` its invite issuer (built after the bot it needs)."""
        self._access = access

    def start(self, telegram_user_id: int, args: list[str]) -> str:
        """`/start CODE` links; a bare `/start` greets."""
        if args:
            try:
                linked = self._links.consume(args[0], telegram_user_id)
            except VerzekError as exc:
                return f"❌ {exc.message}"
            return (f"✅ Linked to {linked.email}. You will get your trade notifications here.\n"
                    + self.help_text())
        user = self._links.user_for(telegram_user_id)
        if user is None:
            return "👋 Welcome to VerzekAutoTrader.\n" + NOT_LINKED
        return f"👋 Welcome back, {user.name or user.email}.\n" + self.help_text()

    def run(self, telegram_user_id: int, command: str, args: list[str]) -> str:
        """The answer to one command; never raises for a user's mistake."""
        command = command.lower()
        user = self._links.user_for(telegram_user_id)
        if command == "help":
            return self.help_text() + ("" if user is not None else "\n\n" + NOT_LINKED)
        handler = getattr(self, f"_cmd_{command}", None)
        if command not in USER_COMMANDS or handler is None:
            hint = "" if user is not None else "\n\n" + NOT_LINKED
            return f"Unknown command /{command}.\n" + self.help_text() + hint
        if user is None:
            return NOT_LINKED
        try:
            return str(handler(user, args))
        except VerzekError as exc:
            return f"❌ {exc.message}"

    def other_text(self, telegram_user_id: int) -> str:
        """The answer to a message that is not a command (from someone who is not an admin)."""
        if self._links.user_for(telegram_user_id) is None:
            return NOT_LINKED
        return "Send /help to see what I can do."

    @staticmethod
    def help_text() -> str:
        return "Commands:\n" + "\n".join(f"/{name} — {text}" for name, text in
                                         USER_COMMANDS.items())

    # --- commands ---------------------------------------------------------------------------

    def _cmd_status(self, user: User, args: list[str]) -> str:
        general = user.settings.general
        paused = self._trading_state(user)
        today = self._trading.user_stats(user.id).get("today", {})
        open_count = len(self._positions.open_positions(user.id))
        return "\n".join([
            "📋 Status",
            f"Plan: {user.subscription.plan.value}",
            f"Mode: {general.mode.value}",
            f"Auto-trade: {'on' if general.auto_trade else 'off'}",
            f"Trading: {paused}",
            f"Open positions: {open_count}",
            f"Today: {today.get('trades', 0)} trades, PnL {_usdt(today.get('realised_pnl_usdt'))}",
        ])

    def _trading_state(self, user: User) -> str:
        """Whether new positions may open for the user, as the safety manager (which /pause,
        /resume and the REST API change) and the user record say."""
        safety = self._trading.safety_status()
        now = self._clock.now()
        kills = (safety.get("platform_kill"), (safety.get("user_kill") or {}).get(user.id))
        if any(KillSwitch.model_validate(k).active for k in kills if k):
            return "stopped (kill switch)"
        for scope, raw in (("", (safety.get("user_pause") or {}).get(user.id)),
                           (" platform-wide", safety.get("platform_pause"))):
            pause = Pause.model_validate({k: v for k, v in raw.items() if k != "in_force"}) \
                if raw else None
            if pause is not None and pause.in_force(now):
                return f"paused{scope}" + (f" until {pause.until:%Y-%m-%d %H:%M} UTC"
                                           if pause.until else "")
        if user.paused and (user.paused_until is None or now < user.paused_until):
            return "paused" + (f" until {user.paused_until:%Y-%m-%d %H:%M} UTC"
                               if user.paused_until else "")
        tripped = next((b for b in safety.get("tripped_user_breakers") or []
                        if b.get("user_id") == user.id), None)
        if tripped is not None:  # the user's own circuit breaker (losses in a row, a day's)
            until = f" until {tripped['until'][:16].replace('T', ' ')} UTC" \
                if tripped.get("until") else ""
            return f"stopped by your circuit breaker{until}" + (
                f" ({tripped['reason']})" if tripped.get("reason") else "")
        if safety.get("platform_new_positions_allowed") is False:
            return f"stopped platform-wide ({safety.get('platform_reason') or 'safety'})"
        return "active"

    def _cmd_positions(self, user: User, args: list[str]) -> str:
        positions = self._positions.open_positions(user.id)
        if not positions:
            return "No open positions."
        lines = [f"📈 Open positions ({len(positions)})"]
        for p in positions[:MAX_LISTED]:
            entry = f"{p.average_entry}" if p.average_entry is not None else "pending"
            waiting = waiting_breakout(p)
            if waiting is not None:
                entry = f"waits for a cross {waiting['direction']} {waiting['price']}"
            lines.append(f"{p.symbol} {p.side.value.upper()} x{p.leverage} — qty {p.quantity}, "
                         f"entry {entry}, {p.exchange.value} {p.mode.value} (id {p.id})")
        if len(positions) > MAX_LISTED:
            lines.append(f"… and {len(positions) - MAX_LISTED} more (see the app)")
        return "\n".join(lines)

    def _cmd_pnl(self, user: User, args: list[str]) -> str:
        stats = self._trading.user_stats(user.id)
        lines = ["💰 Profit and loss"]
        for key, label in (("today", "Today"), ("all_time", "All time")):
            row = stats.get(key, {})
            lines.append(f"{label}: {_usdt(row.get('realised_pnl_usdt'))} — "
                         f"{row.get('trades', 0)} trades, {row.get('wins', 0)} wins, "
                         f"{row.get('losses', 0)} losses, win rate {row.get('win_rate', 0)}%")
        return "\n".join(lines)

    def _cmd_pause(self, user: User, args: list[str]) -> str:
        self._trading.set_pause(paused=True, until=None, reason="paused from Telegram",
                                user_id=user.id)
        return "⏸ Trading paused: no new positions until /resume. Open positions are managed."

    def _cmd_resume(self, user: User, args: list[str]) -> str:
        self._trading.set_pause(paused=False, until=None, reason="resumed from Telegram",
                                user_id=user.id)
        return "▶️ Trading resumed."

    def _cmd_autotrade(self, user: User, args: list[str]) -> str:
        choice = args[0].lower() if args else ""
        if choice not in ("on", "off"):
            state = "on" if user.settings.general.auto_trade else "off"
            return f"Auto-trade is {state}. Use /autotrade on or /autotrade off."
        self._set_auto_trade(user.id, choice == "on")
        return f"🤖 Auto-trade switched {choice}."

    def _cmd_join(self, user: User, args: list[str]) -> str:
        if self._access is None:
            return "Group invites are not available right now."
        invite = self._access.invite_link(user.id)
        return (f"🔗 Your one-time invite to the {invite.group} group (valid until "
                f"{invite.expires_at:%Y-%m-%d %H:%M} UTC):\n{invite.url}")

    def _cmd_unlink(self, user: User, args: list[str]) -> str:
        self._links.unlink(user.id)
        return "🔓 This Telegram account is no longer linked. You will get no more notifications."


def _usdt(value: Any) -> str:
    """An amount as the REST API writes it: no exponent, no trailing zeros ("-0.1972", not
    "-0.197200000")."""
    if value is None:
        return "0 USDT"
    amount = Decimal(str(value))
    text = format(amount, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return f"{'+' if amount > 0 else ''}{text} USDT"
