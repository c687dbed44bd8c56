"""Every error as one JSON body: our own errors, routing and werkzeug's HTTP errors, the
service's own data failing its model, and bugs.

A pydantic `ValidationError` means two different things here. Validating the request (path,
query, body) is flask-openapi3's, answered by the app's `validation_error_callback` (422), and
a view that checks request values against a domain model does so inside `request_values()`
(also 422). Any other `ValidationError` escaping a view was raised on data the service holds —
a stored document (`database/`) read by the store, or a model the service built itself — and
is no fault of the caller: a 500 `internal_data_error`, logged for the operator.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, cast

from flask import Flask, Response, current_app, g, jsonify, request
from pydantic import ValidationError
from werkzeug import exceptions as werkzeug_exceptions
from werkzeug.exceptions import HTTPException

from verzek.errors import StoreError, TooManyRequests, VerzekError

logger = logging.getLogger(__name__)

DATA_ERROR_CODE = "internal_data_error"
DATA_ERROR_MESSAGE = ("data the service holds for this request does not pass its own checks; "
                      "it is logged for the operator, and a retry fails until it is repaired")
_PACKAGE_ROOT = Path(__file__).resolve().parents[1]  # .../verzek


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


def status_code_name(reason: str) -> str:
    """The error code of an HTTP status's reason phrase: "Request Entity Too Large" ->
    "request_entity_too_large" (the app's HTTP errors and the server's own refusals)."""
    return (reason or "error").lower().replace(" ", "_")


class RequestInvalid(Exception):
    """A view found the request's own values invalid against a domain model: a 422."""

    def __init__(self, error: ValidationError) -> None:
        super().__init__(error.title)
        self.error = error


@contextmanager
def request_values() -> Iterator[None]:
    """Validation inside this block is of values the caller sent: its failure is the
    caller's 422, not the service's 500."""
    try:
        yield
    except ValidationError as exc:
        raise RequestInvalid(exc) from None


def _raised_at(tb: TracebackType | None) -> str:
    """Where in our code the failing validation was called (the innermost verzek frame, as
    `store/repos.py:50 get`): enough for the operator, and no value from the data."""
    where = "?"
    while tb is not None:
        code = tb.tb_frame.f_code
        path = Path(code.co_filename)
        if path.is_relative_to(_PACKAGE_ROOT):
            where = f"{path.relative_to(_PACKAGE_ROOT)}:{tb.tb_lineno} {code.co_name}"
        tb = tb.tb_next
    return where


def data_error_response(exc: ValidationError) -> tuple[Response, int]:
    """500 `internal_data_error`: no field, value or file of the data in the answer. The log
    names the request, the caller, the model and where each error is, never a value (a user
    document holds a password hash and encrypted keys)."""
    caller = g.get("caller")
    caller_id = "-" if caller is None else ("admin" if caller.is_admin else caller.user_id)
    path_user = (request.view_args or {}).get("user_id", "-")
    problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['type']}"
                         for e in exc.errors(include_url=False, include_input=False)[:10])
    logger.error("stored data failed validation while serving %s %s (caller %s, user %s): "
                 "model %s, %d error(s) [%s], raised at %s", request.method, request.path[:200],
                 caller_id, path_user, exc.title, exc.error_count(), problems,
                 _raised_at(exc.__traceback__))
    return jsonify(error_body(DATA_ERROR_CODE, DATA_ERROR_MESSAGE)), 500


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


def register_error_handlers(
        app: Flask, validation_error_response: Callable[[ValidationError], Response]) -> None:
    """Every error answers `{"error": {"code", "message", "details"}}`; 422 for the request's
    values goes through `validation_error_response`."""

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

    @app.errorhandler(RequestInvalid)
    def request_invalid(exc: RequestInvalid) -> Response:
        return validation_error_response(exc.error)

    @app.errorhandler(ValidationError)
    def data_invalid(exc: ValidationError) -> tuple[Response, int]:
        return data_error_response(exc)

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
