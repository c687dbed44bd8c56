"""Flask app factory: OpenAPI app, request guards and request-validation answers, the blueprints
(the JSON answer of every other error: `error_handlers.py`)."""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from typing import Any, cast

import orjson
from flask import Response, jsonify, request
from flask.json.provider import DefaultJSONProvider
from flask_openapi3 import Info, OpenAPI
from pydantic import BaseModel, ValidationError
from werkzeug import exceptions as werkzeug_exceptions

from verzek import __version__
from verzek.api import auth
from verzek.api.audit import audit
from verzek.api.context import ApiContext
from verzek.api.error_handlers import (
    error_body,
    register_error_handlers,
    status_code_name,
)
from verzek.api.exchanges import NO_SPACES
from verzek.api.schemas import (
    ERROR_RESPONSES,
    ID_PATTERN,
    LINE_PATTERN,
    ErrorResponse,
    restore_request_schemas,
    tagged_union_bodies,
)
from verzek.api.signals import NOT_BLANK, SYMBOL_PATTERN, TEXT_BODY_ENDPOINTS, document_text_bodies
from verzek.api.tradingview import alert_text, is_alert
from verzek.engine.accounts import EMAIL_RE
from verzek.errors import BadRequest, InvalidInput, VerzekError

logger = logging.getLogger(__name__)

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ADMIN_OWNED_FIELDS = frozenset({
    "id", "role", "plan", "subscription", "exchange_accounts", "paused", "paused_until",
    "deleted", "password_hash", "created_at", "telegram_user_id", "settings", "schema_version",
    "user_id", "credentials_ciphertext", "key_last4", "status", "status_message",
})


class HealthResponse(BaseModel):
    status: str


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _orjson_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")  # plain notation, never "1E+2": the form requests accept
    return DefaultJSONProvider.default(value)


class StrictJSONProvider(DefaultJSONProvider):
    """JSON in: NaN/Infinity literals refused, numbers with a fraction kept exact as Decimal.
    JSON out: orjson (Decimal as a string, a UTC time ending in "Z" as pydantic writes it),
    keys in their given order."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return json.loads(s, parse_constant=_refuse_constant, parse_float=Decimal)

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return orjson.dumps(obj, default=_orjson_default, option=orjson.OPT_UTC_Z).decode()

    def response(self, *args: Any, **kwargs: Any) -> Response:
        obj = self._prepare_response_obj(args, kwargs)
        body = orjson.dumps(obj, default=_orjson_default,
                            option=orjson.OPT_APPEND_NEWLINE | orjson.OPT_UTC_Z)
        return cast(Response, self._app.response_class(body, mimetype=self.mimetype))  # type: ignore[arg-type]


# What a field's pattern asks for, in words: the regex itself tells an app user nothing.
PATTERN_MESSAGES = {
    EMAIL_RE.pattern: "not a valid e-mail address",
    ID_PATTERN: "an id is 1 to 64 letters, digits, '-' or '_'",
    LINE_PATTERN: "must be one line, without control characters",
    SYMBOL_PATTERN: "a symbol is BASE/QUOTE in capitals, like BTC/USDT (a perpetual: "
                    "BTC/USDT:USDT)",
    NOT_BLANK: "must not be blank",
    NO_SPACES: "must not contain spaces",
}


def _field_error(e: Any, tagged: bool) -> dict[str, Any]:
    """One error: a message in words, and a loc of the body's own fields (in a tagged union,
    pydantic puts the member's tag first: ["binance", "api_key"] is the field "api_key")."""
    msg, context, loc = e["msg"], e.get("ctx") or {}, [str(p) for p in e["loc"]]
    field = str(context.get("discriminator", "")).strip("'")
    if tagged and loc:
        loc = loc[1:]
    if e["type"] == "value_error":
        msg = msg.removeprefix("Value error, ")  # our validators' own words
    elif e["type"] == "string_pattern_mismatch":
        msg = PATTERN_MESSAGES.get(str(context.get("pattern")), msg)
    elif e["type"] == "union_tag_not_found":
        msg, loc = f"'{field}' is required", loc or [field]
    elif e["type"] == "union_tag_invalid":
        msg = (f"{context.get('tag')!r} is not one of {context.get('expected_tags')} "
               f"(the field '{field}')")
        loc = loc or [field]
    elif e["type"] in ("model_type", "model_attributes_type", "dict_type") and not loc:
        msg = "the body must be a JSON object (it is missing or empty)"  # not the class name
    return {"loc": loc, "msg": msg, "type": e["type"]}


