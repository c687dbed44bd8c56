"""Which coin a detected follow-up speaks of, and whether it can be acted on."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from verzek.domain.models import Side, Signal, SignalUpdate
from verzek.signals import keywords as kw
from verzek.signals.chatwords import is_chat_word
from verzek.signals.closes import WEAK_CLOSE_RE, is_partial_close, partial_close_share
from verzek.signals.coins import PLAIN_COINS, WORD_COINS
from verzek.signals.followup_coin import named_coins
from verzek.signals.names import name_ticker
from verzek.signals.roundups import capital_head, other_coins
from verzek.signals.scale import QUOTED_IN_COINS, in_sats, rescale
from verzek.signals.scope import (
    LATER_MOVE,
    PAST_DAY,
    all_tail_ok,
    close_side,
    move_told_done,
    move_waits,
    past_day,
    waits_for_target,
    why_not,
)
from verzek.signals.symbols import NOT_COINS, find_symbols, normalise_symbol
from verzek.signals.updates import UpdateFinding, detect_update
from verzek.signals.wordcoins import reads_as_word

_UPDATE_BARE_RE = re.compile(
    r"(?<!\w)(?i:close|closing|closed|cancel\w*|exit)\s+(?i:(?:the|my|our|your|all)\s+)?"
    r"[#$]?([A-Z0-9]{2,16})(?!\w)"
)
_SENTENCE_END_RE = re.compile(r"[\n!?.](?:(?<!\.)|(?=\s))")  # one class first: prefiltered
# A follow-up about an earlier trade: "Previous LONG closed in profit" under a new call.
_EARLIER_TRADE_RE = re.compile(kw.guarded((  # and "Last #SOL trade hit TP2 ✅" under a #SOL call
    "previous", "prev", "earlier", "yesterday",
    r"last\s+(?:[#$]?[a-z0-9]{2,10}(?:/[a-z]{3,5})?\s+)?(?:trade|call|signal|setup|position|long"
    r"|short)", r"предыдущ\w*", r"прошл\w*", "anterior")) + r"(?!\w)"
)
# A results summary: "Monthly PnL: +340% ... TP hit: 39, SL hit: 6" counts trades, it closes none.
_SUMMARY_RE = re.compile(kw.guarded((
    r"win\s*rate", "winrate", "accuracy", "pnl", r"statistics?", "stats", "recap", "summary",
    r"total\s+(?:signals|trades|calls|profit)", r"daily\s+results?", r"weekly\s+results?",
    r"monthly\s+results?",
    r"results?\s+(?:of|for)\s+(?:the\s+)?(?:day|week|month)",
    r"results?\s+(?:today|yesterday|this\s+(?:week|month))", r"today'?s?\s+results?",
    *(w + r"\s+(?:report|performance)" for w in ("daily", "weekly", "monthly")),
    # Russian, Spanish, Portuguese, Turkish, Vietnamese: "Итоги недели", "Resultados
    # semanales", "Resumo da semana", "Haftalık sonuçlar", "Kết quả tuần"
    "итоги", r"статистик\w*", "resultados", r"resumo\s+d[oa]", r"sonu[çc]lar\w*",
    r"k[ếe]t\s+qu[ảa]")) + r"(?!\w)"
)
# No coin named, these are about no one call (which would be the chat's latest): talk of many
# trades ("SL hit on 2 trades today", "TP3 hit on most of our calls", "the VIP
# subscription", a promotion's "TP1 hit for VIP members, join now"), and, before the cue, a
# wish or advice ("Hope everyone closed in profit", "always move SL ...", "Reminder: ...")
_MANY_TRADES_RE = re.compile(
    kw.guarded((*(w + r"\s+(?:of\s+(?:our|the|your)\s+)?(?:calls|signals|trades|setups)"
                  for w in ("our", "most", "many", "several", "other", "these", "those")),
                "subscription", "membership", "members", "join", "subscribe",
                r"vip\s+(?:channel|group|members|signals?|calls?|only)",
                r"free\s+(?:channel|group)"))
    + r"(?!\w)|\d(?<![\w.,/]\d)\d*\s+(?:calls|signals|trades|setups)(?!\w)"
    # a tally of outcomes: "Today: 5 TP ✅ 1 SL ❌" counts hits, it names none
    r"|\d(?<![\w.,/]\d)\d*[ \t]+(?:tps?|sls?|targets|stops)[ \t]*[✅❌✔]"
)
# Counted outcomes: two or more make a tally ("1 SL hit today, 5 TP hit", "5 wins, 1 loss");
# one alone may be the call's own ("Stop hit, 1 loss", "1 TP hit ✅")
_COUNTED_RE = re.compile(
    r"\d(?<![\w.,/]\d)\d*[ \t]+(?:(?:tps?|sls?|stops?)[ \t]+hits?"
    r"|wins?|loss(?:es)?|losers?|winners?)(?!\w)")
_ADVICE_RE = re.compile(kw.guarded((
    "hope", "wish", r"how\s+to", r"always(?!\s+win)", "reminder", "remember", r"tips?", "rule",
    "rules")) + r"(?!\w)")  # not "ALWAYS WIN VIP"
# Why a follow-up cannot act, when it is about another trade than the message's own call (the
# parser then reads the message without that sentence: a new call may stand beside it).
OTHER_COIN = "the follow-up names another coin"
EARLIER_TRADE = "the follow-up is about an earlier trade it does not name"
# Why a follow-up naming no coin the usual way is not applied to the latest call either
AMBIGUOUS_COINS = "the follow-up names several coins"
UNSURE_COIN = "the follow-up may name a coin, not beside its cue: which trade is unsure"
# "Close all positions now", "EXIT EVERYTHING", "closing all shorts": every open trade of the
# channel (its one side with "longs"/"shorts"), not only its latest call
_CLOSE_ALL_RE = re.compile(
    r"(?<!\w)(?:close|closing|exit|exiting)(?:[ \t]+out)?[ \t]+(?:everything|(?:all|every)"
    r"(?:[ \t]+(?:of[ \t]+)?(?:the|our|your|my|open|running|active|current|futures))*"
    r"(?:[ \t]+(?:(longs?|shorts?)|positions?|trades?|orders?|signals?|calls?))?)(?!\w)"
)
_UPPER_WORD_RE = re.compile(r"(?<![\w#$/])(?=[A-Z0-9]*[A-Z])[A-Z0-9]{2,16}(?![\w/])")


def read_update(norm: str, low: str, finding: UpdateFinding, raw: str) -> SignalUpdate | str:
    """The `SignalUpdate` a detected cue makes, or why it cannot be acted on.

    `norm` is the normalised message, `low` its lower-case form (the same length).
    """
    symbols = find_symbols(norm, low)
    strong = [s for s, strength in symbols if strength >= 2]
    if len(strong) > 1:  # a results round-up over several coins, not one follow-up
        return "update names several symbols"
    earlier = _may_name_earlier(low)
    start, end = cue_sentence(norm, finding.at) if strong or earlier else (0, 0)
    if strong and _cue_names_other_coin(norm, low, finding.at, start, end, strong[0]):
        # "BTC closed in profit. New call: #ETH/USDT ...": acting on ETH would be wrong
        return OTHER_COIN
    if earlier and _EARLIER_TRADE_RE.search(low, start, end) and not find_symbols(norm[start:end]):
        # "🟢 Previous LONG closed in profit" under a new call: which trade closed is not said
        return EARLIER_TRADE
    if finding.reason is not None:
        return finding.reason
    if (finding.is_result or WEAK_CLOSE_RE.match(low, finding.at)) and finding.action != \
            "other" and past_day(low, *cue_sentence(norm, finding.at)):
        return PAST_DAY  # "Yesterday #XRP/USDT hit target 1": a recap, not today's trade
    share = None
    if finding.action == "close" and is_partial_close(low):
        share = partial_close_share(low)
        if share is None:
            return "a partial close that does not say how much: nothing is closed"
        share = share if share < 1 else None  # "close 100%" closes it all
    elif finding.action == "move_sl" and finding.target_index is None:
        # "Take 50% profit and move SL to entry": both (beside a target hit, the 50% is that
        # target's own share, which its order took)
        share = partial_close_share(low)
        share = share if share is not None and share < 1 else None
    why = why_not(low, finding.action, finding.at, finding.is_result, share is not None)
    if why is not None:
        return why
    index = finding.target_index
    waits = _move_wait(low, finding) if finding.action == "move_sl" else None
    if waits is not None and waits is not LATER_MOVE:
        return waits
    symbol = strong[0] if strong else (symbols[0][0] if len(symbols) == 1 else None)
    if symbol is None:
        bare = _closed_coin(norm, low)
        symbol = _symbol_of(bare) if bare else _one_upper_coin(norm, low)
    if symbol is None and _SUMMARY_RE.search(low):  # no coin: it would act on the latest call
        return "a results summary, not a follow-up on one call"
    if symbol is None and (_MANY_TRADES_RE.search(low) or len(_COUNTED_RE.findall(low)) > 1
                           or _ADVICE_RE.search(low, sentence_start(norm, finding.at),
                                                finding.at)):
        return "talk or advice about many trades, not a follow-up on one call"
    if waits is not None:  # after the advice: "Tip: always move SL to entry after TP1 hits"
        return waits
    if symbol is None:  # "sol closed in profit ✅": a bare coin word (see followup_coin.py)
        named = named_coins(norm, low, finding.at, *cue_sentence(norm, finding.at))
        if len(named.near | named.doubt) > 1:
            return AMBIGUOUS_COINS
        if not named.near and (named.far or named.doubt):
            return UNSURE_COIN
        symbol = next(iter(named.near), None)
    if symbol is None and (head := capital_head(norm, low, sentence_start(norm, finding.at),
                                                finding.at)) is not None:
        if not any(ch.isdigit() for ch in head):  # "XYZ TP2 ✅": a coin, or a word?
            return f"the follow-up starts with {head}, a coin or a word: which trade is unsure"
        symbol = _symbol_of(head)  # "SHIB1000 TP2 ✅": no word has digits
    if not strong and other_coins(norm, low, symbol):  # "LINK TP3 ✅\nDOT TP2 ✅": a round-up
        return AMBIGUOUS_COINS
    new_stop = finding.new_stop
    if new_stop is not None and (in_sats(low) or (symbol or "").endswith(QUOTED_IN_COINS)):
        if symbol is None:  # "Move SL to 130 sats": on which pair, BTC-quoted or not?
            return "a stop in satoshis on a follow-up naming no pair: the price scale is unsure"
        scaled = rescale(symbol, low, [], [], new_stop)  # "#XVG/BTC SL to 130 sats"
        if isinstance(scaled, str):
            return scaled
        new_stop = scaled[2]
    every = _CLOSE_ALL_RE.search(low) if finding.action == "close" and symbol is None \
        and share is None else None
    if every is not None and not all_tail_ok(low, every.end()):
        return "a close of the trades of some kind (in profit, alts...): which is unsure"
    side = every.group(1) if every is not None else None
    if finding.action == "close" and symbol is not None:  # "Close ATOM short": that side only
        side = close_side(low, symbol.split("/")[0].lower())
    try:
        update = SignalUpdate(
            symbol=symbol, action=finding.action,  # type: ignore[arg-type]
            target_index=index, new_stop=new_stop,
            to_breakeven=finding.to_breakeven, stop_to_target=finding.stop_to_target,
            close_share=share, raw_text=raw, all_positions=every is not None,
            all_side=None if side is None else Side.LONG if side.startswith("long") else
            Side.SHORT,
        )
    except ValidationError as exc:
        return f"not a valid update: {exc.errors()[0]['msg']}"
    return update


def _move_wait(low: str, finding: UpdateFinding) -> str | None:
    """Why the stop move `finding` waits, or None: for a target ("move SL to entry after TP1",
    "SL to BE when TP1 hits": `scope.LATER_MOVE`, unless told as done: "SL moved to entry
    after TP1"), or on another condition ("Move SL to entry if BTC breaks 70k")."""
    target = waits_for_target(low, finding.at)
    done = target is False or move_told_done(low, finding.at)  # "after TP1 ✅", "SL moved"
    if not done and (target or (finding.target_index is not None and not finding.is_result)):
        return LATER_MOVE  # and "TP1 ✅. After TP2 move SL to TP1": not now either
    if target is None and finding.target_index is None and move_waits(low, finding.at):
        return "a stop move on a condition or for later, not now: nothing is done"
    return None


def call_beside(norm: str, finding: UpdateFinding,
                parse: Callable[[str], Any]) -> Signal | None:
    """ "🔴 SHORT #DOGE ... 🟢 Previous LONG closed in profit": the call `parse` reads in the
    message without the sentence about the other trade, if the rest is a whole call by itself
    and reports no other outcome."""
    start, end = cue_sentence(norm, finding.at)
    rest = norm[:start] + "\n" + norm[end:]
    other = detect_update(rest.lower())
    if other is not None and other.is_result:
        return None  # another outcome: no second cut, the message stays a result post
    signal: Signal | None = parse(rest).signal
    return signal


_SIDE_WORD_RE = re.compile(r"(?<![\w-])(?:long|short|buy|sell)(?![\w-])")  # not "short-term"


def new_call_beside(norm: str, low: str, finding: UpdateFinding,
                    parse: Callable[[str], Any]) -> Signal | None:
    """ "#ETH Long was stopped out. Now SHORT\nEntry: 2950 ...", "#BTC Short setup invalidated,
    going LONG instead\nEntry ...", "#SOL long closed +12%\n\n#AVAX LONG\nEntry ...": a call
    written after the outcome of another trade, on another coin or on the other side of the
    one the outcome's clause names. The rest is read without that clause (its coin carries
    over when the rest names none); None when the rest is no call, or the same trade."""
    if not ("long" in low or "short" in low or "buy" in low or "sell" in low):
        return None  # a call after the outcome writes its side
    start, end = cue_sentence(norm, finding.at)
    comma = norm.find(",", finding.at, end)
    end = comma if comma >= 0 else end
    if _SIDE_WORD_RE.search(low, end) is None:  # a call after the clause writes its side
        return None
    rest = norm[:start] + "\n" + norm[end:]
    other = detect_update(rest.lower())
    if other is not None and other.is_result:
        return None  # another outcome: the message stays a result post
    clause = find_symbols(norm[start:end])
    signal: Signal | None = parse(rest).signal
    if signal is None and len(clause) == 1 and not find_symbols(rest):
        signal = parse(f"{clause[0][0]}\n{rest}").signal  # "#ETH ... stopped out. Now SHORT"
    if signal is None:
        return None
    if clause and signal.symbol not in {s for s, _ in clause}:
        return signal  # another coin's call
    sides = {m.group() for m in _SIDE_WORD_RE.finditer(low, start, end)}
    said = Side.LONG if sides <= {"long", "buy"} else Side.SHORT if sides <= {"short", "sell"} \
        else None
    return signal if sides and said is not None and said is not signal.side else None


def about_earlier(norm: str, low: str, finding: UpdateFinding) -> bool:
    """ "✅ Previous #KAVA trade closed at TP3" under a new #KAVA call: the cue's sentence speaks
    of an earlier trade, even one naming the call's own coin (the parser then reads the call
    beside it, if the rest is one)."""
    if not _may_name_earlier(low):
        return False
    start, end = cue_sentence(norm, finding.at)
    return _EARLIER_TRADE_RE.search(low, start, end) is not None


def _closed_coin(norm: str, low: str) -> str | None:
    """ "CLOSE SOL NOW", "closed #WIF": the first upper-case word right after a close verb
    that is no chat word ("CLOSED HALF", "POSITION CLOSED MANUALLY": `chatwords.py`) and no
    word ticker written as the word ("CLOSE NEAR ENTRY": `wordcoins.py`); or None."""
    for bare in _UPDATE_BARE_RE.finditer(norm):
        start, end = bare.span(1)
        if not bare.group(1).isdigit() and not is_chat_word(low[start:end]) and \
                not reads_as_word(low, start, end):  # not the "50" of "close 50%"
            return bare.group(1)
    return None


def _one_upper_coin(norm: str, low: str) -> str | None:
    """ "SOL closed in profit ✅": the one upper-case word that can be a coin, as its pair (no
    coin would act on the channel's latest call, whichever coin that is); None for none,
    several, a message in capitals ("MOVE SL TO BE": no word stands out), or a word ticker
    that reads as the word ("TP1 hit NEAR entry")."""
    if norm.isupper() or not any(c.islower() for c in norm):
        return None
    found = {w for w in _UPPER_WORD_RE.findall(norm)
             if w not in NOT_COINS and not w.isdigit() and not kw.FIELD_RE.match(w.lower())
             and not is_chat_word(w.lower())}
    if len(found) != 1:
        return None
    word = found.pop()
    if word.lower() in WORD_COINS and all(
            reads_as_word(low, *m.span()) for m in _UPPER_WORD_RE.finditer(norm)
            if m.group() == word):
        return None
    return _symbol_of(word)


def _symbol_of(word: str) -> str | None:
    """The pair a bare upper-case word names: "SOL" SOL/USDT, the name "BITCOIN" BTC/USDT."""
    ticker = name_ticker(word)
    return f"{ticker.upper()}/USDT" if ticker is not None else normalise_symbol(word)


def _may_name_earlier(low: str) -> bool:
    """Whether `low` holds the first word of an `_EARLIER_TRADE_RE` form (its cheap gate)."""
    return ("prev" in low or "last" in low or "earlier" in low or "yesterday" in low
            or "anterior" in low or (not low.isascii() and ("предыдущ" in low or "прошл" in low)))


def cue_sentence(norm: str, at: int) -> tuple[int, int]:
    """Where the sentence holding the cue at `at` starts and ends."""
    end_match = _SENTENCE_END_RE.search(norm, at)
    return sentence_start(norm, at), end_match.start() if end_match else len(norm)


def _cue_names_other_coin(norm: str, low: str, at: int, start: int, end: int,
                          symbol: str) -> bool:
    """True when the cue's own sentence (`norm[start:end]`) names coins, none of them
    `symbol`'s base: in a tag, a pair or upper case, or bare right beside the cue ("sol closed
    in profit" under a #ETH call)."""
    base = symbol.split("/")[0]
    sentence = norm[start:end]
    if base in sentence:  # the usual "#BTC/USDT Target 1 ✅": the cue names its own coin
        return False
    named = {s.split("/")[0] for s, _ in find_symbols(sentence)}
    # in a sentence in capitals ("SL MOVED NEAR BREAKEVEN") case says nothing: only known coins
    # count, and a word ticker only where a lower-case one would (named_coins)
    capitals = not any(c.islower() for c in sentence)
    for match in _UPPER_WORD_RE.finditer(sentence):
        word = match.group()
        if word in NOT_COINS or kw.FIELD_RE.match(word.lower()) or is_chat_word(word.lower()):
            continue  # "#ETH/USDT closed HALF in profit": no other coin
        lower, ticker = word.lower(), name_ticker(word)
        if capitals and ticker is None and lower not in PLAIN_COINS:
            continue
        if reads_as_word(low, start + match.start(), start + match.end()):
            continue  # "#BTC/USDT closed NEAR entry"
        named.add(ticker.upper() if ticker is not None else word)
    if not named or capitals:
        named.update(s.split("/")[0] for s in named_coins(norm, low, at, start, end).close)
    return bool(named) and base not in named


def sentence_start(norm: str, at: int) -> int:
    """Where the sentence holding `at` starts: the end of the last `_SENTENCE_END_RE` match in
    `norm[:at]` (a newline, "!" or "?", or a "." with a space after it before `at`), else 0."""
    start = max(norm.rfind("\n", 0, at), norm.rfind("!", 0, at), norm.rfind("?", 0, at)) + 1
    dot = norm.rfind(".", start, at - 1) if at - 1 > start else -1
    while dot >= 0 and not norm[dot + 1].isspace():  # str.isspace is the regex's \s
        dot = norm.rfind(".", start, dot)
    return dot + 1 if dot >= 0 else start
