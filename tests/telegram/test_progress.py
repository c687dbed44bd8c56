"""SourceProgress: the watermark moves only over handled ids (and ids history showed do not
exist), never past a message still waiting for its acknowledgement or missed by the bus."""

from __future__ import annotations

from verzek.store.docstore import DocumentStore
from verzek.telegram.progress import SourceProgress

CHAT = -100123


def test_the_watermark_waits_for_the_oldest_unacknowledged_message(
        store: DocumentStore) -> None:
    progress = SourceProgress(store=store)
    progress.settle(CHAT, 10)
    for mid in (11, 12, 13):
        assert progress.begin(CHAT, mid)
    assert not progress.begin(CHAT, 12)  # under way: never taken twice
    progress.mark(CHAT, 12)
    progress.mark(CHAT, 13)
    assert progress.last_seen(CHAT) == 10 and progress.is_seen(CHAT, 13)
    restarted = SourceProgress(store=DocumentStore(store.root))
    assert restarted.last_seen(CHAT) == 10 and not restarted.is_seen(CHAT, 11)
    assert restarted.is_seen(CHAT, 12)  # handled ones are not offered again
    progress.mark(CHAT, 11)
    assert progress.last_seen(CHAT) == 13
    assert SourceProgress(store=DocumentStore(store.root)).last_seen(CHAT) == 13


def test_a_settled_read_skips_missing_ids_but_not_open_ones(store: DocumentStore) -> None:
    progress = SourceProgress(store=store)
    progress.settle(CHAT, 10)
    assert progress.begin(CHAT, 11)
    progress.release(CHAT, 11)  # the bus had no room: a catch-up must read it again
    progress.settle(CHAT, 10)  # (that catch-up read through 10 only)
    assert progress.has_gap(CHAT) and not progress.is_seen(CHAT, 11)
    assert progress.begin(CHAT, 14)  # live, while 11 is missed
    progress.mark(CHAT, 14)
    assert progress.last_seen(CHAT) == 10
    assert progress.begin(CHAT, 11)  # the next catch-up: 11 again, 12 and 13 are nowhere
    progress.settle(CHAT, 14)
    assert progress.last_seen(CHAT) == 10  # 11 is still open
    progress.mark(CHAT, 11)
    assert progress.last_seen(CHAT) == 14 and not progress.has_gap(CHAT)
