"""Repositories: load and save domain models through the document store and journals.

Per-tenant data lives in one file per tenant (`users/<id>.json`, `positions/<id>.json`), so a
write costs what that tenant holds. Closed positions move to `history/<user id>.jsonl`.
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from verzek.domain.models import Position, PositionStatus, User
from verzek.errors import Conflict, InvalidInput, NotFound
from verzek.store.docstore import DocumentStore
from verzek.store.journal import Journal
from verzek.store.journal_check import FolderCheck, VerifiedJournals

logger = logging.getLogger(__name__)


def _check_id(value: str) -> str:
    if not value or len(value) > 64 or not all(c.isalnum() or c in "-_" for c in value):
        raise NotFound("no such resource")
    return value


def email_key(email: str) -> str:
    """How e-mails are compared: NFC (RFC 6532: "ü" precomposed or as "u" and a combining
    mark is one address) and case-insensitively."""
    return unicodedata.normalize("NFC", email).lower()


MAX_FORMER_EMAILS = 100  # e-mail changes per user: a user's document stays small


class UserRepository:
    """Users, one document each; an e-mail index kept in memory."""

    FOLDER = "users"

    def __init__(self, store: DocumentStore) -> None:
        self.store = store
        self._email_index: dict[str, str] = {}
        # e-mails of deleted users, and those users changed away from: they had their trial
        self._used_emails: set[str] = set()
        self._index_lock = threading.Lock()
        for _, doc in store.iter_docs(self.FOLDER):
            if not doc.get("deleted"):
                self._email_index[email_key(str(doc["email"]))] = str(doc["id"])
            else:
                self._used_emails.add(email_key(str(doc["email"])))
            self._used_emails.update(email_key(str(e)) for e in doc.get("former_emails", ()))

    def _rel(self, user_id: str) -> str:
        return f"{self.FOLDER}/{_check_id(user_id)}.json"

    def get(self, user_id: str) -> User:
        doc = self.store.read_shared(self._rel(user_id))
        if doc is None or doc.get("deleted"):
            raise NotFound("no such user")
        return User.model_validate(doc)

    def find(self, user_id: str) -> User | None:
        try:
            return self.get(user_id)
        except NotFound:
            return None

    def by_email(self, email: str) -> User | None:
        user_id = self._email_index.get(email_key(email))
        return self.find(user_id) if user_id else None

    def had_account_before(self, email: str) -> bool:
        """Whether a deleted user had this e-mail, or a user changed away from it (a new
        account with it gets no new trial: changing the e-mail, then signing up again with
        the old one, or deleting the account, gave one as often as one liked)."""
        return email_key(email) in self._used_emails

    def ids(self) -> list[str]:
        return [Path(rel).stem for rel in self.store.list(self.FOLDER)]

    def all(self) -> Iterator[User]:
        for _, doc in self.store.iter_docs(self.FOLDER):
            if not doc.get("deleted"):
                yield User.model_validate(doc)

    def create(self, user: User) -> User:
        with self._index_lock:
            key = email_key(user.email)
            if key in self._email_index:
                raise Conflict("a user with this e-mail exists already", code="email_taken")
            if self.store.exists(self._rel(user.id)):
                raise Conflict("a user with this id exists already")
            self.store.write(self._rel(user.id), user.model_dump(mode="json"))
            self._email_index[key] = user.id
        return user

    def update(self, user_id: str, fn: Callable[[User], User]) -> User:
        """Read-modify-write one user under its lock; `fn` returns the new user."""
        result: list[User] = []

        def apply(doc: dict[str, Any] | None) -> dict[str, Any]:
            if doc is None or doc.get("deleted"):
                raise NotFound("no such user")
            before = User.model_validate(doc)
            after = fn(before)
            if after.id != before.id:
                raise InvalidInput("a user's id cannot change")
            if email_key(after.email) != email_key(before.email):
                kept = [e for e in before.former_emails
                        if email_key(e) != email_key(after.email)]
                if len(kept) >= MAX_FORMER_EMAILS:
                    # the oldest dropped would be free for a new trial after a restart
                    raise Conflict("this account's e-mail was changed too many times; ask "
                                   "support to change it", code="email_changes_exhausted")
                after = after.model_copy(update={"former_emails": [*kept, before.email]})
            result.append(after)
            return after.model_dump(mode="json")

        with self._index_lock:
            old = self.get(user_id)
            self.store.update(self._rel(user_id), apply)
            new = result[0]
            if email_key(new.email) != email_key(old.email):
                self._email_index.pop(email_key(old.email), None)
                self._email_index[email_key(new.email)] = new.id
                self._used_emails.add(email_key(old.email))
            if new.deleted:
                self._email_index.pop(email_key(new.email), None)
                self._used_emails.add(email_key(new.email))
        return new


class PositionRepository:
    """Open positions per user in `positions/<user id>.json`; closed ones in a history journal."""

    FOLDER = "positions"
    HISTORY = "history"

    def __init__(self, store: DocumentStore) -> None:
        self.store = store
        self._journals: dict[str, Journal] = {}
        self._journals_lock = threading.Lock()
        self._archived: dict[str, set[str]] = {}
        self._verified = VerifiedJournals(store.root / self.HISTORY, fileops=store.fileops)

    def check_history(self) -> FolderCheck:
        """At start: check every history journal (a torn last record is cut and reported; a
        bad record elsewhere raises CorruptFile naming the file), not only those used later."""
        return self._verified.check()

    def _rel(self, user_id: str) -> str:
        return f"{self.FOLDER}/{_check_id(user_id)}.json"

    def history(self, user_id: str) -> Journal:
        with self._journals_lock:
            journal = self._journals.get(user_id)
            if journal is None:
                path = self.store.root / self.HISTORY / f"{_check_id(user_id)}.jsonl"
                journal = self._journals[user_id] = Journal(
                    path, fileops=self.store.fileops, on_fault=self.store.note_fault)
            return journal

    def open_positions(self, user_id: str) -> list[Position]:
        return [Position.model_validate(p) for p in self.open_raw(user_id)]

    def open_raw(self, user_id: str) -> list[dict[str, Any]]:
        """The stored open positions of a user as read-only dicts (hot read path)."""
        doc = self.store.read_shared(self._rel(user_id))
        if not doc:
            return []
        return [p for p in doc["positions"] if p.get("status") != PositionStatus.CLOSED]

    def user_ids(self) -> list[str]:
        return [Path(rel).stem for rel in self.store.list(self.FOLDER)]

    def closed_positions(self, user_id: str) -> list[Position]:
        path = self.store.root / self.HISTORY / f"{_check_id(user_id)}.jsonl"
        if not path.exists():
            return []
        return [Position.model_validate(r["position"]) for r in self.history(user_id).read()]

    def is_archived(self, user_id: str, position_id: str) -> bool:
        """Whether the position was closed and moved to the history (it never reopens)."""
        with self.store.lock(self._rel(user_id)):
            return position_id in self._archived_ids(user_id)

    def get(self, user_id: str, position_id: str) -> Position:
        for position in self.open_positions(user_id):
            if position.id == position_id:
                return position
        for position in self.closed_positions(user_id):
            if position.id == position_id:
                return position
        raise NotFound("no such position")

    def save(self, position: Position) -> None:
        """Insert or replace an open position; a closed one moves to the history journal."""
        self.mutate(position.user_id, lambda positions: _replace(positions, position))

    def mutate(
        self, user_id: str, fn: Callable[[list[Position]], list[Position]],
    ) -> list[Position]:
        """Read-modify-write the user's open positions; closed ones are moved to history.

        A close is made durable in three steps — the document with the closed position, the
        history record, the document without it — so a crash between any two is repaired by
        `recover` at start and no position is lost or listed twice.
        """
        rel = self._rel(user_id)
        with self.store.lock(rel):
            doc = self.store.read_shared(rel)
            current = [Position.model_validate(p) for p in (doc or {}).get("positions", [])]
            open_before = [p for p in current if p.status != PositionStatus.CLOSED]
            open_ids = {p.id for p in open_before}
            updated = fn(open_before)
            for p in updated:
                if p.user_id != user_id:
                    raise InvalidInput("a position belongs to its user's file only")
                if p.status != PositionStatus.CLOSED and p.id not in open_ids and \
                        p.id in self._archived_ids(user_id):
                    # A closed position never comes back: its id, and its orders' client
                    # ids, belong to the history record.
                    raise Conflict(f"position {p.id} is closed; it cannot be reopened",
                                   code="position_closed")
            keep = [p for p in updated if p.status != PositionStatus.CLOSED]
            # A closed position is archived once: when it was open here, or never archived.
            closed = [p for p in updated if p.status == PositionStatus.CLOSED and (
                p.id in open_ids or p.id not in self._archived_ids(user_id))]
            updated = keep + closed
            if closed:
                self._write(rel, updated)
                self._archive(user_id, closed)
            self._write(rel, keep)
        return keep

    def _write(self, rel: str, positions: list[Position]) -> None:
        self.store.write(rel, {"positions": [p.model_dump(mode="json") for p in positions]})

    def _archive(self, user_id: str, closed: list[Position]) -> None:
        self.history(user_id).append_many(
            {"position": p.model_dump(mode="json")} for p in closed
        )
        self._archived_ids(user_id).update(p.id for p in closed)

    def _archived_ids(self, user_id: str) -> set[str]:
        ids = self._archived.get(user_id)
        if ids is None:
            ids = self._archived[user_id] = {p.id for p in self.closed_positions(user_id)}
        return ids

    def recover(self) -> int:
        """Finish closes a crash interrupted: archive what is missing, drop what is archived."""
        repaired = 0
        for user_id in self.user_ids():
            rel = self._rel(user_id)
            doc = self.store.read_shared(rel) or {}
            closed = [Position.model_validate(p) for p in doc.get("positions", [])
                      if p.get("status") == PositionStatus.CLOSED]
            if not closed:
                continue
            archived = {p.id for p in self.closed_positions(user_id)}
            missing = [p for p in closed if p.id not in archived]
            with self.store.lock(rel):
                if missing:
                    self._archive(user_id, missing)
                keep = [Position.model_validate(p) for p in doc.get("positions", [])
                        if p.get("status") != PositionStatus.CLOSED]
                self._write(rel, keep)
            repaired += len(closed)
        return repaired

    def close_journals(self) -> None:
        """Close the history journals opened in this run and remember them as known good."""
        with self._journals_lock:
            for journal in self._journals.values():
                journal.close()
            intact = [j.path for j in self._journals.values() if j.intact]
            self._journals.clear()
        try:
            self._verified.remember(intact)
        except OSError as exc:  # only a cache: the next start reads these journals again
            logger.warning("could not record the checked history journals: %s", exc)


def _replace(positions: list[Position], position: Position) -> list[Position]:
    out = [p for p in positions if p.id != position.id]
    out.append(position)
    return out
