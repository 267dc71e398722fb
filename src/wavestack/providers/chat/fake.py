"""In-memory chat platform: records what the bots said and did (tests, demo mode, console)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from wavestack.providers.chat.port import PlatformError, StreamInfo


@dataclass(frozen=True)
class Sent:
    """A message the bot posted."""

    channel_id: str
    text: str
    reply_to: str | None = None


class FakeChat:
    """A chat that keeps everything sent; `on_send` lets a console print it as it happens."""

    def __init__(
        self,
        platform: str,
        on_send: Callable[[Sent], None] | None = None,
        on_action: Callable[[str], None] | None = None,
    ) -> None:
        self.platform = platform
        self.sent: list[Sent] = []
        self.deleted: list[tuple[str, str]] = []
        self.timeouts: list[tuple[str, str, int, str]] = []
        self.roles: list[tuple[str, str, str]] = []
        self.bans: list[tuple[str, str, str]] = []
        self._on_send = on_send
        self._on_action = on_action or (lambda _: None)

    def send(self, channel_id: str, text: str, *, reply_to: str | None = None) -> None:
        """Keep (and announce) the message."""
        sent = Sent(channel_id, text, reply_to)
        self.sent.append(sent)
        if self._on_send is not None:
            self._on_send(sent)

    def delete_message(self, channel_id: str, message_id: str, *, reason: str = "") -> None:
        """Remember the deletion."""
        self.deleted.append((channel_id, message_id))
        self._on_action(f"deleted a message: {reason}" if reason else "deleted a message")

    def timeout(self, channel_id: str, user_id: str, seconds: int, reason: str) -> None:
        """Remember the timeout."""
        self.timeouts.append((channel_id, user_id, seconds, reason))
        self._on_action(f"timed out {user_id} for {seconds}s ({reason})")

    def ban(self, channel_id: str, user_id: str, reason: str) -> None:
        """Remember the ban."""
        self.bans.append((channel_id, user_id, reason))
        self._on_action(f"banned {user_id} ({reason})")

    def assign_role(self, channel_id: str, user_id: str, role: str) -> None:
        """Remember the role."""
        self.roles.append((channel_id, user_id, role))
        self._on_action(f"gave {user_id} the role {role}")


@dataclass
class FakeChannel:
    """A channel's stream state."""

    live: bool = False
    started_at: datetime | None = None
    title: str = "Untitled stream"
    game: str = "Just Chatting"
    viewers: int = 0
    raided: list[str] = field(default_factory=list)
    shoutouts: list[str] = field(default_factory=list)


class FakeStreamControl:
    """Stream state in memory; a known list of categories, like a platform's directory."""

    CATEGORIES = ("Just Chatting", "Minecraft", "Fortnite", "Elden Ring", "Art", "Music")

    def __init__(self, platform: str) -> None:
        self.platform = platform
        self.channels: dict[str, FakeChannel] = {}

    def channel(self, channel_id: str) -> FakeChannel:
        """The state of a channel, made on first use."""
        return self.channels.setdefault(channel_id, FakeChannel())

    def stream_info(self, channel_id: str) -> StreamInfo:
        """Report the channel's state."""
        ch = self.channel(channel_id)
        return StreamInfo(ch.live, ch.started_at, ch.title, ch.game, ch.viewers)

    def set_title(self, channel_id: str, title: str) -> None:
        """Change the title."""
        self.channel(channel_id).title = title

    def set_game(self, channel_id: str, game: str) -> str:
        """Pick the category whose name starts with (or contains) the words given."""
        wanted = game.casefold()
        for name in self.CATEGORIES:
            if name.casefold().startswith(wanted) or wanted in name.casefold():
                self.channel(channel_id).game = name
                return name
        raise PlatformError(f"no category matches {game!r}")

    def shoutout(self, channel_id: str, user: str) -> str:
        """Record the shoutout."""
        self.channel(channel_id).shoutouts.append(user)
        return f"they were last seen streaming {self.channel(user).game}"

    def raid(self, channel_id: str, target: str) -> None:
        """Record the raid."""
        if not self.channel(channel_id).live:
            raise PlatformError("you can only raid while live")
        self.channel(channel_id).raided.append(target)
