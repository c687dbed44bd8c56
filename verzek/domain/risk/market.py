"""Rules on the signal itself: symbol lists, cooldown, duplicate, staleness, price collar."""

from __future__ import annotations

from decimal import Decimal

from verzek.domain.decision import Decision
from verzek.domain.exits import is_crossed
from verzek.domain.models import Side
from verzek.domain.risk.context import RiskContext

HUNDRED = Decimal(100)


def normalise_symbol(symbol: str) -> str:
    """BTC/USDT, btc-usdt, BTCUSDT, " btc/usdt " and BTC/USDT:USDT all become BTCUSDT."""
    head = "".join(symbol.split(":")[0].split())  # spaces too
    return head.replace("/", "").replace("-", "").replace("_", "").upper()


def _base_and_pair(symbol: str) -> tuple[str, str]:
    """("XRP", "XRPUSDT") for XRP/USDT or XRP/USDT:USDT; a symbol without a separator is its
    own base."""
    pair = normalise_symbol(symbol)
    head = symbol.split(":")[0]
    for separator in ("/", "-", "_"):
        if separator in head:
            return head.split(separator)[0].strip().upper(), pair
    return pair, pair


def symbol_matches(entry: str, symbol: str) -> bool:
    """Whether a whitelist or blacklist entry names `symbol` (BASE/QUOTE). A pair ("XRP/USDT",
    "xrp-usdt", "XRP/USDT:USDT") matches that pair on spot and perpetual alike; an entry with
    no separator matches the coin against any quote ("XRP") or the pair written together
    ("XRPUSDT"): which one it is needs no list of quote currencies."""
    base, pair = _base_and_pair(symbol)
    wanted = normalise_symbol(entry)
    if not wanted:
        return False
    head = entry.split(":")[0]
    if any(separator in head for separator in ("/", "-", "_")):
        return wanted == pair
    return wanted in (base, pair)


def symbol_allowed(ctx: RiskContext) -> Decision:
    """The symbol is on the whitelist (when one is set) and not on the blacklist; an entry
    is a coin ("XRP": against any quote) or a pair ("XRP/USDT"), see `symbol_matches`."""
    risk = ctx.user.settings.risk
    symbol = ctx.signal.symbol
    listed = next((entry.strip() for entry in risk.symbol_blacklist
                   if symbol_matches(entry, symbol)), None)
    if listed is not None:
        return Decision.deny("symbol_blacklisted", f"{symbol} is on your blacklist ({listed}).",
                             entry=listed)
    whitelist = [entry.strip() for entry in risk.symbol_whitelist if normalise_symbol(entry)]
    if whitelist and not any(symbol_matches(entry, symbol) for entry in whitelist):
        return Decision.deny("symbol_not_whitelisted", f"{symbol} is not on your whitelist "
                             f"({', '.join(whitelist)}).")
    return Decision.allow("symbol_allowed", f"{symbol} may be traded.")


def cooldown_passed(ctx: RiskContext) -> Decision:
    """The symbol's cooldown after the user's last close on it has passed."""
    cooldown_s = ctx.user.settings.risk.cooldown_after_close_s
    if ctx.last_close_at is None or cooldown_s == 0:
        return Decision.allow("no_cooldown", "No cooldown applies.")
    elapsed_s = (ctx.now - ctx.last_close_at).total_seconds()
    if elapsed_s < cooldown_s:
        return Decision.deny(
            "symbol_cooldown", f"{ctx.signal.symbol} closed {int(elapsed_s)} s ago; the cooldown "
            f"is {cooldown_s} s.", elapsed_s=elapsed_s, limit_s=cooldown_s)
    return Decision.allow("cooldown_passed", "The symbol's cooldown has passed.")


def not_duplicate(ctx: RiskContext) -> Decision:
    """This user has not executed this signal already."""
    if ctx.already_executed:
        return Decision.deny("duplicate_signal",
                             f"You already executed signal {ctx.signal_id}.")
    return Decision.allow("first_execution", "The signal is new for you.")


def signal_fresh(ctx: RiskContext) -> Decision:
    """The signal is not older than `max_signal_age_s`."""
    limit_s = ctx.user.settings.risk.max_signal_age_s
    age_s = (ctx.now - ctx.signal_received_at).total_seconds()
    if age_s > limit_s:
        return Decision.deny("signal_stale", f"The signal is {int(age_s)} s old; the limit is "
                             f"{limit_s} s.", age_s=age_s, limit_s=limit_s)
    return Decision.allow("signal_fresh", "The signal is fresh.")


def price_in_collar(ctx: RiskContext) -> Decision:
    """The current price is within `price_collar_pct` % of the signal's entry zone."""
    entries = ctx.signal.entries
    if not entries or ctx.signal.entry_is_market:
        return Decision.allow("no_entry_zone", "Market entry: no price collar applies.")
    low, high = min(entries), max(entries)
    price = ctx.current_price
    if price < low:
        distance_pct = (low - price) / low * HUNDRED
    elif price > high:
        distance_pct = (price - high) / high * HUNDRED
    else:
        distance_pct = Decimal(0)
    limit = ctx.user.settings.risk.price_collar_pct
    if distance_pct > limit:
        where = f"entry {low}" if low == high else f"entry zone {low}–{high}"
        return Decision.deny(
            "price_outside_collar", f"The price {price} is {distance_pct:.2f}% away from the "
            f"{where}; the collar is {limit}%.",
            distance_pct=distance_pct, limit_pct=limit)
    return Decision.allow("price_in_collar", "The price is within the entry zone's collar.")


def exits_ahead(ctx: RiskContext) -> Decision:
    """The price has not run past the stop or the first target yet: an entry past its first
    target or its stop would be closed at once, at a loss. (A call whose stop or targets lie on
    the wrong side of its entry never gets here: the reader and `submit_signal` refuse it.)
    A resting limit entry may wait beyond a target passed when the user keeps such entries
    (`cancel_entry_at_target` off), and a user taking profit at their own percentage does not
    sell at the call's targets; a breakout not triggered yet enters at its trigger, not at the
    price of now."""
    signal = ctx.signal
    long = signal.side is Side.LONG
    zone = [] if signal.entry_is_market else list(signal.entries)
    waiting = signal.entry_trigger is not None and bool(zone) and \
        not is_crossed(signal.entry_trigger, zone[0], ctx.current_price)
    price = zone[0] if waiting else ctx.current_price
    stop = signal.stop_loss
    if stop is not None and (price <= stop if long else price >= stop):
        return Decision.deny("stop_passed", f"The price {price} is already past the stop loss "
                             f"{stop}: the entry would be stopped out at once.",
                             price=price, stop=stop)
    strategy = ctx.user.settings.strategy
    resting = bool(zone) and not waiting and strategy.entry_type != "market"
    keeps = resting and not strategy.cancel_entry_at_target
    own = strategy.take_profit_mode != "signal_targets"  # the user's own targets, from the fill
    targets = signal.targets
    if targets and not keeps and not own and (price >= targets[0] if long else price <= targets[0]):
        return Decision.deny("target_passed", f"The price {price} has already reached target "
                             f"1 ({targets[0]}): the move this call is about has happened.",
                             price=price, target=targets[0])
    return Decision.allow("exits_ahead", "The stop and the first target lie ahead of the entry.")
