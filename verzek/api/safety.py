"""Safety: the platform's kill switch, pause and circuit breakers (admin), and a user's own
pause and kill switch."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from flask import Response, has_request_context, jsonify, request
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, model_validator

from verzek.api.auth import admin_only, caller, require_admin, require_owner
from verzek.api.context import ctx
from verzek.api.plain import plain_answer
from verzek.api.schemas import (
    ID_PATTERN,
    LINE_PATTERN,
    SECURITY,
    AnyObject,
    ApiDatetime,
    ApiModel,
    ApiSharePct,
    UserPath,
    WholeNumber,
    api_blueprint,
)
from verzek.domain.safety.state import Breaker, SafetyState
from verzek.errors import Conflict, NotFound

api = api_blueprint("safety", "/api", "kill switches, pauses, breakers")
Reason = Annotated[StrictStr, Field(max_length=500, pattern=LINE_PATTERN)]
Seconds = Annotated[int, Field(ge=1, le=30 * 86400), WholeNumber]
Count = Annotated[int, Field(ge=1, le=10_000), WholeNumber]


class KillSwitchBody(ApiModel):
    active: StrictBool
    reason: Reason = ""
    close_positions: StrictBool = False


class PauseBody(ApiModel):
    paused: StrictBool
    until: ApiDatetime | None = None  # None: until resumed
    reason: Reason = ""


class ThresholdsBody(ApiModel):
    """Circuit-breaker thresholds of the platform: a field left out, or null, keeps its value
    (every field alike, so a threshold read from the status can be sent back as it is).
    `transient_error_burst: 0` turns the transient-failure trip off (the status then shows it
    as null)."""

    # a loss above 100 % of the capital never happens: such a threshold would never trip
    loss_pct: ApiSharePct | None = None  # type: ignore[valid-type]
    loss_window_s: Seconds | None = None
    max_consecutive_losses: Count | None = None
    error_burst: Count | None = None
    error_window_s: Seconds | None = None
    # transient failures of one exchange in the error window that trip the platform breaker;
    # 0 turns that trip off (they still count for the error rate): the domain's None
    transient_error_burst: Annotated[int, Field(
        ge=0, le=10_000, description="0: never trips (the status shows null); null: unchanged"),
        WholeNumber] | None = None
    cooldown_s: Seconds | None = None


class BreakerResetBody(ApiModel):
    """Whose circuit breaker to reset: one user's own, or (left out) the platform's. The body
    is optional: none, or `{}`, resets the platform's."""

    model_config = ConfigDict(openapi_extra={"required": False})

    user_id: Annotated[StrictStr, Field(pattern=ID_PATTERN)] | None = Field(
        default=None, description="reset only this user's breaker")

    @model_validator(mode="before")
    @classmethod
    def _no_body(cls, data: Any) -> Any:
        """No body at all is `{}`; a JSON `null` sent as the body is not an object (422)."""
        if data is None and has_request_context() and not request.get_data(cache=True):
            return {}
        return data


class _UserSafety(BaseModel):
    """The decimals of a user's safety answer (the rest is the engine's own)."""

    breaker: Breaker | None = None


def safety_answer(result: dict[str, Any]) -> Response:
    """The engine's status, its decimals ("1E-7": pydantic's JSON form) in the plain form the
    thresholds body takes back."""
    return jsonify(plain_answer(_UserSafety, plain_answer(SafetyState, result)))



def _pause(body: PauseBody, user_id: str | None = None) -> Response:
    """A pause that would end before it starts is a conflict with the clock, not bad input."""
    if body.paused and body.until is not None and body.until <= ctx().runtime.clock.now():
        raise Conflict("a pause must end after now", code="until_passed",
                       details={"field": "until"})
    return safety_answer(ctx().trading.set_pause(paused=body.paused, until=body.until,
                                           reason=body.reason, user_id=user_id,
                                           set_by=_set_by()))


def _set_by() -> Literal["admin", "user"]:
    """Who sets a user's pause or kill switch: an operator's, the user cannot lift (403
    `set_by_operator`)."""
    return "admin" if caller().is_admin else "user"


