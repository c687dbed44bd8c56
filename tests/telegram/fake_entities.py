"""What the fake Bot API checks in a message text the way api.telegram.org does: the length limit
(4096 UTF-16 units after entity parsing) and the entity markup of each parse mode, answering
"Bad Request: can't parse entities: ..." for markup Telegram would refuse.

References: https://core.telegram.org/bots/api#sendmessage (text: 1-4096 characters after
entities parsing) and https://core.telegram.org/bots/api#formatting-options.
"""

from __future__ import annotations

import re

MAX_TEXT_UNITS = 4096
MARKDOWN_V2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
HTML_TAGS = frozenset({"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span",
                       "tg-spoiler", "a", "code", "pre", "blockquote", "tg-emoji"})
_HTML_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*)?)>")
_HTML_ENTITY_RE = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);")
_MDV2_ENTITIES = {"*": "Bold", "_": "Italic", "__": "Underline", "~": "Strikethrough",
                  "||": "Spoiler"}


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def text_error(text: str | None, parse_mode: str | None) -> str | None:
    """The description Telegram answers for this text, or None when it is accepted."""
    if text is None or not text.strip():
        return "Bad Request: message text is empty"
    if parse_mode in (None, ""):
        plain = text
    elif parse_mode == "MarkdownV2":
        problem, plain = _markdown_v2(text)
        if problem:
            return f"Bad Request: can't parse entities: {problem}"
    elif parse_mode == "HTML":
        problem, plain = _html(text)
        if problem:
            return f"Bad Request: can't parse entities: {problem}"
    elif parse_mode == "Markdown":
        problem, plain = _markdown(text)
        if problem:
            return f"Bad Request: can't parse entities: {problem}"
    else:
        return "Bad Request: unsupported parse_mode"
    if not plain.strip():
        return "Bad Request: message text is empty"
    if utf16_units(plain) > MAX_TEXT_UNITS:
        return "Bad Request: message is too long"
    return None


def _offset(text: str, index: int) -> int:
    return len(text[:index].encode())


def _markdown_v2(text: str) -> tuple[str | None, str]:
    """Reserved characters outside markup must be escaped; every entity must be closed."""
    out: list[str] = []
    stack: list[tuple[str, int]] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\\":
            if i + 1 < n and 1 <= ord(text[i + 1]) <= 126:
                out.append(text[i + 1])
                i += 2
                continue
            return "Character '\\' is reserved and must be escaped with the preceding '\\'", ""
        if ch == "`":
            fence = "```" if text.startswith("```", i) else "`"
            end = _code_end(text, i + len(fence), fence)
            if end < 0:
                kind = "Pre" if fence == "```" else "Code"
                return f"Can't find end of {kind} entity at byte offset {_offset(text, i)}", ""
            out.append(text[i + len(fence):end].replace("\\`", "`").replace("\\\\", "\\"))
            i = end + len(fence)
            continue
        marker = "__" if text.startswith("__", i) else "||" if text.startswith("||", i) else ch
        if marker in _MDV2_ENTITIES:
            if stack and stack[-1][0] == marker:
                stack.pop()
            else:
                stack.append((marker, i))
            i += len(marker)
            continue
        if ch == "[":
            stack.append(("[", i))
            i += 1
            continue
        if ch == "]" and stack and stack[-1][0] == "[":
            stack.pop()
            if not text.startswith("(", i + 1):
                return "Can't find end of TextUrl entity", ""
            close = _link_end(text, i + 2)
            if close < 0:
                return f"Can't find end of a URL at byte offset {_offset(text, i + 1)}", ""
            i = close + 1
            continue
        if ch == ">" and (i == 0 or text[i - 1] == "\n"):
            i += 1  # a block quotation mark at a line start
            continue
        if ch in MARKDOWN_V2_RESERVED:
            return (f"Character '{ch}' is reserved and must be escaped with the preceding "
                    "'\\'"), ""
        out.append(ch)
        i += 1
    if stack:
        marker, at = stack[-1]
        name = _MDV2_ENTITIES.get(marker, "TextUrl")
        return f"Can't find end of {name} entity at byte offset {_offset(text, at)}", ""
    return None, "".join(out)


def _code_end(text: str, start: int, fence: str) -> int:
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text.startswith(fence, i):
            return i
        i += 1
    return -1


def _link_end(text: str, start: int) -> int:
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == ")":
            return i
        i += 1
    return -1


def _html(text: str) -> tuple[str | None, str]:
    """Only Telegram's tags, balanced; `<` and `&` outside them must be entities."""
    out: list[str] = []
    stack: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "<":
            match = _HTML_TAG_RE.match(text, i)
            if match is None:
                return f"Unsupported start tag at byte offset {_offset(text, i)}", ""
            closing, name = match.group(1), match.group(2).lower()
            if name not in HTML_TAGS:
                return (f"Unsupported start tag \"{name}\" at byte offset {_offset(text, i)}",
                        "")
            if closing:
                if not stack or stack[-1] != name:
                    return (f"Unmatched end tag at byte offset {_offset(text, i)}, expected "
                            f"\"</{stack[-1] if stack else ''}>\", found \"</{name}>\""), ""
                stack.pop()
            else:
                stack.append(name)
            i = match.end()
            continue
        if ch == ">":
            return f"Unsupported end tag at byte offset {_offset(text, i)}", ""
        if ch == "&":
            match = _HTML_ENTITY_RE.match(text, i)
            if match is not None:
                out.append("?")
                i = match.end()
                continue
            if re.match(r"&[a-zA-Z]+;", text[i:]):
                return f"Unsupported HTML entity at byte offset {_offset(text, i)}", ""
        out.append(ch)
        i += 1
    if stack:
        return f"Can't find end tag corresponding to start tag \"{stack[-1]}\"", ""
    return None, "".join(out)


def _markdown(text: str) -> tuple[str | None, str]:
    """Legacy Markdown: `*`, `_`, `` ` `` and `[` start an entity that must be closed."""
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in "*_`[":
            out.append(text[i + 1])
            i += 2
            continue
        if ch in "*_`":
            end = text.find(ch, i + 1)
            if end < 0:
                return ("Can't find end of the entity starting at byte offset "
                        f"{_offset(text, i)}"), ""
            out.append(text[i + 1:end])
            i = end + 1
            continue
        if ch == "[":
            close = text.find("]", i + 1)
            if close < 0 or not text.startswith("(", close + 1) or text.find(")", close) < 0:
                return ("Can't find end of the entity starting at byte offset "
                        f"{_offset(text, i)}"), ""
            out.append(text[i + 1:close])
            i = text.find(")", close) + 1
            continue
        out.append(ch)
        i += 1
    return None, "".join(out)
