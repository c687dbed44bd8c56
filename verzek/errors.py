"""The one error hierarchy of VerzekAutoTrader; every class says what its caller should do.

    VerzekError                      base; carries a machine `code`, an HTTP status and details
    ├── InvalidInput  bad input from a user, an admin or a file: reject, change nothing (422)
    ├── BadRequest  malformed request (400)
    ├── Unauthorized  no or bad credentials (401)
    ├── Forbidden  authenticated but not allowed (403)
    ├── NotFound  no such resource, or not yours (404)
    ├── Conflict  the resource's state forbids this now (409)
    ├── TooManyRequests  slow down (429)
    ├── ConfigError  a setting is invalid: stop the start, fix the environment
    ├── StoreError  persistence failed
    │   ├── CorruptFile  a data file does not parse: stop the start, repair or restore it
    │   ├── InstanceLocked  another process owns the data directory: do not start
    │   └── DiskFault  a write or fsync failed (ENOSPC, EIO): pause trading, retry later
    ├── SecretError  a secret cannot be decrypted or stored safely: fix the keys
    ├── TradingBlocked  the safety manager refuses a new order: do not send
    ├── ExchangeError  permanent exchange answer: never retry the same request
    │   ├── AuthError  keys wrong, expired or not permitted: disable the account, tell the user
    │   ├── InsufficientFunds  not enough balance: skip, tell the user
    │   ├── InvalidOrder  the exchange refuses the order's shape: skip, log with context
    │   │   └── BelowMinimum  below the exchange minimum amount or value: skip before sending
    │   ├── DuplicateOrder  the client order id exists already: look the order up, do not resend
    │   ├── OrderNotFound  the exchange does not know the order (yet): treat as unknown until
    │   │       the visibility window has passed
    │   └── UnsupportedOperation  this exchange or market cannot do that: choose another path
    └── TransientExchangeError  temporary: retry with backoff and the same client order id
        ├── NetworkError  the request may not have arrived: retry or look up
        ├── RateLimited  back off for `retry_after_s`, then retry
        ├── ExchangeUnavailable  5xx or maintenance: back off and retry
        └── OutcomeUnknown  the order may or may not exist: resolve by look-up, never resend
"""

from __future__ import annotations

from typing import Any


class VerzekError(Exception):
    """Base of every error we raise on purpose; unexpected exceptions are bugs."""

    code = "error"
    http_status = 500

    def __init__(self, message: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        """The JSON error body of the API: `{"error": {"code", "message", "details"}}`."""
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class InvalidInput(VerzekError):
    """Reject the input with this message; nothing was changed."""

    code = "invalid_input"
    http_status = 422


class BadRequest(VerzekError):
    """The request is malformed (bad JSON, wrong content type): fix the request."""

    code = "bad_request"
    http_status = 400


class Unauthorized(VerzekError):
    """Send valid credentials."""

    code = "unauthorized"
    http_status = 401


class Forbidden(VerzekError):
    """The caller is known but may not do this."""

    code = "forbidden"
    http_status = 403


class NotFound(VerzekError):
    """No such resource (or it belongs to someone else)."""

    code = "not_found"
    http_status = 404


class Conflict(VerzekError):
    """The resource's current state forbids the action; re-read and decide."""

    code = "conflict"
    http_status = 409


class TooManyRequests(VerzekError):
    """Slow down and try again later."""

    code = "rate_limited"
    http_status = 429


class ConfigError(VerzekError):
    """A setting is invalid; the service must not start until it is fixed."""

    code = "config_error"


class StoreError(VerzekError):
    """Persistence failed; the operation did not complete."""

    code = "store_error"


class CorruptFile(StoreError):
    """A data file does not parse; stop and repair or restore it — never replace it with empty."""

    code = "corrupt_file"


class InstanceLocked(StoreError):
    """Another process owns the data directory; do not start a second one."""

    code = "instance_locked"


class DiskFault(StoreError):
    """The disk refused a write or fsync (ENOSPC, EIO); pause trading and retry when it recovers."""

    code = "disk_fault"
    http_status = 503


class SecretError(VerzekError):
    """A secret cannot be decrypted or stored safely; fix the keys or re-enter credentials."""

    code = "secret_error"
    http_status = 409


class TradingBlocked(VerzekError):
    """The safety manager refuses new orders now (kill switch, pause, breaker): do not send."""

    code = "trading_blocked"
    http_status = 409


class ExchangeError(VerzekError):
    """A permanent answer from an exchange; retrying the same request will not help."""

    code = "exchange_error"
    http_status = 502


class AuthError(ExchangeError):
    """The exchange refused the keys; disable the account and tell its owner."""

    code = "exchange_auth"


class InsufficientFunds(ExchangeError):
    """Not enough balance for the order; skip it and tell the user."""

    code = "insufficient_funds"


class InvalidOrder(ExchangeError):
    """The exchange refuses the order as shaped; skip it and log the context."""

    code = "invalid_order"


class BelowMinimum(InvalidOrder):
    """The order is below the exchange's minimum amount or value; it was not sent."""

    code = "below_minimum"


class WouldTriggerImmediately(InvalidOrder):
    """A stop already crossed by the market (Binance -2021); close at market instead."""

    code = "would_trigger_immediately"


class DuplicateOrder(ExchangeError):
    """The client order id is already known to the exchange; look the order up, do not resend."""

    code = "duplicate_order"


class OrderNotFound(ExchangeError):
    """The exchange does not know this order; unknown until the visibility window passes."""

    code = "order_not_found"


class UnsupportedOperation(ExchangeError):
    """This exchange or market type cannot do that; choose another path."""

    code = "unsupported"


class TransientExchangeError(VerzekError):
    """A temporary failure; retry with backoff and always the same client order id."""

    code = "exchange_transient"
    http_status = 503


class NetworkError(TransientExchangeError):
    """The request may not have reached the exchange; retry a read, look an order up."""

    code = "network_error"


class RateLimited(TransientExchangeError):
    """The exchange asked us to slow down; wait `retry_after_s` before the next request."""

    code = "exchange_rate_limited"

    def __init__(
        self, message: str, *, retry_after_s: float | None = None, code: str | None = None,
        details: Any = None,
    ) -> None:
        super().__init__(message, code=code, details=details)
        self.retry_after_s = retry_after_s


class ExchangeUnavailable(TransientExchangeError):
    """The exchange is down or in maintenance; back off and retry."""

    code = "exchange_unavailable"


class OutcomeUnknown(TransientExchangeError):
    """An order may or may not exist; resolve it by looking it up, never by sending again."""

    code = "outcome_unknown"
