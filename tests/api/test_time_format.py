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


def test_a_time_past_the_year_9999_in_utc_is_a_clear_422(client: FlaskClient,
                                                         auth: AuthActions) -> None:
    """ "9999-12-31T23:59:59-05:00" is a valid date-time, but in UTC it falls in the year 10000:
    it was a 500 (an overflow converting it) on the user's and the admin's pause."""
    user_id, headers = auth.user("far@example.com")
    for url, who in ((f"/api/users/{user_id}/pause", headers),
                     ("/api/safety/pause", auth.admin())):
        resp = client.post(url, headers=who, json={"paused": True,
                                                   "until": "9999-12-31T23:59:59-05:00"})
        assert resp.status_code == 422, resp.get_json()
        assert "9999" in str(resp.get_json()["error"]), resp.get_json()
        resp = client.post(url, headers=who, json={"paused": True,
                                                   "until": "9999-12-31T23:59:59+05:00"})
        assert resp.status_code == 200, resp.get_json()
        assert client.post(url, headers=auth.admin(), json={"paused": False}
                           ).status_code == 200
