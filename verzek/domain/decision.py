"""The answer of every risk rule and safety check: allowed or not, a machine code, a sentence."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from verzek.errors import TradingBlocked


@dataclass(frozen=True, slots=True)
class Decision:
    """One rule's verdict; `code` is stable for machines, `message` is shown to the user."""

    allowed: bool
    code: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def allow(cls, code: str, message: str, **details: Any) -> Decision:
        """A passing verdict."""
        return cls(True, code, message, dict(details))

    @classmethod
    def deny(cls, code: str, message: str, **details: Any) -> Decision:
        """A refusing verdict."""
        return cls(False, code, message, dict(details))

    def raise_if_denied(self) -> None:
        """Raise TradingBlocked carrying this decision's code and message when refused."""
        if not self.allowed:
            raise TradingBlocked(self.message, code=self.code, details=self.details or None)

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form, for a signal record's per-user decisions."""
        return {
            "allowed": self.allowed,
            "code": self.code,
            "message": self.message,
            "details": {key: _jsonable(value) for key, value in self.details.items()},
        }


def _jsonable(value: Any) -> Any:
    """Decimals as strings (exact), times as ISO-8601, sequences element-wise."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return str(value)
