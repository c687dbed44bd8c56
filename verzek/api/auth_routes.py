"""Login and logout: user bearer tokens."""

from __future__ import annotations

from datetime import datetime

from flask import Response, jsonify, request
from pydantic import BaseModel, Field, StrictStr

from verzek.api.auth import caller
from verzek.api.context import ctx
from verzek.api.schemas import ApiModel, api_blueprint
from verzek.api.users import LoginEmail

api = api_blueprint("auth", "/api/auth", "login tokens")


class LoginBody(ApiModel):
    email: LoginEmail
    password: StrictStr = Field(min_length=1, max_length=1024)


class LoginResponse(BaseModel):
    token: str
    user_id: str
    expires_at: datetime


class LogoutResponse(BaseModel):
    revoked: bool


@api.post("/login", responses={200: LoginResponse})
def login(body: LoginBody) -> Response:
    """Exchange an e-mail and password for a bearer token. Rate-limited over 15 minutes: 5
    failures for one account from one address, 20 from one address, 50 for one account from
    anywhere answer 429 with Retry-After; a right password clears that account's count."""
    address = request.remote_addr or "unknown"
    result = ctx().accounts.login(email=body.email, password=body.password, address=address)
    return jsonify({"token": result.token, "user_id": result.user_id,
                    "expires_at": result.expires_at})


@api.post("/logout", responses={200: LogoutResponse},
          security=[{"bearerAuth": []}])
def logout() -> Response:
    """Revoke the token this request carries (admin tokens live in the environment)."""
    who = caller()
    if not who.is_admin:
        ctx().tokens.revoke(who.token)
    return jsonify({"revoked": not who.is_admin})
