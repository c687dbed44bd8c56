"""Signals: submit one (text or structured) through the same pipeline as Telegram, read recent
ones with their per-user outcomes and where their fan-out stands; and the TradingView webhook.

A submission is deduplicated, read and stored before anything is answered (its refusals are
synchronous); its fan-out to the users is then waited for a bounded time: 200 with every
decision when it ended by then, else 202 with `fanout: "running"` and a `Location` to poll."""

from __future__ import annotations

import hmac
import re
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal, cast

from flask import Response, jsonify, request, url_for
from pydantic import BaseModel, ConfigDict, Discriminator, Field, RootModel, StrictStr, Tag

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
from verzek.engine.signal_checks import INCOMPLETE, INCONSISTENT, missing_fields
from verzek.engine.signal_log import FanoutState
from verzek.engine.trading import Accepted
from verzek.errors import Conflict, InvalidInput, NotFound
from verzek.signals import parse_message

api = api_blueprint("signals", "/api/signals", "trading signals")
webhooks_api = api_blueprint("webhooks", "/api/webhooks", "inbound alerts")
# its own path: under /api/signals, "parse" would also be a signal id (GET /api/signals/<id>)
parser_api = api_blueprint("parser", "/api/parser", "how a message is read")
blueprints = (api, webhooks_api, parser_api)
SYMBOL_PATTERN = r"^[A-Z0-9]{1,20}/[A-Z0-9]{1,20}(:[A-Z0-9]{1,20})?$"
# TradingView cancels a webhook request after 3 s ("How to configure webhook alerts"), and
# resends only after a 5xx: the webhook waits for the fan-out at most this long
WEBHOOK_WAIT_S = 2.0


def _present(field: str, value: dict[str, Any]) -> dict[str, Any]:
    return {"required": [field], "properties": {field: value}}


# What a call needs (`signal_checks.missing_fields`), stated in the schema so that a body
# conforming to it is a call: an entry (prices, or a market entry), and targets or a stop
# (as prices or as percentages). A body without them is a 422 naming the field.
CALL_NEEDS: dict[str, Any] = {"allOf": [
    {"anyOf": [_present("entries", {"minItems": 1}),
               _present("entry_is_market", {"const": True}),
               # a breakout without its price: recorded as noise (it never enters)
               _present("entry_trigger", {"not": {"type": "null"}})]},
    {"anyOf": [_present("targets", {"minItems": 1}),
               _present("stop_loss", {"not": {"type": "null"}}),
               _present("target_pcts", {"minItems": 1}),
               _present("stop_pct", {"not": {"type": "null"}})]},
]}


class SignalIn(strict_twin(Signal)):  # type: ignore[misc]
    """A structured signal; the symbol is BASE/QUOTE (optionally :SETTLE), upper case. A call
    needs an entry (`entries`, or `entry_is_market: true`) and targets or a stop (`targets`
    or `target_pcts`, `stop_loss` or `stop_pct`), as a text needs them to be read as one."""

    model_config = ConfigDict(json_schema_extra=CALL_NEEDS)

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
    """What a submission did. A `duplicate` (the same message or content again, within the
    deduplication window) runs nothing: `signal_id` and `duplicate_of` name the first copy's
    record, with its decisions at `GET /api/signals/{signal_id}` (both null when that record is
    older than the signals kept), and `decisions` is empty."""

    signal_id: str | None = Field(description="the record of this signal; for a duplicate, "
                                              "the first copy's (null when no longer kept)")
    kind: Literal["signal", "update", "noise", "duplicate"]
    decisions: list[DecisionOut]
    invalid_reason: str | None = None
    duplicate_of: str | None = Field(default=None, description="a duplicate's first copy")


FANOUT_DOC = ("where the fan-out to the users stands: `running` (decisions still to come), "
              "`done` (every decision recorded), `interrupted` (stopped by an error or a "
              "shutdown before that: a trade signal's is resumed at the next start, no user "
              "served twice)")


