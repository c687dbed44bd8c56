"""What the views reach: the runtime, the account service and the admin tokens, built once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app

from verzek.engine.accounts import AccountService, LoginLimiter, TokenService
from verzek.errors import VerzekError


class EngineUnavailable(VerzekError):
    """The trading engine is not running in this process: retry later."""

    code = "engine_unavailable"
    http_status = 503


@dataclass
class ApiContext:
    runtime: Any
    settings: Any
    accounts: AccountService
    tokens: TokenService
    admin_tokens: tuple[bytes, ...]

    @classmethod
    def build(cls, runtime: Any, settings: Any) -> ApiContext:
        accounts = getattr(runtime, "accounts", None)
        if accounts is None:
            tokens = TokenService(store=runtime.store, clock=runtime.clock,
                                  ttl_s=settings.token_ttl_s)
            accounts = AccountService(users=runtime.users, tokens=tokens,
                                      limiter=LoginLimiter(clock=runtime.clock),
                                      secret_box=runtime.secret_box, clock=runtime.clock)
        admin = tuple(t.get_secret_value().encode() for t in settings.admin_tokens)
        return cls(runtime=runtime, settings=settings, accounts=accounts,
                   tokens=accounts.tokens, admin_tokens=admin)

    @property
    def trading(self) -> Any:
        """The engine facade (`TradingPort`); 503 while the runtime has none."""
        trading = getattr(self.runtime, "trading", None)
        if trading is None:
            raise EngineUnavailable("the trading engine is not running")
        return trading


def ctx() -> ApiContext:
    """The API context of the current app."""
    context: ApiContext = current_app.extensions["verzek"]
    return context
