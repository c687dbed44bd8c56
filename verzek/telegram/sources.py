"""The watched source chats as Telethon shows them: the message attributes the forwarder reads,
source names and ids from TELEGRAM_SOURCES, resolving them one by one (a name that resolves to
nothing never costs the others), a message's post date and the message it replies to, and the
real client factory."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from telethon import utils
from telethon.errors import BadRequestError, ForbiddenError
from telethon.tl.types import MessageReplyHeader, PeerChannel

logger = logging.getLogger(__name__)


class MessageLike(Protocol):
    """The attributes of `telethon.tl.custom.Message` the forwarder reads."""

    id: int
    out: bool | None
    date: datetime | None
    edit_date: datetime | None
    grouped_id: int | None  # the album the message is one photo of
    reply_to: Any  # MessageReplyHeader, MessageReplyStoryHeader or None

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
# (ValueError/TypeError from the entity cache). FloodWait and network errors end the session.
UNRESOLVABLE = (ValueError, TypeError, BadRequestError, ForbiddenError)


def parse_source(value: str | int) -> str | int:
    """A TELEGRAM_SOURCES entry: a chat id (int) or a name such as `@channel`."""
    text = str(value).strip()
    try:
        return int(text)
    except ValueError:
        return text


async def resolve(client: Any, sources: Sequence[str | int]) -> tuple[list[int], dict[str, str]]:
    """The marked chat ids of `sources` (each once), and the names that did not resolve with
    why. Numeric ids need the dialogs in the session's entity cache first (Telethon cannot
    resolve an id it has never seen); see `marked_id`."""
    known: set[int] = set()
    if any(isinstance(s, int) for s in sources):
        known = {d.id for d in await client.get_dialogs() or () if isinstance(d.id, int)}
    ids: list[int] = []
    unresolved: dict[str, str] = {}
    for source in sources:
        if isinstance(source, int):
            ids.append(marked_id(source, known))
            continue
        try:
            ids.append(await client.get_peer_id(source))
        except UNRESOLVABLE as exc:  # one bad name never costs the other sources
            unresolved[source] = f"{type(exc).__name__}: {exc}"
            logger.error("forwarder: source %s cannot be resolved (%s); watching the others, "
                         "trying it again at the next reconnect", source, unresolved[source])
    return list(dict.fromkeys(ids)), unresolved


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
    keeps its age, so the engine's stale-signal rule (max_signal_age_s) skips it. An edit's
    text was posted when it was edited (a teaser edited into a call); `now` if Telegram gave
    no date."""
    when = (message.edit_date if edited else None) or message.date
    if when is None:
        return now
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def telethon_client_factory(*, api_id: int, api_hash: str, session: str) -> Callable[[], Any]:
    """Real clients: a StringSession, automatic reconnects left to our loop, no catch-up replay
    (our own catch-up reads history)."""
    def make() -> Any:
        from telethon import TelegramClient
        from telethon.sessions import StringSession

        return TelegramClient(StringSession(session), api_id, api_hash, connection_retries=3,
                              retry_delay=2, auto_reconnect=True, flood_sleep_threshold=60,
                              catch_up=False)

    return make
