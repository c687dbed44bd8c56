"""Timestamps are stored in UTC whatever offset they arrive with."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from verzek.domain.models import Fill


def _fill(at: object) -> Fill:
    return Fill.model_validate({"trade_id": "t1", "client_order_id": "c1", "price": "100",
                                "quantity": "1", "at": at})


def test_an_offset_timestamp_is_converted_to_utc() -> None:
    plus_two = datetime(2026, 11, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    fill = _fill(plus_two)
    assert fill.at == datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    assert fill.at.utcoffset() == timedelta(0)
    assert fill.model_dump(mode="json")["at"].startswith("2026-11-01T12:00:00")


def test_an_offset_string_is_converted_to_utc() -> None:
    fill = _fill("2026-11-01T14:00:00+02:00")
    assert fill.at == datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    assert fill.at.utcoffset() == timedelta(0)


def test_a_naive_timestamp_is_refused() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        _fill(datetime(2026, 11, 1, 12, 0))
