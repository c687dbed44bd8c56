"""A running bot for tests: the real PTB client on the fake Bot API server, the real bus,
broadcaster, commands and group access, with an injected sleeper that records waits."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from verzek.clock import ManualClock
from verzek.domain.models import SignalSource
from verzek.engine.bus import BusMessage, SignalBus
from verzek.engine.telegram_links import TelegramLinkService
from verzek.store.docstore import DocumentStore
from verzek.store.repos import PositionRepository, UserRepository
from verzek.telegram.access import GroupAccess
from verzek.telegram.bot import BotService
from verzek.telegram.broadcaster import Broadcaster, Sleeper
from verzek.telegram.commands import UserCommands
from verzek.telegram.sender import Sender
from verzek.telegram.state import BroadcastWindow, GroupDirectory, UpdateLog

from .conftest import RecordingTrading, set_auto_trade_in
from .fake_bot_api import TOKEN, FakeBotApi, FakeBotApiServer

VIP = -1001111
TRIAL = -1002222
ADMIN = 9001


class Gate:
    """An async sleeper that waits until the test opens it (a delay without real time)."""

    def __init__(self) -> None:
        self.asked: list[float] = []
        self._cond = threading.Condition()
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []

    async def __call__(self, seconds: float) -> None:
        event = asyncio.Event()
        with self._cond:
            self.asked.append(seconds)
            self._waiters.append((asyncio.get_running_loop(), event))
            self._cond.notify_all()
        await event.wait()

    def wait_asked(self, count: int, timeout_s: float = 10.0) -> bool:
        """Wait until `count` sleeps were asked for."""
        with self._cond:
            return self._cond.wait_for(lambda: len(self.asked) >= count, timeout_s)

    def open(self) -> None:
        """Release every sleeper waiting now."""
        with self._cond:
            for loop, event in self._waiters:
                loop.call_soon_threadsafe(event.set)
            self._waiters.clear()


@dataclass
class Harness:
    api: FakeBotApi
    bus: SignalBus
    bot: BotService
    broadcaster: Broadcaster
    groups: GroupDirectory
    links: TelegramLinkService
    access: GroupAccess
    sleeps: list[float]
    published: list[BusMessage]
    poll_sleeps: list[float]

    def publish(self, text: str, *, chat_id: int = -100555, message_id: int = 1,
                received_at: datetime | None = None) -> None:
        self.bus.publish(BusMessage(
            text=text, source=SignalSource(kind="telegram", chat_id=chat_id,
                                           message_id=message_id),
            received_at=received_at or datetime(2026, 1, 1, tzinfo=UTC), origin="telegram"))

    def wait_idle(self) -> None:
        """Wait until every bus message was handled."""
        assert self.api.wait_for(lambda: all(
            s["queued"] == 0 for s in self.bus.status()["subscribers"].values()), 10)


@contextmanager
def running_bot(*, store: DocumentStore, users: UserRepository, positions: PositionRepository,
                trading: RecordingTrading, links: TelegramLinkService,
                clock: ManualClock, trial_delay_s: float = 0.0,
                delay_sleep: Sleeper | None = None, poll_sleep: Sleeper | None = None,
                send_sleep: Sleeper | None = None,
                setup: Callable[[FakeBotApi], None] | None = None) -> Iterator[Harness]:
    """The bot polling a strict fake server (unknown chats answer "chat not found") that knows
    the VIP and TRIAL groups and the admin's private chat; `setup` runs before the start."""
    sleeps: list[float] = []
    poll_sleeps: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    async def fake_poll_sleep(seconds: float) -> None:
        poll_sleeps.append(seconds)

    groups = GroupDirectory(store=store, vip_chat_id=VIP, trial_chat_id=TRIAL)
    commands = UserCommands(links=links, trading=trading, positions=positions,  # type: ignore[arg-type]
                            set_auto_trade=set_auto_trade_in(users), clock=clock)
    bus = SignalBus()
    published: list[BusMessage] = []
    with FakeBotApiServer(strict_chats=True) as server:
        for group in (VIP, TRIAL):
            server.api.add_group(group)
        server.api.chats[ADMIN] = {"id": ADMIN, "type": "private", "first_name": "Admin"}
        if setup is not None:
            setup(server.api)
        bot = BotService(token=TOKEN, bus=bus, groups=groups, clock=clock, commands=commands,
                         update_log=UpdateLog(store=store, clock=clock),
                         admin_ids=frozenset({ADMIN}), base_url=server.url, poll_timeout_s=1,
                         sender=Sender(sleep=send_sleep or fake_sleep,
                                       on_migrate=groups.record_migration),
                         sleep=poll_sleep or fake_poll_sleep)
        access = GroupAccess(bot=bot, users=users, store=store, clock=clock)
        commands.attach_access(access)
        bot.on_member = access.on_member
        broadcaster = Broadcaster(bot=bot, window=BroadcastWindow(store=store, clock=clock),
                                  trial_delay_s=trial_delay_s, sleep=delay_sleep or fake_sleep,
                                  ready_timeout_s=10, send_timeout_s=20, clock=clock)
        broadcaster.attach(bus)
        bus.subscribe("recorder", published.append)
        bus.start()
        bot.start()
        assert bot.wait_ready(10), bot.status()
        # The first getUpdates sets allowed_updates; updates made before it follow the default.
        assert server.api.wait_for(lambda: server.api.allowed_updates is not None)
        try:
            yield Harness(server.api, bus, bot, broadcaster, groups, links, access, sleeps,
                          published, poll_sleeps)
        finally:
            bot.stop(10)
            bus.stop(5)
        assert not bot.is_alive()
