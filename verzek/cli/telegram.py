"""`python -m verzek telegram login`: create a Telethon StringSession interactively (phone, code,
2FA password) and print it once, for TELEGRAM_SESSION."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Callable
from typing import Any, TextIO

ClientFactory = Callable[[int, str], Any]


def _real_client(api_id: int, api_hash: str) -> Any:
    from telethon import TelegramClient
    from telethon.sessions import StringSession

    return TelegramClient(StringSession(), api_id, api_hash)


async def login(client: Any, *, phone: Callable[[], str], code: Callable[[], str],
                password: Callable[[], str]) -> str:
    """Sign the client in and return its session string."""
    try:
        await client.start(phone=phone, code_callback=code, password=password)
        me = await client.get_me()
        name = getattr(me, "username", None) or getattr(me, "first_name", None) or "?"
        print(f"signed in as {name}", file=sys.stderr)
        return str(client.session.save())
    finally:
        await client.disconnect()


def main(argv: list[str] | None = None, *, client_factory: ClientFactory = _real_client,
         stdin: TextIO | None = None, stdout: TextIO | None = None,
         secret_input: Callable[[str], str] = getpass.getpass) -> int:
    parser = argparse.ArgumentParser(prog="python -m verzek telegram")
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser("login", help="create a Telethon StringSession (prints it once)")
    cmd.add_argument("--api-id", type=int, help="default: TELEGRAM_API_ID")
    cmd.add_argument("--api-hash", help="default: TELEGRAM_API_HASH")
    args = parser.parse_args(argv)
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    api_id, api_hash = args.api_id, args.api_hash
    if api_id is None or api_hash is None:
        from verzek.config import load_settings
        from verzek.errors import ConfigError

        try:
            settings = load_settings()
        except ConfigError as exc:
            print(f"configuration error: {exc.message}", file=sys.stderr)
            return 2
        api_id = api_id or settings.telegram_api_id
        if api_hash is None and settings.telegram_api_hash is not None:
            api_hash = settings.telegram_api_hash.get_secret_value()
    if not api_id or not api_hash:
        print("set TELEGRAM_API_ID and TELEGRAM_API_HASH (from my.telegram.org) or pass "
              "--api-id and --api-hash", file=sys.stderr)
        return 2

    def ask(prompt: str) -> str:
        print(prompt, end="", file=sys.stderr, flush=True)
        return stdin.readline().strip()

    async def run() -> str:
        # Made inside the running loop: a Telethon client keeps the loop it was created on.
        client = client_factory(int(api_id), str(api_hash))
        return await login(
            client, phone=lambda: ask("phone number (international format): "),
            code=lambda: ask("login code Telegram sent you: "),
            password=lambda: secret_input("two-step verification password: "))

    try:
        session = asyncio.run(run())
    except KeyboardInterrupt:
        print("cancelled", file=sys.stderr)
        return 1
    except Exception as exc:
        print(f"login failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print("TELEGRAM_SESSION (keep it secret; it is shown only this once):", file=sys.stderr)
    print(session, file=stdout)
    return 0