@api.get("/safety/status", responses={200: AnyObject}, security=SECURITY)
@admin_only
def safety_status() -> Response:
    """Kill switches, pauses and breakers of the platform and of users (admin).

    `platform_new_positions_allowed` and `platform_reason` are the platform's alone (its kill
    switch, pause and breaker); `new_positions_allowed` and `reason` are the same values, kept
    for older clients. A user may still be blocked by their own kill switch (`user_kill`),
    pause (`user_pause`) or breaker: `tripped_user_breakers` lists each user whose own breaker
    holds now (`user_id`, `tripped_at`, `until`: null until an admin resets it, `code`,
    `reason`), by user id; `POST /api/safety/circuit-breaker/reset` with the `user_id` clears
    one. `user_breakers` has every user's breaker as stored, tripped or not."""
    require_admin()
    return safety_answer(ctx().trading.safety_status())


@api.post("/safety/kill-switch", responses={200: AnyObject}, security=SECURITY)
@admin_only
def platform_kill_switch(body: KillSwitchBody) -> Response:
    """Stop all trading (optionally closing every position), or lift the stop (admin)."""
    require_admin()
    return safety_answer(ctx().trading.set_kill_switch(
        active=body.active, reason=body.reason, close_positions=body.close_positions))


@api.post("/safety/pause", responses={200: AnyObject}, security=SECURITY)
@admin_only
def platform_pause(body: PauseBody) -> Response:
    """Stop new positions platform-wide until a time or until resumed (admin)."""
    require_admin()
    return _pause(body)


@api.post("/safety/circuit-breaker/reset", responses={200: AnyObject}, security=SECURITY)
@admin_only
def reset_breaker(body: BreakerResetBody) -> Response:
    """Reset the platform's circuit breaker, or one user's own (admin).

    No body (or `{}`) resets the platform's breaker and answers the platform's status, as
    `GET /api/safety/status` does. `{"user_id": ...}` resets only that user's breaker (the one
    their own losses or refused orders trip; `GET /api/safety/status` lists the tripped ones in
    `tripped_user_breakers`) and answers that user's safety state: `breaker` (null once reset),
    `breaker_tripped`, and `new_positions_allowed` / `reason` for that user (their own kill
    switch or pause, or the platform's, may still block them). A user that does not exist is a
    404; an unknown field a 422. Every reset is logged."""
    require_admin()
    if body.user_id is None:
        return safety_answer(ctx().trading.reset_breaker())
    try:
        ctx().accounts.users.get(body.user_id)
    except NotFound:
        raise NotFound("no such user", details={"field": "user_id", "loc": ["user_id"]}) \
            from None
    return safety_answer(ctx().trading.reset_breaker(body.user_id))


@api.put("/safety/circuit-breaker", responses={200: AnyObject}, security=SECURITY)
@admin_only
def set_thresholds(body: ThresholdsBody) -> Response:
    """Change the circuit-breaker thresholds (admin): a field left out or null keeps its
    value; `transient_error_burst: 0` turns the transient-failure trip off."""
    require_admin()
    values: dict[str, Decimal | int | None] = body.model_dump(exclude_none=True)
    if values.get("transient_error_burst") == 0:
        values["transient_error_burst"] = None  # the domain's "never trips"
    return safety_answer(ctx().trading.set_breaker_thresholds(values))


@api.post("/users/<user_id>/pause", responses={200: AnyObject}, security=SECURITY)
def user_pause(path: UserPath, body: PauseBody) -> Response:
    """Pause (or resume) new positions for this user. A pause an admin set is the admins' to
    end: the user's resume is 403 `set_by_operator`, and the user's own pause asked under it
    (or set before it) holds once it ends."""
    require_owner(path.user_id)
    return _pause(body, path.user_id)


@api.post("/users/<user_id>/kill-switch", responses={200: AnyObject}, security=SECURITY)
def user_kill_switch(path: UserPath, body: KillSwitchBody) -> Response:
    """Stop this user's trading (optionally closing their positions), or lift the stop. A
    stop an admin set is the admins' to lift: the user's is 403 `set_by_operator`."""
    require_owner(path.user_id)
    return safety_answer(ctx().trading.set_kill_switch(
        active=body.active, reason=body.reason, close_positions=body.close_positions,
        user_id=path.user_id, set_by=_set_by()))
