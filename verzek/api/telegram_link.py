"""Telegram linking: a one-time code the user sends to the bot as `/start CODE`, unlinking, and
an invite link to the group the user's plan grants."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from pydantic import BaseModel

from verzek.api.auth import require_owner
from verzek.api.context import ctx
from verzek.api.schemas import SECURITY, UserPath, api_blueprint
from verzek.errors import VerzekError

api = api_blueprint("telegram", "/api/users", "Telegram account linking and group invites")


class TelegramOff(VerzekError):
    """The Telegram bot is not configured on this server: set TELEGRAM_BOT_TOKEN."""

    code = "telegram_off"
    http_status = 409


class LinkCodeOut(BaseModel):
    code: str
    expires_at: str
    deep_link: str | None = None


class Unlinked(BaseModel):
    unlinked: bool = True


class InviteOut(BaseModel):
    group: str
    url: str
    expires_at: str


def _telegram() -> Any:
    parts = ctx().runtime.components.get("telegram")
    if parts is None:
        raise TelegramOff("Telegram is not set up on this server")
    return parts


@api.post("/<user_id>/telegram/link", responses={200: LinkCodeOut}, security=SECURITY)
def issue_link_code(path: UserPath) -> Response:
    """A one-time code (15 minutes) to send to the bot as `/start CODE`."""
    require_owner(path.user_id)
    parts = _telegram()
    if parts.bot is None:
        raise TelegramOff("the Telegram bot is not configured (TELEGRAM_BOT_TOKEN)")
    code = parts.links.issue_code(path.user_id)
    return jsonify({**code.to_dict(), "deep_link": parts.bot.deep_link(code.code)})


@api.delete("/<user_id>/telegram/link", responses={200: Unlinked}, security=SECURITY)
def unlink_telegram(path: UserPath) -> Response:
    """Forget the user's Telegram account; `unlinked` false when none was linked."""
    require_owner(path.user_id)
    linked = ctx().runtime.users.get(path.user_id).telegram_user_id is not None
    _telegram().links.unlink(path.user_id)
    return jsonify({"unlinked": linked})


@api.post("/<user_id>/telegram/invite", responses={200: InviteOut}, security=SECURITY)
def group_invite(path: UserPath) -> Response:
    """A one-time, expiring invite link to the group the user's plan grants (VIP or TRIAL)."""
    require_owner(path.user_id)
    parts = _telegram()
    if parts.access is None:
        raise TelegramOff("group invites need the Telegram bot (TELEGRAM_BOT_TOKEN)")
    return jsonify(parts.access.invite_link(path.user_id).to_dict())
