"""The domain layer stays pure: no web, exchange, Telegram, file, network, thread or clock use."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parent.parent / "verzek" / "domain"

FORBIDDEN_MODULES = {
    "flask", "ccxt", "telegram", "telethon", "requests", "httpx", "aiohttp", "threading",
    "multiprocessing", "concurrent", "asyncio", "os", "io", "pathlib", "socket", "shutil",
    "subprocess", "tempfile", "time", "sqlite3", "verzek.store", "verzek.engine",
    "verzek.exchanges", "verzek.api", "verzek.telegram", "verzek.clock",
}
FORBIDDEN_CALLS = {"open", "exec", "eval", "__import__", "input", "print"}
FORBIDDEN_ATTRIBUTE_CALLS = {
    ("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"),
    ("time", "time"), ("time", "monotonic"), ("time", "sleep"), ("time", "perf_counter"),
}


def _is_forbidden_module(name: str) -> bool:
    return any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN_MODULES)


def violations(source: str, filename: str = "<source>") -> list[str]:
    """Every purity violation in a module's source, as "file:line: what"."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source, filename)):
        where = f"{filename}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import):
            found += [f"{where}: imports {a.name}" for a in node.names
                      if _is_forbidden_module(a.name)]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if _is_forbidden_module(node.module):
                found.append(f"{where}: imports from {node.module}")
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in FORBIDDEN_CALLS:
                found.append(f"{where}: calls {func.id}()")
            elif isinstance(func, ast.Attribute):
                owner = func.value
                owner_name = owner.id if isinstance(owner, ast.Name) else (
                    owner.attr if isinstance(owner, ast.Attribute) else "")
                if (owner_name, func.attr) in FORBIDDEN_ATTRIBUTE_CALLS:
                    found.append(f"{where}: calls {owner_name}.{func.attr}()")
    return found


DOMAIN_MODULES = sorted(DOMAIN.rglob("*.py"))


def test_domain_has_modules() -> None:
    assert len(DOMAIN_MODULES) > 5


@pytest.mark.parametrize("path", DOMAIN_MODULES, ids=lambda p: str(p.relative_to(DOMAIN)))
def test_domain_module_is_pure(path: Path) -> None:
    assert violations(path.read_text(encoding="utf-8"), str(path)) == []


@pytest.mark.parametrize("snippet", [
    "import flask", "from ccxt import binance", "import telegram.ext", "from telethon import X",
    "import requests", "import threading", "import os", "import io", "from pathlib import Path",
    "import socket", "open('x')", "from datetime import datetime\ndatetime.now()",
    "import datetime\ndatetime.datetime.utcnow()", "import time\ntime.time()",
    "from verzek.clock import SystemClock", "import os.path",
])
def test_checker_catches(snippet: str) -> None:
    assert violations(snippet), snippet


@pytest.mark.parametrize("snippet", [
    "from datetime import datetime, timedelta", "from decimal import Decimal",
    "from pydantic import BaseModel", "x.now_price()", "from verzek.errors import InvalidInput",
])
def test_checker_allows(snippet: str) -> None:
    assert violations(snippet) == []
