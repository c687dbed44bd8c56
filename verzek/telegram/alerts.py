"""Our groups the bot cannot post to, told once per incident: one error log and one message to
each of the bot's admins when a group goes down (the bot was removed, the chat is gone, posting
is refused), one more when posting to it works again — never once per signal."""

from __future__ import annotations

import logging
from collections.abc import Callable

from verzek.telegram.state import GroupName

logger = logging.getLogger(__name__)

Tell = Callable[[str], None]  # sends a text to every admin, in the background


class GroupHealth:
    """Which groups are down and why (in memory: a restart tries every group afresh).

    A group that is down is still posted to at each broadcast, once and never retried: an
    admin may add the bot back at any time, and the next broadcast is the proof that it is."""

    def __init__(self, *, tell: Tell) -> None:
        self._tell = tell
        self._down: dict[GroupName, str] = {}
        self.alerts = 0

    def down(self, group: GroupName, chat_id: int, reason: str) -> None:
        """Posting to `group` failed for good (`reason`); told only the first time."""
        if group in self._down:
            logger.warning("telegram: the %s group (%s) is still unreachable: %s", group,
                           chat_id, reason)
            return
        self._down[group] = reason
        self.alerts += 1
        logger.error("telegram: the bot cannot post to the %s group (%s): %s; its broadcasts "
                     "are lost until an admin fixes it (the admins are told)", group, chat_id,
                     reason)
        self._tell(f"⚠️ I cannot post to the {group} group ({chat_id}): {reason}\n"
                   "Its members get no signals until the bot is back in the group with the "
                   "right to post.")

    def up(self, group: GroupName, chat_id: int) -> None:
        """A post to `group` went through; told only when it was down."""
        if self._down.pop(group, None) is None:
            return
        logger.info("telegram: posting to the %s group (%s) works again", group, chat_id)
        self._tell(f"✅ Posting to the {group} group ({chat_id}) works again.")

    def status(self) -> dict[GroupName, str]:
        """The groups that are down, with why."""
        return dict(self._down)
