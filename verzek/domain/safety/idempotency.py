"""Idempotency registry: signal ids and client order ids with when they were first seen.

Keys expire `ttl_s` after they were first seen. Because the first-seen time is stored (not a
countdown), the TTL survives a restart: the engine persists the registry with the safety state.
Namespace keys by kind, e.g. "signal:<id>" and "order:<client order id>".
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import Field

from verzek.domain.models import Model, UtcDatetime
from verzek.errors import InvalidInput

DEFAULT_TTL_S = 3 * 86400


def _aware(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise InvalidInput("now must carry a timezone (UTC)", details={"field": "now"})
    return now


class IdempotencyRegistry(Model):
    """{key: first_seen_at}; serialisable with model_dump(mode="json") / model_validate."""

    ttl_s: int = Field(default=DEFAULT_TTL_S, ge=1)
    entries: dict[str, UtcDatetime] = Field(default_factory=dict)

    def _live(self, key: str, now: datetime) -> bool:
        first_seen = self.entries.get(key)
        return first_seen is not None and _aware(now) - first_seen < timedelta(seconds=self.ttl_s)

    def seen(self, key: str, now: datetime) -> bool:
        """Whether `key` was remembered within the TTL before `now`."""
        return self._live(key, now)

    def remember(self, key: str, now: datetime) -> bool:
        """Remember `key` at `now`; True if it is new, False if seen within the TTL (then the
        first-seen time is kept, so a key repeated forever still expires)."""
        if not key:
            raise InvalidInput("an idempotency key must not be empty", details={"field": "key"})
        if self._live(key, now):
            return False
        self.entries[key] = now
        return True

    def expire(self, now: datetime) -> int:
        """Forget every key older than the TTL; returns how many were forgotten."""
        old = [key for key in self.entries if not self._live(key, now)]
        for key in old:
            del self.entries[key]
        return len(old)
