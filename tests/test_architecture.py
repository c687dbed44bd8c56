"""The domain layer stays pure: no web, exchange, Telegram, file, network, thread or clock use.

Two checks: a scan of every domain module's source (imports and calls), and a run in a fresh
interpreter that imports and exercises every domain module under an audit hook, then compares
`sys.modules` with a bare interpreter that imported only the domain's allowed dependencies —
so an import hidden behind a helper, a re-export or a dynamic import is caught too.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = ROOT / "verzek" / "domain"

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


CLOCK_METHODS = {"now", "utcnow", "today", "fromtimestamp", "utcfromtimestamp"}


def _clock_owners(tree: ast.AST) -> set[str]:
    """Names bound to datetime/date classes or the datetime module, aliases included."""
    owners = {"datetime", "date"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            owners |= {a.asname for a in node.names if a.name == "datetime" and a.asname}
        elif isinstance(node, ast.ImportFrom) and node.module == "datetime":
            owners |= {a.asname or a.name for a in node.names if a.name in ("datetime", "date")}
    return owners


def _call_violation(func: ast.expr, owners: set[str]) -> str | None:
    if isinstance(func, ast.Name) and func.id in FORBIDDEN_CALLS:
        return f"calls {func.id}()"
    if not isinstance(func, ast.Attribute):
        return None
    owner = func.value
    owner_name = owner.id if isinstance(owner, ast.Name) else (
        owner.attr if isinstance(owner, ast.Attribute) else "")
    if (owner_name, func.attr) in FORBIDDEN_ATTRIBUTE_CALLS:
        return f"calls {owner_name}.{func.attr}()"
    if owner_name in owners and func.attr in CLOCK_METHODS:
        return f"calls {owner_name}.{func.attr}() (pass `now` in instead)"
    return None


def violations(source: str, filename: str = "<source>") -> list[str]:
    """Every purity violation in a module's source, as "file:line: what"."""
    tree = ast.parse(source, filename)
    owners = _clock_owners(tree)
    found: list[str] = []
    for node in ast.walk(tree):
        where = f"{filename}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import):
            found += [f"{where}: imports {a.name}" for a in node.names
                      if _is_forbidden_module(a.name)]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if _is_forbidden_module(node.module):
                found.append(f"{where}: imports from {node.module}")
        elif isinstance(node, ast.Call):
            problem = _call_violation(node.func, owners)
            if problem:
                found.append(f"{where}: {problem}")
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
    "import datetime as dt\ndt.datetime.now()", "from datetime import datetime as D\nD.now()",
    "from datetime import date\ndate.today()", "from datetime import datetime\n"
    "datetime.fromtimestamp(0)", "from time import monotonic",
])
def test_checker_catches(snippet: str) -> None:
    assert violations(snippet), snippet


@pytest.mark.parametrize("snippet", [
    "from datetime import datetime, timedelta", "from decimal import Decimal",
    "from pydantic import BaseModel", "x.now_price()", "from verzek.errors import InvalidInput",
])
def test_checker_allows(snippet: str) -> None:
    assert violations(snippet) == []


# --- at run time: what importing and running the domain actually loads and does ---------------

RUNTIME_PROBE = r"""
import importlib, json, pkgutil, sys, threading

# the baseline: a bare interpreter with only the domain's allowed dependencies, pydantic warmed
# up (its first model loads plugins through importlib.metadata, which reads files)
for name in ("collections.abc", "dataclasses", "datetime", "decimal", "enum", "math", "re",
             "typing", "pydantic"):
    importlib.import_module(name)
import pydantic
class _Warm(pydantic.BaseModel):
    x: int = 0
_Warm.model_validate_json(_Warm(x=1).model_dump_json())

WATCHED = ("open", "socket.", "subprocess.", "os.system", "os.exec", "os.fork", "os.spawn",
           "os.posix_spawn", "os.kill", "os.remove", "os.rename", "os.mkdir", "os.rmdir",
           "os.truncate", "os.chmod", "os.link", "os.symlink", "os.putenv", "shutil.",
           "sqlite3.", "urllib.", "http.", "ftplib.", "smtplib.", "tempfile.", "glob.",
           "_thread.start_new_thread", "time.sleep", "webbrowser.")
IMPORT_FILES = (".py", ".pyc", ".so", ".pth")
events = []

def audit(event, args):
    if not event.startswith(WATCHED):
        return
    if event == "open" and str(args[0]).endswith(IMPORT_FILES) and args[1] in ("r", "rb"):
        return  # the import system reading a module
    events.append(f"{event} {args!r:.160}")

def recording(name, real):
    def wrapper(*args, **kwargs):
        events.append(name)
        return real(*args, **kwargs)
    return wrapper

# Python 3.11 raises no audit event for these two: count the calls instead
import _thread, time
_thread.start_new_thread = recording("_thread.start_new_thread", _thread.start_new_thread)
threading._start_new_thread = recording("_thread.start_new_thread", threading._start_new_thread)
time.sleep = recording("time.sleep", time.sleep)
sys.addaudithook(audit)
before = set(sys.modules)
import verzek.domain
for info in pkgutil.walk_packages(verzek.domain.__path__, "verzek.domain."):
    importlib.import_module(info.name)
new_modules = sorted(set(sys.modules) - before)

# exercise the domain: a plan, every risk rule, a position's life, the safety manager
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from verzek.domain import risk
from verzek.domain.dca import DcaParams, build_plan
from verzek.domain.models import Fill, Position, Signal, User
from verzek.domain.positions import apply_fill, close, unrealised_pnl
from verzek.domain.safety import SafetyManager
now = datetime(2026, 1, 1, tzinfo=UTC)
plan = build_plan(DcaParams(side="long", entry_price=D(100), base_order_usdt=D(100),
                            safety_order_usdt=D(50), max_safety_orders=5,
                            deviation_pct=D("1.5"), leverage=10, take_profit_pct=D(2)))
plan.to_dict()
user = User(id="u", email="u@example.com", created_at=now)
ctx = risk.RiskContext(user=user, signal=Signal(symbol="BTC/USDT", side="long"),
                       signal_id="s", now=now, signal_received_at=now,
                       current_price=D(100), capital_usdt=D(1000), dca_plan=plan)
[d.as_dict() for d in risk.evaluate_all(ctx)]
position = Position(id="p", user_id="u", account_id="a", exchange="binance",
                    market_type="futures", mode="demo", symbol="BTC/USDT", side="long",
                    opened_at=now)
position = apply_fill(position, Fill(trade_id="t", client_order_id="o", price=D(100),
                                     quantity=D(1), at=now), "buy", "entry")
unrealised_pnl(position, D(101))
close(position, "liquidated", now, settle_price=D(91)).model_dump_json()
manager = SafetyManager()
manager.set_kill_switch(True, now=now, user_id="u")
manager.pause(now=now, until=now + timedelta(hours=1))
manager.record_trade_result("u", D(-5), D(100), now)
manager.idempotency.remember("signal:s", now)
SafetyManager.from_json(manager.to_json()).check_send("u", now)

for code in sys.argv[1:]:  # the self-test's deliberate violations
    exec(code)
new_modules = sorted(set(new_modules) | (set(sys.modules) - before))
print(json.dumps({"new_modules": new_modules, "events": events,
                  "threads": threading.active_count()}))
"""

