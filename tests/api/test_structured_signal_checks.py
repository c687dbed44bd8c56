"""An admin's structured signal needs what a text needs to be read as a call: an entry (prices,
or `entry_is_market: true`) and targets or a stop (as prices or percentages). Without them it
is a 422 naming the field, and nothing is stored or traded; it used to open positions with no
stop and no targets, or buy at market when `entries` was empty.

422 and not 409 (`inconsistent_signal`): the rule is part of the body's JSON schema (an
`allOf` of `anyOf`s on `SignalIn`), so a body without them does not conform to it; a body that
conforms is a call, and Schemathesis' positive-data check still holds."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.api.conftest import ADMIN_TOKEN, TV_SECRET, AuthActions
from tests.api.helpers import snapshot
from verzek.domain.models import Side, Signal, SignalSource
from verzek.engine.signal_checks import INCOMPLETE
from verzek.errors import InvalidInput
from verzek.runtime import Runtime

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
LONG: dict[str, Any] = {"symbol": "ETH/USDT", "side": "long", "entries": ["3000"],
                        "targets": ["3100", "3200"], "stop_loss": "2900"}
NEEDS_EXIT = "a call needs targets or a stop loss"
NEEDS_ENTRY = "a call needs an entry"
OMIT = "<left out>"  # the field is not in the body at all
# what is needed is said in the field names a caller sends
NAMED = {"entries": ("entries", "entry_is_market"),
         "targets": ("targets", "target_pcts", "stop_loss", "stop_pct")}

CASES = [
    pytest.param({"targets": [], "stop_loss": None}, [("targets", NEEDS_EXIT)],
                 id="review_example_no_stop_no_targets"),
    pytest.param({"targets": OMIT, "stop_loss": OMIT}, [("targets", NEEDS_EXIT)],
                 id="both_left_out"),
    pytest.param({"entries": []}, [("entries", NEEDS_ENTRY)], id="empty_entries"),
    pytest.param({"entries": [], "entry_is_market": False}, [("entries", NEEDS_ENTRY)],
                 id="empty_entries_not_market"),
    pytest.param({"entries": OMIT}, [("entries", NEEDS_ENTRY)], id="entries_left_out"),
    pytest.param({"entries": [], "targets": [], "stop_loss": None},
                 [("entries", NEEDS_ENTRY), ("targets", NEEDS_EXIT)], id="neither"),
]


def _trader(client: FlaskClient, auth: AuthActions) -> str:
    """A demo user who trades every call, and a price for ETH."""
    user_id, headers = auth.user("incomplete@example.com")
    assert client.put(f"/api/users/{user_id}/settings/general", headers=headers,
                      json={"mode": "demo", "auto_trade": True}).status_code == 200
    assert client.put("/api/demo/prices", headers=ADMIN,
                      json={"prices": {"ETH/USDT": 3000}}).status_code == 200
    return user_id


def _signal(change: dict[str, Any]) -> dict[str, Any]:
    """LONG with `change` applied (OMIT leaves the field out)."""
    return {k: v for k, v in {**LONG, **change}.items() if v != OMIT}


@pytest.mark.parametrize("form", ["flat", "structured"])
@pytest.mark.parametrize(("change", "missing"), CASES)
def test_a_structured_call_without_entry_or_exits_is_a_422_naming_the_field(
        client: FlaskClient, auth: AuthActions, runtime: Runtime, form: str,
        change: dict[str, Any], missing: list[tuple[str, str]]) -> None:
    user_id = _trader(client, auth)
    signal = _signal(change)
    body = signal if form == "flat" else {"signal": signal}
    before = snapshot(runtime.settings.data_dir)
    resp = client.post("/api/signals", headers=ADMIN, json=body)
    assert resp.status_code == 422, resp.get_json()
    error = resp.get_json()["error"]
    assert error["code"] == "validation_error"
    prefix = [] if form == "flat" else ["signal"]
    errors = error["details"]["errors"]
    assert [e["loc"] for e in errors] == [[*prefix, field] for field, _ in missing]
    assert all(e["type"] == INCOMPLETE for e in errors)
    for (field, needed), told in zip(missing, errors, strict=True):
        assert told["msg"].startswith(needed), told
        assert all(name in told["msg"] for name in NAMED[field]), told
    assert snapshot(runtime.settings.data_dir) == before  # nothing stored, nothing traded
    assert client.get("/api/signals", headers=ADMIN).get_json()["total"] == 0
    assert client.get(f"/api/users/{user_id}/positions", headers=ADMIN).get_json()["total"] == 0


def test_the_text_reader_reads_the_same_calls_as_noise(client: FlaskClient,
                                                        auth: AuthActions) -> None:
    """The rule is the reader's: the text forms of the refused calls are no trade either, and
    the structured ones are now refused as they are."""
    _trader(client, auth)
    for text, why, field in (("#ETH/USDT LONG\nEntry: 3000", "neither targets nor a stop loss",
                              "targets"),
                             ("#ETH/USDT LONG\nTarget: 3100\nStop: 2900",
                              "no entry price or market entry", "entries")):
        read = client.post("/api/parser", headers=ADMIN, json={"text": text}).get_json()
        assert read["kind"] == "noise" and read["invalid_reason"] == why
        structured = {"symbol": "ETH/USDT", "side": "long"}
        if field == "targets":
            structured["entries"] = ["3000"]
        else:
            structured.update(targets=["3100"], stop_loss="2900")
        resp = client.post("/api/signals", headers=ADMIN, json=structured)
        assert resp.status_code == 422, resp.get_json()
        assert resp.get_json()["error"]["details"]["errors"][0]["loc"] == [field]


@pytest.mark.parametrize(("complete", "without"), [
    pytest.param({"entries": [], "entry_is_market": True}, "entry_is_market",
                 id="market_entry"),
    pytest.param({"targets": [], "stop_loss": "2900"}, "stop_loss", id="stop_only"),
    pytest.param({"targets": ["3100"], "stop_loss": None}, "targets", id="targets_only"),
    pytest.param({"entries": [], "entry_is_market": True, "targets": [], "stop_loss": None,
                  "stop_pct": 3}, "stop_pct", id="market_entry_stop_pct"),
    pytest.param({"targets": [], "stop_loss": None, "target_pcts": [2, 4]}, "target_pcts",
                 id="target_pcts"),
])
def test_the_one_part_that_completes_a_call_decides_between_422_and_a_trade(
        client: FlaskClient, auth: AuthActions, complete: dict[str, Any],
        without: str) -> None:
    """Each form a call's entry or exit may take is enough (a market entry, a stop or
    targets alone, percentages): the call trades; without it, it is refused."""
    _trader(client, auth)
    call = {**LONG, **complete}
    lacking = {k: v for k, v in call.items() if k != without}
    resp = client.post("/api/signals", headers=ADMIN, json={"signal": lacking})
    assert resp.status_code == 422, resp.get_json()
    assert client.get("/api/signals", headers=ADMIN).get_json()["total"] == 0
    resp = client.post("/api/signals", headers=ADMIN, json={"signal": call})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["kind"] == "signal"
    assert [d["outcome"] for d in resp.get_json()["decisions"]] == ["executed"]


def test_the_webhook_refuses_an_incomplete_structured_alert(
        client: FlaskClient, auth: AuthActions, runtime: Runtime) -> None:
    user_id = _trader(client, auth)
    before = snapshot(runtime.settings.data_dir)
    resp = client.post(f"/api/webhooks/tradingview/{TV_SECRET}",
                       json={**LONG, "targets": [], "stop_loss": None})
    assert resp.status_code == 422, resp.get_json()
    assert resp.get_json()["error"]["details"]["errors"][0]["loc"] == ["targets"]
    assert snapshot(runtime.settings.data_dir) == before
    assert client.get(f"/api/users/{user_id}/positions", headers=ADMIN).get_json()["total"] == 0


def test_the_schema_states_what_a_call_needs(client: FlaskClient) -> None:
    schema = client.get("/openapi.json").get_json()["components"]["schemas"]["SignalIn"]
    entry, exits = schema["allOf"]
    assert {tuple(o["required"]) for o in entry["anyOf"]} == {
        ("entries",), ("entry_is_market",), ("entry_trigger",)}
    assert {tuple(o["required"]) for o in exits["anyOf"]} == {
        ("targets",), ("stop_loss",), ("target_pcts",), ("stop_pct",)}


def test_the_engine_refuses_an_explicit_incomplete_call(runtime: Runtime) -> None:
    """Whoever asks the engine to refuse untradeable calls gets the same rule."""
    signal = Signal(symbol="ETH/USDT", side=Side.LONG, entries=[Decimal("3000")])
    with pytest.raises(InvalidInput) as raised:
        runtime.trading.submit_signal(signal, SignalSource(kind="api"), refuse_invalid=True)
    assert raised.value.code == INCOMPLETE and raised.value.details["field"] == "targets"
    assert runtime.trading.recent_signals(10, 0) == []


def test_an_empty_body_is_said_in_words_not_by_class_name(client: FlaskClient) -> None:
    for headers in ({"Authorization": f"Bearer {ADMIN_TOKEN}"},
                    {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "text/plain"}):
        resp = client.post("/api/signals", headers=headers, data=b"")
        assert resp.status_code == 422, resp.get_json()
        (error,) = resp.get_json()["error"]["details"]["errors"]
        assert error["msg"] == "the body must be a JSON object (it is missing or empty)"
        assert "SignalIn" not in resp.get_data(as_text=True)
