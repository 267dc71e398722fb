"""Clips of the live stream from chat: `!clip`, and auto-clips when chat erupts."""

from __future__ import annotations

from collections import deque
from typing import Annotated

from wavestack.kernel.errors import ValidationFailed
from wavestack.providers.obs import Obs, ObsError
from wavestack.services.bots import economy
from wavestack.services.bots.engine import Command, Range, Refusal, Text, command
from wavestack.services.bots.runtime import ChatBot, ClipStarter, Context

CLIP_MADE = 5


def clip_live(
    bot: ChatBot, platform: str, channel_id: str, *, duration: float, offset: float, title: str
) -> str:
    """Start a clip of the last moments of a live channel through the clipper; its job id."""
    starter = bot.ports.clip
    if starter is None:
        raise Refusal("clipping is not set up here")
    if not bot.settings.clip_source and bot.ports.obs is not None:
        return _clip_replay(bot.ports.obs, starter, duration=duration, offset=offset, title=title)
    if not bot.settings.clip_source:
        raise Refusal("no stream source is set, so I can't clip (WAVESTACK_BOTS_CLIP_SOURCE)")
    since = bot.stream_started(platform, channel_id)
    if since is None:
        raise Refusal("the stream is not live, nothing to clip")
    start = max(0.0, (bot.clock() - since).total_seconds() - offset)
    try:
        return starter(bot.settings.clip_source, start, duration, title or None)
    except ValidationFailed as exc:
        raise Refusal(f"couldn't clip: {exc.message}") from exc


def _clip_replay(
    obs: Obs, starter: ClipStarter, *, duration: float, offset: float, title: str
) -> str:
    """Save OBS's replay buffer (the last minutes of the stream) and clip its end."""
    try:
        replay = obs.save_replay()
    except ObsError as exc:
        raise Refusal(f"couldn't save OBS's replay buffer: {exc}") from exc
    try:
        # A negative start counts back from the end of the file: `offset` seconds ago.
        return starter(replay, -max(float(offset), duration), duration, title or None)
    except ValidationFailed as exc:
        raise Refusal(f"couldn't clip the replay: {exc.message}") from exc


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


# The viewer count is asked of the platform at most this often per channel.
VIEWERS_TTL_SECONDS = 30.0


class _Shouts:
    """Who shouted a keyword in one channel lately: each chatter once, with their last time."""

    def __init__(self) -> None:
        self.times: deque[tuple[float, str]] = deque()
        self.last: dict[str, float] = {}

    def add(self, now: float, user: str, window: float) -> int:
        """Record a shout; returns how many different chatters shouted within the window."""
        self.times.append((now, user))
        self.last[user] = now
        while self.times and now - self.times[0][0] > window:
            when, who = self.times.popleft()
            if self.last.get(who) == when:
                del self.last[who]
        return len(self.last)

    def clear(self) -> None:
        """Start counting again."""
        self.times.clear()
        self.last.clear()


class AutoClip:
    """Clips when enough different chatters shout a keyword within a short window."""

    def __init__(self, bot: ChatBot) -> None:
        self.bot = bot
        self.keywords = frozenset(bot.settings.auto_clip_keywords)
        self._shouts: dict[tuple[str, str], _Shouts] = {}
        self._last_clip: dict[tuple[str, str], float] = {}
        self._viewers: dict[tuple[str, str], tuple[float, int]] = {}

    def __call__(self, ctx: Context) -> str | None:
        """Count a message toward an auto-clip; returns the announcement when one starts."""
        settings = self.bot.settings
        if not settings.auto_clip or not settings.clip_source or self.bot.ports.clip is None:
            return None  # nothing to clip from
        if self.keywords.isdisjoint(ctx.event.text.lower().split()):
            return None
        key = (ctx.platform, ctx.channel_id)
        now = self.bot.monotonic()
        shouts = self._shouts.setdefault(key, _Shouts())
        chatters = shouts.add(now, ctx.event.author.id, settings.auto_clip_window_seconds)
        if chatters < settings.auto_clip_chatters:
            return None
        if now - self._last_clip.get(key, -1e18) < settings.auto_clip_cooldown_seconds:
            return None
        if not self._enough_viewers(ctx, now):
            return None
        self._last_clip[key] = now
        shouts.clear()
        try:
            job_id = clip_live(
                self.bot, ctx.platform, ctx.channel_id, duration=30, offset=30, title="Auto-clip"
            )
        except Refusal:
            return None  # not live: stay quiet, nobody asked for it
        return f"Chat went wild: auto-clipping the last 30s (job {job_id[:8]})"

    def _enough_viewers(self, ctx: Context, now: float) -> bool:
        minimum = self.bot.settings.auto_clip_min_viewers
        if minimum == 0:
            return True
        key = (ctx.platform, ctx.channel_id)
        asked_at, viewers = self._viewers.get(key, (-1e18, 0))
        if now - asked_at >= VIEWERS_TTL_SECONDS:
            control = self.bot.ports.stream.get(ctx.platform)
            viewers = control.stream_info(ctx.channel_id).viewers if control is not None else 0
            self._viewers[key] = (now, viewers)
        return viewers >= minimum


def install(bot: ChatBot) -> None:
    """Watch chat for auto-clips."""
    bot.listen(AutoClip(bot))


COMMANDS: list[Command] = [clip]
