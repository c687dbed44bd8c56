"""Logging: context fields, and redaction of anything that looks like a secret."""

from __future__ import annotations

import logging

import pytest

from verzek.logs import (
    ContextFilter,
    RedactingFormatter,
    Throttle,
    log_context,
    redact,
    register_secret,
)


@pytest.mark.parametrize("line", [
    "api_key=abcd1234efgh", "secret: 'hunter2hunter2'", "password=Passw0rd!",
    "Authorization: Bearer eyJhbGciOi.abc.def", "token=123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
    "bot 123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw started",
    "stored gAAAAABlZ3ZpbmctdGhpcy1pcy1hLWZlcm5ldC10b2tlbg==",
    '{"apiKey": "XYZXYZXYZ123"}',
])
def test_secret_looking_values_are_redacted(line: str) -> None:
    out = redact(line)
    assert "***" in out
    for secret in ("abcd1234efgh", "hunter2hunter2", "Passw0rd!", "eyJhbGciOi",
                   "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", "gAAAAABl", "XYZXYZXYZ123"):
        assert secret not in out


def test_registered_secrets_are_masked_anywhere() -> None:
    register_secret("plain-looking-value-42")
    assert redact("user sent plain-looking-value-42 today") == "user sent *** today"


def test_formatter_adds_context_and_redacts_tracebacks() -> None:
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed with secret=%s",
                               ("topsecret99",), None)
    with log_context(user_id="u1", symbol="BTC/USDT"):
        ContextFilter().filter(record)
    text = RedactingFormatter("%(message)s%(context)s").format(record)
    assert "topsecret99" not in text
    assert "user_id=u1" in text and "symbol=BTC/USDT" in text


def test_throttle_lets_one_through_per_interval(clock) -> None:  # type: ignore[no-untyped-def]
    throttle = Throttle(60, clock)
    assert throttle.allow("k") == (True, 0)
    assert throttle.allow("k") == (False, 0)
    assert throttle.allow("k") == (False, 0)
    clock.advance(60)
    assert throttle.allow("k") == (True, 2)
