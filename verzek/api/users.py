"""Users: list and create (admin, or anyone when sign-up is open), read, change, delete, stats,
their decisions on recent signals and their trading state."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from flask import Response, jsonify, request
from pydantic import AfterValidator, BaseModel, Field, StrictStr

from verzek.api.auth import admin_only, caller, require_admin, require_owner
from verzek.api.context import ctx
from verzek.api.plain import plain_answer
from verzek.api.safety import safety_answer
from verzek.api.schemas import (
    LINE_PATTERN,
    SECURITY,
    AnyObject,
    ApiModel,
    Deleted,
    PageQuery,
    UserPath,
    api_blueprint,
)
from verzek.domain.models import Role, Subscription, User
from verzek.engine.accounts import EMAIL_RE
from verzek.errors import Forbidden, Unauthorized

api = api_blueprint("users", "/api/users", "accounts of the platform")


def _nfc(address: str) -> str:
    """RFC 6532 §3.1: an address is compared in NFC. "ü" sent precomposed (U+00FC) or as
    "u" + U+0308 is one address, never two accounts (the engine compares lower-cased text)."""
    return unicodedata.normalize("NFC", address)


# the bounds before the normalisation, so the JSON schema shows them (also under `| None`)
LoginEmail = Annotated[StrictStr, Field(min_length=3, max_length=320), AfterValidator(_nfc)]
Email = Annotated[StrictStr, Field(min_length=3, max_length=320, pattern=EMAIL_RE.pattern),
                  AfterValidator(_nfc)]
Name = Annotated[StrictStr, Field(max_length=100, pattern=LINE_PATTERN)]


class UserCreate(ApiModel):
    email: Email
    password: StrictStr = Field(min_length=8, max_length=1024)
    name: Name = ""


class UserPatch(ApiModel):
    """Only these fields are the user's; plan, role, id and the rest belong to admins."""

    name: Name | None = None
    email: Email | None = None
    password: StrictStr | None = Field(default=None, min_length=8, max_length=1024)
    # the password the user logs in with now: a user's own change of e-mail or password needs
    # it (a stolen token alone must not take the account over); an admin's does not
    current_password: StrictStr | None = Field(default=None, max_length=1024)


class UserOut(BaseModel):
    id: str
    email: str
    name: str
    role: Role
    created_at: datetime
    subscription: Subscription
    paused: bool
    paused_until: datetime | None = None
    exchange_accounts: int


class UserPage(BaseModel):
    items: list[UserOut]
    total: int
    limit: int
    offset: int


class PeriodStats(BaseModel):
    model_config = {"extra": "allow"}

    trades: int
    wins: int
    losses: int
    win_rate: Decimal | float
    realised_pnl_usdt: Decimal
    volume_usdt: Decimal


class DayStats(PeriodStats):
    date: str


class UserStats(BaseModel):
    today: PeriodStats
    all_time: PeriodStats
    daily: list[DayStats]


def user_out(user: User, pauses: dict[str, Any] | None = None) -> dict[str, Any]:
    """`paused` / `paused_until`: the user's pause in force now (`POST .../pause`, by them or
    an admin, or the daily loss limit's), read from the safety state (`pauses`: its
    `user_pause`, read once for a page of users)."""
    if pauses is None:
        pauses = _user_pauses()
    pause = pauses.get(user.id) or {}
    in_force = bool(pause.get("in_force")) or (
        user.paused and (user.paused_until is None or
                         ctx().runtime.clock.now() < user.paused_until))
    return {"id": user.id, "email": user.email, "name": user.name, "role": user.role.value,
            "created_at": user.created_at,  # "...Z", as every time the API answers
            "subscription": user.subscription.model_dump(mode="json"),
            "paused": in_force,
            "paused_until": (pause.get("until") if pause.get("in_force") else
                             user.paused_until) if in_force else None,
            "exchange_accounts": len(user.exchange_accounts)}


def _user_pauses() -> dict[str, Any]:
    trading = getattr(ctx().runtime, "trading", None)
    if trading is None:
        return {}
    pauses: dict[str, Any] = trading.safety_status().get("user_pause") or {}
    return pauses


@api.get("", responses={200: UserPage}, security=SECURITY)
@admin_only
def list_users(query: PageQuery) -> Response:
    """Every user, paginated (admin).
    Ordered by user id: a stable order, the same after a restart."""
    require_admin()
    users, total = ctx().accounts.list_users(limit=query.limit, offset=query.offset)
    pauses = _user_pauses()
    return jsonify({"items": [user_out(u, pauses) for u in users], "total": total,
                    "limit": query.limit, "offset": query.offset})


