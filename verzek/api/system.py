"""System status for operators: background services, last signal, prices, store, version."""

from __future__ import annotations

from flask import Response, jsonify

from verzek.api.auth import admin_only, require_admin
from verzek.api.context import ctx
from verzek.api.schemas import AnyObject, api_blueprint

api = api_blueprint("system", "/api/system", "operations")


@api.get("/status", responses={200: AnyObject}, security=[{"bearerAuth": []}])
@admin_only
def system_status() -> Response:
    """Each background service's state and last error, last signal time, price freshness,
    store health and version (admin)."""
    require_admin()
    status = dict(ctx().runtime.status())
    trading = getattr(ctx().runtime, "trading", None)
    if trading is None:
        status["engine"] = "off"
    else:
        status.update(trading.system_status())
    return jsonify(status)
