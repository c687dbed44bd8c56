"""Who is calling: bearer tokens (admin from the environment, users from login), and the tenancy
rule — a user reaches only their own `/api/users/<id>/...`; anyone else's id answers 404."""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from flask import current_app, g, request

from verzek.api.context import ctx
from verzek.api.schemas import ID_PATTERN
from verzek.errors import Forbidden, NotFound, Unauthorized

View = TypeVar("View", bound=Callable[..., object])

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
    if caller is None and request.endpoint not in PUBLIC_ENDPOINTS:
        # (login, sign-up and the webhook need no token: a stale one an app attaches to every
        # request must not refuse the login that would replace it)
        if token and ctx().tokens.expired(token):
            raise Unauthorized("your session has expired; log in again",
                               code="token_expired", details={"scheme": "Bearer"})
        raise Unauthorized("a valid bearer token is required", details={"scheme": "Bearer"})
    g.caller = caller


def admin_only(view: View) -> View:
    """Mark a view admin-only (put it under the route decorator): a user is refused 403 before
    the request's path, query or body is validated. The view still calls `require_admin()`."""
    view.admin_only = True  # type: ignore[attr-defined]  # copied onto the route's wrapper
    return view


def authorize() -> None:
    """Before validation: 403 on an admin-only route, 404 on another user's (or a missing)
    `/api/users/<id>/...`, so a caller without the right learns nothing from a 422 and gets the
    same answer whatever they send."""
    if g.get("caller") is None or request.routing_exception is not None:
        return  # no caller: a public route, or OPTIONS (answered from the route alone)
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "admin_only", False):
        require_admin()
    user_id = (request.view_args or {}).get("user_id")
    if isinstance(user_id, str) and re.fullmatch(ID_PATTERN, user_id):
        require_owner(user_id)  # a malformed id is the path validation's 422


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
    if g.get("owner_checked") == user_id:
        return who  # `authorize` checked it for this request already
    if who.is_admin:
        if ctx().accounts.users.find(user_id) is None:
            raise NotFound("no such user")
    elif who.user_id is None or not hmac.compare_digest(who.user_id, user_id):
        raise NotFound("no such user")
    g.owner_checked = user_id
    return who
