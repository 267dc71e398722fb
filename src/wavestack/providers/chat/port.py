"""What the bots need from a chat platform; each adapter (Twitch, Discord, ...) implements it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class PlatformError(Exception):
    """The platform refused or failed; the message is safe to show in chat."""


@dataclass(frozen=True)
class Button:
    """A button under a message; pressing it runs `command` (a command line without the
    prefix, such as `rps rock`) as the one who pressed."""

    label: str
    command: str


class Rich(str):
    """Chat text with extras that platforms able to show them do (buttons, a card with a
    heading, a link and a few fields); every other platform sends the text as it is."""

    buttons: tuple[Button, ...]
    heading: str
    link: str
    fields: tuple[tuple[str, str], ...]

    def __new__(
        cls,
        text: str,
        *,
        buttons: tuple[Button, ...] = (),
        heading: str = "",
        link: str = "",
        fields: tuple[tuple[str, str], ...] = (),
    ) -> Rich:
        rich = super().__new__(cls, text)
        rich.buttons, rich.heading, rich.link, rich.fields = buttons, heading, link, fields
        return rich


@dataclass(frozen=True)
class StreamInfo:
    """A channel's stream as the platform reports it."""

    live: bool
    started_at: datetime | None = None
    title: str | None = None
    game: str | None = None
    viewers: int = 0


class ChatPort(Protocol):
    """Speak in a platform's chat and act on its messages."""

    platform: str

    def send(self, channel_id: str, text: str, *, reply_to: str | None = None) -> None:
        """Post a message in a channel (as a reply where the platform supports it)."""

    def delete_message(self, channel_id: str, message_id: str, *, reason: str = "") -> None:
        """Remove a message (the reason goes to the platform's audit log where it has one)."""

    def timeout(self, channel_id: str, user_id: str, seconds: int, reason: str) -> None:
        """Keep a user from chatting for a while."""

    def ban(self, channel_id: str, user_id: str, reason: str) -> None:
        """Ban a user from the channel."""

    def assign_role(self, channel_id: str, user_id: str, role: str) -> None:
        """Give a member a role (a Discord server role; elsewhere unsupported: PlatformError)."""


class StreamControl(Protocol):
    """Steer a platform's stream: title, game, shoutouts, raids; and read its state."""

    platform: str

    def stream_info(self, channel_id: str) -> StreamInfo:
        """Whether the channel is live, since when, and its title and game."""

    def set_title(self, channel_id: str, title: str) -> None:
        """Change the stream title."""

    def set_game(self, channel_id: str, game: str) -> str:
        """Change the category; returns the category's name as the platform knows it."""

    def shoutout(self, channel_id: str, user: str) -> str:
        """Shout out another streamer; returns a line about them (their last game)."""

    def raid(self, channel_id: str, target: str) -> None:
        """Send the viewers to another channel."""
