"""Auto-mod in the chat pipeline: each message judged before commands run, and what it breaks
recorded, escalated and audited as `POST /api/v1/moderate/check` does; raids and join waves
switch a channel to protective mode, said in chat."""

from __future__ import annotations

import time
from collections.abc import Callable

from wavestack.kernel.uow import UnitOfWork
from wavestack.services import bots, social_ingest
from wavestack.services.auto_mod import service
from wavestack.services.auto_mod.schemas import MAX_MESSAGE, CheckRequest
from wavestack.services.auto_mod.settings import ModerationSettings
from wavestack.services.social_ingest import MessageEvent, PlatformEventIn

Say = Callable[[str, str, str], None]  # (platform, channel id, text)


class AutoModHook:
    """Judges an organization's chat for its bot."""

    def __init__(
        self,
        uow: Callable[[], UnitOfWork],
        org_id: str,
        judges: service.Judges,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        say: Say | None = None,
    ) -> None:
        self._uow = uow
        self._org_id = org_id
        self._judges = judges
        self._monotonic = monotonic
        self._say = say

    def check(self, event: MessageEvent, level: bots.Level) -> bots.Verdict:
        """The verdict on one message (exempt roles: vip, moderator, broadcaster)."""
        verdict = service.check(
            self._uow(),
            org_id=self._org_id,
            judges=self._judges,
            # The event was checked when it arrived: no second validation per message.
            request=CheckRequest.model_construct(
                message=event.text[:MAX_MESSAGE],
                user_id=event.author.id,
                username=event.author.name,
                platform=event.platform,
                channel_id=event.channel.id,
                user_roles=[level.name, event.author.role or ""],
            ),
            emotes=len(social_ingest.emotes_of(event.text, event.meta)),
            now=self._monotonic(),
        )
        if verdict.join_wave:
            minutes = self._settings(event.platform, event.channel.id).protect_minutes
            self._announce(
                event.platform,
                event.channel.id,
                f"Protective mode on for {minutes} min: {verdict.join_wave} new chatters at "
                "once. Links from newcomers are removed and spam rules are stricter.",
            )
        if not verdict.violations:
            return bots.Verdict()
        return bots.Verdict(
            allow=False,
            delete=verdict.should_delete,
            timeout_seconds=verdict.timeout_duration if verdict.should_timeout else 0,
            ban=verdict.should_ban,
            warning=f"@{event.author.name} please keep it friendly ({verdict.reason})"
            if "warn" in verdict.actions
            else "",
            reason=verdict.reason,
        )

    def raided(self, event: PlatformEventIn) -> str | None:
        """An incoming raid protects the channel (unless its settings say not to)."""
        if event.event_type != "raid":
            return None
        settings = self._settings(event.platform, event.channel_id)
        if not settings.protect_on_raid:
            return None
        self.protect(event.platform, event.channel_id, settings.protect_minutes)
        return (
            f"Protective mode on for {settings.protect_minutes} min while the raid settles in: "
            "links from newcomers are removed and spam rules are stricter."
        )

    def permit(self, platform: str, channel_id: str, name: str) -> int:
        """Let a chatter post one link; returns for how many seconds the permit holds."""
        seconds = self._settings(platform, channel_id).permit_seconds
        judge = self._judges.for_org(self._uow(), self._org_id)
        judge.watch.permit(f"{platform}:{channel_id}", name, now=self._monotonic(), seconds=seconds)
        return seconds

    def protect(self, platform: str, channel_id: str, minutes: int | None = None) -> int:
        """Switch protective mode on for `minutes` (the channel's default time unless
        given); returns the minutes."""
        if minutes is None:
            minutes = self._settings(platform, channel_id).protect_minutes
        judge = self._judges.for_org(self._uow(), self._org_id)
        judge.watch.protect(
            f"{platform}:{channel_id}", now=self._monotonic(), seconds=minutes * 60.0
        )
        return minutes

    def unprotect(self, platform: str, channel_id: str) -> bool:
        """Switch protective mode off; whether it was on."""
        judge = self._judges.for_org(self._uow(), self._org_id)
        return judge.watch.unprotect(f"{platform}:{channel_id}", self._monotonic())

    def protected_minutes(self, platform: str, channel_id: str) -> float:
        """Minutes of protective mode left (0: off)."""
        judge = self._judges.for_org(self._uow(), self._org_id)
        return judge.watch.protected_for(f"{platform}:{channel_id}", self._monotonic()) / 60

    def _settings(self, platform: str, channel_id: str) -> ModerationSettings:
        return self._judges.settings(self._uow(), self._org_id, platform, channel_id)

    def _announce(self, platform: str, channel_id: str, text: str) -> None:
        if self._say is not None:
            self._say(platform, channel_id, text)
