"""`python -m verzek dca-plan`: the JSON document, the table and bad input."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from verzek.__main__ import main as verzek_main
from verzek.cli.dca import main

D = Decimal
EXAMPLE = ["--side", "long", "--entry", "100", "--base-order", "100", "--safety-order", "50",
           "--max-safety-orders", "5", "--deviation", "1.5", "--step-scale", "1.2",
           "--volume-scale", "1.5", "--take-profit", "2"]
KEYS = {"level", "price", "quote", "quantity", "cumulative_quote", "average_price",
        "take_profit_price", "liquidation_price"}


def run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def r2(value: str) -> Decimal:
    return D(value).quantize(D("0.01"))


def test_worked_example_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, EXAMPLE)
    assert code == 0
    doc = json.loads(out)
    levels = doc["levels"]
    assert [lv["level"] for lv in levels] == [0, 1, 2, 3, 4, 5]
    assert set(levels[0]) >= KEYS
    assert [r2(lv["price"]) for lv in levels[1:]] == [
        D("98.50"), D("96.70"), D("94.54"), D("91.95"), D("88.84")]
    assert r2(levels[1]["average_price"]) in (D("99.49"), D("99.50"))
    assert [r2(lv["average_price"]) for lv in levels[2:]] == [
        D("98.55"), D("97.17"), D("95.37"), D("93.09")]
    assert r2(levels[-1]["take_profit_price"]) == D("94.95")
    assert r2(doc["max_investment"]) == D("759.38")
    assert doc["dropped_levels"] == []
    assert levels[0]["liquidation_price"] is None


def test_leverage_and_cap(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, [*EXAMPLE, "--leverage", "10", "--max-investment", "500"])
    assert code == 0
    doc = json.loads(out)
    assert D(doc["max_investment"]) == D("337.5")
    assert [d["level"] for d in doc["dropped_levels"]] == [4, 5]
    assert D(doc["levels"][0]["liquidation_price"]) == D("90.5")


def test_table_format(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, [*EXAMPLE, "--format", "table"])
    assert code == 0
    assert "take profit" in out and "88.8376" in out and "max investment: 759.375" in out


def test_dispatcher_runs_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert verzek_main(["dca-plan", *EXAMPLE]) == 0
    assert json.loads(capsys.readouterr().out)["levels"]


@pytest.mark.parametrize("flag,value", [("--entry", "nan"), ("--entry", "-5"),
                                        ("--deviation", "0"), ("--base-order", "inf"),
                                        ("--take-profit", "abc")])
def test_bad_input_exits_2_with_a_message(capsys: pytest.CaptureFixture[str], flag: str,
                                          value: str) -> None:
    argv = list(EXAMPLE)
    argv[argv.index(flag) + 1] = value
    code, out, err = run(capsys, argv)
    assert code == 2 and out == "" and flag in err


def test_missing_argument_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, ["--side", "long"])
    assert code == 2 and "required" in err


# --- large, tiny and overflowing inputs: a one-line error naming the flag, or a correct plan --

def with_flags(**changes: str) -> list[str]:
    """The worked example with some flags changed or added (`entry="1e20"` sets --entry), as
    `--flag=value` so that a value such as -1e400 is not read as a flag."""
    values = dict(zip(EXAMPLE[::2], EXAMPLE[1::2], strict=True))
    values.update({"--" + key.replace("_", "-"): value for key, value in changes.items()})
    return [f"{flag}={value}" for flag, value in values.items()]


def assert_clear_error(code: int, out: str, err: str, *flags: str) -> None:
    assert code == 2 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err and "InvalidOperation" not in err
    for flag in flags:
        assert flag in err


@pytest.mark.parametrize("changes,flag,accepted", [
    ({"entry": "1e20"}, "--entry", "between 1e-12 and 1e+12"),
    ({"entry": "1e30"}, "--entry", "between 1e-12 and 1e+12"),
    ({"entry": "1e400"}, "--entry", "between 1e-12 and 1e+12"),
    ({"entry": "1e-30"}, "--entry", "between 1e-12 and 1e+12"),
    ({"base_order": "1e22"}, "--base-order", "between 1e-12 and 1e+12"),
    ({"safety_order": "1e-13"}, "--safety-order", "between 1e-12 and 1e+12"),
    ({"volume_scale": "2", "max_safety_orders": "70"}, "--volume-scale",
     "between 1e-12 and 1e+12 USDT"),
    ({"volume_scale": "0.01", "max_safety_orders": "10"}, "--volume-scale",
     "between 1e-12 and 1e+12 USDT"),
    ({"volume_scale": "1e400"}, "--volume-scale", "between 0.01 and 100"),
    ({"step_scale": "1e-5"}, "--step-scale", "between 0.01 and 100"),
    ({"deviation": "1e999999999"}, "--deviation", "at most 1000"),
    ({"take_profit": "5000"}, "--take-profit", "at most 1000"),
    ({"side": "short", "take_profit": "100"}, "--take-profit", "below 100 for a short"),
    ({"leverage": "126"}, "--leverage", "between 1 and 125"),
    ({"price_step": "1e13"}, "--price-step", "between 1e-12 and 1e+12"),
    ({"amount_step": "1e-13"}, "--amount-step", "between 1e-12 and 1e+12"),
    ({"max_safety_orders": "101"}, "--max-safety-orders", "at most 100"),
])
def test_out_of_range_inputs_exit_2_naming_the_flag_and_the_range(
    capsys: pytest.CaptureFixture[str], changes: dict[str, str], flag: str, accepted: str
) -> None:
    code, out, err = run(capsys, with_flags(**changes))
    assert_clear_error(code, out, err, flag, accepted)


def test_a_compounding_volume_scale_names_both_flags(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, with_flags(volume_scale="2", max_safety_orders="70"))
    assert_clear_error(code, out, err, "--volume-scale", "--max-safety-orders",
                       "safety order 70")


def test_the_range_limits_themselves_are_computed(capsys: pytest.CaptureFixture[str]) -> None:
    # the smallest price with the largest order: a 1e24 quantity printed to 28 places
    code, out, _ = run(capsys, with_flags(entry="1e-12", base_order="1e12", safety_order="1e12",
                                          max_safety_orders="0", decimals="28"))
    assert code == 0
    (level,) = json.loads(out)["levels"]
    assert level["price"] == "0.000000000001"
    assert level["quantity"] == "1000000000000000000000000"
    code, out, _ = run(capsys, with_flags(entry="1e12", base_order="1e-12",
                                          safety_order="1e-12", decimals="28"))
    assert code == 0
    levels = json.loads(out)["levels"]
    assert D(levels[0]["quantity"]) == D("1e-24")
    assert D(levels[-1]["price"]) == D("1e12") * (1 - D("11.1624") / 100)


def test_trigger_prices_outside_the_range_drop_the_rest(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, with_flags(side="short", entry="1e12", deviation="1000",
                                          step_scale="100", volume_scale="1",
                                          max_safety_orders="100"))
    assert code == 0
    doc = json.loads(out)
    assert [lv["level"] for lv in doc["levels"]] == [0]
    assert doc["dropped_levels"][0]["code"] == "price_out_of_range"
    assert len(doc["dropped_levels"]) == 100


EXTREMES = ["1e-400", "-1e400", "0", "1e-30", "1e-13", "1e-12", "0.5", "1e12", "1e13", "1e30",
            "1e400", "9" * 60]


@pytest.mark.parametrize("flag", ["entry", "base_order", "safety_order", "deviation",
                                  "step_scale", "volume_scale", "take_profit", "max_investment",
                                  "price_step", "amount_step", "mmr"])
@pytest.mark.parametrize("side", ["long", "short"])
def test_no_value_of_any_flag_ends_in_a_traceback(
    capsys: pytest.CaptureFixture[str], flag: str, side: str
) -> None:
    for value in EXTREMES:
        for extra in ({}, {"max_safety_orders": "100", "volume_scale": "1", "leverage": "125",
                           "decimals": "28"}):
            code, out, err = run(capsys, with_flags(**{"side": side, **extra, flag: value}))
            if code == 0:
                assert json.loads(out)["levels"] is not None
            else:
                assert_clear_error(code, out, err, "--" + flag.replace("_", "-"))


def test_number_formatting_never_overflows() -> None:
    from verzek.cli.dca import _number

    assert _number(D("1e24"), 8) == "1000000000000000000000000"
    assert _number(D("1e-24"), 8) == "0"
    assert _number(D("123456789012345678901234.5678901234"), 28).startswith("1234567890123")