class SubmitAccepted(SubmitOut):
    """202: the signal is stored and its fan-out runs on after the answer (it took longer
    than the request waits, or `Prefer: respond-async` asked not to wait). `decisions` are
    those known so far (often none); `GET /api/signals/{signal_id}` (the `Location`) shows
    the rest and `fanout: "done"` once every user is decided."""

    kind: Literal["signal", "update"]
    fanout: Literal["running"] = Field(description=FANOUT_DOC)


class OutcomeCounts(BaseModel):
    """How many decisions came out each way (one per user, per account a call traded on, or
    per position a follow-up acted on)."""

    executed: int = 0
    skipped: int = 0
    failed: int = 0


class WebhookOut(BaseModel):
    """What the webhook answers whoever holds its URL (TradingView, and anyone it was shared
    with): what became of the alert and how many decisions came out each way, never whose
    (no user, account or position, no reason: a reason tells a user's balance, sizes and
    lists). The decisions are at `GET /api/signals/{signal_id}` (admin)."""

    signal_id: str | None = Field(description="the record of this alert; for a duplicate, "
                                              "the first copy's (null when no longer kept)")
    kind: Literal["signal", "update", "noise", "duplicate"]
    invalid_reason: str | None = Field(default=None, description="why the alert reads as no "
                                                                 "trade (`noise`)")
    duplicate_of: str | None = Field(default=None, description="a duplicate's first copy")
    outcomes: OutcomeCounts


class WebhookAccepted(WebhookOut):
    """202: the alert is stored and its fan-out runs on after the answer; `outcomes` counts
    the decisions known so far."""

    kind: Literal["signal", "update"]
    fanout: Literal["running"] = Field(description=FANOUT_DOC)


class SignalOut(SignalRecord):
    """A signal as kept: its parse, source, each user's decision recorded so far, and where
    its fan-out stands."""

    fanout: Literal["running", "done", "interrupted"] = Field(description=FANOUT_DOC)


class SignalPath(BaseModel):
    signal_id: Annotated[str, Field(pattern=ID_PATTERN)]


class SignalList(BaseModel):
    """A page of the signals kept (the newest `signal_log.KEEP`), newest first; `total`
    counts them all."""

    items: list[SignalOut]
    total: int
    limit: int
    offset: int


class WebhookPath(BaseModel):
    secret: Annotated[str, Field(min_length=1, max_length=256)]


@contextmanager
def told_at(prefix: list[str]) -> Iterator[None]:
    """The engine's refusal of a signal's prices as a 409 naming the field where the body
    holds it (`details.field`, and `details.loc` as in a validation error)."""
    try:
        yield
    except InvalidInput as exc:
        if exc.code != INCONSISTENT:
            raise
        field = exc.details["field"]
        raise Conflict(exc.message, code=INCONSISTENT, details={
            "field": field, "loc": [*prefix, field]}) from None


def refuse_incomplete(signal: Signal, prefix: list[str]) -> None:
    """A structured signal without an entry, or without targets and a stop, is no call (a text
    without them reads as noise): 422 as a validation error, one per part missing, at its
    field (`entries`; `targets` for targets or a stop). Nothing is stored or traded."""
    missing = missing_fields(signal)
    if missing:
        raise InvalidInput("the request is not valid", code="validation_error", details={
            "errors": [{"loc": [*prefix, field], "msg": reason, "type": INCOMPLETE}
                       for field, reason in missing]})


