"""The watched source chats as Telethon shows them: the message attributes the forwarder reads,
source names and ids from TELEGRAM_SOURCES, resolving them one by one (a name that resolves to
nothing, or that Telegram answers with a flood wait, never costs the others), basic groups
upgraded to supergroups, a message's post date and the message it replies to, and the real
client factory."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from telethon import utils
from telethon.errors import BadRequestError, FloodWaitError, ForbiddenError
from telethon.tl.types import (
    Chat,
    InputChannel,
    MessageActionChannelMigrateFrom,
    MessageActionChatMigrateTo,
    MessageReplyHeader,
    PeerChannel,
    PeerChat,
)

logger = logging.getLogger(__name__)


class MessageLike(Protocol):
    """The attributes of `telethon.tl.custom.Message` the forwarder reads."""

    id: int
    out: bool | None
    date: datetime | None
    edit_date: datetime | None
    grouped_id: int | None  # the album the message is one photo of
    reply_to: Any  # MessageReplyHeader, MessageReplyStoryHeader or None
    fwd_from: Any  # MessageFwdHeader of a forward (repost), else None

    @property
    def chat_id(self) -> int | None: ...
    @property
    def raw_text(self) -> str | None: ...
    @property
    def sender_id(self) -> int | None: ...


class SourcesUnresolved(Exception):
    """No source chat could be resolved: fix TELEGRAM_SOURCES (retried at each reconnect)."""


# What Telethon raises for a source name that names nothing it can read: an unknown or
# invalid username, a private or banned channel (400/403), or an id not in the session
# (ValueError/TypeError from the entity cache). A FloodWait on a name holds back that name
# only (`resolve`); network errors end the session.
UNRESOLVABLE = (ValueError, TypeError, BadRequestError, ForbiddenError)


def parse_source(value: str | int) -> str | int:
    """A TELEGRAM_SOURCES entry: a chat id (int) or a name such as `@channel`."""
    text = str(value).strip()
    try:
        return int(text)
    except ValueError:
        return text


@dataclass
class Resolution:
    """What resolving the sources gave: the chats to watch, and what to do about the rest."""

    ids: list[int] = field(default_factory=list)  # marked chat ids, each once, in source order
    names: dict[str, int] = field(default_factory=dict)  # names Telegram resolved this time
    unresolved: dict[str, str] = field(default_factory=dict)  # source -> why it is not read
    flooded: dict[str, float] = field(default_factory=dict)  # name -> seconds until asked again
    migrated: dict[int, int] = field(default_factory=dict)  # basic group -> its supergroup


async def resolve(client: Any, sources: Sequence[str | int], *,
                  known: Mapping[str, int] | None = None) -> Resolution:
    """The marked chat ids of `sources`. A name resolved before (`known`) is not asked again:
    contacts.resolveUsername is limited hard (flood waits of hours), and every reconnect is a
    fresh session with an empty entity cache. Ids (numeric sources, known names) need the
    dialogs in that cache first (Telethon cannot read a chat it has never seen); see
    `marked_id`. A dialog's basic group that was upgraded (`Chat.migrated_to`) stands for its
    supergroup."""
    known = known or {}
    res = Resolution()
    entities: dict[int, Any] = {}
    if any(isinstance(s, int) or s in known for s in sources):
        entities = {d.id: getattr(d, "entity", None) for d in await client.get_dialogs() or ()
                    if isinstance(d.id, int)}
    for source in sources:
        if isinstance(source, int):
            chat_id = marked_id(source, set(entities))
        elif source in known:
            chat_id = known[source]
        else:
            try:
                chat_id = await client.get_peer_id(source)
            except FloodWaitError as exc:  # asked again after the wait; the others go on
                res.flooded[source] = float(exc.seconds)
                res.unresolved[source] = f"FloodWait {exc.seconds} s: asked again after it"
                logger.error("forwarder: resolving source %s: Telegram asks to wait %s s; "
                             "watching the others meanwhile", source, exc.seconds)
                continue
            except UNRESOLVABLE as exc:  # one bad name never costs the other sources
                res.unresolved[source] = f"{type(exc).__name__}: {exc}"
                logger.error("forwarder: source %s cannot be resolved (%s); watching the "
                             "others, trying it again at the next reconnect", source,
                             res.unresolved[source])
                continue
            res.names[source] = chat_id
        upgraded = migrated_to(entities.get(chat_id))
        if upgraded is not None:
            logger.warning("forwarder: source %s (chat %s) is now supergroup %s", source,
                           chat_id, upgraded)
            res.migrated[chat_id] = upgraded
            chat_id = upgraded
        res.ids.append(chat_id)
    res.ids = list(dict.fromkeys(res.ids))
    return res


def migrated_to(entity: Any) -> int | None:
    """The marked id of the supergroup a basic group was upgraded to, else None."""
    if isinstance(entity, Chat) and isinstance(entity.migrated_to, InputChannel):
        return utils.get_peer_id(PeerChannel(entity.migrated_to.channel_id))
    return None


def migration(message: Any) -> tuple[int, int] | None:
    """(basic group, supergroup) for the service message of an upgrade: the group's last
    message (`MessageActionChatMigrateTo`) or the supergroup's first
    (`MessageActionChannelMigrateFrom`); None for any other message."""
    action = getattr(message, "action", None)
    chat_id = getattr(message, "chat_id", None)
    if chat_id is None:
        return None
    if isinstance(action, MessageActionChatMigrateTo):
        return chat_id, utils.get_peer_id(PeerChannel(action.channel_id))
    if isinstance(action, MessageActionChannelMigrateFrom):
        return utils.get_peer_id(PeerChat(action.chat_id)), chat_id
    return None


def is_basic_group(chat_id: int) -> bool:
    """A basic group's message ids count every private chat and basic group of the account,
    so a jump in them is no gap; and only a basic group can be upgraded (get a new id)."""
    return chat_id < 0 and utils.resolve_id(chat_id)[1] is PeerChat


def marked_id(chat_id: int, dialogs: set[int]) -> int:
    """A numeric source as Telethon marks chat ids (its messages' `chat_id`): a channel's or
    group's bare id, as some tools show it, is its dialog's -100<id> or -<id>; an id no dialog
    explains is taken as it is (a chat it names that cannot be read is reported then)."""
    if chat_id > 0 and chat_id not in dialogs:
        for marked in (utils.get_peer_id(PeerChannel(chat_id)), -chat_id):
            if marked in dialogs:
                logger.info("forwarder: source %s is chat %s", chat_id, marked)
                return marked
    return chat_id


def reply_to_id(message: MessageLike) -> int | None:
    """The id of the message of this chat that `message` replies to. None for a reply to a
    message of another chat (its id means nothing here) or to a story, and for a message that
    only sits in a forum topic (Telegram gives the topic's first message as what it replies
    to)."""
    header = message.reply_to
    if not isinstance(header, MessageReplyHeader):
        return None
    if header.reply_to_peer_id is not None \
            and utils.get_peer_id(header.reply_to_peer_id) != message.chat_id:
        return None
    if header.forum_topic and header.reply_to_top_id is None:
        return None
    return header.reply_to_msg_id


def posted_at(message: MessageLike, *, edited: bool, now: datetime) -> datetime:
    """When the text was posted (UTC), not when we read it: a call caught up after an outage
    keeps its age, so the engine's stale-signal rule (max_signal_age_s) skips it. A forward
    (a repost of an old call, to show it hit its targets) was posted at its original's date
    (`fwd_from.date`), not when reposted. An edit's text was posted when it was edited (a
    teaser edited into a call); `now` if Telegram gave no date."""
    forwarded = getattr(getattr(message, "fwd_from", None), "date", None)
    when = forwarded or (message.edit_date if edited else None) or message.date
    if when is None:
        return now
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def telethon_client_factory(*, api_id: int, api_hash: str, session: str) -> Callable[[], Any]:
    """Real clients: a StringSession, automatic reconnects left to our loop, no catch-up replay
    (our own catch-up reads history), and updates handled one after the other, as they came:
    Telethon's default runs each in its own task, and a follow-up could overtake its call."""
    def make() -> Any:
        from telethon import TelegramClient
        from telethon.sessions import StringSession

        return TelegramClient(StringSession(session), api_id, api_hash, connection_retries=3,
                              retry_delay=2, auto_reconnect=True, flood_sleep_threshold=60,
                              catch_up=False, sequential_updates=True)

    return make
