"""Clips of the live stream from chat: `!clip`, and auto-clips when chat erupts."""

from __future__ import annotations

from collections import deque
from typing import Annotated

from wavestack.kernel.errors import ValidationFailed
from wavestack.services.bots import economy
from wavestack.services.bots.engine import Command, Range, Refusal, Text, command
from wavestack.services.bots.runtime import ChatBot, Context

CLIP_MADE = 5


def clip_live(
    bot: ChatBot, platform: str, channel_id: str, *, duration: float, offset: float, title: str
) -> str:
    """Start a clip of the last moments of a live channel through the clipper; its job id."""
    starter = bot.ports.clip
    if starter is None or not bot.settings.clip_source:
        raise Refusal("no stream source is set, so I can't clip (WAVESTACK_BOTS_CLIP_SOURCE)")
    since = bot.stream_started(platform, channel_id)
    if since is None:
        raise Refusal("the stream is not live, nothing to clip")
    start = max(0.0, (bot.clock() - since).total_seconds() - offset)
    try:
        return starter(bot.settings.clip_source, start, duration, title or None)
    except ValidationFailed as exc:
        raise Refusal(f"couldn't clip: {exc.message}") from exc


@command("clip", global_cooldown=30)
def clip(
    ctx: Context,
    duration: Annotated[int, Range(5, 60)] = 30,
    offset: Annotated[int, Range(0, 300)] = 30,
    title: Annotated[str, Text(120)] = "",
) -> str:
    """Clip the last moments of the stream."""
    job_id = clip_live(
        ctx.bot, ctx.platform, ctx.channel_id, duration=duration, offset=offset, title=title
    )
    viewer_id = ctx.viewer_id()
    with ctx.uow() as uow:
        economy.credit(
            uow, org_id=ctx.bot.org_id, viewer_id=viewer_id, amount=CLIP_MADE, reason="clip"
        )
        economy.count_clip(uow, org_id=ctx.bot.org_id, viewer_id=viewer_id)
        uow.commit()
    return f"@{ctx.user} clipping {duration}s (job {job_id[:8]}), +{CLIP_MADE} points"


class AutoClip:
    """Clips when enough different chatters shout a keyword within a short window."""

    def __init__(self, bot: ChatBot) -> None:
        self.bot = bot
        self.keywords = frozenset(bot.settings.auto_clip_keywords)
        self._shouts: dict[tuple[str, str], deque[tuple[float, str]]] = {}
        self._last_clip: dict[tuple[str, str], float] = {}

    def __call__(self, ctx: Context) -> str | None:
        """Count a message toward an auto-clip; returns the announcement when one starts."""
        settings = self.bot.settings
        if not settings.auto_clip or self.keywords.isdisjoint(ctx.event.text.lower().split()):
            return None
        key = (ctx.platform, ctx.channel_id)
        now = self.bot.monotonic()
        shouts = self._shouts.setdefault(key, deque())
        shouts.append((now, ctx.event.author.id))
        while shouts and now - shouts[0][0] > settings.auto_clip_window_seconds:
            shouts.popleft()
        if len({user for _, user in shouts}) < settings.auto_clip_chatters:
            return None
        if now - self._last_clip.get(key, -1e18) < settings.auto_clip_cooldown_seconds:
            return None
        if not self._enough_viewers(ctx):
            return None
        self._last_clip[key] = now
        shouts.clear()
        try:
            job_id = clip_live(
                self.bot, ctx.platform, ctx.channel_id, duration=30, offset=30, title="Auto-clip"
            )
        except Refusal:
            return None  # nothing to clip from: stay quiet, chat did not ask
        return f"Chat went wild: auto-clipping the last 30s (job {job_id[:8]})"

    def _enough_viewers(self, ctx: Context) -> bool:
        minimum = self.bot.settings.auto_clip_min_viewers
        if minimum == 0:
            return True
        control = self.bot.ports.stream.get(ctx.platform)
        return control is not None and control.stream_info(ctx.channel_id).viewers >= minimum


def install(bot: ChatBot) -> None:
    """Watch chat for auto-clips."""
    bot.listen(AutoClip(bot))


COMMANDS: list[Command] = [clip]