def validation_error_response(exc: ValidationError) -> Response:
    """422 with every field error; 403 when the only problem is fields an admin owns."""
    raw = exc.errors(include_url=False, include_context=True, include_input=False)
    errors = [_field_error(e, exc.title in tagged_union_bodies()) for e in raw]
    forbidden = [e["loc"][0] for e in raw if e["type"] == "extra_forbidden"
                 and len(e["loc"]) == 1 and e["loc"][0] in ADMIN_OWNED_FIELDS]
    if forbidden and len(forbidden) == len(errors):
        resp = jsonify(error_body("forbidden_field", "these fields are not yours to set",
                                  {"fields": sorted(forbidden)}))
        resp.status_code = 403
        return resp
    resp = jsonify(error_body("validation_error", "the request is not valid",
                              {"errors": errors}))
    resp.status_code = 422
    return resp


def create_app(runtime: Any, settings: Any) -> OpenAPI:
    """Build the Flask app over a built runtime (services) and its settings."""
    app = OpenAPI(
        __name__,
        info=Info(title="VerzekAutoTrader API", version=__version__),
        doc_prefix="/docs", doc_ui=True,
        security_schemes={"bearerAuth": {"type": "http", "scheme": "bearer"}},
        responses=ERROR_RESPONSES,
        validation_error_status=422,
        validation_error_model=ErrorResponse,
        validation_error_callback=validation_error_response,
    )
    app.json = StrictJSONProvider(app)
    # "/api/users/" is "/api/users": a trailing slash never turns a route into a 404 (or a
    # redirect a client posting JSON would not follow)
    app.url_map.strict_slashes = False
    # "/api//users" is no route (a JSON 404), not werkzeug's HTML 308 to "/api/users"
    app.url_map.merge_slashes = False
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.extensions["verzek_runtime"] = runtime
    app.extensions["verzek"] = ApiContext.build(runtime, settings)

    @app.get("/health", responses={200: HealthResponse, 503: HealthResponse})
    def health() -> Response:
        """Liveness: `ok` once the service is up; 503 `starting` while it starts."""
        return jsonify({"status": "ok"})

    @app.get("/openapi.json", doc_ui=False)
    def openapi_document() -> Response:
        """The OpenAPI document of this API."""
        return jsonify(app.api_doc)

    _register_blueprints(app)
    restore_request_schemas(app.api_doc)
    document_text_bodies(app.api_doc)
    app.before_request(auth.authenticate)  # 401 before anything about the body
    app.before_request(auth.authorize)  # then 403 / 404, before any validation
    app.before_request(_guard_body)
    app.after_request(_answer_options)
    app.after_request(audit)
    register_error_handlers(app, validation_error_response)
    return app


def _register_blueprints(app: OpenAPI) -> None:
    from verzek.api import (
        auth_routes,
        demo,
        exchanges,
        positions,
        safety,
        settings_routes,
        signals,
        subscription,
        system,
        telegram_link,
        users,
    )

    for module in (auth_routes, users, settings_routes, subscription, exchanges, positions,
                   safety, signals, demo, system, telegram_link):
        for blueprint in getattr(module, "blueprints", (module.api,)):
            app.register_api(blueprint)