# new modules the domain may load: itself, the error hierarchy, the package's __init__
ALLOWED_VERZEK = ("verzek", "verzek.errors", "verzek.domain")
# stdlib that has no business in the domain (file, process, network, thread, clock, storage;
# logging too: rules decide and return a Decision, their callers log and act)
FORBIDDEN_STDLIB = {
    "threading", "_thread", "multiprocessing", "concurrent", "asyncio", "socket", "ssl",
    "selectors", "select", "subprocess", "tempfile", "shutil", "glob", "pathlib", "io",
    "sqlite3", "dbm", "shelve", "pickle", "urllib", "http", "email", "ftplib", "smtplib",
    "logging", "time", "sched", "signal", "mmap", "fcntl", "queue", "zipfile", "tarfile",
    "gzip", "csv", "configparser", "webbrowser",
}
# third-party packages the domain may use (pydantic's own lazy imports included)
ALLOWED_THIRD_PARTY = {"pydantic", "pydantic_core", "typing_extensions", "annotated_types",
                       "typing_inspection"}


def run_probe(*violations: str) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run([sys.executable, "-c", RUNTIME_PROBE, *violations], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def module_problems(new_modules: list[str]) -> list[str]:
    """Every newly loaded module the domain must not pull in, with the reason."""
    problems = []
    for name in new_modules:
        root = name.split(".")[0]
        if root == "verzek":
            if not (name in ALLOWED_VERZEK or name.startswith("verzek.domain.")):
                problems.append(f"{name}: an outer layer (domain imports inward only)")
        elif root in sys.stdlib_module_names or root.lstrip("_") in sys.stdlib_module_names:
            if root in FORBIDDEN_STDLIB or root.lstrip("_") in FORBIDDEN_STDLIB:
                problems.append(f"{name}: file, process, network, thread or clock library")
        elif root not in ALLOWED_THIRD_PARTY:
            problems.append(f"{name}: a third-party library (flask, ccxt, telegram, …)")
    return problems


@pytest.fixture(scope="module")
def probe() -> dict[str, Any]:
    return run_probe()


def test_domain_loads_no_forbidden_module_at_run_time(probe: dict[str, Any]) -> None:
    assert any(name.startswith("verzek.domain.") for name in probe["new_modules"])
    assert module_problems(probe["new_modules"]) == []


def test_domain_opens_no_file_socket_process_or_thread_at_run_time(
        probe: dict[str, Any]) -> None:
    assert probe["events"] == []
    assert probe["threads"] == 1


def test_runtime_probe_catches_violations() -> None:
    caught = run_probe(
        "import sqlite3", "import verzek.clock", "import requests",
        "open(sys.executable, 'rb').close()",
        "t = threading.Thread(target=lambda: None); t.start(); t.join()",
        "import time; time.sleep(0)", "import socket; socket.socket().close()",
    )
    problems = "\n".join(module_problems(caught["new_modules"]))
    for name in ("sqlite3", "verzek.clock", "requests"):
        assert f"{name}:" in problems
    events = "\n".join(caught["events"])
    assert "open " in events and "_thread.start_new_thread" in events
    assert "time.sleep" in events and "socket.__new__" in events
