"""DCA under a plan: what the settings ask for, what the plan lets the engine place, and the
sentence that says the difference (the same one the risk rule and the executed decision use)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from verzek.domain.models import DcaLevel, DcaSettings, PlanName
from verzek.domain.plans import (
    PLANS,
    allowed_dca_levels,
    dca_cap_note,
    effective_dca,
    wanted_dca_levels,
)

FREE, PRO, VIP = PLANS[PlanName.FREE], PLANS[PlanName.PRO], PLANS[PlanName.VIP]
LEVELS = [DcaLevel(deviation_pct=Decimal(n), size_multiplier=Decimal(1)) for n in range(1, 6)]


@pytest.mark.parametrize("settings,wanted", [
    (DcaSettings(enabled=False, max_safety_orders=5), 0),
    (DcaSettings(enabled=True, max_safety_orders=5), 5),
    (DcaSettings(enabled=True, max_safety_orders=3, levels=LEVELS), 3),
    (DcaSettings(enabled=True, max_safety_orders=10, levels=LEVELS[:2]), 2),
    (DcaSettings(enabled=True, max_safety_orders=0), 0),
])
def test_wanted_levels(settings: DcaSettings, wanted: int) -> None:
    assert wanted_dca_levels(settings) == wanted


def test_a_plan_without_dca_turns_it_off_and_says_so() -> None:
    dca = DcaSettings(enabled=True, max_safety_orders=2)
    effective = effective_dca(dca, FREE)
    assert not effective.enabled and allowed_dca_levels(dca, FREE) == 0
    assert dca_cap_note(dca, FREE) == \
        "DCA is not part of the free plan: traded without DCA levels."
    assert dca_cap_note(DcaSettings(enabled=False), FREE) is None


def test_pro_caps_the_levels_and_says_so() -> None:
    dca = DcaSettings(enabled=True, max_safety_orders=5, levels=LEVELS)
    effective = effective_dca(dca, PRO)
    assert effective.enabled and effective.max_safety_orders == 3
    assert effective.levels == LEVELS[:3]
    assert dca_cap_note(dca, PRO) == "DCA limited to 3 of the 5 levels set: the pro plan allows 3."
    assert dca_cap_note(dca, VIP) is None and effective_dca(dca, VIP).max_safety_orders == 5