def _guard_body() -> None:
    """Refuse a body that is not JSON (415) or does not parse (400) before any view runs."""
    if request.method not in BODY_METHODS or request.routing_exception is not None:
        return
    has_body = bool(request.content_length) or request.headers.get("Transfer-Encoding")
    if not has_body:
        return
    if request.mimetype == "text/plain" and request.endpoint in TEXT_BODY_ENDPOINTS:
        try:
            text = _read_body().decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest("the body is not UTF-8 text", code="malformed_text") from None
        request._cached_json = ({"text": text}, {"text": text})  # what get_json() answers
        return
    if not request.is_json:
        raise UnsupportedMedia("send the body as application/json",
                               details={"content_type": request.mimetype or None})
    data = _read_body()
    try:
        parsed = app_json_loads(data)
    except ValueError as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}", code="malformed_json") from None
    if isinstance(parsed, str):
        # flask-openapi3 would parse a JSON string as a second JSON document (its own parser:
        # floats, duplicate keys): a body is an object, never JSON text wrapped in a string.
        raise InvalidInput("the request is not valid", code="validation_error", details={
            "errors": [{"loc": [], "msg": "the body must be a JSON object, not a string",
                        "type": "model_type"}]})
    if request.endpoint in TEXT_BODY_ENDPOINTS and is_alert(parsed):
        # a TradingView alert template's JSON ({"ticker", "action", "price", ...}): the call
        # it stands for, read as a message ({"text": ...})
        text = alert_text(parsed)
        parsed = {"text": text} if text.strip() else parsed
    request._cached_json = (parsed, parsed)  # flask's own get_json() cache


def _read_body() -> bytes:
    """The whole body. One sent without Content-Length (chunked) that runs past the limit is a
    413: werkzeug's limited stream stops at the limit and would hand back only a prefix."""
    data = request.get_data(cache=True)
    limit = request.max_content_length
    if request.content_length is None and limit is not None and len(data) >= limit \
            and request.environ["wsgi.input"].read(1):
        raise werkzeug_exceptions.RequestEntityTooLarge()
    return data


MAX_JSON_DEPTH = 32
MAX_INT_DIGITS = 100


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise ValueError(f"the key {key[:64]!r} appears twice in one object")
        obj[key] = value
    return obj


def _bounded_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_INT_DIGITS:
        raise ValueError(f"an integer has more than {MAX_INT_DIGITS} digits")
    return int(digits)


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # a lone UTF-16 surrogate (\ud800-\udfff): no file and no response can hold it
        raise ValueError("a string holds a lone UTF-16 surrogate") from None


def _check_tree(value: Any) -> None:
    """Every string and key is valid Unicode; objects and arrays nest at most MAX_JSON_DEPTH."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            _check_text(item)
            continue
        if not isinstance(item, dict | list):
            continue
        if depth > MAX_JSON_DEPTH:
            raise ValueError(f"objects and arrays nest more than {MAX_JSON_DEPTH} deep")
        if isinstance(item, dict):
            for key in item:
                _check_text(key)
            item = list(item.values())
        stack.extend((child, depth + 1) for child in item)


def _utf8_text(data: bytes) -> str:
    """JSON between systems is UTF-8 (RFC 8259 §8.1; a leading BOM is ignored): json.loads
    would also guess UTF-16 and UTF-32 from the bytes, which no client of ours sends."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"JSON is UTF-8, and byte {exc.start} "
                         f"(0x{data[exc.start]:02x}) does not decode as UTF-8") from None


def app_json_loads(data: bytes) -> Any:
    """Strict JSON: UTF-8 only, NaN/Infinity literals and repeated keys refused, numbers with
    a fraction kept exact as Decimal, integers and nesting bounded, strings valid Unicode."""
    try:
        parsed = json.loads(_utf8_text(data), parse_constant=_refuse_constant, parse_float=Decimal,
                            parse_int=_bounded_int, object_pairs_hook=_unique_keys)
    except RecursionError:
        raise ValueError(f"objects and arrays nest more than {MAX_JSON_DEPTH} deep") from None
    _check_tree(parsed)
    return parsed


class UnsupportedMedia(VerzekError):
    """The body is not JSON: send application/json."""

    code = "unsupported_media_type"
    http_status = 415


def _answer_options(response: Response) -> Response:
    """OPTIONS (answered by Flask from the route's methods): 204 with Allow, no body."""
    if request.method == "OPTIONS" and response.status_code == 200 and "Allow" in response.headers:
        response.status_code = 204
        response.set_data(b"")
        del response.headers["Content-Type"]
    return response


# the server's own refusals (verzek.cli.serve) answer in the same JSON shape
__all__ = ["create_app", "error_body", "status_code_name", "validation_error_response"]
