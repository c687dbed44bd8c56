"""Every time the API answers is written one way, ISO 8601 in UTC ending in "Z" (as pydantic
writes the models' times): a user's `created_at` said "+00:00" beside its subscription's "Z"
in the same object, and the login's `expires_at` did too."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from tests.api.conftest import AuthActions

UTC_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$")


def _times(doc: Any) -> list[str]:
    """Every string in `doc` that looks like a time (a date, a T, a clock)."""
    if isinstance(doc, dict):
        return [t for v in doc.values() for t in _times(v)]
    if isinstance(doc, list):
        return [t for v in doc for t in _times(v)]
    return [doc] if isinstance(doc, str) and re.match(r"^\d{4}-\d\d-\d\dT\d\d:", doc) else []


def test_user_login_and_subscription_times_end_in_z(client: FlaskClient,
                                                    auth: AuthActions) -> None:
    created = auth.create_user("times@example.com")
    login = auth.login("times@example.com")
    assert UTC_Z.match(login["expires_at"]), login
    user = client.get(f"/api/users/{created['id']}", headers=auth.admin()).get_json()
    listed = client.get("/api/users", headers=auth.admin()).get_json()
    times = _times(created) + _times(user) + _times(listed)
    assert len(times) >= 4
    assert all(UTC_Z.match(t) for t in times), times
