"""Encryption at rest of users' exchange credentials (MultiFernet, primary key first).

The envelope binds the ciphertext to its owner: the user id and exchange are inside the
encrypted payload and are checked on decryption, so a token copied to another user's record
does not decrypt for them.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from verzek.errors import SecretError
from verzek.logs import register_secret
from verzek.store.fileops import FileOps, atomic_write

logger = logging.getLogger(__name__)

DEMO_KEY_FILE = "demo-master.key"


class SecretBox:
    """Encrypts and decrypts credential payloads for one (user, exchange) pair."""

    def __init__(self, keys: list[str], *, generated: bool = False) -> None:
        if not keys:
            raise SecretError("no master key configured")
        try:
            self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])
        except (ValueError, TypeError):
            raise SecretError("a master key is not a valid Fernet key") from None
        self.generated = generated  # True: demo key kept in the data dir, not for live keys

    @property
    def allows_live_credentials(self) -> bool:
        """Live exchange keys may be stored only under a key kept outside the data dir."""
        return not self.generated

    def encrypt(self, user_id: str, exchange: str, payload: dict[str, Any]) -> str:
        for value in payload.values():
            if isinstance(value, str):
                register_secret(value)
        envelope = {"u": user_id, "x": exchange, "p": payload}
        return self._fernet.encrypt(json.dumps(envelope).encode()).decode()

    def decrypt(self, token: str, user_id: str, exchange: str) -> dict[str, Any]:
        try:
            envelope = json.loads(self._fernet.decrypt(token.encode()))
        except (InvalidToken, ValueError):
            raise SecretError(
                "stored credentials cannot be decrypted with the configured master keys"
            ) from None
        if envelope.get("u") != user_id or envelope.get("x") != exchange:
            raise SecretError("stored credentials belong to another account")
        payload: dict[str, Any] = envelope["p"]
        for value in payload.values():
            if isinstance(value, str):
                register_secret(value)
        return payload

    def rotate(self, token: str) -> str:
        """The same secret re-encrypted under the primary key."""
        try:
            return self._fernet.rotate(token.encode()).decode()
        except InvalidToken:
            raise SecretError("a stored secret cannot be decrypted with any master key") from None


def open_secret_box(master_keys: list[str], data_dir: Path, *,
                    fileops: FileOps | None = None) -> SecretBox:
    """The configured keys; without any, a generated demo key kept in the data directory.

    The demo key is written crash-safely (temp file, fsync, rename, folder fsync; mode 0600):
    a crash leaves no key file or the whole key, never an empty one. A key file that is there
    but holds no valid key stops the start (SecretError naming the file).
    """
    if master_keys:
        return SecretBox(master_keys)
    key_path = Path(data_dir) / DEMO_KEY_FILE
    if key_path.exists():
        key = _read_demo_key(key_path)
    else:
        key = Fernet.generate_key().decode()
        atomic_write(key_path, key.encode() + b"\n", fileops=fileops, mode=0o600)
    logger.warning(
        "VERZEK_MASTER_KEYS is not set: using a generated DEMO key in %s. Live exchange "
        "credentials will be refused until VERZEK_MASTER_KEYS is set outside the data directory.",
        key_path,
    )
    return SecretBox([key], generated=True)


def _read_demo_key(key_path: Path) -> str:
    try:
        key = key_path.read_bytes().decode("ascii", "replace").strip()
    except OSError as exc:
        problem = f"cannot be read ({exc.strerror})"
    else:
        if not key:
            problem = "is empty"
        else:
            try:
                Fernet(key.encode())
                return key
            except (ValueError, TypeError):
                problem = "holds no valid Fernet key"
    raise SecretError(
        f"the demo master key file {key_path} {problem}. Restore it from a backup of the data "
        "directory; or, if no exchange keys were stored under it, delete it and a new demo key "
        "is generated at the next start (secrets stored under the old key can then no longer "
        "be decrypted); or set VERZEK_MASTER_KEYS",
        details={"file": str(key_path)},
    )
