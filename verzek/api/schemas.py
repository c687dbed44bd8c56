"""Shared request/response types of the API: strict scalars whose JSON schema says exactly what
is accepted, the error body, pagination, and strict API twins of domain input models."""

from __future__ import annotations

import re
import types
import typing
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Annotated, Any, Literal, Union

import annotated_types
from flask_openapi3 import APIBlueprint, Tag
from flask_openapi3.types import ResponseDict
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    RootModel,
    StrictBool,
    StrictStr,
    WithJsonSchema,
    create_model,
)
from pydantic.fields import FieldInfo

from verzek.api.plain import plain_text
from verzek.api.query import query_int
from verzek.domain.dca_bounds import MAX_ORDER_USDT, MIN_ORDER_USDT

ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
MAX_DECIMAL = Decimal("1e15")  # exclusive: at most 15 integer digits, as the string form
MAX_FRACTION_DIGITS = 18
SMALLEST_STEP = Decimal(1).scaleb(-MAX_FRACTION_DIGITS)
MAX_WHOLE = 10**18  # integers beyond any bound we have are refused before int() is called


class ApiModel(BaseModel):
    """Base of every API request model: unknown fields refused, NaN/Infinity refused."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


# Money and other decimals: a JSON number, or a plain decimal string (as the API answers them,
# so a value read can be sent back); no exponents, at most 15 integer and 18 fraction digits.
SIGNED_DECIMAL = r"^-?[0-9]{1,15}(\.[0-9]{1,18})?$"
NON_NEG_DECIMAL = r"^[0-9]{1,15}(\.[0-9]{1,18})?$"
POSITIVE_DECIMAL = r"^(0*[1-9][0-9]{0,14}(\.[0-9]{1,18})?|0{1,15}\.[0-9]{0,17}[1-9][0-9]{0,17})$"


def canonical_decimal(dec: Decimal) -> Decimal:
    """`dec` as the API writes it (`plain.plain_text`): no exponent (1E+2 -> 100), rounded to
    18 fraction digits, no zeros ending the fraction (100.0 -> 100), and 0 for every zero; so
    what is stored is answered in the plain form the API accepts back."""
    return Decimal(plain_text(dec))


def _number(minimum: Decimal | None, exclusive: bool, pattern: str,
            maximum: tuple[int, bool] | None = None) -> Any:
    """A decimal as a JSON number or a plain decimal string; `maximum` is (bound, exclusive),
    and `pattern` must state it too for the string form."""
    kind = ("a decimal number" if minimum is None else
            "a number above 0" if exclusive else f"a number of {minimum:f} or more")
    if maximum is not None:
        kind += f" and {'below' if maximum[1] else 'at most'} {maximum[0]}"
    form = (f"must be {kind}, written plainly (like \"2.5\": no exponent, at most 15 digits "
            "before the point and 18 after)")

    def check(value: Any) -> Decimal:
        if isinstance(value, str):
            if not re.fullmatch(pattern, value):
                raise ValueError(form)
            return canonical_decimal(Decimal(value))  # "100.0" is stored as 100
        if isinstance(value, bool) or not isinstance(value, int | Decimal | float):
            raise ValueError("must be a JSON number or a decimal string")
        dec = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
        if not dec.is_finite():
            raise ValueError("must be a finite number")
        if abs(dec) >= MAX_DECIMAL:
            raise ValueError(f"must be less than {MAX_DECIMAL:f} in size")
        dec = canonical_decimal(dec)
        if abs(dec) >= MAX_DECIMAL:  # 999999999999999.9999999999999999999 rounds up to it
            raise ValueError(f"must be less than {MAX_DECIMAL:f} in size")
        if minimum is not None and exclusive and dec < SMALLEST_STEP:
            raise ValueError(f"must be > 0 (at least {SMALLEST_STEP:f})")
        if minimum is not None and not exclusive and dec < minimum:
            raise ValueError(f"must be > 0 (at least {minimum:f})" if minimum > 0
                             else f"must be >= {minimum:f}")
        if maximum is not None and (dec >= maximum[0] if maximum[1] else dec > maximum[0]):
            raise ValueError(f"must be {'below' if maximum[1] else 'at most'} {maximum[0]}")
        return dec

    number: dict[str, Any] = {"type": "number", "exclusiveMaximum": int(MAX_DECIMAL)}
    if maximum is not None:
        number.pop("exclusiveMaximum")
        number["exclusiveMaximum" if maximum[1] else "maximum"] = maximum[0]
    if minimum is None:
        number["exclusiveMinimum"] = -int(MAX_DECIMAL)
    elif exclusive:  # a positive number: the smallest step a decimal string can state
        number["minimum"] = float(SMALLEST_STEP)
    else:
        number["minimum"] = int(minimum) if minimum == minimum.to_integral_value() \
            else float(minimum)
    schema = {"anyOf": [number, {"type": "string", "pattern": pattern}]}
    return Annotated[Decimal, BeforeValidator(check), WithJsonSchema(schema)]


ApiDecimal = _number(None, False, SIGNED_DECIMAL)
ApiPositiveDecimal = _number(Decimal(0), True, POSITIVE_DECIMAL)
ApiNonNegDecimal = _number(Decimal(0), False, NON_NEG_DECIMAL)
# a percentage above 0: below 100 (a move of the price) or at most 100 (a share)
_PCT_SMALL = r"0{1,15}\.[0-9]{0,17}[1-9][0-9]{0,17}"
ApiPriceMovePct = _number(Decimal(0), True, rf"^(0*[1-9][0-9]?(\.[0-9]{{1,18}})?|{_PCT_SMALL})$",
                          (100, True))
ApiSharePct = _number(Decimal(0), True,
                      rf"^(0*[1-9][0-9]?(\.[0-9]{{1,18}})?|0*100(\.0{{1,18}})?|{_PCT_SMALL})$",
                      (100, False))

# An amount of USDT a setting holds (`*_usdt`: a position's size, a safety order, a cap on
# them): every one ends up as, or bounds, an order, and the engine orders 1e-12 … 1e12 USDT
# (`verzek.domain.dca_bounds`; beyond it the DCA planner refuses every signal); so the API
# refuses where it is set what the engine could never trade.
# The string form: below 1 a digit other than 0 within the first 12 places (1e-12 = 10^-12);
# from 1, at most 12 digits before the point (below 1e12), or 1e12 itself.
_FRACTION_FROM_MIN = "|".join(f"{'0' * k}[1-9][0-9]{{0,{MAX_FRACTION_DIGITS - 1 - k}}}"
                              for k in range(-MIN_ORDER_USDT.adjusted()))
USDT_AMOUNT = (rf"^(0*[1-9][0-9]{{0,{MAX_ORDER_USDT.adjusted() - 1}}}(\.[0-9]{{1,18}})?"
               rf"|0*{int(MAX_ORDER_USDT)}(\.0{{1,18}})?|0{{1,15}}\.({_FRACTION_FROM_MIN}))$")
ApiUsdtAmount = _number(MIN_ORDER_USDT, False, USDT_AMOUNT, (int(MAX_ORDER_USDT), False))


def _whole_number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | Decimal | float):
        raise ValueError("must be a JSON integer")
    if isinstance(value, Decimal | float):
        if not -MAX_WHOLE < value < MAX_WHOLE:  # also NaN; int(1.5e999999) takes a minute
            raise ValueError(f"must be less than {MAX_WHOLE} in size")
        if value != value.to_integral_value() if isinstance(value, Decimal) \
                else not float(value).is_integer():
            raise ValueError("must be a whole number")
        return int(value)
    return value


ApiInt = Annotated[int, BeforeValidator(_whole_number)]


# put after the bounds: `Annotated[int, Field(ge=1), WholeNumber]` (a JSON integer, no bools)
WholeNumber = BeforeValidator(_whole_number)


def _strict_datetime(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError("must be an ISO-8601 date-time string with a timezone")
    return value


def _in_utc(value: datetime) -> datetime:
    """The time in UTC; one that falls outside years 1-9999 there ("9999-12-31T23:59:59-05:00")
    is refused here, not met as an overflow further in."""
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("must fall within the years 1 to 9999 in UTC") from None


ApiDatetime = Annotated[AwareDatetime, BeforeValidator(_strict_datetime), AfterValidator(_in_utc)]
IdStr = Annotated[str, Field(pattern=ID_PATTERN)]

# One line a person typed (a name, a label, a reason): no control characters (C0, DEL and C1,
# whose \x85 is a line break) nor the Unicode line and paragraph separators, which would forge
# log lines, garble Telegram messages and split the text in a JavaScript app; nor the bidi
# embedding, override and isolate controls, which show a name to an admin reversed
# ("\u202egnp.exe" reads "exe.png").
LINE_PATTERN = r"^[^\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]*$"
MAX_TEXT_LENGTH = 100  # a string field of a domain model without a bound of its own
MAX_LIST_ITEMS = 500  # a list field of a domain model without a bound of its own


def _finite_float(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError("must be a JSON number")
    return float(value)


def plain_dump(model: BaseModel) -> Any:
    """`model.model_dump(mode="json")` with every Decimal in plain notation ("0.0000001", not
    pydantic's "1E-7"): the form the API accepts back."""
    return _plain(model.model_dump(mode="python"), model.model_dump(mode="json"))


def _plain(python: Any, json_value: Any) -> Any:
    if isinstance(python, Decimal):
        return plain_text(python)
    if isinstance(python, dict) and isinstance(json_value, dict):
        return {key: _plain(p, j) for (key, j), p in zip(json_value.items(), python.values(),
                                                          strict=True)}
    if isinstance(python, list | tuple) and isinstance(json_value, list):
        return [_plain(p, j) for p, j in zip(python, json_value, strict=True)]
    return json_value


# --- errors and pages -------------------------------------------------------------------------


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorResponse(BaseModel):
    """Every error: `{"error": {"code", "message", "details"}}`."""

    error: ErrorDetail


ERROR_STATUSES = (400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 500, 502, 503)
ERROR_RESPONSES: ResponseDict = {s: ErrorResponse for s in ERROR_STATUSES}
SECURITY: list[dict[str, list[str]]] = [{"bearerAuth": []}]


class QueryModel(BaseModel):
    """Query-string models: unknown parameters ignored; the JSON schema computed once
    (flask-openapi3 asks for it on every request)."""

    model_config = ConfigDict(extra="ignore")

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        if args or kwargs:
            return super().model_json_schema(*args, **kwargs)
        cached = _SCHEMA_CACHE.get(cls)
        if cached is None:  # the per-request call: read-only by flask-openapi3
            cached = _SCHEMA_CACHE[cls] = super().model_json_schema()
        return cached


_SCHEMA_CACHE: dict[type, dict[str, Any]] = {}


class PageQuery(QueryModel):
    limit: query_int(50, 1, 500)  # type: ignore[valid-type]
    offset: query_int(0, 0, 10**9)  # type: ignore[valid-type]


class UserPath(BaseModel):
    user_id: IdStr


class Deleted(BaseModel):
    deleted: bool = True


class AnyObject(BaseModel):
    """A JSON object whose fields the engine owns."""

    model_config = ConfigDict(extra="allow")


# --- strict twins of domain models ------------------------------------------------------------


def _validator_names(metadata: list[Any]) -> set[str]:
    return {getattr(m.func, "__name__", "") for m in metadata if isinstance(m, AfterValidator)}


NUMERIC_BOUNDS = (annotated_types.Ge, annotated_types.Le, annotated_types.Gt,
                  annotated_types.Lt, annotated_types.MultipleOf)


def _strict_type(annotation: Any, metadata: list[Any], positive: Any = ApiPositiveDecimal) -> Any:
    """The strict API type for a domain annotation (Decimal → JSON number with its bounds,
    int/bool/str → no coercion, nested models → their strict twin); numeric bounds of the
    field are moved onto the scalar so the JSON schema shows them. `positive` is the type of
    a positive decimal without an upper bound (`ApiUsdtAmount` for an amount of USDT)."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        base, *meta = typing.get_args(annotation)
        return _strict_type(base, [*metadata, *meta], positive)
    bounds = [m for m in metadata if isinstance(m, NUMERIC_BOUNDS)]
    if annotation is Decimal:
        names = _validator_names(metadata)
        upper = [b for b in bounds if isinstance(b, annotated_types.Lt | annotated_types.Le)]
        if "_positive" in names and upper:
            if upper[0] == annotated_types.Lt(100):
                return ApiPriceMovePct
            if upper[0] == annotated_types.Le(100):
                return ApiSharePct
            raise TypeError(f"no API type for a positive decimal bounded by {upper[0]}")
        if "_positive" in names:
            return positive
        if "_non_negative" in names:
            return ApiNonNegDecimal
        return ApiDecimal
    if annotation is bool:
        return StrictBool
    if annotation is int:
        return Annotated[(int, *bounds, BeforeValidator(_whole_number))]
    if annotation is str:
        return Annotated[StrictStr, Field(max_length=MAX_TEXT_LENGTH, pattern=LINE_PATTERN)]
    if annotation is float:
        return Annotated[(float, *bounds, BeforeValidator(_finite_float))]
    if annotation is datetime:
        return ApiDatetime
    if origin in (Union, types.UnionType):
        args = tuple(_strict_type(a, bounds if a is not type(None) else [], positive)
                     for a in typing.get_args(annotation))
        return Union[args]  # noqa: UP007 - built from a tuple at run time
    if origin is list:
        (item,) = typing.get_args(annotation)
        return Annotated[list[_strict_type(item, [], positive)],  # type: ignore[misc]
                         Field(max_length=MAX_LIST_ITEMS)]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return strict_twin(annotation)
    if origin is Literal or (isinstance(annotation, type) and issubclass(annotation, Enum)):
        return annotation
    return annotation


@cache
def strict_twin(model: type[BaseModel]) -> type[ApiModel]:
    """An API model with the fields, defaults and bounds of `model`, validated strictly; a
    positive amount of USDT (a field named `*_usdt`) within what the engine can order."""
    fields: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        positive = ApiUsdtAmount if name.endswith("_usdt") else ApiPositiveDecimal
        strict = _strict_type(info.annotation, list(info.metadata), positive)
        kept = [m for m in info.metadata
                if not isinstance(m, (AfterValidator, *NUMERIC_BOUNDS))]
        new_info = FieldInfo.merge_field_infos(info, annotation=strict)
        new_info.metadata = kept
        fields[name] = (strict, new_info)
    twin = create_model(model.__name__ + "In", __base__=ApiModel, **fields)
    return twin  # type: ignore[return-value]


def api_blueprint(name: str, prefix: str, description: str) -> APIBlueprint:
    """A resource's blueprint; every operation documents the JSON error answers."""
    return APIBlueprint(name, "verzek.api", url_prefix=prefix,
                        abp_tags=[Tag(name=name, description=description)],
                        abp_responses=ERROR_RESPONSES)


def _api_models(cls: type[BaseModel] = ApiModel) -> dict[str, type[BaseModel]]:
    found: dict[str, type[BaseModel]] = {}
    for sub in cls.__subclasses__():
        found[sub.__name__] = sub
        found.update(_api_models(sub))
    return found


@cache
def tagged_union_bodies() -> frozenset[str]:
    """The request bodies that are a tagged union (the API's `RootModel[A | B]`, asked for once
    every module is imported): each of their errors' loc starts with the member's tag."""
    found: set[str] = set()
    stack: list[type] = [RootModel]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith("verzek.api."):
            found.add(cls.__name__)
    return frozenset(found)


def restore_request_schemas(doc: dict[str, Any]) -> None:
    """Put back the JSON-schema keywords flask-openapi3's Schema model drops (propertyNames,
    patternProperties, ...) so the document states exactly what a request model accepts."""
    schemas = doc.get("components", {}).get("schemas", {})
    models = _api_models()
    for name in list(schemas):
        model = models.get(name)
        if model is not None:
            full = model.model_json_schema(ref_template="#/components/schemas/{model}")
            full.pop("$defs", None)
            schemas[name] = full
