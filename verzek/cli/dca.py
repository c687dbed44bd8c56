"""`python -m verzek dca-plan`: compute a DCA plan and print it as JSON or a table."""

from __future__ import annotations

import argparse
import json
import re
import sys
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from verzek.domain.dca import DcaParams, DcaPlan, build_plan
from verzek.domain.margin import DEFAULT_MAINTENANCE_MARGIN_RATE
from verzek.domain.models import Side
from verzek.domain.numeric import to_decimal
from verzek.errors import InvalidInput

FLAGS = {
    "entry_price": "--entry", "base_order_usdt": "--base-order",
    "safety_order_usdt": "--safety-order", "max_safety_orders": "--max-safety-orders",
    "deviation_pct": "--deviation", "step_scale": "--step-scale",
    "volume_scale": "--volume-scale", "take_profit_pct": "--take-profit",
    "leverage": "--leverage", "maintenance_margin_rate": "--mmr",
    "max_position_usdt": "--max-investment", "price_step": "--price-step",
    "amount_step": "--amount-step",
}
# a domain message names fields ("entry_price must be …"); the command shows their flags
_FIELD_NAMES = re.compile(r"\b(" + "|".join(sorted(FLAGS, key=len, reverse=True)) + r")\b")
LEVEL_KEYS = ("level", "price", "quote", "quantity", "cumulative_quote", "average_price",
              "take_profit_price", "liquidation_price")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m verzek dca-plan",
        description="Compute a DCA plan: safety-order prices, sizes, averages, take profit and "
                    "liquidation per level. Level 0 is the base order; amounts are in USDT. "
                    "Prices, steps and every order lie within 1e-12 to 1e12; percents up to "
                    "1000; scales 0.01 to 100; leverage 1 to 125.")
    parser.add_argument("--side", required=True, choices=[s.value for s in Side])
    parser.add_argument("--entry", required=True, help="entry price of the base order")
    parser.add_argument("--base-order", required=True, help="base order size in USDT")
    parser.add_argument("--safety-order", required=True, help="first safety order in USDT")
    parser.add_argument("--max-safety-orders", required=True, type=int)
    parser.add_argument("--deviation", required=True, help="price deviation %% of level 1")
    parser.add_argument("--step-scale", default="1")
    parser.add_argument("--volume-scale", default="1")
    parser.add_argument("--take-profit", default=None, help="take profit %% from the average")
    parser.add_argument("--leverage", type=int, default=None, help="futures leverage")
    parser.add_argument("--mmr", default=str(DEFAULT_MAINTENANCE_MARGIN_RATE),
                        help="maintenance margin rate, e.g. 0.005 for 0.5%%")
    parser.add_argument("--max-investment", default=None, help="per-position cap in USDT")
    parser.add_argument("--price-step", default=None, help="exchange price tick")
    parser.add_argument("--amount-step", default=None, help="exchange amount step")
    parser.add_argument("--decimals", type=int, default=8, help="digits printed (default 8)")
    parser.add_argument("--format", choices=("json", "table"), default="json")
    return parser


def _number(value: Any, decimals: int) -> Any:
    """`value` rounded to `decimals` places as a plain numeric string (no exponent)."""
    if not isinstance(value, Decimal):
        return value
    quantum = Decimal(1).scaleb(-decimals)
    with localcontext() as ctx:
        # quantize needs every digit of the result within the precision: a large figure with
        # many decimals (a 1e24 quantity to 8 places) would otherwise raise InvalidOperation
        ctx.prec = max(ctx.prec, value.adjusted() + decimals + 2)
        text = format(value.quantize(quantum, rounding=ROUND_HALF_UP), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def plan_document(plan: DcaPlan, decimals: int) -> dict[str, Any]:
    """The JSON object the command prints."""
    levels = [
        {key: _number(getattr(level, key), decimals) for key in LEVEL_KEYS}
        | {"margin": _number(level.margin, decimals),
           "beyond_liquidation": level.beyond_liquidation}
        for level in plan.levels
    ]
    dropped = [
        {"level": d.level, "price": _number(d.price, decimals),
         "quote": _number(d.quote, decimals), "code": d.code, "reason": d.reason}
        for d in plan.dropped
    ]
    return {
        "side": plan.params.side.value,
        "levels": levels,
        "max_investment": _number(plan.max_investment, decimals),
        "max_margin": _number(plan.max_margin, decimals),
        "has_levels_beyond_liquidation": plan.has_levels_beyond_liquidation,
        "dropped_levels": dropped,
    }


def _table(document: dict[str, Any]) -> str:
    headers = ["level", "price", "quote", "quantity", "cum. quote", "average", "take profit",
               "liquidation"]
    rows = [[str(level[key]) if level[key] is not None else "-" for key in LEVEL_KEYS]
            for level in document["levels"]]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(headers)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True))]
    lines += ["  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    lines.append(f"max investment: {document['max_investment']} USDT "
                 f"(margin {document['max_margin']} USDT)")
    if document["has_levels_beyond_liquidation"]:
        lines.append("warning: some levels lie beyond the liquidation price")
    for drop in document["dropped_levels"]:
        lines.append(f"dropped level {drop['level']}: {drop['reason']}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """Parse `argv`, print the plan; 0 on success, 2 on bad input."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    try:
        if args.decimals < 0 or args.decimals > 28:
            raise InvalidInput("--decimals must be between 0 and 28")
        params = DcaParams(
            side=Side(args.side),
            entry_price=to_decimal("--entry", args.entry),
            base_order_usdt=to_decimal("--base-order", args.base_order),
            safety_order_usdt=to_decimal("--safety-order", args.safety_order),
            max_safety_orders=args.max_safety_orders,
            deviation_pct=to_decimal("--deviation", args.deviation),
            step_scale=to_decimal("--step-scale", args.step_scale),
            volume_scale=to_decimal("--volume-scale", args.volume_scale),
            take_profit_pct=_optional("--take-profit", args.take_profit),
            leverage=args.leverage,
            maintenance_margin_rate=to_decimal("--mmr", args.mmr),
            max_position_usdt=_optional("--max-investment", args.max_investment),
            price_step=_optional("--price-step", args.price_step),
            amount_step=_optional("--amount-step", args.amount_step),
        )
        plan = build_plan(params)
    except InvalidInput as error:
        print(f"error: {_error_line(error)}", file=sys.stderr)
        return 2
    document = plan_document(plan, args.decimals)
    if args.format == "table":
        print(_table(document))
    else:
        print(json.dumps(document, indent=2))
    return 0


def _error_line(error: InvalidInput) -> str:
    """The domain's message in the command's words: field names become their flags."""
    field = error.details.get("field") if isinstance(error.details, dict) else None
    flag = FLAGS.get(str(field), "")
    text = _FIELD_NAMES.sub(lambda m: FLAGS[m.group(0)], error.message)
    return text if not flag or flag in text else f"{flag}: {text}"


def _optional(name: str, value: str | None) -> Decimal | None:
    return None if value is None else to_decimal(name, value)
