"""Query-string scalars: an integer parameter is decimal digits, as its schema says."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

DIGITS = re.compile(r"-?[0-9]+")
MAX_DIGITS = 20  # beyond any bound of ours; int() of a few thousand digits is refused or slow


def query_int(default: int, ge: int, le: int) -> Any:
    """An integer query parameter within [ge, le] (bounds shown in the OpenAPI document).
    "50" and "-1" (then refused by the bound) are read; "1_0", " 5", "+5", "5.0" and "٥" are
    not integers, though Python's int() would read some of them."""

    def digits(value: Any) -> Any:
        if isinstance(value, str):
            if not DIGITS.fullmatch(value):
                raise ValueError("must be a whole number written in the digits 0-9, like 50")
            if len(value.lstrip("-")) > MAX_DIGITS:
                raise ValueError(f"must be from {ge} to {le}")
        return value

    return Annotated[int, Field(default=default, ge=ge, le=le), BeforeValidator(digits)]
