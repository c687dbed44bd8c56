"""Keyword detection and spam filtering for the forwarder; the caller passes the time in."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from verzek.errors import InvalidInput
from verzek.signals.hashing import content_hash

DEFAULT_KEYWORDS: tuple[str, ...] = (
    "entry", "entries", "target", "targets", "tp", "sl", "stop", "stop loss", "take profit",
    "long", "short", "buy", "sell", "leverage", "signal",
    "вход", "цели", "стоп", "лонг", "шорт", "entrada", "objetivos", "alvos", "giriş", "hedef",
    "vào lệnh", "mục tiêu", "cắt lỗ",
)
DEFAULT_PROMO_PHRASES: tuple[str, ...] = (
    "join our vip", "join vip", "join now", "limited offer", "limited spots", "discount",
    "promo code", "giveaway", "free signals", "dm me", "dm for", "contact admin", "register with",
    "sign up", "referral", "airdrop", "guaranteed profit", "100% guaranteed", "subscribe now",
    "% off", "last spots", "pump group",
)
_LINK_RE = re.compile(
    r"(?:https?://|www\.)\S+|(?<![\w@.])[\w-]+\.(?:com|io|net|org|xyz|me|gg|ly|app|co)\b(?:/\S*)?",
    re.IGNORECASE,
)
_INVITE_RE = re.compile(
    r"(?:t\.me|telegram\.me|telegram\.dog)/(?:joinchat/|\+)\S+|discord\.gg/\S+"
    r"|discord(?:app)?\.com/invite/\S+|chat\.whatsapp\.com/\S+",
    re.IGNORECASE,
)

Reason = Literal[
    "blocked_sender", "too_short", "too_long", "invite_link", "link", "promotion", "no_keyword",
    "duplicate",
]


def _phrase_regex(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    """One case-insensitive regex matching any phrase as whole words (None when empty)."""
    words = sorted({p.strip().lower() for p in phrases if p.strip()}, key=len, reverse=True)
    if not words:
        return None
    body = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in words)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)


@dataclass(frozen=True)
class FilterSettings:
    """What the forwarder lets through; every rule can be switched off."""

    keywords: tuple[str, ...] = DEFAULT_KEYWORDS  # empty: no keyword needed
    promo_phrases: tuple[str, ...] = DEFAULT_PROMO_PHRASES
    block_links: bool = False
    allowed_link_domains: tuple[str, ...] = ()
    block_invite_links: bool = True
    blocked_senders: frozenset[str] = field(default_factory=frozenset)  # ids or @usernames
    min_length: int = 10
    max_length: int = 4000
    duplicate_window_s: float = 600.0  # 0: no duplicate check
    max_remembered: int = 10_000

    def __post_init__(self) -> None:
        if self.min_length < 0 or self.max_length < self.min_length:
            raise InvalidInput("min_length must be >= 0 and <= max_length")
        if self.duplicate_window_s < 0 or self.max_remembered < 1:
            raise InvalidInput("duplicate_window_s must be >= 0 and max_remembered >= 1")


@dataclass(frozen=True, slots=True)
class FilterDecision:
    """Whether to forward a message, and the first rule that refused it."""

    allowed: bool
    reason: Reason | None = None
    detail: str = ""


class MessageFilter:
    """Applies `FilterSettings` in a fixed order; remembers recent content for the window."""

    def __init__(self, *, settings: FilterSettings | None = None) -> None:
        self._settings = settings or FilterSettings()
        self._keywords = _phrase_regex(self._settings.keywords)
        self._promo = _phrase_regex(self._settings.promo_phrases)
        self._blocked = {_sender_key(s) for s in self._settings.blocked_senders}
        self._seen: OrderedDict[str, datetime] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def settings(self) -> FilterSettings:
        return self._settings

    def has_keyword(self, text: str) -> bool:
        """True when the text names a trading keyword (or no keywords are configured)."""
        return self._keywords is None or self._keywords.search(text) is not None

    def check(self, text: str, *, now: datetime, sender: str | int | None = None) -> FilterDecision:
        """Decide on one message received at `now`; an allowed message is remembered."""
        rules = self._settings
        if sender is not None and _sender_key(sender) in self._blocked:
            return FilterDecision(False, "blocked_sender", str(sender))
        length = len(text.strip())
        if length < rules.min_length:
            return FilterDecision(False, "too_short", f"{length} < {rules.min_length}")
        if length > rules.max_length:
            return FilterDecision(False, "too_long", f"{length} > {rules.max_length}")
        invite = _INVITE_RE.search(text) if rules.block_invite_links else None
        if invite is not None:
            return FilterDecision(False, "invite_link", invite.group())
        if rules.block_links:
            for link in _LINK_RE.finditer(text):
                if not self._is_allowed_domain(link.group()):
                    return FilterDecision(False, "link", link.group())
        promo = self._promo.search(text) if self._promo is not None else None
        if promo is not None:
            return FilterDecision(False, "promotion", promo.group())
        if not self.has_keyword(text):
            return FilterDecision(False, "no_keyword")
        if rules.duplicate_window_s > 0 and not self._remember(content_hash(text), now):
            return FilterDecision(False, "duplicate")
        return FilterDecision(True)

    def _is_allowed_domain(self, link: str) -> bool:
        host = re.sub(r"^(?:https?://)?(?:www\.)?", "", link.lower()).split("/", 1)[0]
        return any(host == d or host.endswith("." + d) for d in self._settings.allowed_link_domains)

    def _remember(self, key: str, now: datetime) -> bool:
        """False when `key` was accepted within the window; the window runs from the first copy."""
        window = timedelta(seconds=self._settings.duplicate_window_s)
        with self._lock:
            while self._seen:
                oldest_key, oldest_at = next(iter(self._seen.items()))
                if now - oldest_at < window and len(self._seen) < self._settings.max_remembered:
                    break
                del self._seen[oldest_key]
            seen_at = self._seen.get(key)
            if seen_at is not None and now - seen_at < window:
                return False
            self._seen[key] = now
            self._seen.move_to_end(key)
            return True


def _sender_key(sender: str | int) -> str:
    return str(sender).strip().lower().lstrip("@")
