"""Resting entries that should stop waiting: unfilled after the user's `entry_ttl_h`, or (with
nothing filled yet) the price reached the call's first target first, so filling now would
enter after the move the call was about; and a cancel asked before (the channel's, the kill
switch's, an expiry's) that the exchange did not confirm, asked again.

Decided on the stored position dict (the monitor's cheap pass reads those), so a pass over
thousands of positions builds no model for the ones that keep waiting.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from verzek.domain.models import StrategySettings
from verzek.engine.tracker import LIVE_VALUES

_ACTIVE = ("pending", "open", "partially_closed")
_DEFAULTS = StrategySettings()  # for a stored user document written before these settings


def stale_entry(raw: dict[str, Any], strategy: dict[str, Any], price: Decimal | None,
                now: datetime) -> str | None:
    """Why the position's resting entry orders should be cancelled now (in words), or None.

    `raw` is the stored position (JSON form), `strategy` the owner's strategy settings (JSON
    form; missing keys take the defaults)."""
    extra = raw.get("extra") or {}
    if raw.get("status") == "pending" and extra.get("cancel_pending"):
        return str(extra["cancel_pending"])  # asked before, the exchange did not confirm
    if raw.get("status") not in _ACTIVE or extra.get("entry_trigger"):
        return None  # closed, or a breakout's wait (it has its own expiry)
    if not any(o["leg"].startswith("entry") and o["status"] in LIVE_VALUES
               for o in raw.get("orders", ())):
        return None
    ttl_h = strategy.get("entry_ttl_h", _DEFAULTS.entry_ttl_h)
    if ttl_h is not None:
        opened = raw["opened_at"]
        opened_at = opened if isinstance(opened, datetime) else datetime.fromisoformat(opened)
        if now >= opened_at + timedelta(hours=int(ttl_h)):
            return f"the entry was not filled within {ttl_h} h"
    targets = raw.get("targets") or []
    if raw["status"] == "pending" and price is not None and targets and \
            strategy.get("cancel_entry_at_target", _DEFAULTS.cancel_entry_at_target):
        first = Decimal(str(targets[0]["price"]))
        if price >= first if raw["side"] == "long" else price <= first:
            return f"the price reached target 1 ({first}) before the entry filled"
    return None