def submit(body: SignalBody, kind: Literal["api", "webhook"], wait_s: float) -> SubmitResult:
    """Run the body's signal (a text, or structured) as `kind` through the engine, waiting at
    most wait_s for its fan-out (`Accepted` when it runs on)."""
    source = SignalSource(kind=kind)
    data = body.root
    trading = ctx().trading
    if isinstance(data, TextSignal):
        return trading.submit_text(data.text, source, wait_s=wait_s)
    fields = data.signal if isinstance(data, StructuredSignal) else data
    with request_values():  # the caller's fields against the domain's own checks
        signal = Signal.model_validate(cast(BaseModel, fields).model_dump())
    refuse_incomplete(signal, ["signal"] if isinstance(data, StructuredSignal) else [])
    # an admin's explicit signal with prices that cannot be traded as written is refused
    # naming the field; a webhook's is recorded as noise (no one reads its answer)
    with told_at(["signal"] if isinstance(data, StructuredSignal) else []):
        return trading.submit_signal(signal, source, refuse_invalid=kind == "api",
                                     wait_s=wait_s)


def preferences() -> dict[str, str]:
    """The request's `Prefer` preferences (RFC 7240): name (lower case) -> value ("" for
    none); parameters after `;` are ignored, as is anything unparsable."""
    found: dict[str, str] = {}
    for header in request.headers.getlist("Prefer"):
        for item in header.split(","):
            name, _, value = item.split(";", 1)[0].partition("=")
            name = name.strip().lower()
            if name and name not in found:  # the first of a repeated preference counts
                found[name] = value.strip().strip('"')
    return found


# Requests holding a handler thread while a fan-out runs (a submission's wait, a long poll):
# at most half the server's 8 HTTP threads (cli/serve.py), so the app's users are still
# answered while admins or TradingView wait; a request finding none free does not wait
WAITING_SLOTS = threading.BoundedSemaphore(4)


@contextmanager
def waiting(wait_s: float) -> Iterator[float]:
    """How long this request may hold its thread for a fan-out: `wait_s` while a waiting slot
    is free (held until the block ends), else 0 (answered at once: 202 while it runs)."""
    if wait_s <= 0 or not WAITING_SLOTS.acquire(blocking=False):
        yield 0.0
        return
    try:
        yield wait_s
    finally:
        WAITING_SLOTS.release()


def wait_bound(bound_s: float) -> tuple[float, bool]:
    """How long this request waits for the fan-out: `bound_s`, or less when the client
    prefers (`Prefer: wait=<seconds>`: at most that; `respond-async` alone: not at all); and
    whether it asked for `respond-async`."""
    prefs = preferences()
    wait_s = bound_s
    given = asked_wait(prefs)
    if given is not None:
        wait_s = min(bound_s, given)
    elif "respond-async" in prefs:
        wait_s = 0.0
    return wait_s, "respond-async" in prefs


def asked_wait(prefs: dict[str, str]) -> float | None:
    """The seconds of a valid `Prefer: wait=<seconds>` (decimals allowed), else None: an
    unparsable preference is ignored (RFC 7240)."""
    given = prefs.get("wait", "")
    return float(given) if re.fullmatch(r"[0-9]{1,9}(?:\.[0-9]{1,6})?", given) else None


def _head(result: SubmitResult) -> dict[str, Any]:
    """What any caller may read of a submission: the record, its kind and why it is noise."""
    duplicate_of = (result.signal_id or None) if result.kind == "duplicate" else None
    return {"signal_id": result.signal_id or None, "kind": result.kind,
            "duplicate_of": duplicate_of, "invalid_reason": result.invalid_reason}


def admin_answer(result: SubmitResult) -> dict[str, Any]:
    """The whole outcome, each user's decision with it (`SubmitOut`): for an admin only."""
    return {**_head(result),
            "decisions": [{"user_id": d.user_id, "outcome": d.outcome, "reason": d.reason,
                           "code": d.code, "position_id": d.position_id,
                           "account_id": d.account_id}
                          for d in result.decisions]}


def webhook_answer(result: SubmitResult) -> dict[str, Any]:
    """The outcome without whose it is (`WebhookOut`): counts per outcome, no decision."""
    counts = Counter(d.outcome for d in result.decisions)
    outcomes = {name: counts[name] for name in OutcomeCounts.model_fields}
    return {**_head(result), "outcomes": outcomes}