@api.post("", responses={201: UserOut}, security=[*SECURITY, {}])
def create_user(body: UserCreate) -> tuple[Response, int]:
    """Create a user (admin; anyone while VERZEK_ALLOW_SIGNUP=1). Starts on the free plan.
    Open sign-ups are limited to 10 an hour from one address and 300 an hour in all (429
    `rate_limited` with `Retry-After`); an admin's are not."""
    from flask import g

    who = g.get("caller")
    if who is None and not ctx().settings.allow_signup:
        raise Unauthorized("a valid bearer token is required")
    if who is not None and not who.is_admin:
        raise Forbidden("admins only", code="admin_only")
    address = None if who is not None else request.remote_addr or "unknown"
    user = ctx().accounts.create_user(email=body.email, password=body.password, name=body.name,
                                      address=address)
    return jsonify(user_out(user)), 201


@api.get("/<user_id>", responses={200: UserOut}, security=SECURITY)
def get_user(path: UserPath) -> Response:
    """One user."""
    require_owner(path.user_id)
    return jsonify(user_out(ctx().accounts.users.get(path.user_id)))


@api.patch("/<user_id>", responses={200: UserOut}, security=SECURITY)
def update_user(path: UserPath, body: UserPatch) -> Response:
    """Change name, e-mail or password (a new password revokes the user's other tokens). A
    user changing their e-mail or password sends `current_password` too: 403
    `current_password_required` without it, 403 `wrong_password` when it is wrong (counted
    like a failed login); an admin needs none. An e-mail changed away from gets no new trial
    when signed up with again; past 100 changes of one account's e-mail the change is 409
    `email_changes_exhausted`."""
    who = require_owner(path.user_id)
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    current = changes.pop("current_password", None)
    if not who.is_admin and ({"email", "password"} & set(changes)):
        ctx().accounts.check_current_password(path.user_id, current,
                                              request.remote_addr or "unknown")
    keep = None if who.is_admin else who.token
    return jsonify(user_out(ctx().accounts.update_user(
        path.user_id, changes, keep_token=keep, by="an admin" if who.is_admin else "the user")))


@api.delete("/<user_id>", responses={200: Deleted}, security=SECURITY)
def delete_user(path: UserPath) -> Response:
    """Delete a user (their tokens are revoked; the id answers 404 afterwards)."""
    who = require_owner(path.user_id)
    ctx().accounts.delete_user(path.user_id, by="an admin" if who.is_admin else "the user")
    return jsonify({"deleted": True})


class UserDecisionOut(BaseModel):
    """What the engine did with one signal for this user."""

    signal_id: str
    received_at: datetime
    kind: str = Field(description="signal (a call) or update (a follow-up)")
    symbol: str | None = None
    side: str | None = Field(default=None, description="long or short, for a call")
    action: str | None = Field(default=None, description="the follow-up's action")
    outcome: str = Field(description="executed, skipped or failed")
    code: str = Field(description="the rule or step that decided, e.g. max_open_positions")
    reason: str = Field(description="the decision in words")
    position_id: str | None = None
    account_id: str | None = None


class UserDecisionPage(BaseModel):
    items: list[UserDecisionOut]
    total: int
    limit: int
    offset: int


@api.get("/<user_id>/decisions", responses={200: UserDecisionPage}, security=SECURITY)
def user_decisions(path: UserPath, query: PageQuery) -> Response:
    """The user's own decisions on recent signals, newest first: each call or follow-up, and
    whether it was traded for them and why (or why not: the rule's code and sentence). Only
    this user's decisions, never another user's."""
    require_owner(path.user_id)
    trading = ctx().trading
    items = trading.user_decisions(path.user_id, limit=query.limit, offset=query.offset)
    return jsonify({"items": [UserDecisionOut.model_validate(i).model_dump(mode="json")
                              for i in items],
                    "total": trading.user_decisions_total(path.user_id),
                    "limit": query.limit, "offset": query.offset})


@api.get("/<user_id>/trading-state", responses={200: AnyObject}, security=SECURITY)
def trading_state(path: UserPath) -> Response:
    """Whether the user may open positions now (`new_positions_allowed`) and, if not, why
    (`reason`): their own kill switch, pause and circuit breaker, and the platform's kill
    switch and pause. Read-only: the user changes theirs with POST .../pause and
    .../kill-switch."""
    require_owner(path.user_id)
    return safety_answer(ctx().trading.user_safety(path.user_id))


@api.get("/<user_id>/stats", responses={200: UserStats}, security=SECURITY)
def user_stats(path: UserPath) -> Response:
    """Trades, wins, losses, win rate, realised PnL and volume: today, all time, last 30 days."""
    require_owner(path.user_id)
    return jsonify(plain_answer(UserStats, ctx().trading.user_stats(path.user_id)))


__all__ = ["api", "caller", "user_out"]
