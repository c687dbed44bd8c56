"""What the bot tells its admins: our groups it cannot post to, told once per incident (one
error log and one message to each admin when a group goes down — the bot was removed, the chat
is gone, posting is refused — one more when posting to it works again, never once per signal);
and what became of a signal an admin sent, in the words of the broadcaster's decision."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from verzek.domain.models import RiskSettings
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


# A bus message's meta key: a publisher's callback, called (on the broadcaster's bus thread,
# before the message counts as handled) with what the broadcaster decided for the message.
ON_BROADCAST = "on_broadcast"


class BroadcastOutcome(Protocol):
    """What the broadcaster decided for one message (`broadcaster.Decision`)."""

    @property
    def code(self) -> str: ...

    @property
    def reason(self) -> str: ...

    @property
    def age_s(self) -> float | None: ...

    @property
    def limit_s(self) -> float | None: ...


def signal_answer(kind: str, outcome: BroadcastOutcome | None) -> str:
    """The answer to an admin's signal (`kind` as screened) once every bus subscriber handled
    it: whether it reached the groups, and if it came too late for them, what the engine does
    with a message that old (it trades a call only within each user's `max_signal_age_s`; it
    applies a follow-up whatever its age)."""
    if outcome is None:
        return (f"✅ Taken ({kind}) by the engine; no broadcaster is running, so nothing was "
                "posted to the groups.")
    if outcome.code in ("new", "repeat"):  # a repeat: this message, delivered again
        return f"✅ Published ({kind})."
    if outcome.code != "too_old" or outcome.age_s is None or outcome.limit_s is None:
        return f"⚠️ Not posted to the groups: {outcome.reason}."
    age = duration_text(outcome.age_s)
    late = (f"⚠️ Not posted to the groups: the message is {age} old (limit "
            f"{duration_text(outcome.limit_s)}); it reached the bot late.")
    if kind == "update":
        return late + (" The engine still applies it to the open positions it concerns: a "
                       "follow-up has no age limit.")
    default_s = RiskSettings().max_signal_age_s
    return late + (f" The engine recorded it but opens no trade for a user whose signal age "
                   f"limit ({duration_text(default_s)} unless they changed it) is under {age}.")


def duration_text(seconds: float) -> str:
    """A duration as people say it: "45 s", "15 min", "24 h"."""
    if seconds >= 7200:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 60:.0f} min" if seconds >= 120 else f"{seconds:.0f} s"
