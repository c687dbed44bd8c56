"""The HTTP client of the bot (PTB's HTTPXRequest) keeping what PTB drops: the status of a 5xx
answer, so a 504 (the Bot API server may still carry the call out) is told from a 502."""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import TYPE_CHECKING

from telegram.error import NetworkError
from telegram.request import BaseRequest, HTTPXRequest, RequestData

if TYPE_CHECKING:  # PTB's own type of a timeout argument (a default, a number or None)
    from telegram._utils.types import ODVInput

# A gateway's timeout: api.telegram.org's front stopped waiting for the Bot API server, which
# still holds the call and goes on with it (it answers sendMessage only once the message is
# sent, so a slow send outlives the gateway's wait) — the message may be posted after all.
# Other 5xx say the call was not done: 502/503, the gateway did not reach the server; 500, the
# server's own refusal (https://github.com/tdlib/telegram-bot-api, `fail_query_with_error`).
OUTCOME_UNKNOWN_STATUSES = frozenset({HTTPStatus.GATEWAY_TIMEOUT})


class ServerError(NetworkError):
    """The Bot API (or the gateway in front of it) answered with a 5xx `status`: transient."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status

    @property
    def outcome_unknown(self) -> bool:
        """Whether the call may have been carried out despite the error answer."""
        return self.status in OUTCOME_UNKNOWN_STATUSES


class BotApiRequest(HTTPXRequest):
    """HTTPXRequest that raises ServerError for a 5xx answer, JSON or not.

    PTB raises a bare NetworkError for it, without the status, and logs a non-JSON body (the
    gateway's HTML page) as an exception with a traceback at every call."""

    __slots__ = ()

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        status, payload = await super().do_request(
            url, method, request_data, read_timeout=read_timeout, write_timeout=write_timeout,
            connect_timeout=connect_timeout, pool_timeout=pool_timeout)
        if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
            raise ServerError(status, _describe(status, payload))
        return status, payload


def _describe(status: int, payload: bytes) -> str:
    """The answer's `description` when it is the Bot API's JSON, else the HTTP phrase."""
    try:
        description = json.loads(payload.decode("utf-8", "replace")).get("description")
    except (ValueError, AttributeError):
        description = None
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Server error"
    return f"{description or phrase} ({status})"
