"""Logging: one format with context fields, a redaction filter for secrets, and throttling."""

from __future__ import annotations

import contextlib
import contextvars
import logging
import re
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CONTEXT_FIELDS = ("user_id", "signal_id", "symbol", "exchange")
_context: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "verzek_log_context", default=None
)

FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s%(context)s"

# Names whose value is a secret. A name may carry a prefix of whole words joined by `_` or
# `-` (`BINANCE_API_SECRET`, `X-MBX-APIKEY`, `X-BAPI-SIGN`, `access_token`), but a bare
# `key` must stand alone: "monkey=3" and "key levels" are left as they are.
_SECRET_NAMES = (
    r"api[_-]?key|apikey|api[_-]?secret|api[_-]?hash|api[_-]?sign|secret[_-]?key|secret"
    r"|client[_-]?secret|token|password|passwd|pwd|passphrase|signature|sign|authorization"
    r"|private[_-]?key|listen[_-]?key|master[_-]?keys?|(?:telegram|string)[_-]?session"
    r"|session[_-]?string|key"
)
# The value: an optional scheme (`Bearer x`, `Basic x`), then everything up to a separator.
_VALUE = r"(?:(?:bearer|basic|token)\s+)?[^\s\"',;&}]+"
# Patterns that look like secrets: `name=value`, `name: value`, `"name": "value"`, headers,
# URL query parameters; bearer tokens; `access_token value`; bot tokens; Fernet tokens.
_PATTERNS = [
    re.compile(
        rf"(?i)(\b(?:[a-z0-9]++[_-])*(?:{_SECRET_NAMES})[\"']?\s*[:=]\s*[\"']?){_VALUE}"
    ),
    re.compile(r"(?i)(\b(?:access|refresh|id|auth|bot)[_-]?token\s+)[^\s\"',;&}:=]+"),
    re.compile(r"(?i)(\bbearer\s+)[A-Za-z0-9._~+/=-]+"),
    re.compile(r"()\b\d{6,12}:[A-Za-z0-9_-]{30,}\b"),  # Telegram bot token
    re.compile(r"()\bgAAAAA[A-Za-z0-9_=-]{20,}"),  # Fernet token
]
REDACTED = "***"


class _Secrets:
    """Exact secret values known at run time (settings, decrypted keys) to mask in every line."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._lock = threading.Lock()
        self._pattern: re.Pattern[str] | None = None

    def add(self, value: str) -> None:
        if not value or len(value) < 6:
            return
        with self._lock:
            if value not in self._values:
                self._values.add(value)
                escaped = sorted((re.escape(v) for v in self._values), key=len, reverse=True)
                self._pattern = re.compile("|".join(escaped))

    def mask(self, text: str) -> str:
        pattern = self._pattern
        return pattern.sub(REDACTED, text) if pattern else text


KNOWN_SECRETS = _Secrets()


def register_secret(value: str) -> None:
    """Mask this exact value in every log line from now on."""
    KNOWN_SECRETS.add(value)


def redact(text: str) -> str:
    """Mask known secrets and anything that looks like a key, secret, token or password."""
    text = KNOWN_SECRETS.mask(text)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
    return text


class ContextFilter(logging.Filter):
    """Fills the context fields from `extra=` or the current `log_context`; shows those set."""

    def filter(self, record: logging.LogRecord) -> bool:
        ctx = _context.get() or {}
        parts = []
        for name in CONTEXT_FIELDS:
            if not hasattr(record, name):
                setattr(record, name, ctx.get(name, "-"))
            value = getattr(record, name)
            if value not in ("-", None):
                parts.append(f"{name}={value}")
        record.context = (" | " + " ".join(parts)) if parts else ""
        return True


class RedactingFormatter(logging.Formatter):
    """Formats, then redacts the whole line (message, arguments and traceback)."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


@contextlib.contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Attach context fields (user_id, signal_id, symbol, exchange) to every line inside."""
    merged = dict(_context.get() or {})
    merged.update({k: v for k, v in fields.items() if v is not None})
    token = _context.set(merged)
    try:
        yield
    finally:
        _context.reset(token)


def setup_logging(level: str = "INFO", log_file: Path | None = None) -> None:
    """Configure the root logger once: stderr (and a file), context fields, redaction."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_verzek", False):
            root.removeHandler(handler)
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
    for handler in handlers:
        handler._verzek = True  # type: ignore[attr-defined]
        handler.addFilter(ContextFilter())
        handler.setFormatter(RedactingFormatter(FORMAT))
        root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("urllib3", "ccxt", "telethon", "httpx", "httpcore", "waitress.queue"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


class Throttle:
    """Lets the same failure through once per `interval_s`, counting what it held back."""

    def __init__(self, interval_s: float = 60.0, clock: Any = None) -> None:
        self.interval_s = interval_s
        self._monotonic = clock.monotonic if clock is not None else time.monotonic
        self._last: dict[str, float] = {}
        self._suppressed: dict[str, int] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> tuple[bool, int]:
        """(whether to log now, how many were held back since the last one)."""
        now = self._monotonic()
        with self._lock:
            last = self._last.get(key)
            if last is None or now - last >= self.interval_s:
                self._last[key] = now
                return True, self._suppressed.pop(key, 0)
            self._suppressed[key] = self._suppressed.get(key, 0) + 1
            return False, 0