def answer(result: SubmitResult, body: dict[str, Any], asked_async: bool) -> Response:
    """200 with `body` when the fan-out ended; else 202 with `fanout: "running"` and the
    record's address to poll (`Location`)."""
    if not isinstance(result, Accepted):
        return jsonify(body)
    resp = jsonify({**body, "fanout": "running"})
    resp.status_code = 202
    resp.headers["Location"] = url_for("signals.get_signal", signal_id=result.signal_id)
    if asked_async:
        resp.headers["Preference-Applied"] = "respond-async"
    return resp


def record_answer(record: SignalRecord, fanout: FanoutState) -> dict[str, Any]:
    """A kept signal as `SignalOut`."""
    return {**plain_dump(record), "fanout": fanout}


@api.post("", responses={200: SubmitOut, 202: SubmitAccepted}, security=SECURITY)
@admin_only
def submit_signal(body: SignalBody) -> Response:
    """Run a signal (message text or structured) for every eligible user (admin).
    Stores it, then waits for each user's decision at most 10 s (`VERZEK_SIGNAL_WAIT_S`;
    less with `Prefer: wait=<seconds>`, none with `Prefer: respond-async`): 200 with every
    decision when the fan-out ended by then; else 202 Accepted with `fanout: "running"`, the
    decisions known so far and `Location: /api/signals/{signal_id}`, which shows the decisions
    and `fanout: "done"` once every user is decided (the fan-out goes on after the answer;
    send the signal again and it is a `duplicate`, never a second trade). Refusals (422, 409)
    come at once, before anything runs. A text that reads as no trade is recorded as `noise`
    with the reason. A structured signal without an entry (`entries` empty and no
    `entry_is_market: true`) or without targets and a stop (`targets`/`target_pcts` empty and
    no `stop_loss`/`stop_pct`) is a 422 `validation_error` naming the field (`entries`,
    `targets`), and nothing is stored or traded; one whose prices cannot be traded as written
    (a stop or target on the wrong side of the entries, targets out of order, a misread price,
    a leverage out of range) is refused with 409 `inconsistent_signal` naming the field
    (`details.field`: `entries`, `targets`, `stop_loss` or `leverage`), and nothing is stored
    or traded. The same message again is a `duplicate` naming the first copy (see SubmitOut)."""
    require_admin()
    wait_s, asked_async = wait_bound(ctx().settings.signal_wait_s)
    with waiting(wait_s) as wait_s:
        result = submit(body, "api", wait_s)
    return answer(result, admin_answer(result), asked_async)


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
    """Recent signals with the parse, each user's outcome and the fan-out's state (admin).
    Newest first: the reverse of the order the service took them in, the same after a
    restart. `total` counts the signals kept (the newest 5,000)."""
    require_admin()
    trading = ctx().trading
    records, total = trading.signals_page(query.limit, query.offset)
    return jsonify({"items": [record_answer(r, trading.fanout_state(r.id)) for r in records],
                    "total": total, "limit": query.limit, "offset": query.offset})


@api.get("/<signal_id>", responses={200: SignalOut}, security=SECURITY)
@admin_only
def get_signal(path: SignalPath) -> Response:
    """One signal with its parse, each user's outcome and the fan-out's state (admin).
    Where a submission answered 202 points (`Location`): `fanout` is `running` while users
    are still being decided, `done` once every decision is in `decisions`, `interrupted` when
    an error or a shutdown stopped it first (a trade signal's resumes at the next start).
    `Prefer: wait=<seconds>` (RFC 7240) holds the answer while the fan-out runs, at most that
    long and never more than `VERZEK_SIGNAL_WAIT_S`: a long poll, instead of asking again
    and again."""
    require_admin()
    trading = ctx().trading
    trading.get_signal(path.signal_id)  # 404 at once for an unknown id, before any wait
    # a long poll only for a valid `wait` (a bare or garbled one held the thread for the
    # whole bound)
    asked = asked_wait(preferences())
    wait_s = min(ctx().settings.signal_wait_s, asked) if asked is not None else 0.0
    # the state first: a fan-out ending in between shows done with its decisions recorded
    with waiting(wait_s) as wait_s:
        fanout = trading.fanout_state(path.signal_id, wait_s)
    return jsonify(record_answer(trading.get_signal(path.signal_id), fanout))


