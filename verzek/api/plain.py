"""The API's one decimal writer: every decimal answered in one plain form, guided by the
answer's documented model.

`plain_text` is the form: no exponent, at most 18 places, no zeros ending the fraction and no
point ending the number, "0" for every zero ("100", "0.0000001", "-85.649776385"). The engine
and the store hand the API dicts whose decimals are already strings, written by
`str(Decimal)` or pydantic's `mode="json"`: "1E-7", "1E+2", "100.0", "-85.649776385000000000".
The API accepts a decimal only in plain notation ("0.0000001"), and promises that a value it
answered can be sent back unchanged; `plain_answer(Model, data)` rewrites, in `data`, the
strings of the fields that `Model` types as `Decimal` (through nested models, lists and
dicts), and nothing else: a free-text field such as a reason is never touched, whatever it
holds. `schemas.plain_dump` and `schemas.canonical_decimal` write with `plain_text` too.
"""

from __future__ import annotations

import inspect
import types
import typing
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation, localcontext
from functools import cache
from typing import Annotated, Any, Union

from pydantic import BaseModel

# how to rewrite one value: DECIMAL, or (container, how to rewrite its items / the model)
Plan = Any
DECIMAL = "decimal"


MAX_DECIMALS = 18  # the most a decimal the API accepts may carry after its point
_STEP = Decimal(1).scaleb(-MAX_DECIMALS)


def plain_text(value: Decimal) -> str:
    """The one form the API writes a finite decimal in: no exponent, at most 18 places
    (rounded half even), no zeros ending the fraction and no point ending the number, and
    "0" for every zero ("-0", "0E-7", "-0.000000000000000000001"): 1E+2, 100.0 and
    100.000000000000000000 are all "100"; 5.5E+14 is "550000000000000"."""
    if not value.is_finite():
        return format(value, "f")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_DECIMALS:
        with localcontext() as context:  # room for every digit kept: 1E+30 has 31 of them
            context.prec = max(context.prec, value.adjusted() + MAX_DECIMALS + 2)
            value = value.quantize(_STEP, rounding=ROUND_HALF_EVEN)
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def plain_decimal(value: Any) -> Any:
    """A decimal, or a string holding one ('1E-7', '100.0', '-85.649776385000000000'), in
    the API's one form (`plain_text`: '0.0000001', '100', '-85.649776385'), so the value can
    be sent back and reads the same however the engine or the store wrote it; any other value
    (a word, NaN) as it is."""
    if isinstance(value, Decimal):
        return plain_text(value)
    if not isinstance(value, str):
        return value
    try:
        number = Decimal(value)
    except InvalidOperation:
        return value
    return plain_text(number) if number.is_finite() else value


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
