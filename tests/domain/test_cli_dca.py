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
