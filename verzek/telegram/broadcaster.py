"""Broadcaster: bus messages to the VIP group at once and the TRIAL group after a delay, each
call once per window and each follow-up once per message (or per call it concerns), never our own
broadcasts again; each group has its own ordered lane, so one group's failure or rate limit never
holds back the other; a group the bot can no longer post to is told to the admins once
(`alerts.GroupHealth`), not at every signal. A publisher that asks (`meta[ON_BROADCAST]`, the
bot for an admin's signal) is told what was decided for its message.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from verzek.clock import Clock
from verzek.domain.models import RiskSettings, Signal
from verzek.engine.bus import BusMessage, SignalBus
from verzek.signals import ParseResult, content_hash, parse_message
from verzek.telegram.alerts import ON_BROADCAST, duration_text
from verzek.telegram.bot import BotNotRunning, BotService
from verzek.telegram.format import broadcast_text, clean_text, has_header
from verzek.telegram.sender import SendFailed
from verzek.telegram.state import BroadcastWindow, GroupName

logger = logging.getLogger(__name__)

Sleeper = Callable[[float], Awaitable[None]]
# Refusals that are about the group, not the message (our texts are valid plain text): the bot
# was removed or is not a member (403), the chat is gone, or posting there is not allowed (400)
GROUP_DOWN_KINDS = frozenset({"blocked", "chat_not_found", "rejected"})


@dataclass(frozen=True, slots=True)
class Decision:
    """What the broadcaster did with one bus message."""

    action: str  # "broadcast" | "skipped"
    reason: str  # worded for a reader (the admin who sent the message)
    text: str | None = None
    # why, for a caller to act on: "new" | "not_for_broadcast" | "own" | "too_old" |
    # "not_a_signal" | "repeat" (the same message) | "duplicate" (the same call, or the same
    # follow-up about the same call) | "bot_not_running" | "failed"
    code: str = "new"
    kind: str | None = None  # "signal" | "update" as read; None when not read
    age_s: float | None = None  # how long before the decision the message was posted
    limit_s: float | None = None  # the age above which it is not posted


class Broadcaster:
    """Subscribes to the bus; formats, deduplicates and sends through the bot's loop."""

    SUBSCRIBER = "telegram_broadcaster"

    def __init__(self, *, bot: BotService, window: BroadcastWindow, trial_delay_s: float = 0.0,
                 sleep: Sleeper = asyncio.sleep, ready_timeout_s: float = 60.0,
                 send_timeout_s: float = 300.0, clock: Clock | None = None,
                 max_age_s: float | None = None) -> None:
        self._bot = bot
        self._clock = clock
        # a message posted longer ago than the engine trades a call (a catch-up after an
        # outage) is old news: posting it as a "New Signal Alert" would have members enter late
        self.max_age_s = float(RiskSettings().max_signal_age_s if max_age_s is None
                               else max_age_s)
        self._window = window
        self.trial_delay_s = trial_delay_s
        self._sleep = sleep
        self.ready_timeout_s = ready_timeout_s
        self.send_timeout_s = send_timeout_s
        self._tails: dict[GroupName, asyncio.Task[None]] = {}  # each group's last send
        self._lanes: set[asyncio.Task[None]] = set()
        self.counters: dict[str, int] = {"broadcast": 0, "duplicates": 0, "own": 0,
                                         "not_signals": 0, "group_failures": 0,
                                         "too_old": 0}
        self.last_error: str | None = None

    def attach(self, bus: SignalBus) -> None:
        bus.subscribe(self.SUBSCRIBER, self.handle)

    def decide(self, message: BusMessage, *, claim: bool = True) -> Decision:
        """Whether and what to broadcast; with `claim`, records the message in the window
        (a repeat within the window is then skipped; `window_keys` says what a repeat is)."""
        if message.meta.get("no_broadcast"):
            return Decision("skipped", "not for broadcast", code="not_for_broadcast")
        chat_id = message.source.chat_id
        if has_header(message.text) or (
                isinstance(chat_id, int) and chat_id in self._bot.groups.own_chat_ids()):
            self.counters["own"] += 1
            return Decision("skipped", "it is one of our own broadcasts", code="own")
        age_s = None
        if self._clock is not None:
            age_s = (self._clock.now() - message.received_at).total_seconds()
            if age_s > self.max_age_s:
                self.counters["too_old"] += 1
                return Decision("skipped", f"posted {age_s:.0f} s ago, older than "
                                f"{self.max_age_s:.0f} s: not broadcast as new", code="too_old",
                                age_s=age_s, limit_s=self.max_age_s)
        parsed = _parsed(message)
        text = broadcast_text(message.text, parsed, with_body=not message.meta.get("rendered"))
        if text is None:
            self.counters["not_signals"] += 1
            return Decision("skipped", "it reads as neither a call nor a follow-up",
                            code="not_a_signal", age_s=age_s, limit_s=self.max_age_s)
        repeat = self._claim(message, parsed.kind) if claim else None
        if repeat is not None:
            self.counters["duplicates"] += 1
            what = "this call" if parsed.kind == "signal" else "this follow-up"
            reason = (f"{what} was posted already (within the last "
                      f"{duration_text(self._window.window_s)})" if repeat == "duplicate"
                      else "this message was handled already")
            return Decision("skipped", reason, code=repeat, kind=parsed.kind, age_s=age_s,
                            limit_s=self.max_age_s)
        return Decision("broadcast", "new", text, kind=parsed.kind, age_s=age_s,
                        limit_s=self.max_age_s)

    def _claim(self, message: BusMessage, kind: str) -> str | None:
        """None when the message is new to the window (now claimed); else "repeat" (this very
        message again: a redelivery after a restart) or "duplicate" (another message with the
        same call, or the same words about the same call). A duplicate's source key is then
        recorded too, so a redelivery of it is a repeat."""
        content_key, source_key = window_keys(message, kind)
        if self._window.claim(content_key, source_key):
            return None
        if source_key is not None and not self._window.claim(f"seen:{source_key}",
                                                             source_key):
            return "repeat"
        return "duplicate"

    def handle(self, message: BusMessage) -> None:
        """Bus handler (the broadcaster's own bus thread): queues the sends and returns; tells
        the publisher what it decided when the message asks (`meta[ON_BROADCAST]`)."""
        try:
            decision = self._queue(message)
        except BotNotRunning as exc:
            _report(message, Decision("skipped", str(exc), code="bot_not_running"))
            raise
        except Exception as exc:
            _report(message, Decision("skipped", f"the broadcaster failed ({exc})",
                                      code="failed"))
            raise
        _report(message, decision)

    def _queue(self, message: BusMessage) -> Decision:
        first = self.decide(message, claim=False)
        if first.text is None:
            return first
        if not self._bot.wait_ready(self.ready_timeout_s):  # claimed only once sendable
            self.last_error = "bot not running: broadcast dropped"
            raise BotNotRunning("the Telegram bot is not running; broadcast dropped")
        decision = self.decide(message)
        if decision.text is None:
            logger.info("broadcast skipped: %s", decision.reason)
            return decision
        self._bot.submit(self.deliver(decision.text, posted_at=message.received_at)).result(
            self.send_timeout_s)
        self.counters["broadcast"] += 1
        return decision

    async def deliver(self, text: str, *, posted_at: datetime | None = None) -> None:
        """Queue `text` on each group's lane: VIP now, TRIAL after its delay. A lane sends in
        order; one lane waiting (a rate limit, retries, a dead group) never holds the other.

        With `posted_at` (and a clock), a copy is not posted once it would arrive later than
        `max_age_s` after it (plus the TRIAL delay): a flood wait (a 429's `retry_after`, up to
        minutes) or the waits of the copies before it in its lane would otherwise post a stale
        call as a "New Signal Alert"."""
        groups = self._bot.groups.configured()
        for group, delay_s in (("VIP", 0.0), ("TRIAL", self.trial_delay_s)):
            if group in groups:
                self._enqueue(group, text, delay_s, posted_at)

    def _enqueue(self, group: GroupName, text: str, delay_s: float,
                 posted_at: datetime | None = None) -> None:
        loop = asyncio.get_running_loop()
        previous = self._tails.get(group)
        if previous is not None and (previous.done() or previous.get_loop() is not loop):
            previous = None  # an idle lane, or one of a loop that has stopped
        task = loop.create_task(self._send_in_turn(previous, group, text, delay_s, posted_at))
        self._tails[group] = task
        self._lanes.add(task)  # referenced; a stop waits for it only once its delay is over
        task.add_done_callback(self._lanes.discard)

    async def _send_in_turn(self, previous: asyncio.Task[None] | None, group: GroupName,
                            text: str, delay_s: float, posted_at: datetime | None) -> None:
        try:
            if delay_s > 0:
                await self._sleep(delay_s)
            task = asyncio.current_task()
            if task is not None:
                self._bot.track(task)
            if previous is not None:
                await asyncio.wait({previous})  # our turn; its outcome is its own
        except asyncio.CancelledError:
            self.counters["group_failures"] += 1
            logger.error("broadcast to the %s group lost: shutdown before its turn", group)
            raise
        await self._send_group(group, text, posted_at=posted_at, delay_s=delay_s)

    def _time_left_s(self, posted_at: datetime | None, delay_s: float) -> float | None:
        """How much longer a copy may wait before it is too old to post; None: no limit."""
        if self._clock is None or posted_at is None:
            return None
        age_s = (self._clock.now() - posted_at).total_seconds()
        return self.max_age_s + delay_s - age_s

    async def _send_group(self, group: GroupName, text: str, *,
                          posted_at: datetime | None = None, delay_s: float = 0.0) -> None:
        chat_id = self._bot.groups.chat_id(group)
        if chat_id is None:
            return
        time_left_s = self._time_left_s(posted_at, delay_s)
        if time_left_s is not None and time_left_s <= 0:
            self.counters["too_old"] += 1
            self.last_error = f"{group}: not posted, too old after waiting its turn"
            logger.error("broadcast to the %s group not posted: it waited its turn (flood waits "
                         "of the posts before it) past %.0f s after it was posted", group,
                         self.max_age_s + delay_s)
            return
        try:
            sent = await self._bot.sender.send_text(self._bot.bot, chat_id, text,
                                                    what=f"broadcast ({group})",
                                                    max_wait_s=time_left_s)
        except SendFailed as exc:
            self.counters["group_failures"] += 1
            self.last_error = f"{group}: {exc}"
            if exc.permanent and exc.kind in GROUP_DOWN_KINDS:  # told once, not per signal
                self._bot.health.down(group, chat_id, exc.reason)
            else:
                logger.error("broadcast to the %s group failed: %s", group, exc)
        except BotNotRunning as exc:
            self.counters["group_failures"] += 1
            self.last_error = f"{group}: {exc}"
            logger.error("broadcast to the %s group failed: %s", group, exc)
        except Exception as exc:  # a bug here must not cost the other group its copy
            self.counters["group_failures"] += 1
            self.last_error = f"{group}: {type(exc).__name__}: {exc}"
            logger.exception("broadcast to the %s group failed unexpectedly", group)
        else:
            self._bot.health.up(group, int(sent.chat_id))

    def status(self) -> dict[str, Any]:
        return {**self.counters, "last_error": self.last_error, "window": len(self._window)}


