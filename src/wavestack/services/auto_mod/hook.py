"""Auto-mod as the chat pipeline's moderation hook: each message judged before commands run,
and what it breaks recorded, escalated and audited as `POST /api/v1/moderate/check` does."""

from __future__ import annotations

from collections.abc import Callable

from wavestack.kernel.uow import UnitOfWork
from wavestack.services import bots, social_ingest
from wavestack.services.auto_mod import service
from wavestack.services.auto_mod.schemas import MAX_MESSAGE, CheckRequest
from wavestack.services.social_ingest import MessageEvent


class AutoModHook:
    """Judges an organization's chat for its bot."""

    def __init__(self, uow: Callable[[], UnitOfWork], org_id: str, judges: service.Judges) -> None:
        self._uow = uow
        self._org_id = org_id
        self._judges = judges

    def check(self, event: MessageEvent, level: bots.Level) -> bots.Verdict:
        """The verdict on one message (exempt roles: vip, moderator, broadcaster)."""
        verdict = service.check(
            self._uow(),
            org_id=self._org_id,
            judges=self._judges,
            request=CheckRequest(
                message=event.text[:MAX_MESSAGE],
                user_id=event.author.id,
                username=event.author.name,
                platform=event.platform,
                channel_id=event.channel.id,
                user_roles=[level.name, event.author.role or ""],
            ),
            emotes=len(social_ingest.emotes_of(event.text, event.meta)),
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
