"""The answer of every risk rule and safety check: allowed or not, a machine code, a sentence."""

from __future__ import annotations

from dataclasses import dataclass, field
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
            "details": {k: str(v) for k, v in self.details.items()},
        }
