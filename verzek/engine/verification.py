"""Checking an exchange account's keys: the account's status and a message its owner reads.

An exchange's own error text may echo the request (its URL and parameters, a key, a signature):
it goes to the operator's log, redacted, and the owner reads a message chosen by the error's
class (`SAFE_MESSAGES`)."""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

from verzek.domain.models import ExchangeAccount, TradingMode, User
from verzek.engine.pool import ExchangePool
from verzek.errors import (
    AuthError,
    ConfigError,
    ExchangeError,
    ExchangeUnavailable,
    InsufficientFunds,
    NetworkError,
    NotFound,
    RateLimited,
    SecretError,
    TransientExchangeError,
    UnsupportedOperation,
    VerzekError,
)
from verzek.store.repos import UserRepository

logger = logging.getLogger(__name__)

# most specific class first: the first match is the message
SAFE_MESSAGES: tuple[tuple[type[Exception], str], ...] = (
    (AuthError, "the exchange refused the API key: check it and its permissions"),
    (RateLimited, "the exchange asked us to slow down: try the check again in a minute"),
    (NetworkError, "the exchange could not be reached: try again later"),
    (ExchangeUnavailable, "the exchange is unavailable or in maintenance: try again later"),
    (TransientExchangeError, "the exchange did not answer the check: try again later"),
    (InsufficientFunds, "the exchange refused the check for the account's balance"),
    (UnsupportedOperation, "this exchange or market cannot check the key this way"),
    (ExchangeError, "the exchange refused the check: make sure the key belongs to this "
                    "exchange and market (and to its testnet when testnet is set)"),
    (SecretError, "the service cannot read the stored keys with its master keys (an operator's "
                  "setting): ask the operator before entering them again"),
    (ConfigError, "the service is not set up for this account: ask the operator"),
    (VerzekError, "the keys could not be checked: try again later"),
)
UNEXPECTED = "the keys could not be checked because of an internal error: ask the operator"

_QUERY = re.compile(r"\?\S*")  # a URL's query string: signatures, timestamps, keys
_TOKEN = re.compile(r"[A-Za-z0-9+/=_\-]{24,}")  # anything as long as a key or a signature
MAX_LOGGED = 500


def safe_message(exc: Exception) -> str:
    """What the account's owner reads about a failed check: chosen by the error's class,
    never the exchange's own words."""
    for cls, message in SAFE_MESSAGES:
        if isinstance(exc, cls):
            return message
    return UNEXPECTED


def redacted(text: str) -> str:
    """`text` for the operator's log: no query strings, no key-like tokens, bounded."""
    return _TOKEN.sub("[redacted]", _QUERY.sub("?[redacted]", text))[:MAX_LOGGED]


def verify_account(pool: ExchangePool, users: UserRepository, user_id: str,
                   account_id: str) -> dict[str, Any]:
    """Check the account's keys against its exchange and store the outcome on the account."""
    user = users.get(user_id)
    account = next((a for a in user.exchange_accounts if a.id == account_id), None)
    if account is None:
        raise NotFound("no such exchange account")
    pool.forget(account_id)
    extra: dict[str, Any] = {}
    status = account.status
    try:
        # the account's own keys whenever it has some (or trades live): a live account of a
        # user still in demo mode was "verified" on paper, keys unchecked, and kept that
        # status once they went live
        keyless_demo = account.mode is TradingMode.DEMO and \
            account.credentials_ciphertext is None
        report = pool.get(user, account, paper=keyless_demo).verify_credentials()
        ok, message = report.ok, report.message
        extra = {"can_withdraw": report.can_withdraw, "ip_restricted": report.ip_restricted}
        status = "verified" if ok else "failed"
    except Exception as exc:
        ok, message = False, safe_message(exc)
        # an exchange away, slow or asking us to slow down says nothing of the keys: their
        # status stays what the last real answer made it (a "failed" would stop their
        # trading); nor does a master key the operator changed (fixed, the keys read again)
        status = account.status if isinstance(exc, (TransientExchangeError, SecretError)) \
            else "failed"
        raw = getattr(exc, "message", None) or str(exc)
        known = isinstance(exc, VerzekError)
        # a bug's frames for the operator, without its message: that is logged redacted
        frames = "" if known else "\n" + "".join(traceback.format_tb(exc.__traceback__))
        (logger.warning if known else logger.error)(
            "key check of account %s (user %s, %s) failed: %s (%s): %s%s", account_id,
            user_id, account.exchange.value, type(exc).__name__, getattr(exc, "code", "-"),
            redacted(raw), frames)

    def apply(u: User) -> User:
        accounts = [a.model_copy(update={"status": status, "status_message": message})
                    if a.id == account_id else a for a in u.exchange_accounts]
        return u.model_copy(update={"exchange_accounts": accounts})

    users.update(user_id, apply)
    return {"account_id": account_id, "ok": ok, "status": status, "message": message,
            **extra}


def verified_before_live(pool: ExchangePool, users: UserRepository, user: User,
                         account: ExchangeAccount,
                         ) -> tuple[ExchangeAccount, tuple[str, str] | None]:
    """A live account's keys are checked before its first trade: keys never checked traded
    live, withdrawal permission and all (only the optional verify call refused those). The
    account as it stands after the check, and why not to trade on it, as (code, sentence)
    (None: trade). Keys refused are `account_keys_unverified`; keys that could not be read
    (`credentials_unreadable`, the operator's master keys) or checked (the exchange away:
    `account_keys_unchecked`) are asked about again at the next call."""
    if account.status != "unverified":
        return account, None
    outcome = verify_account(pool, users, user.id, account.id)
    checked = account.model_copy(update={"status": outcome["status"],
                                         "status_message": outcome["message"]})
    if outcome["ok"]:
        return checked, None
    name = account.label or account.id
    if outcome["status"] == "failed":
        return checked, ("account_keys_unverified", f"The API keys of exchange account {name} "
                         "were checked before their first live trade and not accepted "
                         f"({outcome['message']}); nothing was sent.")
    code = "credentials_unreadable" if outcome["message"] == safe_message(SecretError("")) \
        else "account_keys_unchecked"
    return checked, (code, f"The API keys of exchange account {name} could not be checked "
                     f"before their first live trade ({outcome['message']}); nothing was "
                     "sent, and they are checked again at the next call.")
