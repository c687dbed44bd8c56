"""Linking a user to a Telegram account: one-time expiring codes, `/start CODE`, unlinking.

The REST API issues a code for a signed-in user; the bot consumes it with the sender's
Telegram user id. Only a hash of each code is stored (a code is a short-lived credential).
A Telegram account is linked to at most one user: linking it again moves it.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from verzek.clock import Clock
from verzek.domain.models import User
from verzek.errors import InvalidInput, TooManyRequests
from verzek.store.docstore import DocumentStore
from verzek.store.repos import UserRepository

logger = logging.getLogger(__name__)

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by hand
CODE_LENGTH = 10


@dataclass(frozen=True, slots=True)
class LinkCode:
    """A code to send to the bot as `/start CODE`, valid until `expires_at`."""

    code: str
    expires_at: datetime

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "expires_at": self.expires_at.isoformat()}


def _digest(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


class TelegramLinkService:
    """Issues and consumes link codes; finds the user behind a Telegram user id."""

    DOC = "telegram/link_codes.json"

    def __init__(self, *, store: DocumentStore, users: UserRepository, clock: Clock,
                 ttl_s: float = 900.0, max_failures: int = 5,
                 failure_window_s: float = 900.0) -> None:
        self._store = store
        self._users = users
        self._clock = clock
        self.ttl_s = ttl_s
        self.max_failures = max_failures
        self.failure_window_s = failure_window_s
        self._failures: dict[int, list[float]] = {}
        self._index: dict[int, str] = {}
        self._lock = threading.Lock()

    # --- codes ------------------------------------------------------------------------------

    def issue_code(self, user_id: str) -> LinkCode:
        """A new one-time code for `user_id` (an earlier unused one stops working).

        Raises NotFound for an unknown user.
        """
        self._users.get(user_id)
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        now = self._clock.now()
        expires = now + timedelta(seconds=self.ttl_s)

        def apply(doc: dict[str, Any] | None) -> dict[str, Any]:
            codes = {h: c for h, c in (doc or {}).get("codes", {}).items()
                     if c["user_id"] != user_id and datetime.fromisoformat(c["expires_at"]) > now}
            codes[_digest(code)] = {"user_id": user_id, "expires_at": expires.isoformat()}
            return {"codes": codes}

        self._store.update(self.DOC, apply)
        logger.info("telegram: link code issued", extra={"user_id": user_id})
        return LinkCode(code=code, expires_at=expires)

    def consume(self, code: str, telegram_user_id: int) -> User:
        """Bind `telegram_user_id` to the code's user; the code is spent.

        Raises InvalidInput for an unknown, used or expired code, TooManyRequests after
        `max_failures` wrong codes from one Telegram account within the failure window.
        """
        self._check_failures(telegram_user_id)
        now = self._clock.now()
        found: list[str] = []

        def apply(doc: dict[str, Any] | None) -> dict[str, Any] | None:
            codes = dict((doc or {}).get("codes", {}))
            entry = codes.pop(_digest(code), None)
            if entry is not None and datetime.fromisoformat(entry["expires_at"]) > now:
                found.append(entry["user_id"])
            return {"codes": codes} if doc is not None else None

        self._store.update(self.DOC, apply)
        if not found:
            self._record_failure(telegram_user_id)
            raise InvalidInput("this link code is unknown, used or expired: ask the app for "
                               "a new one")
        user_id = found[0]
        for other in self._linked_users(telegram_user_id):
            if other.id != user_id:
                self.unlink(other.id)
        user = self._users.update(
            user_id, lambda u: u.model_copy(update={"telegram_user_id": telegram_user_id}))
        with self._lock:
            self._index[telegram_user_id] = user_id
        logger.info("telegram: account linked", extra={"user_id": user_id})
        return user

    # --- unlinking and look-ups ---------------------------------------------------------

    def unlink(self, user_id: str) -> User:
        """Forget the user's Telegram account (from the app). Raises NotFound."""
        user = self._users.get(user_id)
        if user.telegram_user_id is not None:
            user = self._users.update(user_id, lambda u: u.model_copy(
                update={"telegram_user_id": None}))
        with self._lock:
            for tid, uid in list(self._index.items()):
                if uid == user_id:
                    del self._index[tid]
        logger.info("telegram: account unlinked", extra={"user_id": user_id})
        return user

    def unlink_telegram(self, telegram_user_id: int) -> User | None:
        """Forget the link from the Telegram side (`/unlink`); None when there was none."""
        user = self.user_for(telegram_user_id)
        return self.unlink(user.id) if user is not None else None

    def user_for(self, telegram_user_id: int) -> User | None:
        """The live user linked to this Telegram account, or None."""
        with self._lock:
            user_id = self._index.get(telegram_user_id)
        if user_id is not None:
            user = self._users.find(user_id)
            if user is not None and user.telegram_user_id == telegram_user_id:
                return user
        linked = self._linked_users(telegram_user_id)
        if not linked:
            return None
        with self._lock:
            self._index[telegram_user_id] = linked[0].id
        return linked[0]

    def _linked_users(self, telegram_user_id: int) -> list[User]:
        return [u for u in self._users.all() if u.telegram_user_id == telegram_user_id]

    def _check_failures(self, telegram_user_id: int) -> None:
        now = self._clock.monotonic()
        with self._lock:
            recent = [t for t in self._failures.get(telegram_user_id, [])
                      if now - t < self.failure_window_s]
            self._failures[telegram_user_id] = recent
            if len(recent) >= self.max_failures:
                raise TooManyRequests("too many wrong link codes: try again later")

    def _record_failure(self, telegram_user_id: int) -> None:
        with self._lock:
            self._failures.setdefault(telegram_user_id, []).append(self._clock.monotonic())
