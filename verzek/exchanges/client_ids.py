"""Deterministic client order ids: ours, recognisable, within every exchange's limits.

Format: `<prefix><hash>` where `prefix` is "vz" (so reconciliation can recognise our orders on
the exchange) and `hash` is the lowercase hex of sha256("signal|user|leg|attempt"), cut so the
whole id is at most 32 characters. Limits it satisfies: Binance newClientOrderId
`^[.A-Z:/a-z0-9_-]{1,36}$`; Bybit orderLinkId at most 36 characters of letters, digits, `-`, `_`;
Phemex clOrdID at most 40 characters; MetaApi clientId (comment) at most 26 characters counting
its own prefix, handled in coinexx.py. `attempt` is bumped only when an intent was proven "not
placed" and is re-issued under a new id.
"""

from __future__ import annotations

import hashlib
import re

PREFIX = "vz"
MAX_LEN = 32
_ALLOWED = re.compile(r"^[A-Za-z0-9_-]{1,36}$")


def make_client_order_id(
    signal_id: str, user_id: str, leg: str, attempt: int = 0, *, prefix: str = PREFIX,
    length: int = MAX_LEN,
) -> str:
    """The client order id of one order leg of one user's trade on one signal."""
    if not _ALLOWED.match(prefix) or len(prefix) >= length or length > 36:
        raise ValueError("bad client order id prefix or length")
    if attempt < 0:
        raise ValueError("attempt must be >= 0")
    digest = hashlib.sha256(f"{signal_id}|{user_id}|{leg}|{attempt}".encode()).hexdigest()
    return prefix + digest[: length - len(prefix)]


def is_ours(client_order_id: str | None, *, prefix: str = PREFIX) -> bool:
    """Whether an order on the exchange carries our id (for adopting or flagging strays)."""
    return bool(client_order_id) and str(client_order_id).startswith(prefix)


def check_client_order_id(client_order_id: str) -> str:
    """The id itself when every exchange accepts it; ValueError otherwise."""
    if not _ALLOWED.match(client_order_id):
        raise ValueError(f"client order id {client_order_id!r} is not [A-Za-z0-9_-]{{1,36}}")
    return client_order_id