# TradingView posts a non-JSON alert message as text/plain: it is taken as {"text": <body>}.
TEXT_BODY_ENDPOINTS = frozenset({"webhooks.tradingview"})
TEXT_BODY_SCHEMA = {"type": "string", "minLength": 1, "maxLength": 4096, "pattern": NOT_BLANK}


PREFER_PARAMETER = {
    "name": "Prefer", "in": "header", "required": False, "schema": {"type": "string"},
    "description": "RFC 7240: `respond-async` answers 202 at once when the fan-out has not "
                   "ended; `wait=<seconds>` waits at most that (and never more than the "
                   "route's own bound)"}
ACCEPTED_HEADERS = {
    "Location": {"required": True, "schema": {"type": "string"},
                 "description": "the signal's record: `GET /api/signals/{signal_id}` (admin)"},
    "Preference-Applied": {"required": False, "schema": {"type": "string"},
                           "description": "`respond-async` when the answer followed it"}}


def document_text_bodies(doc: dict[str, Any]) -> None:
    """Add to the OpenAPI document what the models cannot say: the webhook's text/plain
    request body, and the `Prefer` header and the 202's headers of both submissions."""
    operation = doc["paths"]["/api/webhooks/tradingview/{secret}"]["post"]
    operation["requestBody"]["content"]["text/plain"] = {"schema": TEXT_BODY_SCHEMA}
    for submitting in (operation, doc["paths"]["/api/signals"]["post"]):
        submitting.setdefault("parameters", []).append(PREFER_PARAMETER)
        submitting["responses"]["202"]["headers"] = ACCEPTED_HEADERS
    doc["paths"]["/api/signals/{signal_id}"]["get"].setdefault("parameters", []).append(
        {**PREFER_PARAMETER, "description": "RFC 7240: `wait=<seconds>` holds the answer "
         "while the fan-out runs, at most that long (and never more than the bound of "
         "`POST /api/signals`)"})


@webhooks_api.post("/tradingview/<secret>", responses={200: WebhookOut, 202: WebhookAccepted})
def tradingview(path: WebhookPath, body: SignalBody) -> Response:
    """A TradingView alert: the message as text/plain, or JSON `{"text": ...}`, a structured
    signal, or an alert template's JSON (`{"ticker", "action", "price", "tp", "sl",
    "leverage"}`, read as the one-line call it stands for); the path carries the webhook
    secret (VERZEK_TRADINGVIEW_SECRET). A wrong secret answers 404. A structured signal
    without an entry, or without targets and a stop, is a 422 as on `POST /api/signals`
    (nothing is stored or traded). The answer names the alert's record and counts the
    decisions per outcome, never a user's (the secret is shared with TradingView): they are
    at `GET /api/signals/{signal_id}` (admin). TradingView cancels a request after 3 s: the
    fan-out is waited for at most 2 s (less with `Prefer`, as on `POST /api/signals`), then
    the answer is 202 with `fanout: "running"` and the counts known so far; the fan-out goes
    on, and the alert sent again is a `duplicate`."""
    settings = ctx().settings
    configured = settings.tradingview_secret
    if configured is None or not hmac.compare_digest(
            path.secret.encode(), configured.get_secret_value().encode()):
        raise NotFound("no such webhook")
    wait_s, asked_async = wait_bound(min(settings.signal_wait_s, WEBHOOK_WAIT_S))
    with waiting(wait_s) as wait_s:
        result = submit(body, "webhook", wait_s)
    return answer(result, webhook_answer(result), asked_async)
