"""Flask app factory: OpenAPI app, JSON errors for everything, the public health route."""

from __future__ import annotations

import logging
from typing import Any

from flask import Response, jsonify
from flask_openapi3 import Info, OpenAPI
from pydantic import BaseModel
from werkzeug.exceptions import HTTPException

from verzek import __version__
from verzek.errors import VerzekError

logger = logging.getLogger(__name__)


class HealthResponse(BaseModel):
    status: str


def create_app(runtime: Any, settings: Any) -> OpenAPI:
    """Build the Flask app over a built runtime (services) and its settings."""
    app = OpenAPI(
        __name__,
        info=Info(title="VerzekAutoTrader API", version=__version__),
        doc_prefix="/docs", doc_ui=True,
    )
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.extensions["verzek_runtime"] = runtime

    @app.get("/health", responses={200: HealthResponse}, doc_ui=True)
    def health() -> Response:
        """Liveness: answers once the service is up."""
        return jsonify({"status": "ok"})

    @app.get("/openapi.json", doc_ui=False)
    def openapi_document() -> Response:
        """The OpenAPI document of this API."""
        return jsonify(app.api_doc)

    @app.errorhandler(VerzekError)
    def verzek_error(exc: VerzekError) -> tuple[Response, int]:
        return jsonify(exc.to_dict()), exc.http_status

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> tuple[Response, int]:
        code = (exc.name or "error").lower().replace(" ", "_")
        body = {"error": {"code": code, "message": exc.description or exc.name,
                          "details": None}}
        return jsonify(body), exc.code or 500

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> tuple[Response, int]:
        logger.exception("unhandled error in a request")
        body = {"error": {"code": "internal_error", "message": "internal error",
                          "details": None}}
        return jsonify(body), 500

    return app
