"""The fake Bot API refuses what api.telegram.org refuses, so a test passing against it means
something: entity parsing per parse mode, the length limit, empty texts."""

from __future__ import annotations

import pytest

from .fake_entities import text_error

SIGNAL = "#ETH/USDT SHORT\nEntry: 3000.5 - 3050\nStop: 3150 <tight> & fast (maybe)!"


@pytest.mark.parametrize(("text", "mode", "expected"), [
    (SIGNAL, None, None),
    (SIGNAL, "MarkdownV2", "Character '#' is reserved"),
    ("Entry 3000\\.5 \\- *bold* _it_ __u__ ~s~ ||sp|| `co.de` [a](http://x\\.y)", "MarkdownV2",
     None),
    ("*bold", "MarkdownV2", "Can't find end of Bold entity at byte offset 0"),
    (SIGNAL, "HTML", 'Unsupported start tag "tight"'),
    ("3150 &lt;tight&gt; &amp; <b>fast</b>", "HTML", None),
    ("<b>open", "HTML", "Can't find end tag"),
    ("a_b", "Markdown", "Can't find end of the entity starting at byte offset 1"),
    ("x" * 4096, None, None),
    ("x" * 4097, None, "Bad Request: message is too long"),
    ("🚀" * 2049, None, "Bad Request: message is too long"),  # UTF-16 units
    ("  \n ", None, "Bad Request: message text is empty"),
    ("*  *", "MarkdownV2", "Bad Request: message text is empty"),
])
def test_texts_are_checked_like_telegram(text: str, mode: str | None,
                                         expected: str | None) -> None:
    problem = text_error(text, mode)
    if expected is None:
        assert problem is None
    else:
        assert problem is not None and expected in problem
