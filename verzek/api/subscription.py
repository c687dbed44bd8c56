"""A user's subscription: read it; admins activate a plan for N days, extend or cancel it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from flask import Response, jsonify
from pydantic import BaseModel, Field, RootModel

from verzek.api.auth import require_admin, require_owner
from verzek.api.context import ctx
from verzek.api.schemas import SECURITY, ApiModel, UserPath, WholeNumber, api_blueprint
from verzek.domain.models import PlanName, User
from verzek.domain.plans import effective_plan, is_expired

api = api_blueprint("subscription", "/api/users", "plans")
Days = Annotated[int, Field(ge=1, le=3650), WholeNumber]


class Activate(ApiModel):
    action: Literal["activate"]
    plan: PlanName
    days: Days | None = None  # None: until cancelled


class Extend(ApiModel):
    action: Literal["extend"]
    days: Days


class Cancel(ApiModel):
    action: Literal["cancel"]


class SubscriptionChange(RootModel[Annotated[Activate | Extend | Cancel,
                                             Field(discriminator="action")]]):
    pass


class PlanOut(BaseModel):
    name: PlanName
    auto_trade: bool
    live_trading: bool
    dca_automation: bool
    max_dca_levels: int
    max_exchange_accounts: int
    max_leverage: int
    telegram_group: str


class SubscriptionOut(BaseModel):
    plan: PlanName
    started_at: datetime | None = None
    expires_at: datetime | None = None
    trial_ends_at: datetime | None = None
    expired: bool
    effective_plan: PlanOut


def subscription_out(user: User, now: datetime) -> dict[str, Any]:
    features = effective_plan(user.subscription, now)
    return {**user.subscription.model_dump(mode="json"),
            "expired": is_expired(user.subscription, now),
            "effective_plan": {
                "name": features.name.value, "auto_trade": features.auto_trade,
                "live_trading": features.live_trading,
                "dca_automation": features.dca_automation,
                "max_dca_levels": features.max_dca_levels,
                "max_exchange_accounts": features.max_exchange_accounts,
                "max_leverage": features.max_leverage,
                "telegram_group": features.telegram_group}}


@api.get("/<user_id>/subscription", responses={200: SubscriptionOut}, security=SECURITY)
def get_subscription(path: UserPath) -> Response:
    """The user's plan, its dates and what it allows now."""
    require_owner(path.user_id)
    user = ctx().accounts.users.get(path.user_id)
    return jsonify(subscription_out(user, ctx().runtime.clock.now()))


@api.post("/<user_id>/subscription", responses={200: SubscriptionOut}, security=SECURITY)
def change_subscription(path: UserPath, body: SubscriptionChange) -> Response:
    """Activate a plan for N days (or until cancelled), extend it, or cancel it (admin)."""
    require_admin()
    require_owner(path.user_id)
    change = body.root
    user = ctx().accounts.change_subscription(
        path.user_id, change.action, plan=getattr(change, "plan", None),
        days=getattr(change, "days", None))
    return jsonify(subscription_out(user, ctx().runtime.clock.now()))
