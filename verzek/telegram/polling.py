"""getUpdates long polling for the broadcast bot: no webhook in the way, offsets confirmed only
after an update was handled (and persisted), one consumer per token (409 Conflict backs off with
a clear log), transient failures retried with back-off; stops between updates, never inside one;
an update the client cannot read is skipped (logged), never a poison that stops all the others.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from telegram import Bot, Update
from telegram.error import (
    BadRequest,
    Conflict,
    InvalidToken,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from verzek.logs import Throttle
from verzek.telegram.sender import retry_after_s
from verzek.telegram.state import UpdateLog

logger = logging.getLogger(__name__)

T = TypeVar("T")
Sleeper = Callable[[float], Awaitable[None]]
Process = Callable[[Update], Awaitable[None]]


class UpdatePoller:
    """Runs getUpdates until stopped; hands each update to `process`, in order, once."""

    def __init__(self, *, log: UpdateLog, allowed_updates: Sequence[str], timeout_s: int = 30,
                 sleep: Sleeper = asyncio.sleep, backoff_s: float = 1.0,
                 max_backoff_s: float = 60.0) -> None:
        self._log = log
        self.allowed_updates = list(allowed_updates)
        self.timeout_s = timeout_s
        self._sleep = sleep
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.offset: int | None = None
        self.state = "idle"
        self.last_error: str | None = None
        self.counters: dict[str, int] = {"polls": 0, "updates": 0, "replayed": 0,
                                         "conflicts": 0, "errors": 0, "webhooks_deleted": 0,
                                         "unreadable": 0}
        self._throttle = Throttle(300.0)
        self._unconfirmed: set[int] = set()

    def leave_unconfirmed(self, update_id: int) -> None:
        """The update being handled could not finish (a stop): neither record nor confirm it,
        so Telegram offers it again after the restart."""
        self._unconfirmed.add(update_id)

    async def prepare(self, bot: Bot) -> None:
        """Delete a webhook if one is set: "getUpdates will not work if an outgoing webhook is
        set up" (https://core.telegram.org/bots/api#getupdates). Pending updates are kept."""
        try:
            info = await bot.get_webhook_info()
        except (InvalidToken, BadRequest) as exc:
            # getMe has just answered, so a 404 here is a Bot API server without this method
            # (PTB reports 404 as InvalidToken): poll without the check; a webhook still set
            # then shows as a 409 Conflict from getUpdates, which deletes it (`run`).
            logger.warning("telegram bot: the Bot API does not answer getWebhookInfo (%s); "
                           "polling without checking for a webhook", exc)
        else:
            if info.url:
                logger.warning("telegram bot: a webhook was set (%s pending updates); deleting "
                               "it to poll with getUpdates", info.pending_update_count)
                await self._delete_webhook(bot)
        self.offset = self._log.next_offset()

    async def _delete_webhook(self, bot: Bot) -> None:
        await bot.delete_webhook(drop_pending_updates=False)  # pending updates are kept
        self.counters["webhooks_deleted"] += 1

    async def run(self, bot: Bot, process: Process, stop: asyncio.Event) -> None:
        """Poll until `stop` is set; raises InvalidToken (the token was revoked)."""
        delay = self.backoff_s
        failing = webhook_retried = False
        self.state = "polling"
        while not stop.is_set():
            try:
                updates = await _unless_stopped(self._get_updates(bot), stop)
            except InvalidToken:
                raise
            except Conflict as exc:
                if "webhook" in exc.message.lower() and \
                        await self._webhook_deleted(bot, exc) and not webhook_retried:
                    webhook_retried = True  # poll again at once; a webhook set again and
                    continue                # again (another deployment) is backed off
                wait_s = self._on_conflict(exc, delay)
                delay = min(delay * 2, self.max_backoff_s)
            except RetryAfter as exc:
                wait_s = retry_after_s(exc)
                self._on_error(exc, wait_s)
            except TimedOut as exc:  # a long poll the network dropped: at once, then back off
                wait_s = delay if failing else 0.0
                self._on_error(exc, wait_s)
                delay = min(delay * 2, self.max_backoff_s) if failing else delay
            except Exception as exc:  # 5xx, network, an answer that is no JSON: back off
                wait_s = delay
                self._on_error(exc, wait_s)
                delay = min(delay * 2, self.max_backoff_s)
            else:
                if updates is None:
                    break
                self.counters["polls"] += 1
                if failing:
                    logger.info("telegram bot: getUpdates works again")
                failing, webhook_retried, delay = False, False, self.backoff_s
                self.state, self.last_error = "polling", None
                await self._handle(updates, process, stop)
                continue
            failing = True
            if wait_s > 0:
                await _unless_stopped(self._sleep(wait_s), stop)
        self.state = "stopped"

    async def _get_updates(self, bot: Bot) -> Sequence[Update]:
        try:
            return await bot.get_updates(offset=self.offset, timeout=self.timeout_s,
                                         allowed_updates=self.allowed_updates)
        except TelegramError:
            raise
        except Exception as exc:  # the client could not read an update of the answer
            return await self._read_one_by_one(bot, exc)

    async def _read_one_by_one(self, bot: Bot, exc: Exception) -> Sequence[Update]:
        """The pending updates read one by one: one this client cannot read (a shape newer
        than it knows) becomes an empty update, so it is skipped and confirmed like an unknown
        kind instead of failing every getUpdates and holding back all updates after it."""
        params: dict[str, object] = {"timeout": 0, "allowed_updates": self.allowed_updates}
        if self.offset is not None:
            params["offset"] = self.offset
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "use Bot.get_updates": it is what just failed
            raw = await bot.do_api_request("getUpdates", api_kwargs=params)
        updates: list[Update] = []
        for item in raw if isinstance(raw, list) else []:
            try:
                updates.append(Update.de_json(item, bot))
            except Exception as err:
                update_id = item.get("update_id") if isinstance(item, dict) else None
                if not isinstance(update_id, int):
                    continue
                self.counters["unreadable"] += 1
                logger.error("telegram bot: update %s cannot be read (%s: %s); skipped",
                             update_id, type(err).__name__, err)
                empty = Update(update_id=update_id)
                empty.set_bot(bot)
                updates.append(empty)
        if not updates:
            raise exc  # nothing to move past: back off as for any failure
        return updates

    async def confirm(self, bot: Bot) -> None:
        """Tell Telegram everything handled is confirmed (a last short call at stop)."""
        if self.offset is None:
            return
        try:
            await bot.get_updates(offset=self.offset, timeout=0, limit=1,
                                  allowed_updates=self.allowed_updates)
        except TelegramError as exc:
            logger.info("telegram bot: last offset not confirmed (%s); the next start skips "
                        "what was handled anyway", exc)

    def status(self) -> dict[str, Any]:
        return {"state": self.state, "offset": self.offset, "last_error": self.last_error,
                **self.counters}

    async def _handle(self, updates: Sequence[Update], process: Process,
                      stop: asyncio.Event) -> None:
        for update in updates:
            if self._log.is_done(update.update_id):
                self.counters["replayed"] += 1
                logger.info("telegram bot: update %s was handled before a restart; skipped",
                            update.update_id)
            else:
                try:
                    await process(update)
                except Exception:  # one update never stops the bot
                    logger.exception("telegram bot: update %s failed", update.update_id)
                if update.update_id in self._unconfirmed:
                    self._unconfirmed.discard(update.update_id)
                    logger.info("telegram bot: update %s left for Telegram to offer again",
                                update.update_id)
                    return
                self.counters["updates"] += 1
                await asyncio.to_thread(self._log.record, update.update_id)
            self.offset = update.update_id + 1  # confirmed by the next getUpdates
            if stop.is_set():
                return

    async def _webhook_deleted(self, bot: Bot, exc: Conflict) -> bool:
        """A webhook set while polling (by hand, or by another deployment): "can't use
        getUpdates method while webhook is active". Deleted, as at the start."""
        logger.warning("telegram bot: getUpdates refused: %s; deleting the webhook to keep "
                       "polling", exc.message)
        try:
            await self._delete_webhook(bot)
        except TelegramError as err:
            logger.warning("telegram bot: the webhook could not be deleted: %s", err)
            return False
        return True

    def _on_conflict(self, exc: Conflict, wait_s: float) -> float:
        self.counters["conflicts"] += 1
        self.state = "conflict"
        self.last_error = (f"Conflict: another getUpdates consumer or a webhook uses this bot "
                           f"token ({exc.message})")
        allowed, held = self._throttle.allow("conflict")
        if allowed:
            logger.error("telegram bot: 409 Conflict from getUpdates: another process polls with "
                         "this bot token (a second instance?) or a webhook is set; only one may "
                         "receive updates. Backing off %.0f s (%d similar held back). "
                         "Telegram said: %s", wait_s, held, exc.message)
        return wait_s

    def _on_error(self, exc: Exception, wait_s: float) -> None:
        self.counters["errors"] += 1
        self.state = "retrying"
        self.last_error = f"{type(exc).__name__}: {exc}"
        allowed, held = self._throttle.allow(type(exc).__name__)
        if allowed:
            logger.warning("telegram bot: getUpdates failed: %s; retrying in %.0f s "
                           "(%d similar held back)", self.last_error, wait_s, held)


async def _unless_stopped(work: Awaitable[T], stop: asyncio.Event) -> T | None:
    """`await work`, or None as soon as `stop` is set (the work is cancelled)."""
    task = asyncio.ensure_future(work)
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopper.cancel()
    if task.done():
        return task.result()
    task.cancel()
    try:
        await task
    except (asyncio.CancelledError, Exception):
        pass
    return None
