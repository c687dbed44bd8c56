"""Property tests: any price and coin rendered through any layout parses back to itself."""

from __future__ import annotations

import random
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.signals.corpus_eval import SIGNAL_FIELDS, _as_expected, signal_fields
from tests.signals.templates import COINS, TEMPLATES, expected, fmt, make_spec
from verzek.signals import content_hash, keywords, parse_message
from verzek.signals.numbers import read_token
from verzek.signals.symbols import NOT_COINS

_WORDS = {"AT", "X", "BE", "PERP", "ISO", "CROSS", "LEV", "ISOLATED", "ISOLATE", "SPOT", "NOW",
          "CMP", "MARKET", "MUA", "BAN", "DCA", "FUTURES", "FUTURE", "PERPS"}


def _usable_base(base: str) -> bool:
    """A random ticker that is not also a keyword of the layouts (no channel writes those)."""
    low = base.lower()
    return not (
        base in NOT_COINS or base in _WORDS
        or keywords.FIELD_RE.fullmatch(low) or keywords.SIDE_RE.fullmatch(low)
        or base.endswith(("USD", "USDT", "USDC", "BUSD")) or base.startswith(("USD", "TP", "SL"))
    )


bases = st.one_of(
    st.sampled_from(COINS),
    st.from_regex(r"(?:1000|1)?[A-Z]{2,7}", fullmatch=True).filter(_usable_base),
)
# 0.00001000 .. 99990: five significant digits at every scale the issue names.
scales = st.builds(
    lambda mantissa, exponent: Decimal(mantissa).scaleb(exponent),
    st.integers(1000, 9999), st.integers(-8, 1),
)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(template=st.sampled_from(TEMPLATES), base=bases, scale=scales, seed=st.integers(0, 2**32))
def test_every_template_parses_back_to_its_spec(
    template: object, base: str, scale: Decimal, seed: int
) -> None:
    spec = make_spec(random.Random(seed), template, base, scale)  # type: ignore[arg-type]
    text = template.render(spec)  # type: ignore[attr-defined]
    result = parse_message(text)
    assert result.kind == "signal", (text, result.invalid_reason)
    want = expected(template, spec)  # type: ignore[arg-type]
    got = signal_fields(result)
    for name in SIGNAL_FIELDS:
        assert got[name] == _as_expected(name, want[name]), (name, text)


@given(st.decimals(min_value=Decimal("0.00000001"), max_value=Decimal("999999"), places=8,
                   allow_nan=False, allow_infinity=False))
def test_numbers_read_back_exactly_with_thousands_separators(value: Decimal) -> None:
    if value <= 0:
        return
    plain = format(value.normalize(), "f")
    read = read_token(fmt(plain, "thousands"))
    assert read is not None and not isinstance(read, list)
    assert read.value == Decimal(plain)


@given(st.text(max_size=400))
def test_any_text_parses_without_raising(text: str) -> None:
    result = parse_message(text)
    assert result.kind in ("signal", "update", "noise")
    if result.signal is not None:
        assert result.signal.entries or result.signal.entry_is_market


@given(st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=200))
def test_content_hash_ignores_case_spacing_and_emoji(text: str) -> None:
    variant = "🚀 " + "  ".join(text.upper().split()) + " ✅\n"
    if text.upper().lower() == text.lower():  # case folding is not reversible for every letter
        assert content_hash(variant) == content_hash(text)


@given(st.text(max_size=200), st.sampled_from(["\x00", "\x07", "\x1b", "\x7f", "\x85"]))
def test_content_hash_ignores_control_characters(text: str, control: str) -> None:
    """A copy with a NUL (or another control character) appended or inside is the same
    message: it must not trade again."""
    assert content_hash(text + control) == content_hash(text)
    assert content_hash(control + text) == content_hash(text)
