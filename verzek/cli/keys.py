"""`python -m verzek keys rotate`: re-encrypt every stored exchange secret under the primary key.

Run it after putting a new key first in VERZEK_MASTER_KEYS (keep the old ones after it until the
rotation has finished). It takes the data-directory lock, so the service must be stopped. All
tokens are rotated in memory first — one that no configured key opens stops the run before any
file changes — then each user document is replaced atomically. A run cut short leaves every
document readable (old or new token, both open with the configured keys); run it again.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from typing import Any

from verzek.config import load_settings
from verzek.errors import VerzekError
from verzek.store.docstore import DocumentStore
from verzek.store.lock import DataDirLock
from verzek.store.secrets import SecretBox

USERS = "users"


def rotate_all(store: DocumentStore, box: SecretBox) -> tuple[int, int]:
    """(users rewritten, secrets rotated); raises SecretError before writing if one fails."""
    planned: dict[str, dict[str, str]] = {}  # user doc -> {old token: new token}
    for rel, doc in store.iter_docs(USERS):
        tokens = [a.get("credentials_ciphertext") for a in doc.get("exchange_accounts", [])]
        mapping = {t: box.rotate(t) for t in tokens if t}
        if mapping:
            planned[rel] = mapping
    rotated = 0

    def apply(mapping: dict[str, str]) -> Any:
        def fn(doc: dict[str, Any] | None) -> dict[str, Any] | None:
            nonlocal rotated
            if doc is None:
                return None
            for account in doc.get("exchange_accounts", []):
                token = account.get("credentials_ciphertext")
                if token in mapping:
                    account["credentials_ciphertext"] = mapping[token]
                    rotated += 1
            return doc
        return fn

    for rel, mapping in planned.items():
        store.update(rel, apply(mapping))
    return len(planned), rotated


def main(argv: list[str], environ: Mapping[str, str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m verzek keys")
    parser.add_argument("action", choices=["rotate"])
    parser.parse_args(argv)
    try:
        settings = load_settings(environ, dotenv=environ is None)
        keys = [k.get_secret_value() for k in settings.master_keys]
        if not keys:
            print("VERZEK_MASTER_KEYS is not set: nothing to rotate to", file=sys.stderr)
            return 2
        lock = DataDirLock(settings.data_dir)
        lock.acquire()
        try:
            store = DocumentStore(settings.data_dir)
            users, secrets = rotate_all(store, SecretBox(keys))
        finally:
            lock.release()
    except VerzekError as exc:
        print(f"keys rotate failed: {exc.message}", file=sys.stderr)
        return 1
    print(f"rotated {secrets} secret(s) in {users} user document(s) under the primary key")
    return 0
