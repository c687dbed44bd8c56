"""The request audit line: every call that changes something, with who made it, from where,
and its status. Exchange accounts, settings, demo balances, closes and an admin's actions had
no line, and "by an admin" did not say which of the configured tokens acted."""

from __future__ import annotations

import hashlib
import logging
import re

from flask import Response, g, request

logger = logging.getLogger(__name__)

CHANGES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# a path segment that is a secret: the TradingView webhook's
_SECRET_PATH = re.compile(r"(/api/webhooks/tradingview/)[^/]+")


def admin_label(token: str) -> str:
    """An admin token named by a fingerprint (not the token): "admin#1a2b3c4d"."""
    return "admin#" + hashlib.sha256(token.encode()).hexdigest()[:8]


def who() -> str:
    """The caller of this request, for a log line."""
    caller = g.get("caller")
    if caller is None:
        return "anonymous"
    if caller.is_admin:
        return admin_label(caller.token) if caller.token else "an admin"
    return f"user {caller.user_id}"


def audit(response: Response) -> Response:
    """After a request: one line for a call that changes something (a GET changes nothing)."""
    if request.method in CHANGES:
        path = _SECRET_PATH.sub(r"\1[redacted]", request.path)
        logger.info("api %s %s -> %d by %s from %s", request.method, path,
                    response.status_code, who(), request.remote_addr or "unknown")
    return response
