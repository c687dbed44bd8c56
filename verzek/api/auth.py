"""Who is calling: bearer tokens (admin from the environment, users from login), and the tenancy
rule — a user reaches only their own `/api/users/<id>/...`; anyone else's id answers 404."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from flask import g, request

from verzek.api.context import ctx
from verzek.errors import Forbidden, NotFound, Unauthorized

# endpoints reachable without a token; signup (`users.create_user`) decides for itself
PUBLIC_ENDPOINTS = frozenset({"health", "openapi_document", "auth.login",
                              "webhooks.tradingview", "users.create_user"})


@dataclass(frozen=True)
class Caller:
    is_admin: bool
    user_id: str | None = None
    token: str = ""


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def resolve(token: str) -> Caller | None:
    raw = token.encode()
    if any(hmac.compare_digest(raw, admin) for admin in ctx().admin_tokens):
        return Caller(is_admin=True, token=token)
    user_id = ctx().tokens.resolve(token)
    if user_id is None or not ctx().accounts.is_active_user(user_id):
        return None
    return Caller(is_admin=False, user_id=user_id, token=token)


def authenticate() -> None:
    """Before every request: resolve the caller; `/api/...` needs one unless public."""
    g.caller = None
    if request.routing_exception is not None or not request.path.startswith("/api/"):
        return
    if request.method == "OPTIONS":
        return  # answered from the route's methods alone; no view runs, nothing is revealed
    token = bearer_token()
    caller = resolve(token) if token else None
    if caller is None and (token or request.endpoint not in PUBLIC_ENDPOINTS):
        raise Unauthorized("a valid bearer token is required",
                           details={"scheme": "Bearer"})
    g.caller = caller


def caller() -> Caller:
    found: Caller | None = g.get("caller")
    if found is None:
        raise Unauthorized("a valid bearer token is required")
    return found


def require_admin() -> Caller:
    who = caller()
    if not who.is_admin:
        raise Forbidden("admins only", code="admin_only")
    return who


def require_owner(user_id: str) -> Caller:
    """The caller if they may act on `user_id`; another user's id answers like a missing one."""
    who = caller()
    if who.is_admin:
        if ctx().accounts.users.find(user_id) is None:
            raise NotFound("no such user")
        return who
    if who.user_id is None or not hmac.compare_digest(who.user_id, user_id):
        raise NotFound("no such user")
    return who
