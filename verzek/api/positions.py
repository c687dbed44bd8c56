"""Positions: every user's (admin) and a user's own, filtered and paginated in a stable order
(`position_rows`); one with its orders and fills; a manual close. An open position is answered
with its mark price and unrealised PnL from the price monitor's last prices. The list is the
hot read path: cached dicts, no model per row, no exchange call."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from flask import Response, jsonify
from pydantic import BaseModel, Field, create_model

from verzek.api.auth import admin_only, require_admin, require_owner
from verzek.api.context import ctx
from verzek.api.plain import plain_answer
from verzek.api.position_rows import MARK_FIELDS, marks_of, ordered, with_mark
from verzek.api.query import query_int
from verzek.api.schemas import (
    ID_PATTERN,
    SECURITY,
    QueryModel,
    UserPath,
    api_blueprint,
    plain_dump,
)
from verzek.domain.models import ExchangeName, Position
from verzek.errors import NotFound

api = api_blueprint("positions", "/api", "trades in progress and done")
SUMMARY_SKIP = frozenset({"orders", "fills"})
StatusFilter = Literal["active", "all", "pending", "open", "partially_closed", "closed"]
IdStr = Annotated[str, Field(pattern=ID_PATTERN)]

PositionSummary: type[BaseModel] = create_model(
    "PositionSummary",
    **{name: (info.annotation, info) for name, info in Position.model_fields.items()
       if name not in SUMMARY_SKIP},  # type: ignore[call-overload]
    **MARK_FIELDS,
)
PositionOut: type[BaseModel] = create_model(
    "PositionOut", __base__=Position, __doc__="A position with its orders and fills; an open "
    "one with its mark price and unrealised PnL.", **MARK_FIELDS)
ORDER_NOTE = ("Order: positions not yet closed oldest first (`opened_at`, then `id`), closed "
              "ones newest first (`closed_at` descending, then `id`); with `status=all` the "
              "ones not yet closed come first. An open position carries `mark_price` and "
              "`unrealised_pnl_usdt` from the price monitor's last prices (null while it has "
              "no fresh price).")


class PositionQuery(QueryModel):
    status: StatusFilter = "active"
    symbol: str | None = Field(default=None, max_length=40)
    exchange: ExchangeName | None = None
    limit: query_int(50, 1, 500)  # type: ignore[valid-type]
    offset: query_int(0, 0, 10**9)  # type: ignore[valid-type]


class AdminPositionQuery(PositionQuery):
    user_id: IdStr | None = None


class PositionPath(BaseModel):
    user_id: IdStr
    position_id: IdStr


class PositionPage(BaseModel):
    items: list[PositionSummary]  # type: ignore[valid-type]
    total: int
    limit: int
    offset: int


def _rows(user_id: str, status: StatusFilter) -> list[dict[str, Any]]:
    repo = ctx().runtime.positions
    rows: list[dict[str, Any]] = []
    if status != "closed":
        rows = repo.open_raw(user_id)
        if status not in ("active", "all"):
            rows = [p for p in rows if p.get("status") == status]
    if status in ("closed", "all"):
        rows = rows + [plain_dump(p) for p in repo.closed_positions(user_id)]
    return rows


def _matches(row: dict[str, Any], query: PositionQuery) -> bool:
    return ((query.symbol is None or row.get("symbol") == query.symbol
             or (":" not in query.symbol  # "BTC/USDT" names the perpetual BTC/USDT:USDT too
                 and str(row.get("symbol", "")).partition(":")[0] == query.symbol))
            and (query.exchange is None or row.get("exchange") == query.exchange.value))


class _Summaries:
    """Row summaries (no orders, no fills) remembered per stored row: the store replaces a
    row's dict when it rewrites the document, so identity says when a summary is stale."""

    def __init__(self, size: int = 100_000) -> None:
        self._by_id: dict[int, tuple[dict[str, Any], dict[str, Any]]] = {}
        self._size = size

    def of(self, row: dict[str, Any]) -> dict[str, Any]:
        hit = self._by_id.get(id(row))
        if hit is not None and hit[0] is row:
            return hit[1]
        summary = plain_answer(PositionSummary,
                               {k: v for k, v in row.items() if k not in SUMMARY_SKIP})
        if len(self._by_id) >= self._size:
            self._by_id.clear()
        self._by_id[id(row)] = (row, summary)  # holding `row` keeps its id from being reused
        return summary


_summaries = _Summaries()


def _page(rows: list[dict[str, Any]], query: PositionQuery) -> Response:
    if query.symbol is not None or query.exchange is not None:
        rows = [r for r in rows if _matches(r, query)]
    rows = ordered(rows)
    page = rows[query.offset:query.offset + query.limit]
    marks = marks_of(page)
    items = [with_mark(_summaries.of(row), marks.get(row["id"])) for row in page]
    return jsonify({"items": items, "total": len(rows), "limit": query.limit,
                    "offset": query.offset})


@api.get("/positions", responses={200: PositionPage}, security=SECURITY,
         description=ORDER_NOTE)
@admin_only
def list_all_positions(query: AdminPositionQuery) -> Response:
    """Positions of every user (or one), filtered by status, symbol and exchange (admin)."""
    require_admin()
    if query.user_id is not None:
        require_owner(query.user_id)
        user_ids = [query.user_id]
    else:
        user_ids = sorted(ctx().accounts.users.ids())
    rows: list[dict[str, Any]] = []
    for user_id in user_ids:
        rows.extend(_rows(user_id, query.status))
    return _page(rows, query)


@api.get("/users/<user_id>/positions", responses={200: PositionPage}, security=SECURITY,
         description=ORDER_NOTE)
def list_positions(path: UserPath, query: PositionQuery) -> Response:
    """The user's positions (default: not yet closed), filtered and paginated."""
    require_owner(path.user_id)
    return _page(_rows(path.user_id, query.status), query)


@api.get("/users/<user_id>/positions/<position_id>", responses={200: PositionOut},
         security=SECURITY)
def get_position(path: PositionPath) -> Response:
    """One position with its orders and fills; an open one with its mark price and
    unrealised PnL (null while the price monitor has no fresh price)."""
    require_owner(path.user_id)
    for row in ctx().runtime.positions.open_raw(path.user_id):
        if row.get("id") == path.position_id:
            return jsonify(with_mark(plain_answer(Position, row),
                                     marks_of([row]).get(row["id"])))
    for position in ctx().runtime.positions.closed_positions(path.user_id):
        if position.id == path.position_id:
            return jsonify(with_mark(plain_dump(position), None))
    raise NotFound("no such position")


@api.post("/users/<user_id>/positions/<position_id>/close", responses={200: Position},
          security=SECURITY)
def close_position(path: PositionPath) -> Response:
    """Close the position at market now (manual close)."""
    require_owner(path.user_id)
    position = ctx().trading.close_position(path.user_id, path.position_id)
    return jsonify(plain_dump(position))
