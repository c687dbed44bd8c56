"""`python -m verzek telegram login` with a fake Telethon client: asks phone, code and 2FA,
prints the session string once on stdout."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest

from verzek.cli.telegram import main


class FakeSession:
    def save(self) -> str:
        return "1BVtsOFAKE-SESSION-STRING"


class FakeClient:
    def __init__(self, api_id: int, api_hash: str) -> None:
        self.api_id = api_id
        self.api_hash = api_hash
        self.session = FakeSession()
        self.answers: dict[str, str] = {}
        self.disconnected = False

    async def start(self, *, phone: Callable[[], str], code_callback: Callable[[], str],
                    password: Callable[[], str]) -> FakeClient:
        self.answers = {"phone": phone(), "code": code_callback(), "password": password()}
        return self

    async def get_me(self) -> Any:
        return type("Me", (), {"username": "operator"})()

    async def disconnect(self) -> None:
        self.disconnected = True


def test_login_prints_the_session_once(capsys: pytest.CaptureFixture[str]) -> None:
    made: list[FakeClient] = []

    def factory(api_id: int, api_hash: str) -> FakeClient:
        made.append(FakeClient(api_id, api_hash))
        return made[-1]

    out = io.StringIO()
    code = main(["login", "--api-id", "123", "--api-hash", "abc"], client_factory=factory,
                stdin=io.StringIO("+15550001111\n12345\n"), stdout=out,
                secret_input=lambda prompt: "hunter2")
    assert code == 0
    assert out.getvalue() == "1BVtsOFAKE-SESSION-STRING\n"
    client = made[0]
    assert (client.api_id, client.api_hash) == (123, "abc")
    assert client.answers == {"phone": "+15550001111", "code": "12345", "password": "hunter2"}
    assert client.disconnected
    err = capsys.readouterr().err
    assert "signed in as operator" in err and "FAKE-SESSION" not in err


def test_login_without_api_credentials_explains(monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("TELEGRAM_API_ID", raising=False)
    monkeypatch.delenv("TELEGRAM_API_HASH", raising=False)
    monkeypatch.chdir("/")  # no .env here
    assert main(["login"], client_factory=FakeClient) == 2
    assert "TELEGRAM_API_ID" in capsys.readouterr().err


def test_login_failure_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    class Failing(FakeClient):
        async def start(self, **kwargs: Any) -> FakeClient:
            raise RuntimeError("PhoneCodeInvalidError")

    out = io.StringIO()
    assert main(["login", "--api-id", "1", "--api-hash", "h"], client_factory=Failing,
                stdin=io.StringIO(""), stdout=out) == 1
    assert out.getvalue() == ""
    assert "login failed" in capsys.readouterr().err
