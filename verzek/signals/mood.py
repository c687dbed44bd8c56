"""Whether a follow-up cue is stated, or only planned, negated or asked about.

"After TP1 hit, move SL to entry" is a plan, "Don't move your SL to breakeven yet" an
instruction not given, "Will we hit TP2 today?" a question: none announces what happened or
tells anyone to act. Every check looks back from the cue's start over a short window.
"""

from __future__ import annotations

import re

from verzek.signals.keywords import guarded

# "After TP1 hit, move SL to entry", "once we hit TP2": maybe a plan written in a call, not an
# outcome. Searched up to the hit's start (endpos), so \Z is that start.
_PLAN_BEFORE_RE = re.compile(
    r"(?<!\w)(?:after|once|when|if|until|upon|before|as[ \t]+soon[ \t]+as)"
    r"(?:[ \t]+(?:the|we|it|price))?[ \t]+\Z"
)
# "Don't move your SL", "Do not close #AVAX", "never cancel", "не переносим стоп": a negation
# right before the cue (maybe with "you", "we", "yet" between). Searched up to the cue's start.
_NEGATIONS = (r"don['’]?t", r"do[ \t]+not", "never", "not", "no", "не", r"no[ \t]+need[ \t]+to",
              # a near miss or a suggestion: "Almost hit SL on #XRP", "#LINK nearly reached TP1",
              # "consider closing manually if you are scared"
              "almost", "nearly", r"about[ \t]+to", r"close[ \t]+to", "consider", "почти")
_NEGATED_BEFORE_RE = re.compile(  # literal-first (`guarded`): few positions are tried
    "(?:" + guarded(_NEGATIONS) + r")[ \t]+(?:(?:you|we|yet|ever)[ \t]+)?\Z"
)
# "TP2 not hit yet", "target 1 wasn't reached": a negation inside the target-hit phrase
_NEGATED_INSIDE_RE = re.compile(
    r"(?<!\w)(?:not|never|yet\s+to|almost|nearly)(?!\w)|n['’]t(?!\w)")  # "TP1 almost ✅"
# "will we hit TP2 today?", "Can #BTC reach TP3?", "is the TP2 hit yet?": a question word before
# the cue in its sentence, with a "?" after the cue; an announcement is never asked.
_ASKING_RE = re.compile(
    r"(?<!\w)(?:will|would|can|could|shall|should|gonna|going[ \t]+to|might|may|did|does|do"
    r"|when|is[ \t]+it|are[ \t]+we|(?:is|has)[ \t]+(?:the|our)"  # "is the TP2 hit yet?"
    r"|who|anyone|anybody|have[ \t]+you|how|why)(?!\w)"  # "Who closed ETH in profit?"
)
_WINDOW = 24  # characters looked at before a cue for a plan or a negation


def is_planned(low: str, at: int) -> bool:
    """Whether the cue written at `at` follows "after", "once", "if"... (a plan)."""
    return at > 2 and low[at - 1] in " \t" and \
        _PLAN_BEFORE_RE.search(low, max(0, at - 16), at) is not None


def negates_hit(phrase: str) -> bool:
    """Whether a matched target-hit phrase says it was not reached: "TP2 not reached yet"."""
    return ("n" in phrase or "yet" in phrase or "most" in phrase) and \
        _NEGATED_INSIDE_RE.search(phrase) is not None


def is_asked(low: str, at: int) -> bool:
    """Whether the cue at `at` sits in a question: "?" after it on its line, and a question
    word before it in its sentence ("#BTC/USDT will we hit TP2 today? 🤔")."""
    line_end = low.find("\n", at)
    if low.find("?", at, line_end if line_end >= 0 else len(low)) < 0:
        return False
    start = max(low.rfind("\n", 0, at), low.rfind("!", 0, at), low.rfind("?", 0, at),
                low.rfind(". ", 0, at)) + 1
    return _ASKING_RE.search(low, start, at) is not None


def is_negated(low: str, at: int) -> bool:
    """Whether a negation, a near miss or a suggestion stands right before the cue at `at`:
    "Don't move SL", "Almost hit SL", "nearly reached TP1", "consider closing"."""
    return at > 2 and low[at - 1] in " \t" and \
        _NEGATED_BEFORE_RE.search(low, max(0, at - _WINDOW), at) is not None


def asked_after(low: str, end: int) -> bool:
    """Whether a "?" comes right after the cue ending at `end`: "#AVAX SL hit? No, wick only"."""
    return low[end:end + 3].lstrip(" \t")[:1] == "?"


def is_stated(low: str, at: int) -> bool:
    """Neither negated nor asked: the cue at `at` says what happened or what to do."""
    if is_negated(low, at):
        return False  # "Don't move SL ...": a negation right before the cue
    return "?" not in low or not is_asked(low, at)