def _parsed(message: BusMessage) -> ParseResult:
    """A structured signal (REST, webhook) comes with its Signal; a text is read."""
    signal = message.meta.get("signal")
    if isinstance(signal, Signal):
        return ParseResult("signal", signal=signal)
    return parse_message(message.text)


def window_keys(message: BusMessage, kind: str) -> tuple[str, str | None]:
    """What the broadcast window claims for a message: a content key and its source key
    (chat:message id), either one seen within the window making it a repeat.

    A call is its content: the same call cross-posted or delivered twice is posted once. A
    follow-up's words recur from call to call ("#BTC/USDT Target 1 reached ✅" under Monday's
    call and under Tuesday's), so its content counts only together with the call it concerns:
    the message it replies to, or the engine's record of it (a follow-up an API ran and
    published; the engine took a repeat about the same call as a duplicate already). Without
    either, the same message is a repeat (its source key) and another message is not; with no
    source key either, its content alone is all there is to go by."""
    digest = content_hash(clean_text(message.text))
    source_key = _source_key(message)
    if kind != "update":
        return digest, source_key
    concern = _concern(message)
    if concern is not None:
        return f"{digest}:{concern}", source_key
    if source_key is not None:
        return f"{digest}:msg:{source_key}", source_key
    return digest, None


def _concern(message: BusMessage) -> str | None:
    """The call a follow-up is about, as far as the bus message says."""
    source = message.source
    if source.reply_to_id is not None and source.chat_id is not None:
        return f"re:{source.chat_id}:{source.reply_to_id}"
    record_id = message.meta.get("signal_id")
    if message.meta.get("processed") and record_id:
        return f"run:{record_id}"
    return None


def _report(message: BusMessage, decision: Decision) -> None:
    """Tell the publisher what was decided, if it asked; its trouble is not the broadcast's."""
    report = message.meta.get(ON_BROADCAST)
    if not callable(report):
        return
    try:
        report(decision)
    except Exception:
        logger.exception("broadcast: the publisher's report callback failed")


def _source_key(message: BusMessage) -> str | None:
    if message.source.chat_id is None or message.source.message_id is None:
        return None
    return f"{message.source.chat_id}:{message.source.message_id}"
