"""verzek/signals stays pure: stdlib, pydantic and the domain only; no clock, no sleep, no I/O."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

SIGNALS = Path(__file__).parents[2] / "verzek" / "signals"
ALLOWED = {"pydantic", "verzek"}
FORBIDDEN_VERZEK = ("verzek.engine", "verzek.exchanges", "verzek.store", "verzek.telegram",
                    "verzek.api", "verzek.runtime", "verzek.config", "verzek.clock")
FORBIDDEN_STDLIB = {"time", "socket", "subprocess", "os", "asyncio", "urllib", "http"}


def test_signals_imports_only_what_it_may() -> None:
    for path in SIGNALS.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                assert top in ALLOWED or top in sys.stdlib_module_names, (path.name, name)
                assert top not in FORBIDDEN_STDLIB, (path.name, name)
                assert not name.startswith(FORBIDDEN_VERZEK), (path.name, name)
            if isinstance(node, ast.Attribute) and node.attr in ("now", "utcnow", "sleep"):
                raise AssertionError(f"{path.name} calls {node.attr}()")
            if isinstance(node, ast.Name) and node.id == "open":
                raise AssertionError(f"{path.name} opens a file")


def test_modules_stay_small() -> None:
    for path in SIGNALS.glob("*.py"):
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 400, path.name
