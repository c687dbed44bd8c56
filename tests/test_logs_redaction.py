"""Log redaction of every secret shape the exchanges, Telegram and our own settings produce,
without mangling ordinary words."""

from __future__ import annotations

import logging

import pytest

from verzek.logs import ContextFilter, RedactingFormatter, redact

SECRET = "S3cr3tV4lue9x"


@pytest.mark.parametrize("line", [
    f"passphrase={SECRET}",
    f'{{"passphrase": "{SECRET}"}}',
    f"X-BAPI-SIGN: {SECRET}",
    f"X-BAPI-API-KEY: {SECRET}",
    f"X-MBX-APIKEY: {SECRET}",
    f"headers={{'X-MBX-APIKEY': '{SECRET}', 'Content-Type': 'application/json'}}",
    f"key={SECRET}",
    f"listenKey={SECRET}",
    f"access_token {SECRET}",
    f"access_token={SECRET}",
    f'{{"access_token": "{SECRET}", "expires_in": 3600}}',
    f"TELEGRAM_SESSION={SECRET}",
    f"BINANCE_API_SECRET={SECRET}",
    f'{{"apiKey": "{SECRET}"}}',
    f'{{"secret": "{SECRET}"}}',
    f"Authorization: Bearer {SECRET}",
    f"authorization: Basic {SECRET}",
    f"GET https://api.binance.com/api/v3/order?symbol=BTCUSDT&timestamp=1&signature={SECRET}",
    f"POST /v5/order/create?api_key=abc&sign={SECRET}&recv_window=5000",
    f"password: '{SECRET}'",
], ids=lambda line: line.split(SECRET)[0][:40])
def test_every_secret_shape_is_redacted(line: str) -> None:
    out = redact(line)
    assert SECRET not in out
    assert "***" in out


@pytest.mark.parametrize("line", [
    "key levels at 65000 and 67000",
    "monkey=banana",
    "turnkey=done",
    "a sign of strength; signals=3",
    "the secret sauce is patience",
    "tokens: 5 used",
    "X-BAPI-SIGN-TYPE: 2",
    "order vz1c11b9 placed | user_id=u1 signal_id=s2 symbol=BTC/USDT:USDT exchange=binance",
    "session started; keyword=breakout",
])
def test_ordinary_words_are_left_alone(line: str) -> None:
    assert redact(line) == line


def test_a_logged_request_keeps_everything_but_the_secrets() -> None:
    record = logging.LogRecord(
        "ccxt", logging.WARNING, __file__, 1, "GET %s headers=%s", (
            f"https://api.bybit.com/v5/order?category=linear&sign={SECRET}",
            {"X-BAPI-API-KEY": "k3yk3yk3yk3y", "X-BAPI-SIGN": SECRET,
             "X-BAPI-RECV-WINDOW": "5000"}), None)
    ContextFilter().filter(record)
    text = RedactingFormatter("%(message)s").format(record)
    assert SECRET not in text and "k3yk3yk3yk3y" not in text
    assert "category=linear" in text and "'X-BAPI-RECV-WINDOW': '5000'" in text
