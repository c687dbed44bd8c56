"""Keyword vocabularies (English and common non-English sets) compiled into the parser's regexes."""

from __future__ import annotations

import re

_I = re.IGNORECASE

# A target or entry index written next to its keyword: "TP1", "Target 2:", "Entry #1 -".
# Attached digits ("TP1") are always an index; a spaced one only before ":", ")", "-", "=", ".".
_INDEX = (
    r"(?:(?<=[^\W\d_])(?P<{g}>\d{{1,2}})(?![\d.,])"
    r"|\s*(?:#|№|no\.?\s*)?\s*(?P<{g}b>\d{{1,2}})(?=\s*(?:[:)\]=>→➡]|[.](?!\d)|-\s|-(?=\s*\d)|✅)))?"
)

ENTRY_WORDS = (
    r"entry\s+targets?|entry\s+zone|entry\s+price|entry\s+area|entry\s+range|entry\s+points?"
    r"|entry\s+orders?|entries|entry|enter(?:\s+(?:at|around|near|between|above|below))?"
    r"|buy(?:ing)?\s+(?:zone|range|area|price|between|around|near|at|below|under)"
    r"|accumulation\s+zone|accumulate\s+(?:at|between|zone)|open(?:ing)?\s+price|dca"
    r"|точка\s+входа|зона\s+входа|цена\s+входа|вход(?:\s+в\s+(?:сделку|позицию))?|входим"
    r"|zona\s+de\s+entrada|precio\s+de\s+entrada|pre[çc]o\s+de\s+entrada|entrada"
    r"|giri[şs]\s+b[öo]lgesi|al[ıi]m\s+b[öo]lgesi|giri[şs]"
    r"|v[àa]o\s+l[ệe]nh|đi[ểe]m\s+v[àa]o|gi[áa]\s+v[àa]o|v[ùu]ng\s+v[àa]o"
    r"|einstieg|entr[ée]e|ingresso"
)
SHORT_ENTRY_WORDS = r"sell(?:ing)?\s+(?:zone|range|area|between|around|near|above)|short\s+zone"
TARGET_WORDS = (
    r"take[\s-]?profit\s+targets?|profit\s+targets?|sell\s+targets?|take[\s-]?profits?"
    r"|targets?|tps|tp|t(?=\d{1,2}\s*[:=)\-])"
    r"|тейк[\s-]?профит\w*|тейки|тейк|цели|цель|тп"
    r"|objetivos?|toma\s+de\s+ganancias|alvos?|hedefler|hedef|kar\s+al"
    r"|m[ụu]c\s+ti[êe]u|ch[ốo]t\s+l[ờo]i|ziele|ziel|objectifs|cibles|obiettivi"
)
STOP_WORDS = (
    r"stop\s+targets?|stop[\s-]?loss|stop|s/l|sl"
    r"|invalidation|стоп[\s-]?лосс|стоп|сл|zarar\s+durdur|c[ắa]t\s+l[ỗo]|d[ừu]ng\s+l[ỗo]|stopp"
)

# One alternation; longer phrases come first inside each group so they win.
FIELD_RE = re.compile(
    rf"(?<![\w/])(?:(?P<entry>{ENTRY_WORDS}){_INDEX.format(g='ei')}"
    rf"|(?P<shortentry>{SHORT_ENTRY_WORDS})"
    rf"|(?P<target>{TARGET_WORDS}){_INDEX.format(g='ti')}"
    rf"|(?P<stop>{STOP_WORDS})"
    rf"|(?P<buylabel>buy)(?=\s*(?::|@|\d))|(?P<selllabel>sell)(?=\s*(?::|@|\d)))(?!\w)"
    r"|(?P<target_emoji>🎯)|(?P<stop_emoji>🛑|⛔)|(?P<at>@|(?<!\w)at(?!\w))(?=\s*\$?\s*\d)"
    r"|(?<!\w)(?:buy|sell|long|short)\s+(?P<sideentry>[#$]?(?-i:[A-Z0-9]{2,10})(?:/[A-Z]{3,5})?)"
    r"\s*[:@-]?(?=\s*\$?\d)",
    _I,
)

LEVERAGE_WORDS = (
    r"leverage|lev|плечо|apalancamiento|alavancagem|kald[ıi]ra[çc]|đ[òo]n\s+b[ẩa]y|hebel|levier"
)
MARGIN_WORDS = r"cross|isolated|isolate|iso|кросс|изолированн\w*|cruzado|aislado|izole"
LEVERAGE_RE = re.compile(
    rf"(?<!\w)(?:(?:{LEVERAGE_WORDS})\s*[:=\-]?\s*(?:(?:{MARGIN_WORDS})\s*[:\-(]?\s*)?"
    rf"|(?:{MARGIN_WORDS})\s*[:\-(]?\s*)[x×х]?\s*(?P<a>\d{{1,3}})(?:\.0+)?(?:\s*[x×х])?(?![\d.,]\d|\w)"
    r"|(?<![\w.,])(?P<b>\d{1,3})\s?[x×х](?!\w)|(?<![\w.,])[x×](?P<c>\d{1,3})(?![\w.,])",
    _I,
)

