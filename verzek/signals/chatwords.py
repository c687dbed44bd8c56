"""Ordinary English words that trading chat writes in capitals ("CLOSED HALF", "POSITION CLOSED
MANUALLY", "I WENT LONG YESTERDAY", "LONG TERM"), and field words with an index ("TP1", "SL2"):
every reader of a bare upper-case word asks this module before taking one for a coin.

Capitals say a word may be a ticker; in a message written all in capitals they say nothing. A
bare upper-case word (no "#", "$", "/USDT", glued "USDT" or "Coin:" label: those readers never
ask) is a coin only when it is a curated ticker or name (`coins.py`, whose word tickers
`wordcoins.py` then weighs) or no word listed here. Left out on purpose: words that are also
exchange tickers channels write bare in capitals ("ONE", "HIGH", "KEY", "ME", "AI", "WIN", "HOME",
"SOON", "SIGN", "BANK", "PLAY", "MEME", "TOKEN"), so "CLOSE ONE NOW" still names Harmony.
"""

from __future__ import annotations

import re

from verzek.signals.coins import COIN_NAMES, KNOWN_COINS

# Lower case; each at least two letters (no bare reader takes a one-letter word).
_WORDS = """
    half all partial partially part parts rest remaining remainder some most full fully whole both
    each every few many much more less lot lots bit little enough extra
    now today tonight tomorrow yesterday early earlier late later already again still just only
    also too very really quite quickly fast slowly manually immediately instantly asap finally
    currently recently right here there then yet ever never always maybe probably sure soonest
    safely nicely easily exactly almost around ago away back
    at in on for from to with without into onto of off by about above below under over after
    before since until till between through during against up down out and or but so if than
    because as like via per nor
    is are was were be been being am do does did done doing have has had having go goes going
    went gone get gets got getting take took taken taking make made making see saw seen look
    looking looks think thinks thought hold holding held stay staying keep keeping kept wait
    waiting watch watching let lets start started starting opened opening entered entering
    added adding bought buying sold selling booked booking secured hitting stopped moved moving
    closing cancelled exited exiting placed filled running ran pumped dumped dropped dropping
    rising falling broke breaking bounced bouncing expect expecting remember note
    we you your yours our ours they them their he she his her its this that these those mine
    what which who when where why how it me us him
    term terms time times profit profits loss losses gain gains green price prices level levels
    support resistance trend bounce dip rally move market markets position positions trade
    trades setup day days week weeks month months hour hours minute minutes morning evening
    night weekend guys everyone everybody team members friends bro fam congrats congratulations
    boom wow yes yeah yep okay thanks thank sorry please well hope perfect amazing awesome
    massive insane ready next last first second third another other same two three four five
    big small huge nice good great best better bad worse easy strong weak clean smooth quick
    breakeven entry targets manual partials squeeze squeezed liquidation liquidations ratio
    interest pressure wall walls volume bias sellers buyers story haul vs
"""
CHAT_WORDS = frozenset(_WORDS.split()) - KNOWN_COINS - frozenset(COIN_NAMES)
# A field word with its index ("TP1", "SL2", "T1", "TARGET3", "ENTRY1", "DCA2"): never a coin.
_FIELD_INDEX_RE = re.compile(
    r"(?:tp|tps|sl|t|tg|tgt|target|entry|dca|buy|sell|zone|be)\d{1,2}")


def is_chat_word(low_word: str) -> bool:
    """Whether the bare word `low_word` (lower-cased) is chat, not a coin: an ordinary English
    word that is no curated ticker or name, or a field word with its index ("tp1")."""
    if low_word in CHAT_WORDS:
        return True
    return low_word[-1:].isdigit() and _FIELD_INDEX_RE.fullmatch(low_word) is not None
