"""Passwords (scrypt), login tokens (stored hashed, per user), the login limiter and the
sign-up limiter: what a sign-in needs, apart from the users themselves (`accounts`)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from collections import deque
from datetime import datetime, timedelta
from typing import Any

from verzek.clock import Clock
from verzek.errors import TooManyRequests
from verzek.store.docstore import DocumentStore

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1


# --- passwords ---------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    """`scrypt$n$r$p$salt$hash` with a random salt (stdlib scrypt, no extra dependency)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
    b64 = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def verify_password(password: str, stored: str) -> bool:
    """Constant-time check of `password` against a stored scrypt hash."""
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r),
                             p=int(p), dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- tokens and login ----------------------------------------------------------------------------


class TokenService:
    """User bearer tokens: random, stored only as sha256 hashes in `auth/<user id>.json`."""

    FOLDER = "auth"

    def __init__(self, *, store: DocumentStore, clock: Clock, ttl_s: int) -> None:
        self.store, self.clock, self.ttl_s = store, clock, ttl_s
        self._index: dict[str, tuple[str, datetime]] = {}
        self._lock = threading.Lock()
        for rel, doc in store.iter_docs(self.FOLDER):
            user_id = rel.rsplit("/", 1)[1].removesuffix(".json")
            for digest, expires in doc.get("tokens", {}).items():
                self._index[digest] = (user_id, datetime.fromisoformat(expires))

    def issue(self, user_id: str) -> tuple[str, datetime]:
        """A new token for `user_id` and its expiry; expired ones of the user are pruned."""
        token = secrets.token_urlsafe(32)
        digest = _token_hash(token)
        now = self.clock.now()
        expires = now + timedelta(seconds=self.ttl_s)

        def add(doc: dict[str, Any] | None) -> dict[str, Any]:
            tokens = {d: e for d, e in (doc or {}).get("tokens", {}).items()
                      if datetime.fromisoformat(e) > now}
            tokens[digest] = expires.isoformat()
            return {"tokens": tokens}

        with self._lock:
            self.store.update(self._rel(user_id), add)
            self._index[digest] = (user_id, expires)
        return token, expires

    def resolve(self, token: str) -> str | None:
        """The user id a live token belongs to, or None (unknown, revoked or expired)."""
        entry = self._index.get(_token_hash(token))
        if entry is None or self.clock.now() >= entry[1]:
            return None
        return entry[0]

    def expired(self, token: str) -> bool:
        """A token this service issued whose time is up (not one revoked or never issued):
        the caller is told to log in again rather than that the token is wrong."""
        entry = self._index.get(_token_hash(token))
        return entry is not None and self.clock.now() >= entry[1]

    def revoke(self, token: str) -> None:
        digest = _token_hash(token)
        with self._lock:
            entry = self._index.pop(digest, None)
            if entry is not None:
                self.store.update(self._rel(entry[0]), lambda doc: {
                    "tokens": {d: e for d, e in (doc or {}).get("tokens", {}).items()
                               if d != digest}})

    def revoke_all(self, user_id: str, *, keep: str | None = None) -> None:
        """Revoke every token of the user (but `keep`, the caller's own, when given)."""
        kept = _token_hash(keep) if keep else None
        with self._lock:
            for digest in [d for d, (u, _) in self._index.items() if u == user_id and d != kept]:
                del self._index[digest]
            self.store.update(self._rel(user_id), lambda doc: None if doc is None or not kept
                              else {"tokens": {d: e for d, e in doc.get("tokens", {}).items()
                                               if d == kept}})

    def _rel(self, user_id: str) -> str:
        return f"{self.FOLDER}/{user_id}.json"


