"""Flask app factory: OpenAPI app, request guards, JSON errors for everything, the blueprints."""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from typing import Any, cast

import orjson
from flask import Flask, Response, current_app, jsonify, request
from flask.json.provider import DefaultJSONProvider
from flask_openapi3 import Info, OpenAPI
from pydantic import BaseModel, ValidationError
from werkzeug import exceptions as werkzeug_exceptions
from werkzeug.exceptions import HTTPException

from verzek import __version__
from verzek.api import auth
from verzek.api.context import ApiContext
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
from verzek.engine.accounts import EMAIL_RE
from verzek.errors import BadRequest, InvalidInput, StoreError, TooManyRequests, VerzekError

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
    JSON out: orjson (Decimal as a string), keys in their given order."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return json.loads(s, parse_constant=_refuse_constant, parse_float=Decimal)

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return orjson.dumps(obj, default=_orjson_default).decode()

    def response(self, *args: Any, **kwargs: Any) -> Response:
        obj = self._prepare_response_obj(args, kwargs)
        body = orjson.dumps(obj, default=_orjson_default, option=orjson.OPT_APPEND_NEWLINE)
        return cast(Response, self._app.response_class(body, mimetype=self.mimetype))  # type: ignore[arg-type]


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


def status_code_name(reason: str) -> str:
    """The error code of an HTTP status's reason phrase: "Request Entity Too Large" ->
    "request_entity_too_large" (the app's HTTP errors and the server's own refusals)."""
    return (reason or "error").lower().replace(" ", "_")


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

    @app.get("/health", responses={200: HealthResponse})
    def health() -> Response:
        """Liveness: answers once the service is up."""
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
    _register_error_handlers(app)
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
            text = request.get_data(cache=True).decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest("the body is not UTF-8 text", code="malformed_text") from None
        request._cached_json = ({"text": text}, {"text": text})  # what get_json() answers
        return
    if not request.is_json:
        raise UnsupportedMedia("send the body as application/json",
                               details={"content_type": request.mimetype or None})
    try:
        data = request.get_data(cache=True)
        parsed = app_json_loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}", code="malformed_json") from None
    if isinstance(parsed, str):
        # flask-openapi3 would parse a JSON string as a second JSON document (its own parser:
        # floats, duplicate keys): a body is an object, never JSON text wrapped in a string.
        raise InvalidInput("the request is not valid", code="validation_error", details={
            "errors": [{"loc": [], "msg": "the body must be a JSON object, not a string",
                        "type": "model_type"}]})
    request._cached_json = (parsed, parsed)  # flask's own get_json() cache


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


def app_json_loads(data: bytes) -> Any:
    """Strict JSON: NaN/Infinity literals and repeated keys refused, numbers with a fraction
    kept exact as Decimal, integers and nesting bounded, strings valid Unicode."""
    try:
        parsed = json.loads(data, parse_constant=_refuse_constant, parse_float=Decimal,
                            parse_int=_bounded_int, object_pairs_hook=_unique_keys)
    except RecursionError:
        raise ValueError(f"objects and arrays nest more than {MAX_JSON_DEPTH} deep") from None
    _check_tree(parsed)
    return parsed


class UnsupportedMedia(VerzekError):
    """The body is not JSON: send application/json."""

    code = "unsupported_media_type"
    http_status = 415


def _http_message(exc: HTTPException) -> str:
    """A short message that says what to change, for the errors routing and werkzeug raise."""
    if isinstance(exc, werkzeug_exceptions.NotFound):
        return f"no route {request.path[:200]}: see /openapi.json for the API's routes"
    if isinstance(exc, werkzeug_exceptions.MethodNotAllowed):
        allowed = ", ".join(sorted(exc.valid_methods or ()))
        # No path in the answer: another user's resource must answer exactly like a
        # missing one (tenancy), and the path carries the user id.
        return f"{request.method} is not allowed on this route; allowed: {allowed}"
    if isinstance(exc, werkzeug_exceptions.RequestEntityTooLarge):
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        return f"the body is larger than the {limit} bytes this API accepts"
    return exc.description or exc.name


def _answer_options(response: Response) -> Response:
    """OPTIONS (answered by Flask from the route's methods): 204 with Allow, no body."""
    if request.method == "OPTIONS" and response.status_code == 200 and "Allow" in response.headers:
        response.status_code = 204
        response.set_data(b"")
        del response.headers["Content-Type"]
    return response


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(VerzekError)
    def verzek_error(exc: VerzekError) -> tuple[Response, int]:
        if isinstance(exc, StoreError) or exc.http_status == 500:
            # file paths and OS errors are for the operator's log, not for the caller
            logger.error("request failed: %s", exc.message, exc_info=exc)
            message = ("the service cannot read or write its data now; retry later"
                       if exc.http_status == 503 else "internal error")
            resp = jsonify(error_body(exc.code if exc.http_status == 503 else "internal_error",
                                      message))
            return resp, exc.http_status
        resp = jsonify(exc.to_dict())
        if isinstance(exc, TooManyRequests) and isinstance(exc.details, dict):
            resp.headers["Retry-After"] = str(exc.details.get("retry_after_s", 60))
        if exc.http_status == 401:
            resp.headers["WWW-Authenticate"] = "Bearer"
        return resp, exc.http_status

    @app.errorhandler(ValidationError)
    def model_error(exc: ValidationError) -> Response:
        return validation_error_response(exc)  # a domain model refused a value: 422, no 500

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        if exc.response is not None and exc.response.is_json:
            return cast(Response, exc.response)  # flask-openapi3's validation answer (ours)
        code = status_code_name(exc.name)
        resp = jsonify(error_body(code, _http_message(exc)))
        resp.status_code = exc.code or 500
        for key, value in exc.get_headers():
            if key.lower() == "allow":
                resp.headers[key] = value
        return resp

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> tuple[Response, int]:
        logger.exception("unhandled error in a request")
        return jsonify(error_body("internal_error", "internal error")), 500
