"""Signals: submit one (text or structured) through the same pipeline as Telegram, read recent
ones with their per-user outcomes; and the TradingView webhook."""

from __future__ import annotations

import hmac
from typing import Annotated, Any, Literal, cast

from flask import Response, jsonify
from pydantic import BaseModel, Discriminator, Field, RootModel, StrictStr, Tag

from verzek.api.auth import admin_only, require_admin
from verzek.api.context import ctx
from verzek.api.error_handlers import request_values
from verzek.api.schemas import (
    ID_PATTERN,
    SECURITY,
    ApiModel,
    PageQuery,
    api_blueprint,
    plain_dump,
    strict_twin,
)
from verzek.domain.models import Signal, SignalRecord, SignalSource, SignalUpdate
from verzek.engine.ports import SubmitResult
from verzek.errors import NotFound
from verzek.signals import parse_message

api = api_blueprint("signals", "/api/signals", "trading signals")
webhooks_api = api_blueprint("webhooks", "/api/webhooks", "inbound alerts")
# its own path: under /api/signals, "parse" would also be a signal id (GET /api/signals/<id>)
parser_api = api_blueprint("parser", "/api/parser", "how a message is read")
blueprints = (api, webhooks_api, parser_api)
SYMBOL_PATTERN = r"^[A-Z0-9]{1,20}/[A-Z0-9]{1,20}(:[A-Z0-9]{1,20})?$"


class SignalIn(strict_twin(Signal)):  # type: ignore[misc]
    """A structured signal; the symbol is BASE/QUOTE (optionally :SETTLE), upper case."""

    symbol: Annotated[StrictStr, Field(pattern=SYMBOL_PATTERN)]
    raw_text: Annotated[StrictStr, Field(max_length=4096)] = ""


# at least one character that is not blank in Python, JSON-schema (ECMA) and Rust regexes
NOT_BLANK = r"[^\s\x1c-\x1f\x85]"


class TextSignal(ApiModel):
    text: Annotated[StrictStr, Field(min_length=1, max_length=4096, pattern=NOT_BLANK)]


class StructuredSignal(ApiModel):
    signal: SignalIn  # type: ignore[valid-type]


def _body_form(value: Any) -> str:
    """Which form a body takes, so a mistake is told against that form only: `{"text": ...}`,
    `{"signal": {...}}`, or the signal's fields themselves (`{"symbol": ..., "side": ...}`)."""
    if isinstance(value, dict):
        return "text" if "text" in value else "structured" if "signal" in value else "flat"
    return "structured" if isinstance(value, StructuredSignal) else (
        "text" if isinstance(value, TextSignal) else "flat")


class SignalBody(RootModel[Annotated[
        Annotated[TextSignal, Tag("text")] | Annotated[StructuredSignal, Tag("structured")]
        | Annotated[SignalIn, Tag("flat")],
        Discriminator(_body_form)]]):
    pass


class DecisionOut(BaseModel):
    user_id: str
    outcome: Literal["executed", "skipped", "failed"] | str
    reason: str
    code: str = ""
    position_id: str | None = None
    account_id: str | None = None  # with "trade every enabled account": one per account


class SubmitOut(BaseModel):
    signal_id: str
    kind: str
    decisions: list[DecisionOut]
    invalid_reason: str | None = None


class SignalPath(BaseModel):
    signal_id: Annotated[str, Field(pattern=ID_PATTERN)]


class SignalList(BaseModel):
    items: list[SignalRecord]
    limit: int
    offset: int


class WebhookPath(BaseModel):
    secret: Annotated[str, Field(min_length=1, max_length=256)]


def submit(body: SignalBody, kind: Literal["api", "webhook"]) -> dict[str, Any]:
    source = SignalSource(kind=kind)
    data = body.root
    trading = ctx().trading
    if isinstance(data, TextSignal):
        result: SubmitResult = trading.submit_text(data.text, source)
    else:
        fields = data.signal if isinstance(data, StructuredSignal) else data
        with request_values():  # the caller's fields against the domain's own checks
            signal = Signal.model_validate(cast(BaseModel, fields).model_dump())
        result = trading.submit_signal(signal, source)
    return {"signal_id": result.signal_id, "kind": result.kind,
            "invalid_reason": result.invalid_reason,
            "decisions": [{"user_id": d.user_id, "outcome": d.outcome, "reason": d.reason,
                           "code": d.code, "position_id": d.position_id,
                           "account_id": d.account_id}
                          for d in result.decisions]}


@api.post("", responses={200: SubmitOut}, security=SECURITY)
@admin_only
def submit_signal(body: SignalBody) -> Response:
    """Run a signal (message text or structured) for every eligible user; wait for each
    user's decision (admin)."""
    require_admin()
    return jsonify(submit(body, "api"))


class ParseOut(BaseModel):
    kind: Literal["signal", "update", "noise"]
    signal: Signal | None = None
    update: SignalUpdate | None = None
    invalid_reason: str | None = None


@parser_api.post("", responses={200: ParseOut}, security=SECURITY)
@admin_only
def parse_signal(body: TextSignal) -> Response:
    """How a message text is read (a call, a follow-up, or no trade and why), without running
    it: nothing is stored, broadcast or traded (admin)."""
    require_admin()
    result = parse_message(body.text)
    return jsonify(plain_dump(ParseOut(kind=result.kind, signal=result.signal,
                                       update=result.update,
                                       invalid_reason=result.invalid_reason)))


@api.get("", responses={200: SignalList}, security=SECURITY)
@admin_only
def list_signals(query: PageQuery) -> Response:
    """Recent signals, newest first, with the parse and each user's outcome (admin)."""
    require_admin()
    records = ctx().trading.recent_signals(query.limit, query.offset)
    return jsonify({"items": [plain_dump(r) for r in records],
                    "limit": query.limit, "offset": query.offset})


@api.get("/<signal_id>", responses={200: SignalRecord}, security=SECURITY)
@admin_only
def get_signal(path: SignalPath) -> Response:
    """One signal with its parse and each user's outcome (admin)."""
    require_admin()
    return jsonify(plain_dump(ctx().trading.get_signal(path.signal_id)))


# TradingView posts a non-JSON alert message as text/plain: it is taken as {"text": <body>}.
TEXT_BODY_ENDPOINTS = frozenset({"webhooks.tradingview"})
TEXT_BODY_SCHEMA = {"type": "string", "minLength": 1, "maxLength": 4096, "pattern": NOT_BLANK}


def document_text_bodies(doc: dict[str, Any]) -> None:
    """Add the text/plain request body of the webhook to the OpenAPI document."""
    operation = doc["paths"]["/api/webhooks/tradingview/{secret}"]["post"]
    operation["requestBody"]["content"]["text/plain"] = {"schema": TEXT_BODY_SCHEMA}


@webhooks_api.post("/tradingview/<secret>", responses={200: SubmitOut})
def tradingview(path: WebhookPath, body: SignalBody) -> Response:
    """A TradingView alert: the message as text/plain, or JSON `{"text": ...}` or a structured
    signal; the path carries the webhook secret (VERZEK_TRADINGVIEW_SECRET). A wrong secret
    answers 404."""
    configured = ctx().settings.tradingview_secret
    if configured is None or not hmac.compare_digest(
            path.secret.encode(), configured.get_secret_value().encode()):
        raise NotFound("no such webhook")
    return jsonify(submit(body, "webhook"))
