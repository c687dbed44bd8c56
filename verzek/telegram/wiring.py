"""One function that builds the Telegram parts from the settings, for `runtime.py` to call:
each part exists only when its credentials are set."""

from __future__ import annotations

from dataclasses import dataclass

from verzek.clock import Clock
from verzek.config import Settings
from verzek.domain import plans
from verzek.engine.bus import SignalBus
from verzek.engine.ports import TradingPort
from verzek.engine.telegram_links import TelegramLinkService
from verzek.store.docstore import DocumentStore
from verzek.store.repos import UserRepository
from verzek.telegram.access import GroupAccess, GroupRule
from verzek.telegram.bot import BotService
from verzek.telegram.broadcaster import Broadcaster
from verzek.telegram.commands import AutoTradeSetter, OpenPositions, UserCommands
from verzek.telegram.forwarder import Forwarder, telethon_client_factory
from verzek.telegram.notify import TelegramNotifier
from verzek.telegram.progress import SourceProgress
from verzek.telegram.state import BroadcastWindow, GroupDirectory, UpdateLog


@dataclass
class TelegramParts:
    """What `build_telegram` made; None for a part whose credentials are missing."""

    links: TelegramLinkService
    groups: GroupDirectory
    bot: BotService | None = None
    broadcaster: Broadcaster | None = None
    notifier: TelegramNotifier | None = None
    access: GroupAccess | None = None
    forwarder: Forwarder | None = None


def build_telegram(
    settings: Settings, *, bus: SignalBus, store: DocumentStore, users: UserRepository,
    positions: OpenPositions, trading: TradingPort, set_auto_trade: AutoTradeSetter,
    clock: Clock, group_of: GroupRule = plans.telegram_group,
) -> TelegramParts:
    """Build (not start) the bot, broadcaster, notifier, group access and forwarder."""
    links = TelegramLinkService(store=store, users=users, clock=clock)
    groups = GroupDirectory(store=store, vip_chat_id=settings.telegram_vip_group_id,
                            trial_chat_id=settings.telegram_trial_group_id)
    parts = TelegramParts(links=links, groups=groups)
    bot_id: int | None = None
    if settings.telegram_bot_configured:
        assert settings.telegram_bot_token is not None
        token = settings.telegram_bot_token.get_secret_value()
        commands = UserCommands(links=links, trading=trading, positions=positions,
                                set_auto_trade=set_auto_trade, clock=clock)
        bot = BotService(token=token, bus=bus, groups=groups, clock=clock, commands=commands,
                         update_log=UpdateLog(store=store, clock=clock),
                         admin_ids=frozenset(settings.telegram_admin_ids),
                         base_url=settings.telegram_bot_api_url)
        access = GroupAccess(bot=bot, users=users, store=store, clock=clock, group_of=group_of)
        commands.attach_access(access)
        bot.on_member = access.on_member
        broadcaster = Broadcaster(bot=bot, window=BroadcastWindow(store=store, clock=clock),
                                  trial_delay_s=settings.telegram_trial_delay_s, clock=clock)
        broadcaster.attach(bus)
        parts.bot, parts.access, parts.broadcaster = bot, access, broadcaster
        parts.notifier = TelegramNotifier(bot=bot, find_user=users.find,
                                          admin_chat_ids=frozenset(settings.telegram_admin_ids))
        bot.on_reachable = parts.notifier.set_reachable
        bot.status_sources.update(broadcaster=broadcaster.status,
                                  notifications=parts.notifier.status)
        bot_id = bot.bot_id
    if settings.telegram_forwarder_configured:
        assert settings.telegram_api_id is not None and settings.telegram_api_hash is not None
        assert settings.telegram_session is not None
        factory = telethon_client_factory(
            api_id=settings.telegram_api_id,
            api_hash=settings.telegram_api_hash.get_secret_value(),
            session=settings.telegram_session.get_secret_value())
        parts.forwarder = Forwarder(
            client_factory=factory, sources=settings.telegram_sources, bus=bus,
            progress=SourceProgress(store=store), clock=clock,
            exclude_chat_ids=groups.own_chat_ids,
            ignore_sender_ids=frozenset({bot_id}) if bot_id else frozenset())
    return parts
