"""Auto-mod as the chat pipeline's moderation hook: each message judged before commands run."""

from __future__ import annotations

import time
from collections.abc import Callable

from wavestack.services import bots, social_ingest
from wavestack.services.auto_mod.judge import Judge
from wavestack.services.social_ingest import MessageEvent


class AutoModHook:
    """Judges chat for a bot; a flagged message is deleted and its author maybe timed out."""

    def __init__(self, judge: Judge, clock: Callable[[], float] = time.monotonic) -> None:
        self.judge = judge
        self._clock = clock

    def check(self, event: MessageEvent, level: bots.Level) -> bots.Verdict:
        """The verdict on one message (exempt roles: vip, moderator, broadcaster)."""
        roles = [level.name, event.author.role or ""]
        judged = self.judge.judge(
            event.text,
            channel=f"{event.platform}:{event.channel.id}",
            user=event.author.id,
            roles=roles,
            now=self._clock(),
            emotes=len(social_ingest.emotes_of(event.text, event.meta)),
        )
        if not judged.flagged:
            return bots.Verdict()
        settings = self.judge.settings
        return bots.Verdict(
            allow=False,
            delete=settings.auto_delete,
            timeout_seconds=settings.timeout_duration if settings.auto_timeout else 0,
            reason=judged.reason,
        )