LONG_WORDS = r"long|лонг|largo|compra|comprar|buy|покупка|mua|alış|kaufen|achat"
SHORT_WORDS = r"short|шорт|corto|venta|vender|venda|sell|продажа|b[áa]n|satış|verkaufen|vente"
SIDE_RE = re.compile(
    rf"(?<![\w/$])(?:(?P<long>{LONG_WORDS})|(?P<short>{SHORT_WORDS}))(?![\w/])(?![\s-]term)", _I
)
SPOT_RE = re.compile(r"(?<!\w)(?:spot|спот|contado)(?!\w)", _I)
FUTURES_RE = re.compile(
    r"(?<!\w)(?:futures?|perpetual|perps?|фьючерс\w*|futuros|vadeli|usd[tⓢs]?-m)(?!\w)"
    r"|(?<=[A-Z])\.P\b|(?<=USDT)PERP\b",
    _I,
)
NOW_ENTRY_RE = re.compile(
    r"(?<!\w)(?:buy|long|short|sell|enter|entry|лонг|шорт)(?!\w)[^\n]{0,24}?(?<!\w)"
    r"(?:now|at\s+market|at\s+cmp|market\s+price|cmp)(?!\w)",
    _I,
)
MARKET_ENTRY_RE = re.compile(
    r"(?<!\w)(?:market(?:\s+price)?|cmp|now|current\s+price|по\s+рынку|рынок|mercado"
    r"|a\s+mercado|piyasa|gi[áa]\s+th[ịi]\s+tr[ưu][ờo]ng)(?!\w)",
    _I,
)

# Follow-ups. Past-tense result markers override even a complete-looking signal.
_DONE = (
    r"(?:reached|hit|achieved|done|smashed|completed|booked|secured|touched|✅|✔️?|☑️?|💰"
    r"|достигнут[аы]?|взят[аы]?|alcanzad[oa]s?|atingid[oa]s?|ula[şs][ıi]ld[ıi]|đạt)"
)
_TGT = r"(?:tp|target|take[\s-]?profit|t|цель|тейк|objetivo|alvo|hedef|m[ụu]c\s+ti[êe]u)"
TARGET_HIT_RE = re.compile(
    rf"(?<!\w){_TGT}\s*#?\s*(?P<i1>\d{{1,2}})(?![\d.,]\d)[^\n]{{0,30}}?{_DONE}"
    rf"|(?:{_DONE}|hit)\s*:?\s*{_TGT}\s*#?\s*(?P<i2>\d{{1,2}})(?![\d.,]\d)(?![\s:=\-]*\d)",
    _I,
)
ALL_TARGETS_RE = re.compile(
    rf"(?<!\w)(?:all\s+(?:take[\s-]?profit\s+)?targets?|все\s+цели|todos\s+los\s+objetivos"
    rf"|todos\s+os\s+alvos|t[üu]m\s+hedefler)[^\n]{{0,20}}?{_DONE}",
    _I,
)
_SLW = r"(?:stop[\s-]?loss|stoploss|stop|sl|s/l|стоп(?:[\s-]?лосс)?)"
STOP_HIT_RE = re.compile(
    rf"(?<!\w){_SLW}\s*(?:was\s+|has\s+been\s+|got\s+)?(?:hit|triggered|reached|touched|taken"
    r"|сработал|выбит|alcanzado|tocado|atingido)(?!\w)"
    rf"|(?<!\w)stopped\s+out|(?<!\w)(?:hit|closed\s+(?:at|by|on))\s+(?:the\s+|our\s+)?{_SLW}(?!\w)",
    _I,
)


def _be(n: int) -> str:
    return (rf"(?P<be{n}>entry(?:\s+(?:point|price))?|break[\s-]?even|be|cost|безубыток"
            rf"|entrada)")


def _num(n: int) -> str:
    return rf"(?P<num{n}>\d[\d.,]*)"


MOVE_SL_RE = re.compile(
    rf"(?<!\w)(?:mov(?:e|ed|ing)|shift(?:ed)?|set|adjust(?:ed)?|updat(?:e|ed)|trail(?:ed)?"
    rf"|переносим|переставляем)\s+(?:the\s+|our\s+|your\s+)?{_SLW}\s*(?:to|at|on|на|→|->)?\s*"
    rf"(?:{_be(1)}(?!\w)|{_num(1)})?"
    rf"|(?<!\w){_SLW}\s+(?:moved|move|is\s+now|now|updated|→|->|перенесен)\s*(?:to|at|на)?\s*"
    rf"(?:{_be(2)}(?!\w)|{_num(2)})?"
    rf"|(?<!\w)new\s+{_SLW}\s*[:=\-]?\s*(?:{_be(3)}(?!\w)|{_num(3)})",
    _I,
)
CANCEL_RE = re.compile(
    r"(?<!\w)(?:cancel(?:l?ed)?|cancelling|отмен\w*|cancelad[oa]|iptal|h[ủu]y)(?!\w)", _I
)
CLOSE_RE = re.compile(
    r"^[^\w\n]*(?:please\s+)?(?:close|exit|закрываем|закрыть|cerrar|fechar|kapat)\b"
    r"|(?<!\w)clos(?:ed|ing)\s+(?:manually|now|in\s+(?:profit|loss)|at|with|position|trade|all"
    r"|early|the\s+(?:trade|position|rest))"
    r"|(?<!\w)(?:manually|position|trade|signal)\s+closed(?!\w)|закрыт[ао]?\s+вручную",
    _I | re.MULTILINE,
)
WEAK_CLOSE_RE = re.compile(
    r"(?<!\w)(?:closed|закрыт[аоы]?|cerrad[oa]|fechad[oa]|kapatıldı)(?!\w)", _I
)
ENTRY_FILLED_RE = re.compile(
    r"(?<!\w)(?:entry|entries|вход)\s*#?\d?\s*(?:filled|triggered|activated|done|hit|reached"
    r"|achieved|✅)",
    _I,
)
