"""A bot wired to in-memory platforms and clocks the test moves: chat with it line by line."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from wavestack.bootstrap import Container
from wavestack.kernel.ids import new_id
from wavestack.providers.chat.fake import FakeChat, FakeStreamControl
from wavestack.providers.obs.fake import FakeObs
from wavestack.services import bots
from wavestack.services.bots import BotSettings, ChatBot, Ports
from wavestack.services.social_ingest import (
    AuthorRef,
    ChannelRef,
    MessageEvent,
    PlatformEventIn,
)

PLATFORMS = ("twitch", "discord", "youtube", "telegram")


@dataclass
class Clocks:
    """Wall time and monotonic time that only move when told to."""

    now: datetime = field(default_factory=lambda: datetime(2026, 11, 2, 18, 0, tzinfo=UTC))
    mono: float = 1000.0

    def advance(self, seconds: float) -> None:
        """Let time pass."""
        self.now += timedelta(seconds=seconds)
        self.mono += seconds


class ChatHarness:
    """One organization's bot; `say` returns what the bot answered."""

    def __init__(
        self,
        container: Container,
        org_id: str,
        *,
        clocks: Clocks | None = None,
        seed: int = 7,
        settings: BotSettings | None = None,
        ports: Ports | None = None,
    ) -> None:
        self.container = container
        self.org_id = org_id
        self.clocks = clocks or Clocks()
        self.chats = {p: FakeChat(p) for p in PLATFORMS}
        self.streams = {p: FakeStreamControl(p) for p in PLATFORMS}
        self.obs = FakeObs()
        self.ports = ports or Ports(chat=dict(self.chats), stream=dict(self.streams), obs=self.obs)
        self.bot: ChatBot = bots.build_bot(
            container,
            org_id=org_id,
            ports=self.ports,
            settings=settings or BotSettings(),
            clock=lambda: self.clocks.now,
            monotonic=lambda: self.clocks.mono,
            rng=random.Random(seed),
        )
        self._seen = dict.fromkeys(PLATFORMS, 0)

    def restart(self, **kwargs: Any) -> ChatHarness:
        """A new bot process on the same database and clocks (in-memory state is gone)."""
        self.bot.flush()
        return ChatHarness(self.container, self.org_id, clocks=self.clocks, **kwargs)

    def say(
        self,
        text: str,
        *,
        user: str = "alice",
        role: str | None = None,
        platform: str = "twitch",
        channel: str = "chan",
        meta: dict[str, Any] | None = None,
        message_id: str | None = None,
    ) -> list[str]:
        """Send a chat message; returns the bot's new messages on that platform."""
        self.bot.handle(
            MessageEvent(
                id=message_id or new_id(),
                platform=platform,  # type: ignore[arg-type]
                channel=ChannelRef(id=channel, name=channel),
                author=AuthorRef(
                    id=f"{platform}-{user}",
                    name=user,
                    role=role,
                    is_mod=role in ("moderator", "broadcaster"),
                ),
                text=text,
                ts=self.clocks.now,
                meta=meta,
            )
        )
        return self.replies(platform)

    def one(self, text: str, **kwargs: Any) -> str:
        """Send a message that must get exactly one answer; return it."""
        replies = self.say(text, **kwargs)
        assert len(replies) == 1, replies
        return replies[0]

    def replies(self, platform: str = "twitch") -> list[str]:
        """What the bot said on a platform since the last look."""
        sent = self.chats[platform].sent
        new = [s.text for s in sent[self._seen[platform] :]]
        self._seen[platform] = len(sent)
        return new

    def event(
        self,
        event_type: str,
        *,
        user: str | None = "bob",
        amount: float | None = None,
        platform: str = "twitch",
        channel: str = "chan",
    ) -> list[str]:
        """Report a platform event; returns what the bot said."""
        self.bot.handle_event(
            PlatformEventIn(
                id=new_id(),
                platform=platform,  # type: ignore[arg-type]
                event_type=event_type,  # type: ignore[arg-type]
                channel_id=channel,
                user_id=f"{platform}-{user}" if user else None,
                user_name=user,
                amount=amount,
                ts=self.clocks.now,
            )
        )
        return self.replies(platform)

    def tick(self, seconds: float = 0, platform: str = "twitch") -> list[str]:
        """Let time pass, tick the bot, and return what it said."""
        self.clocks.advance(seconds)
        self.bot.tick()
        return self.replies(platform)

    def points(self, user: str, platform: str = "twitch") -> int:
        """A chatter's written balance (flushing first)."""
        self.bot.flush()
        from wavestack.services.bots import economy

        viewer = economy.find_account(
            self.container.uow(write=False), org_id=self.org_id, platform=platform, name=user
        )
        assert viewer is not None, user
        return economy.standing(
            self.container.uow(write=False), org_id=self.org_id, viewer_id=viewer
        ).points