class LoginLimiter:
    """Failed-login counters, in memory (reset at restart); keys whose failures have all aged
    out are dropped, so sprayed e-mails do not pile up.

    Three limits in one window: an account from one address (`per_pair`, the usual lock-out),
    one address over all accounts (`per_address`, spraying), and an account over all addresses
    (`per_account`, guessing from many machines). Someone who only knows a user's e-mail and
    sends wrong passwords locks out their own address, not the user: the user is locked out
    everywhere only after `per_account` failures from many addresses."""

    def __init__(self, *, clock: Clock, per_pair: int = 5, per_address: int = 20,
                 per_account: int = 50, window_s: float = 900.0) -> None:
        self.clock, self.window_s = clock, window_s
        self.limits = {"pair": per_pair, "address": per_address, "account": per_account}
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    SWEEP_AT = 10_000  # keys held before a failure sweeps out the aged ones

    @staticmethod
    def _keys(account: str, address: str) -> tuple[tuple[str, str], ...]:
        return (("pair", f"{account}\n{address}"), ("address", address), ("account", account))

    def check(self, account: str, address: str) -> None:
        """Raise TooManyRequests (with `retry_after_s`) when any limit is reached; else count
        this attempt as a failure now, in the same step (`succeeded` takes it back): checked
        and counted apart, 16 logins sent at once were all checked against a limit of 5."""
        now = self.clock.monotonic()
        with self._lock:
            keys = self._keys(account, address)
            for key in keys:
                times = self._recent(key, now)
                if len(times) >= self.limits[key[0]]:
                    retry = max(1, int(times[0] + self.window_s - now) + 1)
                    raise TooManyRequests("too many failed logins; try again later",
                                          details={"retry_after_s": retry})
            self._count(keys, now)

    def _count(self, keys: tuple[tuple[str, str], ...], now: float) -> None:
        if len(self._failures) >= self.SWEEP_AT:
            for key in list(self._failures):
                self._recent(key, now)
        for key in keys:
            self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, account: str, address: str) -> None:
        """The right password: that account's failures are forgotten, and this attempt is
        taken back from the address's count (its failures on other accounts stay)."""
        with self._lock:
            pair, by_address, by_account = self._keys(account, address)
            self._failures.pop(pair, None)
            self._failures.pop(by_account, None)
            times = self._failures.get(by_address)
            if times:
                times.pop()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.get(key, deque())
        while times and times[0] <= now - self.window_s:
            times.popleft()
        if not times:
            self._failures.pop(key, None)
        return times


class SignupLimiter:
    """Open sign-ups (`VERZEK_ALLOW_SIGNUP`), in memory: at most `per_address` from one address
    and `overall` from all addresses in one window. Each costs a scrypt hash and a user file: a
    flood of them from one machine slowed every other request to seconds. Admins creating users
    are not counted."""

    def __init__(self, *, clock: Clock, per_address: int = 10, overall: int = 300,
                 window_s: float = 3600.0) -> None:
        self.clock, self.window_s = clock, window_s
        self.per_address, self.overall = per_address, overall
        self._by_address: dict[str, deque[float]] = {}
        self._all: deque[float] = deque()
        self._lock = threading.Lock()

    def check(self, address: str) -> None:
        """Count one sign-up attempt from `address`; TooManyRequests (with `retry_after_s`)
        instead when a limit is reached."""
        now = self.clock.monotonic()
        with self._lock:
            self._age(self._all, now)
            if len(self._by_address) >= 10_000:
                for key in list(self._by_address):
                    if not self._age(self._by_address[key], now):
                        del self._by_address[key]
            mine = self._by_address.get(address, deque())
            self._age(mine, now)
            for times, limit in ((mine, self.per_address), (self._all, self.overall)):
                if len(times) >= limit:
                    retry = max(1, int(times[0] + self.window_s - now) + 1)
                    raise TooManyRequests("too many sign-ups; try again later",
                                          details={"retry_after_s": retry})
            mine.append(now)
            self._by_address[address] = mine
            self._all.append(now)

    def _age(self, times: deque[float], now: float) -> deque[float]:
        while times and times[0] <= now - self.window_s:
            times.popleft()
        return times
