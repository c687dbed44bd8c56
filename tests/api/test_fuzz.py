"""Schemathesis in-process over /openapi.json with every check on, as an admin and as a user;
and the served routes equal the documented ones."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from flask.testing import FlaskClient
from schemathesis import engine
from schemathesis.engine import events
from schemathesis.transport import wsgi as st_wsgi

from tests.api.conftest import ADMIN_TOKEN, AuthActions

MAX_EXAMPLES = 10
_send = st_wsgi.WSGITransport.send


def _send_in_process(self: Any, case: Any, *, session: Any = None, **kwargs: Any) -> Any:
    # Schemathesis 4.32 hands socket-level options (max_redirects, ...) to werkzeug's client,
    # which refuses them; they mean nothing in-process.
    for name in ("max_redirects", "verify", "cert", "proxies"):
        kwargs.pop(name, None)
    return _send(self, case, session=session, **kwargs)


st_wsgi.WSGITransport.send = _send_in_process  # type: ignore[method-assign]


@dataclass
class FuzzSummary:
    operations: set[str] = field(default_factory=set)
    cases: int = 0
    failures: list[str] = field(default_factory=list)


def run_schemathesis(app: Any, token: str, user_id: str) -> FuzzSummary:
    """Every phase (examples, coverage, fuzzing, stateful) with every check, bounded."""
    # The run pins `user_id` to one live user; deleting that user would turn every later
    # request into a 404 (tested in test_users.py instead).
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app).exclude(
        method="DELETE", path="/api/users/{user_id}")
    schema.config.update(headers={"Authorization": token}, parameters={"user_id": user_id})
    schema.config.checks.update(included_check_names=["all"])
    schema.config.generation.update(max_examples=MAX_EXAMPLES, deterministic=True)
    summary = FuzzSummary()
    for event in engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            summary.operations.add(event.recorder.label)
            summary.cases += len(event.recorder.cases)
            for case_id, checks in event.recorder.checks.items():
                for check in checks:
                    if check.status == engine.Status.FAILURE and check.failure_info:
                        request = event.recorder.interactions.get(case_id)
                        sent = (f"{request.request.method} {request.request.uri} "
                                f"{(request.request.body or b'')[:300]!r} -> "
                                f"{(request.response.content if request.response else b'')[:300]!r}"
                                if request else "?")
                        summary.failures.append(f"{event.recorder.label} {check.name}: "
                                                f"{check.failure_info.failure.title} ({sent}) "
                                                f"{check.failure_info.failure.message[:400]}")
        elif isinstance(event, events.NonFatalError | events.FatalError):
            summary.failures.append(f"error: {event}")
    return summary


@pytest.mark.slow
@pytest.mark.parametrize("who", ["admin", "user"])
def test_schemathesis_finds_nothing(who: str, app: Any, auth: AuthActions) -> None:
    user_id, headers = auth.user("fuzz@example.com")
    token = f"Bearer {ADMIN_TOKEN}" if who == "admin" else headers["Authorization"]
    summary = run_schemathesis(app, token, user_id)
    print(f"schemathesis as {who}: {len(summary.operations)} scenarios, "
          f"{summary.cases} cases, {len(summary.failures)} failures")
    assert summary.cases > 500
    assert summary.failures == []


def test_served_routes_equal_documented(app: Any, client: FlaskClient) -> None:
    doc = client.get("/openapi.json").get_json()
    documented = {(path, method.upper()) for path, ops in doc["paths"].items()
                  for method in ops}
    served: set[tuple[str, str]] = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.rule.startswith("/docs") \
                or rule.rule == "/openapi.json":
            continue
        path = rule.rule.replace("<", "{").replace(">", "}")
        served |= {(path, m) for m in rule.methods or () if m not in ("HEAD", "OPTIONS")}
    assert served == documented
