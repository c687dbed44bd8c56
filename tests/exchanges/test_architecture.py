"""verzek/exchanges imports only what DESIGN.md allows, and ccxt stays inside its adapter files."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "verzek" / "exchanges"
ALLOWED_VERZEK = ("verzek.domain", "verzek.errors", "verzek.logs", "verzek.clock",
                  "verzek.store.secrets", "verzek.exchanges", "verzek")
CCXT_FILES = {"ccxt_adapter.py", "ccxt_errors.py", "ccxt_markets.py", "ccxt_convert.py",
              "pricefeed.py", "factory.py", "credentials.py"}


def imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_exchanges_import_only_allowed_packages() -> None:
    for path in PACKAGE.glob("*.py"):
        for name in imports(path):
            if name.startswith("verzek"):
                assert name.startswith(ALLOWED_VERZEK) and not name.startswith(
                    ("verzek.engine", "verzek.api", "verzek.store.docstore",
                     "verzek.store.repos", "verzek.config")), (path.name, name)
            if name.split(".")[0] == "ccxt":
                assert path.name in CCXT_FILES, (path.name, name)


def test_modules_stay_small() -> None:
    for path in PACKAGE.glob("*.py"):
        assert len(path.read_text().splitlines()) <= 420, path.name
