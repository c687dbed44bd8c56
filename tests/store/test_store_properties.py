"""Property tests: whatever JSON-able document goes in comes back out, through disk and cache."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verzek.store.docstore import DocumentStore

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=60, deadline=None)
@given(doc=st.dictionaries(st.text(min_size=1, max_size=8).filter(lambda k: k != "schema_version"),
                           json_values, max_size=6))
def test_roundtrip_through_disk(tmp_path_factory: pytest.TempPathFactory, doc: dict) -> None:
    root = tmp_path_factory.mktemp("store")
    DocumentStore(root).write("d.json", doc)
    assert DocumentStore(root).read("d.json") == {**doc, "schema_version": 1}


@settings(max_examples=60, deadline=None)
@given(amounts=st.lists(st.decimals(allow_nan=False, allow_infinity=False, places=8,
                                    min_value=Decimal("-1e12"), max_value=Decimal("1e12")),
                        max_size=10))
def test_decimals_survive_exactly(tmp_path_factory: pytest.TempPathFactory,
                                  amounts: list[Decimal]) -> None:
    root = tmp_path_factory.mktemp("store")
    DocumentStore(root).write("d.json", {"amounts": amounts})
    doc = DocumentStore(root).read("d.json")
    assert doc is not None
    assert [Decimal(a) for a in doc["amounts"]] == amounts
