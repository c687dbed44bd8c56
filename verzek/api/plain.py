"""Decimals in answers in plain notation, guided by the answer's documented model.

The engine and the store hand the API dicts whose decimals are already strings, written by
`str(Decimal)` or pydantic's `mode="json"`: "1E-7", "1E+2". The API accepts a decimal only
in plain notation ("0.0000001"), and promises that a value it answered can be sent back
unchanged; `plain_answer(Model, data)` rewrites, in `data`, the strings of the fields that
`Model` types as `Decimal` (through nested models, lists and dicts), and nothing else: a
free-text field such as a reason is never touched, whatever it holds.
"""

from __future__ import annotations

import inspect
import types
import typing
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Annotated, Any, Union

from pydantic import BaseModel

# how to rewrite one value: DECIMAL, or (container, how to rewrite its items / the model)
Plan = Any
DECIMAL = "decimal"


MAX_DECIMALS = 18  # the most a decimal the API accepts may carry after its point


def plain_decimal(value: Any) -> Any:
    """'1E-7' -> '0.0000001', '1E+2' -> '100', and at most 18 decimals ('9957.4468645000000000
    00000000' -> '9957.4468645'), so the value can be sent back; any other value as it is."""
    if isinstance(value, Decimal):
        return _at_most_18(format(value, "f")) if value.is_finite() else format(value, "f")
    if not isinstance(value, str):
        return value
    if "E" not in value and "e" not in value:
        return _at_most_18(value)
    try:
        number = Decimal(value)
    except InvalidOperation:
        return value
    return _at_most_18(format(number, "f")) if number.is_finite() else value


def _at_most_18(text: str) -> str:
    """A plain decimal with more than 18 decimals rounded to 18 (half even), then without
    the zeros that end it."""
    point = text.find(".")
    if point < 0 or len(text) - point - 1 <= MAX_DECIMALS:
        return text
    try:
        number = Decimal(text).quantize(Decimal(1).scaleb(-MAX_DECIMALS))
    except InvalidOperation:
        return text
    return "0" if number == 0 else format(number, "f").rstrip("0").rstrip(".")


def _plan_of(annotation: Any) -> Plan | None:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is Annotated:
        return _plan_of(args[0])
    if annotation is Decimal:
        return DECIMAL
    if origin in (Union, types.UnionType):  # Decimal | None, Decimal | float, Model | None
        plans = [p for p in (_plan_of(a) for a in args) if p is not None]
        return plans[0] if plans else None
    if origin in (list, tuple, set, frozenset) and args:
        item = _plan_of(args[0])
        return None if item is None else ("list", item)
    if origin is dict and len(args) == 2:
        item = _plan_of(args[1])
        return None if item is None else ("dict", item)
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        return ("model", annotation) if _fields_plan(annotation) else None
    return None


@cache
def _fields_plan(model: type[BaseModel]) -> tuple[tuple[str, Plan], ...]:
    fields = []
    for name, info in model.model_fields.items():
        plan = _plan_of(info.annotation)
        if plan is not None:
            fields.append((info.alias or name, plan))
    return tuple(fields)


def _apply(plan: Plan, value: Any) -> Any:
    if plan == DECIMAL:
        return plain_decimal(value)
    kind, inner = plan
    if kind == "list" and isinstance(value, list):
        return [_apply(inner, item) for item in value]
    if kind == "dict" and isinstance(value, dict):
        return {key: _apply(inner, item) for key, item in value.items()}
    if kind == "model" and isinstance(value, dict):
        return plain_answer(inner, value)
    return value


def plain_answer(model: type[BaseModel], data: dict[str, Any]) -> dict[str, Any]:
    """`data` (not changed) with the decimals of `model`'s fields in plain notation; `data`
    itself when none needed it."""
    out: dict[str, Any] | None = None
    for name, plan in _fields_plan(model):
        if name not in data or data[name] is None:
            continue
        value = _apply(plan, data[name])
        if value != data[name] or type(value) is not type(data[name]):
            if out is None:
                out = dict(data)
            out[name] = value
    return data if out is None else out
