"""Every service process a reliability test started is gone when the test ends, pass or
fail: an orphan would go on writing into a data directory a later test reuses."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.reliability.campaign import RUNNING


@pytest.fixture(autouse=True)
def _no_orphan_services() -> Iterator[None]:
    yield
    while RUNNING:
        RUNNING.pop().ensure_dead()
